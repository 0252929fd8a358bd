"""`POST /webhooks/bounce`: a mail provider reports a bounce or a complaint (see webhooks.py).

It answers JSON: 200 with the subscriber's state after (or "not listed"), 401 for a call
that is unsigned, wrongly signed, stale or replayed, 400 for a body it does not take, and
404 while the site has no webhooks.secret. It takes no cookie and no CSRF token: the
signature is the authority.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from syndicate.errors import WebhookError, WebhookRefused
from syndicate.web.pages import site_engine, site_settings
from syndicate.webhooks import SIGNATURE_HEADER, receive_report

blueprint = Blueprint("webhooks", __name__)


def _answer(status: int, **body: str) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.post("/webhooks/bounce")
def bounce() -> Response:
    settings = site_settings()
    if not settings.webhook_secret:
        return _answer(404, error="no webhooks.secret is set on this site")
    signature = request.headers.get(SIGNATURE_HEADER)
    try:
        state = receive_report(site_engine(), settings, signature, request.get_data(cache=False))
    except WebhookRefused as e:
        return _answer(401, error=str(e))
    except WebhookError as e:
        return _answer(400, error=str(e))
    return _answer(200, result=state.value if state else "not listed")
