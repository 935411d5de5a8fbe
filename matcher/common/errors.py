"""The exception tree every matcher error belongs to.

Shaped by what the caller can do about it::

    MatcherError                      base: the CLI turns any of these into one clear line and exit code 1
    ├── ConfigError                   fix the configuration (lists every problem at once)
    ├── DataError                     fix the input data (names the field, the value, what was expected)
    ├── SandboxError                  misuse of the local sandbox (bad fault rule, bad clock command)
    └── RemoteError                   a remote service said no, or could not be reached
        ├── TransientError            worth retrying later (429, 5xx, timeouts, dropped connections)
        └── PermanentError            retrying will not help (400, 401, 403, 404)

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


class SandboxError(MatcherError):
    """The sandbox was asked for something it cannot do (an unknown fault kind, a clock moved backwards)."""


class RemoteError(MatcherError):
    """A remote service refused a request or could not be reached."""


class TransientError(RemoteError):
    """A failure that may go away when retried later."""


class PermanentError(RemoteError):
    """A failure that retrying will not fix."""
