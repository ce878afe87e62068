"""Tests for the System Qualities chapter: its availability listing, and every formula number in its prose."""
from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listings import chapter_text, load_listing, pinned

av = load_listing("m0-fundamentals/code/availability.py")
TEXT = " ".join(chapter_text("m0-fundamentals/system-qualities.md").split())  # line breaks fall anywhere in prose

YEAR, MONTH, WEEK = 525_600, 43_200, 10_080
QUARTER = 90 * 24 * 60
DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"

# The worked example's load test: (nodes, QPS), one-node baseline first. The plot draws the same points.
LOAD_TEST = [(1, 1_000), (2, 1_930), (4, 3_530), (8, 6_050), (12, 7_960), (16, 9_140)]


def pct(value: float, places: int = 3) -> str:
    """Format an availability as the chapter does: 0.998613 -> '99.861%'."""
    return f"{value:.{places}%}"


def in_text(snippet: str) -> None:
    """Assert that the snippet occurs exactly once in the chapter, however the prose is wrapped."""
    pinned(TEXT, snippet)


def poisson_cdf(k: int, lam: float) -> float:
    """P(N <= k) for a Poisson count with mean lam."""
    return sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k + 1))


def max_rate(allowed: int, confidence: float = 0.9) -> float:
    """The largest Poisson rate (failures a month) with P(N <= allowed) >= confidence, by bisection."""
    lo, hi = 0.0, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if poisson_cdf(allowed, mid) >= confidence else (lo, mid)
    return lo


# ---------------------------------------------------------------- the listing


def test_period_constants():
    assert (av.MINUTES_PER_YEAR, av.MINUTES_PER_MONTH, av.MINUTES_PER_WEEK) == (YEAR, MONTH, WEEK)


def test_nines_to_downtime_basic_and_edges():
    assert av.nines_to_downtime(0.999) == pytest.approx(43.2)
    assert av.nines_to_downtime(0.999, YEAR) == pytest.approx(525.6)
    assert av.nines_to_downtime(1.0) == 0.0
    assert av.nines_to_downtime(0.0, WEEK) == WEEK
    for bad in (-0.01, 1.01, math.nan):
        with pytest.raises(ValueError):
            av.nines_to_downtime(bad)
    with pytest.raises(ValueError):
        av.nines_to_downtime(0.999, 0)


def test_each_nine_divides_the_budget_by_ten():
    budgets = [av.nines_to_downtime(1 - 10**-k, YEAR) for k in range(2, 6)]
    for bigger, smaller in zip(budgets, budgets[1:], strict=False):
        assert bigger / smaller == pytest.approx(10)


def test_availability_from_mtbf():
    assert av.availability_from_mtbf(720, 1) == pytest.approx(720 / 721)
    assert av.availability_from_mtbf(5, 0) == 1.0
    with pytest.raises(ValueError):
        av.availability_from_mtbf(0, 1)
    with pytest.raises(ValueError):
        av.availability_from_mtbf(10, -1)
    for mtbf, mttr in ((math.nan, 1), (10, math.nan), (math.inf, 1), (10, math.inf)):
        with pytest.raises(ValueError):
            av.availability_from_mtbf(mtbf, mttr)
    with pytest.raises(ValueError):
        av.nines_to_downtime(0.999, math.nan)


def test_serial_is_a_product_and_never_beats_its_weakest_member():
    assert av.serial(0.999) == 0.999
    assert av.serial(0.9, 0.5) == pytest.approx(0.45)
    chain = (0.9999, 0.999975, 0.9995)
    assert av.serial(*chain) < min(chain)
    assert av.serial(0.999, 0.0) == 0.0
    with pytest.raises(ValueError):
        av.serial()
    with pytest.raises(ValueError):
        av.serial(0.99, 1.5)


def test_parallel_redundancy_and_edges():
    assert av.parallel(0.999, 1) == pytest.approx(0.999)
    assert av.parallel(0.999, 2) == pytest.approx(0.999999)
    assert av.parallel(0.0, 5) == 0.0
    assert av.parallel(1.0, 1) == 1.0
    # more replicas never hurt under independence
    values = [av.parallel(0.9, k) for k in range(1, 6)]
    assert values == sorted(values)
    with pytest.raises(ValueError):
        av.parallel(0.999, 0)
    with pytest.raises(ValueError):
        av.parallel(-0.1, 2)
    for count in (2.5, 2.0, True, "2"):  # a replica count is a whole number, not a float that happens to be one
        with pytest.raises(ValueError):
            av.parallel(0.9, count)


def test_shared_dependency_caps_redundancy():
    shared = 0.9995
    for k in range(1, 6):
        assert av.serial(shared, av.parallel(0.999, k)) <= shared


def test_usl_reduces_to_amdahl_and_linear():
    for n in (1, 2, 10, 100):
        assert av.usl_throughput(n, 0.0, 0.0) == pytest.approx(n)
        assert av.usl_throughput(n, 0.04, 0.0) == pytest.approx(n / (1 + 0.04 * (n - 1)))
    assert av.usl_throughput(1, 0.3, 0.1, single_node=1_000) == pytest.approx(1_000)
    # Amdahl approaches 1/sigma from below
    assert av.usl_throughput(10**6, 0.04, 0.0) < 25
    assert av.usl_throughput(10**6, 0.04, 0.0) == pytest.approx(25, rel=1e-4)


def test_usl_peak_is_the_maximum():
    sigma, kappa = 0.04, 0.0006
    peak = av.usl_peak(sigma, kappa)
    assert peak == pytest.approx(40)
    best = max(range(1, 200), key=lambda n: av.usl_throughput(n, sigma, kappa))
    assert best == 40
    assert av.usl_peak(0.04, 0.0) == math.inf


def test_usl_rejects_bad_inputs():
    with pytest.raises(ValueError):
        av.usl_throughput(0, 0.1, 0.1)
    with pytest.raises(ValueError):
        av.usl_throughput(4, -0.1, 0.1)
    with pytest.raises(ValueError):
        av.usl_throughput(4, 0.1, -0.1)
    with pytest.raises(ValueError):
        av.usl_peak(1.5, 0.1)
    for n, sigma, kappa in ((math.nan, 0.1, 0.1), (4, math.nan, 0.1), (4, 0.1, math.nan), (4, 0.1, math.inf),
                            (math.inf, 0.1, 0.1)):
        with pytest.raises(ValueError):
            av.usl_throughput(n, sigma, kappa)
    for sigma, kappa in ((math.nan, 0.1), (0.1, math.nan), (0.1, math.inf)):
        with pytest.raises(ValueError):
            av.usl_peak(sigma, kappa)
    for single_node in (0, -5, math.nan, math.inf):
        with pytest.raises(ValueError):
            av.usl_throughput(4, 0.1, 0.01, single_node)


def test_usl_peak_never_below_one_node():
    # kappa > 1 - sigma puts the formula's optimum below one node: throughput falls from the first added node
    for sigma, kappa in ((0.5, 0.9), (1.0, 0.1), (0.0, 2.0)):
        assert math.sqrt((1 - sigma) / kappa) < 1
        assert av.usl_peak(sigma, kappa) == 1.0
        assert av.usl_throughput(1, sigma, kappa) > av.usl_throughput(2, sigma, kappa)


# ------------------------------------------------- numbers in the chapter prose


