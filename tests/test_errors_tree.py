"""One error tree: every exception class lives in syndicate/errors.py and knows its exit code."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import syndicate
from syndicate import errors
from syndicate.cli.base import SyndicateGroup
from syndicate.config import load_settings
from syndicate.run import run_lock

PACKAGE = Path(syndicate.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def exception_classes() -> Iterator[tuple[str, str]]:
    """Yield (module, class name) for every exception class defined anywhere under syndicate/.

    The source is read with ast, so a class nested in a function counts too; each base is
    resolved in its module's namespace to tell an exception from any other class.
    """
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        # __main__ runs the CLI when imported; it only needs builtins to be checked.
        namespace = {} if name.endswith("__main__") else vars(importlib.import_module(name))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for base in node.bases:
                try:
                    resolved = eval(ast.unparse(base), namespace)  # names of this module only
                except (NameError, AttributeError):
                    resolved = None
                if isinstance(resolved, type) and issubclass(resolved, BaseException):
                    yield name, node.name
                    break
                assert resolved is not None or not ast.unparse(base).endswith(
                    ("Error", "Exception", "Problem")
                ), f"{name}.{node.name}: cannot resolve its base {ast.unparse(base)}"


def test_every_exception_class_is_defined_in_errors_py() -> None:
    found = list(exception_classes())
    elsewhere = [f"{module}.{cls}" for module, cls in found if module != "syndicate.errors"]
    assert elsewhere == [], "move these to syndicate/errors.py"
    # The walk does see the tree: errors.py's own classes are all found.
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == "syndicate.errors"
    }
    assert {cls for _, cls in found} == defined
    assert {"SyndicateError", "Refused", "RunLockedError", "DateProblem"} <= defined


def subclasses(cls: type[errors.SyndicateError]) -> Iterator[type[errors.SyndicateError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def test_every_syndicate_error_carries_an_exit_code() -> None:
    tree: list[type[errors.SyndicateError]] = [
        errors.SyndicateError,
        *subclasses(errors.SyndicateError),
    ]
    assert len(tree) > 15
    for cls in tree:
        assert type(cls.exit_code) is int and cls.exit_code in (1, 2), cls.__name__


def test_every_class_is_drawn_in_the_docstring() -> None:
    doc = errors.__doc__ or ""
    for name, value in vars(errors).items():
        if isinstance(value, type) and value.__module__ == "syndicate.errors":
            assert f" {name} " in doc, name


class _UsageMistake(errors.SyndicateError):
    exit_code = 2


@pytest.mark.parametrize(
    ("error", "code"),
    [(errors.InputError("no such file"), 1), (_UsageMistake("no such file"), 2)],
)
def test_the_cli_ends_with_the_errors_exit_code(error: errors.SyndicateError, code: int) -> None:
    @click.group(cls=SyndicateGroup)
    def group() -> None:
        pass

    @group.command()
    def fail() -> None:
        raise error

    result = CliRunner().invoke(group, ["fail"])
    assert result.exit_code == code
    assert result.output == "Error: no such file\n"


def test_the_run_lock_is_told_apart_by_its_class(site: Path) -> None:
    settings = load_settings(site)
    busy = pytest.raises(errors.RunLockedError, match="already running")
    with run_lock(settings), busy, run_lock(settings):
        pass
    # A LockedError from inside the run (the publish lock) is not mistaken for the run lock.
    with pytest.raises(errors.LockedError) as inner, run_lock(settings):
        raise errors.LockedError("another syndicate run is still running")
    assert type(inner.value) is errors.LockedError
