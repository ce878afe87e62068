"""A small queueing calculator for capacity planning.

Little's Law (Little 1961), the M/M/1 and M/M/c (Erlang C) waiting times and their quantiles, Kingman's G/G/1
approximation (Kingman 1961), zone-aware instance counts, and a seeded FIFO queue simulator
that checks the formulas. Standard library only. Rates are per second, times in seconds.
"""
from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass


def littles_law(L: float | None = None, lam: float | None = None, W: float | None = None) -> float:
    """Solve L = lam * W for whichever of the three is None.

    L is the mean number in the system (requests in flight), lam the mean arrival rate
    (requests per second) and W the mean time in the system (seconds). Exactly one must be None.
    """
    given = {"L": L, "lam": lam, "W": W}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        raise ValueError("pass exactly two of L, lam, W")
    if any(value is not None and not 0 <= value < math.inf for value in given.values()):
        raise ValueError("L, lam and W must be finite and non-negative")
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
    if not 0 <= arrival_rate < math.inf or not 0 < service_rate < math.inf:
        raise ValueError("rates must be finite, non-negative, and the service rate positive")
    if arrival_rate >= service_rate:
        raise ValueError("unstable: arrival rate must be below service rate")
    return 1.0 / (service_rate - arrival_rate)


def mm1_waiting_time(arrival_rate: float, service_rate: float) -> float:
    """Mean time an M/M/1 request waits before service starts, Wq = rho / (mu - lambda)."""
    rho = arrival_rate / service_rate
    return rho * mm1_time_in_system(arrival_rate, service_rate)


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B blocking probability, by the stable recurrence B(k) = a*B(k-1) / (k + a*B(k-1))."""
    if servers < 1 or not 0 <= offered_load < math.inf:  # also rejects NaN, which fails every comparison
        raise ValueError("need at least one server and a finite, non-negative offered load")
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
    if not 0 < service_rate < math.inf:
        raise ValueError("service rate must be finite and positive")
    a = arrival_rate / service_rate
    return erlang_c(servers, a) / (servers * service_rate - arrival_rate)


def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, p: float) -> float:
    """The p-quantile of the queueing delay in an M/M/c system served first come, first served.

    A request waits with probability C = C(c, a), and a wait is then exponential with rate
    c*mu - lambda, so P(Wq > t) = C * exp(-(c*mu - lambda) * t). The quantile is therefore
    ln(C / (1 - p)) / (c*mu - lambda), or 0 when p <= 1 - C: that share of requests never waits.
    """
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not 0 < service_rate < math.inf:
        raise ValueError("service rate must be finite and positive")
    wait_probability = erlang_c(servers, arrival_rate / service_rate)
    if wait_probability <= 1 - p:
        return 0.0
    return math.log(wait_probability / (1 - p)) / (servers * service_rate - arrival_rate)


def mmc_response_quantile(arrival_rate: float, service_rate: float, servers: int, p: float) -> float:
    """The p-quantile of the time in an M/M/c system (FCFS): the wait plus the request's own service.

    The service time S ~ Exp(mu) is independent of the wait, so with theta = c*mu - lambda,
    P(T > t) = (1 - C) * exp(-mu*t) + C * P(Exp(theta) + S > t). The tail falls as t grows;
    bisection finds where it crosses 1 - p.
    """
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not 0 < service_rate < math.inf:
        raise ValueError("service rate must be finite and positive")
    wait_probability = erlang_c(servers, arrival_rate / service_rate)
    slow, fast = sorted((servers * service_rate - arrival_rate, service_rate))

    def tail(t: float) -> float:
        # P(X + Y > t) for independent exponentials of rates slow <= fast, written with expm1 so
        # that it does not cancel when the rates are close and equals (1 + slow*t) e^(-slow*t) if equal.
        gap = fast - slow
        ratio = -t if gap == 0 else math.expm1(-gap * t) / gap
        both = math.exp(-slow * t) * (1.0 - slow * ratio)
        return (1.0 - wait_probability) * math.exp(-service_rate * t) + wait_probability * both

    low, high = 0.0, 1.0 / service_rate
    while tail(high) > 1 - p:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if mid in (low, high):  # the bracket cannot shrink any further in floating point
            break
        low, high = (mid, high) if tail(mid) > 1 - p else (low, mid)
    return high


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
    if not all(0 <= x < math.inf for x in (ca2, cs2, mean_service_time)):
        raise ValueError("ca2, cs2 and the mean service time must be finite and non-negative")
    return utilization / (1.0 - utilization) * (ca2 + cs2) / 2.0 * mean_service_time


def survivor_utilization(normal_utilization: float, zones: int, zones_lost: int = 1) -> float:
    """Utilization of the surviving zones when zones_lost of zones fail and their load moves over."""
    if zones_lost >= zones or zones_lost < 0:
        raise ValueError("need 0 <= zones_lost < zones")
    if not 0 <= normal_utilization < math.inf:
        raise ValueError("utilization must be finite and non-negative")
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
    if not 0 <= peak_qps < math.inf or not 0 < per_instance_qps < math.inf:  # NaN fails both
        raise ValueError("peak must be finite and non-negative, per-instance throughput finite and positive")
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
    waiting_times: list[float]  # time from arrival to the start of service, same requests


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
    arrivals, starts, departures = [], [], []
    for _ in range(requests):
        t += rng.expovariate(arrival_rate)
        start = max(t, heapq.heappop(free_at))
        done = start + service_time(rng)
        heapq.heappush(free_at, done)
        arrivals.append(t)
        starts.append(start)
        departures.append(done)
    first = int(requests * warmup_fraction)
    win_start, win_end = arrivals[first], arrivals[-1]
    # L: integrate n(t) over the window from each request's overlap with it.
    area = sum(max(0.0, min(d, win_end) - max(a, win_start)) for a, d in zip(arrivals, departures, strict=True))
    sojourns = [d - a for a, d in zip(arrivals[first:], departures[first:], strict=True)]
    length = win_end - win_start
    return SimResult(
        mean_in_system=area / length,
        arrival_rate=(len(sojourns) - 1) / length,
        mean_time_in_system=sum(sojourns) / len(sojourns),
        sojourn_times=sojourns,
        waiting_times=[s - a for a, s in zip(arrivals[first:], starts[first:], strict=True)],
    )
