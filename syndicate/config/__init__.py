"""Settings: defaults < syndicate.toml < SYNDICATE_* environment < command-line flags."""

from syndicate.config.settings import (
    CONFIG_FILE,
    CONFIG_TEMPLATE,
    KEYS,
    Settings,
    load_settings,
    site_secret,
)

__all__ = ["CONFIG_FILE", "CONFIG_TEMPLATE", "KEYS", "Settings", "load_settings", "site_secret"]
