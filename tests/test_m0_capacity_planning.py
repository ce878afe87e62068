"""Tests for book/m0-fundamentals/code/queueing.py and for every formula number in capacity-planning.md."""
from __future__ import annotations

import math
import statistics
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listings import chapter_text, load_listing, pinned

q = load_listing("m0-fundamentals/code/queueing.py")
CHAPTER = "m0-fundamentals/capacity-planning.md"


@pytest.fixture(scope="module")
def text() -> str:
    return chapter_text(CHAPTER)


def open_figure_script(name: str) -> str:
    """The source of a figure script, to check the numbers printed on a figure."""
    return (Path(__file__).resolve().parent.parent / "diagrams" / name).read_text(encoding="utf-8")


def pct(x: float, digits: int = 1) -> str:
    return f"{x * 100:.{digits}f}%"


# The chapter's running example, from its inputs.
PLANNED = 40_000_000 * 25 / 86_400 * 2.2 * 1.3  # planned peak, QPS
MU, VCPUS, SATURATION = 200.0, 8, 1600.0  # 5 ms of vCPU per request; 8 / 0.005 = 1,600 QPS
SLO_MS, UNLOADED_P995_MS = 100, 92  # promise: 99% within 100 ms; unloaded latency's 99.5th percentile
MARGIN_MS = 2  # kept out of the plan, for what the model leaves out and for inputs that drift
EDGE_BUDGET = (SLO_MS - UNLOADED_P995_MS) / 1000  # union bound: the wait's p99.5 may use what is left (8 ms)
BUDGET = (SLO_MS - MARGIN_MS - UNLOADED_P995_MS) / 1000  # what the plan lets the wait use (6 ms)
P_SPLIT = 0.995  # 0.5% of the tail to the unloaded latency, 0.5% to the wait: 1% in all
AVAILABILITY_SLO = 0.999  # 99.9% of requests succeed over 30 days


def bisect(ok, low: float, high: float) -> float:
    """The largest x in [low, high] for which ok(x) holds, for ok monotone (true below, false above)."""
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if ok(mid) else (low, mid)
    return low


def tail_ceiling(budget: float) -> float:
    """Highest utilization at which the M/M/8 wait's p99.5 stays within budget (bisection on the listing)."""
    return bisect(lambda rho: q.mmc_wait_quantile(rho * SATURATION, MU, VCPUS, P_SPLIT) <= budget, 0.0, 1.0 - 1e-12)


RHO_EDGE = tail_ceiling(EDGE_BUDGET)  # the promise with nothing to spare: 69.2%
RHO_MAX = tail_ceiling(BUDGET)  # the plan's design ceiling, with the margin kept: 63.0%
N_EDGE = q.instances_needed(PLANNED, SATURATION, RHO_EDGE, 3, 1)  # 45
N_PLAN = q.instances_needed(PLANNED, SATURATION, RHO_MAX, 3, 1)  # 51
SURVIVORS = N_PLAN // 3 * 2
DESIGN_LOAD = PLANNED / SURVIVORS  # per instance, at peak with a zone down
PRICE, HOURS = 0.34, 730  # assumed $ per instance-hour; hours per month


def monthly(instances: int) -> float:
    return instances * PRICE * HOURS


def exact_terms(c: int, a: float) -> tuple[Fraction, Fraction]:
    """sum_{k<c} a^k/k! and a^c/c!, in exact rational arithmetic: the textbook definition, no recurrence, no rounding."""
    a = Fraction(a)
    total, term = Fraction(0), Fraction(1)
    for k in range(c):
        total += term
        term = term * a / (k + 1)
    return total, term


def erlang_b_exact(c: int, a: float) -> float:
    total, term = exact_terms(c, a)
    return float(term / (total + term))


def erlang_c_exact(c: int, a: float) -> float:
    total, term = exact_terms(c, a)
    top = term * c / (c - Fraction(a))
    return float(top / (total + top))


# --- The listing: Little's Law -------------------------------------------------------------


def test_littles_law_solves_each_unknown():
    assert q.littles_law(lam=2000, W=0.05) == pytest.approx(100)
    assert q.littles_law(L=100, W=0.05) == pytest.approx(2000)
    assert q.littles_law(L=100, lam=2000) == pytest.approx(0.05)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"L": 1.0}, {"L": 1.0, "lam": 2.0, "W": 0.5}, {"L": -1.0, "W": 1.0}, {"L": 1.0, "W": 0.0}, {"L": 1.0, "lam": 0.0}],
)
def test_littles_law_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        q.littles_law(**kwargs)


# --- The listing: M/M/1, Erlang C, M/M/c, Kingman --------------------------------------------


def test_mm1_formulas():
    assert q.mm1_time_in_system(80, 100) == pytest.approx(0.05)  # 1 / (100 - 80)
    assert q.mm1_waiting_time(80, 100) == pytest.approx(0.04)  # rho / (mu - lambda)
    for lam, mu in ((100, 100), (120, 100)):
        with pytest.raises(ValueError):
            q.mm1_time_in_system(lam, mu)
    with pytest.raises(ValueError):
        q.mm1_time_in_system(1, 0)


def test_erlang_c_matches_closed_forms():
    for rho in (0.1, 0.5, 0.9):
        assert q.erlang_c(1, rho) == pytest.approx(rho)  # M/M/1: P(wait) = rho
        assert q.erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))  # M/M/2 closed form


def test_erlang_c_matches_factorial_definition():
    c, a = 14, 10.0
    top = a**c / math.factorial(c) * c / (c - a)
    bottom = sum(a**k / math.factorial(k) for k in range(c)) + top
    assert q.erlang_c(c, a) == pytest.approx(top / bottom, rel=1e-12)


def test_erlang_c_against_published_value():
    # pyworkforce's documented example (100 calls per 30 minutes, 3-minute handle time, 20 s target):
    # offered load 10 Erlangs, 14 agents -> waiting_probability 0.1741319335950498, service_level 0.8883500191794669
    # (github.com/rodrigo-arenas/pyworkforce README, ErlangC example).
    a, c = 100 / 30 * 3, 14
    p_wait = q.erlang_c(c, a)
    assert p_wait == pytest.approx(0.1741319335950498, rel=1e-9)
    service_level = 1 - p_wait * math.exp(-(c - a) * (20 / 60) / 3)
    assert service_level == pytest.approx(0.8883500191794669, rel=1e-9)


def test_erlang_c_is_stable_for_large_pools_and_rejects_overload():
    # Against the exact definition, where factorials in floating point would overflow (2000! has 5,736 digits).
    for c, a in ((2000, 1900), (2000, 1999), (300, 150), (8, 6)):
        assert q.erlang_c(c, float(a)) == pytest.approx(erlang_c_exact(c, a), rel=1e-9)
    assert q.erlang_c(2000, 1900.0) == pytest.approx(0.0134064373, rel=1e-8)  # the exact value, to 9 digits
    with pytest.raises(ValueError):
        q.erlang_c(8, 8.0)
    with pytest.raises(ValueError):
        q.erlang_b(0, 1.0)


def test_erlang_b_matches_its_definition_and_a_published_value():
    # The listing uses the recurrence B(k) = a B(k-1) / (k + a B(k-1)); check it against the definition
    # B = (a^c / c!) / sum_{k<=c} a^k / k!, computed exactly, including the pool example's offered load.
    for c, a in ((1, 0.5), (2, 1.5), (14, 10.0), (72, 39.174), (2000, 1900)):
        assert q.erlang_b(c, float(a)) == pytest.approx(erlang_b_exact(c, a), rel=1e-9)
    assert q.erlang_b(1, 0.5) == pytest.approx(0.5 / 1.5)  # one server: a / (1 + a)
    # pyworkforce's published Erlang C for 14 agents and 10 Erlangs (see the next test) fixes Erlang B through
    # C = B / (1 - rho (1 - B)), i.e. B = C (1 - rho) / (1 - rho C).
    c_published, rho = 0.1741319335950498, 10 / 14
    assert q.erlang_b(14, 10.0) == pytest.approx(c_published * (1 - rho) / (1 - rho * c_published), rel=1e-9)


