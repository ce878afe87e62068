"""Capped exponential backoff with full jitter, a retry budget, and a retry loop that honours a deadline.

The delay before retry n (n = 0, 1, 2, ...) is drawn uniformly from [0, min(cap, base * 2**n)),
the "Full Jitter" schedule of Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).
The budget caps retries at a fraction of requests, as the Google SRE book's per-client retry budget
(10%) and Finagle's RetryBudget (a percentage of requests plus a minimum per second) do.
"""
from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class RetryableError(Exception):
    """A failure that a later attempt may not repeat: a timeout, a 503, a reset connection."""


class DeadlineExceeded(Exception):
    """The caller's deadline passed, or would pass before the next attempt could start."""


def backoff_delays(base: float, cap: float, rng: Callable[[], float] = random.random) -> Iterator[float]:
    """Yield the wait before each retry: uniform in [0, ceiling), ceiling = base, 2*base, 4*base, ... up to cap.

    `rng` returns a float in [0, 1); inject a seeded `random.Random().random` to make tests exact.
    """
    if not 0 < base <= cap < math.inf:  # written so that NaN fails it too
        raise ValueError("need 0 < base <= cap, finite")
    ceiling = base
    while True:
        yield rng() * ceiling
        ceiling = min(cap, ceiling * 2)  # doubling a capped value never overflows


class RetryBudget:
    """Retries allowed: `ratio` per request, plus `min_per_second` for clients with little traffic.

    A token bucket shared by every call of one client (thread-safe): each request deposits `ratio`
    tokens, the bucket also refills at `min_per_second`, it holds at most `max_tokens`, and a retry
    spends one whole token. Over any stretch of time, then,
        retries <= max_tokens + ratio * requests + min_per_second * seconds.
    A clock that steps backwards refills nothing until it passes the latest time already seen.
    """

    def __init__(self, ratio: float = 0.1, min_per_second: float = 1.0, max_tokens: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not (0 <= ratio < math.inf and 0 <= min_per_second < math.inf and 1 <= max_tokens < math.inf):
            raise ValueError("need finite ratio >= 0, min_per_second >= 0 and max_tokens >= 1")  # NaN too
        self.ratio, self.min_per_second, self.max_tokens, self.clock = ratio, min_per_second, max_tokens, clock
        self._lock = threading.Lock()
        self._tokens = max_tokens
        self._seen = clock()  # latest clock reading; refill counts only time beyond it

    def _add(self, tokens: float) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self._seen)
        self._seen = max(self._seen, now)
        self._tokens = min(self.max_tokens, self._tokens + tokens + elapsed * self.min_per_second)

    def deposit(self) -> None:
        """Count one request (a first attempt, never a retry)."""
        with self._lock:
            self._add(self.ratio)

    def try_withdraw(self) -> bool:
        """Take one retry from the budget; False means the caller must not retry."""
        with self._lock:
            self._add(0.0)
            if self._tokens < 1 - 1e-9:  # ten deposits of 0.1 add up to 0.9999999999999999, not 1
                return False
            self._tokens -= 1
            return True


def retry_call(
    op: Callable[[float], T],
    *,
    deadline: float,
    max_attempts: int,
    base: float,
    cap: float,
    budget: RetryBudget,
    is_retryable: Callable[[Exception], bool] = lambda exc: isinstance(exc, RetryableError),
    min_attempt_time: float = 0.0,
    rng: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `op(remaining_seconds)` until it succeeds, fails for good, or runs out of attempts, budget or time.

    `op` receives the time left so it can use it as its own timeout and pass it downstream
    (deadline propagation). Only errors for which `is_retryable` is true are retried; anything
    else, and the last retryable error when attempts or budget run out, propagates unchanged. The
    loop never sleeps past the deadline and never starts an attempt with less than `min_attempt_time`
    seconds left. Each call draws its own backoff schedule, so one call's escalation never leaks into the next.
    """
    # Checked before the first attempt (the generator would check base and cap only at the first retry).
    # NaN fails every comparison, so a NaN anywhere is refused too.
    if math.isnan(deadline) or not (max_attempts >= 1 and 0 < base <= cap < math.inf
                                    and 0 <= min_attempt_time < math.inf):
        raise ValueError("need max_attempts >= 1, finite 0 < base <= cap and min_attempt_time >= 0, a real deadline")
    delays = backoff_delays(base, cap, rng)  # fresh per call: the first retry always waits under `base`
    budget.deposit()
    attempt = 0
    while True:
        remaining = deadline - clock()
        if remaining <= min_attempt_time:
            raise DeadlineExceeded(f"{remaining:.3f}s left before attempt {attempt + 1}")
        attempt += 1
        try:
            return op(remaining)
        except Exception as exc:
            if not is_retryable(exc) or attempt >= max_attempts:
                raise
            delay = next(delays)
            if clock() + delay + min_attempt_time >= deadline:
                raise DeadlineExceeded(f"no time for attempt {attempt + 1}") from exc
            if not budget.try_withdraw():  # retries are over budget: failures are widespread, so stop adding load
                raise
            sleep(delay)
