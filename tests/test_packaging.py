"""Every third-party package syndicate imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_top_level_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "syndicate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"syndicate"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    requirements += project["optional-dependencies"]["screenshots"]  # imported only when asked
    declared = {_canonical(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in requirements}
    providers = packages_distributions()
    imported = _imported_top_level_names()
    assert {"lxml", "dateutil", "flask"} <= imported  # the walk found the imports
    undeclared = {
        name: providers.get(name)
        for name in imported
        if not declared & {_canonical(dist) for dist in providers.get(name, [name])}
    }
    assert not undeclared, f"imported but not in pyproject's dependencies: {undeclared}"


def test_the_package_says_it_is_typed_and_licensed() -> None:
    assert (ROOT / "syndicate" / "py.typed").is_file()
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and license_text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the syndicate developers" in license_text
