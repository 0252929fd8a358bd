"""Preview an article's newsletter email as files: HTML, text, .eml, and screenshots."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path

from syndicate.articles import get_article
from syndicate.atomic import write_atomic
from syndicate.config import Settings
from syndicate.errors import (
    AddressError,
    InputError,
    NewsletterError,
    ScreenshotError,
    SyndicateError,
    UnknownArticleError,
)
from syndicate.model import Article
from syndicate.newsletter.archive_paths import digest_url
from syndicate.newsletter.cadence import slot_text
from syndicate.newsletter.digest_email import render_digest
from syndicate.newsletter.digests import Upcoming, upcoming
from syndicate.newsletter.message import (
    Recipient,
    build_message,
    fill,
    one_click_ready,
)
from syndicate.newsletter.render import RenderedIssue, render_issue
from syndicate.store import open_store, utcnow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The two widths a newsletter must look right at: the 600px layout, and a phone.
SCREENSHOT_WIDTHS = {"desktop": 600, "phone": 375}
PREVIEW_ADDRESS = "reader@example.com"


@dataclass(frozen=True)
class Preview:
    """The files one preview wrote, and what the user should know about them."""

    html: Path
    text: Path
    eml: Path
    screenshots: tuple[Path, ...]
    rendered: RenderedIssue
    warnings: tuple[str, ...]


def load_article(settings: Settings, file_or_id: str) -> Article:
    """Read an article file, or find a stored article by number, feed id or slug."""
    from syndicate.readers.fetch import is_url

    if is_url(file_or_id):
        from syndicate.readers import read_source  # trafilatura is slow to import: only here

        return read_source(file_or_id, settings)
    path = Path(file_or_id).expanduser()
    if path.exists():
        from syndicate.readers import read_article  # trafilatura is slow to import: only here

        return read_article(path, settings)
    missing = InputError(
        f"{file_or_id}: no such article file, and no stored article has that number, id or slug"
    )
    sqlite_file = settings.db_url.removeprefix("sqlite:///")
    # Only look in a database that exists: a mistyped file name must not create one.
    if sqlite_file != settings.db_url and not Path(sqlite_file).is_file():
        raise missing
    engine = open_store(settings)
    try:
        with engine.connect() as conn:
            return get_article(conn, file_or_id).article
    except UnknownArticleError:
        raise missing from None
    finally:
        engine.dispose()


def preview_recipient(settings: Settings, address: str | None) -> Recipient:
    """Return a stand-in recipient whose links show where a real one's would go."""
    name, bare = parseaddr(address or PREVIEW_ADDRESS)
    if not bare:
        raise AddressError(f"--to: {address!r} is not an email address")
    return Recipient(
        address=bare,
        name=name or None,
        unsubscribe_url=f"{settings.public_web_url}/unsubscribe/preview",
        message_id=f"<preview@{settings.host}>",
        manage_url=f"{settings.public_web_url}/manage/preview",
    )


def take_screenshots(html: Path, folder: Path, slug: str) -> tuple[Path, ...]:
    """Photograph `html` in chromium at the desktop and phone widths."""
    if not CHROMIUM.is_file():
        raise ScreenshotError(f"--screenshot needs chromium at {CHROMIUM} (apt install chromium)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScreenshotError(
            "--screenshot needs Playwright: pip install 'syndicate[screenshots]'"
        ) from None
    shots = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for label, width in SCREENSHOT_WIDTHS.items():
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.goto(html.resolve().as_uri())
                    target = folder / f"{slug}-{label}.png"
                    page.screenshot(path=str(target), full_page=True)
                    page.close()
                    shots.append(target)
            finally:
                browser.close()
    except PlaywrightError as e:
        raise ScreenshotError(f"chromium could not take the screenshots: {e.message}") from e
    return tuple(shots)


def write_preview(
    settings: Settings,
    file_or_id: str,
    *,
    to: str | None = None,
    out: Path | None = None,
    screenshot: bool = False,
) -> Preview:
    """Render an article's email and write SLUG.html, SLUG.txt and SLUG.eml for a look."""
    article = load_article(settings, file_or_id)
    rendered = render_issue(settings, article)
    preview = write_files(settings, rendered, article.slug, to=to, out=out, screenshot=screenshot)
    if rendered.truncated:
        cut = "the article is too long for one email (Gmail clips past 102 KB): " + (
            "it was cut, with a link to the rest"
            if article.url
            else "it was cut with a note; give it a URL to link to the rest"
        )
        return replace(preview, warnings=(cut, *preview.warnings))
    return preview


def write_files(
    settings: Settings,
    rendered: RenderedIssue,
    name: str,
    *,
    to: str | None = None,
    out: Path | None = None,
    screenshot: bool = False,
) -> Preview:
    """Write a rendered email as NAME.html, NAME.txt and NAME.eml (and screenshots)."""
    recipient = preview_recipient(settings, to)
    message = build_message(settings, rendered, recipient, date=utcnow())
    folder = out or settings.outbox_path / "preview"
    html_path, text_path, eml_path = (folder / f"{name}.{ext}" for ext in ("html", "txt", "eml"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The .eml is the message a subscriber gets; the HTML and text files are its parts.
        write_atomic(eml_path, message)
        write_atomic(html_path, fill(rendered.html, recipient, html=True).encode("utf-8"))
        write_atomic(text_path, fill(rendered.text, recipient, html=False).encode("utf-8"))
    except OSError as e:
        raise SyndicateError(f"cannot write the preview into {folder}: {e.strerror or e}") from e
    shots = take_screenshots(html_path, folder, name) if screenshot else ()
    warnings = []
    if not one_click_ready(settings):
        warnings.append(
            f"unsubscribe links start with {settings.public_web_url}: one-click unsubscribe "
            "(RFC 8058) needs https, so List-Unsubscribe-Post is left out"
        )
    return Preview(html_path, text_path, eml_path, shots, rendered, tuple(warnings))


def write_digest_preview(
    settings: Settings,
    slug: str,
    *,
    to: str | None = None,
    out: Path | None = None,
    screenshot: bool = False,
    now: datetime | None = None,
) -> tuple[Preview, Upcoming]:
    """Render the digest `slug`'s next slot would send, from what waits now; write its files."""
    engine = open_store(settings)
    try:
        coming = upcoming(engine, settings, slug, now or utcnow())
    finally:
        engine.dispose()
    if not coming.articles:
        when = slot_text(settings, coming.slot)
        raise NewsletterError(
            f"no article waits for the next digest of {slug} ({when}): it would send nothing"
        )
    page = digest_url(settings, coming.newsletter, coming.slot)  # where it will be archived
    rendered = render_digest(settings, coming.newsletter, coming.articles, page)
    name = f"{slug}-digest"
    return write_files(settings, rendered, name, to=to, out=out, screenshot=screenshot), coming