def test_mmc_reduces_to_mm1_and_pooling_helps():
    assert q.mmc_waiting_time(80, 100, 1) == pytest.approx(q.mm1_waiting_time(80, 100))
    assert q.mmc_time_in_system(80, 100, 1) == pytest.approx(q.mm1_time_in_system(80, 100))
    # Same utilization, bigger pool, less waiting.
    assert q.mmc_waiting_time(0.8 * 32, 1, 32) < q.mmc_waiting_time(0.8 * 8, 1, 8) < q.mmc_waiting_time(0.8, 1, 1)
    with pytest.raises(ValueError):
        q.mmc_waiting_time(1, 0, 1)


def test_kingman_is_exact_for_mm1_and_scales_with_variability():
    assert q.kingman_waiting_time(0.8, 1, 1, 0.01) == pytest.approx(q.mm1_waiting_time(80, 100))
    assert q.kingman_waiting_time(0.8, 0, 0, 0.01) == 0
    with pytest.raises(ValueError):
        q.kingman_waiting_time(1.0, 1, 1, 0.01)


# --- The listing: quantiles of the M/M/c wait and time in system ------------------------------


def response_tail(lam: float, mu: float, c: int, t: float) -> float:
    """P(T > t) for M/M/c, written independently of the listing: wait (atom at 0, else Exp(theta)) plus Exp(mu)."""
    wait, theta = q.erlang_c(c, lam / mu), c * mu - lam
    both = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1 - wait) * math.exp(-mu * t) + wait * both


def test_wait_quantile_matches_the_closed_form():
    # The quantile inverts P(Wq > t) = C e^(-(c mu - lambda) t), with C from the exact definition, not the listing.
    for lam, mu, c, p in ((80, 100, 1, 0.99), (1182.2, 200, 8, 0.995), (973.6, 200, 8, 0.995), (3.0, 1.0, 4, 0.9)):
        wait = erlang_c_exact(c, lam / mu)
        t = q.mmc_wait_quantile(lam, mu, c, p)
        assert wait * math.exp(-(c * mu - lam) * t) == pytest.approx(1 - p, rel=1e-9)
    # M/M/1: P(Wq > t) = rho * exp(-(mu - lambda) t)
    assert q.mmc_wait_quantile(80, 100, 1, 0.99) == pytest.approx(math.log(0.8 / 0.01) / 20)


def test_wait_quantile_against_published_service_level():
    # pyworkforce's ErlangC example (see test_erlang_c_against_published_value): 88.835% of calls are answered
    # within 20 s, so the 0.88835-quantile of the wait is 20 s. Rates per minute: 100 calls per 30 min, 3-min calls.
    t = q.mmc_wait_quantile(100 / 30, 1 / 3, 14, 0.8883500191794669)
    assert t * 60 == pytest.approx(20.0, rel=1e-9)


def test_wait_quantile_edge_cases():
    wait = q.erlang_c(8, 4.0)  # 8 servers at 50%: C = 0.059
    assert q.mmc_wait_quantile(800, 200, 8, 1 - wait) == 0.0  # p at 1 - C: the quantile is a request that never waited
    assert q.mmc_wait_quantile(800, 200, 8, 0.90) == 0.0  # p below 1 - C
    assert q.mmc_wait_quantile(800, 200, 8, 0.0) == 0.0
    assert q.mmc_wait_quantile(800, 200, 8, 0.99) > 0.0
    assert q.mmc_wait_quantile(0, 200, 8, 0.99) == 0.0  # no traffic, no wait
    for lam in (1600, 2000):  # at or above c * mu: overload
        with pytest.raises(ValueError):
            q.mmc_wait_quantile(lam, 200, 8, 0.99)
        with pytest.raises(ValueError):
            q.mmc_response_quantile(lam, 200, 8, 0.99)
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError):
            q.mmc_wait_quantile(800, 200, 8, p)
        with pytest.raises(ValueError):
            q.mmc_response_quantile(800, 200, 8, p)
    with pytest.raises(ValueError):
        q.mmc_wait_quantile(1, 0, 1, 0.5)
    with pytest.raises(ValueError):
        q.mmc_response_quantile(1, 0, 1, 0.5)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "call",
    [
        lambda: q.erlang_b(8, NAN),
        lambda: q.erlang_c(8, NAN),
        lambda: q.mmc_waiting_time(NAN, 200, 8),
        lambda: q.mmc_waiting_time(1000, INF, 8),
        lambda: q.mmc_wait_quantile(NAN, 200, 8, 0.99),
        lambda: q.mmc_wait_quantile(1000, INF, 8, 0.99),
        lambda: q.mmc_response_quantile(NAN, 200, 8, 0.99),
        lambda: q.instances_needed(INF, 1600, 0.7, 3, 1),
        lambda: q.instances_needed(NAN, 1600, 0.7, 3, 1),
        lambda: q.instances_needed(1000, INF, 0.7, 3, 1),
        lambda: q.survivor_utilization(NAN, 3, 1),
        lambda: q.kingman_waiting_time(0.5, NAN, 1, 0.01),
        lambda: q.mm1_time_in_system(NAN, 100),
        lambda: q.mm1_time_in_system(1, INF),
        lambda: q.littles_law(lam=NAN, W=1.0),
    ],
)
def test_non_finite_input_is_rejected(call):
    # A NaN fails every comparison, so range checks written as "x < 0" let it through and the answer is a silent NaN
    # (or, for mmc_response_quantile, a tiny number); an infinite peak made instances_needed raise OverflowError.
    with pytest.raises(ValueError):
        call()


def test_response_quantile_matches_closed_forms():
    # M/M/1: the time in system is exponential with rate mu - lambda.
    for p in (0.5, 0.9, 0.99, 0.999):
        assert q.mmc_response_quantile(80, 100, 1, p) == pytest.approx(-math.log(1 - p) / 20, rel=1e-9)
    # No traffic: the time in system is the service time alone.
    assert q.mmc_response_quantile(0, 200, 8, 0.99) == pytest.approx(math.log(100) / 200, rel=1e-9)
    # M/M/c: the quantile inverts an independently written tail.
    for lam, c in ((1103.4, 8), (1182.2, 8), (1590.0, 8), (30.0, 32)):
        t = q.mmc_response_quantile(lam, 200, c, 0.99)
        assert response_tail(lam, 200, c, t) == pytest.approx(0.01, rel=1e-9)
    assert q.mmc_response_quantile(80, 100, 1, 0.0) == pytest.approx(0.0, abs=1e-12)


def test_response_quantile_is_stable_when_the_two_rates_meet():
    # theta = c*mu - lambda equals mu when lambda = (c - 1) mu: the textbook formula divides by zero there.
    at = q.mmc_response_quantile(7 * 200.0, 200, 8, 0.99)
    near = [q.mmc_response_quantile(7 * 200.0 + d, 200, 8, 0.99) for d in (-1e-6, 1e-6)]
    assert all(math.isfinite(x) for x in [at, *near])
    assert near[0] == pytest.approx(at, rel=1e-6) and near[1] == pytest.approx(at, rel=1e-6)
    # The limit of the tail at theta == mu: C (1 + mu t) e^(-mu t) + (1 - C) e^(-mu t)
    wait = q.erlang_c(8, 7.0)
    assert wait * (1 + 200 * at) * math.exp(-200 * at) + (1 - wait) * math.exp(-200 * at) == pytest.approx(0.01, rel=1e-9)
    # Near overload (theta tiny next to mu) the answer stays finite and large.
    assert 1.0 < q.mmc_response_quantile(1599.99, 200, 8, 0.99) < 1e4


