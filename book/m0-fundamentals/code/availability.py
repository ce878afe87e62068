"""Availability and scalability arithmetic from the System Qualities chapter.

Availabilities are probabilities in [0, 1] (write 99.9% as 0.999). The composition rules
`serial` and `parallel` assume that components fail independently; the chapter shows where
that assumption breaks and how to model a shared dependency with them.
"""
from __future__ import annotations

import math

MINUTES_PER_YEAR = 365 * 24 * 60  # 525,600
MINUTES_PER_MONTH = 30 * 24 * 60  # 43,200: a 30-day month, the usual SLO window
MINUTES_PER_WEEK = 7 * 24 * 60  # 10,080


def _check_availability(availability: float) -> None:
    if not 0.0 <= availability <= 1.0:
        raise ValueError(f"availability must be in [0, 1], got {availability!r}")


def nines_to_downtime(availability: float, period_minutes: float = MINUTES_PER_MONTH) -> float:
    """Minutes of downtime an availability target allows in a period: (1 - A) x period.

    >>> round(nines_to_downtime(0.999), 1)  # three nines over a 30-day month
    43.2
    """
    _check_availability(availability)
    if period_minutes <= 0:
        raise ValueError("period_minutes must be positive")
    return (1.0 - availability) * period_minutes


def availability_from_mtbf(mtbf: float, mttr: float) -> float:
    """Steady-state availability MTBF / (MTBF + MTTR); both times in the same unit.

    Each failure cycle is MTBF of uptime followed by MTTR of downtime, so this is the
    uptime fraction of an average cycle.
    """
    if mtbf <= 0 or mttr < 0:
        raise ValueError("mtbf must be positive and mttr non-negative")
    return mtbf / (mtbf + mttr)


def serial(*availabilities: float) -> float:
    """Availability of a chain in which every component must work: the product of theirs.

    >>> round(serial(0.999, 0.999, 0.999, 0.999, 0.999), 5)
    0.99501
    """
    if not availabilities:
        raise ValueError("serial() needs at least one availability")
    for a in availabilities:
        _check_availability(a)
    return math.prod(availabilities)


def parallel(availability: float, replicas: int) -> float:
    """Availability of `replicas` identical, independent copies of which one is enough: 1 - (1 - A)^k.

    >>> round(parallel(0.999, 2), 6)
    0.999999
    """
    _check_availability(availability)
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    return 1.0 - (1.0 - availability) ** replicas


def usl_throughput(n: float, sigma: float, kappa: float, single_node: float = 1.0) -> float:
    """Throughput of n nodes under Gunther's Universal Scalability Law.

    X(n) = single_node * n / (1 + sigma (n - 1) + kappa n (n - 1)), where sigma is the
    contention (serialized) fraction and kappa the coherency (pairwise exchange) cost.
    kappa = 0 gives Amdahl's law; sigma = kappa = 0 gives linear scaling.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if sigma < 0 or kappa < 0 or sigma > 1:
        raise ValueError("need 0 <= sigma <= 1 and kappa >= 0")
    return single_node * n / (1.0 + sigma * (n - 1) + kappa * n * (n - 1))


def usl_peak(sigma: float, kappa: float) -> float:
    """The node count where USL throughput peaks: sqrt((1 - sigma) / kappa); infinite if kappa = 0."""
    if sigma < 0 or kappa < 0 or sigma > 1:
        raise ValueError("need 0 <= sigma <= 1 and kappa >= 0")
    if kappa == 0:
        return math.inf
    return math.sqrt((1.0 - sigma) / kappa)
