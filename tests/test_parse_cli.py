"""`syndicate parse`: the summary, the JSON object, and one clear line for every bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import Result
from site_helpers import EXAMPLES, cli

KEYS = {
    "id",
    "title",
    "dek",
    "authors",
    "published",
    "updated",
    "url",
    "source",
    "language",
    "tags",
    "newsletter",
    "lead",
    "blocks",
}


def run(site: Path, *args: str) -> Result:
    return cli(site, "parse", *args)


def test_json_is_one_object_with_the_documented_keys(seed: Path, tmp_path: Path) -> None:
    result = run(tmp_path, str(seed), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= KEYS
    assert data["id"] is None
    # The seed has no dateline: the date of its photo caption is not its publication date.
    assert data["published"] is None
    assert data["draft"] is False
    assert data["newsletter"] == "The Jerusalem Post Newsletter"
    assert data["lead"]["credit"] == "Courtesy"
    assert [b["type"] for b in data["blocks"]].count("paragraph") == 11
    heading = next(b for b in data["blocks"] if b["type"] == "heading")
    assert heading["text"] == "Close relations with Azerbaijan positive development"
    figure = next(b for b in data["blocks"] if b["type"] == "figure")
    assert set(figure) >= {"caption", "credit", "src", "alt"}


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("harbour-festival.txt", "Port Elwin’s harbour festival returns after four quiet summers"),
        ("library-reopening.md", "Eastbrook library reopens with a rooftop reading room"),
        ("council-budget.html", "Ashford Vale council backs budget with free bus weekends"),
    ],
)
def test_summary_names_what_was_recovered(tmp_path: Path, name: str, title: str) -> None:
    result = run(tmp_path, str(EXAMPLES / name))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"title:      {title}"
    assert any(line.startswith("blocks:") and "paragraphs" in line for line in lines)
    assert any(line.startswith("  fig ") for line in lines)


def test_format_option_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "story.post"
    path.write_text("# Heading as title\n\nA *Markdown* body.\n", encoding="utf-8")
    result = run(tmp_path, str(path), "--format", "markdown", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Heading as title"
    assert data["blocks"][0]["html"] == "A <em>Markdown</em> body."
    as_text = json.loads(run(tmp_path, str(path), "--format", "text", "--json").stdout)
    assert as_text["title"] == "# Heading as title"


def bad_inputs(folder: Path) -> list[tuple[Path, str]]:
    """Each bad input and the one line it must give."""
    folder.mkdir()
    cases: list[tuple[Path, str]] = []

    def make(name: str, data: bytes, problem: str) -> None:
        path = folder / name
        path.write_bytes(data)
        cases.append((path, f"{path}: {problem}"))

    cases.append((folder / "missing.txt", f"{folder / 'missing.txt'}: no such file"))
    (folder / "a-folder.txt").mkdir()
    cases.append(
        (folder / "a-folder.txt", f"{folder / 'a-folder.txt'}: is a folder, not an article file")
    )
    os.mkfifo(folder / "pipe.txt")
    cases.append((folder / "pipe.txt", f"{folder / 'pipe.txt'}: is not a regular file"))
    make("empty.txt", b"", "is empty")
    make("blank.md", b"  \n\t\r\n\n", "is empty")
    make("nbsp.txt", "\u00a0\n\u200b\n".encode(), "is empty")
    make(
        "binary.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00",
        "looks like a binary file, not text",
    )
    make(
        "latin1.txt",
        "Caf\u00e9 headline\n\nBody.\n".encode("latin-1"),
        "is not valid UTF-8 text (byte 0xe9 at offset 3); save it as UTF-8",
    )
    make(
        "latin1.html",
        "<html><body><h1>Caf\u00e9</h1></body></html>".encode("latin-1"),
        "is not valid UTF-8 text (byte 0xe9 at offset 19); save it as UTF-8",
    )
    make(
        "notitle.txt",
        b"(photo credit: Someone)\n\nA paragraph.\n",
        "no recognisable title (the first line should be the headline)",
    )
    make(
        "notitle.md",
        b"Only a paragraph.\n",
        "no recognisable title (add `title:` front matter or a # heading)",
    )
    make(
        "article.pdf",
        b"%PDF-1.4",
        "unknown article format (extension '.pdf'; expected .txt, .text, .md, .markdown, "
        ".html, .htm, .xhtml, or pass --format)",
    )
    big = folder / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    cases.append((big, f"{big}: is 10.0 MB; articles are limited to 10 MB"))
    return cases


def test_every_bad_input_is_one_line_and_exit_1(tmp_path: Path) -> None:
    for path, message in bad_inputs(tmp_path / "bad"):
        result = run(tmp_path, str(path))
        assert result.exit_code == 1, (path, result.output)
        assert result.stderr == f"Error: {message}\n", path
        assert result.stdout == ""
        assert "Traceback" not in result.output


def test_unknown_format_name_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, str(EXAMPLES / "harbour-festival.txt"), "--format", "pdf")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
