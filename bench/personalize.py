"""Benchmark 1: every recipient's complete message bytes, syndicate against the obvious loops.

syndicate renders the issue once, builds the template once and splices each recipient in
(signing the unsubscribe token and making the Message-ID, as the sender does). The
baselines do per recipient what a straightforward newsletter script does: (a) Jinja2 +
premailer + EmailMessage, (b) Jinja2 + css-inline + EmailMessage. They run on a sample and
are reported in messages per second, like syndicate over all recipients.

Example: .venv/bin/python bench/personalize.py --recipients 20000
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import css_inline
import premailer
from common import EXAMPLE_ARTICLE, figure, make_site, temp_folder

from syndicate.config import Settings, load_settings, site_secret
from syndicate.model import Article
from syndicate.newsletter import render, text
from syndicate.newsletter.definitions import default_newsletter
from syndicate.newsletter.digest_email import render_digest
from syndicate.newsletter.message import Recipient, build_template, message_id, unsubscribe_mailto
from syndicate.newsletter.splice import personalize
from syndicate.readers import read_article
from syndicate.store import utcnow
from syndicate.subscribers import manage_url, unsubscribe_url
from syndicate.templating import template_environment

ISSUE_ID = 1
Inliner = Callable[[str], str]


def recipient_of(n: int) -> tuple[int, str, str | None]:
    """Return subscriber `n`'s id, address and name (every other one has a name)."""
    return n + 1, f"reader{n:06d}@example.net", f"Reader Number {n}" if n % 2 else None


def syndicate_messages(
    settings: Settings, article: Article, count: int, digest: Sequence[Article] = ()
) -> tuple[float, int]:
    """Render once, build the template once, splice every recipient; return seconds, bytes.

    With `digest`, the issue is a digest of those articles instead of `article` alone.
    """
    started = time.perf_counter()
    settings = replace(settings, secret=site_secret(settings))  # as `send` does once per run
    if digest:
        newsletter = default_newsletter(settings)
        rendered = render_digest(settings, newsletter, digest)
    else:
        rendered = render.render_issue(settings, article)
    template = build_template(settings, rendered, date=utcnow())
    size = 0
    for n in range(count):
        subscriber_id, address, name = recipient_of(n)
        recipient = Recipient(
            address=address,
            name=name,
            unsubscribe_url=unsubscribe_url(settings, subscriber_id),
            message_id=message_id(settings, ISSUE_ID, subscriber_id),
            manage_url=manage_url(settings, subscriber_id),
        )
        size += len(personalize(template, recipient))
    return time.perf_counter() - started, size


def premailer_inline(html: str) -> str:
    """Inline CSS with premailer, configured as syndicate's renderer configures it."""
    inliner = premailer.Premailer(
        html,
        strip_important=False,
        disable_basic_attributes=render.BASIC_ATTRIBUTES,
        allow_network=False,
        disable_link_rewrites=True,
        cssutils_logging_handler=logging.NullHandler(),
        cssutils_logging_level=logging.CRITICAL,
    )
    result: str = inliner.transform()
    return result


def css_inline_inliner() -> Inliner:
    """Return css-inline's inliner, built once, keeping @media rules as premailer does."""
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)
    return inliner.inline


def obvious_loop(settings: Settings, article: Article, count: int, inline: Inliner) -> float:
    """Build `count` messages the obvious way, one full render each; return seconds.

    The article's context and the Jinja environments are made once, outside the loop, so
    the baseline pays only for what must differ per recipient in that design.
    """
    newsletter = default_newsletter(settings)
    name = newsletter.name
    context: dict[str, Any] = render._context(settings, article, newsletter)
    html_template = template_environment(settings).get_template("email/article.html.j2")
    text_environment = template_environment(settings, autoescape=False)
    text_environment.filters["wrap"] = text.wrap
    text_template = text_environment.get_template("email/article.txt.j2")
    body = text.article_body(context["blocks"])
    mailto = unsubscribe_mailto(settings)

    started = time.perf_counter()
    for n in range(count):
        subscriber_id, address, person = recipient_of(n)
        url = unsubscribe_url(settings, subscriber_id)
        personal = {**context, "unsubscribe_url": url, "address": address}
        html = inline(html_template.render(personal))
        plain = text.tidy(text_template.render(personal, body=body, truncated=False))
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = Address(name, addr_spec=settings.sender_address)
        message["To"] = Address(person or "", addr_spec=address)
        message["Subject"] = article.title
        message["Date"] = utcnow()
        message["Message-ID"] = message_id(settings, ISSUE_ID, subscriber_id)
        message["List-Unsubscribe"] = f"<{url}>, <{mailto}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(plain, subtype="plain", cte="quoted-printable")
        message.add_alternative(html, subtype="html", cte="quoted-printable")
        message.as_bytes()
    return time.perf_counter() - started


def main() -> None:
    """Run the three sides on one article and print messages per second with the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--sample-premailer", type=int, default=500)
    parser.add_argument("--sample-css-inline", type=int, default=1_000)
    parser.add_argument("--article", type=Path, default=EXAMPLE_ARTICLE)
    options = parser.parse_args()

    with temp_folder("bench-personalize-") as folder:
        settings = load_settings(make_site(folder / "site"), environ={})
        article = read_article(options.article, settings)
        print(
            f"personalize: one article ({options.article.name}), {options.recipients:,} recipients"
        )

        seconds_a = obvious_loop(settings, article, options.sample_premailer, premailer_inline)
        rate_a = options.sample_premailer / seconds_a
        seconds_b = obvious_loop(settings, article, options.sample_css_inline, css_inline_inliner())
        rate_b = options.sample_css_inline / seconds_b
        seconds, size = syndicate_messages(settings, article, options.recipients)
        rate = options.recipients / seconds

        figure(
            f"(a) jinja2+premailer+EmailMessage, sample {options.sample_premailer}", rate_a, "msg/s"
        )
        figure(
            f"(b) jinja2+css-inline+EmailMessage, sample {options.sample_css_inline}",
            rate_b,
            "msg/s",
        )
        print(
            f"syndicate: {options.recipients:,} messages, {size / options.recipients:,.0f} bytes each, {seconds:.2f} s"
        )
        figure("syndicate personalize", rate, "msg/s", baseline=("(a)", rate_a), target=50)
        figure("syndicate personalize", rate, "msg/s", baseline=("(b)", rate_b), target=5)
        ten = [
            article.with_changes(title=f"{article.title} ({n})", slug=f"{article.slug}-{n}")
            for n in range(1, 11)
        ]
        seconds_d, size_d = syndicate_messages(settings, article, options.recipients, ten)
        print(
            f"digest of 10: {options.recipients:,} messages, "
            f"{size_d / options.recipients:,.0f} bytes each, {seconds_d:.2f} s"
        )
        figure(
            "syndicate personalize, digest of 10 articles",
            options.recipients / seconds_d,
            "msg/s",
            baseline=("the single-article issue", rate),
            target=0.9,
        )


if __name__ == "__main__":
    main()
