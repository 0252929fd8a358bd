"""The emails about a reader's subscription rather than an article: confirm, welcome, manage.

Each is built directly for its one recipient (no splice: they go one at a time), in the
language of the newsletter it is about, or the site's when it is about several. None greets
the reader by name: a signup's name is text anyone can type, and repeating it would let a
form relay an advert to any address.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from syndicate.config import Settings
from syndicate.i18n import translator
from syndicate.newsletter import text
from syndicate.newsletter.definitions import Newsletter
from syndicate.newsletter.list_id import list_id_header
from syndicate.newsletter.message import (
    POLICY,
    from_address,
    single_token,
    text_header,
    to_address,
)
from syndicate.newsletter.render import inline_css
from syndicate.safetext import one_line
from syndicate.templating import template_environment


def _speaks(settings: Settings, newsletter: Newsletter | None) -> str:
    return (newsletter.language if newsletter else None) or settings.language


def _name(settings: Settings, newsletter: Newsletter | None) -> str:
    return newsletter.name if newsletter else settings.newsletter_name or settings.title


def _build(
    settings: Settings,
    address: str,
    newsletter: Newsletter | None,
    template: str,
    subject: Callable[[Callable[[str], str]], str],
    context: dict[str, Any],
) -> bytes:
    """Render `email/<template>.{html,txt}.j2` and wrap both parts in one message."""
    language = _speaks(settings, newsletter)
    name = _name(settings, newsletter)
    context = {
        "newsletter_name": name,
        "site_title": settings.title,
        "site_url": settings.base_url,
        "address": address,
        **context,
    }
    html = inline_css(
        template_environment(settings, language=language)
        .get_template(f"email/{template}.html.j2")
        .render(context)
    )
    plain = text.tidy(
        text.plain_environment(settings, language)
        .get_template(f"email/{template}.txt.j2")
        .render(context)
    )
    message = EmailMessage(policy=POLICY)
    message["From"] = from_address(settings, name, newsletter.sender if newsletter else None)
    message["To"] = to_address(address, None)
    text_header(message, "Subject", one_line(subject(translator(language))))
    message["Date"] = datetime.now(UTC)
    message["Message-ID"] = make_msgid(domain=settings.host)
    reply_to = (newsletter.reply_to if newsletter else None) or settings.reply_to
    if reply_to:
        message["Reply-To"] = reply_to
    if newsletter is not None:
        message.set_raw("List-Id", list_id_header(settings, newsletter.name, newsletter.slug))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes(policy=POLICY)


def confirmation_message(
    settings: Settings, address: str, confirm_url: str, newsletter: Newsletter | None = None
) -> bytes:
    """Build the double opt-in email that asks `address` to confirm its subscription: about
    `newsletter` when it is the only one asked for, else about the site's newsletters."""
    name = _name(settings, newsletter)
    return _build(
        settings,
        address,
        newsletter,
        "confirm",
        lambda _: _("Confirm your subscription to %(newsletter)s") % {"newsletter": name},
        {"confirm_url": single_token("confirmation URL", confirm_url)},
    )


def welcome_message(
    settings: Settings,
    address: str,
    newsletter: Newsletter,
    *,
    unsubscribe_url: str,
    manage_url: str,
    confirmed_at: datetime,
) -> bytes:
    """Build the welcome email of one newsletter just joined through the web."""
    return _build(
        settings,
        address,
        newsletter,
        "welcome",
        lambda _: _("Welcome to %(newsletter)s") % {"newsletter": newsletter.name},
        {
            "description": newsletter.description,
            "unsubscribe_url": single_token("unsubscribe URL", unsubscribe_url),
            "manage_url": single_token("manage URL", manage_url),
            "confirmed_at": confirmed_at,
        },
    )


def manage_message(settings: Settings, address: str, manage_url: str) -> bytes:
    """Build the email that carries a link to the preferences page (in the site's language)."""
    return _build(
        settings,
        address,
        None,
        "manage",
        lambda _: (
            _("Your link to manage your subscriptions to %(site)s") % {"site": settings.title}
        ),
        {"manage_url": single_token("manage URL", manage_url)},
    )
