"""Per-pod load while a service scales out, under three ways of balancing long-lived HTTP/2 connections.

Each client holds one HTTP/2 connection and sends its whole request rate over it; rates are heavy-tailed
(Pareto, shape 1.5), so a few clients carry much of the load. At `scale_at` the service grows from `pods_before`
to `pods_after` pods. Time advances in whole seconds (integers, so no drift).

- "l4": a connection balancer picks a random pod when the connection opens; connections never close.
- "l4_max_age": the same, but the server ends each connection after `max_age` seconds, jittered by +/-`jitter`
  per connection (gRPC's MAX_CONNECTION_AGE); the client reconnects at once and the balancer picks again.
- "l7": a proxy places every request; with thousands of requests per second per pod, that is an equal split.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

POLICIES = ("l4", "l4_max_age", "l7")


@dataclass(frozen=True)
class Timeline:
    times: list[int]  # seconds since the start
    new_share: list[float]  # share of all requests served by the pods added at scale_at
    peak_to_mean: list[float]  # busiest pod's load divided by the mean pod's load
    reconnects: int  # connections opened after the start (0 unless connections are aged out)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def simulate(policy: str, *, clients: int = 60, pods_before: int = 10, pods_after: int = 20, scale_at: int = 120,
             duration: int = 900, max_age: int = 300, jitter: float = 0.1, seed: int = 7) -> Timeline:
    """Run the seeded simulation and return what each second looked like."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    for name, value in (("clients", clients), ("pods_before", pods_before), ("pods_after", pods_after),
                        ("scale_at", scale_at), ("duration", duration), ("max_age", max_age)):
        _positive_int(name, value)
    if pods_after < pods_before:
        raise ValueError("pods_after must be at least pods_before (this models a scale-out)")
    if not (isinstance(jitter, (int, float)) and math.isfinite(jitter) and 0 <= jitter < 1):
        raise ValueError(f"jitter must be a finite number in [0, 1), got {jitter!r}")

    rng = random.Random(seed)
    rates = [rng.paretovariate(1.5) for _ in range(clients)]
    total = sum(rates)

    def lifetime() -> int:  # +/- jitter around max_age, at least one second
        return max(1, round(max_age * rng.uniform(1 - jitter, 1 + jitter)))

    # The fleet has been up for a while: a connection's remaining life is uniform over its lifetime.
    pods = [rng.randrange(pods_before) for _ in range(clients)]
    expires = [rng.randint(1, lifetime()) for _ in range(clients)]
    reconnects = 0
    times, new_share, peak_to_mean = [], [], []
    for t in range(duration):
        n_pods = pods_before if t < scale_at else pods_after
        if policy == "l4_max_age":
            for i in range(clients):
                if expires[i] <= t:  # GOAWAY, reconnect, and the balancer picks among today's pods
                    pods[i] = rng.randrange(n_pods)
                    expires[i] = t + lifetime()
                    reconnects += 1
        if policy == "l7":
            load = [total / n_pods] * n_pods
        else:
            load = [0.0] * n_pods
            for i in range(clients):
                load[pods[i]] += rates[i]
        times.append(t)
        new_share.append(sum(load[pods_before:]) / total)
        peak_to_mean.append(max(load) / (total / n_pods))
    return Timeline(times, new_share, peak_to_mean, reconnects)


def mean_between(values: list[float], start: int, end: int) -> float:
    """The mean of values[start:end]: e.g. the new pods' share over the last five minutes."""
    window = values[start:end]
    if not window:
        raise ValueError("empty window")
    return sum(window) / len(window)
