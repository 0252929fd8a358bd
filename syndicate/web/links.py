"""The pages behind the links in emails: confirm and unsubscribe.

A GET never changes state (mail scanners follow links): it shows a page whose one button
posts to the same address. The signed token in the link is the authority for that POST, so
these pages take no cookie or CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for

from syndicate import subscribers
from syndicate.errors import NoLongerListedError, TokenError
from syndicate.newsletter.catalog import load_newsletters
from syndicate.newsletter.definitions import Newsletter
from syndicate.web.pages import (
    FORM_POLICY,
    confirmation_sender,
    content_policy,
    in_english,
    page,
    sentence,
    site_engine,
    site_settings,
    translate,
)

blueprint = Blueprint("links", __name__)


def bad_link(error: TokenError) -> Response:
    title = translate("This link does not work")
    if in_english():
        return page("error", 400, title=title, message=sentence(str(error)))
    message = translate(
        "The link is not valid any more, or it was cut short: copy the whole link from the email."
    )
    return page("error", 400, title=title, message=message)


def button_page(purpose: str, token: str) -> Response:
    """Show a link's page, whose one button posts to the same address (a GET changes nothing)."""
    subscriber = subscribers.subscriber_for_token(site_engine(), site_settings(), token, purpose)
    return page(purpose, subscriber=subscriber, action=url_for(f"links.{purpose}", token=token))


@blueprint.route("/test-copy/<link>", methods=["GET", "POST"])
@content_policy(FORM_POLICY)
def test_copy(link: str) -> Response:
    # A POST too: a mail provider's one-click unsubscribe of a test copy lands here.
    return page(
        "error",
        title=translate("This was a test copy"),
        message=translate(
            "This link came in a test copy of an issue (syndicate newsletter test): "
            "it unsubscribes nobody and changes nothing."
        ),
    )


@blueprint.get("/confirm/<token>")
@content_policy(FORM_POLICY)
def confirm_page(token: str) -> Response:
    try:
        return button_page("confirm", token)
    except TokenError as e:
        return bad_link(e)


@blueprint.post("/confirm/<token>")
@content_policy(FORM_POLICY)
def confirm(token: str) -> Response:
    try:
        subscriber, joined = subscribers.confirm_joining(
            site_engine(), site_settings(), token, method="web", client=request.remote_addr
        )
    except TokenError as e:
        return bad_link(e)
    # One welcome per newsletter this confirmation joined (none on a second press).
    confirmation_sender().submit_welcome(subscriber, joined)
    return page("confirmed", subscriber=subscriber)


def _newsletter(slug: str | None) -> Newsletter | None:
    """Return the newsletter a link names; None (every one) when the site no longer has it."""
    if slug is None:
        return None
    found = load_newsletters(site_engine(), site_settings())
    return next((n for n in found if n.slug == slug), None)


@blueprint.get("/unsubscribe/<token>")
@blueprint.get("/unsubscribe/<slug>/<token>")
@content_policy(FORM_POLICY)
def unsubscribe_page(token: str, slug: str | None = None) -> Response:
    newsletter = _newsletter(slug)
    named: dict[str, Any] = {"newsletter": newsletter.name} if newsletter else {}
    try:
        subscriber = subscribers.subscriber_for_token(
            site_engine(), site_settings(), token, "unsubscribe"
        )
    except NoLongerListedError:  # removed since: nothing to do
        return page("unsubscribe", subscriber=None, about=newsletter, **named)
    except TokenError as e:
        return bad_link(e)
    where: dict[str, Any] = {"slug": newsletter.slug} if newsletter else {}
    action = url_for("links.unsubscribe", token=token, **where)
    return page("unsubscribe", subscriber=subscriber, action=action, about=newsletter, **named)


@blueprint.post("/unsubscribe/<token>")
@blueprint.post("/unsubscribe/<slug>/<token>")
@content_policy(FORM_POLICY)
def unsubscribe(token: str, slug: str | None = None) -> Response:
    # Answered 200 without a redirect: RFC 8058 one-click POSTs from mail providers
    # (form-encoded or multipart) and the page's own button land here alike. A link with a
    # newsletter leaves that one only; one without (or naming a newsletter the site no
    # longer has) leaves every one.
    engine, settings = site_engine(), site_settings()
    newsletter = _newsletter(slug)
    named: dict[str, Any] = {"newsletter": newsletter.name} if newsletter else {}
    try:
        # Checked here first so that nothing but a signed token can name a subscriber.
        subscribers.subscriber_for_token(engine, settings, token, "unsubscribe")
        subscriber = subscribers.unsubscribe(
            engine,
            settings,
            token,
            method="web",
            newsletter=newsletter.slug if newsletter else None,
        )
    except NoLongerListedError:
        subscriber = None  # removed since the email went out: the unsubscribe is done
    except TokenError as e:
        return bad_link(e)
    signup = url_for("signup.signup_form")
    return page("left", subscriber=subscriber, signup=signup, about=newsletter, **named)
