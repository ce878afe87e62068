"""A seeded overload simulation: one service, three admission policies, the same arrivals.

The service has WORKERS workers and a FIFO queue; a request's service time is uniform in
[0.8, 1.2] x the phase's mean. Clients send Poisson arrivals and give up after CLIENT_TIMEOUT; the service
does not know they left (no deadline propagation) and finishes the work anyway. A response is *goodput* if
it arrives within the client's timeout. The phases (seconds, offered load, mean service time):

    0-10   600 req/s, 10 ms   capacity 800 req/s, load 75%
    10-20  1,200 req/s, 10 ms capacity 800 req/s, load 150%
    20-30  1,200 req/s, 20 ms a dependency slows down: capacity 400 req/s, load 300%
    30-45  600 req/s, 10 ms   demand and capacity back to normal

Policies: "none" (admit everything), "token bucket" (a static 700 req/s limit with a burst of 50, set from a
load test at 88% of normal capacity) and "adaptive" (the chapter's AdaptiveLimiter on in-flight requests).
Rejected requests are refused at once (429 or 503) and cost the service nothing. A fourth policy, used by an
exercise, "deadline drop", admits everything but skips any request that has waited longer than the client's
timeout when a worker reaches it.
"""
from __future__ import annotations

import heapq
import importlib.util
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path


def _load(name: str):
    # The chapter's listings sit beside this file; load them by path so this module runs from anywhere.
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"m1_rl_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


token_bucket = _load("token_bucket")
adaptive_limit = _load("adaptive_limit")

WORKERS = 8
CLIENT_TIMEOUT = 0.2  # seconds
PHASES = ((0, 10, 600, 0.010), (10, 20, 1200, 0.010), (20, 30, 1200, 0.020), (30, 45, 600, 0.010))
DURATION = PHASES[-1][1]
POLICIES = ("none", "token bucket", "adaptive")
EXERCISE_POLICIES = ("deadline drop",)
SEED = 7


class SimClock:
    """The simulation's time, injected into the limiters."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def arrivals(seed: int = SEED) -> list[tuple[float, float]]:
    """(arrival time, service time) for every request, the same for every policy."""
    rng = random.Random(seed)
    out = []
    for start, end, rate, mean in PHASES:
        t = start + rng.expovariate(rate)
        while t < end:
            out.append((t, mean * rng.uniform(0.8, 1.2)))
            t += rng.expovariate(rate)
    return out


@dataclass
class Result:
    policy: str
    offered: list[int] = field(default_factory=lambda: [0] * DURATION)
    admitted: list[int] = field(default_factory=lambda: [0] * DURATION)
    goodput: list[int] = field(default_factory=lambda: [0] * DURATION)  # by second of arrival
    latencies: list[list[float]] = field(default_factory=lambda: [[] for _ in range(DURATION)])
    limits: list[int] = field(default_factory=lambda: [0] * DURATION)  # the adaptive limit; 0 for the others

    def mean_goodput(self, start: int, end: int) -> float:
        return sum(self.goodput[start:end]) / (end - start)

    def p99(self, second: int) -> float:
        values = sorted(self.latencies[second])
        return values[min(len(values) - 1, int(0.99 * len(values)))] if values else float("nan")


def simulate(policy: str, seed: int = SEED) -> Result:
    if policy not in POLICIES + EXERCISE_POLICIES:
        raise ValueError(f"unknown policy {policy!r}")
    clock = SimClock()
    bucket = token_bucket.TokenBucket(rate=700, burst=50, clock=clock)
    limiter = adaptive_limit.AdaptiveLimiter(initial=20, min_limit=4, max_limit=200, clock=clock)
    free = [0.0] * WORKERS  # when each worker is next free (FIFO: each request takes the earliest)
    pending: list[tuple[float, int, object]] = []  # (finish time, tie-break, permit) of admitted requests
    result = Result(policy)
    for n, (t, service) in enumerate(arrivals(seed)):
        while pending and pending[0][0] <= t:  # completions before this arrival feed the limiter first
            finish, _, permit = heapq.heappop(pending)
            clock.now = finish
            permit.release()
        clock.now = t
        second = int(t)
        result.offered[second] += 1
        if policy == "adaptive":
            result.limits[second] = limiter.limit
        if policy == "token bucket" and not bucket.try_acquire():
            continue
        permit = limiter.try_acquire() if policy == "adaptive" else None
        if policy == "adaptive" and permit is None:
            continue
        start = max(t, free[0])
        if policy == "deadline drop" and start - t > CLIENT_TIMEOUT:
            continue  # the worker finds the client gone and skips the request at no cost
        heapq.heappop(free)
        result.admitted[second] += 1
        finish = start + service
        heapq.heappush(free, finish)
        latency = finish - t
        result.latencies[second].append(latency)
        if latency <= CLIENT_TIMEOUT:
            result.goodput[second] += 1
        if permit is not None:
            heapq.heappush(pending, (finish, n, permit))
    return result


def run_all(seed: int = SEED) -> dict[str, Result]:
    return {policy: simulate(policy, seed) for policy in POLICIES}


if __name__ == "__main__":
    for name, res in run_all().items():
        phases = [round(res.mean_goodput(a, b)) for a, b, _, _ in PHASES]
        limits = f"  limit at 15/25/40 s {res.limits[15]}/{res.limits[25]}/{res.limits[40]}" if name == "adaptive" else ""
        print(f"{name:13s} goodput/s by phase {phases}  p99 at 15 s {res.p99(15):.3f}s  at 25 s {res.p99(25):.3f}s"
              f"  at 40 s {res.p99(40):.3f}s{limits}")