@settings(max_examples=200, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=64),
    rho=st.floats(min_value=0.0, max_value=0.99),
    p=st.floats(min_value=0.5, max_value=0.9999),
)
def test_quantile_properties(servers, rho, p):
    mu = 200.0
    lam = rho * servers * mu
    wait, resp = q.mmc_wait_quantile(lam, mu, servers, p), q.mmc_response_quantile(lam, mu, servers, p)
    service_quantile = -math.log(1 - p) / mu
    assert 0.0 <= wait
    assert resp >= service_quantile * (1 - 1e-9)  # never faster than the work itself
    assert resp >= wait  # the wait is part of the time in system
    # Union bound: the p-quantile of wait + service is at most the sum of their (1 - (1-p)/2)-quantiles.
    half = 1 - (1 - p) / 2
    assert resp <= (q.mmc_wait_quantile(lam, mu, servers, half) - math.log(1 - half) / mu) * (1 + 1e-9)
    # Monotone in p.
    higher = min(p + (1 - p) / 2, 0.99999)
    assert q.mmc_response_quantile(lam, mu, servers, higher) >= resp * (1 - 1e-12)
    assert q.mmc_wait_quantile(lam, mu, servers, higher) >= wait


def test_quantiles_agree_with_the_seeded_simulation():
    # The chapter's design point: one instance of 8 vCPUs at 69% with a zone down. One million requests; with seed 5
    # the empirical p99 and p99.5 waits fall within 1% of the formula, the p99 time in system and the share of
    # requests that waited within 0.3%. The tolerances are about twice that.
    lam = DESIGN_LOAD
    res = q.simulate_fifo_queue(lam, lambda r: r.expovariate(MU), VCPUS, 1_000_000, seed=5)
    waits, sojourns = res.waiting_times, res.sojourn_times
    assert sum(w > 0 for w in waits) / len(waits) == pytest.approx(q.erlang_c(VCPUS, lam / MU), rel=0.006)
    for p in (0.99, 0.995):
        empirical = statistics.quantiles(waits, n=1000, method="inclusive")[round(p * 1000) - 1]
        assert empirical == pytest.approx(q.mmc_wait_quantile(lam, MU, VCPUS, p), rel=0.02)
    empirical = statistics.quantiles(sojourns, n=100, method="inclusive")[98]
    assert empirical == pytest.approx(q.mmc_response_quantile(lam, MU, VCPUS, 0.99), rel=0.006)
    # M/M/1 as well, where both quantiles are textbook closed forms (seed 7: both within 1.5%).
    res = q.simulate_fifo_queue(80.0, lambda r: r.expovariate(100.0), 1, 400_000, seed=7)
    wait_p99 = statistics.quantiles(res.waiting_times, n=100, method="inclusive")[98]
    assert wait_p99 == pytest.approx(math.log(0.8 / 0.01) / 20, rel=0.03)
    sojourn_p99 = statistics.quantiles(res.sojourn_times, n=100, method="inclusive")[98]
    assert sojourn_p99 == pytest.approx(math.log(100) / 20, rel=0.03)


# --- The listing: zones and instance counts -----------------------------------------------------


def test_survivor_utilization():
    assert q.survivor_utilization(0.5, 3, 1) == pytest.approx(0.75)
    assert q.survivor_utilization(0.6, 2, 1) == pytest.approx(1.2)
    assert q.survivor_utilization(0.6, 3, 0) == pytest.approx(0.6)
    with pytest.raises(ValueError):
        q.survivor_utilization(0.5, 2, 2)


@pytest.mark.parametrize("zones,lost", [(2, 1), (3, 1), (4, 1), (6, 1), (5, 2), (3, 0)])
def test_instances_needed_keeps_survivors_under_target(zones, lost):
    peak, per_instance, target = 33_101.85, 1600.0, 0.75
    n = q.instances_needed(peak, per_instance, target, zones, lost)
    assert n % zones == 0  # balanced over zones
    survivors = n // zones * (zones - lost)
    assert peak / (survivors * per_instance) <= target + 1e-12
    # One fewer instance per zone would break the target.
    fewer = (n // zones - 1) * (zones - lost)
    assert fewer == 0 or peak / (fewer * per_instance) > target


def test_instances_needed_edge_cases():
    assert q.instances_needed(0, 1000, 0.75, 3, 1) == 3  # at least one per zone
    assert q.instances_needed(1200 * 28, 1600, 0.75, 3, 1) == 42  # exact fit does not round up
    for args in [(1, 0, 0.5, 3, 1), (1, 1, 0, 3, 1), (1, 1, 1.5, 3, 1), (1, 1, 0.5, 3, 3), (-1, 1, 0.5, 3, 1)]:
        with pytest.raises(ValueError):
            q.instances_needed(*args)


# --- The listing: seeded simulation agrees with Little's Law and with the formulas ------------


def test_simulation_agrees_with_littles_law_and_mm1():
    res = q.simulate_fifo_queue(80.0, lambda r: r.expovariate(100.0), 1, 200_000, seed=7)
    # Little's Law holds on the sample path itself; the means land within 1.3% of the formulas with seed 7.
    assert res.mean_in_system == pytest.approx(res.arrival_rate * res.mean_time_in_system, rel=1e-3)
    assert res.mean_in_system == pytest.approx(0.8 / (1 - 0.8), rel=0.025)  # M/M/1: rho / (1 - rho)
    assert res.mean_time_in_system == pytest.approx(q.mm1_time_in_system(80, 100), rel=0.025)


def test_simulation_agrees_with_mmc():
    lam, mu, c = 360.0, 100.0, 4
    res = q.simulate_fifo_queue(lam, lambda r: r.expovariate(mu), c, 200_000, seed=11)
    assert res.mean_in_system == pytest.approx(res.arrival_rate * res.mean_time_in_system, rel=1e-3)
    assert res.mean_time_in_system == pytest.approx(q.mmc_time_in_system(lam, mu, c), rel=0.01)  # seed 11: 0.24% off


def test_simulation_is_reproducible():
    a = q.simulate_fifo_queue(50.0, lambda r: r.expovariate(100.0), 1, 5_000, seed=3)
    b = q.simulate_fifo_queue(50.0, lambda r: r.expovariate(100.0), 1, 5_000, seed=3)
    assert a == b


# --- Every formula number in the prose ------------------------------------------------------


def test_littles_law_examples_in_text(text):
    pinned(text, f"2,000 × 0.050 = {q.littles_law(lam=2000, W=0.050):,.0f} requests in flight")
    pinned(text, f"200 / 0.050 = {q.littles_law(L=200, W=0.050):,.0f} QPS")
    pinned(text, f"500 / 2,000 = {q.littles_law(L=500, lam=2000):.2f} s")
    # SRE book (Addressing Cascading Failures, Queue Management): queue 10x the threads, 100 ms per request
    # -> "a request will take 1.1 seconds to handle" when the queue is full.
    pinned(text, f"becomes a {10 * 0.1 + 0.1:.1f} s request")


def test_simulation_numbers_in_text(text):
    mean_s, lam = 0.010, 80.0
    sig2 = math.log(1 + 4.0)
    samplers = [
        lambda r: mean_s,
        lambda r: r.expovariate(1 / mean_s),
        lambda r: r.lognormvariate(math.log(mean_s) - sig2 / 2, math.sqrt(sig2)),
    ]
    results = [q.simulate_fifo_queue(lam, s, 1, 200_000, seed=42) for s in samplers]
    p99s = []
    for res in results:
        assert abs(res.mean_in_system / (res.arrival_rate * res.mean_time_in_system) - 1) < 0.001  # "within 0.1%"
        # Linear interpolation between order statistics, as numpy.percentile does in the figure script.
        p99s.append(statistics.quantiles(res.sojourn_times, n=100, method="inclusive")[98] * 1000)
    assert p99s[2] / p99s[0] > 5  # "more than five times"
    pinned(text, "within 0.1%")
    pinned(text, "more than five times")
    means = [r.mean_time_in_system * 1000 for r in results]
    Ls = [r.mean_in_system for r in results]
    pinned(text, f"about {Ls[0]:.1f}, {Ls[1]:.1f} and {Ls[2]:.1f}")
    pinned(text, f"about {means[0]:.0f}, {means[1]:.0f} and {means[2]:.0f} ms")
    pinned(text, f"about {p99s[0]:.0f}, {p99s[1]:.0f} and {p99s[2]:.0f} ms")
    pinned(text, f"from about {p99s[0]:.0f} ms to about")
    pinned(text, f"{p99s[2]:.0f} ms as service")


def test_mm1_table_and_knee_in_text(text):
    s = 0.010
    cells = []
    for rho in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99):
        w_ms = q.mm1_time_in_system(rho / s, 1 / s) * 1000
        cells.append(f"{w_ms:,.0f} ms")
    pinned(text, "| mean time in system $W$ | " + " | ".join(cells) + " |")
    pinned(text, f"adds {0.95 / 0.90 - 1:.1%} more traffic")
    pinned(text, f"which is {1 / (1 - 0.5) ** 2:.0f} service")
    pinned(text, f"and {1 / (1 - 0.9) ** 2:.0f} service times at 90%")
    pinned(text, f"at 150 QPS it is {150 / 200:.0%} utilized")


