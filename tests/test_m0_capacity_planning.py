"""Tests for book/m0-fundamentals/code/queueing.py and for every formula number in capacity-planning.md."""
from __future__ import annotations

import math
import statistics
from datetime import datetime
from pathlib import Path

import pytest
from listings import chapter_text, load_listing

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
    assert 0 < q.erlang_c(2000, 1900.0) < 1
    with pytest.raises(ValueError):
        q.erlang_c(8, 8.0)
    with pytest.raises(ValueError):
        q.erlang_b(0, 1.0)


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
    assert res.mean_in_system == pytest.approx(res.arrival_rate * res.mean_time_in_system, rel=0.01)
    assert res.mean_in_system == pytest.approx(4.0, rel=0.10)  # M/M/1: rho / (1 - rho) at rho = 0.8
    assert res.mean_time_in_system == pytest.approx(q.mm1_time_in_system(80, 100), rel=0.10)


def test_simulation_agrees_with_mmc():
    lam, mu, c = 360.0, 100.0, 4
    res = q.simulate_fifo_queue(lam, lambda r: r.expovariate(mu), c, 200_000, seed=11)
    assert res.mean_in_system == pytest.approx(res.arrival_rate * res.mean_time_in_system, rel=0.01)
    assert res.mean_time_in_system == pytest.approx(q.mmc_time_in_system(lam, mu, c), rel=0.10)


def test_simulation_is_reproducible():
    a = q.simulate_fifo_queue(50.0, lambda r: r.expovariate(100.0), 1, 5_000, seed=3)
    b = q.simulate_fifo_queue(50.0, lambda r: r.expovariate(100.0), 1, 5_000, seed=3)
    assert a == b


# --- Every formula number in the prose ------------------------------------------------------


def test_littles_law_examples_in_text(text):
    assert f"2,000 × 0.050 = {q.littles_law(lam=2000, W=0.050):,.0f} requests in flight" in text
    assert f"200 / 0.050 = {q.littles_law(L=200, W=0.050):,.0f} QPS" in text
    assert f"500 / 2,000 = {q.littles_law(L=500, lam=2000):.2f} s" in text
    # SRE book (Addressing Cascading Failures, Queue Management): queue 10x the threads, 100 ms per request
    # -> "a request will take 1.1 seconds to handle" when the queue is full.
    assert f"becomes a {10 * 0.1 + 0.1:.1f} s request" in text


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
    assert "within 0.1%" in text and "more than five times" in text
    means = [r.mean_time_in_system * 1000 for r in results]
    Ls = [r.mean_in_system for r in results]
    assert f"about {Ls[0]:.1f}, {Ls[1]:.1f} and {Ls[2]:.1f}" in text
    assert f"about {means[0]:.0f}, {means[1]:.0f} and {means[2]:.0f} ms" in text
    assert f"about {p99s[0]:.0f}, {p99s[1]:.0f} and {p99s[2]:.0f} ms" in text
    assert f"from about {p99s[0]:.0f} ms to about" in text and f"{p99s[2]:.0f} ms as service" in text


def test_mm1_table_and_knee_in_text(text):
    s = 0.010
    cells = []
    for rho in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99):
        w_ms = q.mm1_time_in_system(rho / s, 1 / s) * 1000
        cells.append(f"{w_ms:,.0f} ms")
    assert "| mean time in system $W$ | " + " | ".join(cells) + " |" in text
    assert f"adds {0.95 / 0.90 - 1:.1%} more traffic" in text
    assert f"which is {1 / (1 - 0.5) ** 2:.0f} service" in text and f"and {1 / (1 - 0.9) ** 2:.0f} service times at 90%" in text
    assert f"at 150 QPS it is {150 / 200:.0%} utilized" in text


def test_pooling_numbers_in_text(text):
    one = q.mmc_waiting_time(0.5, 1, 1)
    pool = q.mmc_waiting_time(0.9 * 32, 1, 32)
    assert f"waits {one:.2f} mean service time" in text
    assert f"90% waits {pool:.2f}, about seven times" in text and round(one / pool) == 7
    assert f"32 servers at 90% wait {pool:.2f}" in text
    assert "0.14 for 32 servers at 90 percent" in text and f"{pool:.2f}" == "0.14"


def test_kingman_numbers_in_text(text):
    s = 1.0
    poisson = q.kingman_waiting_time(0.8, 1, 1, s)
    bursty = q.kingman_waiting_time(0.8, 4, 1, s)
    assert f"$0.8 / 0.2 = {poisson:.0f}$ service times" in text
    assert f"(4 + 1)/2 = {(4 + 1) / 2:.1f}" in text
    assert f"the same 80% waits {bursty:.0f} service times" in text
    # Solve rho/(1-rho) * 2.5 = 4  ->  rho/(1-rho) = 1.6
    ratio = poisson / ((4 + 1) / 2)
    rho = ratio / (1 + ratio)
    assert f"$\\rho/(1-\\rho) = {ratio:.1f}$" in text
    assert q.kingman_waiting_time(rho, 4, 1, s) == pytest.approx(poisson)
    assert f"$\\rho$ = {pct(rho)}" in text and f"need {pct(rho)} utilization" in text


