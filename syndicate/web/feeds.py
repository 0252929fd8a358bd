"""The generated feeds, served from the site's feeds folder with their own media types."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound

from syndicate.feeds import media_type
from syndicate.web.pages import site_settings

blueprint = Blueprint("feeds", __name__)


@blueprint.get("/feeds/<path:name>")
def feed(name: str) -> Response:
    if any(part.startswith(".") for part in Path(name).parts):
        raise NotFound()  # the atomic writer's temporary files are not feeds yet
    mimetype = media_type(name)
    # send_from_directory refuses paths that leave the folder and answers
    # If-None-Match / If-Modified-Since with 304.
    response = send_from_directory(
        site_settings().feeds_path.resolve(), name, mimetype=mimetype, conditional=True, etag=True
    )
    if mimetype:
        response.content_type = f"{mimetype}; charset=utf-8"
    return response
