"""The HTTP layer both clients share: auth, timeouts, retries that honour the server, typed errors, redaction.

>>> api = ApiClient(service="floqer", base_url="https://api.floqer.com", api_key=key)     # doctest: +SKIP
>>> api.request_json("GET", "/api/v1/sources")                                         # doctest: +SKIP
{'status': 200, 'data': [...]}

What is retried: 429, 5xx, timeouts, dropped connections and bodies cut short, with capped exponential
backoff and jitter; a server's hint (Floqer's ``retryAfter`` in the JSON body, as a number or a numeric
string, else the ``Retry-After`` header) is honoured as given, and a hint above ``RetryPolicy.max_wait``
fails fast with ``WaitTooLongError``. A host that cannot be reached at all (its name does not resolve, or
the connection is refused) is retried once (``RetryPolicy.connect_attempts``): retrying a wrong base URL
cannot help. What is never retried: 400/401/403/404/409 (they fail at once with the server's message and
Flowstate's ``errorId``), and any call made with ``retry=False`` (the credit-spending ones: a lost answer
does not mean the work was not done).
Text that is not valid Unicode (a lone surrogate escape such as ``"\\ud800"``, a byte that is not UTF-8)
is read as U+FFFD and its JSON path recorded (``take_repairs``): one bad string never costs the page.
The sleep function and the random source are injectable so tests never really wait.
"""

from __future__ import annotations

import email.utils
import html
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from matcher.common.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    ConflictError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RemoteError,
    ResponseTooLargeError,
    ServerError,
    TimedOutError,
    TransientError,
    UnreachableError,
    WaitTooLongError,
)
from matcher.common.redaction import Redactor
from matcher.common.version import VERSION

log = logging.getLogger("matcher.ingest.http")

MAX_RESPONSE_BYTES = 64 * 2**20  # a body larger than this is refused ([ingest] max_response_mb)
MAX_TEXT_CHARS = 1_000_000  # a string longer than this is cut to it, and the cut recorded
_BODY_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
TRUNCATED = " (truncated)"  # the suffix of a repaired path whose text was cut to ``max_text_chars``

