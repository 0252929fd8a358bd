"""Golden feeds: the exact bytes two fixture articles give, so any change to them is on purpose.

Regenerate with `UPDATE_GOLDEN=1 pytest tests/test_feeds_golden.py` and read
the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from articles_factory import make_article
from site_helpers import store

from syndicate.config import load_settings
from syndicate.model import Quote
from syndicate.publishing import publish_articles

GOLDEN = Path(__file__).parent / "golden" / "feeds"
FILES = ("atom.xml", "rss.xml", "feed.json", "tags/city-hall/atom.xml")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("golden")
    (site / "syndicate.toml").write_text(
        '[site]\ntitle = "The Example Desk"\nbase_url = "https://news.example.com"\n'
        'timezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    settings = load_settings(site)
    quote = Quote(
        "We will keep the bridge open.", "We will keep the bridge <em>open</em>.", "Mayor"
    )
    second = make_article(
        2,
        url="https://news.example.com/2025/03/03/bridge",
        tags=("City Hall", "Transport"),
        blocks=(*make_article(2).blocks, quote),
    )
    with store(settings) as engine:
        publish_articles(engine, settings, [make_article(1), second], send_email=False)
    return settings.feeds_path


@pytest.mark.parametrize("name", FILES)
def test_feed_matches_golden_file(written: Path, name: str) -> None:
    golden = GOLDEN / name
    produced = (written / name).read_bytes()
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(produced)
    assert produced == golden.read_bytes()
