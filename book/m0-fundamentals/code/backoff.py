"""Capped exponential backoff with full jitter, and a retry loop that honours a deadline.

The delay before retry n (n = 0, 1, 2, ...) is drawn uniformly from [0, min(cap, base * 2**n)),
the "Full Jitter" schedule of Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).
"""
from __future__ import annotations

import random
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
    if base <= 0 or cap < base:
        raise ValueError("need 0 < base <= cap")
    ceiling = base
    while True:
        yield rng() * ceiling
        ceiling = min(cap, ceiling * 2)  # doubling a capped value never overflows


def retry_call(
    op: Callable[[float], T],
    *,
    deadline: float,
    max_attempts: int,
    delays: Iterator[float],
    is_retryable: Callable[[Exception], bool] = lambda exc: isinstance(exc, RetryableError),
    min_attempt_time: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `op(remaining_seconds)` until it succeeds, fails for good, runs out of attempts, or hits `deadline`.

    `op` receives the time left so it can use it as its own timeout and pass it downstream
    (deadline propagation). Only errors for which `is_retryable` is true are retried; anything
    else, and the last retryable error, propagates unchanged. The loop never sleeps past the
    deadline and never starts an attempt with less than `min_attempt_time` seconds left.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
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
            sleep(delay)
