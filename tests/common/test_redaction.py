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


def test_credentials_in_urls_are_masked() -> None:
    """A password in a URL's user information and credential query values: a base URL set by hand
    ("https://user:KEY@api.floqer.com", "https://api.floqer.com/?api_key=KEY") is printed by a config
    error or a connection error; the rest of the URL stays readable."""
    redactor = Redactor()
    clean = redactor.redact(
        'got "https://user:sk-live-TESTSECRET123@api.floqer.com"; cannot connect to '
        "https://api.floqer.com/v1?page_no=2&api_key=sk-live-OTHER987&x=1 or "
        "s3://b/k?X-Amz-Signature=abcdef0123&X-Amz-Credential=AKIAXYZ%2F2026"
    )
    for secret in ("sk-live-TESTSECRET123", "sk-live-OTHER987", "abcdef0123", "AKIAXYZ"):
        assert secret not in clean
    assert "https://user:***@api.floqer.com" in clean
    assert "?page_no=2&api_key=***&x=1" in clean
    assert "X-Amz-Signature=***&X-Amz-Credential=***" in clean


def test_urls_without_credentials_are_left_alone() -> None:
    text = "http://127.0.0.1:8765/floqer/api/v1/sources/abc/data?page_no=1&page_size=200 at 12:30 user@host"
    assert Redactor().redact(text) == text


@given(
    user=st.from_regex(r"[a-z]{1,10}", fullmatch=True),
    password=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="@/\"'"),
        min_size=1,
        max_size=30,
    ),
    param=st.sampled_from(["api_key", "token", "apikey", "access_token", "Signature"]),
    value=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&#\"'"),
        min_size=1,
        max_size=30,
    ),
)
def test_url_credentials_never_survive(user: str, password: str, param: str, value: str) -> None:
    clean = Redactor().redact(f"https://{user}:{password}@host.example/p?{param}={value}")
    assert clean == f"https://{user}:***@host.example/p?{param}=***"
