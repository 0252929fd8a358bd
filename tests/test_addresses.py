"""Address validation and normalisation (email-validator, no network)."""

from __future__ import annotations

import pytest

from syndicate.errors import AddressError
from syndicate.subscribers.addresses import email_key, normalize_address, suppression_hash


def test_addresses_are_trimmed_and_the_domain_lower_cased() -> None:
    assert normalize_address("  Ada.Reader@News.Example.COM \n") == "Ada.Reader@news.example.com"


def test_international_domains_are_stored_in_idna_form() -> None:
    assert normalize_address("leser@bücher.example") == "leser@xn--bcher-kva.example"
    assert normalize_address("leser@xn--bcher-kva.example") == "leser@xn--bcher-kva.example"


def test_a_non_ascii_local_part_is_refused_with_a_clear_reason() -> None:
    with pytest.raises(AddressError) as caught:
        normalize_address("jürgen@example.com")
    assert str(caught.value) == (
        "'jürgen@example.com': non-ASCII characters before the @ are not supported "
        "(most mail servers cannot deliver to them); use an ASCII address"
    )


@pytest.mark.parametrize(
    "text", ["no-at-sign", "two@@example.com", "reader@", "@example.com", "reader@localhost"]
)
def test_malformed_addresses_are_refused(text: str) -> None:
    with pytest.raises(AddressError, match=rf"^{text!r} is not a valid email address: "):
        normalize_address(text)


def test_an_empty_address_is_refused() -> None:
    with pytest.raises(AddressError, match="^an email address is required$"):
        normalize_address("   ")


def test_the_key_and_the_suppression_hash_ignore_case() -> None:
    assert email_key("Ada@Example.com") == email_key("ada@example.com") == "ada@example.com"
    assert suppression_hash("Ada@Example.com") == suppression_hash("ada@EXAMPLE.com")
    assert len(suppression_hash("ada@example.com")) == 64
    assert "ada" not in suppression_hash("ada@example.com")
