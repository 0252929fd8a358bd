"""The YAML front matter block that Markdown and pasted-page files may begin with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml

from syndicate.errors import DateProblem, FrontMatterProblem
from syndicate.model import Description, Figure
from syndicate.readers.dates import to_datetime
from syndicate.readers.normalize import clean_line

_BLOCK = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


# Every key `metadata` reads; README.md lists them. Any other key is reported, so a typo
# such as `drat: true` does not pass silently.
KNOWN_KEYS = frozenset(
    {
        "id", "title", "dek", "summary", "description", "author", "authors", "date",
        "published", "updated", "url", "source", "language", "lang", "tags", "image",
        "image_alt", "image_caption", "image_credit", "draft",
    }
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Metadata(Description):
    """What a file says about itself, before the reader looks at the body."""

    title: str | None = None
    image: Figure | None = None
    unknown_keys: tuple[str, ...] = ()


def split(text: str) -> tuple[dict[str, Any], str]:
    """Return the front matter mapping (empty when there is none) and the body after it."""
    match = _BLOCK.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(e, "problem", None) or "cannot be parsed"
        raise FrontMatterProblem(f"front matter is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise FrontMatterProblem("front matter is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as e:  # a constructor's refusal: 2025-02-30
        raise FrontMatterProblem(f"front matter has a value that cannot be read: {e}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterProblem("front matter must be `key: value` lines")
    return {str(k).lower(): v for k, v in data.items()}, text[match.end() :]


def _text(data: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FrontMatterProblem(f"front matter {name}: expected text, got {value!r}")
        line = clean_line(str(value))
        if line:
            return line
    return None


def _list(data: dict[str, Any], *names: str, commas: bool = False) -> tuple[str, ...]:
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            items: Any = value.split(",") if commas else [value]
        else:
            items = value
        if not isinstance(items, list) or not all(
            isinstance(i, str | int | float) and not isinstance(i, bool) for i in items
        ):
            raise FrontMatterProblem(f"front matter {name}: expected a list of names")
        cleaned = (clean_line(str(item)) for item in items)
        return tuple(dict.fromkeys(item for item in cleaned if item))
    return ()


def _date(data: dict[str, Any], name: str, tz: ZoneInfo) -> datetime | None:
    if data.get(name) is None:
        return None
    try:
        return to_datetime(data[name], tz)
    except DateProblem as e:
        raise FrontMatterProblem(f"front matter {name}: {e}") from None


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise FrontMatterProblem(f"front matter {name}: expected true or false, got {value!r}")


def _url(data: dict[str, Any], name: str) -> str | None:
    value = _text(data, name)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise FrontMatterProblem(f"front matter {name}: expected an absolute http(s) URL")
    return value


def metadata(data: dict[str, Any], tz: ZoneInfo) -> Metadata:
    """Validate a front matter mapping into Metadata."""
    image_src = _url(data, "image") if data.get("image") is not None else None
    image = None
    if image_src:
        alt = _text(data, "image_alt")
        image = Figure(
            caption=_text(data, "image_caption") or alt or "",
            credit=_text(data, "image_credit"),
            src=image_src,
            alt=alt,
        )
    key = _text(data, "id")
    return Metadata(
        title=_text(data, "title"),
        dek=_text(data, "dek", "summary", "description"),
        authors=_list(data, "authors", "author"),
        published=_date(data, "date", tz) or _date(data, "published", tz),
        updated=_date(data, "updated", tz),
        url=_url(data, "url"),
        source=_text(data, "source"),
        language=_text(data, "language", "lang"),
        tags=_list(data, "tags", commas=True),
        image=image,
        key=key,
        draft=_flag(data, "draft"),
        unknown_keys=tuple(sorted(set(data) - KNOWN_KEYS)),
    )
