"""The signup page, the confirm and unsubscribe pages, and the feeds, as one Flask app.

Views call `subscribers.py` and hold no SQL. A GET never changes state (mail scanners
follow links); the signed token in a confirm or unsubscribe link is the authority for its
POST, so those take no cookie or CSRF token, while the signup form needs both.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, send_from_directory, url_for
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import EmailField, StringField
from wtforms.validators import InputRequired, Length

from syndicate import subscribers
from syndicate.config import Settings, site_secret
from syndicate.errors import AddressError, SyndicateError, TokenError
from syndicate.signup_limits import SignupLimitError, release_signup, reserve_signup
from syndicate.store import open_store
from syndicate.subscribers.outgoing import ConfirmationSender
from syndicate.templating import template_environment

FEED_TYPES = {
    "atom.xml": "application/atom+xml",
    "rss.xml": "application/rss+xml",
    "feed.json": "application/feed+json",
}

# Pages carry their CSS in one <style> block allowed by a per-response nonce; nothing else
# may load, frame the page or receive its forms.
CSP = (
    "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class ListenError(SyndicateError):
    """The server cannot listen where it was told to."""


class SignupForm(FlaskForm):
    """The signup form; `website` is the honeypot, hidden from people by CSS."""

    email = EmailField("Email address", validators=[InputRequired(), Length(max=320)])
    name = StringField("Name (optional)", validators=[Length(max=200)])
    website = StringField("Leave this empty")


def _sentence(message: str) -> str:
    """Turn a library's one-line error into a sentence for a page."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def create_app(settings: Settings) -> Flask:
    """Build the web app of one site."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=site_secret(settings),
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_web_url.startswith("https://"),
    )
    if settings.trusted_proxies:
        # Only the hops the publisher vouches for may say who the client is.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    engine = open_store(settings)
    app.extensions["syndicate.engine"] = engine  # so whoever ends the app can dispose of it
    confirmations = ConfirmationSender(engine, settings)
    app.extensions["syndicate.confirmations"] = confirmations
    pages = template_environment(settings)
    heading = settings.newsletter_name or settings.title

    def page(template: str, status: int = 200, **context: Any) -> Response:
        nonce = g.setdefault("nonce", secrets.token_urlsafe(16))
        html = pages.get_template(f"web/{template}.html.j2").render(
            newsletter=heading, lang=settings.language, nonce=nonce, **context
        )
        return Response(html, status=status, mimetype="text/html")

    def client() -> str | None:
        return request.remote_addr

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP.format(nonce=g.get("nonce", "none"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts.
        response.headers["Referrer-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return page("error", status, title=error.name, message=error.description)

    @app.errorhandler(SyndicateError)
    def unavailable(error: SyndicateError) -> Response:
        # The message may name the database or mail server: log it, don't show it.
        app.logger.error("%s", error)
        return page(
            "error",
            503,
            title="Unavailable",
            message="The newsletter cannot take requests right now. Please try again later.",
        )

    def bad_link(error: TokenError) -> Response:
        return page("error", 400, title="This link does not work", message=_sentence(str(error)))

    @app.get("/")
    @app.get("/subscribe")
    def signup_form() -> Response:
        return page("signup", form=SignupForm(), action=url_for("subscribe"))

    @app.post("/subscribe")
    def subscribe() -> Response:
        form = SignupForm()
        if not form.validate_on_submit():
            status = 400
            if "csrf_token" in form.errors:
                form.form_errors.append("The form expired. Please submit it again.")
            return page("signup", status, form=form, action=url_for("subscribe"))
        if form.website.data:
            return page("check_inbox", address=form.email.data)  # a bot: say the same, do nothing
        address = (form.email.data or "").strip()
        try:
            attempt = reserve_signup(engine, settings, address, client())
            try:
                pending = subscribers.register_signup(
                    engine,
                    address,
                    (form.name.data or "").strip() or None,
                    method="web",
                    client=client(),
                )
            except AddressError:
                release_signup(engine, attempt)
                raise
            # Sent in the background: waiting for the SMTP server here would tell, by the
            # answer's timing, whether the address was already subscribed.
            if pending is not None:
                confirmations.submit(pending)
        except AddressError as e:
            form.email.errors = [_sentence(str(e))]
            return page("signup", 400, form=form, action=url_for("subscribe"))
        except SignupLimitError as e:
            return page("error", 429, title="Too many signups", message=str(e))
        return page("check_inbox", address=address)

    def button_page(purpose: str, token: str) -> Response:
        """Show a link's page, whose one button posts to the same address (a GET changes nothing)."""
        try:
            subscriber = subscribers.subscriber_for_token(engine, settings, token, purpose)
        except TokenError as e:
            return bad_link(e)
        return page(purpose, subscriber=subscriber, action=url_for(purpose, token=token))

    @app.get("/confirm/<token>")
    def confirm_page(token: str) -> Response:
        return button_page("confirm", token)

    @app.post("/confirm/<token>")
    def confirm(token: str) -> Response:
        try:
            subscriber = subscribers.confirm(engine, settings, token, method="web", client=client())
        except TokenError as e:
            return bad_link(e)
        return page("confirmed", subscriber=subscriber)

    @app.get("/unsubscribe/<token>")
    def unsubscribe_page(token: str) -> Response:
        return button_page("unsubscribe", token)

    @app.post("/unsubscribe/<token>")
    def unsubscribe(token: str) -> Response:
        # Answered 200 without a redirect: RFC 8058 one-click POSTs from mail providers
        # (form-encoded or multipart) and the page's own button land here alike.
        try:
            # Checked here first so that nothing but a signed token can name a subscriber.
            subscribers.subscriber_for_token(engine, settings, token, "unsubscribe")
            subscriber = subscribers.unsubscribe(engine, settings, token, method="web")
        except TokenError as e:
            return bad_link(e)
        return page("unsubscribed", subscriber=subscriber, signup=url_for("signup_form"))

    @app.get("/favicon.ico")
    def favicon() -> Response:
        # Browsers ask for it on every page; "no content" keeps their consoles and logs quiet.
        return Response(status=204)

    @app.get("/feeds/<path:name>")
    def feed(name: str) -> Response:
        if any(part.startswith(".") for part in Path(name).parts):
            raise NotFound()  # the atomic writer's temporary files are not feeds yet
        mimetype = FEED_TYPES.get(Path(name).name)
        # send_from_directory refuses paths that leave the folder and answers
        # If-None-Match / If-Modified-Since with 304.
        response = send_from_directory(
            settings.feeds_path.resolve(), name, mimetype=mimetype, conditional=True, etag=True
        )
        if mimetype:
            response.content_type = f"{mimetype}; charset=utf-8"
        return response

    return app


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    threads: int = 4,
    announce: Callable[[str], None] = print,
) -> None:
    """Run the web app on waitress until interrupted, announcing its address first."""
    import socket

    from waitress.server import create_server

    # Bound here, not by waitress: a refused address then leaves no half-built server
    # (waitress would already have started its threads and its wake-up pipe).
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except OSError as e:
        listener.close()
        raise ListenError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    app = create_app(settings)
    try:
        server = create_server(app, sockets=[listener], threads=threads, ident="syndicate")
        shown = f"[{host}]" if ":" in host else host
        announce(f"http://{shown}:{port}/")
        server.run()  # waitress closes its sockets itself on Ctrl-C
    finally:
        listener.close()
        app.extensions["syndicate.engine"].dispose()
