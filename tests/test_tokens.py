"""Signed link tokens: round trip, expiry with a controlled clock, tampering, purpose."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from syndicate.config import load_settings
from syndicate.errors import TokenError
from syndicate.store import utcnow
from syndicate.subscribers.tokens import make_token, read_token, read_token_issued


def test_a_token_names_its_subscriber_and_when_it_was_signed(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    before = utcnow().replace(microsecond=0)
    token = make_token(settings, "confirm", 42)
    subscriber_id, issued = read_token_issued(settings, "confirm", token)
    assert subscriber_id == 42
    assert before <= issued <= utcnow()
    assert read_token(settings, "unsubscribe", make_token(settings, "unsubscribe", 7)) == 7


def test_confirmation_tokens_expire_after_seven_days(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    fresh = make_token(settings, "confirm", 3, now=utcnow() - timedelta(days=6, hours=23))
    assert read_token(settings, "confirm", fresh) == 3
    old = make_token(settings, "confirm", 3, now=utcnow() - timedelta(days=7, minutes=1))
    with pytest.raises(TokenError, match=r"^this confirmation link has expired \(links last 7"):
        read_token(settings, "confirm", old)
    # The same token read with the clock set back is still good: the clock is the only cause.
    assert read_token(settings, "confirm", old, now=utcnow() - timedelta(days=1)) == 3


def test_unsubscribe_tokens_never_expire(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    token = make_token(settings, "unsubscribe", 9, now=utcnow() - timedelta(days=900))
    assert read_token(settings, "unsubscribe", token) == 9


def test_a_tampered_token_is_refused(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    token = make_token(settings, "confirm", 5)
    # Change a character inside the signature: the last base64 character carries padding
    # bits, so changing it can decode to the same bytes and the test would pass by luck.
    at = len(token) - 10
    flipped = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
    for bad in (flipped, token[:-4], "not-a-token", make_token(settings, "confirm", 5)[:10]):
        with pytest.raises(TokenError, match="^this confirmation link is not valid"):
            read_token(settings, "confirm", bad)


def test_a_token_for_another_purpose_is_refused_and_named(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    unsubscribe = make_token(settings, "unsubscribe", 5)
    with pytest.raises(TokenError) as caught:
        read_token(settings, "confirm", unsubscribe)
    assert str(caught.value) == "this is an unsubscribe link, not a confirmation link"
    with pytest.raises(TokenError) as caught:
        read_token(settings, "unsubscribe", make_token(settings, "confirm", 5))
    assert str(caught.value) == "this is a confirmation link, not an unsubscribe link"


def test_another_sites_secret_does_not_verify(tmp_path: Path) -> None:
    ours = load_settings(
        tmp_path, environ={"SYNDICATE_SECRET": "one secret of ours, long enough to sign"}
    )
    theirs = load_settings(
        tmp_path, environ={"SYNDICATE_SECRET": "somebody else's secret, just as long"}
    )
    token = make_token(theirs, "unsubscribe", 1)
    with pytest.raises(TokenError, match="not valid"):
        read_token(ours, "unsubscribe", token)


def test_without_a_configured_secret_one_is_generated_into_the_site_and_kept(
    tmp_path: Path,
) -> None:
    settings = load_settings(tmp_path)
    token = make_token(settings, "confirm", 11)
    secret_file = tmp_path / ".syndicate-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert read_token(load_settings(tmp_path), "confirm", token) == 11


@pytest.mark.parametrize("purpose", ["confirm", "unsubscribe"])
def test_the_sender_s_fast_tokens_are_the_serializer_s_tokens_byte_for_byte(
    tmp_path: Path, purpose: str
) -> None:
    # The sender signs with a precomputed HMAC; itsdangerous's serializer is the reference.
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from syndicate.config import site_secret

    settings = load_settings(tmp_path)
    moment = utcnow() - timedelta(days=2, seconds=17)

    class Clock(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(moment.timestamp())

    reference = URLSafeTimedSerializer(
        site_secret(settings), salt=f"syndicate.{purpose}", signer=Clock
    )
    for subscriber_id in (1, 9, 42, 1000, 123_456_789, 2**53 - 1):
        token = make_token(settings, purpose, subscriber_id, now=moment)
        assert token == reference.dumps(subscriber_id)
        assert read_token(settings, purpose, token) == subscriber_id
    # Within one second the cached timestamp part is reused; across seconds it is not.
    later = make_token(settings, purpose, 42, now=moment + timedelta(seconds=1))
    assert later != make_token(settings, purpose, 42, now=moment)
    assert read_token_issued(settings, purpose, later)[1] == (
        moment + timedelta(seconds=1)
    ).replace(microsecond=0)
