"""SLO arithmetic: error budgets, burn rates, alert timing, fan-out tails and percentile aggregation.

Every formula here is the one the chapter derives; the burn-rate ones follow the Site Reliability
Workbook's "Alerting on SLOs" chapter. Standard library only.
"""
from __future__ import annotations

import math
import random
from statistics import NormalDist

MINUTES_PER_DAY = 24 * 60


def _check_slo(slo: float) -> None:
    if not 0.0 < slo < 1.0:
        raise ValueError("slo must be a fraction strictly between 0 and 1, e.g. 0.999")


def error_budget_minutes(slo: float, window_days: float) -> float:
    """Minutes of total outage the SLO allows in the window: (1 - SLO) x window."""
    _check_slo(slo)
    return (1.0 - slo) * window_days * MINUTES_PER_DAY


def burn_rate(error_ratio: float, slo: float) -> float:
    """How many times faster than 'exactly on budget' the service spends its budget."""
    _check_slo(slo)
    if not 0.0 <= error_ratio <= 1.0:
        raise ValueError("error_ratio must be between 0 and 1")
    return error_ratio / (1.0 - slo)


def time_to_exhaustion_hours(burn: float, window_days: float, budget_left: float = 1.0) -> float:
    """Hours until the remaining fraction of the budget is gone at a constant burn rate."""
    if burn <= 0.0:
        return math.inf
    return budget_left * window_days * 24.0 / burn


def budget_consumed(burn: float, alert_window_hours: float, window_days: float) -> float:
    """Fraction of the budget spent when an alert over `alert_window_hours` first fires at `burn`."""
    return burn * alert_window_hours / (window_days * 24.0)


def detection_minutes(
    error_ratio: float, slo: float, alert_window_minutes: float, threshold: float, baseline: float = 0.0
) -> float:
    """Minutes from a step up to a steady error ratio until the windowed burn rate crosses `threshold`.

    Before the step the window held a steady `baseline` error ratio; its average grows linearly from
    `baseline` to `error_ratio` over one window, so it crosses threshold x (1 - SLO) after
    (needed - baseline) / (error_ratio - baseline) of the window. Never, if the new ratio is too low;
    at once, if the baseline alone already reaches the threshold (the alert was firing and stays so).
    """
    _check_slo(slo)
    if not 0.0 <= baseline <= error_ratio <= 1.0:
        raise ValueError("need 0 <= baseline <= error_ratio <= 1: a step up to a steady error ratio")
    if alert_window_minutes <= 0 or threshold <= 0:
        raise ValueError("alert_window_minutes and threshold must be positive")
    needed = threshold * (1.0 - slo)
    if baseline >= needed or math.isclose(baseline, needed):
        return 0.0
    if error_ratio < needed and not math.isclose(error_ratio, needed):
        return math.inf
    # Here baseline < needed <= error_ratio (to rounding), so the denominator is positive.
    return min(1.0, (needed - baseline) / (error_ratio - baseline)) * alert_window_minutes


def fanout_slow_probability(p_fast: float, n: int) -> float:
    """Chance that a request waiting on n independent backends meets at least one slow one: 1 - p^n."""
    if not 0.0 <= p_fast <= 1.0 or n < 1:
        raise ValueError("p_fast must be in [0, 1] and n >= 1")
    return 1.0 - p_fast**n


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least q of all samples at or below it."""
    if not samples:
        raise ValueError("no samples")
    if not 0.0 < q <= 1.0:
        raise ValueError("q must be in (0, 1]")
    ordered = sorted(samples)
    rank = math.ceil(q * len(ordered) - 1e-9)  # the epsilon keeps 0.99 x 100 from rounding up to 100
    return ordered[max(rank, 1) - 1]


def simulate_hosts(seed: int = 7) -> list[list[float]]:
    """Latencies in ms for 10 hosts: one hot, slower host takes 10x the traffic of each of the others.

    Lognormal latencies from inverse-CDF sampling of rng.random(), so the draw is reproducible.
    """
    rng = random.Random(seed)
    z = NormalDist()

    def lognormal(median_ms: float, sigma: float, count: int) -> list[float]:
        return [median_ms * math.exp(sigma * z.inv_cdf(rng.random())) for _ in range(count)]

    hot = lognormal(median_ms=40.0, sigma=0.6, count=20_000)
    cold = [lognormal(median_ms=20.0, sigma=0.5, count=2_000) for _ in range(9)]
    return [hot, *cold]


def mean_of_p99s_vs_merged(hosts: list[list[float]]) -> tuple[float, float]:
    """(average of the per-host p99s, p99 of all samples merged): the first is not a percentile of anything."""
    per_host = [percentile(samples, 0.99) for samples in hosts]
    merged = [value for samples in hosts for value in samples]
    return sum(per_host) / len(per_host), percentile(merged, 0.99)


def correct_coordinated_omission(samples: list[float], expected_interval: float) -> list[float]:
    """Add the samples a stalled closed-loop tester never sent (HdrHistogram's expected-interval rule).

    A sample of n whole intervals (n = floor(value / interval)) hid the n - 1 requests that should have
    been sent meanwhile; the k-th would have waited value - k x interval, for k = 1 .. n - 1. Counting
    n once, rather than subtracting the interval repeatedly, keeps float rounding from dropping the last.
    """
    if expected_interval <= 0:
        raise ValueError("expected_interval must be positive")
    corrected: list[float] = []
    for value in samples:
        corrected.append(value)
        n = math.floor(value / expected_interval + 1e-9)  # the epsilon keeps (43 x 0.1) / 0.1 at 43
        corrected.extend(value - k * expected_interval for k in range(1, n))
    return corrected
