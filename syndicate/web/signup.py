"""The signup form: the one page whose POST needs a session cookie and a CSRF token."""

from __future__ import annotations

from collections.abc import Collection

from flask import Blueprint, Response, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import InputRequired, Length

from syndicate import subscribers
from syndicate.errors import AddressError, SignupLimitError
from syndicate.subscribers.limits import release_signup, reserve_signup
from syndicate.web.pages import (
    FORM_POLICY,
    confirmation_sender,
    content_policy,
    form_accepted,
    in_english,
    page,
    public_newsletters,
    sentence,
    site_engine,
    site_settings,
    translate,
)

blueprint = Blueprint("signup", __name__)


# flask_wtf ships no type information, so FlaskForm is Any to mypy.
class SignupForm(FlaskForm):  # type: ignore[misc]
    """The signup form; `website` is the honeypot, hidden from people by CSS."""

    email = EmailField("Email address", validators=[InputRequired(), Length(max=320)])
    name = StringField("Name (optional)", validators=[Length(max=200)])
    website = StringField("Leave this empty")


def form_page(
    form: SignupForm, status: int = 200, chosen: Collection[str] | None = None
) -> Response:
    """Show the form; with more than one public newsletter, a checkbox for each."""
    public = public_newsletters()
    choices = public if len(public) > 1 else []
    ticked = (
        set(chosen) if chosen is not None else {n.slug for n in public if n.subscribe_on_signup}
    )
    action = url_for("signup.subscribe")
    return page("signup", status, form=form, action=action, choices=choices, ticked=ticked)


def chosen_newsletters() -> list[str] | None:
    """Return the slugs of the newsletters the form asks for: with one public newsletter,
    that one (None with none); with several, those ticked (empty when none is)."""
    public = public_newsletters()
    if len(public) <= 1:
        return [n.slug for n in public] or None
    wanted = set(request.form.getlist("newsletters"))
    return [n.slug for n in public if n.slug in wanted]


@blueprint.get("/")
@blueprint.get("/subscribe")
@content_policy(FORM_POLICY)
def signup_form() -> Response:
    # The archive pages' subscribe form arrives here with the address typed in.
    return form_page(SignupForm(email=request.args.get("email", "")[:320]))


@blueprint.post("/subscribe")
@content_policy(FORM_POLICY)
def subscribe() -> Response:
    form = SignupForm()
    if not form_accepted(form):
        return form_page(form, 400)
    if form.website.data:
        return page("check_inbox", address=form.email.data)  # a bot: say the same, do nothing
    chosen = chosen_newsletters()
    if chosen == []:
        form.form_errors.append(translate("Choose at least one newsletter."))
        return form_page(form, 400, chosen)
    address = (form.email.data or "").strip()
    try:
        sign_up(address, (form.name.data or "").strip() or None, chosen)
    except AddressError as e:
        form.email.errors = [refused_address(e)]
        return form_page(form, 400, chosen)
    except SignupLimitError:
        return too_many()
    return page("check_inbox", address=address)


def refused_address(error: AddressError) -> str:
    """Say why an address was refused: the library's precise English sentence on an English
    page, a translated one otherwise."""
    if in_english():
        return sentence(str(error))
    return translate("This address cannot receive the newsletter. Check it and try again.")


def too_many() -> Response:
    """Answer a signup (or a request for a manage link) past the limits."""
    title = translate("Too many requests")
    message = translate(
        "This address or your network asked too often in the last hour; try again later."
    )
    return page("error", 429, title=title, message=message)


def sign_up(address: str, name: str | None, newsletters: list[str] | None) -> None:
    """Sign `address` up within the signup limits; a refused address does not count."""
    engine, settings, client = site_engine(), site_settings(), request.remote_addr
    attempt = reserve_signup(engine, settings, address, client)
    try:
        pending = subscribers.register_signup(
            engine, settings, address, name, method="web", client=client, newsletters=newsletters
        )
    except AddressError:
        release_signup(engine, attempt)
        raise
    # Sent in the background: waiting for the SMTP server here would tell, by the
    # answer's timing, whether the address was already subscribed.
    if pending is not None:
        confirmation_sender().submit(pending)