def test_peak_numbers_in_text(text):
    per_day = 40_000_000 * 25
    avg = per_day / 86_400
    peak = avg * 2.2
    planned = peak * 1.3
    assert f"{per_day:,} requests a day" in text
    assert f"{per_day:,} / 86,400 = {avg:,.0f} QPS" in text
    assert f"{avg:,.0f} QPS average becomes a {peak:,.0f} QPS peak" in text
    assert f"{peak:,.0f} × 1.3 =\n{planned:,.0f} QPS" in text
    assert f"× 2.2 = {peak:,.0f} QPS peak today; × 1.3 = {planned:,.0f} QPS" in text


def test_n_plus_k_and_zone_table_in_text(text):
    clusters = math.ceil(19_000 / 5_000)
    assert f"19,000 / 5,000 = {19_000 / 5_000:.1f} rounds to\n{clusters} clusters, plus 2, which is six" in text
    assert clusters + 2 == 6
    rows = {2: "37.5%", 3: "50%", 4: "56.25%", 6: "62.5%"}
    for z, shown in rows.items():
        ceiling = 0.75 * (z - 1) / z
        assert f"{ceiling * 100:g}%" == shown
        assert f"| {z} | {z / (z - 1):.2f} | {shown} |" in text
    assert "50% for a 75% ceiling" in text and 0.75 * 2 / 3 == pytest.approx(0.5)
    assert q.survivor_utilization(0.5, 3, 1) == pytest.approx(0.75)
    assert f"at {q.survivor_utilization(0.69, 3, 1):.0%}" not in text  # the figure rounds 103.5 to "103%"
    assert "from 69 to 103 percent" in text and round(q.survivor_utilization(0.69, 3, 1) * 100) == 103


def test_zone_loss_worked_example_in_text(text):
    planned = 40_000_000 * 25 / 86_400 * 2.2 * 1.3
    per_instance = 8 / 0.005
    assert f"8 / 0.005 = {per_instance:,.0f} QPS" in text
    assert f"30 × 1,600\n= {30 * per_instance:,.0f} QPS" in text
    assert f"33,102 / (30 × 1,600) = {planned / (30 * per_instance):.1%}" in text
    after = planned / (20 * per_instance)
    assert f"{20 * per_instance:,.0f} QPS of capacity: {after:.1%}" in text
    excess = planned - 20 * per_instance
    assert f"33,102 − 32,000 = {excess:,.0f} QPS, is about {excess / 20:.0f} QPS" in text
    assert f"after {2 * per_instance / (excess / 20):.0f} seconds a new request waits 2 s" in text
    assert f"rejects {excess / planned:.1%} of requests quickly ({excess:,.0f} of 33,102)" in text
    n = q.instances_needed(planned, per_instance, 0.75, 3, 1)
    assert n == 42
    normal, lost = planned / (n * per_instance), planned / (28 * per_instance)
    assert f"Normal utilization is {normal:.1%}; after a zone loss, {lost:.1%}" in text
    mu = 200.0
    d = [q.mmc_waiting_time(r * 8 * mu, mu, 8) * 1000 for r in (normal, lost, 0.9)]
    assert f"{d[0]:.2f} ms at {normal:.1%} and {d[1]:.2f} ms at {lost:.1%}, against {d[2]:.1f} ms at 90%" in text
    assert f"28 surviving instances × 1,600 QPS = {28 * per_instance:,.0f} QPS" in text
    # Figure labels: 11,034 QPS per zone, 22,400 QPS per zone, 49% and 74%.
    assert f"{planned / 3:,.0f} QPS to each of three zones" in text
    assert f"maximum of {14 * per_instance:,.0f} QPS, is {normal * 100:.0f} percent busy at peak and would be {lost * 100:.0f} percent" in text
    assert f"{normal:.0%} busy at peak" in open_figure_script("m0_capacity_zones.py")
    assert f"{lost:.0%} if a zone fails" in open_figure_script("m0_capacity_zones.py")


