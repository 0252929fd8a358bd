"""Helpers for the HTML reader tests: a page of our own writing, read as a file."""

from __future__ import annotations

from pathlib import Path

from syndicate.config import Settings
from syndicate.model import Article
from syndicate.readers import read_article


def read_page(tmp_path: Path, conf: Settings, html: str) -> Article:
    """Write `html` to a file under `tmp_path` and read it as an article."""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    return read_article(path, conf)
