"""Solution to the rate-limiting chapter's exercise 5: priority admission on top of the adaptive limit.

A sheddable request is admitted only while fewer than floor((1 - reserve) * limit) requests are in flight
(computed as limit - ceil(reserve * limit), so that float noise in 1 - reserve never costs a slot);
a critical one may use the whole limit. The check and the increment happen under the limiter's lock.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

_path = Path(__file__).resolve().parent.parent / "adaptive_limit.py"
_spec = importlib.util.spec_from_file_location("m1_rl_solution_adaptive_limit", _path)
adaptive_limit = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = adaptive_limit
_spec.loader.exec_module(adaptive_limit)


class PriorityLimiter(adaptive_limit.AdaptiveLimiter):
    def __init__(self, *, reserve: float = 0.25, **kwargs) -> None:
        if not 0 <= reserve < 1:  # NaN fails this too
            raise ValueError("reserve must lie in [0, 1)")
        super().__init__(**kwargs)
        self.reserve = reserve

    def try_acquire(self, priority: str = "critical") -> adaptive_limit.Permit | None:
        if priority not in ("critical", "sheddable"):
            raise ValueError(f"unknown priority {priority!r}")
        with self._lock:
            limit = int(self._limit)
            if priority == "sheddable":
                limit -= math.ceil(round(self.reserve * limit, 9))  # the last slots are held for critical work
            if self._inflight >= limit:
                return None
            self._inflight += 1
            return adaptive_limit.Permit(self, self.clock(), self._round)