def test_pooling_numbers_in_text(text):
    one = q.mmc_waiting_time(0.5, 1, 1)
    pool = q.mmc_waiting_time(0.9 * 32, 1, 32)
    pinned(text, f"waits {one:.2f} mean service time")
    times = {6: "six", 7: "seven", 8: "eight"}[round(one / pool)]
    pinned(text, f"90% waits {pool:.2f}, about {times} times")
    pinned(text, f"32 servers at 90% wait {pool:.2f}")
    pinned(text, f"{pool:.2f} for 32 servers at 90 percent")


def test_kingman_numbers_in_text(text):
    s = 1.0
    poisson = q.kingman_waiting_time(0.8, 1, 1, s)
    bursty = q.kingman_waiting_time(0.8, 4, 1, s)
    pinned(text, f"$0.8 / 0.2 = {poisson:.0f}$ service times")
    pinned(text, f"(4 + 1)/2 = {(4 + 1) / 2:.1f}")
    pinned(text, f"the same 80% waits {bursty:.0f} service times")
    # Solve rho/(1-rho) * 2.5 = 4  ->  rho/(1-rho) = 1.6
    ratio = poisson / ((4 + 1) / 2)
    rho = ratio / (1 + ratio)
    pinned(text, f"$\\rho/(1-\\rho) = {ratio:.1f}$")
    assert q.kingman_waiting_time(rho, 4, 1, s) == pytest.approx(poisson)
    pinned(text, f"$\\rho$ = {pct(rho)}")
    pinned(text, f"need {pct(rho)} utilization")


def test_peak_numbers_in_text(text):
    per_day = 40_000_000 * 25
    avg = per_day / 86_400
    peak = avg * 2.2
    planned = peak * 1.3
    pinned(text, f"{per_day:,} requests a day")
    pinned(text, f"an average of {per_day:,} / 86,400 = {avg:,.0f} QPS")
    pinned(text, f"{avg:,.0f} QPS average becomes a {peak:,.0f} QPS peak")
    pinned(text, f"{peak:,.0f} × 1.3 =\n{planned:,.0f} QPS")
    pinned(text, f"× 2.2 = {peak:,.0f} QPS peak today; × 1.3 = {planned:,.0f} QPS")


def test_n_plus_k_and_zone_table_in_text(text):
    clusters = math.ceil(19_000 / 5_000)
    spare = 2
    pinned(text, f"19,000 / 5,000 = {19_000 / 5_000:.1f} rounds to\n{clusters} clusters, plus {spare}, which is "
                 f"{({5: 'five', 6: 'six', 7: 'seven'})[clusters + spare]}")
    rows = {2: "37.5%", 3: "50%", 4: "56.25%", 6: "62.5%"}
    for z, shown in rows.items():
        ceiling = 0.75 * (z - 1) / z
        assert f"{ceiling * 100:g}%" == shown
        pinned(text, f"| {z} | {z / (z - 1):.2f} | {shown} |")
    pinned(text, f"{0.75 * (3 - 1) / 3:.0%} for a 75% ceiling")
    assert q.survivor_utilization(0.5, 3, 1) == pytest.approx(0.75)
    # The figure's alt text: 69% at peak lands at 103.5%, which the figure labels 103%.
    pinned(text, f"69 percent moving to {math.floor(q.survivor_utilization(0.69, 3, 1) * 100)}")
    plan_before, plan_after = PLANNED / (N_PLAN * SATURATION), DESIGN_LOAD / SATURATION
    pinned(text, f"the chapter's plan moving from {plan_before * 100:.0f} to {plan_after * 100:.0f}")
    pinned(text, f"this chapter's {RHO_MAX * 100:.0f} percent ceiling")


def test_wait_tail_section_in_text(text):
    # w_p / W_q = ln(C / (1 - p)) / C, for p = 99% and C from 0.5 down to 0.1 (decreasing in C on that range).
    def ratio(c_wait: float) -> float:
        return math.log(c_wait / 0.01) / c_wait

    assert all(ratio(x / 100) > ratio((x + 1) / 100) for x in range(10, 50))
    pinned(text, f"between 0.5 and 0.1 is between {ratio(0.5):.1f} and {ratio(0.1):.0f}")
    # ... and the listing's quotient of quantile and mean is that ratio.
    lam, mu, c = 5.0, 1.0, 8
    wait = q.erlang_c(c, lam / mu)
    assert q.mmc_wait_quantile(lam, mu, c, 0.99) / q.mmc_waiting_time(lam, mu, c) == pytest.approx(ratio(wait))
    pinned(text, ":pyobject: mmc_wait_quantile")
    pinned(text, "the file's `mmc_response_quantile` finds it by bisection")
    # The closed-form quantile applies only above the atom at zero: the takeaway says so.
    assert q.mmc_wait_quantile(lam, mu, c, 1 - wait * 1.01) == 0.0 < q.mmc_wait_quantile(lam, mu, c, 1 - wait / 2)
    assert "in M/M/c, when more than $1 - p$ of requests wait, the wait's" in " ".join(text.split())


