"""Three window rate limits, `limit` requests per `window` seconds, for comparison with the token bucket.

FixedWindow counts requests per aligned window [k*w, (k+1)*w): one counter, but up to 2*limit can pass in
any w seconds that straddle a boundary. SlidingLog keeps every admitted timestamp of the last w seconds:
exact, at one entry per request. SlidingWindowCounter keeps this window's and the previous window's counts
and estimates the last w seconds as current + previous * (share of the previous window still inside it).
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class _Window:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not (isinstance(limit, int) and limit >= 1 and 0 < window < math.inf):
            raise ValueError("need an integer limit >= 1 and a finite window > 0")
        self.limit, self.window, self.clock = limit, window, clock
        self._lock = threading.Lock()
        self._seen = -math.inf

    def _now(self) -> float:
        now = self.clock()
        if not -math.inf < now < math.inf:  # one inf kept as the latest time would break the limit for good
            raise ValueError(f"clock returned {now!r}")
        self._seen = max(self._seen, now)  # a clock that steps back is read as the latest time seen
        return self._seen


class FixedWindow(_Window):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._index, self._count = None, 0

    def try_acquire(self) -> bool:
        with self._lock:
            index = math.floor(self._now() / self.window)
            if index != self._index:
                self._index, self._count = index, 0
            if self._count >= self.limit:
                return False
            self._count += 1
            return True


class SlidingLog(_Window):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._log: deque[float] = deque()

    def try_acquire(self) -> bool:
        with self._lock:
            now = self._now()
            while self._log and self._log[0] <= now - self.window:
                self._log.popleft()
            if len(self._log) >= self.limit:
                return False
            self._log.append(now)
            return True


class SlidingWindowCounter(_Window):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._index, self._current, self._previous = None, 0, 0

    def try_acquire(self) -> bool:
        with self._lock:
            now = self._now()
            index = math.floor(now / self.window)
            if index != self._index:
                adjacent = self._index is not None and index == self._index + 1
                self._previous = self._current if adjacent else 0
                self._index, self._current = index, 0
            overlap = 1 - (now - index * self.window) / self.window  # share of the previous window still inside
            if self._current + self._previous * overlap >= self.limit:
                return False
            self._current += 1
            return True
