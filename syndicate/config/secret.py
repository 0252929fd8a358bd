"""The site's signing secret: SYNDICATE_SECRET, else one generated once into the site folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from syndicate.config.settings import Settings
from syndicate.errors import ConfigError

SECRET_FILE = ".syndicate-secret"


def _read_secret(path: Path) -> str:
    """Read the generated secret; FileNotFoundError when there is none yet."""
    # Deleting the file makes a new secret, which breaks every link already sent: say so.
    advice = "restore it, or delete it for a new one (links already sent stop working)"
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not a secret"
        raise ConfigError(f"{path}: cannot read the signing secret ({reason}): {advice}") from None
    if not secret:
        # An empty key would sign links anyone can forge.
        raise ConfigError(f"{path}: the signing secret is empty: {advice}")
    return secret


def site_secret(settings: Settings) -> str:
    """Return the signing secret: SYNDICATE_SECRET, else one generated once into the site."""
    if settings.secret:
        return settings.secret
    path = settings.site / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    settings.site.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(48)
    # Written whole under a private name, then linked into place: a process starting at the
    # same moment sees no secret or all of it, never an empty file.
    private = path.with_name(f"{SECRET_FILE}.{os.getpid()}.tmp")
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    try:
        os.link(private, path)
    except FileExistsError:  # another process made it first: use theirs
        return _read_secret(path)
    finally:
        private.unlink()
    return token
