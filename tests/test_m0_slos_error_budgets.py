"""Tests for the SLO chapter: its listing (slo_math.py) and every number in its prose that comes from a formula."""
from __future__ import annotations

import math

import pytest
from listings import chapter_text, load_listing

slo = load_listing("m0-fundamentals/code/slo_math.py")
TEXT = chapter_text("m0-fundamentals/slos-error-budgets.md")
MONTH_MIN = 30 * 24 * 60  # a 30-day window in minutes
MONTH_H = 30 * 24


def in_text(fragment: str) -> None:
    assert fragment in TEXT, f"{fragment!r} not found in the chapter"


def comma(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


# --- the listing -------------------------------------------------------------------------------------------


def test_error_budget_minutes() -> None:
    assert slo.error_budget_minutes(0.999, 30) == pytest.approx(43.2)
    assert slo.error_budget_minutes(0.99, 28) == pytest.approx(403.2)
    for bad in (0.0, 1.0, 99.9, -0.5):
        with pytest.raises(ValueError):
            slo.error_budget_minutes(bad, 30)


def test_burn_rate_and_exhaustion_match_workbook_table_5_4() -> None:
    # Workbook Table 5-4, 99.9% SLO over 30 days: burn 1, 2, 10, 1,000 -> 30 d, 15 d, 3 d, 43 min.
    for error, burn, hours in ((0.001, 1, 720), (0.002, 2, 360), (0.01, 10, 72), (1.0, 1000, 0.72)):
        b = slo.burn_rate(error, 0.999)
        assert b == pytest.approx(burn)
        assert slo.time_to_exhaustion_hours(b, 30) == pytest.approx(hours)
    assert slo.time_to_exhaustion_hours(0.0, 30) == math.inf
    assert slo.time_to_exhaustion_hours(2.0, 30, budget_left=0.5) == pytest.approx(180)
    with pytest.raises(ValueError):
        slo.burn_rate(1.5, 0.999)


def test_budget_consumed_reproduces_workbook_table_5_8() -> None:
    assert slo.budget_consumed(14.4, 1, 30) == pytest.approx(0.02)
    assert slo.budget_consumed(6, 6, 30) == pytest.approx(0.05)
    assert slo.budget_consumed(1, 72, 30) == pytest.approx(0.10)


def test_detection_time() -> None:
    assert slo.detection_minutes(1.0, 0.999, 60, 14.4) == pytest.approx(0.864)
    assert slo.detection_minutes(0.15, 0.999, 60, 14.4) == pytest.approx(5.76)
    # Too low an error ratio never reaches the threshold; exactly the threshold takes the whole window.
    assert slo.detection_minutes(0.0143, 0.999, 60, 14.4) == math.inf
    assert slo.detection_minutes(0.0144, 0.999, 60, 14.4) == pytest.approx(60)
    # At detection, the budget spent is the fixed share b* W / T whatever the error ratio.
    for e in (0.02, 0.2, 1.0):
        t = slo.detection_minutes(e, 0.999, 60, 14.4)
        assert slo.burn_rate(e, 0.999) * t / MONTH_MIN == pytest.approx(0.02)


def test_fanout_probability() -> None:
    assert slo.fanout_slow_probability(0.99, 1) == pytest.approx(0.01)
    assert slo.fanout_slow_probability(1.0, 1000) == 0.0
    assert slo.fanout_slow_probability(0.0, 3) == 1.0
    assert slo.fanout_slow_probability(0.99, 100) == pytest.approx(0.634, abs=5e-4)
    for p, n in ((1.2, 3), (0.5, 0)):
        with pytest.raises(ValueError):
            slo.fanout_slow_probability(p, n)


def test_percentile_nearest_rank() -> None:
    data = list(range(1, 101))  # 1..100
    assert slo.percentile(data, 0.99) == 99
    assert slo.percentile(data, 0.5) == 50
    assert slo.percentile(data, 1.0) == 100
    assert slo.percentile([7.0], 0.99) == 7.0
    assert slo.percentile(list(reversed(data)), 0.99) == 99  # order of input does not matter
    with pytest.raises(ValueError):
        slo.percentile([], 0.99)
    with pytest.raises(ValueError):
        slo.percentile(data, 0.0)


def test_simulation_is_seeded_and_shaped_as_described() -> None:
    hosts = slo.simulate_hosts()
    assert hosts == slo.simulate_hosts()  # same seed, same samples
    assert hosts != slo.simulate_hosts(seed=8)
    assert [len(h) for h in hosts] == [20_000] + [2_000] * 9


@pytest.mark.parametrize("seed", [1, 7, 42, 2026])
def test_merged_p99_lies_between_per_host_extremes_and_differs_from_the_mean(seed: int) -> None:
    hosts = slo.simulate_hosts(seed)
    per_host = [slo.percentile(h, 0.99) for h in hosts]
    mean_p99, merged_p99 = slo.mean_of_p99s_vs_merged(hosts)
    assert min(per_host) <= merged_p99 <= max(per_host)
    assert mean_p99 == pytest.approx(sum(per_host) / len(per_host))
    assert merged_p99 > 1.5 * mean_p99  # the hot, busy host dominates the true tail


def test_mean_of_p99s_equals_merged_for_identical_hosts() -> None:
    host = [float(v) for v in range(1, 201)]
    mean_p99, merged = slo.mean_of_p99s_vs_merged([host, host, host])
    assert mean_p99 == merged == 198.0


def test_coordinated_omission_correction() -> None:
    # HdrHistogram README: 10,000 samples of 1 ms at a 10 ms interval, then one 100 s sample.
    raw = [1.0] * 10_000 + [100_000.0]
    fixed = slo.correct_coordinated_omission(raw, 10.0)
    assert len(fixed) == 20_000
    assert sum(v <= 1.0 for v in fixed) / len(fixed) == 0.5
    assert min(v for v in fixed if v > 1.0) == 10.0
    # Nothing to add when no sample exceeds the interval.
    assert slo.correct_coordinated_omission([1.0, 9.9, 10.0], 10.0) == [1.0, 9.9, 10.0]
    assert slo.correct_coordinated_omission([25.0], 10.0) == [25.0, 15.0]
    with pytest.raises(ValueError):
        slo.correct_coordinated_omission(raw, 0)


# --- numbers in the prose ----------------------------------------------------------------------------------


def test_latency_section_numbers() -> None:
    in_text(comma(1000 * 0.01 * 86_400))  # slow requests a day at 1,000 QPS
    in_text(f"{1 - 0.99**40:.1%}")  # 33.1%


def test_request_versus_window_based_numbers() -> None:
    in_text(comma(MONTH_MIN))
    lost = 30 * 0.1 / MONTH_MIN  # 30 minutes at 10% of average traffic
    in_text(f"{lost:.4%}")  # 0.0069%
    in_text(f"{lost / 0.001:.1%}")  # 6.9%
    in_text(f"{30 / MONTH_MIN / 0.001:.1%}")  # 69.4%


def test_budget_table() -> None:
    for target, m30, m28 in (
        (0.99, "432 min (7.2 h)", "403.2 min"),
        (0.995, "216 min (3.6 h)", "201.6 min"),
        (0.999, "43.2 min", "40.3 min"),
        (0.9995, "21.6 min", "20.2 min"),
        (0.9999, "4.32 min", "4.03 min"),
    ):
        for days, shown in ((30, m30), (28, m28)):
            number = shown.split()[0]
            decimals = len(number.split(".")[1]) if "." in number else 0
            assert round(slo.error_budget_minutes(target, days), decimals) == float(number)
        in_text(f"| {target * 100:g}% | {m30} | {m28} |")
    assert slo.error_budget_minutes(0.99, 30) / 60 == pytest.approx(7.2)
    assert slo.error_budget_minutes(0.995, 30) / 60 == pytest.approx(3.6)
    in_text(f"{slo.error_budget_minutes(0.99999, 30) * 60:.1f} s")  # 25.9 s
    in_text(f"{slo.error_budget_minutes(0.99999, 28) * 60:.1f} s")  # 24.2 s
    in_text(f"99.9% of 1,000,000 allows {comma((1 - 0.999) * 1_000_000)} failures")
    # Over 30 days, 1,000,000 requests is 1,000,000 / 43,200 a minute: 1,000 failures is 43.2 full-outage minutes.
    assert round(1_000 / (1_000_000 / MONTH_MIN)) == 43
    in_text("forty-three one-minute total outages")


def test_burn_rate_section_numbers() -> None:
    in_text(f"{slo.error_budget_minutes(0.999, 30):.1f}")  # 43.2
    for burn, hours in ((14.4, 1), (6, 6), (1, 72)):
        share = slo.budget_consumed(burn, hours, 30)
        in_text(f"{burn:g} × {hours} h / 720 h = {share:.0%}")
        in_text(f"{burn * 0.001:.2%}".replace("0.60%", "0.6%").replace("0.10%", "0.1%"))
    in_text(f"{slo.time_to_exhaustion_hours(35, 30):.1f} hours")  # 20.6
    in_text(f"{slo.detection_minutes(1.0, 0.999, 60, 14.4):.3f}")  # 0.864
    in_text(f"({slo.detection_minutes(1.0, 0.999, 60, 14.4) * 60:.0f} seconds)")  # 52 seconds
    in_text(f"{slo.detection_minutes(0.15, 0.999, 60, 14.4):.2f} minutes")  # 5.76
    in_text(f"{slo.detection_minutes(0.02, 0.999, 60, 14.4):.1f} minutes")  # 43.2


def test_low_traffic_and_extreme_targets() -> None:
    requests = 10 * MONTH_H
    in_text(f"allows {requests * 0.001:.1f} failures")  # 7.2
    in_text(f"{1 / (requests * 0.001):.1%}")  # 13.9%
    in_text(f"0.1 / 0.001 = {slo.burn_rate(0.1, 0.999):.0f}x")  # 100x
    in_text(f"({slo.burn_rate(0.1, 0.999):.0f} × 1 h / 720 h)")
    assert slo.budget_consumed(slo.burn_rate(0.1, 0.999), 1, 30) == pytest.approx(1 / 7.2)
    in_text(f"{slo.budget_consumed(slo.burn_rate(1.0, 0.90), 1, 30):.2%}")  # 1.39%
    in_text(f"{slo.error_budget_minutes(0.99999, 30) * 60:.1f} seconds")  # 25.9


def test_bad_release_worked_example() -> None:
    budget = slo.error_budget_minutes(0.999, 30)
    in_text(f"{0.2 * budget:.2f} minutes")  # 8.64
    burn = slo.burn_rate(0.40, 0.999)
    in_text(f"b = 0.40 / 0.001 = {burn:.0f}")
    detect = slo.detection_minutes(0.40, 0.999, 60, 14.4)
    in_text(f"= {detect:.2f} minutes")  # 2.16
    in_text(f"{burn:.0f} × {detect:.2f} / 43,200 =\n{burn * detect / MONTH_MIN:.0%}")
    spent_minutes = 25 * 0.40
    in_text(f"25 × 0.40 = {spent_minutes:.0f} full-outage")
    in_text(f"{spent_minutes / budget:.1%}")  # 23.1%
    in_text(f"overdrawn by {spent_minutes / budget - 0.20:.1%}")  # 3.1%
    in_text(f"43,200 / 400 = {MONTH_MIN / burn:.0f} minutes")  # 108
    in_text(f"20 × 25 / 43,200 = {slo.burn_rate(0.05 * 0.40, 0.999) * 25 / MONTH_MIN:.1%}")  # 1.2%


def test_fanout_numbers() -> None:
    in_text(f"1 − 0.99^100 = {slo.fanout_slow_probability(0.99, 100):.1%}")
    in_text(f"1 − 0.9999^2000 = {slo.fanout_slow_probability(0.9999, 2000):.1%}")
    in_text(f"1 − 0.99^69 = {slo.fanout_slow_probability(0.99, 69):.2%}")
    assert slo.fanout_slow_probability(0.99, 68) < 0.5 <= slo.fanout_slow_probability(0.99, 69)
    assert slo.fanout_slow_probability(0.999, 692) < 0.5 <= slo.fanout_slow_probability(0.999, 693)
    in_text("n = 69")
    in_text("n = 693")
    in_text(f"0.99^(1/100) = {0.99 ** (1 / 100):.5f}")
    in_text(f"1 − 0.999^100 = {slo.fanout_slow_probability(0.999, 100):.1%}")
    in_text(f"100 × 0.001 = {100 * 0.001:.0%}")


def test_aggregation_numbers() -> None:
    hosts = slo.simulate_hosts()
    per_host = [slo.percentile(h, 0.99) for h in hosts]
    mean_p99, merged = slo.mean_of_p99s_vs_merged(hosts)
    in_text(f"({len(hosts[0]):,} of {sum(map(len, hosts)):,} requests, {len(hosts[0]) / sum(map(len, hosts)):.1%})")
    in_text(f"{per_host[0]:.1f} ms")
    in_text(f"{min(per_host[1:]):.1f} ms to {max(per_host[1:]):.1f} ms")
    in_text(f"{mean_p99:.1f} ms")
    in_text(f"{merged:.1f} ms")
    # Prometheus's linear interpolation inside a bucket: 200-300 ms and 300-450 ms, rank 0.95.
    in_text(f"{(0.2 + 0.95 * 0.1) * 1000:.0f} ms")
    in_text(f"{(0.3 + 0.95 * 0.15) * 1000:.1f} ms")
    # Failure mode: no bucket at 300 ms, so interpolation inside 200-450 ms counts a 320 ms spike as partly fast.
    in_text(f"(300 − 200) / (450 − 200) = {(300 - 200) / (450 - 200):.0%}")
    # DDSketch at alpha = 1% over 1 us .. 1 h: log_gamma(3.6e9) buckets.
    gamma = 1.01 / 0.99
    buckets = math.log(3.6e9) / math.log(gamma)
    assert 1_050 < buckets < 1_150
    in_text("about 1,100")


def test_load_test_numbers() -> None:
    in_text(f"50 connections at 5 ms offer {comma(50 / 0.005)} QPS, at 50 ms only {comma(50 / 0.05)} QPS")
    raw = [1.0] * 10_000 + [100_000.0]
    fixed = slo.correct_coordinated_omission(raw, 10.0)
    in_text(f"= {sum(raw) / len(raw):.1f} ms")  # 11.0 ms
    assert slo.percentile(raw, 0.99) == slo.percentile(raw, 0.9999) == 1.0
    in_text(f"− 1 = {len(fixed) - len(raw):,} requests")  # 9,999
    in_text(f"Of {len(fixed):,} samples")
    in_text(f"p75 is\n{slo.percentile(fixed, 0.75) / 1000:.0f} s")
    in_text(f"the p99 is {slo.percentile(fixed, 0.99) / 1000:.0f} s")
    in_text(f"the mean is {sum(fixed) / len(fixed) / 1000:.1f} s")
    in_text("10,001 samples")


def test_incident_illustration_numbers() -> None:
    down, fleet = 775 * 14, 200_000 * 30
    in_text(f"{down:,} customer-days")
    in_text(f"{fleet:,}")
    in_text(f"{down / fleet:.2%}")  # 0.18%
    in_text(f"{1 - down / fleet:.2%}")  # 99.82%
    in_text(f"16 / 30 = {16 / 30:.1%}")


def test_trade_off_and_staff_lens_numbers() -> None:
    in_text(f"24 × 6 = {24 * 6}")
    ticket = slo.detection_minutes(0.005, 0.999, 72 * 60, 1)
    in_text(f"{ticket:.0f} min ({ticket / 60:.1f} h)")
    windows = {"5m", "30m", "1h", "6h", "3d"}
    in_text(f"{len(windows)} recording rules per SLI")
    in_text(f"{slo.error_budget_minutes(0.999, 28):.1f} minutes of budget per 28")
    assert (1 - 0.995) / (1 - 0.999) == pytest.approx(5)
    series = 12 * 20 * 3 * 50
    in_text(f"{series:,} series today and {series * 10:,} with ten times the instances")
    in_text("multiply that by 4,000")
    in_text(f"1 − 0.99^20 = {slo.fanout_slow_probability(0.99, 20):.1%}")
    in_text(f"1 − 0.99^200 = {slo.fanout_slow_probability(0.99, 200):.1%}")


def test_exercise_1_numbers() -> None:
    in_text(f"{slo.error_budget_minutes(0.9995, 28):.2f} minutes")  # 20.16
    requests = 300 * 86_400 * 28
    budget = 0.0005 * requests
    in_text(f"{requests:,}")
    in_text(f"{budget:,.0f} failed requests")
    per_deploy = 90 * 300 * 0.20
    deploys = 10 * 28
    in_text(f"{per_deploy:,.0f} failures")
    in_text(f"{deploys} × {per_deploy:,.0f} = {deploys * per_deploy:,.0f}")
    in_text(f"{deploys * per_deploy / budget:.1%}")  # 416.7%
    allowed = 0.25 * budget / deploys
    in_text(f"= {allowed:.0f} failures per deploy")
    in_text(f"{allowed / per_deploy:.0%} of today's")
    in_text(f"= {allowed / (300 * 0.2):.1f}\nseconds")


def test_exercise_2_numbers() -> None:
    burn = slo.burn_rate(0.03, 0.999)
    in_text(f"b = 0.03 / 0.001 = {burn:.0f}")
    page = slo.detection_minutes(0.03, 0.999, 60, 14.4)
    in_text(f"{page:.1f} minutes")  # 28.8
    in_text(f"{slo.detection_minutes(0.03, 0.999, 5, 14.4):.1f} minutes")  # 2.4
    in_text(f"{slo.detection_minutes(0.03, 0.999, 360, 6):.0f} minutes (10:12)")
    in_text(f"{slo.detection_minutes(0.03, 0.999, 4320, 1):.0f} minutes (11:24)")
    in_text(f"{burn * page / MONTH_MIN:.1%} at the page")  # 2.0%
    in_text(f"{slo.time_to_exhaustion_hours(burn, 30):.0f} hours")  # 24
    in_text(f"{(page + 45) * burn / MONTH_MIN:.1%}")  # 5.1%


def test_exercise_3_to_6_numbers() -> None:
    in_text(f"14.4 × 1% = {14.4 * 0.01:.1%}")
    # Exercise 4
    in_text(f"200,000 / 60 = {200_000 / 60:,.0f}")
    in_text(f"20 / 6 ms = {20 / 0.006:,.0f}")
    stall = 3000 * 1.5
    minute = 3000 * 60
    in_text(f"3,000 × 1.5 = {stall:,.0f}")
    in_text(f"3,000 × 60 = {minute:,.0f} a minute ({stall / minute:.1%})")
    quick = 3000 * 0.05
    in_text(f"3,000 × 0.05 = {quick:.0f}")
    in_text(f"about {stall - quick:,.0f} requests, {(stall - quick) / minute:.1%}")
    slowest = 0.01 * minute
    in_text(f"{slowest:,.0f} requests a minute")
    in_text(f"1.5 × (1 − 1,800 / 4,500) = {1.5 * (1 - slowest / stall):.1f} s")
    in_text(f"20 / 3,000 QPS = {20 / 3000 * 1000:.1f} ms")
    # Exercise 5
    ratio = 6 / 4000
    in_text(f"6 / 4,000 = {ratio:.2%}")
    in_text(f"burn rate {slo.burn_rate(ratio, 0.999):.1f}")
    in_text(f"(0.001 / 0.0015) × 72 h = {0.001 / ratio * 72:.0f} hours")
    in_text(f"1.5 × 36 h / 720 h = {slo.budget_consumed(1.5, 36, 30):.1%}")
    in_text(f"1 − 36 / 720 = {1 - 36 / 720:.1%}")
    in_text(f"burn rate of {slo.burn_rate(1.0, 0.999):,.0f}")
    # Exercise 6
    in_text(f"0.0005 × 40,320 = {0.0005 * 40_320:.1f}")
    in_text(f"0.99^(1/50) = {0.99 ** (1 / 50):.5f}")
    in_text(f"14.4 × 0.05% × 1,500 = {14.4 * 0.0005 * 1500:.1f}")
    assert math.ceil(14.4 * 0.0005 * 1500) == 11
    in_text("11 failures in 5 minutes")