def test_pool_worked_example_in_text(text):
    assert f"48 / 0.040 = {48 / 0.040:,.0f} QPS" in text
    assert f"CPU stuck at {1200 / 1600:.0%}" in text
    assert f"1,200 × 0.040 = {1200 * 0.040:.0f} workers" in text
    lam, hold = 1200.0, 0.040
    rows = []
    for c in (56, 64, 80):
        a = lam * hold
        p = q.erlang_c(c, a)
        rows.append((c, a / c, p))
    assert f"| 56 | {rows[0][1]:.1%} | {rows[0][2]:.1%} | unstable |" in text
    assert f"| 64 | {rows[1][1]:.1%} | {rows[1][2]:.1%} | unstable |" in text
    assert f"| 80 | {rows[2][1]:.1%} | {rows[2][2]:.4%} | {q.erlang_c(80, 1600 * hold):.1%} wait |" in text
    assert 1600 * hold >= 64  # a 64-worker pool is saturated at the CPU ceiling: "unstable"
    assert f"80 / 0.040 = {80 / 0.040:,.0f} QPS" in text
    assert "at most 120 requests inside" in text and 80 + 40 == 120


def test_capacity_plan_worked_example_in_text(text):
    planned = 40_000_000 * 25 / 86_400 * 2.2 * 1.3
    assert f"1,600 × 0.75 = {1600 * 0.75:,.0f} QPS per instance" in text
    assert f"1,200 × 0.040 = {1200 * 0.040:.0f} requests in flight" in text
    assert f"33,102 / 1,200 = {planned / 1200:.1f} instances' worth" in text
    n = q.instances_needed(planned, 1600, 0.75, 3, 1)
    assert f"two zones need {math.ceil(planned / 1200)} instances, {n // 3} per zone, and three zones hold {n}" in text
    assert f"Check: {planned / (n * 1600):.1%} busy at peak with all\nzones up, {planned / (28 * 1600):.1%}" in text
    hourly, hours = 0.34, 730
    cost = {k: k * hourly * hours for k in (42, 30, 56, 40)}
    assert f"42 × $0.34 × 730 = ${cost[42]:,.0f} per month" in text
    assert q.instances_needed(planned, 1600, 0.75, 3, 0) == 30
    assert f"(30 instances) costs\n${cost[30]:,.0f} per month" in text
    assert f"costs ${cost[42] - cost[30]:,.0f} per month" in text
    assert q.instances_needed(planned, 1600, 0.75, 2, 1) == 56 and q.instances_needed(planned, 1600, 0.75, 4, 1) == 40
    assert f"need 56 instances (${cost[56]:,.0f}); with four zones, 40 instances (${cost[40]:,.0f})" in text
    per_million = cost[42] / (1_000_000_000 * hours / 24 / 1e6)
    assert f"about ${per_million:.2f} per million requests" in text
    per_inst = planned / 42
    assert f"33,102 / 42 = {per_inst:,.0f} QPS, so {per_inst:,.0f} × 0.040 ≈ {per_inst * 0.040:.0f} requests" in text
    assert f"with CPU at {planned / (42 * 1600):.0%}" in text


def test_tradeoff_table_in_text(text):
    planned = 40_000_000 * 25 / 86_400 * 2.2 * 1.3
    assert "| $10,424 | $7,446 plus what it scales | $7,446 | $9,928 |" in text
    row = (
        f"| Peak utilization, all zones up | {planned / (42 * 1600):.1%} | {planned / (30 * 1600):.1%} | "
        f"{planned / (30 * 1600):.1%} | {planned / (40 * 1600):.1%} |"
    )
    assert row in text
    assert f"| After losing a zone at peak | {planned / (28 * 1600):.1%}, inside SLO | {planned / (20 * 1600):.1%} until" in text
    assert f"{(planned - 32000) / planned:.1%} of requests rejected fast | {planned / (30 * 1600):.1%}, inside SLO |" in text
    assert "($2,978/month here)" in text and f"$Z/(Z-1)$ = {4 / 3:.2f}" in text


def test_staff_lens_numbers_in_text(text):
    planned = 40_000_000 * 25 / 86_400 * 2.2 * 1.3
    assert f"give {q.instances_needed(10 * planned, 1600, 0.75, 3, 1)} instances for {10 * planned:,.0f} QPS" in text
    assert "$2,978 a month buys zone-loss survival" in text


def test_incident_arithmetic_in_text(text):
    first_alarm = datetime(2020, 11, 25, 5, 15)
    recovered = datetime(2020, 11, 25, 22, 23)
    hours, rem = divmod((recovered - first_alarm).seconds, 3600)
    assert f"{hours} hours and {rem // 60} minutes after the first alarm" in text


