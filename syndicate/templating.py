"""Jinja2 environments over the packaged templates, overridden file by file by a site's.

Each environment speaks one language: gettext is installed into it (jinja2.ext.i18n,
new-style, so `_("... %(name)s", name=x)` is escaped like any other value). Installing
translations changes an environment, and waitress serves from several threads, so a
language gets an environment of its own and is never switched on a shared one.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from syndicate.config import Settings
from syndicate.errors import TemplateProblem
from syndicate.i18n import direction, html_lang, local_date, translations


class _Template(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        try:
            return super().render(*args, **kwargs)
        except jinja2.TemplateError as e:
            raise TemplateProblem(f"{self.filename or self.name}: {e}") from e


class _Environment(jinja2.Environment):
    """An environment whose template mistakes are one-line SyndicateErrors, not tracebacks."""

    template_class = _Template

    def get_template(self, *args: Any, **kwargs: Any) -> jinja2.Template:
        try:
            return super().get_template(*args, **kwargs)
        except jinja2.TemplateSyntaxError as e:
            where = f"{e.filename or e.name}, line {e.lineno}"
            raise TemplateProblem(f"{where}: {e.message}") from e
        except (jinja2.TemplateError, OSError, UnicodeDecodeError) as e:
            raise TemplateProblem(f"cannot read the template {args[0] if args else ''}: {e}") from e


def email_template(
    environment: jinja2.Environment, newsletter_slug: str, name: str
) -> jinja2.Template:
    """Return the email template `name`: the newsletter's own (`email/<slug>/<name>` in the
    site's templates/) when the site has one, else the site's or the packaged one."""
    own = f"email/{newsletter_slug}/{name}"
    assert environment.loader is not None
    try:
        environment.loader.get_source(environment, own)
    except jinja2.TemplateNotFound:
        return environment.get_template(f"email/{name}")
    return environment.get_template(own)


@cache
def packaged_templates() -> Path:
    """Return the templates shipped with syndicate: in the wheel, or in the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("syndicate's templates are missing from this installation")


def template_environment(
    settings: Settings, *, autoescape: bool = True, language: str | None = None
) -> jinja2.Environment:
    """Return an environment that looks in the site's templates/ first, then the packaged ones,
    speaking `language` (default: the site's)."""
    loader = jinja2.FileSystemLoader([str(settings.templates_path), str(packaged_templates())])
    environment = _Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    speaks = language or settings.language
    environment.install_gettext_translations(translations(speaks), newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(lang=html_lang(speaks), direction=direction(speaks))
    environment.filters["local_date"] = lambda moment: local_date(moment, speaks)
    return environment


class Environments:
    """One web environment per language, made at first use and shared by every thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._made: dict[str, jinja2.Environment] = {}
        self._lock = threading.Lock()

    def get(self, language: str | None = None) -> jinja2.Environment:
        speaks = language or self.settings.language
        with self._lock:
            found = self._made.get(speaks)
            if found is None:
                found = self._made[speaks] = template_environment(self.settings, language=speaks)
        return found
