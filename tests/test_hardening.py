"""Issue 13: each finding of the hardening review, one regression test (or a few) apiece."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.common.config import load_config
from matcher.common.errors import ConfigError


def _config(tmp_path: Path, text: str, **env: str) -> object:
    path = tmp_path / "matcher.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env=env)


# Finding 3: plain http only when the URL's host is loopback, compared after parsing, not as a text prefix.
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1@example.com/",
        "http://localhost.attacker.example",
        "http://localhost:443@evil.example",
        "http://127.0.0.1.evil.example/",
        "http://[::1]@evil.example/",
        "http://localhostevil.example/",
        "http://user:pw@localhost/",
        "https://[::1",
        "http://[::1",
        "ftp://127.0.0.1/",
        "https://",
        "https:///nohost",
        "https://exa mple.com/",
    ],
)
def test_base_url_must_be_https_or_truly_loopback(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, "", FLOQER_BASE_URL=url)
    message = str(raised.value)
    assert "\n" not in message and "[floqer] base_url" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://api.floqer.com",
        "http://127.0.0.1:8765/floqer",
        "http://127.8.9.10/floqer",
        "http://localhost:8765/floqer",
        "http://LOCALHOST:1/x",
        "http://[::1]:8765/floqer",
    ],
)
def test_loopback_and_https_urls_are_accepted(tmp_path: Path, url: str) -> None:
    config = _config(tmp_path, "", FLOQER_BASE_URL=url)
    assert config.floqer.base_url == url  # type: ignore[attr-defined]
