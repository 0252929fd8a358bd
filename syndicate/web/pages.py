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

from flask import Blueprint, Response, current_app, g, make_response, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from syndicate.config import Settings
from syndicate.errors import SyndicateError
from syndicate.feeds import discovery_links
from syndicate.i18n import translator
from syndicate.newsletter.catalog import load_newsletters
from syndicate.newsletter.definitions import Newsletter
from syndicate.subscribers.outgoing import BackgroundMail
from syndicate.templating import Environments

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


def confirmation_sender() -> BackgroundMail:
    """Return the app's background sender of emails (confirmations, welcomes, manage links)."""
    sender: BackgroundMail = current_app.extensions[CONFIRMATIONS]
    return sender


def site_engine() -> Engine:
    """Return the database engine of the current app."""
    engine: Engine = current_app.extensions[ENGINE]
    return engine


def public_newsletters() -> list[Newsletter]:
    """Return the newsletters a reader can sign up for on this site.

    Read once per request: every page, and every sentence translated for it, asks (through
    `page_language`), which was a few database reads per answer.
    """
    if "public_newsletters" not in g:
        found = load_newsletters(site_engine(), site_settings())
        g.public_newsletters = [n for n in found if n.public]
    public: list[Newsletter] = g.public_newsletters
    return public


def only_newsletter() -> Newsletter | None:
    """Return the site's newsletter when it has one (public) only: pages then speak for it."""
    public = public_newsletters()
    return public[0] if len(public) == 1 else None


def page_language(newsletter: Newsletter | None = None) -> str:
    """Return the language of a page about `newsletter`, or about the site's newsletters:
    that newsletter's (or the one newsletter's), else the site's."""
    settings = site_settings()
    about = newsletter or only_newsletter()
    return (about.language if about else None) or settings.language


def in_english() -> bool:
    """Tell whether the page is in English: the library's own English sentences can then be
    shown as they are, where another language gets a translated, vaguer one."""
    return page_language().split("-")[0].lower() == "en"


def translate(message: str, language: str | None = None, **values: Any) -> str:
    """Return `message` in the page's language, with `values` put in."""
    text = translator(language or page_language())(message)
    return text % values if values else text


def page(
    template: str,
    status: int = 200,
    *,
    about: Newsletter | None = None,
    **context: Any,
) -> Response:
    """Render `web/<template>.html.j2` as an HTML response, in the language of the
    newsletter it is `about` (default: the site's one newsletter, else the site's language)."""
    settings = site_settings()
    environments: Environments = current_app.extensions[TEMPLATES]
    nonce = g.setdefault("nonce", secrets.token_urlsafe(16))
    only = about or only_newsletter()
    context.setdefault(
        "newsletter", only.name if only else settings.newsletter_name or settings.title
    )
    context.setdefault("manage", url_for("manage.ask"))
    template_of = environments.get(page_language(about)).get_template
    html = template_of(f"web/{template}.html.j2").render(
        nonce=nonce, feeds=discovery_links(settings), **context
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


def form_accepted(form: Any) -> bool:
    """Validate a posted Flask-WTF form, CSRF token included; a form whose token expired
    says so at its top (a field's own error shows beside the field)."""
    if form.validate_on_submit():
        return True
    if "csrf_token" in form.errors:
        form.form_errors.append(translate("The form expired. Please submit it again."))
    return False


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
    if error.code == 404:
        title, message = translate("Not found"), translate("There is no page at this address.")
        return page("error", 404, title=title, message=message)
    return page("error", error.code or 500, title=error.name, message=error.description)


@blueprint.app_errorhandler(SyndicateError)
def unavailable(error: SyndicateError) -> Response:
    # The message may name the database or mail server: log it, don't show it.
    current_app.logger.error("%s", error)
    return page(
        "error",
        503,
        title=translate("Unavailable"),
        message=translate("The newsletter cannot take requests right now. Please try again later."),
    )


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for it on every page; "no content" keeps their consoles and logs quiet.
    return Response(status=204)
