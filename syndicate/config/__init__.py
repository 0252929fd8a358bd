"""Settings: defaults < syndicate.toml < SYNDICATE_* environment < command-line flags.

Everything is read and validated once, into one frozen `Settings` that is passed
explicitly to whatever needs it. `settings` holds the table of keys and the `Settings`
type, `checks` the value checks, `loading` the file and environment, `secret` the signing
secret; `template.toml` is the commented file a new site starts with.
"""

from syndicate.config.loading import CONFIG_FILE, config_template, load_settings, read_config_file
from syndicate.config.secret import SECRET_FILE, site_secret
from syndicate.config.settings import KEYS, PLACEHOLDER_BASE_URL, Key, Settings

__all__ = [
    "CONFIG_FILE",
    "KEYS",
    "PLACEHOLDER_BASE_URL",
    "SECRET_FILE",
    "Key",
    "Settings",
    "config_template",
    "load_settings",
    "read_config_file",
    "site_secret",
]
