"""Tests for the System Qualities chapter: its availability listing, and every formula number in its prose."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from listings import chapter_text, load_listing

av = load_listing("m0-fundamentals/code/availability.py")
TEXT = " ".join(chapter_text("m0-fundamentals/system-qualities.md").split())  # line breaks fall anywhere in prose

YEAR, MONTH, WEEK = 525_600, 43_200, 10_080
QUARTER = 90 * 24 * 60


def pct(value: float, places: int = 3) -> str:
    """Format an availability as the chapter does: 0.998613 -> '99.861%'."""
    return f"{value:.{places}%}"


def in_text(snippet: str) -> None:
    """Assert that the snippet appears in the chapter, ignoring how the prose is wrapped."""
    snippet = " ".join(snippet.split())
    assert snippet in TEXT, f"{snippet!r} not found in the chapter"


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


# ------------------------------------------------- numbers in the chapter prose


def test_time_versus_requests_worked_example():
    month_s = MONTH * 60
    total = 2_000 * month_s
    in_text(f"{month_s:,} s")
    in_text(f"{total:,}")
    in_text(pct(1 - 60 / MONTH))  # 99.861%
    off_peak, peak, partial = 400 * 3_600, 4_000 * 3_600, 0.1 * 2_000 * 6 * 3_600
    for lost in (off_peak, peak, partial):
        in_text(f"{lost:,.0f}")
    in_text(pct(1 - off_peak / total))  # 99.972%
    in_text(pct(1 - peak / total))  # 99.722%
    in_text(pct(1 - partial / total))  # 99.917%
    in_text(pct(off_peak / total))  # 0.028%
    in_text(pct(peak / total))  # 0.278%


def test_mtbf_levers():
    in_text(pct(av.availability_from_mtbf(720, 1)))  # 99.861%
    in_text(pct(av.availability_from_mtbf(1_440, 1)))  # 99.931%
    in_text(pct(av.availability_from_mtbf(720, 0.1)))  # 99.986%


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
    in_text("25.9 seconds a month")


def test_human_failover_worked_example():
    budget = av.nines_to_downtime(0.9995)
    in_text(f"= {budget:.1f} minutes a month")  # 21.6
    ratio = 0.9995 / 0.0005
    in_text(f"MTTR × {ratio:,.0f}")  # 1,999
    assert round(0.999 / 0.001) == 999
    in_text("at 99.9% it is 999")
    for mttr, days in ((30, 41.6), (2, 2.8)):
        mtbf = mttr * ratio
        in_text(f"MTBF ≥ {mtbf:,.0f} minutes, about {days} days")
        assert mtbf / 1_440 == pytest.approx(days, abs=0.05)


def test_serial_and_parallel_numbers():
    in_text(f"0.999⁵ = {pct(av.serial(*[0.999] * 5))}")  # 99.501%
    in_text(f"ten give {pct(av.serial(*[0.999] * 10))}")  # 99.004%
    in_text(f"0.9999⁵ = {pct(av.serial(*[0.9999] * 5))}")  # 99.950%
    ten_at_four_nines = av.serial(*[0.9999] * 10)
    in_text(f"give {pct(ten_at_four_nines)}, the entire budget")  # 99.900%
    assert av.nines_to_downtime(ten_at_four_nines) == pytest.approx(43.2, abs=0.05)
    in_text(f"1 − 0.001² = {pct(av.parallel(0.999, 2), 4)}")  # 99.9999%
    in_text(f"three give {pct(av.parallel(0.999, 3), 7)}")  # 99.9999999%


def test_request_path_worked_example():
    lb, db, cache = 0.9999, 0.9995, 0.999
    pair = av.parallel(0.995, 2)
    in_text(pct(pair, 4))  # 99.9975%
    in_text(f"0.9999 × 0.995 × 0.9995 = {pct(av.serial(lb, 0.995, db))}")  # 99.440%
    hard_cache = av.serial(lb, pair, cache, db)
    soft_cache = av.serial(lb, pair, db)
    in_text(f"= {pct(hard_cache)}")  # 99.838%
    in_text(f"(1 − {hard_cache:.6f}) × 43,200 ≈ {av.nines_to_downtime(hard_cache):.1f} minutes")  # 70.2
    in_text(f"= {pct(soft_cache)}, about {av.nines_to_downtime(soft_cache):.1f} minutes")  # 99.938%, 27.0
    saved = av.nines_to_downtime(soft_cache) - av.nines_to_downtime(hard_cache)
    assert round(-saved) == 43
    in_text("cheapest 43 minutes")
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


def test_load_coupling():
    assert 2 * 70 == 140
    in_text("at 70% utilization fails, the survivor needs 140%")


def test_resiliency_example():
    in_text(f"1 − 60/525,600 = {pct(1 - 60 / YEAR)}")  # 99.989%
    assert 12 * 5 == 60


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
    in_text(f"from {x_peak:,.0f}\nto {x80:,.0f} QPS")
    x8 = av.usl_throughput(8, sigma, kappa, x1)
    x16 = av.usl_throughput(16, sigma, kappa, x1)
    in_text(f"From 8 to 16 nodes, {x8:,.0f} to {x16:,.0f} QPS")


def test_usl_worked_example_fit():
    sigma, kappa, x1 = 0.04, 0.0006, 1_000
    x8 = round(av.usl_throughput(8, sigma, kappa, x1))
    x16 = round(av.usl_throughput(16, sigma, kappa, x1))
    assert (x8, x16) == (6_090, 9_174)
    in_text(f"measures {x8:,} QPS on 8 nodes and\n{x16:,} QPS on 16")
    lhs8 = 8 / (x8 / x1) - 1
    lhs16 = 16 / (x16 / x1) - 1
    in_text(f"8/6.090 - 1 = {lhs8:.4f} = 7\\sigma + 56\\kappa")
    in_text(f"16/9.174 - 1 = {lhs16:.4f} = 15\\sigma + 240\\kappa")
    scaled = round(lhs8, 4) * 15 / 7
    in_text(f"{round(lhs16, 4):.4f} - {scaled:.4f} = {round(lhs16, 4) - scaled:.4f} = 120\\kappa")
    k_fit = (round(lhs16, 4) - scaled) / 120
    s_fit = (round(lhs8, 4) - 56 * round(k_fit, 5)) / 7
    assert f"{k_fit:.5f}" == "0.00060" and f"{s_fit:.3f}" == "0.040"
    # the exact solution of the two linear equations with unrounded data
    e8 = 8 / (av.usl_throughput(8, sigma, kappa)) - 1
    e16 = 16 / (av.usl_throughput(16, sigma, kappa)) - 1
    k_exact = (e16 - e8 * 15 / 7) / 120
    assert k_exact == pytest.approx(kappa) and (e8 - 56 * k_exact) / 7 == pytest.approx(sigma)


def test_usl_worked_example_decision():
    sigma, kappa, x1 = 0.04, 0.0006, 1_000
    in_text(f"$X(40) = {av.usl_throughput(40, sigma, kappa, x1):,.0f}$ QPS")
    cell = av.usl_throughput(10, sigma, kappa, x1)
    in_text(f"$10,000/(1 + {sigma * 9:.2f} + {kappa * 10 * 9:.3f}) = {cell:,.0f}$ QPS")  # 7,072
    in_text(f"at {cell / (10 * x1):.1%} efficiency")  # 70.7%
    four = 4 * cell
    in_text(f"deliver {four:,.0f} QPS, {four / 25_000 - 1:.0%} above")  # 28,289, 13%
    assert av.usl_throughput(40, sigma, kappa, x1) / 25_000 < 0.5  # "more than twice"


def test_incident_numbers():
    start = 9 * 60 + 37
    assert (12 * 60 + 26 - start, 13 * 60 + 18 - start, 13 * 60 + 54 - start) == (169, 221, 257)
    for minutes in (169, 221, 257):
        in_text(f"({minutes} minutes")
    budget = av.nines_to_downtime(0.999, YEAR)
    in_text(f"257 minutes is {257 / budget:.1%} of a year's 99.9% budget\n({budget:.1f} minutes)")


def test_trade_off_table():
    in_text(f"0.995 × 0.9995 = {pct(av.serial(0.995, 0.9995))}")  # 99.450%
    in_text(f"0.9995 × (1 − 0.005²) = {pct(av.serial(0.9995, av.parallel(0.995, 2)))}")  # 99.948%
    three_zones = av.serial(0.9999, av.parallel(av.serial(0.995, 0.9995), 3))
    in_text(f"0.9999 × (1 − (1 − 0.995 × 0.9995)³) = {pct(three_zones)}")  # 99.990%
    assert 2 / 1.5 == pytest.approx(4 / 3)  # "grows by a third or more"


def test_exercise_1():
    budget = av.nines_to_downtime(0.9995, QUARTER)
    in_text(f"(1 − 0.9995) × 129,600 = {budget:.1f} minutes")  # 64.8
    seconds = QUARTER * 60
    requests = 3_000 * seconds
    in_text(f"90 days is {seconds:,} s")
    in_text(f"3,000 × {seconds:,} = {requests:,} requests")
    in_text(f"0.0005 × {requests:,} = {round(0.0005 * requests):,} failed requests")
    in_text(f"leaving {budget - 50:.1f}")


def test_exercise_2():
    real = av.serial(0.9995, 0.9995, av.parallel(0.999, 3))
    in_text(f"0.9995 × 0.9995 × (1 − 0.001³) = {0.9995**2:.8f} × 0.999999999 ≈ {pct(real)}")
    in_text(f"{av.nines_to_downtime(real):.1f} minutes a month")
    claimed = av.nines_to_downtime(av.parallel(0.999, 3)) * 60 * 1_000  # milliseconds
    in_text(f"not {claimed:.1f} milliseconds")


def test_exercise_3():
    in_text(f"1 − 257/525,600 = {pct(1 - 257 / YEAR)}")  # 99.951%
    in_text(f"257/52.56 = {257 / av.nines_to_downtime(0.9999, YEAR):.2f} times")  # 4.89


def test_exercise_4():
    sigma, kappa, x1 = 0.05, 0.002, 500
    x4, x12 = round(av.usl_throughput(4, sigma, kappa, x1)), round(av.usl_throughput(12, sigma, kappa, x1))
    assert (x4, x12) == (1_704, 3_308)
    in_text(f"measure {x4:,} QPS on 4 nodes and {x12:,} QPS on 12")
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
    peak = av.usl_peak(sigma, kappa)
    in_text(f"\\sqrt{{475}} \\approx {peak:.1f}")  # 21.8
    x22 = av.usl_throughput(22, sigma, kappa, x1)
    denom = 1 + sigma * 21 + kappa * 22 * 21
    in_text(f"= 11,000/{denom:.3f} \\approx {x22:,.0f}$ QPS")  # 2.974, 3,699
    in_text(f"2 × 3,308 = {2 * x12:,} QPS")


def test_exercise_5():
    db = av.availability_from_mtbf(129_600, 1)
    in_text(f"$A = 129,600/129,601 = {db:.5%}".replace("%", "\\%"))  # 99.99923\%
    path = av.serial(0.99999, round(db, 7), 0.99995)
    in_text(f"0.99999 × {round(db, 7)} × 0.99995 ≈ {pct(path)}")  # 99.993%
    used = av.nines_to_downtime(path)
    in_text(f"about {used:.1f} minutes a month, leaving about {4.32 - used:.1f}")  # 2.9, 1.4
    assert av.parallel(0.999, 3) == pytest.approx(1, abs=1e-8)


def test_exercise_6():
    mtbf = 15 * 1_440
    in_text(f"15 days is {mtbf:,} minutes")
    today = av.availability_from_mtbf(mtbf, 45)
    a = av.availability_from_mtbf(2 * mtbf, 45)
    b = av.availability_from_mtbf(mtbf, 9)
    in_text(f"= {pct(today)}".replace("%", "\\%"))  # 99.792\%
    in_text(f"43,200/43,245 = {pct(a)}".replace("%", "\\%"))  # 99.896\%
    in_text(f"21,600/21,609 = {pct(b)}".replace("%", "\\%"))  # 99.958\%
    assert round(av.nines_to_downtime(a)) == 45 and round(av.nines_to_downtime(b)) == 18
    in_text("(a) leaves about 45\nminutes of downtime and (b) about 18")


def test_listing_docstring_examples():
    import doctest

    failures, tried = doctest.testmod(av, verbose=False)
    assert tried >= 3 and failures == 0


def test_small_derived_numbers():
    in_text(f"0.1 × 2,000 × {6 * 3_600:,} = 4,320,000")  # six hours in seconds
    # five critical dependencies at 99.99% use half of a 99.9% service's budget
    used = (1 - av.serial(*[0.9999] * 5)) / (1 - 0.999)
    assert used == pytest.approx(0.5, abs=0.001)
    in_text("half the 0.1% budget gone")
    in_text(f"A year is {YEAR:,} minutes")
    in_text(f"90 days is 90 × 1,440 = {QUARTER:,} minutes")
    assert 41.6 / 7 == pytest.approx(6, abs=0.1)  # "about once every six weeks"
    in_text("about once every six weeks")


def test_treynor_worked_budget():
    # Treynor et al.'s example: a 99.99% service over a 365-day year, five critical dependencies at 99.999%
    total = av.nines_to_downtime(0.9999, YEAR)
    dependencies = 5 * av.nines_to_downtime(0.99999, YEAR)
    assert (round(total), round(dependencies)) == (53, 26)
    in_text(f"take {round(dependencies)} of its {round(total)} minutes a year")
