"""The web archive of sent issues, served from the site's archive folder.

The pages are the email's HTML: inline styles and remote images, so they take the email's
policy, with one change: their subscribe form may go to this site's signup page.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound

from syndicate.newsletter.archive_paths import ARCHIVE_FOLDER
from syndicate.web.pages import EMAIL_POLICY, content_policy, site_settings

ARCHIVE_POLICY = EMAIL_POLICY.replace("form-action 'none'", "form-action 'self'")

blueprint = Blueprint("archive", __name__)


@blueprint.get(f"/{ARCHIVE_FOLDER}/<path:name>")
@content_policy(ARCHIVE_POLICY)
def issue_page(name: str) -> Response:
    if any(part.startswith(".") for part in Path(name).parts):
        raise NotFound()  # the atomic writer's temporary files are not pages yet
    if name.endswith("/"):
        name += "index.html"
    folder = (site_settings().site / ARCHIVE_FOLDER).resolve()
    # send_from_directory refuses paths that leave the folder.
    return send_from_directory(folder, name, conditional=True, etag=True)
