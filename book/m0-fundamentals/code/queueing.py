"""A small queueing calculator for capacity planning.

Little's Law (Little 1961), the M/M/1 and M/M/c (Erlang C) waiting times, Kingman's G/G/1
approximation (Kingman 1961), zone-aware instance counts, and a seeded FIFO queue simulator
that checks the formulas. Standard library only. Rates are per second, times in seconds.
"""
from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import Callable


def littles_law(L: float | None = None, lam: float | None = None, W: float | None = None) -> float:
    """Solve L = lam * W for whichever of the three is None.

    L is the mean number in the system (requests in flight), lam the mean arrival rate
    (requests per second) and W the mean time in the system (seconds). Exactly one must be None.
    """
    given = {"L": L, "lam": lam, "W": W}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        raise ValueError("pass exactly two of L, lam, W")
    if any(value is not None and value < 0 for value in given.values()):
        raise ValueError("L, lam and W cannot be negative")
    if missing[0] == "L":
        return lam * W  # type: ignore[operator]
    if missing[0] == "lam":
        if W == 0:
            raise ValueError("W must be positive to solve for lam")
        return L / W  # type: ignore[operator]
    if lam == 0:
        raise ValueError("lam must be positive to solve for W")
    return L / lam  # type: ignore[operator]


def mm1_time_in_system(arrival_rate: float, service_rate: float) -> float:
    """Mean time in an M/M/1 system, W = 1 / (mu - lambda); the queue is unstable if lambda >= mu."""
    if arrival_rate < 0 or service_rate <= 0:
        raise ValueError("rates must be non-negative and the service rate positive")
    if arrival_rate >= service_rate:
        raise ValueError("unstable: arrival rate must be below service rate")
    return 1.0 / (service_rate - arrival_rate)


def mm1_waiting_time(arrival_rate: float, service_rate: float) -> float:
    """Mean time an M/M/1 request waits before service starts, Wq = rho / (mu - lambda)."""
    rho = arrival_rate / service_rate
    return rho * mm1_time_in_system(arrival_rate, service_rate)


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B blocking probability, by the stable recurrence B(k) = a*B(k-1) / (k + a*B(k-1))."""
    if servers < 1 or offered_load < 0:
        raise ValueError("need at least one server and a non-negative offered load")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arriving request must queue in an M/M/c system (Erlang C).

    offered_load is a = lambda / mu in Erlangs (the mean number of busy servers); it must be
    below the number of servers c, or the queue grows without bound.
    """
    if offered_load >= servers:
        raise ValueError("unstable: offered load must be below the number of servers")
    b = erlang_b(servers, offered_load)
    rho = offered_load / servers
    return b / (1.0 - rho * (1.0 - b))


def mmc_waiting_time(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean queueing delay in an M/M/c system, Wq = C(c, a) / (c*mu - lambda)."""
    if service_rate <= 0:
        raise ValueError("service rate must be positive")
    a = arrival_rate / service_rate
    return erlang_c(servers, a) / (servers * service_rate - arrival_rate)


def mmc_time_in_system(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in an M/M/c system: queueing delay plus one mean service time."""
    return mmc_waiting_time(arrival_rate, service_rate, servers) + 1.0 / service_rate


def kingman_waiting_time(utilization: float, ca2: float, cs2: float, mean_service_time: float) -> float:
    """Kingman's G/G/1 approximation, Wq ~ (rho / (1 - rho)) * ((ca2 + cs2) / 2) * E[S].

    ca2 and cs2 are the squared coefficients of variation of inter-arrival and service times
    (1 for exponential, 0 for constant). Exact for M/M/1 (ca2 = cs2 = 1) and M/G/1 (ca2 = 1).
    """
    if not 0 <= utilization < 1:
        raise ValueError("utilization must be in [0, 1)")
    return utilization / (1.0 - utilization) * (ca2 + cs2) / 2.0 * mean_service_time


def survivor_utilization(normal_utilization: float, zones: int, zones_lost: int = 1) -> float:
    """Utilization of the surviving zones when zones_lost of zones fail and their load moves over."""
    if zones_lost >= zones or zones_lost < 0:
        raise ValueError("need 0 <= zones_lost < zones")
    return normal_utilization * zones / (zones - zones_lost)


def instances_needed(
    peak_qps: float,
    per_instance_qps: float,
    target_utilization: float,
    zones: int,
    zones_lost: int = 1,
) -> int:
    """Total instances, spread evenly over zones, so that peak load still runs at or below
    target_utilization of each instance's measured maximum when zones_lost zones are down."""
    if peak_qps < 0 or per_instance_qps <= 0:
        raise ValueError("peak must be non-negative and per-instance throughput positive")
    if not 0 < target_utilization <= 1:
        raise ValueError("target utilization must be in (0, 1]")
    if zones < 1 or not 0 <= zones_lost < zones:
        raise ValueError("need at least one zone and 0 <= zones_lost < zones")
    usable_per_instance = per_instance_qps * target_utilization
    survivors_needed = peak_qps / usable_per_instance  # instances that must remain after the loss
    per_zone = math.ceil(survivors_needed / (zones - zones_lost) - 1e-9)
    return max(per_zone, 1) * zones


@dataclass
class SimResult:
    """Measurements from a simulated FIFO queue over the window [start, end]."""

    mean_in_system: float  # time-average of n(t) over the window: L
    arrival_rate: float  # arrivals in the window / window length: lambda
    mean_time_in_system: float  # mean sojourn of requests that arrived in the window: W
    sojourn_times: list[float]


def simulate_fifo_queue(
    arrival_rate: float,
    service_time: Callable[[random.Random], float],
    servers: int,
    requests: int,
    seed: int,
    warmup_fraction: float = 0.1,
) -> SimResult:
    """Simulate a FIFO queue with Poisson arrivals and c servers, seeded for reproducibility.

    The first warmup_fraction of arrivals is discarded so the window starts near steady state;
    the window then ends at the last measured arrival, so it is neither empty at its start nor
    at its end, and L = lambda * W is checked rather than forced.
    """
    rng = random.Random(seed)
    t = 0.0
    free_at = [0.0] * servers  # heap of the times each server next becomes free
    arrivals, departures = [], []
    for _ in range(requests):
        t += rng.expovariate(arrival_rate)
        start = max(t, heapq.heappop(free_at))
        done = start + service_time(rng)
        heapq.heappush(free_at, done)
        arrivals.append(t)
        departures.append(done)
    first = int(requests * warmup_fraction)
    win_start, win_end = arrivals[first], arrivals[-1]
    # L: integrate n(t) over the window from each request's overlap with it.
    area = sum(max(0.0, min(d, win_end) - max(a, win_start)) for a, d in zip(arrivals, departures))
    sojourns = [d - a for a, d in zip(arrivals[first:], departures[first:])]
    length = win_end - win_start
    return SimResult(
        mean_in_system=area / length,
        arrival_rate=(len(sojourns) - 1) / length,
        mean_time_in_system=sum(sojourns) / len(sojourns),
        sojourn_times=sojourns,
    )