def test_zone_loss_worked_example_in_text(text):
    text = " ".join(text.split())
    per_instance = VCPUS / 0.005
    assert per_instance == SATURATION
    pinned(text, f"8 / 1,600 = {VCPUS / SATURATION * 1000:.0f} ms of vCPU time")
    pinned(text, f"30 × 1,600 = {30 * per_instance:,.0f} QPS is plenty")
    pinned(text, f"33,102 / (30 × 1,600) = {PLANNED / (30 * per_instance):.1%}")
    after = PLANNED / (20 * per_instance)
    pinned(text, f"{20 * per_instance:,.0f} QPS of capacity: {after:.1%}")
    excess = PLANNED - 20 * per_instance
    pinned(text, f"33,102 − 32,000 = {excess:,.0f} QPS, is about {excess / 20:.0f} QPS")
    pinned(text, f"after {2 * per_instance / (excess / 20):.0f} seconds a new request waits 2 s")
    # The latency budget: the two tails' shares add up to the promise's.
    pinned(text, f"exceeds 92 ms for at most {1 - P_SPLIT:.1%} of requests")
    pinned(text, f"92 ms + $w$ for at most {2 * (1 - P_SPLIT):.0%}")
    pinned(text, f"stays within {SLO_MS} − {UNLOADED_P995_MS} = {EDGE_BUDGET * 1000:.0f} ms")
    pinned(text, f"and {AVAILABILITY_SLO:.1%} of requests succeed over 30 days")
    # Sizing on the mean: the 75% rule of thumb.
    n75 = q.instances_needed(PLANNED, per_instance, 0.75, 3, 1)
    lam75 = PLANNED / (n75 // 3 * 2)
    rho75 = lam75 / per_instance
    mean75 = q.mmc_waiting_time(lam75, MU, VCPUS)
    pinned(text, f"gives {n75 // 3} instances per zone, {n75} in total, {rho75:.1%} busy")
    pinned(text, f"the mean wait is {mean75 * 1000:.2f} ms, ten times under the budget")
    assert round(EDGE_BUDGET / mean75) == 10
    # Sizing on the tail, with nothing to spare.
    wait75 = q.erlang_c(VCPUS, lam75 / MU)
    tail75 = q.mmc_wait_quantile(lam75, MU, VCPUS, P_SPLIT)
    assert tail75 > EDGE_BUDGET
    pinned(text, f"$a$ = {lam75 / MU:.2f} Erlangs, $C(8, a)$ = {wait75:.3f} and $c\\mu - \\lambda$ = {VCPUS * MU - lam75:.0f} per second")
    pinned(text, f"ln({wait75:.3f} / 0.005) / {VCPUS * MU - lam75:.0f} = {tail75 * 1000:.1f} ms")
    assert math.log(round(wait75, 3) / 0.005) / round(VCPUS * MU - lam75) * 1000 == pytest.approx(tail75 * 1000, abs=0.05)
    pinned(text, f"within 8 ms is {RHO_EDGE:.1%}")
    edge_load = PLANNED / (N_EDGE // 3 * 2)
    tail_edge = q.mmc_wait_quantile(edge_load, MU, VCPUS, P_SPLIT)
    assert tail_edge <= EDGE_BUDGET
    pinned(text, f"gives {N_EDGE // 3} instances per zone, {N_EDGE} in total, whose {N_EDGE // 3 * 2} survivors run at "
        f"{edge_load / SATURATION:.1%} with a p99.5 wait of {tail_edge * 1000:.2f} ms")
    # The margin: 45 breaks at 1% more CPU per request; keep 2 ms and size the wait to 6 ms.
    pinned(text, f"That plan has {(EDGE_BUDGET - tail_edge) * 1000:.2f} ms to spare")
    slower = q.mmc_wait_quantile(edge_load, MU / 1.01, VCPUS, P_SPLIT)
    assert slower > EDGE_BUDGET
    pinned(text, f"Measure 1% more CPU per request and the wait becomes {slower * 1000:.2f} ms")
    pinned(text, f"here, {MARGIN_MS} ms of the 100, so the unloaded p99.5 and the modelled wait must fit in {SLO_MS - MARGIN_MS} ms and the wait gets {BUDGET * 1000:.0f} ms")
    pinned(text, f"M/M/8 meets {BUDGET * 1000:.0f} ms up to {RHO_MAX:.1%}, which gives {N_PLAN // 3} instances per zone, {N_PLAN} in total, "
        f"{N_PLAN - n75} more than the mean-based sizing (${monthly(N_PLAN - n75):,.0f} a month)")
    tail_plan = q.mmc_wait_quantile(DESIGN_LOAD, MU, VCPUS, P_SPLIT)
    assert tail_plan <= BUDGET
    total = UNLOADED_P995_MS + tail_plan * 1000
    pinned(text, f"The {SURVIVORS} survivors run at {DESIGN_LOAD / SATURATION:.1%} with a p99.5 wait of {tail_plan * 1000:.1f} ms: "
        f"{total:.1f} ms in all, {SLO_MS - total:.1f} ms inside the promise")
    # One fewer per zone breaks the plan's budget: the count is the smallest that keeps the margin.
    assert q.mmc_wait_quantile(PLANNED / (SURVIVORS - 2), MU, VCPUS, P_SPLIT) > BUDGET
    # What the margin absorbs, each input alone, before the modelled p99 reaches 100 ms.
    traffic = bisect(lambda g: q.mmc_wait_quantile(DESIGN_LOAD * g, MU, VCPUS, P_SPLIT) <= EDGE_BUDGET, 1.0, 1.5)
    cpu = bisect(lambda f: q.mmc_wait_quantile(DESIGN_LOAD, MU / f, VCPUS, P_SPLIT) <= EDGE_BUDGET, 1.0, 1.5)
    assert traffic == pytest.approx(RHO_EDGE / (DESIGN_LOAD / SATURATION), rel=1e-9)  # more traffic = higher rho
    pinned(text, f"absorbs {traffic - 1:.1%} more traffic than forecast, or {cpu - 1:.1%} more CPU per request, "
        f"or an unloaded p99.5 of up to {SLO_MS - tail_plan * 1000:.1f} ms")
    pinned(text, f"{SURVIVORS} surviving instances × 1,600 QPS = {SURVIVORS * per_instance:,.0f} QPS of capacity for 33,102 QPS of load: {DESIGN_LOAD / SATURATION:.1%}")
    pinned(text, f"The {N_EDGE}-instance plan's {N_EDGE // 3 * 2} survivors would have been exactly the fleet")
    assert N_EDGE // 3 * 2 == 30
    pinned(text, f"Buy {N_PLAN} instances, not 30, {n75} or {N_EDGE}")
    pinned(text, f"rejects at least {excess / PLANNED:.1%} of requests quickly ({excess:,.0f} of 33,102)")


def test_bound_slack_and_model_assumptions_in_text(text):
    flat = " ".join(text.split())
    exact = q.mmc_response_quantile(DESIGN_LOAD, MU, VCPUS, 0.99)
    service = -math.log(1 - P_SPLIT) / MU
    wait = q.mmc_wait_quantile(DESIGN_LOAD, MU, VCPUS, P_SPLIT)
    assert exact < service + wait  # the bound holds, with slack
    pinned(flat, f"at {DESIGN_LOAD / SATURATION:.1%}), `mmc_response_quantile` gives an exact p99 of {exact * 1000:.1f} ms")
    pinned(flat, f"while the bound gives {service * 1000:.1f} ms + {wait * 1000:.1f} ms = {(service + wait) * 1000:.1f} ms")
    pinned(flat, "The union bound holds whatever the relation")
    assert "assumes that the slowest" not in flat
    # Eight separate M/M/1 queues (a connection pinned to one event loop per core) against one pooled M/M/8.
    per_core = q.mmc_wait_quantile(DESIGN_LOAD / VCPUS, MU, 1, P_SPLIT)
    times = {10: "ten", 11: "eleven", 12: "twelve"}[round(per_core / wait)]
    pinned(flat, f"at {DESIGN_LOAD / SATURATION:.1%} their p99.5 wait is {per_core * 1000:.0f} ms, {times} times the pooled figure")
    for key in ("aws2026ec2cpuoptions", "google2026gcethreads", "google2026gcecpuplatforms"):
        pinned(flat, f"{{cite:p}}`{key}`")
    pinned(flat, "(all as of December 2026)")
    cores, threads = 2, 2  # an m5.xlarge
    pinned(flat, f"an m5.xlarge has {cores} cores × {threads} threads = {cores * threads} vCPUs")
    # The gate: the design point, then the load where the modelled wait reaches the whole 8 ms.
    pinned(flat, f"33,102 / {SURVIVORS} = {DESIGN_LOAD:,.0f} QPS")
    pinned(flat, f"1,600 × {RHO_EDGE:.3f} = {SATURATION * round(RHO_EDGE, 3):,.0f} QPS, where the modelled wait reaches 8 ms")


def test_cpu_time_variability_in_text(text):
    # The M/M/8 model assumes exponential CPU times (c_s^2 = 1). Simulate the design point with lognormal CPU
    # times of the same 5 ms mean and c_s^2 = 2 and 4; the plan's 2.6 ms of slack covers the first, not the second.
    # Across seeds 1-5 the p99.5 wait was 6.6-7.2 ms for c_s^2 = 2 and 9.4-11.1 ms for c_s^2 = 4.
    flat = " ".join(text.split())
    waits = {}
    for cs2 in (2.0, 4.0):
        sigma2 = math.log(1 + cs2)
        mean_log, sd_log = math.log(1 / MU) - sigma2 / 2, math.sqrt(sigma2)
        res = q.simulate_fifo_queue(
            DESIGN_LOAD, lambda r, m=mean_log, s=sd_log: r.lognormvariate(m, s), VCPUS, 1_000_000, seed=1
        )
        waits[cs2] = statistics.quantiles(res.waiting_times, n=1000, method="inclusive")[994] * 1000
    assert waits[2.0] > q.mmc_wait_quantile(DESIGN_LOAD, MU, VCPUS, P_SPLIT) * 1000  # more variable, longer tail
    assert UNLOADED_P995_MS + waits[2.0] < SLO_MS < UNLOADED_P995_MS + waits[4.0]
    pinned(flat, f"p99.5 wait of about {waits[2.0]:.0f} ms for $c_s^2 = 2$, inside the margin, and about {waits[4.0]:.0f} ms for $c_s^2 = 4$, which breaks the promise")


def test_concurrency_limit_numbers_in_text(text):
    flat = " ".join(text.split())
    unloaded = 0.040
    # A limit taken from the latency measured under load counts the queue as work.
    loaded_latency = 0.075
    inside = SATURATION * loaded_latency
    served = SATURATION * unloaded
    pinned(flat, f"1,600 × 0.075 = {inside:.0f} requests inside, of which only 1,600 × 0.040 = {served:.0f} are being worked on and {inside - served:.0f} are waiting")
    # Netflix Vegas's queue estimate finds the same queue from minRTT.
    pinned(flat, f"120 × (1 − 40/75) = {inside * (1 - unloaded / loaded_latency):.0f} queued")
    assert inside * (1 - unloaded / loaded_latency) == pytest.approx(inside - served)
    pinned(flat, "before a queue starts to build up")


def test_pool_worked_example_in_text(text):
    flat = " ".join(text.split())
    pinned(flat, f"48 / 0.040 = {48 / 0.040:,.0f} QPS")
    pinned(flat, f"CPU stuck at {1200 / 1600:.0%}")
    lam = DESIGN_LOAD
    cpu_wait = q.mmc_waiting_time(lam, MU, VCPUS)
    hold = 0.040 + cpu_wait
    offered = lam * hold
    pinned(flat, f"Design load per instance, at peak with a zone down: {lam:,.0f} QPS, {lam / SATURATION:.1%}")
    pinned(flat, f"averages {cpu_wait * 1000:.2f} ms (M/M/8)")
    pinned(flat, f"{lam:,.0f} × {hold:.5f} = {offered:.1f} workers are busy on average, an offered load of {offered:.1f} Erlangs")
    per_million = {c: q.erlang_b(c, offered) * 1e6 for c in (56, 64, 72, 80, 120)}
    rows = {
        56: f"| 56 | {per_million[56]:,.0f} | never saturates: 56 / 0.040 = {56 / 0.040:,.0f} QPS cap |",
        64: f"| 64 | {per_million[64]:.0f} | at least {64 / SATURATION * 1000:.0f} ms |",
        72: f"| 72 | {per_million[72]:.1f} | at least {72 / SATURATION * 1000:.0f} ms |",
        80: f"| 80 | {per_million[80]:.3f} | at least {80 / SATURATION * 1000:.0f} ms |",
        120: f"| 120 | ≈ 0 | at least {120 / SATURATION * 1000:.0f} ms |",
    }
    for row in rows.values():
        pinned(flat, row)
    pinned(flat, f"| limit $c$ | rejected per million requests at {lam:,.0f} QPS |")
    assert 56 / 0.040 < SATURATION <= 64 / 0.040  # 56 workers cannot saturate the CPUs; 64 can
    assert per_million[120] < 1e-9
    # Against the availability SLO: 56 rejects at more than twice its rate; 64 and up, a small share of it.
    allowed = (1 - AVAILABILITY_SLO) * 1e6
    pinned(flat, f"allows {allowed:,.0f} failed requests per million")
    assert per_million[56] > 2 * allowed and per_million[64] < 0.1 * allowed
    pinned(flat, f"72 / 0.040 = {72 / 0.040:,.0f} QPS")
    n_star = SATURATION * 0.040
    pinned(flat, f"A limit of {n_star:.0f} would tie the pool to the CPU ceiling exactly")
    pinned(flat, f"{72 - n_star:.0f} more than the {n_star:.0f} the CPUs can keep moving, which adds about "
                 f"{72 - n_star:.0f} / {SATURATION:,.0f} = {(72 - n_star) / SATURATION * 1000:.0f} ms")
    pinned(flat, f"where a limit of 120 adds {(120 - n_star) / SATURATION * 1000:.0f} ms")
    pinned(flat, f"{per_million[72]:.1f} in a million requests rejected at the design load")


def test_capacity_plan_worked_example_in_text(text):
    flat = " ".join(text.split())
    usable = SATURATION * round(RHO_MAX, 3)
    pinned(flat, f"with {MARGIN_MS} ms kept as margin, {BUDGET * 1000:.0f} ms, which the M/M/8 model meets up to {RHO_MAX:.1%} utilization (the zone-loss example)")
    pinned(flat, f"1,600 × {RHO_MAX:.3f} = {usable:,.0f} QPS per instance")
    needed = math.ceil(PLANNED / usable)
    assert needed == math.ceil(PLANNED / (SATURATION * RHO_MAX))  # rounding the ceiling changes nothing
    assert SURVIVORS == math.ceil(needed / 2) * 2  # rounded up so two zones split it evenly
    pinned(flat, f"33,102 / {usable:,.0f} = {PLANNED / usable:.1f} instances' worth of load: {needed}, rounded up to {SURVIVORS} "
        f"so that two zones split it evenly, {N_PLAN // 3} per zone, and three zones hold {N_PLAN}")
    pinned(flat, f"Check: {PLANNED / (N_PLAN * SATURATION):.1%} busy at peak with all zones up, {DESIGN_LOAD / SATURATION:.1%}")
    pinned(flat, f"{N_PLAN} × $0.34 × 730 = ${monthly(N_PLAN):,.0f} per month in instance cost")
    proposal = N_EDGE // 3 * 2  # the worked example's 30 instances: neither zone headroom nor margin
    pinned(flat, f"The cost-cutting proposal ({proposal} instances, with neither zone headroom nor margin) costs ${monthly(proposal):,.0f} per month")
    pinned(flat, f"zone loss at peak, with its margin, costs ${monthly(N_PLAN) - monthly(proposal):,.0f} per month")
    two, four = q.instances_needed(PLANNED, SATURATION, RHO_MAX, 2, 1), q.instances_needed(PLANNED, SATURATION, RHO_MAX, 4, 1)
    pinned(flat, f"need {two} instances (${monthly(two):,.0f}); with four zones, {four} instances (${monthly(four):,.0f})")
    per_million = monthly(N_PLAN) / (1_000_000_000 * HOURS / 24 / 1e6)
    pinned(flat, f"the {N_PLAN}-instance fleet costs about ${per_million:.2f} per million requests")
    per_inst = PLANNED / N_PLAN
    pinned(flat, f"33,102 / {N_PLAN} = {per_inst:,.0f} QPS, so {per_inst:,.0f} × 0.040 ≈ {per_inst * 0.040:.0f} requests")
    pinned(flat, f"with CPU at {PLANNED / (N_PLAN * SATURATION):.0%}")
    pinned(flat, f"Approve {N_PLAN} instances ({N_PLAN // 3} per zone)")
    # The re-check trigger is in the budget's units, and the plan passes it today.
    assert UNLOADED_P995_MS + q.mmc_wait_quantile(DESIGN_LOAD, MU, VCPUS, P_SPLIT) * 1000 <= SLO_MS - MARGIN_MS
    pinned(flat, f"modelled p99.5 wait at the forecast design load passes {SLO_MS - MARGIN_MS} ms, or when the gate fails")
    pinned(flat, f"broke the {N_EDGE}-instance plan")
    assert "changes by more than 10%" not in flat
    pinned(flat, f"every dependency needs the same treatment: {N_PLAN} instances")


def test_tradeoff_table_in_text(text):
    four = q.instances_needed(PLANNED, SATURATION, RHO_MAX, 4, 1)
    pinned(text, f"| Static zone headroom (3 zones, {N_PLAN} instances) | Minimum fleet + reactive autoscaling (30) | "
        f"Minimum fleet + load shedding (30) | Four zones, static headroom ({four}) |")
    pinned(text, f"| Monthly instance cost (assumed $0.34/h) | ${monthly(N_PLAN):,.0f} | ${monthly(30):,.0f} plus what it scales | ${monthly(30):,.0f} | ${monthly(four):,.0f} |")
    row = (
        f"| Peak utilization, all zones up | {PLANNED / (N_PLAN * 1600):.1%} | {PLANNED / (30 * 1600):.1%} | "
        f"{PLANNED / (30 * 1600):.1%} | {PLANNED / (four * 1600):.1%} |"
    )
    pinned(text, row)
    pinned(text, f"| After losing a zone at peak | {DESIGN_LOAD / SATURATION:.1%}, p99 promise kept | {PLANNED / (20 * 1600):.1%} until")
    minimum = (PLANNED - 20 * SATURATION) / PLANNED
    shed_to_edge = 1 - 20 * SATURATION * RHO_EDGE / PLANNED  # down to the load where the modelled p99 just holds
    four_after = PLANNED / (four // 4 * 3 * SATURATION)
    pinned(text, f"at least {minimum:.1%} of requests rejected fast; at least {shed_to_edge:.0%} to keep the p99 promise | "
        f"{four_after:.1%}, p99 promise kept |")
    # Four zones: the survivors are inside the plan's budget too.
    assert q.mmc_wait_quantile(PLANNED / (four // 4 * 3), MU, VCPUS, P_SPLIT) <= BUDGET
    pinned(text, "(step 4 of the plan)")
    pinned(text, f"$Z/(Z-1)$ = {4 / 3:.2f}")
    # Shedding is paid from the availability SLO: at peak (2.2 x average) the 30-day budget goes fast.
    flat = " ".join(text.split())
    budget_minutes = (1 - AVAILABILITY_SLO) * 30 * 24 * 60
    pinned(flat, f"{budget_minutes:.1f} minutes at average traffic) in {budget_minutes:.1f} / (2.2 × {shed_to_edge:.3f}) = {budget_minutes / (2.2 * shed_to_edge):.0f} minutes")
    pinned(flat, f"even the {minimum:.1%} minimum spends it in {budget_minutes / (2.2 * minimum) / 60:.1f} hours")


def test_staff_lens_and_alarm_numbers_in_text(text):
    flat = " ".join(text.split())
    pinned(flat, f"give {q.instances_needed(10 * PLANNED, 1600, RHO_MAX, 3, 1)} instances for {10 * PLANNED:,.0f} QPS")
    assert q.instances_needed(10 * PLANNED, 1600, round(RHO_MAX, 3), 3, 1) == q.instances_needed(10 * PLANNED, 1600, RHO_MAX, 3, 1)
    premium = f"${monthly(N_PLAN) - monthly(30):,.0f}"  # over the 30-instance proposal
    pinned(flat, f"{premium} a month buys the promise through a zone loss")
    assert flat.count(premium) == 2  # derived in the plan's step 4, recorded once in the Staff lens
    pinned(flat, f"{N_PLAN // 3} instances per zone ({N_PLAN}); design ceiling {RHO_MAX:.1%} after losing a zone")
    pinned(flat, f"meets a {BUDGET * 1000:.0f} ms budget and {MARGIN_MS} ms of the promise stay as margin")
    alarm = RHO_MAX * 2 / 3  # three zones, one lost: normal peak at most two-thirds of the ceiling
    pinned(flat, f"alarms at {alarm:.0%} normal peak utilization")
    pinned(flat, f"{alarm:.0%} for this chapter's {RHO_MAX:.1%}, not {RHO_MAX:.0%}")
    assert PLANNED / (N_PLAN * 1600) < alarm  # the plan does not trip its own alarm
    pinned(flat, f"dashboards show {PLANNED / (N_PLAN * 1600):.0%} busy")
    pinned(flat, f"passes {SLO_MS - MARGIN_MS} ms or the gate fails")


def test_incident_arithmetic_in_text(text):
    first_alarm = datetime(2020, 11, 25, 5, 15)
    recovered = datetime(2020, 11, 25, 22, 23)
    hours, rem = divmod((recovered - first_alarm).seconds, 3600)
    pinned(text, f"{hours} hours and {rem // 60} minutes after the first alarm")


def test_exercise_solutions_in_text(text):
    # 1. Database connections
    lam = 6000 / 12 * 2
    a = lam * 0.003
    pinned(text, f"$L$ = 1,000 × 0.003 = {a:.0f} busy")
    for c in (6, 7, 8):
        pinned(text, f"$c$ = {c} gives {'P(wait) = ' if c == 6 else ''}{q.erlang_c(c, a):.1%}")
    pinned(text, f"about {q.mmc_waiting_time(lam, 1 / 0.003, 8) * 1000:.3f} ms")
    pinned(text, f"12 × 8 = {12 * 8} connections today, 36 × 8 = {36 * 8}")
    # 2. Find the flaw
    pinned(text, f"20,000 / 12,000 = {20000 / 12000:.0%}")
    pinned(text, f"10,000 / 8,000 = {10000 / 8000:.0%}")
    pinned(text, f"20,000 / 750 = {20000 / 750:.1f}")
    assert q.instances_needed(20000, 1000, 0.75, 3, 1) == 42
    pinned(text, f"20,000 / 42,000 = {20000 / 42000:.1%}")
    pinned(text, f"20,000 / 28,000 = {20000 / 28000:.1%}")
    # 3. Thread per peer
    base, limit = 1500, 10_000
    pinned(text, f"1,500 + 7,999 = {base + 7999:,}, {limit - (base + 7999)} below")
    pinned(text, f"10,000 − 1,500 + 1 = {limit - base + 1:,}")
    pinned(text, f"1,500 + 8,599 = {base + 8599:,} threads")
    pinned(text, f"1,500 + 1,999 = {base + 1999:,} threads")
    pinned(text, f"(already at {(base + 7999) / limit:.0%} before the change)")
    # 4. Four zones
    after = q.survivor_utilization(0.70, 4, 1)
    pinned(text, f"$0.70 \\times 4/3$ = {after:.1%}")
    before_d = q.mmc_waiting_time(0.70 * 1600, 200, 8) * 1000
    after_d = q.mmc_waiting_time(after * 1600, 200, 8) * 1000
    pinned(text, f"{before_d:.2f} ms at 70% and {after_d:.1f} ms at\n{after:.1%}")
    assert round(after_d / before_d) == 13
    before_t = q.mmc_wait_quantile(0.70 * 1600, 200, 8, 0.99) * 1000
    after_t = q.mmc_wait_quantile(after * 1600, 200, 8, 0.99) * 1000
    flat = " ".join(text.split())
    pinned(flat, f"the p99 of the wait goes from {before_t:.1f} ms to {after_t:.1f} ms")
    pinned(flat, f"grows by {after_t - before_t:.0f} ms where the mean grows by {after_d - before_d:.0f}")
    assert after_d / before_d > after_t / before_t  # "the mean grows by the larger factor"
    offered = after * 1.1
    pinned(text, f"{after:.1%} × 1.1 = {offered:.1%} offered")
    pinned(text, f"1 − 1/1.027 = {1 - 1 / round(offered, 3):.1%}")
    pinned(text, f"$\\rho_n \\le 0.75 \\times 3/4$ = {0.75 * 3 / 4 * 100:g}%")
    pinned(text, f"{(0.70 - 0.5625) * 100:g} points too hot")
    pinned(flat, f"each instance has {VCPUS} vCPUs")
    # 5. Pooling and burstiness
    w8, w32 = q.mmc_waiting_time(0.8 * 8, 1, 8), q.mmc_waiting_time(0.8 * 32, 1, 32)
    pinned(text, f"$W_q/S$ = {w8:.3f} for $c$ = 8 and {w32:.4f} for $c$ = 32")
    pinned(text, f"by a factor of about {w8 / w32:.1f}")
    target = 0.7 / 0.3
    ratio = target / 2
    pinned(text, f"0.7/0.3 = {target:.3f}")
    pinned(text, f"$\\rho/(1-\\rho) = {ratio:.4f}$")
    pinned(text, f"$\\rho$ = {ratio:.4f} / {1 + ratio:.4f} = {ratio / (1 + ratio):.1%}")
    # 6. Launch day, solved from the question's inputs (200,000 QPS; 63.0% ceiling; three zones; 51 today).
    launch, today = 200_000, N_PLAN
    times = launch / (40_000_000 * 25 / 86_400 * 2.2)
    assert times < round(times)  # "nearly"
    pinned(flat, f"{launch:,} QPS at peak for two hours, nearly {({7: 'seven', 8: 'eight', 9: 'nine'})[round(times)]} times "
                 "today's peak")
    pinned(flat, f"is {RHO_MAX:.1%} utilization for every instance")
    pinned(flat, f"{today} instances today")
    usable = 1600 * round(RHO_MAX, 3)  # the question's rounded ceiling
    n = q.instances_needed(launch, 1600, round(RHO_MAX, 3), 3, 1)
    assert n == q.instances_needed(launch, 1600, RHO_MAX, 3, 1)  # the rounding in the question changes nothing
    extra = n - today
    pinned(flat, f"Usable rate per instance: 1,600 × {RHO_MAX:.3f} = {usable:,.0f} QPS")
    pinned(flat, f"200,000 / {usable:,.0f} = {launch / usable:.1f} instances' worth: {math.ceil(launch / usable)} across two zones")
    pinned(flat, f"so {n // 3} per zone and {n} in total, {extra} more than today")
    pinned(flat, f"do not launch the {extra} an hour before")
    pinned(flat, f"48 hours cost {extra} × 48 × $0.34 = ${extra * 48 * PRICE:,.2f}")
    pinned(flat, f"four-hour load test of all {n} at the target rate, including a zone loss: {extra} × 4 × $0.34 = ${extra * 4 * PRICE:,.2f} more")
    pinned(flat, f"About ${round(extra * 52 * PRICE, -2):,.0f} of compute")
    pinned(flat, f"sees {n} connection pools")
    pinned(flat, f"limit and quota at {n} instances")
    pinned(flat, f"today's {today} instances at saturation ({today * 1600:,} QPS) would have to shed at least {1 - today * 1600 / launch:.0%}")


def test_figure_labels_match_the_formulas(text):
    planned = 40_000_000 * 25 / 86_400 * 2.2 * 1.3
    zones = open_figure_script("m0_capacity_zones.py")
    assert f"peak {planned:,.0f} QPS" in zones and f'label="{planned:,.0f} QPS"' in zones
    per_zone = N_PLAN // 3
    assert f'label="{planned / 3:,.0f} QPS"' in zones and f"saturates at {per_zone * 1600:,} QPS" in zones
    assert f"{per_zone} instances\\n{PLANNED / (N_PLAN * 1600):.0%} busy at peak\\n{DESIGN_LOAD / 1600:.0%} if a zone fails" in zones
    flat = " ".join(text.split())
    pinned(flat, f"Each zone holds {per_zone} instances that saturate at {per_zone * 1600:,} QPS, is "
        f"{PLANNED / (N_PLAN * 1600) * 100:.0f} percent busy at peak and would be {DESIGN_LOAD / 1600 * 100:.0f} percent")
    headroom = open_figure_script("m0_capacity_zone_headroom.py")
    assert f"3 zones: 50% → {q.survivor_utilization(0.5, 3, 1):.0%}" in headroom and "rule of thumb (75%)" in headroom
    assert f"3 zones: 69% → {math.floor(q.survivor_utilization(0.69, 3, 1) * 100)}%" in headroom
    before, after = PLANNED / (N_PLAN * SATURATION), DESIGN_LOAD / SATURATION
    assert f"ax.plot([{before * 100:.1f}], [{after * 100:.1f}]" in headroom
    assert f"the plan, 3 zones: {before:.0%} → {after:.0%}" in headroom
    assert f"ax.axhline({RHO_MAX * 100:.0f}," in headroom and f"this chapter's ceiling ({RHO_MAX:.0%})" in headroom
    # The failure-path sequence diagram (30 instances, one zone lost).
    excess_per_instance = (planned - 20 * 1600) / 20
    pinned(text, f"Note over AB,Z: 30 instances, {planned / (30 * 1600) * 100:.0f} percent busy at peak")
    pinned(text, f"LB->>AB: all {planned:,.0f} QPS to 20 instances")
    pinned(text, f"{planned / (20 * 1600) * 100:.0f} percent busy, each queue grows {excess_per_instance:.0f} per second")
    pinned(text, f"after about {2 * 1600 / excess_per_instance:.0f} s a new request waits 2 s")


def test_deck_section_repeats_none_of_the_corrected_errors():
    deck = (Path(__file__).resolve().parent.parent / "slides" / "m0-fundamentals.md").read_text(encoding="utf-8")
    section = deck[deck.index("## 4. Capacity Planning") : deck.index("## 5. ")]
    flat = " ".join(section.split())
    for wrong in (
        "buy 42",  # mean-based sizing
        "42 instances, \\$10,424",
        "\\$2,978",
        "queue ≤ 40",  # a limit of 120 counted the queue as work
        "reject beyond 120",
        "1,200 QPS × 40 ms = 48",
        "414 instances",
        "at 50% normal peak, not 75%",
        "Buy 45.",  # sized with 0.09 ms to spare
        "\\$3,723",
        "450 instances",
        "46% normal peak",
        "Shed load above 100%",  # the chapter sheds at the concurrency limit
        "land at 75% after a loss",  # 75% is a rule of thumb, not the chapter's ceiling
    ):
        assert wrong not in flat, wrong
    # The zone-loss slide sizes on the tail, with a margin; the pool slide takes its limit from the unloaded latency.
    lam75 = PLANNED / 28
    edge_load = PLANNED / (N_EDGE // 3 * 2)
    tail_edge = q.mmc_wait_quantile(edge_load, MU, VCPUS, P_SPLIT)
    pinned(flat, f"42 (75% rule): p99.5 wait **{q.mmc_wait_quantile(lam75, MU, VCPUS, P_SPLIT) * 1000:.1f} ms**")
    pinned(flat, f"{N_EDGE}: {tail_edge * 1000:.2f} ms ({(EDGE_BUDGET - tail_edge) * 1000:.2f} spare)")
    pinned(flat, f"{MARGIN_MS} ms margin → **{N_PLAN}** ({q.mmc_wait_quantile(DESIGN_LOAD, MU, VCPUS, P_SPLIT) * 1000:.1f} ms), gated")
    pinned(flat, f"allows {RHO_MAX:.1%}, {N_PLAN // 3} per zone, {N_PLAN}")
    pinned(flat, f"load one instance at {DESIGN_LOAD:,.0f} QPS, then at {SATURATION * round(RHO_EDGE, 3):,.0f}")
    pinned(flat, f"1,600 × 40 ms = {SATURATION * 0.040:.0f} served")
    offered = DESIGN_LOAD * (0.040 + q.mmc_waiting_time(DESIGN_LOAD, MU, VCPUS))
    pinned(flat, f"| 64 | {q.erlang_b(64, offered) * 1e6:.0f} | ≥ 40 ms |")
    pinned(flat, f"| 72 | {q.erlang_b(72, offered) * 1e6:.1f} | ≥ {72 / SATURATION * 1000:.0f} ms |")
    pinned(flat, f"{DESIGN_LOAD:,.0f} QPS per instance")
    pinned(flat, f"so {offered:.1f} are busy")
    pinned(flat, f"→ {N_PLAN} instances, \\${monthly(N_PLAN):,.0f}/month in instances")
    pinned(flat, f"The 30-instance proposal costs \\${monthly(30):,.0f}, so the promise through a zone loss, with its margin, costs \\${monthly(N_PLAN) - monthly(30):,.0f} a month")
    pinned(flat, f"{RHO_MAX * 2 / 3:.0%} normal peak for a {RHO_MAX:.1%} ceiling")
    pinned(flat, f"our plan gives {q.instances_needed(10 * PLANNED, SATURATION, RHO_MAX, 3, 1)} instances")


