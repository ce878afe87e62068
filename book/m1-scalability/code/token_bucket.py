"""A token bucket and its one-timestamp form, the GCRA, both with an injected monotonic clock.

A token bucket with rate r (tokens per second) and burst b (tokens) grants, over any interval of length t,
at most b + r * t tokens: the (r, b) arrival curve. `TokenBucket` keeps a token count and the time it last
refilled; `Gcra` (the Generic Cell Rate Algorithm, ITU-T I.371's "virtual scheduling" form) keeps one
number, the theoretical arrival time in integer nanoseconds, and makes the same decisions. Both are
thread-safe, reject non-finite or out-of-range parameters, refill nothing while the clock runs backwards,
and refuse a cost that could never be granted (cost > burst) with an error rather than a silent "no" forever.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


def _positive_finite(name: str, value: float) -> None:
    if not 0 < value < math.inf:  # written so that NaN fails it too
        raise ValueError(f"{name} must be positive and finite, got {value!r}")


class TokenBucket:
    """Admit work at `rate` tokens per second with bursts of up to `burst` tokens; starts full."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        _positive_finite("rate", rate)
        _positive_finite("burst", burst)
        self.rate, self.burst, self.clock = rate, burst, clock
        self._lock = threading.Lock()
        self._tokens = burst
        self._seen = self._now()  # latest clock reading; only time beyond it refills

    def _now(self) -> float:
        now = self.clock()
        if not -math.inf < now < math.inf:
            raise ValueError(f"clock returned {now!r}")
        return now

    def _check_cost(self, cost: float) -> None:
        _positive_finite("cost", cost)
        if cost > self.burst:
            raise ValueError(f"cost {cost} exceeds burst {self.burst}: it could never be granted")

    def _refill(self) -> float:
        """Add the tokens earned since the latest reading; a clock that stepped back earns nothing."""
        now = self._now()
        if now > self._seen:
            self._tokens = min(self.burst, self._tokens + (now - self._seen) * self.rate)
            self._seen = now
        return now

    def try_acquire(self, cost: float = 1) -> bool:
        """Take `cost` tokens if the bucket holds them; False means reject (or queue) this request."""
        self._check_cost(cost)
        with self._lock:
            self._refill()
            if self._tokens < cost:  # no epsilon: rounding may refuse a request early, never grant extra
                return False
            self._tokens -= cost
            return True

    def seconds_until(self, cost: float = 1) -> float:
        """How long until `cost` tokens will be available, with no other takers: a Retry-After value."""
        self._check_cost(cost)
        with self._lock:
            self._refill()
            return max(0.0, (cost - self._tokens) / self.rate)


class Gcra:
    """The same limit as TokenBucket(rate, burst), kept as one timestamp: the theoretical arrival time.

    Each unit of cost is due one emission interval T = 1 / rate after the previous one. A request of cost c
    pushes the schedule to new_tat = max(tat, now) + c * T, and conforms if that is at most burst * T
    ahead of now. The bucket's token count is burst - max(0, tat - now) / T, so the two make the same
    decisions. Time is kept in integer nanoseconds (the clock is time.monotonic_ns), so that the sum of the
    c * T is exact: in floats it can round above burst * T and refuse the last token of a full burst. T is
    rounded to a whole nanosecond, which moves the rate by about rate**2 / 2e9 at most (0.05 a second at 10,000).
    """

    def __init__(self, rate: float, burst: float, clock: Callable[[], int] = time.monotonic_ns) -> None:
        _positive_finite("rate", rate)
        _positive_finite("burst", burst)
        self.rate, self.burst, self.clock = rate, burst, clock
        self.interval = round(1_000_000_000 / rate)  # T in nanoseconds per token
        if self.interval < 1:
            raise ValueError(f"rate {rate!r} is above one token per nanosecond")
        self.limit = round(burst * self.interval)  # b * T: how far ahead of now the schedule may run
        self._lock = threading.Lock()
        self._seen = self._now()
        self._tat = self._seen  # theoretical arrival time: "full bucket" is any tat <= now

    def _now(self) -> int:
        now = self.clock()
        if not isinstance(now, int):  # a float clock would bring the rounding back
            raise TypeError(f"clock must return integer nanoseconds, got {now!r}")
        return now

    def try_acquire(self, cost: float = 1) -> bool:
        _positive_finite("cost", cost)
        if cost > self.burst:
            raise ValueError(f"cost {cost} exceeds burst {self.burst}: it could never be granted")
        with self._lock:
            self._seen = max(self._seen, self._now())  # a clock that stepped back is read as the latest time seen
            new_tat = max(self._tat, self._seen) + round(cost * self.interval)
            if new_tat - self._seen > self.limit:
                return False
            self._tat = new_tat
            return True