def test_exercise_solutions_in_text(text):
    # 1. Database connections
    lam = 6000 / 12 * 2
    a = lam * 0.003
    assert f"$L$ = 1,000 × 0.003 = {a:.0f} busy" in text
    for c in (6, 7, 8):
        assert f"$c$ = {c} gives {'P(wait) = ' if c == 6 else ''}{q.erlang_c(c, a):.1%}" in text
    assert f"about {q.mmc_waiting_time(lam, 1 / 0.003, 8) * 1000:.3f} ms" in text
    assert f"12 × 8 = {12 * 8} connections today, 36 × 8 = {36 * 8}" in text
    # 2. Find the flaw
    assert f"20,000 / 12,000 = {20000 / 12000:.0%}" in text and f"10,000 / 8,000 = {10000 / 8000:.0%}" in text
    assert f"20,000 / 750 = {20000 / 750:.1f}" in text
    assert q.instances_needed(20000, 1000, 0.75, 3, 1) == 42
    assert f"20,000 / 42,000 = {20000 / 42000:.1%}" in text and f"20,000 / 28,000 = {20000 / 28000:.1%}" in text
    # 3. Thread per peer
    base, limit = 1500, 10_000
    assert f"1,500 + 7,999 = {base + 7999:,}, {limit - (base + 7999)} below" in text
    assert f"10,000 − 1,500 + 1 = {limit - base + 1:,}" in text
    assert f"1,500 + 8,599 = {base + 8599:,} threads" in text
    assert f"1,500 + 1,999 = {base + 1999:,} threads" in text
    assert f"(already at {(base + 7999) / limit:.0%} before the change)" in text
    # 4. Four zones
    after = q.survivor_utilization(0.70, 4, 1)
    assert f"$0.70 \\times 4/3$ = {after:.1%}" in text
    before_d = q.mmc_waiting_time(0.70 * 1600, 200, 8) * 1000
    after_d = q.mmc_waiting_time(after * 1600, 200, 8) * 1000
    assert f"{before_d:.2f} ms at 70% and {after_d:.1f} ms at\n{after:.1%}" in text
    assert round(after_d / before_d) == 13
    offered = after * 1.1
    assert f"{after:.1%} × 1.1 = {offered:.1%} offered" in text
    assert f"1 − 1/1.027 = {1 - 1 / round(offered, 3):.1%}" in text
    assert f"$\\rho_n \\le 0.75 \\times 3/4$ = {0.75 * 3 / 4 * 100:g}%" in text
    assert f"{(0.70 - 0.5625) * 100:g} points too hot" in text
    # 5. Pooling and burstiness
    w8, w32 = q.mmc_waiting_time(0.8 * 8, 1, 8), q.mmc_waiting_time(0.8 * 32, 1, 32)
    assert f"$W_q/S$ = {w8:.3f} for $c$ = 8 and {w32:.4f} for $c$ = 32" in text
    assert f"by a factor of about {w8 / w32:.1f}" in text
    target = 0.7 / 0.3
    ratio = target / 2
    assert f"0.7/0.3 = {target:.3f}" in text and f"$\\rho/(1-\\rho) = {ratio:.4f}$" in text
    assert f"$\\rho$ = {ratio:.4f} / {1 + ratio:.4f} = {ratio / (1 + ratio):.1%}" in text
    # 6. Launch day
    launch = 40_000_000 * 25 / 86_400 * 2.2 * 8
    n = q.instances_needed(launch, 1600, 0.75, 3, 1)
    assert f"25,463 × 8 = {launch:,.0f} QPS" in text
    assert f"{launch:,.0f} / 1,200 = {launch / 1200:.1f}" in text
    assert f"{n // 3} per zone, {n} in total, {n - 42} more than today" in text
    assert f"{n - 42} × 4 × $0.34 = ${(n - 42) * 4 * 0.34:,.2f}" in text
    assert f"({42 * 1600:,} QPS) would have to shed {1 - 42 * 1600 / launch:.0%}" in text


def test_figure_labels_match_the_formulas(text):
    planned = 40_000_000 * 25 / 86_400 * 2.2 * 1.3
    zones = open_figure_script("m0_capacity_zones.py")
    assert f"peak {planned:,.0f} QPS" in zones and f'label="{planned:,.0f} QPS"' in zones
    assert f'label="{planned / 3:,.0f} QPS"' in zones and f"max {14 * 1600:,} QPS" in zones
    headroom = open_figure_script("m0_capacity_zone_headroom.py")
    assert f"3 zones: 50% → {q.survivor_utilization(0.5, 3, 1):.0%}" in headroom
    assert f"3 zones: 69% → {q.survivor_utilization(0.69, 3, 1):.0%}" in headroom
    # The failure-path sequence diagram (30 instances, one zone lost).
    excess_per_instance = (planned - 20 * 1600) / 20
    assert f"Note over AB,Z: 30 instances, {planned / (30 * 1600) * 100:.0f} percent busy at peak" in text
    assert f"all {planned:,.0f} QPS to 20 instances" in text
    assert f"{planned / (20 * 1600) * 100:.0f} percent busy, each queue grows {excess_per_instance:.0f} per second" in text
    assert f"after about {2 * 1600 / excess_per_instance:.0f} s a new request waits 2 s" in text
