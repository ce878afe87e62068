"""An adaptive concurrency limit: AIMD on measured latency against a no-load baseline.

Requests in flight are capped at `limit`. Each completed request is a sample: its latency compared with
the baseline, the lowest latency seen recently (the service with no queue in front of it). A fast sample,
while the limit is actually in use, adds 1/limit (about +1 per limit's worth of completions, TCP's additive
increase); a sample slower than `tolerance` times the baseline, or a timeout, multiplies the limit by
`backoff`, at most once per round: a sample from a request admitted before the last decrease describes the
old limit and changes nothing (rounds are counted, not timed, so a clock that jumps cannot disable
decreases). The limit stays within [min_limit, max_limit]. Netflix's concurrency-limits library
(AIMDLimit, VegasLimit, Gradient2Limit) works the same way with other update rules.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class LimitExceeded(Exception):
    """Rejected at once because the limit is reached: answer 503 (or 429), do not queue."""


class Permit:
    """One admitted request. Release it exactly once; a second release changes nothing."""

    __slots__ = ("_limiter", "start", "round", "_released")

    def __init__(self, limiter: AdaptiveLimiter, start: float, round: int) -> None:
        self._limiter, self.start, self.round, self._released = limiter, start, round, False

    def release(self, *, dropped: bool = False, sample: bool = True) -> None:
        """`dropped`: the call timed out or was refused downstream (an overload signal).
        `sample=False`: the call ended without telling us anything about load (e.g. a validation error)."""
        self._limiter._release(self, dropped=dropped, sample=sample)


class AdaptiveLimiter:
    def __init__(self, *, initial: int = 20, min_limit: int = 1, max_limit: int = 1000,
                 tolerance: float = 2.0, backoff: float = 0.9, baseline_window: int = 1000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not (isinstance(min_limit, int) and isinstance(max_limit, int) and 1 <= min_limit <= max_limit):
            raise ValueError("need integers 1 <= min_limit <= max_limit")
        if not min_limit <= initial <= max_limit:
            raise ValueError("initial must lie in [min_limit, max_limit]")
        if not 1 < tolerance < math.inf:
            raise ValueError("tolerance must be finite and above 1")
        if not 0.5 <= backoff < 1:  # the range Netflix's AIMDLimit accepts
            raise ValueError("backoff must lie in [0.5, 1)")
        if not (isinstance(baseline_window, int) and baseline_window >= 1):
            raise ValueError("baseline_window must be a positive integer")
        self.min_limit, self.max_limit = min_limit, max_limit
        self.tolerance, self.backoff, self.baseline_window, self.clock = tolerance, backoff, baseline_window, clock
        self._lock = threading.Lock()
        self._limit = float(initial)
        self._inflight = 0
        self._baseline = math.inf  # no-load latency: the minimum, re-measured every baseline_window samples
        self._samples_since_reset = 0
        self._round = 0  # counts decreases; a permit admitted in an earlier round is stale

    @property
    def limit(self) -> int:
        return int(self._limit)

    @property
    def inflight(self) -> int:
        return self._inflight

    def try_acquire(self) -> Permit | None:
        """A permit if fewer than `limit` requests are in flight, else None (reject now)."""
        with self._lock:
            if self._inflight >= int(self._limit):
                return None
            self._inflight += 1
            return Permit(self, self.clock(), self._round)

    @contextmanager
    def acquire(self, drop_on: tuple[type[BaseException], ...] = (TimeoutError,), **admit) -> Iterator[Permit]:
        """`with limiter.acquire(): call()` releases on every exit. An exception in `drop_on` counts as an
        overload signal; any other exception releases the permit without a latency sample. Keyword arguments
        go to try_acquire (a subclass's priority=...)."""
        permit = self.try_acquire(**admit)
        if permit is None:
            raise LimitExceeded(f"{self._inflight} in flight, limit {self.limit}")
        try:
            yield permit
        except drop_on:
            permit.release(dropped=True)
            raise
        except BaseException:
            permit.release(sample=False)
            raise
        else:
            permit.release()

    def _release(self, permit: Permit, *, dropped: bool, sample: bool) -> None:
        with self._lock:
            if permit._released or permit._limiter is not self:
                return
            permit._released = True
            inflight = self._inflight  # including this request, as it was while it ran
            self._inflight -= 1
            if not sample:
                return
            latency = self.clock() - permit.start
            if 0 <= latency < math.inf:  # else the clock stepped back (or broke): no latency sample
                self._samples_since_reset += 1
                if self._samples_since_reset >= self.baseline_window and not dropped:  # re-measure, as Vegas does
                    self._baseline, self._samples_since_reset = latency, 0
                elif not dropped:
                    self._baseline = min(self._baseline, latency)
            elif not dropped:
                return
            if dropped or latency > self.tolerance * self._baseline:
                if permit.round == self._round:  # one decrease per round, not one per late sample
                    self._limit = max(self.min_limit, self._limit * self.backoff)
                    self._round += 1
            elif inflight * 2 >= self._limit:  # grow only while the limit is what holds traffic back
                self._limit = min(self.max_limit, self._limit + 1 / self._limit)