def test_time_versus_requests_worked_example():
    month_s = MONTH * 60
    average, trough, evening, outage_min = 2_000, 0.2, 2.0, 60
    total = average * month_s
    in_text(f"A 30-day month ({MONTH:,} minutes, {month_s:,} s). Average load {average:,} QPS; the overnight trough runs at "
            f"{trough:.0%} of average ({trough * average:,.0f} QPS) and the evening peak at {evening:.0%} ({evening * average:,.0f} QPS)")
    in_text(f"Total requests in the month: {average:,} × {month_s:,} = {total:,}")
    off_peak, peak = trough * average * outage_min * 60, evening * average * outage_min * 60
    partial_share, partial_hours = 0.1, 6
    partial = partial_share * average * partial_hours * 3_600
    in_text(f"Time-based: 1 − {outage_min}/{MONTH:,} = {pct(1 - outage_min / MONTH)}. Requests lost: "
            f"{trough * average:,.0f} × {outage_min * 60:,} = {off_peak:,.0f}, so request-based availability is "
            f"1 − {off_peak:,.0f}/{total:,} = {pct(1 - off_peak / total)}")
    in_text(f"Time-based is unchanged at {pct(1 - outage_min / MONTH)}. Requests lost: {evening * average:,.0f} × "
            f"{outage_min * 60:,} = {peak:,.0f}, so request-based availability is {pct(1 - peak / total)}")
    in_text(f"Requests lost: {partial_share} × {average:,} × {partial_hours * 3_600:,} = {partial:,.0f}, so request-based "
            f"availability is {pct(1 - partial / total)}")
    in_text(f"the unavailability goes from {pct(off_peak / total)} to {pct(peak / total)}, ten times larger")
    assert peak / off_peak == 10


def test_mtbf_levers_are_symmetric():
    base = av.availability_from_mtbf(720, 1)
    in_text(f"A = 720/721 = {pct(base)}")  # 99.861%
    for k in (2, 10):
        more_mtbf = av.availability_from_mtbf(720 * k, 1)
        less_mttr = av.availability_from_mtbf(720, 1 / k)
        assert more_mtbf == pytest.approx(less_mttr, rel=1e-12)  # A depends only on MTBF/MTTR
    two = av.availability_from_mtbf(1_440, 1)
    in_text(f"A = 1,440/1,441 = 720/720.5 = {pct(two)}")  # 99.931%
    ten = av.availability_from_mtbf(7_200, 1)
    in_text(f"A = 7,200/7,201 = 720/720.1 = {pct(ten)}")  # 99.986%
    in_text(f"halve MTTR** to {60 // 2} minutes")
    in_text(f"an MTTR of {60 // 10} minutes")


def test_mtbf_is_slow_to_measure():
    # six incidents a year: a quarter expects 6/4, and P(no incident in a quarter) = e^-(6/4) with no change at all
    per_year = 6
    per_quarter = per_year / 4
    in_text(f"at {['zero', 'one', 'two', 'three', 'four', 'five', 'six'][per_year]} a year arriving at random")
    in_text(f"a quarter expects {per_quarter:g}")
    p_zero = poisson_cdf(0, per_quarter)
    in_text(f"$e^{{-{per_quarter:g}}} \\approx {p_zero * 100:.0f}\\%$")  # 22\\%


def test_nines_table():
    rows = {
        "99%": ("5,256 min (3.65 days)", "432 min (7.2 h)", "100.8 min"),
        "99.9%": ("525.6 min (8.76 h)", "43.2 min", "10.08 min"),
        "99.95%": ("262.8 min (4.38 h)", "21.6 min", "5.04 min"),
        "99.99%": ("52.56 min", "4.32 min", "1.008 min (60.5 s)"),
        "99.999%": ("5.256 min", "0.432 min (25.9 s)", "0.1008 min (6.05 s)"),
    }
    for target, cells in rows.items():
        a = float(target.rstrip("%")) / 100
        for period, cell in zip((YEAR, MONTH, WEEK), cells, strict=False):
            assert cell.startswith(f"{av.nines_to_downtime(a, period):,.4g} min"), (target, cell)
        in_text(f"| {target} | {cells[0]} | {cells[1]} | {cells[2]} |")
    # the unit conversions in brackets
    assert f"{av.nines_to_downtime(0.99, YEAR) / 1_440:.2f}" == "3.65"
    assert f"{av.nines_to_downtime(0.99) / 60:.1f}" == "7.2"
    assert f"{av.nines_to_downtime(0.999, YEAR) / 60:.2f}" == "8.76"
    assert f"{av.nines_to_downtime(0.9995, YEAR) / 60:.2f}" == "4.38"
    assert f"{av.nines_to_downtime(0.9999, WEEK) * 60:.1f}" == "60.5"
    assert f"{av.nines_to_downtime(0.99999) * 60:.1f}" == "25.9"
    assert f"{av.nines_to_downtime(0.99999, WEEK) * 60:.2f}" == "6.05"
    in_text(f"{av.nines_to_downtime(0.99999) * 60:.1f} seconds a month is less than it takes a pager to ring")


def test_human_failover_worked_example():
    budget = av.nines_to_downtime(0.9995)
    in_text(f"= {budget:.1f} minutes a month")  # 21.6
    ratio = 0.9995 / 0.0005
    in_text(f"MTTR × {ratio:,.0f}")  # 1,999
    in_text(f"A/(1 − A) = {ratio:,.0f} minutes of uptime pay for each minute of downtime; "
            f"at 99.9% it is {0.999 / (1 - 0.999):,.0f}")
    for mttr in (30, 2):
        mtbf = mttr * ratio
        assert av.availability_from_mtbf(mtbf, mttr) == pytest.approx(0.9995)  # the long-run average is met exactly
        in_text(f"MTBF ≥ {mtbf:,.0f} minutes, about {mtbf / 1_440:.1f} days")  # 41.6, 2.8


def test_human_failover_month_by_month():
    budget = av.nines_to_downtime(0.9995)
    ratio = 0.9995 / 0.0005
    # sized by the average, the month is missed about half the time
    manual_rate = MONTH / (30 * ratio)  # failures a month at MTBF = 59,970 minutes
    in_text(f"expects $\\lambda = {manual_rate:.2f}$ failures")  # 0.72
    allowed_manual = math.floor(budget / 30)
    assert allowed_manual == 0  # one 30-minute failover breaks the month
    miss = 1 - poisson_cdf(allowed_manual, manual_rate)
    in_text(f"$P(\\text{{miss}}) = 1 - e^{{-{manual_rate:.2f}}} = {miss:.0%}$".replace("%$", "\\%$"))  # 51%
    auto_rate = MONTH / (2 * ratio)
    allowed_auto = math.floor(budget / 2)
    in_text(f"it expects {auto_rate:.1f} failovers; ten fit in 21.6 minutes")  # 10.8
    assert allowed_auto == 10 and (allowed_auto + 1) * 2 > budget
    in_text(f"eleven ({(allowed_auto + 1) * 2} minutes) do not")
    miss = 1 - poisson_cdf(allowed_auto, auto_rate)
    in_text(f"$P(N \\ge {allowed_auto + 1}) = {miss:.0%}".replace("%", "\\%"))  # 52%
    assert 0.5 < miss < 0.55
    # sized for 9 months in 10
    manual_max = max_rate(allowed_manual)
    assert manual_max == pytest.approx(-math.log(0.9))
    in_text(f"$\\lambda \\le -\\ln 0.9 = {manual_max:.3f}$ a month")  # 0.105
    in_text(f"MTBF ≥ {30 / manual_max:.0f} days, and nothing else")  # 285
    auto_max = max_rate(allowed_auto)
    in_text(f"which holds for $\\lambda \\le {auto_max:.1f}$ a month: MTBF ≥ {30 / auto_max:.1f} days")  # 7.0, 4.3
    # the 99.9% fallback: one manual failover fits in 43.2 minutes, two do not
    allowed_999 = math.floor(av.nines_to_downtime(0.999) / 30)
    assert allowed_999 == 1
    rate_999 = max_rate(allowed_999)
    in_text(f"no more than {rate_999:.2f} times a month on average (MTBF ≥ {30 / rate_999:.0f} days)")  # 0.53, 56
    assert "once every six weeks" not in TEXT


