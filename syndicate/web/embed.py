"""The embeddable signup form: the snippet `syndicate embed` prints, and the endpoint it
posts to from the publisher's own pages.

That POST comes from another origin, without this site's session cookie, so it carries no
CSRF token: double opt-in is the protection (nothing happens until the address's owner
confirms), with the honeypot, the per-address and per-client limits, and the daily cap on
confirmation emails per address (`web.confirmation_cap`, applied by the background
sender). The page-served form (`signup`) keeps its CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from sqlalchemy.engine import Engine
from wtforms import Form, StringField
from wtforms.validators import InputRequired, Length

from syndicate.config import Settings
from syndicate.errors import AddressError, NewsletterError, SignupLimitError
from syndicate.newsletter.catalog import by_slugs, load_newsletters
from syndicate.templating import template_environment
from syndicate.web.pages import FORM_POLICY, content_policy, page, public_newsletters, translate
from syndicate.web.signup import refused_address, sign_up

blueprint = Blueprint("embed", __name__)

ENDPOINT = "/embed/subscribe"


class EmbedForm(Form):
    """The snippet's fields: a plain WTForms form, so no CSRF token is asked for."""

    email = StringField(validators=[InputRequired(), Length(max=320)])
    website = StringField()  # the honeypot


def snippet(engine: Engine, settings: Settings, newsletter: str | None = None) -> str:
    """Return the HTML form a publisher pastes into the site's pages.

    With `newsletter` (a slug) it signs up for that one, in its language; without, for the
    site's default newsletters, in the site's language. Raises NewsletterError for a slug
    the site does not have.
    """
    found = load_newsletters(engine, settings)
    chosen = by_slugs(found, [newsletter]) if newsletter else []
    about = chosen[0] if chosen else (found[0] if len(found) == 1 else None)
    name = about.name if about else settings.newsletter_name or settings.title
    language = (about.language if about else None) or settings.language
    environment = template_environment(settings, language=language)
    return environment.get_template("web/embed.html.j2").render(
        action=settings.public_web_url + ENDPOINT,
        newsletter=name,
        slugs=[n.slug for n in chosen],
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > 0


def _answer(status: int, outcome: str, message: str) -> Response:
    """Answer a script with JSON any origin may read, a browser with a page or a redirect."""
    if _wants_json():
        response = jsonify(status=outcome, message=message)
        response.status_code = status
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if status == 200:
        return redirect(url_for("embed.check_inbox"), 303)  # type: ignore[return-value]
    return page("error", status, title=translate("Not subscribed"), message=message)


@blueprint.post(ENDPOINT)
@content_policy(FORM_POLICY)
def subscribe() -> Response:
    form = EmbedForm(request.form)
    done = translate("Check your inbox: a message with a link is on its way.")
    if not form.validate():
        return _answer(400, "invalid", translate("Give an email address."))
    if form.website.data:
        return _answer(200, "ok", done)  # a bot: say the same, do nothing
    wanted = request.form.getlist("newsletters")
    public = {n.slug for n in public_newsletters()}
    if any(slug not in public for slug in wanted):
        return _answer(400, "invalid", translate("This site has no such newsletter."))
    try:
        sign_up((form.email.data or "").strip(), None, wanted or None)
    except AddressError as e:
        return _answer(400, "invalid", refused_address(e))
    except (SignupLimitError, NewsletterError):
        return _answer(429, "limited", translate("Too many requests; try again later."))
    return _answer(200, "ok", done)


@blueprint.get("/check-inbox")
@content_policy(FORM_POLICY)
def check_inbox() -> Response:
    return page("check_inbox", address=None)
