"""The web app of one site: signup, the pages behind email links, and the feeds.

`create_app` builds it the way Flask's tutorial does: configuration, the site's database
engine and templates on `app.extensions`, then one blueprint per group of pages. Views call
the library (`subscribers`, `subscribers.limits`) and hold no SQL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from syndicate.config import Settings, site_secret
from syndicate.store import open_store
from syndicate.subscribers.outgoing import BackgroundMail
from syndicate.templating import Environments
from syndicate.web import archive, embed, feeds, links, manage, pages, signup, webhooks
from syndicate.web.requests_log import log_requests
from syndicate.webhooks import prepare_receipts


def mount_path(settings: Settings) -> str:
    """Return the path the pages live under: web.url's own (`/newsletter`), or "" at the root."""
    return urlsplit(settings.public_web_url).path.rstrip("/")


def create_app(settings: Settings) -> Flask:
    """Build the web app of one site; dispose of `app.extensions["syndicate.engine"]` after."""
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
    prefix = mount_path(settings)
    if prefix:
        # Behind a proxy at https://news.example.com/newsletter every page answers under
        # /newsletter, and url_for (forms, redirects) writes links that include it.
        app.wsgi_app = DispatcherMiddleware(NotFound(), {prefix: app.wsgi_app})  # type: ignore[method-assign]
        app.config["SESSION_COOKIE_PATH"] = prefix

    app.extensions[pages.SETTINGS] = settings
    app.extensions[pages.TEMPLATES] = Environments(settings)  # one per language
    engine = app.extensions[pages.ENGINE] = open_store(settings)
    # Confirmation, welcome and manage-link emails go from threads of their own, after
    # the response.
    app.extensions[pages.CONFIRMATIONS] = BackgroundMail(engine, settings)
    if settings.webhook_secret:
        prepare_receipts(engine)

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(signup.blueprint)
    app.register_blueprint(links.blueprint)
    app.register_blueprint(manage.blueprint)
    app.register_blueprint(embed.blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(archive.blueprint)
    app.register_blueprint(webhooks.blueprint)
    log_requests(app)
    return app


__all__ = ["create_app", "mount_path"]
