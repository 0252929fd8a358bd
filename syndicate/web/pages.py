"""What every page shares: the site the app serves, rendering, security headers, error pages.

The Content-Security-Policy is chosen per route with `content_policy`: a form keeps the
strict `FORM_POLICY`, a page that shows rendered email HTML takes `EMAIL_POLICY`. A response
whose route chose none (an error page, a feed) gets the strict one.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any, ParamSpec

import jinja2
from flask import Blueprint, Response, current_app, g, make_response
from flask.typing import ResponseReturnValue
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from syndicate.config import Settings
from syndicate.errors import SyndicateError
from syndicate.feeds import discovery_links
from syndicate.subscribers.outgoing import ConfirmationSender

P = ParamSpec("P")

ENGINE = "syndicate.engine"
SETTINGS = "syndicate.settings"
TEMPLATES = "syndicate.templates"
CONFIRMATIONS = "syndicate.confirmations"

# A form page carries its CSS in one <style> block allowed by a per-response nonce; nothing
# else may load, frame the page or receive its forms.
FORM_POLICY = (
    "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Email HTML styles itself inline and loads its images from wherever the article keeps them.
# No nonce here: a nonce would make browsers ignore 'unsafe-inline'. Still no script, no
# frames, no forms.
EMAIL_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)

blueprint = Blueprint("pages", __name__)


def site_settings() -> Settings:
    """Return the Settings of the site the current app serves."""
    settings: Settings = current_app.extensions[SETTINGS]
    return settings


def confirmation_sender() -> ConfirmationSender:
    """Return the app's background sender of confirmation emails."""
    sender: ConfirmationSender = current_app.extensions[CONFIRMATIONS]
    return sender


def site_engine() -> Engine:
    """Return the database engine of the current app."""
    engine: Engine = current_app.extensions[ENGINE]
    return engine


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render `web/<template>.html.j2` as an HTML response."""
    settings = site_settings()
    templates: jinja2.Environment = current_app.extensions[TEMPLATES]
    nonce = g.setdefault("nonce", secrets.token_urlsafe(16))
    context.setdefault("newsletter", settings.newsletter_name or settings.title)
    html = templates.get_template(f"web/{template}.html.j2").render(
        lang=settings.language,
        nonce=nonce,
        feeds=discovery_links(settings),
        **context,
    )
    return Response(html, status=status, mimetype="text/html")


def content_policy(
    policy: str,
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, Response]]:
    """Give a view's responses `policy` as their Content-Security-Policy."""

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            response = make_response(view(*args, **kwargs))
            response.headers["Content-Security-Policy"] = policy.format(
                nonce=g.get("nonce", "none")
            )
            return response

        return wrapper

    return decorate


def sentence(message: str) -> str:
    """Turn a library's one-line error into a sentence for a page."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


@blueprint.after_app_request
def secure(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy", FORM_POLICY.format(nonce=g.get("nonce", "none"))
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts.
    response.headers["Referrer-Policy"] = "same-origin"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return page("error", error.code or 500, title=error.name, message=error.description)


@blueprint.app_errorhandler(SyndicateError)
def unavailable(error: SyndicateError) -> Response:
    # The message may name the database or mail server: log it, don't show it.
    current_app.logger.error("%s", error)
    return page(
        "error",
        503,
        title="Unavailable",
        message="The newsletter cannot take requests right now. Please try again later.",
    )


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for it on every page; "no content" keeps their consoles and logs quiet.
    return Response(status=204)
