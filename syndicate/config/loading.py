"""Loading: defaults < syndicate.toml < SYNDICATE_* environment < explicit overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

from syndicate.config.settings import KEYS, Settings
from syndicate.errors import ConfigError

CONFIG_FILE = "syndicate.toml"


def _one_edit_apart(a: str, b: str) -> bool:
    """Return whether one insertion, deletion or substitution turns `a` into `b`."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    start = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    if len(a) == len(b):
        return a[start + 1 :] == b[start + 1 :]
    return (a[start + 1 :] == b[start:]) if len(a) > len(b) else (a[start:] == b[start + 1 :])


def _unknown(path: Path, name: str, known: set[str]) -> ConfigError:
    """Return the error for an unknown setting, suggesting the known one a typo away."""
    close = sorted(k for k in known if _one_edit_apart(name, k))
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return ConfigError(f"{path}: unknown setting {name}{hint}")


def _flatten(document: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Turn `{"site": {"title": x}}` into `{"site.title": x}`, refusing unknown keys."""
    known = {key.toml for key in KEYS if key.toml}
    sections = {name.split(".")[0] for name in known}
    flat: dict[str, Any] = {}
    for section, table in document.items():
        if section == "newsletters":  # [[newsletters]]: read by newsletter.definitions
            continue
        if section not in sections or not isinstance(table, dict):
            raise _unknown(path, f"[{section}]", {f"[{name}]" for name in sections})
        for name, value in table.items():
            dotted = f"{section}.{name}"
            if dotted not in known:
                raise _unknown(path, dotted, known)
            flat[dotted] = value
    return flat


def read_config_file(site: Path) -> dict[str, Any]:
    """Return the site's syndicate.toml as dotted keys, or nothing when there is none."""
    path = site / CONFIG_FILE
    if not path.exists():
        return {}
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; the settings must be a file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or e})") from None
    return _flatten(document, path)


def load_settings(
    site: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the site's Settings from its file, the environment and explicit overrides."""
    env = os.environ if environ is None else environ
    site_path = Path(site or env.get("SYNDICATE_SITE") or ".").expanduser().resolve()
    if site_path.exists() and not site_path.is_dir():
        raise ConfigError(f"{site_path}: the site must be a folder")
    from_file = read_config_file(site_path)
    values: dict[str, Any] = {}
    for key in KEYS:
        if key.toml and key.toml in from_file:
            try:
                values[key.field] = key.check(key.toml, from_file[key.toml])
            except ConfigError as e:
                raise ConfigError(f"{site_path / CONFIG_FILE}: {e}") from None
        if env.get(key.env, "") != "":
            values[key.field] = key.check(key.env, env[key.env])
    known = {f.name for f in fields(Settings)}
    for name, value in overrides.items():
        if name not in known:
            raise TypeError(f"unknown setting {name}")
        if value is not None:
            check = next((k.check for k in KEYS if k.field == name), None)
            values[name] = check(f"--{name.replace('_', '-')}", value) if check else value
    values.setdefault("title", site_path.name or "syndicate")
    return Settings(site=site_path, **values)


def config_template(title: str) -> str:
    """Return the commented syndicate.toml a new site starts with, naming its title."""
    template = resources.files("syndicate.config").joinpath("template.toml")
    return template.read_text(encoding="utf-8").format(title=title.replace('"', "'"))