def test_serial_and_parallel_numbers():
    in_text(f"0.999⁵ = {pct(av.serial(*[0.999] * 5))}")  # 99.501%
    in_text(f"ten give {pct(av.serial(*[0.999] * 10))}")  # 99.004%
    in_text(f"0.9999⁵ = {pct(av.serial(*[0.9999] * 5))}")  # 99.950%
    ten_at_four_nines = av.serial(*[0.9999] * 10)
    in_text(f"give {pct(ten_at_four_nines)}, the entire budget")  # 99.900%
    assert av.nines_to_downtime(ten_at_four_nines) == pytest.approx(43.2, abs=0.05)
    in_text(f"Two replicas at 99.9% give 1 − 0.001² = {pct(av.parallel(0.999, 2), 4)}; "
            f"three give {pct(av.parallel(0.999, 3), 7)}")  # 99.9999%, 99.9999999%


def test_request_path_worked_example():
    lb, db, cache = 0.9999, 0.9995, 0.999
    pair = av.parallel(0.995, 2)
    in_text(f"**API pair.** 1 − (1 − 0.995)² = 1 − {(1 - 0.995) ** 2:.6f} = {pct(pair, 4)}")  # 99.9975%
    in_text(f"0.9999 × 0.995 × 0.9995 = {pct(av.serial(lb, 0.995, db))}")  # 99.440%
    hard_cache = av.serial(lb, pair, cache, db)
    soft_cache = av.serial(lb, pair, db)
    in_text(f"= {pct(hard_cache)}")  # 99.838%
    in_text(f"(1 − {hard_cache:.6f}) × 43,200 ≈ {av.nines_to_downtime(hard_cache):.1f} minutes")  # 70.2
    in_text(f"= {pct(soft_cache)}, about {av.nines_to_downtime(soft_cache):.1f} minutes")  # 99.938%, 27.0
    saved = av.nines_to_downtime(hard_cache) - av.nines_to_downtime(soft_cache)
    in_text(f"up to {saved:.0f} minutes a month, the cheapest you will find. That is an upper bound")  # 43
    assert soft_cache - hard_cache == pytest.approx(0.001, abs=1e-5)  # "gained 0.1%"
    # the figure's labels show the same numbers
    script = (Path(__file__).resolve().parent.parent / "diagrams" / "m0_request_path.py").read_text(encoding="utf-8")
    assert pct(soft_cache) in script and pct(pair, 4) in script


def test_shared_dependency_numbers():
    two = av.serial(0.9995, av.parallel(0.999, 2))
    one = av.serial(0.9995, 0.999)
    three = av.serial(0.9995, av.parallel(0.999, 3))
    in_text(f"0.9995 × 0.999999 = {pct(two)}")  # 99.950%
    in_text(f"from {pct(one)} to {pct(two)}")  # 99.850% -> 99.950%
    gain_s = (av.nines_to_downtime(two) - av.nines_to_downtime(three)) * 60
    in_text(f"a third would add {gain_s:.1f} seconds a month")  # 2.6
    in_text(f"buys {gain_s:.1f} seconds a month")
    floors = [av.nines_to_downtime(s) for s in (0.9995, 0.9999)]
    assert [f"{f:.3g}" for f in floors] == ["21.6", "4.32"]


def survivor_utilization(utilization: float, active: int, lost: int = 1) -> float:
    """Utilization of the survivors when `lost` of `active` equal replicas fail and their load spreads evenly."""
    return utilization * active / (active - lost)


def test_load_coupling():
    after = survivor_utilization(0.70, 2)
    in_text(f"one of two active replicas at 70% utilization fails, the survivor needs {after:.0%}")  # 140%
    # the failure-modes table's alarm: above (k-1)/k of capacity, the survivors of one loss exceed 100%
    k = 2
    threshold = (k - 1) / k
    assert survivor_utilization(threshold, k) == pytest.approx(1.0)
    in_text(f"Utilization above $(k-1)/k$ of capacity for $k$ active replicas ({threshold:.0%} for two)")


def test_resiliency_example():
    outages = {"X": [60], "Y": [5] * 12}  # one 60-minute outage; twelve 5-minute failovers
    in_text(f"Service Y had twelve {outages['Y'][0]}-minute outages")
    totals = {name: sum(minutes) for name, minutes in outages.items()}
    assert totals["X"] == totals["Y"]
    in_text(f"Take two services with {totals['X']} minutes of downtime in a year")
    in_text(f"1 − {totals['Y']}/525,600 = {pct(1 - totals['Y'] / YEAR)}")  # 99.989%


def test_usl_section_numbers():
    sigma, kappa, x1 = 0.04, 0.0006, 1_000
    in_text(f"with $\\sigma = 0.04$, {1 / sigma:.0f} times one node")
    peak = av.usl_peak(sigma, kappa)
    x_peak = av.usl_throughput(peak, sigma, kappa, x1)
    in_text(f"= {peak:.0f}$ nodes, where the cluster delivers {x_peak:,.0f} QPS")  # 11,442
    in_text(f"an efficiency of {x_peak / (x1 * peak):.1%}")  # 28.6%
    x20 = av.usl_throughput(20, sigma, kappa, x1)
    x80 = av.usl_throughput(80, sigma, kappa, x1)
    assert f"{x20:,.0f}" == f"{x80:,.0f}" == "10,060"
    in_text(f"80 nodes deliver the same {x80:,.0f} QPS as 20 nodes")
    in_text(f"doubling a 40-node cluster to 80 nodes cuts throughput by {1 - x80 / x_peak:.0%}")  # 12%
    measured = dict(LOAD_TEST)
    in_text(f"From 8 to 16 nodes, {measured[8]:,} to {measured[16]:,} QPS")


def test_usl_coherency_counts_ordered_exchanges():
    # N(N-1) counts one-way exchanges (ordered pairs); unordered pairs are half as many.
    for n in range(1, 30):
        ordered = sum(1 for i in range(n) for j in range(n) if i != j)
        unordered = sum(1 for i in range(n) for j in range(i + 1, n))
        assert ordered == n * (n - 1) and unordered == n * (n - 1) // 2 == ordered / 2
    # kappa per one-way exchange is the same curve as 2 kappa per unordered pair
    for n in (1, 5, 40, 100):
        per_pair = 1_000 * n / (1 + 0.04 * (n - 1) + 2 * 0.0006 * (n * (n - 1) / 2))
        assert av.usl_throughput(n, 0.04, 0.0006, 1_000) == pytest.approx(per_pair)
    in_text("that is $N(N-1)$ exchanges; counted as unordered pairs it is half as many, $N(N-1)/2$")
    in_text("the same curve with $2\\kappa$ per pair")
    assert "N(N−1) pairs" not in TEXT and "number of pairs, $N(N-1)$" not in TEXT


