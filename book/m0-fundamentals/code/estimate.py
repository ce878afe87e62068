"""Back-of-the-envelope estimator: the handful of formulas behind most first-pass design numbers.

Every function takes plain SI units (counts, seconds, kilometres, bytes) and refuses inputs that
would make the answer meaningless, so a slip in an estimate fails loudly instead of quietly.
"""
from __future__ import annotations

from math import asin, cos, floor, isfinite, log10, radians, sin, sqrt

SECONDS_PER_DAY = 86_400
SPEED_OF_LIGHT_KM_S = 299_792.458  # in vacuum, exact by definition of the metre
EARTH_MEAN_RADIUS_KM = 6_371.0


def _finite(**values: float) -> None:
    """Reject NaN and infinity: every comparison with NaN is false, so `x < 0` lets it through."""
    for name, value in values.items():
        if not isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")


def _positive(name: str, value: float) -> None:
    _finite(**{name: value})
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def per_second(count: float, period_s: float = SECONDS_PER_DAY) -> float:
    """Average rate: `count` events spread evenly over `period_s` seconds (a day by default)."""
    _finite(count=count, period_s=period_s)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count!r}")
    _positive("period_s", period_s)
    return count / period_s


def peak_rate(count: float, peak_to_mean: float, period_s: float = SECONDS_PER_DAY) -> float:
    """Peak rate: the average rate times a peak-to-mean ratio, which must be at least 1."""
    _finite(peak_to_mean=peak_to_mean)
    if peak_to_mean < 1:
        raise ValueError(f"peak_to_mean must be >= 1, got {peak_to_mean!r}")
    return per_second(count, period_s) * peak_to_mean


def drain_seconds(backlog: float, rate_per_s: float) -> float:
    """Time for the last of `backlog` queued items to leave a FIFO queue drained at `rate_per_s`."""
    _finite(backlog=backlog, rate_per_s=rate_per_s)
    if backlog < 0:
        raise ValueError(f"backlog must be >= 0, got {backlog!r}")
    _positive("rate_per_s", rate_per_s)
    return backlog / rate_per_s


def in_flight(rate_per_s: float, latency_s: float) -> float:
    """Little's Law, L = lambda * W: requests outstanding at once for a given rate and latency."""
    _finite(rate_per_s=rate_per_s, latency_s=latency_s)
    if rate_per_s < 0 or latency_s < 0:
        raise ValueError("rate_per_s and latency_s must be >= 0")
    return rate_per_s * latency_s


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Shortest distance over the Earth's surface (haversine on a sphere of mean radius)."""
    _finite(lat1=lat1, lon1=lon1, lat2=lat2, lon2=lon2)
    for name, lat in (("lat1", lat1), ("lat2", lat2)):
        if not -90 <= lat <= 90:
            raise ValueError(f"{name} must be within [-90, 90], got {lat!r}")
    p1, l1, p2, l2 = map(radians, (lat1, lon1, lat2, lon2))
    h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_KM * asin(min(1.0, sqrt(h)))


def fibre_rtt_ms(distance_km: float, refractive_index: float = 1.5) -> float:
    """Physics floor for a round trip over `distance_km` of fibre: no routing, queueing or processing."""
    _finite(distance_km=distance_km, refractive_index=refractive_index)
    if distance_km < 0:
        raise ValueError(f"distance_km must be >= 0, got {distance_km!r}")
    if refractive_index < 1:
        raise ValueError(f"refractive_index must be >= 1, got {refractive_index!r}")
    return 2 * distance_km / (SPEED_OF_LIGHT_KM_S / refractive_index) * 1_000


def order_of_magnitude(x: float) -> int:
    """The power of ten of `x`: 347 -> 2, 66,667 -> 4, 0.002 -> -3."""
    _positive("x", x)
    return floor(log10(x))
