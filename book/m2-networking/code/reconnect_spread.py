"""Reconnects per second when a draining server closes many long-lived connections at once.

Every client of the draining server reconnects after a delay drawn uniformly from [0, spread) (full jitter);
spread 0 is the naive drain, where everyone reconnects in the same second. Delays are whole milliseconds.
"""
from __future__ import annotations

import random


def reconnect_counts(connections: int, spread_s: int, seed: int = 11) -> list[int]:
    """Reconnects in each second after the drain begins; the counts sum to `connections`."""
    if isinstance(connections, bool) or not isinstance(connections, int) or connections < 0:
        raise ValueError(f"connections must be a non-negative int, got {connections!r}")
    if isinstance(spread_s, bool) or not isinstance(spread_s, int) or spread_s < 0:
        raise ValueError(f"spread_s must be a non-negative int of seconds, got {spread_s!r}")
    rng = random.Random(seed)
    counts = [0] * max(1, spread_s)
    spread_ms = spread_s * 1000
    for _ in range(connections):
        delay_ms = rng.randrange(spread_ms) if spread_ms else 0
        counts[delay_ms // 1000] += 1
    return counts
