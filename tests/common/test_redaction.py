"""Secrets are masked wherever they appear, exactly or by shape."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from matcher.common.redaction import MASK, RedactingFilter, Redactor


def test_known_secret_and_key_shapes_are_masked() -> None:
    redactor = Redactor(["s3cr3t-value"])
    text = (
        "key s3cr3t-value, header Authorization: Bearer abc.def.ghi, floq_live0123456789, "
        "private_org1_abcdefghijkl and a bearer token in lower case: bearer xyz12345"
    )
    clean = redactor.redact(text)
    for secret in (
        "s3cr3t-value",
        "abc.def.ghi",
        "floq_live0123456789",
        "private_org1_abcdefghijkl",
        "xyz12345",
    ):
        assert secret not in clean
    assert clean.count(MASK) == 5
    assert "Authorization: Bearer ***" in clean


def test_ordinary_text_is_left_alone() -> None:
    text = "Senior Backend Engineer, private equity, floq, 120000.00 USD"
    assert Redactor().redact(text) == text


@given(
    secret=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40),
    prefix=st.text(max_size=30),
    suffix=st.text(max_size=30),
)
def test_a_registered_secret_never_survives(secret: str, prefix: str, suffix: str) -> None:
    assert secret not in Redactor([secret]).redact(prefix + secret + suffix + secret)


def test_logging_filter_redacts_formatted_messages() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s", ("Bearer floq_abcdefgh1234",), None)
    RedactingFilter(Redactor()).filter(record)
    assert record.getMessage() == "sent Bearer ***"