PERMANENT: dict[int, type[PermanentError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
}


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How hard to try. Backoff for attempt n (1-based) is ``min(max_delay, base_delay * 2**(n-1))``,
    jittered to between half and all of it; a server's hint replaces it.

    Args:
        max_attempts: attempts in all, the first included.
        base_delay: seconds before the first retry (before jitter).
        max_delay: cap of the exponential backoff.
        max_wait: the longest server hint obeyed; a longer one raises ``WaitTooLongError`` at once.
        connect_attempts: attempts in all when the host cannot be reached (DNS failure, refused).
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_wait: float = 120.0
    connect_attempts: int = 2  # a name that does not resolve or a refused connection: one retry at most


@dataclass
class HttpStats:
    """What the layer did, for the run manifest."""

    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    by_reason: dict[str, int] = field(default_factory=dict)
    text_repaired: int = 0  # strings read with U+FFFD for text that was not valid Unicode


@dataclass(frozen=True, kw_only=True)
class ErrorBody:
    """An error answer read in either of the shapes the services use."""

    message: str
    code: str | None = None
    problems: tuple[str, ...] = ()
    retry_after: float | None = None
    error_id: str | None = None


def read_error_body(response: httpx.Response) -> ErrorBody:
    """The message, code, field problems and retry hint of an error answer, flat or nested.

    Flat (Floqer): ``{"status", "error", "message", "retryAfter"?, "errors"?: [{"field", "message"}]}``;
    nested (Flowstate, some Floqer): ``{"error": {"code", "message", "details"?: [{"field", "message"}]}}``.
    Floqer does not publish its 400 body, so the other common shapes are read too: ``message`` as a list of
    problems (``{"statusCode": 400, "message": ["name should not be empty"]}``), ``errors`` as strings or as
    ``{field: message(s)}``, ``details`` beside ``message``, a detail naming its field as ``path``. A body
    that is not JSON (a proxy's HTML page) is read as one line: its title, else its text without tags.
    """
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ErrorBody(message=_plain_text(response.text) or response.reason_phrase)
    if not isinstance(body, dict):
        return ErrorBody(message=_one_line(str(body))[:300])
    error = body.get("error")
    if isinstance(error, dict):
        error_id = error.get("errorId") or body.get("errorId")
        message, listed = _message(error.get("message"))
        return ErrorBody(
            message=message or str(error.get("code") or response.reason_phrase),
            code=str(error["code"]) if error.get("code") else None,
            problems=(*listed, *_problems(error.get("details")), *_problems(error.get("errors"))),
            retry_after=seconds_hint(error.get("retryAfter", body.get("retryAfter"))),
            error_id=str(error_id) if isinstance(error_id, str | int) and error_id != "" else None,
        )
    error_id = body.get("errorId")
    message, listed = _message(body.get("message"))
    return ErrorBody(
        message=message or (error if isinstance(error, str) and error else None) or response.reason_phrase,
        code=str(error) if isinstance(error, str) else None,
        problems=(*listed, *_problems(body.get("errors")), *_problems(body.get("details"))),
        retry_after=seconds_hint(body.get("retryAfter")),
        error_id=str(error_id) if isinstance(error_id, str | int) and error_id != "" else None,
    )


def _message(value: Any) -> tuple[str | None, tuple[str, ...]]:
    """(the message, problems it lists): a string is the message; a list (NestJS's validation answer) is
    the problems, and the message is left to the ``error`` beside it."""
    if isinstance(value, list):
        return None, tuple(_problems(value))
    if value is None or value == "":
        return None, ()
    return _one_line(str(value)), ()


def _problems(value: Any) -> list[str]:
    """Field problems from a list of ``{"field"|"path", "message"}`` objects or strings, or a
    ``{field: message or [messages]}`` object."""
    if isinstance(value, Mapping):
        found = []
        for name, said in value.items():
            for text in said if isinstance(said, list) else [said]:
                found.append(f"{name}: {_one_line(str(text))}")
        return found
    return [
        _problem_text(item) if isinstance(item, Mapping) else _one_line(str(item))
        for item in _list(value)
        if item is not None and item != ""
    ]


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def _plain_text(text: str) -> str:
    """An error body that is not JSON as one short line: an HTML page's title, else its text untagged.

    >>> _plain_text("<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>")
    '502 Bad Gateway (an HTML page)'
    """
    title = _TITLE.search(text)
    if title and title.group(1).strip():
        return _one_line(html.unescape(title.group(1)))[:200] + " (an HTML page)"
    if "<" in text and ">" in text:
        untagged = _one_line(html.unescape(_TAGS.sub(" ", text)))[:200]
        return f"{untagged} (an HTML page)" if untagged else "(an HTML page)"
    return _one_line(text)[:300]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def seconds_hint(value: Any) -> float | None:
    """A wait hint in seconds from a JSON number or a numeric string ("42", "42s", " 1.5 "); None for
    anything else, including negative, infinite and NaN values (the caller then backs off on its own).

    >>> seconds_hint("42"), seconds_hint(7), seconds_hint(-1), seconds_hint("soon")
    (42.0, 7.0, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().lower().removesuffix("seconds").removesuffix("s").strip()
        try:
            value = float(text)
        except ValueError:
            return None
    if not isinstance(value, int | float | Decimal):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number


def smaller_page_size(exc: PermanentError, size: int, name: str) -> int | None:
    """The page size to ask for after a 400 that names the page size parameter (``name``, a pattern such
    as ``page[_ ]?size`` or ``limit``): a smaller number the message gives after it (``must not be greater
    than 100``), else the next of 100, 50, 20; None when the 400 is about something else or ``size`` is 20
    already (every document's default).

    >>> smaller_page_size(BadRequestError("400 [page_size: must be <= 50]"), 200, r"page[_ ]?size")
    50
    """
    text = " ".join([str(exc), *exc.problems])
    if not re.search(rf"\b{name}\b", text, flags=re.IGNORECASE):
        return None
    near = re.findall(rf"\b{name}\b\D{{0,40}}?\b(\d{{1,4}})\b", text, flags=re.IGNORECASE)
    named = [int(n) for n in near if 1 <= int(n) < size]
    if named:
        return max(named)
    return next((n for n in (100, 50, 20) if n < size), None)


def json_count(value: Any) -> int | None:
    """A count (``total_count``, ``page_size``, ``meta.total``) from an int or a numeric string ("23");
    None for anything else, negative counts included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value() and value >= 0:
        return int(value)
    return None


def _problem_text(detail: Mapping[str, Any]) -> str:
    field_name = detail.get("field") or detail.get("path") or detail.get("property")
    if isinstance(field_name, list):  # a path as its parts: ["filters", "job_title_or"]
        field_name = ".".join(str(part) for part in field_name)
    message = detail.get("message") or detail.get("code") or detail
    return f"{field_name}: {_one_line(str(message))}" if field_name else _one_line(str(message))


def retry_after_header(response: httpx.Response, now: datetime) -> float | None:
    """``Retry-After`` as seconds, from delta-seconds or an HTTP date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class JsonNumber(Decimal):
    """A JSON number read with its text kept, so writing it back sends the same bytes.

    >>> number = JsonNumber("1E300"); number.text, number == Decimal("1e300")
    ('1E300', True)
    """

    text: str

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


def dumps_json(value: Any) -> str:
    """JSON text in which every Decimal is written as a number with its own digits (never through a
    float): a ``JsonNumber`` as the text it was read from, another finite Decimal as ``str`` does.

    >>> dumps_json({"a": Decimal("1.10"), "b": JsonNumber("1E300"), "c": [1, "x"]})
    '{"a":1.10,"b":1E300,"c":[1,"x"]}'
    """
    if isinstance(value, Decimal):
        if isinstance(value, JsonNumber):
            return value.text
        return str(value) if value.is_finite() else json.dumps(str(value))
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{dumps_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # "\ud800" in JSON: a surrogate, maybe lone
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def decode_json(
    content: bytes, *, exact_numbers: bool = False, max_text_chars: int = MAX_TEXT_CHARS
) -> tuple[Any, list[str]]:
    """A body's JSON with text that cannot be stored repaired: (value, the JSON paths repaired).

    A lone surrogate (``"\\ud800"``, valid JSON but not Unicode text) and a byte that is not UTF-8 each
    become U+FFFD, so one bad row costs its text and never the page (or every later run):

    >>> decode_json(b'{"data": [{"t": "a\\\\ud800"}, {"t": "caf\\xe9"}]}')
    ({'data': [{'t': 'a\ufffd'}, {'t': 'caf\ufffd'}]}, ['data[0].t', 'data[1].t'])

    With ``exact_numbers`` each non-integer number is a ``JsonNumber`` that remembers its text (read a record
    to send it back unchanged); else a ``Decimal``. Raises ``ValueError`` for a body that is not JSON,
    ``RecursionError`` for one nested too deep. A string longer than ``max_text_chars`` is cut to that
    many characters and its path recorded with `` (truncated)`` after it: a 100 MB description is not stored.
    """
    encoding = json.detect_encoding(content)
    escaped = False
    if encoding.startswith("utf-8"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:  # each bad byte becomes a lone surrogate, repaired below
            text = content.decode(encoding, errors="surrogateescape")
            escaped = True
    else:
        text = content.decode(encoding)
    value = json.loads(text, parse_float=JsonNumber if exact_numbers else Decimal)  # money stays exact
    long_text = len(content) > max_text_chars  # only then can a string be too long
    if not escaped and not long_text and not _SURROGATE_ESCAPE.search(content):
        return value, []
    repaired: list[str] = []
    return _repair(value, "", repaired, max_text_chars), repaired


def _repair(value: Any, path: str, repaired: list[str], limit: int) -> Any:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            repaired.append(path or "$")
            value = _SURROGATE.sub(REPLACEMENT, value)
        if len(value) > limit:
            repaired.append((path or "$") + TRUNCATED)
            value = value[:limit]
        return value
    if isinstance(value, list):
        return [_repair(v, f"{path}[{i}]", repaired, limit) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            clean = _SURROGATE.sub(REPLACEMENT, key)[:limit]
            if clean != key:
                repaired.append(f"{path}.{clean}" if path else clean)
            out[clean] = _repair(item, f"{path}.{clean}" if path else clean, repaired, limit)
        return out
    return value


def _mask_secrets(value: Any, path: str, redactor: Redactor, masked: list[str]) -> Any:
    """``value`` with each exact secret of ``redactor`` masked in strings and keys; paths into ``masked``."""
    if isinstance(value, str):
        clean = redactor.redact_exact(value)
        if clean != value:
            masked.append(path or "$")
        return clean
    if isinstance(value, list):
        return [_mask_secrets(v, f"{path}[{i}]", redactor, masked) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            clean = _mask_secrets(key, f"{path}.{key}" if path else key, redactor, masked)
            out[clean] = _mask_secrets(item, f"{path}.{clean}" if path else clean, redactor, masked)
        return out
    return value


class ApiClient:
    """One service's HTTP seam: base URL, bearer key, retries, typed errors. Thread-compatible, not shared.

    Args:
        service: "floqer" or "flowstate", named in every error.
        base_url: everything before the documented paths (e.g. ``https://api.floqer.com``).
        api_key: the bearer key; it is redacted from every message.
        client: an ``httpx.Client`` to use (tests inject ``httpx.MockTransport`` through one).
        timeout: seconds for connect/read/write when the client is made here, and the total deadline of one
            request (headers and the whole body) in any case: a body dripped a byte at a time fails with
            ``TimedOutError`` once it passes (checked between reads, so at most one read timeout later).
        max_response_bytes: the largest body read; a larger one is ``ResponseTooLargeError`` (not retried).
        max_text_chars: the longest string kept; a longer one is cut to it and its JSON path recorded
            (``take_repairs``, with `` (truncated)``).
        retry: the retry policy.
        sleep: how to wait (tests pass a recorder, so nothing really sleeps).
        rng: the jitter's random source.
        redactor: masks secrets in messages; the key is added to it.
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        api_key: str,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        redactor: Redactor | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_text_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout)
        self.deadline = timeout  # seconds for a whole request: connect, send, headers and the last body byte
        self.max_response_bytes = max_response_bytes
        self.max_text_chars = max_text_chars
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.redactor = redactor or Redactor()
        self.redactor.add(api_key)
        for part in _key_parts(api_key):  # a server may echo the secret part alone
            self.redactor.add(part)
        self.stats = HttpStats()
        self.repairs: list[str] = []  # JSON paths repaired since the last ``take_repairs``

    def take_repairs(self) -> list[str]:
        """The JSON paths repaired (U+FFFD) since the last call, e.g. ``data.rows[3].job_title``."""
        taken, self.repairs = self.repairs, []
        return taken

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        retry: bool = True,
        exact_numbers: bool = False,
    ) -> Any:
        """Send one request and return its decoded JSON (None for 204), retrying what may be retried.

        Raises a ``PermanentError`` subclass at once on 400/401/403/404/409, ``WaitTooLongError`` when the
        server's hint exceeds the maximum wait, and the last ``TransientError`` when attempts run out or
        when ``retry`` is False. ``exact_numbers``: numbers come back as ``JsonNumber`` (see ``decode_json``).
        """
        label = f"{self.service} {method} {path}"
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, path, params, json_body, label, exact_numbers)
            except WaitTooLongError:
                raise
            except TransientError as exc:
                if not retry:
                    note = "not retried: this call may have spent credits; check before retrying"
                    raise _annotated(exc, note) from exc
                limit = (
                    min(self.retry.max_attempts, self.retry.connect_attempts)
                    if isinstance(exc, UnreachableError)
                    else self.retry.max_attempts
                )
                if attempt >= limit:
                    tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                    raise _annotated(exc, f"gave up after {tries}") from exc
                delay = self._delay(attempt, exc)
                reason = type(exc).__name__
                self.stats.retries += 1
                self.stats.by_reason[reason] = self.stats.by_reason.get(reason, 0) + 1
                self.stats.waited_seconds += delay
                log.log(  # a host that cannot be reached is reported once, when it gives up
                    logging.INFO if isinstance(exc, UnreachableError) else logging.WARNING,
                    "%s",
                    self.redactor.redact(f"{exc}; retry {attempt}/{limit - 1} in {delay:.1f}s"),
                )
                self._sleep(delay)

    def _delay(self, attempt: int, exc: TransientError) -> float:
        hint = getattr(exc, "retry_after", None)
        if hint is not None:
            return float(hint) + self._rng.uniform(0, min(1.0, hint * 0.1))
        backoff = min(self.retry.max_delay, self.retry.base_delay * 2.0 ** (attempt - 1))
        return backoff / 2 + self._rng.uniform(0, backoff / 2)

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        label: str,
        exact_numbers: bool = False,
    ) -> Any:
        headers = {
            "Authorization": f"Bearer {self._key}",
            "Accept": "application/json",
            "User-Agent": f"matcher/{VERSION}",
        }
        self.stats.requests += 1
        try:
            content = None
            if body is not None:
                # numbers keep their digits and form (a metadata "1.10" is not sent back as 1.1)
                content = dumps_json(body).encode("utf-8")
                headers["Content-Type"] = "application/json"
            response, data = self._send(method, self.base_url + path, params, content, headers, label)
        except httpx.ConnectTimeout:
            raise self._error(
                UnreachableError,
                f"{label}: cannot connect to {self.base_url} (no answer within the connect timeout): "
                f"check the {self.service} base URL",
                None,
            ) from None
        except httpx.TimeoutException as exc:
            raise self._error(
                TimedOutError,
                f"{label}: no answer within {self._timeout_text()} ({type(exc).__name__})",
                None,
            ) from None
        except httpx.ConnectError as exc:
            raise self._error(
                UnreachableError,
                f"{label}: cannot connect to {self.base_url} ({_connect_reason(exc)}): "
                f"check the {self.service} base URL",
                None,
            ) from None
        except httpx.TransportError as exc:
            raise self._error(
                NetworkError, f"{label}: connection failed ({type(exc).__name__}: {exc})", None
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not data:
                return None
            try:
                value, repaired = decode_json(
                    data, exact_numbers=exact_numbers, max_text_chars=self.max_text_chars
                )
            except (ValueError, UnicodeDecodeError) as exc:
                raise self._error(
                    BadResponseError, f"{label}: {status} with a body that is not JSON ({exc})", status
                ) from None
            except RecursionError:
                raise self._error(
                    BadResponseError, f"{label}: {status} with JSON nested too deep to read", status
                ) from None
            masked: list[str] = []
            value = _mask_secrets(value, "", self.redactor, masked)
            if masked:  # a server echoing our key in its data: the key never reaches the lake
                log.warning(
                    "%s",
                    f"{label}: the API key appeared in {len(masked)} text value(s), masked: "
                    + ", ".join(masked[:5]),
                )
            if repaired:
                self.stats.text_repaired += len(repaired)
                self.repairs.extend(repaired)
                log.warning(
                    "%s",
                    self.redactor.redact(
                        f"{label}: {len(repaired)} text value(s) not valid Unicode (a lone surrogate or a "
                        f"byte that is not UTF-8) read with U+FFFD in their place, or longer than "
                        f"{self.max_text_chars:,} characters and cut to it: {', '.join(repaired[:5])}"
                    ),
                )
            said = _status_in_body(value)
            if said is None:
                return value
            # a 2xx whose envelope reports an error ({"status": 503, "error": ..., "message"} and no data):
            # read as the status it names, so a rate limit or an outage is retried, not taken for a page
            label = f"{label} (HTTP {status}, the body says {said})"
            status = said
        error = read_error_body(response)
        detail = error.message + (f" [{'; '.join(error.problems)}]" if error.problems else "")
        if error.error_id:
            detail += f" (errorId {error.error_id})"
        if status == 429:
            hint = error.retry_after
            if hint is None:
                hint = retry_after_header(response, datetime.now(UTC))
            if hint is not None and hint > self.retry.max_wait:
                raise self._error(
                    WaitTooLongError,
                    f"{label}: 429 rate limited; the server asks to wait {hint:.0f}s, more than the "
                    f"{self.retry.max_wait:.0f}s maximum wait (retry.max_wait): try again later",
                    status,
                    code=error.code,
                    retry_after=hint,
                )
            raise self._error(
                RateLimitedError, f"{label}: 429 {detail}", status, code=error.code, retry_after=hint
            )
        if status >= 500:  # a hint (Retry-After on a 503) is honoured when it is within the maximum wait
            hint = error.retry_after
            if hint is None:
                hint = retry_after_header(response, datetime.now(UTC))
            if hint is not None and hint <= self.retry.max_wait:
                raise self._error(
                    ServerError, f"{label}: {status} {detail}", status, code=error.code, retry_after=hint
                )
            raise self._error(ServerError, f"{label}: {status} {detail}", status, code=error.code)
        kind = PERMANENT.get(status, PermanentError)
        raise self._error(
            kind, f"{label}: {status} {detail}", status, code=error.code, problems=error.problems
        )

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: dict[str, str],
        label: str,
    ) -> tuple[httpx.Response, bytes]:
        """The response (status and headers) and its whole body, within ``deadline`` seconds in all and
        at most ``max_response_bytes`` long. httpx's timeouts bound each read, not the request: a server
        dripping a byte a second would hold a page for as long as it likes without this check."""
        deadline = time.monotonic() + self.deadline
        cap = self.max_response_bytes
        with self._client.stream(method, url, params=params, content=content, headers=headers) as response:
            length = response.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > cap:
                raise self._too_large(label, cap, f"Content-Length {int(length):,}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise self._too_large(label, cap, f"more than {cap:,} bytes")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise self._deadline_passed(label, size)
            if time.monotonic() > deadline:
                raise self._deadline_passed(label, size)
        data = b"".join(chunks)
        # a plain response over the body read (already decoded: no Content-Encoding), for the error readers
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS]
        return httpx.Response(
            response.status_code, headers=kept, content=data, request=response.request
        ), data

    def _deadline_passed(self, label: str, size: int) -> RemoteError:
        return self._error(
            TimedOutError,
            f"{label}: no complete answer within {self.deadline:g} s ({size:,} bytes read; [http] "
            "timeout_seconds bounds the whole request, not each read)",
            None,
        )

    def _too_large(self, label: str, cap: int, what: str) -> RemoteError:
        return self._error(
            ResponseTooLargeError,
            f"{label}: the answer is larger than the {cap / 2**20:g} MB cap ({what}; [ingest] "
            "max_response_mb): not read",
            None,
        )

    def _timeout_text(self) -> str:
        read = self._client.timeout.read
        return f"{read:g} s" if read is not None else "the timeout"

    def _error(
        self,
        kind: type[RemoteError],
        message: str,
        status: int | None,
        *,
        code: str | None = None,
        problems: tuple[str, ...] = (),
        retry_after: float | None = None,
    ) -> RemoteError:
        clean = self.redactor.redact(message)
        clean_problems = [self.redactor.redact(p) for p in problems]
        if issubclass(kind, RateLimitedError):
            return kind(clean, service=self.service, status=status, code=code, retry_after=retry_after)
        error = kind(clean, service=self.service, status=status, code=code, problems=clean_problems)
        if retry_after is not None:
            error.retry_after = retry_after  # type: ignore[attr-defined]  # a 503's Retry-After
        return error


