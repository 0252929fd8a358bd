"""A site folder: its settings file, its content, feeds and outbox folders."""

from __future__ import annotations

from pathlib import Path

from syndicate.config import CONFIG_FILE, Settings, config_template, load_settings, site_secret
from syndicate.errors import ConfigError
from syndicate.mailer import OUTBOX_FOLDER_MODE


def init_site(folder: Path) -> tuple[Settings, bool]:
    """Create the site's folders and a commented syndicate.toml; return whether it was new."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"{folder}: cannot create the site folder: {e.strerror}") from e
    if not folder.is_dir():
        raise ConfigError(f"{folder}: not a folder")
    config = folder / CONFIG_FILE
    created = not config.exists()
    if created:
        title = folder.resolve().name or "syndicate"
        config.write_text(config_template(title), encoding="utf-8")
    settings = load_settings(folder)
    for path in (settings.content_path, settings.feeds_path):
        path.mkdir(parents=True, exist_ok=True)
    settings.outbox_path.mkdir(mode=OUTBOX_FOLDER_MODE, exist_ok=True)
    site_secret(settings)
    return settings, created
