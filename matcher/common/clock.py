"""Clocks: the one place where "now" comes from, so tests and the sandbox can control time.

>>> clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
>>> clock.advance(timedelta(days=1)); clock.now().isoformat()
'2026-11-03T09:00:00+00:00'
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from matcher.common.errors import SandboxError


class Clock(Protocol):
    """Anything that can tell the current time (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that is either frozen (moves only when told) or running (follows real time from an offset).

    Thread-safe: the sandbox's request threads read it while a test or the control endpoint moves it.

    Args:
        start: the instant the clock shows now (must be timezone-aware).
        frozen: when False the clock advances with real time from ``start``.
    """

    def __init__(self, start: datetime, *, frozen: bool = True) -> None:
        if start.tzinfo is None:
            raise SandboxError(f"clock start: got naive datetime {start.isoformat()}, expected a timezone")
        self._lock = threading.Lock()
        self._base = start.astimezone(UTC)
        self._frozen = frozen
        self._since = time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if self._frozen:
            return self._base
        return self._base + timedelta(seconds=time.monotonic() - self._since)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock, at ``at`` when given (it may not move backwards), else where it is."""
        with self._lock:
            current = self._now_locked()
            target = current if at is None else at.astimezone(UTC)
            if target < current:
                raise SandboxError(
                    f"clock: got {target.isoformat()}, expected an instant at or after {current.isoformat()}"
                )
            self._base, self._frozen = target, True
            return target

    def run(self) -> None:
        """Let the clock follow real time from where it is."""
        with self._lock:
            self._base, self._frozen, self._since = self._now_locked(), False, time.monotonic()

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (never backwards) and return the new time."""
        if delta < timedelta(0):
            raise SandboxError(f"clock advance: got {delta}, expected a non-negative duration")
        with self._lock:
            self._base = self._now_locked() + delta
            self._since = time.monotonic()
            return self._base