def test_usl_worked_example_fit():
    x1 = LOAD_TEST[0][1]
    rest = LOAD_TEST[1:]
    row = " | ".join(f"{x:,}" for _, x in rest)
    in_text(f"| Throughput $X(N)$, QPS | {row} |")
    in_text("| Nodes $N$ | " + " | ".join(str(n) for n, _ in rest) + " |")
    xs = [n - 1 for n, _ in rest]
    ys = [n * x1 / x - 1 for n, x in rest]
    in_text("$x$ = " + ", ".join(str(u) for u in xs))
    in_text("$y$ = " + ", ".join(f"{y:.4f}" for y in ys))
    in_text(f"$16/{rest[-1][1] / x1:.3f} - 1 = {ys[-1]:.4f}$")
    s4, s3, s2 = (sum(u**k for u in xs) for k in (4, 3, 2))
    s2y = sum(u * u * y for u, y in zip(xs, ys, strict=True))
    s1y = sum(u * y for u, y in zip(xs, ys, strict=True))
    in_text(f"${s4:,}a + {s3:,}b = {s2y:.2f}$ and ${s3:,}a + {s2}b = {s1y:.3f}$")
    det = s4 * s2 - s3 * s3
    a = (s2y * s2 - s1y * s3) / det
    b = (s4 * s1y - s3 * s2y) / det
    in_text(f"$a = {a:.6f}$ and $b = {b:.4f}$")
    sigma, kappa = av.usl_fit(LOAD_TEST)  # the listing agrees with the hand arithmetic
    assert (sigma, kappa) == pytest.approx((b - a, a))
    in_text(f"$\\kappa = a = {kappa:.6f}$ and $\\sigma = b - a = {sigma:.4f}$")
    predicted = [av.usl_throughput(n, sigma, kappa, x1) for n, _ in rest]
    in_text("predicts " + ", ".join(f"{p:,.0f}" for p in predicted[:-1]) + f" and {predicted[-1]:,.0f} QPS")
    worst = max(abs(x / p - 1) for (_, x), p in zip(rest, predicted, strict=True))
    residuals = av.usl_residuals(LOAD_TEST, sigma, kappa)  # the listing's check agrees with the hand arithmetic
    assert max(abs(r) for _, r in residuals) == pytest.approx(worst)
    assert worst < 0.01  # inside the stated +-1% run-to-run spread
    in_text(f"within {math.ceil(worst * 1_000) / 10:.1f}% of its prediction")  # 0.9%
    # two points fit exactly, noise included: nothing is left to check
    s2pt, k2pt = two_point_fit(dict(rest), 8, 16)
    for n in (8, 16):
        assert av.usl_throughput(n, s2pt, k2pt, x1) == pytest.approx(dict(rest)[n])
    # rounded to two significant figures, the fit is the curve the figure plots
    in_text(f"$\\sigma \\approx {sigma:.3f}$ and $\\kappa \\approx {kappa:.5f}$")
    script = (DIAGRAMS / "m0_qualities_usl.py").read_text(encoding="utf-8")
    assert "X1, SIGMA, KAPPA = 1_000.0, 0.04, 0.0006" in script
    plotted = re.search(r"LOAD_TEST = (\[.*?\])", script).group(1)
    assert eval(plotted) == LOAD_TEST  # noqa: S307 - a literal list in our own plot script


def two_point_fit(measured: dict, n1: int, n2: int, x1: float = 1_000) -> tuple[float, float]:
    """Solve N/C - 1 = sigma (N - 1) + kappa N (N - 1) exactly at two node counts (the method the chapter warns about)."""
    rows = [(n - 1, n * (n - 1), n * x1 / measured[n] - 1) for n in (n1, n2)]
    (p1, q1, r1), (p2, q2, r2) = rows
    det = p1 * q2 - p2 * q1
    return (r1 * q2 - r2 * q1) / det, (p1 * r2 - p2 * r1) / det


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile, q in [0, 1]."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def simulated_peaks(runs: int = 20_000, spread: float = 0.01, seed: int = 1) -> dict:
    """Repeat the load test with every measurement drawn uniformly within +-spread of the fitted curve; refit each run
    with all five sizes (the listing) and with the 8- and 16-node runs alone. Returns peak positions and heights."""
    sigma, kappa = av.usl_fit(LOAD_TEST)
    truth = [(n, av.usl_throughput(n, sigma, kappa, LOAD_TEST[0][1])) for n, _ in LOAD_TEST]
    rng = random.Random(seed)
    out = {"five": ([], []), "two": ([], [])}
    for _ in range(runs):
        run = [(n, x * rng.uniform(1 - spread, 1 + spread)) for n, x in truth]
        x1 = run[0][1]
        for name, (s, k) in (("five", av.usl_fit(run)), ("two", two_point_fit(dict(run), 8, 16, x1))):
            assert k > 0  # every run has a peak
            peak = av.usl_peak(s, k)
            out[name][0].append(peak)
            out[name][1].append(av.usl_throughput(peak, s, k, x1))
    return out


def test_usl_peak_uncertainty_from_noise():
    sims = simulated_peaks()
    band = {name: [(percentile(v, 0.05), percentile(v, 0.95)) for v in pair] for name, pair in sims.items()}
    (p5_lo, p5_hi), (h5_lo, h5_hi) = band["five"]
    (p2_lo, p2_hi), (h2_lo, h2_hi) = band["two"]
    in_text(f"in 90% of runs the five-point fit puts the peak between {p5_lo:.0f} and {p5_hi:.0f} nodes, at "
            f"{round(h5_lo, -2):,.0f} to {round(h5_hi, -2):,.0f} QPS")  # 34-53, 10,800-12,600
    in_text(f"alone gives {p2_lo:.0f} to {p2_hi:.0f} nodes and {round(h2_lo, -2):,.0f} to {round(h2_hi, -2):,.0f} QPS, "
            "hardly wider")  # 33-54, 10,700-12,700
    assert p2_lo <= p5_lo and p5_hi <= p2_hi and (p2_hi - p2_lo) < 1.25 * (p5_hi - p5_lo)  # "hardly wider"
    peak, height = av.usl_peak(0.04, 0.0006), av.usl_throughput(av.usl_peak(0.04, 0.0006), 0.04, 0.0006, 1_000)
    h_lo, h_hi, p_lo, p_hi = h5_lo / height - 1, h5_hi / height - 1, p5_lo / peak - 1, p5_hi / peak - 1
    in_text(f"(from −{-h_lo:.0%} to +{h_hi:.0%} of {height:,.0f} QPS, against −{-p_lo:.0%} to +{p_hi:.0%} of "
            f"{peak:.0f} nodes)")  # -6% to +10%, -16% to +32%
    assert h_hi - h_lo < (p_hi - p_lo) / 2  # "the height moves much less than the position"
    assert 25_000 / h5_hi == pytest.approx(2, abs=0.05)  # "even the highest height is about half the forecast"
    assert "would have put it at" not in TEXT


