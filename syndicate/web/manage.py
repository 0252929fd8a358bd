"""The preferences page: /manage/<token> shows and changes what a subscriber receives;
/manage without a token emails that link to an address.

The token comes from an email (every footer carries it), so it is the authority for whose
page this is; the page's own form still carries a CSRF token, since a POST changes things
and the page, unlike the one-click unsubscribe, is only ever posted by its own form.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import InputRequired, Length

from syndicate.errors import AddressError, SignupLimitError, TokenError
from syndicate.subscribers.limits import reserve_signup
from syndicate.subscribers.preferences import (
    Preferences,
    change_preferences,
    leave_everything,
    preferences,
)
from syndicate.web.links import bad_link
from syndicate.web.pages import (
    FORM_POLICY,
    confirmation_sender,
    content_policy,
    form_accepted,
    page,
    site_engine,
    site_settings,
)
from syndicate.web.signup import too_many

blueprint = Blueprint("manage", __name__)


# flask_wtf ships no type information, so FlaskForm is Any to mypy.
class ManageForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name", validators=[Length(max=200)])


class AskForm(FlaskForm):  # type: ignore[misc]  # untyped base, as above
    email = EmailField("Email address", validators=[InputRequired(), Length(max=320)])


def _show(token: str, found: Preferences, form: ManageForm, *, saved: bool = False) -> Response:
    if form.name.data is None and not form.is_submitted():
        form.name.data = found.subscriber.name or ""
    action = url_for("manage.preferences_page", token=token)
    return page(
        "manage",
        400 if form.form_errors else 200,
        form=form,
        subscriber=found.subscriber,
        choices=found.choices,
        action=action,
        saved=saved,
    )


@blueprint.get("/manage/<token>")
@content_policy(FORM_POLICY)
def preferences_page(token: str) -> Response:
    try:
        found = preferences(site_engine(), site_settings(), token)
    except TokenError as e:
        return bad_link(e)
    return _show(token, found, ManageForm())


@blueprint.post("/manage/<token>")
@content_policy(FORM_POLICY)
def change(token: str) -> Response:
    engine, settings = site_engine(), site_settings()
    form = ManageForm()
    try:
        found = preferences(engine, settings, token)
        if not form_accepted(form):
            return _show(token, found, form)
        if request.form.get("action") == "everything":
            found = leave_everything(engine, settings, token)
        else:
            wanted = request.form.getlist("newsletters")
            found = change_preferences(
                engine, settings, token, name=form.name.data or "", wanted=wanted
            )
    except TokenError as e:
        return bad_link(e)
    return _show(
        token, found, ManageForm(formdata=None, name=found.subscriber.name or ""), saved=True
    )


@blueprint.get("/manage")
@content_policy(FORM_POLICY)
def ask() -> Response:
    return page("manage_ask", form=AskForm(), action=url_for("manage.ask_post"))


@blueprint.post("/manage")
@content_policy(FORM_POLICY)
def ask_post() -> Response:
    form = AskForm()
    if not form_accepted(form):
        return page("manage_ask", 400, form=form, action=url_for("manage.ask_post"))
    address = (form.email.data or "").strip()
    try:
        # The same limits as a signup: this form mails an address anyone can type.
        reserve_signup(site_engine(), site_settings(), address, request.remote_addr)
    except SignupLimitError:
        return too_many()
    except AddressError:
        pass  # answered like any other address: it gets nothing
    else:
        confirmation_sender().submit_manage_link(address)
    return page("check_inbox", address=address)
