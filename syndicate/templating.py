"""Jinja2 environments over the packaged templates, overridden file by file by a site's."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from syndicate.config import Settings


@cache
def packaged_templates() -> Path:
    """Return the templates shipped with syndicate: in the wheel, or in the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("syndicate's templates are missing from this installation")


def template_environment(settings: Settings, *, autoescape: bool = True) -> jinja2.Environment:
    """Return an environment that looks in the site's templates/ first, then the packaged ones."""
    loader = jinja2.FileSystemLoader([str(settings.templates_path), str(packaged_templates())])
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
