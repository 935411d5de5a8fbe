"""The exception tree every matcher error belongs to.

Shaped by what the caller can do about it::

    MatcherError                      base: the CLI turns any of these into one clear line and exit code 1
    ├── ConfigError                   fix the configuration (lists every problem at once)
    ├── DataError                     fix the input data (names the field, the value, what was expected)
    ├── SandboxError                  misuse of the local sandbox (bad fault rule, bad clock command)
    ├── ReportWriteError              the reports could not be written (a full disk): the old set is intact
    ├── PublishInterruptedError       ``publish --apply`` failed midway: ``written`` lists what was written
    └── RemoteError                   a remote service said no, or could not be reached
        ├── TransientError            worth retrying later
        │   ├── RateLimitedError      429; ``retry_after`` holds the server's hint
        │   │   └── WaitTooLongError  the hint exceeds the configured maximum wait: fail fast
        │   ├── ServerError           5xx
        │   ├── NetworkError          timeouts, dropped connections, truncated bodies
        │   │   ├── UnreachableError  the host does not resolve or refuses: retried once at most
        │   │   └── TimedOutError     no complete answer within the timeout (a read, or the whole request)
        │   └── BadResponseError      a complete answer that is not the JSON the contract promises
        └── PermanentError            retrying will not help
            ├── BadRequestError       400; ``problems`` lists what the server said
            ├── AuthenticationError   401: the key is missing or wrong
            ├── ForbiddenError        403: the key lacks a scope or the org
            ├── NotFoundError         404
            ├── ConflictError         409
            ├── PagingLimitError      more pages after the ceiling ([ingest] max_pages)
            └── ResponseTooLargeError a body above the size cap ([ingest] max_response_mb)

Messages never contain secrets: build them from redacted values only.
"""

from __future__ import annotations

from collections.abc import Iterable


class MatcherError(Exception):
    """Base class of every error matcher raises on purpose."""


class ConfigError(MatcherError):
    """The configuration is wrong; ``problems`` lists every problem found, not just the first.

    >>> str(ConfigError(["sandbox.port: got -1, expected 0..65535"]))
    'invalid configuration: sandbox.port: got -1, expected 0..65535'
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid configuration: " + "; ".join(self.problems))


class DataError(MatcherError):
    """Input data is wrong: says which field, which value, and what was expected."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{field}: got {shown}, expected {expected}")


class NotReadyError(MatcherError):
    """A stage's input is not there yet ("no clean tables yet: run `matcher normalize` first")."""


class SandboxError(MatcherError):
    """The sandbox was asked for something it cannot do (an unknown fault kind, a clock moved backwards)."""


class ReportWriteError(MatcherError):
    """The reports could not be written (a full disk, no permission); the previous set is left whole."""


class PublishInterruptedError(MatcherError):
    """``publish --apply`` stopped midway: the message names the failure, the vacancies already written
    (``written``) and that running again is safe."""

    def __init__(self, message: str, *, written: Iterable[str] = ()) -> None:
        self.written = list(written)
        super().__init__(message)


class RemoteError(MatcherError):
    """A remote service refused a request or could not be reached.

    Args:
        message: what happened, already free of secrets.
        service: "floqer" or "flowstate".
        status: the HTTP status, or None when no answer arrived.
        code: the service's error code when it sent one.
        problems: the field problems a 400 listed.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str = "",
        status: int | None = None,
        code: str | None = None,
        problems: Iterable[str] = (),
    ) -> None:
        self.service = service
        self.status = status
        self.code = code
        self.problems = list(problems)
        super().__init__(message)


class TransientError(RemoteError):
    """A failure that may go away when retried later."""


class RateLimitedError(TransientError):
    """429 Too Many Requests; ``retry_after`` is the server's hint in seconds, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class WaitTooLongError(RateLimitedError):
    """The server asked to wait longer than the configured maximum: stop now, try later."""


class ServerError(TransientError):
    """The service failed (5xx)."""


class NetworkError(TransientError):
    """No complete answer: a timeout, a refused or dropped connection, a body cut short."""


class UnreachableError(NetworkError):
    """The host cannot be reached at all (its name does not resolve, or it refuses): usually a wrong base
    URL or no network, so it is retried once at most."""


class TimedOutError(NetworkError):
    """The server took the connection but sent no complete answer within the timeout (one read, or the
    whole request: ``[http] timeout_seconds`` bounds both)."""


class BadResponseError(TransientError):
    """A complete answer that is not the JSON the contract promises (often a body cut by a proxy)."""


class PermanentError(RemoteError):
    """A failure that retrying will not fix."""


class BadRequestError(PermanentError):
    """400: the request broke the contract; ``problems`` lists what the server said."""


class AuthenticationError(PermanentError):
    """401: the API key is missing or wrong."""


class ForbiddenError(PermanentError):
    """403: the key lacks a scope, or access to the organization."""


class NotFoundError(PermanentError):
    """404: no such resource."""


class ConflictError(PermanentError):
    """409: the request conflicts with the resource's state."""


class PagingLimitError(PermanentError):
    """A list still had more pages after ``[ingest] max_pages``: the server pages without end (or the
    ceiling is too low for the source); what was read so far has landed."""


class ResponseTooLargeError(PermanentError):
    """A response body above ``[ingest] max_response_mb``: not read (retrying would download it again)."""
