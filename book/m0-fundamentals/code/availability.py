"""Availability and scalability arithmetic from the System Qualities chapter.

Availabilities are probabilities in [0, 1] (write 99.9% as 0.999). The composition rules
`serial` and `parallel` assume that components fail independently; the chapter shows where
that assumption breaks and how to model a shared dependency with them. Every function rejects
NaN and infinite inputs instead of returning NaN.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

MINUTES_PER_YEAR = 365 * 24 * 60  # 525,600
MINUTES_PER_MONTH = 30 * 24 * 60  # 43,200: a 30-day month, the usual SLO window
MINUTES_PER_WEEK = 7 * 24 * 60  # 10,080


def _check_availability(availability: float) -> None:
    if not 0.0 <= availability <= 1.0:  # also False for NaN
        raise ValueError(f"availability must be in [0, 1], got {availability!r}")


def _check_usl(sigma: float, kappa: float) -> None:
    if not (0.0 <= sigma <= 1.0 and 0.0 <= kappa < math.inf):  # also False for NaN
        raise ValueError(f"need 0 <= sigma <= 1 and finite kappa >= 0, got {sigma!r}, {kappa!r}")


def nines_to_downtime(availability: float, period_minutes: float = MINUTES_PER_MONTH) -> float:
    """Minutes of downtime an availability target allows in a period: (1 - A) x period.

    >>> round(nines_to_downtime(0.999), 1)  # three nines over a 30-day month
    43.2
    """
    _check_availability(availability)
    if not 0 < period_minutes < math.inf:
        raise ValueError(f"period_minutes must be positive and finite, got {period_minutes!r}")
    return (1.0 - availability) * period_minutes


def availability_from_mtbf(mtbf: float, mttr: float) -> float:
    """Steady-state availability MTBF / (MTBF + MTTR); both times in the same unit.

    Each failure cycle is MTBF of uptime followed by MTTR of downtime, so this is the
    uptime fraction of an average cycle.
    """
    if not (0 < mtbf < math.inf and 0 <= mttr < math.inf):  # also False for NaN
        raise ValueError(f"mtbf must be positive and mttr non-negative, both finite; got {mtbf!r}, {mttr!r}")
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
    if isinstance(replicas, bool) or not isinstance(replicas, numbers.Integral) or replicas < 1:
        raise ValueError(f"replicas must be a whole number of at least 1, got {replicas!r}")
    return 1.0 - (1.0 - availability) ** replicas


def usl_throughput(n: float, sigma: float, kappa: float, single_node: float = 1.0) -> float:
    """Throughput of n nodes under Gunther's Universal Scalability Law.

    X(n) = single_node * n / (1 + sigma (n - 1) + kappa n (n - 1)), where sigma is the
    contention (serialized) fraction and kappa the coherency (pairwise exchange) cost.
    kappa = 0 gives Amdahl's law; sigma = kappa = 0 gives linear scaling. n may be fractional,
    as on a plotted curve.
    """
    if not 1 <= n < math.inf:  # also False for NaN
        raise ValueError(f"n must be finite and at least 1, got {n!r}")
    _check_usl(sigma, kappa)
    if not 0 < single_node < math.inf:
        raise ValueError(f"single_node must be positive and finite, got {single_node!r}")
    return single_node * n / (1.0 + sigma * (n - 1) + kappa * n * (n - 1))


def usl_peak(sigma: float, kappa: float) -> float:
    """The node count n >= 1 where USL throughput peaks: sqrt((1 - sigma) / kappa).

    Infinite if kappa = 0 (throughput never falls). If kappa > 1 - sigma, the formula gives a
    point below one node: throughput falls from the first node added, and the peak is n = 1.
    """
    _check_usl(sigma, kappa)
    if kappa == 0:
        return math.inf
    return max(1.0, math.sqrt((1.0 - sigma) / kappa))


def usl_fit(measurements: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """Fit the USL's sigma and kappa to load-test measurements (nodes, throughput) by least squares.

    Gunther's linearization: with C(n) = X(n) / X(1), x = n - 1 and y = n / C(n) - 1, the USL
    becomes y = kappa x^2 + (sigma + kappa) x, a parabola through the origin. Least squares for
    y = a x^2 + b x solves two normal equations; then kappa = a and sigma = b - a.

    The one-node measurement normalizes the others; repeated one-node runs are averaged into that
    baseline, while repeated runs at any other size each enter the least squares as a point of
    their own. At least three node counts besides one are required: two would fit both
    coefficients exactly, noise included, and leave no residual to show whether the model holds
    (check them with `usl_residuals`). A negative coefficient is returned as it is, because it
    means the data do not follow the USL (superlinear caching effects, or a broken test), not
    that the fit should be clamped.
    """
    points = _load_test_points(measurements)
    x1 = _baseline(points)
    others = [(n, x) for n, x in points if n != 1]
    if len({n for n, _ in others}) < 3:
        raise ValueError("need at least three node counts besides n = 1: two fit sigma and kappa exactly")
    s4 = s3 = s2 = s2y = s1y = 0.0
    for n, x in others:
        u, y = n - 1.0, n * x1 / x - 1.0
        s4, s3, s2 = s4 + u**4, s3 + u**3, s2 + u**2
        s2y, s1y = s2y + u * u * y, s1y + u * y
    det = s4 * s2 - s3 * s3  # > 0 whenever two or more distinct n > 1 are present (Cauchy-Schwarz)
    a = (s2y * s2 - s1y * s3) / det
    b = (s4 * s1y - s3 * s2y) / det
    return b - a, a


def usl_residuals(measurements: Iterable[tuple[float, float]], sigma: float, kappa: float) -> list[tuple[int, float]]:
    """Relative miss of each measurement against the fitted curve: (n, measured / predicted - 1).

    The prediction uses the same one-node baseline as `usl_fit` (the mean of the one-node runs).
    Residuals inside the run-to-run spread say the USL describes the tested range; a larger one,
    or a run of residuals with the same sign, says the model or the test is wrong. A fit with a
    negative coefficient is accepted here, because that is when the residuals matter most.
    """
    if not (math.isfinite(sigma) and math.isfinite(kappa)):
        raise ValueError(f"sigma and kappa must be finite, got {sigma!r}, {kappa!r}")
    points = _load_test_points(measurements)
    x1 = _baseline(points)
    residuals = []
    for n, x in points:
        if n == 1:
            continue
        denominator = 1.0 + sigma * (n - 1) + kappa * n * (n - 1)
        if denominator <= 0:
            raise ValueError(f"sigma={sigma!r}, kappa={kappa!r} predict no positive throughput at n={n}")
        residuals.append((n, x / (x1 * n / denominator) - 1.0))
    return residuals


def _load_test_points(measurements: Iterable[tuple[float, float]]) -> list[tuple[int, float]]:
    """Validate (nodes, throughput) pairs: a whole number of nodes >= 1, a positive finite throughput."""
    points = []
    for n, x in measurements:
        n, x = float(n), float(x)
        if not (1 <= n < math.inf and n.is_integer()) or not 0 < x < math.inf:
            raise ValueError(f"need a whole number of nodes >= 1 and a positive throughput, got ({n!r}, {x!r})")
        points.append((int(n), x))
    return points


def _baseline(points: list[tuple[int, float]]) -> float:
    """The mean throughput of the one-node runs, which normalizes every other measurement."""
    baseline = [x for n, x in points if n == 1]
    if not baseline:
        raise ValueError("need a measurement at n = 1 to normalize the others")
    return sum(baseline) / len(baseline)
