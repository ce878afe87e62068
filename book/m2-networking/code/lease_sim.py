"""Seeded simulation: how many writes land after their lease expired, for a holder cut off from the lock service.

The workload: WRITES writes, each checked against the lease at a moment when a fraction F ~ U(0, 1) of the lease is
left (the holder cannot renew: it is partitioned from the lock service, the case in which a successor is granted
the lock). The holder's clock may run slow by `drift`, so it believes R + drift * (L - R) seconds remain when R do.
It sends the write only if it believes more than `margin` seconds remain. The write then takes a delay P to reach
the storage: a network delay, Exp(mean 1 ms), plus, with probability 1%, a stop-the-world pause, Pareto with a
50 ms minimum and tail index 1.5. The write is unsafe if it lands after the lease expired (P > R). Every
alternative sees the same draws.
"""
from __future__ import annotations

import math
import random

SEED = 20261203
WRITES = 1_000_000
PAUSE_PROBABILITY = 0.01
PAUSE_MIN_S = 0.050
PAUSE_ALPHA = 1.5
NETWORK_MEAN_S = 0.001
LEASES_S = (1, 2, 5, 10, 15, 20, 30, 45, 60)


def draws(seed: int = SEED, writes: int = WRITES) -> list[tuple[float, float]]:
    """(fraction of the lease left at the check, delay before the write lands in seconds), one pair per write."""
    rng = random.Random(seed)
    out = []
    for _ in range(writes):
        left = rng.random()
        delay = rng.expovariate(1 / NETWORK_MEAN_S)
        if rng.random() < PAUSE_PROBABILITY:
            delay += PAUSE_MIN_S * rng.paretovariate(PAUSE_ALPHA)
        out.append((left, delay))
    return out


def _check(lease_s: float, margin_s: float, drift: float = 0.0) -> None:
    if not (math.isfinite(lease_s) and lease_s > 0):
        raise ValueError(f"lease_s must be finite and positive, got {lease_s!r}")
    if not (math.isfinite(margin_s) and margin_s >= 0):
        raise ValueError(f"margin_s must be finite and non-negative, got {margin_s!r}")
    if not 0 <= drift < 1:
        raise ValueError(f"drift must be in [0, 1), got {drift!r}")


def unsafe_per_million(lease_s: float, margin_s: float = 0.0, drift: float = 0.0,
                       sample: list[tuple[float, float]] | None = None) -> float:
    """Writes that land after the lease expired, per million writes attempted (lease only, no fencing)."""
    _check(lease_s, margin_s, drift)
    sample = draws() if sample is None else sample
    if not sample:
        raise ValueError("the sample is empty")
    unsafe = 0
    for left, delay in sample:
        remaining = left * lease_s
        believed = remaining + drift * (lease_s - remaining)
        if believed > margin_s and delay > remaining:
            unsafe += 1
    return unsafe * 1_000_000 / len(sample)


def refused_share(lease_s: float, margin_s: float) -> float:
    """Share of the lease the holder gives up by not writing in its last margin_s seconds."""
    _check(lease_s, margin_s)
    return min(margin_s / lease_s, 1.0)


def curves(sample: list[tuple[float, float]] | None = None) -> dict[str, list[float]]:
    sample = draws() if sample is None else sample
    return {
        "lease only": [unsafe_per_million(L, 0.0, 0.0, sample) for L in LEASES_S],
        "lease, 1 s margin": [unsafe_per_million(L, 1.0, 0.0, sample) for L in LEASES_S],
        "lease, 1 s margin, clock 2% slow": [unsafe_per_million(L, 1.0, 0.02, sample) for L in LEASES_S],
    }


if __name__ == "__main__":
    for name, values in curves().items():
        print(name, [round(v, 1) for v in values])