def _key_parts(api_key: str) -> list[str]:
    """The secret parts of a key, masked on their own too: Flowstate's ``<secret>`` of
    ``private_<id>_<secret>``, Floqer's text after ``floq_`` (only parts long enough to be no common word).

    >>> _key_parts("private_t1_" + "s" * 15), _key_parts("floq_" + "f" * 16)
    (['sssssssssssssss'], ['ffffffffffffffff'])
    """
    found = re.fullmatch(r"private_[A-Za-z0-9]+_(.+)|floq_(.+)", api_key)
    if not found:
        return []
    part = found.group(1) or found.group(2)
    return [part] if len(part) >= 12 else []


# Flowstate's documented error codes, for an error body that arrives with a 2xx status
ERROR_CODES = {
    "VALIDATION_ERROR": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
}


def _status_in_body(value: Any) -> int | None:
    """The error status a 2xx body reports, or None for a body that is a success: Floqer's envelope
    (``"status": 429``, an ``error`` or ``message`` and no ``data``), or Flowstate's nested error with one
    of its documented codes and no ``data``."""
    if not isinstance(value, Mapping) or "data" in value:
        return None
    error = value.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("code"), str):
        code = ERROR_CODES.get(error["code"].upper())
        if code is not None:
            return code
    status = value.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        return None
    return status if ("error" in value or "message" in value) else None


def _annotated(exc: TransientError, note: str) -> TransientError:
    """The same error with ``note`` appended to its message."""
    if isinstance(exc, RateLimitedError):
        return type(exc)(
            f"{exc} ({note})",
            service=exc.service,
            status=exc.status,
            code=exc.code,
            retry_after=exc.retry_after,
        )
    return type(exc)(f"{exc} ({note})", service=exc.service, status=exc.status, code=exc.code)


def _connect_reason(exc: httpx.ConnectError) -> str:
    """Why a connection could not be made, in words (the name does not resolve, refused, ...)."""
    text = str(exc)
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "-2]" in text:
        return "the host name does not resolve"
    if "temporary failure in name resolution" in lowered or "-3]" in text:
        return "the host name could not be resolved (DNS)"
    if "refused" in lowered:
        return "connection refused"
    if "unreachable" in lowered:
        return "network unreachable"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
