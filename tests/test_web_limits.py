"""The signup limiter over signup_attempts: a sliding hour per address and per client."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from syndicate.config import Settings, load_settings
from syndicate.errors import AddressError, SignupLimitError
from syndicate.store import signup_attempts, utcnow
from syndicate.subscribers.limits import release_signup, reserve_signup


@pytest.fixture
def settings(site: Path) -> Settings:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[web]\nsignup_limit = 2\n")
    return load_settings(site)


def test_the_limit_counts_one_hour_back(engine: Engine, settings: Settings) -> None:
    start = utcnow()
    reserve_signup(engine, settings, "Victim@Example.net", "192.0.2.1", now=start)
    reserve_signup(engine, settings, "victim@example.net", "192.0.2.2", now=start)
    # The same address in another case is the same address.
    with pytest.raises(SignupLimitError, match="This address"):
        reserve_signup(engine, settings, "VICTIM@example.net", "192.0.2.3", now=start)
    later = start + timedelta(minutes=59)
    with pytest.raises(SignupLimitError):
        reserve_signup(engine, settings, "victim@example.net", "192.0.2.3", now=later)
    reserve_signup(
        engine,
        settings,
        "victim@example.net",
        "192.0.2.3",
        now=start + timedelta(hours=1, seconds=1),
    )
    with engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(signup_attempts)).scalar_one()
    assert left == 1  # rows older than the hour are dropped, the table stays small


def test_the_client_limit_is_separate(engine: Engine, settings: Settings) -> None:
    reserve_signup(engine, settings, "a@example.net", "192.0.2.9")
    reserve_signup(engine, settings, "b@example.net", "192.0.2.9")
    with pytest.raises(SignupLimitError, match="from your network"):
        reserve_signup(engine, settings, "c@example.net", "192.0.2.9")
    reserve_signup(engine, settings, "c@example.net", "192.0.2.10")
    reserve_signup(engine, settings, "d@example.net", None)  # no client known: address limit only


def test_a_released_attempt_counts_for_nothing(engine: Engine, settings: Settings) -> None:
    first = reserve_signup(engine, settings, "x@example.net", "192.0.2.1")
    release_signup(engine, first)
    reserve_signup(engine, settings, "x@example.net", "192.0.2.1")
    reserve_signup(engine, settings, "x@example.net", "192.0.2.1")
    with pytest.raises(SignupLimitError):
        reserve_signup(engine, settings, "x@example.net", "192.0.2.1")


def test_a_bad_address_is_refused_before_it_counts(engine: Engine, settings: Settings) -> None:
    with pytest.raises(AddressError):
        reserve_signup(engine, settings, "no at sign", "192.0.2.1")
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(signup_attempts)).scalar_one() == 0
        )
