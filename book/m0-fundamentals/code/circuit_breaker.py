"""A circuit breaker: closed, open and half-open, after Nygard's Release It! and Fowler's description.

CLOSED    calls pass; `failure_threshold` consecutive failures trip the breaker to OPEN.
OPEN      calls fail fast with CircuitOpenError; after `reset_timeout` seconds the breaker goes HALF_OPEN.
HALF_OPEN admits at most `half_open_max_calls` trials at a time; `success_threshold` successful
          trials close the breaker, and one failed trial opens it again for another `reset_timeout`.

Every change of state starts a new generation, and each admitted call carries a Permit stamped with
its breaker and its generation. A result from an older generation, or from another breaker (one that a
registry rebuilt for the same shard), changes nothing: a slow call let in while CLOSED says nothing
about the test HALF_OPEN is running. Only a permit that holds a trial slot gives one back.
`is_failure` says which exceptions are failures. Any other exception is no verdict, neither failure nor
success, because it may never have reached the dependency (a validation error raised before sending):
it changes no count, and a trial that ends that way gives its slot back for another trial to decide.
If `is_failure` itself raises, the call counts as a failure and the predicate's error propagates.
A trial that never returns keeps its slot, so give every call a timeout shorter than `reset_timeout`.
The clock is injectable so every transition can be driven by a test without sleeping.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

T = TypeVar("T")


class State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitOpenError(Exception):
    """Raised instead of calling the dependency; callers should treat it as not retryable."""


@dataclass
class Permit:
    """One admitted call: its breaker, the generation it was admitted in, and whether it holds a trial slot."""

    breaker: CircuitBreaker
    generation: int
    trial: bool
    settled: bool = False  # a permit is settled once; a second report is ignored


class CircuitBreaker:
    def __init__(self, failure_threshold: int, reset_timeout: float, *,
                 is_failure: Callable[[Exception], bool], half_open_max_calls: int = 1,
                 success_threshold: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        counts = (failure_threshold, half_open_max_calls, success_threshold)
        if not all(isinstance(n, int) and n >= 1 for n in counts) or not 0 < reset_timeout < math.inf:
            raise ValueError("thresholds must be whole numbers >= 1 and reset_timeout finite and > 0")
        self.failure_threshold, self.reset_timeout, self.is_failure = failure_threshold, reset_timeout, is_failure
        self.half_open_max_calls, self.success_threshold = half_open_max_calls, success_threshold
        self.clock = clock
        self._lock = threading.Lock()
        self._state = State.CLOSED
        self._generation = 0
        self._failures = 0  # consecutive failures while closed
        self._successes = 0  # successful trials while half-open
        self._trials = 0  # trial slots held in this half-open generation
        self._opened_at = 0.0

    @property
    def state(self) -> State:
        with self._lock:
            return self._refresh()

    def _refresh(self) -> State:
        """Under the lock: move OPEN to HALF_OPEN once `reset_timeout` has passed."""
        if self._state is State.OPEN:
            now = self.clock()
            self._opened_at = min(self._opened_at, now)  # a clock stepped back restarts the wait, not lengthens it
            if now - self._opened_at >= self.reset_timeout:
                self._enter(State.HALF_OPEN)
        return self._state

    def _enter(self, state: State) -> None:
        self._state, self._opened_at = state, self.clock()
        self._generation += 1  # calls admitted before this moment can no longer change the state
        self._failures = self._successes = self._trials = 0

    def acquire(self) -> Permit:
        """Admit one call, or raise CircuitOpenError; report its result with exactly one `settle`."""
        with self._lock:
            state = self._refresh()
            if state is State.CLOSED:
                return Permit(self, self._generation, trial=False)
            if state is State.HALF_OPEN and self._trials < self.half_open_max_calls:
                self._trials += 1
                return Permit(self, self._generation, trial=True)
            raise CircuitOpenError("circuit open: failing fast")

    def settle(self, permit: Permit, success: bool | None) -> None:
        """Report a call's result: True success, False failure, None no verdict (the slot is just given back)."""
        with self._lock:
            self._refresh()
            if permit.breaker is not self or permit.settled or permit.generation != self._generation:
                return  # another breaker's, reported twice, or admitted under an earlier state: no evidence
            permit.settled = True
            if permit.trial:
                self._trials -= 1
            if success is None:
                return
            if self._state is State.CLOSED:
                self._failures = 0 if success else self._failures + 1
                if self._failures >= self.failure_threshold:
                    self._enter(State.OPEN)
            elif not success:
                self._enter(State.OPEN)  # one failed trial is enough evidence the dependency is still sick
            else:
                self._successes += 1
                if self._successes >= self.success_threshold:
                    self._enter(State.CLOSED)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` through the breaker and settle its permit from how it ended."""
        permit = self.acquire()
        try:
            result = fn()
        except Exception as exc:
            verdict = False  # stays a failure if the predicate raises: the slot must not leak
            try:
                verdict = False if self.is_failure(exc) else None
            finally:
                self.settle(permit, verdict)
            raise
        except BaseException:  # interrupted (KeyboardInterrupt, cancellation): no verdict, but free the slot
            self.settle(permit, None)
            raise
        self.settle(permit, True)
        return result
