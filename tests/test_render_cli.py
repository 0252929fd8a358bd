"""`syndicate render`: preview files, stored articles, screenshots in a real chromium."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from click.testing import Result
from email_samples import parse, parts
from site_helpers import cli

from syndicate.config import load_settings
from syndicate.newsletter import preview
from syndicate.publishing import PublishOptions, publish_files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "library-reopening.md"
SLUG = "eastbrook-library-reopens-with-a-rooftop-reading-room"


def run(site: Path, *args: str) -> Result:
    return cli(site, "render", *args)


def test_render_writes_html_text_and_eml_into_the_preview_folder(site: Path) -> None:
    result = run(site, str(EXAMPLE), "--to", "Editor <editor@example.net>")
    folder = site / "outbox" / "preview"
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.output.splitlines()]
    assert written == [folder / f"{SLUG}.{ext}" for ext in ("html", "txt", "eml")]
    message = parse(written[2].read_bytes())
    assert message["To"] == "Editor <editor@example.net>"
    assert message["Subject"] == "Eastbrook library reopens with a rooftop reading room"
    text, html = parts(message)
    assert written[0].read_text(encoding="utf-8") == html
    assert written[1].read_text(encoding="utf-8") == text
    assert "editor@example.net" in text
    assert "https://news.example.com/unsubscribe/preview" in text.split()


def test_render_to_another_folder(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "look"
    result = run(site, str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"{SLUG}.{ext}" for ext in ("eml", "html", "txt")
    ]
    assert not (site / "outbox").exists()


def test_render_a_stored_article_by_slug_and_number(site: Path) -> None:
    settings = load_settings(site, environ={})
    [published] = publish_files(settings, [EXAMPLE], options=PublishOptions(send_email=False))
    for ref in (SLUG, str(published.article_pk)):
        result = run(site, ref)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0].endswith(f"{SLUG}.html")


def test_render_a_missing_article_is_one_clear_line(site: Path) -> None:
    result = run(site, "no-such-article.txt")
    assert result.exit_code == 1
    assert result.output == (
        "Error: no-such-article.txt: no such article file, "
        "and no stored article has that number, id or slug\n"
    )
    assert not (site / "syndicate.db").exists()


def test_render_an_unknown_stored_article_is_one_clear_line(site: Path) -> None:
    settings = load_settings(site, environ={})
    publish_files(settings, [EXAMPLE], options=PublishOptions(send_email=False))
    result = run(site, "9999")
    assert result.exit_code == 1
    assert result.output == (
        "Error: 9999: no such article file, and no stored article has that number, id or slug\n"
    )


def test_render_warns_when_the_article_is_cut(site: Path) -> None:
    long_body = "\n\n".join(
        f"Paragraph {n}: the council debated the harbour budget line by line again." * 3
        for n in range(1500)
    )
    article = site / "content" / "long.md"
    article.write_text(
        "---\ntitle: A very long council meeting\nurl: https://news.example.com/long\n---\n\n"
        + long_body,
        encoding="utf-8",
    )
    result = cli(site, "render", str(article))
    assert result.exit_code == 0, result.output
    assert "too long for one email" in result.stderr


def test_render_open_hands_the_html_to_the_browser(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = run(site, str(EXAMPLE), "--open")
    assert result.exit_code == 0, result.output
    assert opened == [(site / "outbox" / "preview" / f"{SLUG}.html").resolve().as_uri()]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.browser
def test_render_screenshots_at_desktop_and_phone_width(site: Path) -> None:
    result = run(site, str(EXAMPLE), "--screenshot")
    assert result.exit_code == 0, result.output
    folder = site / "outbox" / "preview"
    desktop, phone = folder / f"{SLUG}-desktop.png", folder / f"{SLUG}-phone.png"
    assert result.output.splitlines()[-2:] == [str(desktop), str(phone)]
    desktop_width, desktop_height = _png_size(desktop)
    phone_width, phone_height = _png_size(phone)
    assert (desktop_width, phone_width) == (600, 375)
    # The phone layout reflows the article into a longer page instead of overflowing sideways.
    assert phone_height > desktop_height > 800


def test_render_screenshot_without_chromium_is_one_clear_line(
    site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(preview, "CHROMIUM", tmp_path / "no-chromium")
    result = run(site, str(EXAMPLE), "--screenshot")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: --screenshot needs chromium at {tmp_path / 'no-chromium'} (apt install chromium)"
    )
