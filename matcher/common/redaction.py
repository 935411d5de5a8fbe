"""Secret redaction: API keys never reach a log line, an exception, a report or a Parquet file.

Two nets: the exact secrets a process was configured with, and the shapes keys have in the wild
(``Bearer ...``, ``floq_...``, ``private_..._...``, a URL's password ``https://user:...@host`` and its
credential query values ``?api_key=...``, ``X-Amz-Signature=...``), so a key echoed back by a server, or
written into a base URL by hand, is caught even when it is not ours.

>>> r = Redactor(["floq_abc123"])
>>> r.redact("401 for Authorization: Bearer floq_abc123")
'401 for Authorization: Bearer ***'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
# names of URL query parameters that carry a credential (``?api_key=...``, a presigned URL's signature)
_SECRET_PARAMS = (
    r"api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|client[_-]?secret|password|passwd|pwd"
    r"|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token"
)
_SHAPES = re.compile(
    r"(?P<bearer>(?i:bearer)\s+)[^\s\"',;}]{8,}"  # Authorization header values (tokens are long)
    r"|floq_[A-Za-z0-9_\-]{4,}"  # Floqer keys
    r"|private_[A-Za-z0-9]+_[A-Za-z0-9_\-]{4,}"  # Flowstate keys
    # the password of a URL's user information: "https://user:PASSWORD@host" (a base URL set with one)
    r"|(?P<userinfo>\b[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@\"']*:)[^@/\s\"']+(?=@)"
    # a credential in a URL's query: "?api_key=VALUE", "&X-Amz-Signature=VALUE"
    rf"|(?P<param>[?&;](?i:{_SECRET_PARAMS})=)[^&#\s\"']+"
)


def _keep_prefix(match: re.Match[str]) -> str:
    """The match's prefix that is no secret (``Bearer ``, ``https://user:``, ``?api_key=``), then the mask."""
    return (match.group("bearer") or match.group("userinfo") or match.group("param") or "") + MASK


class Redactor:
    """Masks known secrets and anything shaped like an API key."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def redact_exact(self, text: str) -> str:
        """Mask only the exact secrets (not key shapes): safe for data, where 'Bearer of ...' is text."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _SHAPES.sub(_keep_prefix, text)


DEFAULT = Redactor()


def redact(text: str) -> str:
    """Mask key-shaped substrings (and every secret registered with ``register_secret``)."""
    return DEFAULT.redact(text)


def register_secret(secret: str | None) -> None:
    """Remember a configured secret so every later ``redact`` masks it exactly."""
    DEFAULT.add(secret)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the fully formatted message of every record it sees."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or DEFAULT

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._redactor.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
