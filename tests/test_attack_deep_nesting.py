"""Issue 17: deeply nested HTML or Markdown keeps its text or is refused, never emptied."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import cli, store

from syndicate.store import articles

BODY = "The ferry board met again on Thursday and agreed the winter timetable for all piers."


def deep_html(depth: int) -> str:
    return (
        "<html><head><title>Winter timetable agreed</title></head><body>"
        + "<div>" * depth
        + f"<p>{BODY}</p><p>{BODY}</p>"
        + "</div>" * depth
        + "</body></html>"
    )


def deep_markdown(depth: int) -> str:
    return f"---\ntitle: Winter timetable agreed\n---\n\n{'>' * depth} {BODY}\n\n{BODY}\n"


def stored(site: Path) -> int:
    with store(site) as engine, engine.connect() as conn:
        return len(conn.execute(articles.select()).all())


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        (
            "deep.html",
            deep_html(100_000),
            "its elements are nested too deeply to read (over 256 levels)",
        ),
        (
            "deep.md",
            deep_markdown(50_000),
            "its block quotes or lists are nested too deeply to read (over 20 levels)",
        ),
    ],
)
def test_a_body_past_the_parsers_depth_is_refused_with_one_line(
    site: Path, name: str, text: str, line: str
) -> None:
    path = site / name
    path.write_text(text, encoding="utf-8")
    for command in ("parse", "publish"):
        result = cli(site, command, str(path))
        assert (result.exit_code, result.stderr) == (1, f"Error: {path}: {line}\n")
    assert stored(site) == 0
    assert not list(site.rglob("*.eml"))


@pytest.mark.parametrize(
    ("name", "text"), [("nested.html", deep_html(200)), ("nested.md", deep_markdown(15))]
)
def test_nesting_within_the_limit_keeps_the_text(site: Path, name: str, text: str) -> None:
    path = site / name
    path.write_text(text, encoding="utf-8")
    result = cli(site, "parse", "--json", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.count("agreed the winter timetable") >= 2