def test_usl_worked_example_decision():
    sigma, kappa, x1, forecast = 0.04, 0.0006, 1_000, 25_000

    def x(n: int) -> float:
        return av.usl_throughput(n, sigma, kappa, x1)

    in_text(f"$N^{{*}} = \\sqrt{{0.96/0.0006}} = {av.usl_peak(sigma, kappa):.0f}$ nodes and")
    in_text(f"$X(40) = {x(40):,.0f}$ QPS")
    # one shared serialized resource caps any number of cells at Amdahl's ceiling
    in_text(f"$X_1/\\sigma$ = {x1 / sigma:,.0f} QPS")
    # the rejected plan: four 10-node cells sized to reach the forecast
    cell = x(10)
    in_text(f"$10,000/(1 + {sigma * 9:.2f} + {kappa * 10 * 9:.3f}) = {cell:,.0f}$ QPS ({cell / (10 * x1):.1%} efficiency)")
    four = 4 * cell
    in_text(f"saturate at {four:,.0f} QPS, {four / forecast - 1:.0%} above the forecast")  # 28,289, 13%
    in_text(f"each cell would run at {forecast / four:.0%} of saturation")  # 88%
    # a 10-node cell over three zones is 4 + 3 + 3: a zone loss leaves 6 or 7 nodes
    worst, best = forecast / 4 / x(6), forecast / 4 / x(7)
    assert best > 1
    in_text(f"would put it at {best:.0%} to {worst:.0%}")  # 113% to 127%
    # the chosen plan: 9-node cells, 3 per zone, at most 75% of saturation after a zone loss
    size, zones, ceiling = 9, 3, 0.75
    survivors = size - size // zones
    per_cell = ceiling * x(survivors)
    cells = math.ceil(forecast / per_cell)
    in_text(f"With $X(9) = {x(size):,.0f}$ and $X(6) = {x(survivors):,.0f}$ QPS")  # 6,602, 4,926
    in_text(f"a cell may carry 0.75 × {x(survivors):,.0f} = {per_cell:,.0f} QPS")  # 3,695
    in_text(f"{forecast:,}/{per_cell:,.0f} = {forecast / per_cell:.1f} rounds up to seven cells, {cells * size} nodes")
    assert cells == 7
    load = forecast / cells
    in_text(f"Each then carries {load:,.0f} QPS: {load / x(size):.0%} of its saturation with every zone up, "
            f"{load / x(survivors):.0%} after a zone loss")  # 3,571, 54%, 72%
    assert load / x(survivors) <= ceiling
    assert cells * x(size) > x1 / sigma  # only possible with one copy of the serialized resource per cell
    measured = dict(LOAD_TEST)
    assert measured[8] < x(size) < measured[12] and measured[4] < x(survivors) < measured[8]  # interpolated
    in_text(f"{x(size):,.0f} QPS sits between the measured {measured[8]:,} at 8 nodes and {measured[12]:,} at 12, and "
            f"{x(survivors):,.0f} between {measured[4]:,} at 4 and {measured[8]:,} at 8")
    # smaller cells: one node per zone
    small = 3
    small_cells = math.ceil(forecast / (ceiling * x(small - small // zones)))
    in_text(f"would meet the same rule with {small_cells} cells and {small_cells * small} nodes")  # 18, 54
    in_text(f"({small_cells} database primaries instead of {cells})")


def test_incident_numbers():
    start = 9 * 60 + 37
    assert (12 * 60 + 26 - start, 13 * 60 + 18 - start, 13 * 60 + 54 - start) == (169, 221, 257)
    for minutes in (169, 221, 257):
        in_text(f"({minutes} minutes")
    budget = av.nines_to_downtime(0.999, YEAR)
    in_text(f"257 minutes is {257 / budget:.1%} of a year's 99.9% budget\n({budget:.1f} minutes)")


def test_trade_off_table():
    region, zone, instance = 0.9999, 0.9995, 0.995
    in_text(f"| 0.9999 × 0.9995 × 0.995 = {pct(av.serial(region, zone, instance))} |")  # 99.440%
    in_text(f"0.9999 × 0.9995 × (1 − 0.005²) = {pct(av.serial(region, zone, av.parallel(instance, 2)))}")  # 99.938%
    three_zones = av.serial(region, av.parallel(av.serial(instance, zone), 3))
    in_text(f"0.9999 × (1 − (1 − 0.995 × 0.9995)³) = {pct(three_zones)}")  # 99.990%
    # each "Choose it when" target fits under its column's ceiling, with room left for bugs
    single, one_zone = av.serial(region, zone, instance), av.serial(region, zone, av.parallel(instance, 2))
    assert single > 0.99 and one_zone > 0.999 and three_zones > 0.9995
    in_text(f"| Choose it when ... | {math.floor(single * 100)}% is enough, or while you build automation | instance faults "
            f"dominate, {math.floor(one_zone * 1000) / 10}% is enough and a zone outage is acceptable")
    in_text(f"you need 99.9% to 99.95% with zone failures in scope (a {pct(three_zones)} ceiling leaves nothing")
    # the same values as the request path, with other meanings: say so, and the results coincide
    lb, db = 0.9999, 0.9995
    assert pct(av.serial(lb, instance, db)) == pct(single)
    assert pct(av.serial(lb, av.parallel(instance, 2), db)) == pct(one_zone)
    in_text(f"the first two columns reproduce its {pct(single)} and {pct(one_zone)} by coincidence")
    # compute for peak: Z zones, any Z - 1 carry the peak, so Z/(Z-1) of it is bought; two regions is Z = 2
    def bought(z: int) -> float:
        return z / (z - 1)

    in_text(f"{bought(3):g}× (any two zones carry the peak)")
    in_text(f"{bought(2):g}× or more, plus replication")
    growth = bought(2) / bought(3) - 1
    assert growth == pytest.approx(1 / round(1 / growth))
    in_text(f"compute grows by a {({3: 'third', 2: 'half'})[round(1 / growth)]} or more")


def test_exercise_1():
    budget = av.nines_to_downtime(0.9995, QUARTER)
    in_text(f"(1 − 0.9995) × 129,600 = {budget:.1f} minutes")  # 64.8
    seconds = QUARTER * 60
    requests = 3_000 * seconds
    in_text(f"90 days is {seconds:,} s")
    in_text(f"3,000 × {seconds:,} = {requests:,} requests")
    in_text(f"0.0005 × {requests:,} = {round(0.0005 * requests):,} failed requests")
    incident = 25
    affordable = math.floor(budget / incident)
    in_text(f"{affordable * incident} minutes, leaving {budget - affordable * incident:.1f}")
    in_text(f"a third ({(affordable + 1) * incident} minutes in total) overspends")
    in_text(f"If incidents are total outages at average load or above, {incident}-minute incidents allow at most "
            f"{['none', 'one', 'two', 'three', 'four'][affordable]} a quarter")
    assert "Either way, 25-minute" not in TEXT


def test_exercise_2():
    real = av.serial(0.9995, 0.9995, av.parallel(0.999, 3))
    in_text(f"0.9995 × 0.9995 × (1 − 0.001³) = {0.9995**2:.8f} × 0.999999999 ≈ {pct(real)}")
    in_text(f"≈ {pct(real)}. That is {av.nines_to_downtime(real):.1f} minutes a month")
    claimed = av.nines_to_downtime(av.parallel(0.999, 3)) * 60 * 1_000  # milliseconds
    in_text(f"not {claimed:.1f} milliseconds")


def test_exercise_3():
    # the outage the question assumes for reads and uploads, from the S3 box's times (9:37, 12:26, 13:54)
    start = 9 * 60 + 37
    reads_back, index_recovered, normal = (12 * 60 + 26 - start, 13 * 60 + 18 - start, 13 * 60 + 54 - start)
    in_text(f"unavailable for reads and uploads alike for {normal} minutes")
    in_text(f"that day S3 began serving reads again after {reads_back} minutes, fully at {index_recovered}")
    in_text(f"1 − 257/525,600 = {pct(1 - 257 / YEAR)}")  # 99.951%
    in_text(f"257/52.56 = {257 / av.nines_to_downtime(0.9999, YEAR):.2f} times")  # 4.89


def test_exercise_4():
    sigma, kappa, x1 = 0.05, 0.002, 500
    x4, x12 = round(av.usl_throughput(4, sigma, kappa, x1)), round(av.usl_throughput(12, sigma, kappa, x1))
    assert (x4, x12) == (1_704, 3_308)
    in_text(f"measure {x4:,} QPS on 4 nodes, {x12:,} QPS on 12 and 3,560 QPS on 16")
    c4, c12 = x4 / x1, x12 / x1
    in_text(f"$C(4) = 1,704/500 = {c4:.3f}$ and $C(12) = 3,308/500 = {c12:.3f}$")
    l4, l12 = round(4 / c4 - 1, 4), round(12 / c12 - 1, 4)
    in_text(f"$4/3.408 - 1 = {l4:.4f} = 3\\sigma + 12\\kappa$")
    in_text(f"$12/6.616 - 1 = {l12:.4f} = 11\\sigma + 132\\kappa$")
    scaled = l4 * 11 / 3
    in_text(f"$ {scaled:.4f} = 11\\sigma + 44\\kappa$".replace("$ ", "$"))
    diff = l12 - round(scaled, 4)
    in_text(f"${diff:.4f} = 88\\kappa$")
    k_fit = diff / 88
    assert f"{k_fit:.4f}" == "0.0020"
    assert f"{(l4 - 12 * 0.0020) / 3:.3f}" == "0.050"
    # (b) the held-out 16-node point
    denom = 1 + sigma * 15 + kappa * 16 * 15
    x16 = av.usl_throughput(16, sigma, kappa, x1)
    in_text(f"= 8,000/{denom:.3f} \\approx {x16:,.0f}$ QPS")  # 2.230, 3,587
    miss = 1 - 3_560 / x16
    assert miss < 0.02  # inside the stated +-2% spread
    in_text(f"3,560 QPS, is {miss:.1%} below")  # 0.8%
    # the same arithmetic from the unrounded two-point fit gives the same prediction
    s2pt, k2pt = two_point_fit({4: x4, 12: x12}, 4, 12, x1)
    assert round(av.usl_throughput(16, s2pt, k2pt, x1)) == round(x16)
    # (c)
    peak = av.usl_peak(sigma, kappa)
    in_text(f"\\sqrt{{475}} \\approx {peak:.1f}")  # 21.8
    x22 = av.usl_throughput(22, sigma, kappa, x1)
    denom = 1 + sigma * 21 + kappa * 22 * 21
    in_text(f"= 11,000/{denom:.3f} \\approx {x22:,.0f}$ QPS")  # 2.974, 3,699
    in_text(f"2 × 3,308 = {2 * x12:,} QPS")
    assert 2 * x12 > 5_000 > x22


def test_exercise_5():
    budget = av.nines_to_downtime(0.9999)
    # the API tier points at Exercise 2 instead of repeating nine nines a fourth time
    assert "$1 - 0.001^3" not in TEXT and TEXT.count("99.9999999%") <= 2
    in_text("describes no real system (Exercise 2)")
    # database: one failover (false ones included) every 90 days, 2 minutes each
    interval, mttr = 90 * 1_440, 2
    db = av.availability_from_mtbf(interval, mttr)
    in_text(f"$A = {interval:,}/{interval + mttr:,} = {db:.5%}".replace("%", "\\%"))  # 99.99846\%
    p_month = 1 - poisson_cdf(0, MONTH / interval)
    in_text(f"$1 - e^{{-1/3}} = {p_month:.0%}".replace("%", "\\%"))  # 28\%
    assert MONTH / interval == pytest.approx(1 / 3)
    in_text(f"spends {mttr} of the 4.32 minutes")
    # authentication misses the ten-times rule
    auth, rule = 0.99995, 1 - (1 - 0.9999) / 10
    assert auth < rule
    in_text(f"which asks {pct(rule)} of a dependency")  # 99.999%
    in_text(f"alone it takes {av.nines_to_downtime(auth):.2f} of the 4.32 minutes")  # 2.16
    # one bad release in one zone of three, rolled back after 3 minutes
    release = av.nines_to_downtime(1 - (3 / MONTH) / 3)
    in_text(f"fails a third of requests for 3 minutes, {release:.1f} minute of budget")
    for auth_a in (auth, rule):
        path = av.serial(0.99999, db, auth_a)
        used = av.nines_to_downtime(path)
        left = budget - used
        rest = left - release
        shared = 1 - rest / MONTH
        shown = f"{round(db, 7)}"
        in_text(f"0.99999 × {shown} × {auth_a} = {path:.5%}")
        if auth_a == auth:
            in_text(f"{path:.5%}, {used:.2f} minutes a month, leaving {left:.2f} minutes")  # 3.26, 1.06
            in_text(f"{rest:.2f} minutes remain for everything the three zones share, which would have to be "
                    f"{shared:.5%} available together: the budget does not close")  # 0.06, 99.99986%
        else:
            in_text(f"{path:.5%}, {used:.2f} minutes, and leaves {rest:.2f} minutes after the release")  # 1.53, 1.79
            in_text(f"the shared regional layer must then be at least {pct(shared)}")  # 99.996%
            in_text(f"better than {pct(shared)} together")
            # the trade-off table's regional layer at 99.99% spends the whole budget by itself
            assert av.nines_to_downtime(0.9999) == pytest.approx(budget) and shared > 0.9999
    assert "effectively 100%" not in TEXT
    assert "taking 1 minute" not in TEXT  # a 1-minute failover contradicts the detection window


def test_staff_lens_decision_record():
    lb, region, zone, cache, db = 0.9999, 0.9999, 0.9995, 0.999, 0.9995
    pair = av.parallel(0.995, 2)
    before = av.serial(lb, region, zone, pair, cache, db)
    in_text(f"0.9999 (load balancer) × 0.9999 (region) × 0.9995 (zone) × {pair:.6f} (replica pair) × 0.999 (cache) × "
            f"0.9995 (database) = {pct(before)}, about {av.nines_to_downtime(before):.0f} minutes a month")  # 99.778%, 96
    assert "models at 99.838%" not in TEXT
    # after: soft cache, three zones, the same database failure rate with 2-minute failovers
    api = av.parallel(0.995 * zone, 3)
    in_text(f"$1 - (1 - 0.995 \\times 0.9995)^3 = {api:.5%}".replace("%", "\\%"))  # 99.99998\%
    mtbf = 30 * db / (1 - db)  # the database's 99.95% at a 30-minute manual failover
    in_text(f"MTBF {mtbf:,.0f} minutes")
    db_auto = av.availability_from_mtbf(mtbf, 2)
    in_text(f"${mtbf:,.0f}/{mtbf + 2:,.0f} = {db_auto:.5%}".replace("%", "\\%"))  # 99.99667\%
    after = av.serial(lb, region, api, db_auto)
    used = av.nines_to_downtime(after)
    target = av.nines_to_downtime(0.9995)
    in_text(f"the path models at {pct(after)}, about {used:.1f} minutes a month, leaving {target - used:.1f} minutes")
    assert after > 0.9995


def test_exercise_6():
    mtbf = 15 * 1_440
    in_text(f"15 days is {mtbf:,} minutes")
    today = av.availability_from_mtbf(mtbf, 45)
    a = av.availability_from_mtbf(2 * mtbf, 45)
    b = av.availability_from_mtbf(mtbf, 9)
    in_text(f"= {pct(today)}".replace("%", "\\%"))  # 99.792\%
    in_text(f"43,200/43,245 = {pct(a)}".replace("%", "\\%"))  # 99.896\%
    in_text(f"21,600/21,609 = {pct(b)}".replace("%", "\\%"))  # 99.958\%
    in_text(f"(a) leaves about {av.nines_to_downtime(a):.0f} minutes of downtime and (b) about "
            f"{av.nines_to_downtime(b):.0f}")  # 45, 18
    fold = {2: "twofold", 5: "fivefold"}
    mttr_factor, mtbf_factor = 45 / 9, (2 * mtbf) / mtbf
    in_text(f"(b) is a {fold[round(mttr_factor)]} factor against (a)'s {fold[round(mtbf_factor)]}")
    assert (1 - today) / (1 - b) == pytest.approx(45 / 9, rel=0.01)  # the downtime ratio follows the factor
    in_text("cut in storage recovery time (the time to restore lost chunks)")  # what Ford et al. cut: a cited figure
    halved = av.availability_from_mtbf(mtbf, 45 / 2)
    assert halved == pytest.approx(a)
    in_text(f"to {45 / 2} minutes, would give $21,600/21,622.5 = {pct(halved)}".replace("%", "\\%"))


def test_listing_docstring_examples():
    import doctest

    failures, tried = doctest.testmod(av, verbose=False)
    assert tried >= 3 and failures == 0


def test_small_derived_numbers():
    six_hours = 6 * 3_600
    in_text(f"0.1 × 2,000 × {six_hours:,} = {0.1 * 2_000 * six_hours:,.0f}")  # 21,600 s, 4,320,000 requests
    # five critical dependencies at 99.99% use half of a 99.9% service's budget
    used = (1 - av.serial(*[0.9999] * 5)) / (1 - 0.999)
    assert used == pytest.approx(0.5, abs=0.001)
    in_text(f"{'half' if round(used, 2) == 0.5 else used} the {1 - 0.999:.1%} budget gone")
    in_text(f"A year is {365 * 1_440:,} minutes")
    in_text(f"90 days is 90 × 1,440 = {90 * 1_440:,} minutes")


def test_treynor_worked_budget():
    # Treynor et al.'s example: a 99.99% service over a 365-day year, five critical dependencies at 99.999%
    total = av.nines_to_downtime(0.9999, YEAR)
    dependencies = 5 * av.nines_to_downtime(0.99999, YEAR)
    assert (round(total), round(dependencies)) == (53, 26)
    in_text(f"take {round(dependencies)} of its {round(total)} minutes a year")


def test_github_incident_numbers():
    # the times the box cites (UTC): the partition on 21 October, the fail-back on 22 October
    start = re.search(r"At (\d\d):(\d\d), routine maintenance", TEXT).groups()
    back = re.search(r"failed back to the original topology at (\d\d):(\d\d) on 22 October", TEXT).groups()
    to_failback = 24 * 60 + int(back[0]) * 60 + int(back[1]) - (int(start[0]) * 60 + int(start[1]))
    half = {0: "", 30: " and a half"}[round(to_failback % 60 / 30) * 30]
    in_text(f"at {back[0]}:{back[1]} on 22 October, {to_failback // 60}{half} hours after the partition")
    # GitHub's own total is cited, not derived: it must be at least the stretch the box derives
    hours, minutes = re.search(r"GitHub reports (\d+) hours and (\d+) minutes of degraded service", TEXT).groups()
    assert int(hours) * 60 + int(minutes) >= to_failback
    # Exercise 5 sizes its detection window against the partition the box reports
    partition_s = re.search(r"Connectivity was restored in (\d+) seconds", TEXT).group(1)
    in_text(f"(GitHub's partition lasted {partition_s} seconds)")
    # the two causes of the long recovery are told apart, and fencing is tied to the second
    in_text("Cross-country latency made failing back *necessary*")
    in_text("made failing back *unsafe*")
    assert "removes the cross-country failover that made failing back unsafe" not in TEXT


def test_no_captions_that_open_with_notice_and_no_authoring_log():
    raw = chapter_text("m0-fundamentals/system-qualities.md")
    assert not re.search(r"\bNotice that\b", raw)
    assert "checked November" not in raw


# ------------------------------------------------- the USL fit listing, attacked


def test_usl_fit_recovers_exact_parameters():
    for sigma, kappa in ((0.04, 0.0006), (0.0, 0.0), (0.3, 0.0), (0.0, 0.01), (0.05, 0.002)):
        points = [(n, av.usl_throughput(n, sigma, kappa, 700)) for n in (1, 2, 4, 8, 16)]
        assert av.usl_fit(points) == pytest.approx((sigma, kappa), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    sigma=st.floats(0, 0.5),
    kappa=st.floats(0, 0.01),
    x1=st.floats(1, 1e6),
    sizes=st.sets(st.integers(2, 200), min_size=3, max_size=8),
)
def test_usl_fit_inverts_the_model(sigma, kappa, x1, sizes):
    points = [(1, x1)] + [(n, av.usl_throughput(n, sigma, kappa, x1)) for n in sorted(sizes)]
    fitted_sigma, fitted_kappa = av.usl_fit(points)
    assert fitted_sigma == pytest.approx(sigma, abs=1e-7)
    assert fitted_kappa == pytest.approx(kappa, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(scale=st.floats(0.001, 1_000), order=st.permutations(LOAD_TEST))
def test_usl_fit_ignores_units_and_order(scale, order):
    expected = av.usl_fit(LOAD_TEST)
    assert av.usl_fit([(n, x * scale) for n, x in order]) == pytest.approx(expected, rel=1e-9)


def test_usl_fit_refuses_two_points_and_bad_input():
    with pytest.raises(ValueError, match="three node counts"):
        av.usl_fit([(1, 1_000), (8, 6_050), (16, 9_140)])
    with pytest.raises(ValueError, match="three node counts"):  # repeats of one size are not a new size
        av.usl_fit([(1, 1_000), (8, 6_050), (8, 6_100), (16, 9_140), (16, 9_100)])
    with pytest.raises(ValueError, match="n = 1"):
        av.usl_fit([(2, 1_930), (4, 3_530), (8, 6_050), (16, 9_140)])
    for bad in ((0, 100), (4, 0), (4, -3), (4, math.nan), (math.inf, 10), (math.nan, 10)):
        with pytest.raises(ValueError):
            av.usl_fit([(1, 1_000), (2, 1_930), (8, 6_050), (16, 9_140), bad])
    assert av.usl_fit(iter(LOAD_TEST)) == pytest.approx(av.usl_fit(LOAD_TEST))  # any iterable, consumed once


def lstsq_fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """An independent least-squares fit (numpy) of y = a x^2 + b x, one row per measurement besides n = 1."""
    import numpy as np

    ones = [x for n, x in points if n == 1]
    x1 = sum(ones) / len(ones)
    rows = [(n - 1, n * x1 / x - 1) for n, x in points if n != 1]
    design = np.array([[u * u, u] for u, _ in rows])
    (a, b), *_ = np.linalg.lstsq(design, np.array([y for _, y in rows]), rcond=None)
    return b - a, a


def test_usl_fit_baseline_runs_are_averaged_other_repeats_are_points():
    assert av.usl_fit(LOAD_TEST + LOAD_TEST) == pytest.approx(av.usl_fit(LOAD_TEST))  # a repeated run adds no bias
    baseline_twice = [(1, 990), (1, 1_010)] + LOAD_TEST[1:]
    assert av.usl_fit(baseline_twice) == pytest.approx(av.usl_fit(LOAD_TEST))  # mean of 990 and 1,010
    # two different runs at 8 nodes are two rows of the least squares, not one averaged row: what the docstring says
    repeated = [*LOAD_TEST, (8, 5_800)]
    assert av.usl_fit(repeated) == pytest.approx(lstsq_fit(repeated), rel=1e-9)
    averaged = [(n, (x + 5_800) / 2 if n == 8 else x) for n, x in LOAD_TEST]
    assert av.usl_fit(repeated) != pytest.approx(av.usl_fit(averaged), rel=1e-6)
    assert "repeated runs at a size are averaged" not in (Path(av.__file__).read_text(encoding="utf-8"))


def test_usl_fit_matches_an_independent_least_squares():
    assert av.usl_fit(LOAD_TEST) == pytest.approx(lstsq_fit(LOAD_TEST), rel=1e-9)


def test_usl_fit_rejects_fractional_node_counts():
    for bad in ((2.5, 2_400), (0.5, 600), (True + 0.5, 1_500)):
        with pytest.raises(ValueError, match="whole number"):
            av.usl_fit([*LOAD_TEST, bad])
    assert av.usl_fit([(float(n), x) for n, x in LOAD_TEST]) == pytest.approx(av.usl_fit(LOAD_TEST))  # 8.0 is 8


def test_usl_residuals():
    sigma, kappa = av.usl_fit(LOAD_TEST)
    residuals = av.usl_residuals(LOAD_TEST, sigma, kappa)
    assert [n for n, _ in residuals] == [n for n, _ in LOAD_TEST if n != 1]
    for (n, r), (_, x) in zip(residuals, LOAD_TEST[1:], strict=True):
        assert r == pytest.approx(x / av.usl_throughput(n, sigma, kappa, 1_000) - 1)
    # exact data leave no residual; one run 20% low pushes residuals past a 1% spread (the fit, weighted towards the
    # largest sizes, bends to the broken point and the misfit shows at the small ones: look at all of them)
    exact = [(n, av.usl_throughput(n, 0.05, 0.002, 500)) for n in (1, 2, 4, 8, 16)]
    assert all(abs(r) < 1e-12 for _, r in av.usl_residuals(exact, *av.usl_fit(exact)))
    broken = [*exact[:-1], (16, exact[-1][1] * 0.8)]
    assert max(abs(r) for _, r in av.usl_residuals(broken, *av.usl_fit(broken))) > 0.01
    # a fit that contradicts the model (negative sigma) can still be checked
    superlinear = [(1, 1_000), (2, 2_100), (4, 4_500), (8, 9_600)]
    assert len(av.usl_residuals(superlinear, *av.usl_fit(superlinear))) == 3
    with pytest.raises(ValueError):
        av.usl_residuals(LOAD_TEST, math.nan, kappa)
    with pytest.raises(ValueError):
        av.usl_residuals(LOAD_TEST, -2.0, 0.0)  # predicts no positive throughput
    in_text("`usl_residuals`, in the same listing file, computes these misses")


def test_usl_fit_reports_superlinear_data():
    superlinear = [(1, 1_000), (2, 2_100), (4, 4_500), (8, 9_600)]  # e.g. the working set starts to fit in cache
    sigma, _ = av.usl_fit(superlinear)
    assert sigma < 0, "a fit that contradicts the model is reported, not clamped"


def test_deck_section_repeats_none_of_the_corrected_errors():
    deck = (Path(__file__).resolve().parent.parent / "slides" / "m0-fundamentals.md").read_text(encoding="utf-8")
    section = deck[deck.index("## 2. System Qualities") : deck.index("## 3. ")]
    flat = " ".join(section.split())
    for wrong in ("MTTR is the stronger lever", "Cut MTTR tenfold", "cost per pair", "6,090", "9,174", "effectively 100%",
                  "Four 10-node cells: 28,289", "puts the peak at 44 nodes", "Peak: about 40 nodes",
                  "one database failure every six weeks", "MTBF ≥ MTTR × 1,999: 41.6 days", "The cheapest 43 minutes",
                  "so failing back was unsafe", "partition, do not grow"):
        assert wrong not in flat, wrong
    # the manual-failover slide sizes the month, not only the average
    ratio = 0.9995 / 0.0005
    manual, auto = max_rate(0), max_rate(math.floor(av.nines_to_downtime(0.9995) / 2))
    pinned(flat, f"Average: MTBF {30 * ratio / 1_440:.1f} days manual, {2 * ratio / 1_440:.1f} at 2 min; half the months "
            "miss")
    pinned(flat, f"9 months in 10: {30 / manual:.0f} days manual, {30 / auto:.1f} at 2 min")

    # the load-test slides: rounded parameters named; the rejected and the chosen cell plans with their utilizations
    def x(n: int) -> float:
        return av.usl_throughput(n, 0.04, 0.0006, 1_000)

    peak = av.usl_peak(0.04, 0.0006)
    pinned(flat, f"Rounded to 0.04 / 0.0006: peak at {peak:.0f} nodes, {x(peak):,.0f} QPS")
    four = 4 * x(10)
    pinned(flat, f"Four 10-node cells: {25_000 / four:.0%} busy, {25_000 / 4 / x(7) * 100:.0f}–{25_000 / 4 / x(6):.0%} after "
            "a zone loss")
    pinned(flat, f"four of them at {four:,.0f}, {four / 25_000 - 1:.0%} above the forecast")
    cells = math.ceil(25_000 / (0.75 * x(6)))
    pinned(flat, f"Seven 9-node cells, 3 per zone: {25_000 / cells / x(9):.0%} busy, {25_000 / cells / x(6):.0%} after a "
            "zone loss")
    assert cells == 7
    # the levers are compared at equal factors, and the fit uses every load-test point
    two = av.availability_from_mtbf(1_440, 1)
    pinned(flat, f"Double MTBF or halve MTTR: {pct(two)}")
    pinned(flat, "QPS by nodes: " + "; ".join(f"{n}→{x:,}" for n, x in LOAD_TEST))
    sigma, kappa = av.usl_fit(LOAD_TEST)
    pinned(flat, f"$\\sigma = {sigma:.4f}$, $\\kappa = {kappa:.6f}$")
    pinned(flat, "Failover and fallback can cause the outage")
