"""A circuit breaker: closed, open and half-open, after Nygard's Release It! and Fowler's description.

CLOSED    calls pass; `failure_threshold` consecutive failures trip the breaker to OPEN.
OPEN      calls fail fast with CircuitOpenError; after `reset_timeout` seconds the breaker goes HALF_OPEN.
HALF_OPEN up to `half_open_max_calls` trial calls pass at once; `success_threshold` successes close
          the breaker, and any failure opens it again for another `reset_timeout`.
The clock is injectable so every transition can be driven by a test without sleeping.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

T = TypeVar("T")


class State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitOpenError(Exception):
    """Raised instead of calling the dependency; callers should treat it as not retryable."""


class CircuitBreaker:
    def __init__(self, failure_threshold: int, reset_timeout: float, half_open_max_calls: int = 1,
                 success_threshold: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or success_threshold < 1 or reset_timeout <= 0:
            raise ValueError("thresholds must be >= 1 and reset_timeout > 0")
        self.failure_threshold, self.reset_timeout = failure_threshold, reset_timeout
        self.half_open_max_calls, self.success_threshold = half_open_max_calls, success_threshold
        self.clock = clock
        self._lock = threading.Lock()
        self._state = State.CLOSED
        self._failures = 0  # consecutive failures while closed
        self._successes = 0  # successful trials while half-open
        self._in_flight_trials = 0
        self._opened_at = 0.0

    @property
    def state(self) -> State:
        with self._lock:
            return self._current_state()

    def _current_state(self) -> State:
        if self._state is State.OPEN and self.clock() - self._opened_at >= self.reset_timeout:
            self._state, self._successes, self._in_flight_trials = State.HALF_OPEN, 0, 0
        return self._state

    def _trip(self) -> None:
        self._state, self._opened_at, self._failures = State.OPEN, self.clock(), 0

    def allow_request(self) -> bool:
        """True if a call may go to the dependency now; a half-open breaker hands out trial slots."""
        with self._lock:
            state = self._current_state()
            if state is State.CLOSED:
                return True
            if state is State.HALF_OPEN and self._in_flight_trials < self.half_open_max_calls:
                self._in_flight_trials += 1
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            state = self._current_state()
            if state is State.CLOSED:
                self._failures = 0
            elif state is State.HALF_OPEN:
                self._in_flight_trials = max(0, self._in_flight_trials - 1)
                self._successes += 1
                if self._successes >= self.success_threshold:
                    self._state, self._failures = State.CLOSED, 0

    def record_failure(self) -> None:
        with self._lock:
            state = self._current_state()
            if state is State.CLOSED:
                self._failures += 1
                if self._failures >= self.failure_threshold:
                    self._trip()
            elif state is State.HALF_OPEN:
                self._trip()  # one failed trial is enough evidence the dependency is still sick

    def release_trial(self) -> None:
        """Give back a half-open trial slot without judging the dependency (the call was interrupted)."""
        with self._lock:
            if self._current_state() is State.HALF_OPEN:
                self._in_flight_trials = max(0, self._in_flight_trials - 1)

    def call(self, fn: Callable[[], T], is_failure: Callable[[Exception], bool] = lambda exc: True) -> T:
        """Run `fn` through the breaker; exceptions for which `is_failure` is false are not failures."""
        if not self.allow_request():
            raise CircuitOpenError("circuit open: failing fast")
        try:
            result = fn()
        except Exception as exc:
            if is_failure(exc):
                self.record_failure()
            else:
                self.record_success()
            raise
        except BaseException:  # interrupted (KeyboardInterrupt, SystemExit): no verdict, but free the slot
            self.release_trial()
            raise
        self.record_success()
        return result
