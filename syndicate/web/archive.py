"""The web archive of sent issues, served from the site's archive folder.

Each newsletter's folder holds its index page, its Atom feed and one folder per issue.

The pages are the email's HTML: inline styles and remote images, so they take the email's
policy, with one change: their subscribe form may go to this site's signup page.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound

from syndicate.feed_model import ATOM_TYPE
from syndicate.newsletter.archive_paths import ARCHIVE_FEED, ARCHIVE_FOLDER, INDEX_PAGE
from syndicate.web.pages import EMAIL_POLICY, content_policy, site_settings

ARCHIVE_POLICY = EMAIL_POLICY.replace("form-action 'none'", "form-action 'self'")

blueprint = Blueprint("archive", __name__)


@blueprint.get(f"/{ARCHIVE_FOLDER}/<path:name>")
@content_policy(ARCHIVE_POLICY)
def issue_page(name: str) -> Response:
    if any(part.startswith(".") for part in Path(name).parts):
        raise NotFound()  # the atomic writer's temporary files are not pages yet
    if name.endswith("/"):
        name += INDEX_PAGE
    folder = (site_settings().site / ARCHIVE_FOLDER).resolve()
    # send_from_directory refuses paths that leave the folder.
    media_type = ATOM_TYPE if Path(name).name == ARCHIVE_FEED else None
    return send_from_directory(folder, name, mimetype=media_type, conditional=True, etag=True)
