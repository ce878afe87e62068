"""Tests for the SLO chapter: its listing (slo_math.py) and every number in its prose that comes from a formula."""
from __future__ import annotations

import heapq
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listings import chapter_text, load_listing, pinned

slo = load_listing("m0-fundamentals/code/slo_math.py")
TEXT = chapter_text("m0-fundamentals/slos-error-budgets.md")
MONTH_MIN = 30 * 24 * 60  # a 30-day window in minutes
MONTH_H = 30 * 24


FLAT = " ".join(TEXT.split())  # line breaks and list indentation read as single spaces


WORDS = {4: "four", 5: "five", 43: "forty-three"}
# The Workbook's multiwindow, multi-burn-rate alerts (Table 5-8): severity, long and short window in minutes, burn rate.
ALERTS = [("Page", 60, 5, 14.4), ("Page", 360, 30, 6), ("Ticket", 4320, 360, 1)]


def in_text(fragment: str) -> None:
    """Assert that the fragment occurs exactly once in the chapter, however the prose is wrapped."""
    pinned(FLAT, fragment)


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


def test_detection_time_from_a_baseline() -> None:
    # A zero baseline is the clean-start formula (1 - SLO) / e x W x b*.
    assert slo.detection_minutes(0.03, 0.999, 60, 14.4, baseline=0.0) == pytest.approx(0.001 / 0.03 * 60 * 14.4)
    # Check against a minute-by-minute window average: baseline before the step, new ratio after it.
    for window, threshold in ((60, 14.4), (360, 6), (4320, 1)):
        t = slo.detection_minutes(0.03, 0.999, window, threshold, baseline=0.0005)
        minutes = math.ceil(t)
        average = (minutes * 0.03 + (window - minutes) * 0.0005) / window
        before = ((minutes - 1) * 0.03 + (window - minutes + 1) * 0.0005) / window
        assert before < threshold * 0.001 <= average
    # A baseline already over the threshold fires at once; a step below it never fires.
    assert slo.detection_minutes(0.03, 0.999, 60, 1, baseline=0.002) == 0.0
    assert slo.detection_minutes(0.005, 0.999, 60, 14.4, baseline=0.0005) == math.inf


# Attacks on the listing found in review; each failed on the listing at commit 0fd6ebe.


@pytest.mark.parametrize("bad", [0.0, 1.0, 99.9, -0.5])
def test_burn_rate_and_detection_reject_an_slo_outside_0_1(bad: float) -> None:
    # At 0fd6ebe burn_rate(0.01, 99.9) returned -0.0001 and slo=1.0 raised ZeroDivisionError.
    with pytest.raises(ValueError):
        slo.burn_rate(0.01, bad)
    with pytest.raises(ValueError):
        slo.detection_minutes(0.03, bad, 60, 14.4)


def test_detection_rejects_a_step_down_and_survives_a_flat_ratio_at_the_threshold() -> None:
    # A baseline over the threshold with a lower new ratio is an alert about to clear, not a detection:
    # it used to return 0.0.
    with pytest.raises(ValueError):
        slo.detection_minutes(0.001, 0.999, 60, 14.4, baseline=0.02)
    # No step at all, a hair under the threshold: the old code divided by error_ratio - baseline = 0.
    flat = 0.0144 * (1 - 1e-12)
    assert slo.detection_minutes(flat, 0.999, 60, 14.4, baseline=flat) in (0.0, 60.0, math.inf)
    # A ratio equal to the threshold to rounding, from a lower baseline, takes at most the whole window.
    assert slo.detection_minutes(flat, 0.999, 60, 14.4, baseline=0.0005) == pytest.approx(60)
    for bad_window, bad_threshold in ((0, 14.4), (60, 0)):
        with pytest.raises(ValueError):
            slo.detection_minutes(0.03, 0.999, bad_window, bad_threshold)


@settings(max_examples=2000, deadline=None)
@given(m=st.integers(1, 5000), interval=st.sampled_from([20 / 3, 0.1, 1 / 3, 10.0, 0.7]))
def test_a_sample_of_m_intervals_becomes_m_samples(m: int, interval: float) -> None:
    # The old loop subtracted the interval repeatedly and lost the last sample to float rounding
    # (1500 ms at 20 / 3 ms gave 224 samples, not 225).
    fixed = slo.correct_coordinated_omission([m * interval], interval)
    assert len(fixed) == m
    assert min(fixed) == pytest.approx(interval if m > 1 else m * interval)


@settings(max_examples=500, deadline=None)
@given(
    hosts=st.lists(
        st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=200), min_size=1, max_size=8
    ),
    q=st.sampled_from([0.5, 0.9, 0.99, 0.999]),
)
def test_merged_percentile_lies_between_per_host_extremes(hosts: list[list[float]], q: float) -> None:
    per_host = [slo.percentile(h, q) for h in hosts]
    merged = slo.percentile([v for h in hosts for v in h], q)
    assert min(per_host) <= merged <= max(per_host)


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
    in_text(f"Take a 99.9% SLO over 30 days ({comma(MONTH_MIN)} minutes)")
    outage, traffic = 30, 0.1  # 30 minutes at 10% of average traffic
    lost = outage * traffic / MONTH_MIN
    in_text(f"fails {outage * traffic:g}/{comma(MONTH_MIN)} = {lost:.4%} of the month's requests: {lost / 0.001:.1%} of the "
            f"request-based budget, but {outage} of {comma(MONTH_MIN)} windows, {outage / MONTH_MIN / 0.001:.1%} of the "
            "window-based budget")


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
    in_text(f"| 99.999% | {slo.error_budget_minutes(0.99999, 30) * 60:.1f} s | "
            f"{slo.error_budget_minutes(0.99999, 28) * 60:.1f} s |")  # 25.9 s, 24.2 s
    in_text(f"99.9% of 1,000,000 allows {comma((1 - 0.999) * 1_000_000)} failures")
    # Over 30 days, 1,000,000 requests is 1,000,000 / 43,200 a minute: 1,000 failures is 43.2 full-outage minutes.
    in_text(f"{WORDS[round(1_000 / (1_000_000 / MONTH_MIN))]} one-minute total outages")


def test_burn_rate_section_numbers() -> None:
    # Workbook Table 5-4: error ratio -> burn rate (time to exhaustion).
    days = [slo.time_to_exhaustion_hours(slo.burn_rate(e, 0.999), 30) / 24 for e in (0.001, 0.002, 0.01)]
    full = slo.burn_rate(1.0, 0.999)
    in_text(f"0.1% errors is burn rate {slo.burn_rate(0.001, 0.999):.0f} ({days[0]:.0f} days to exhaustion), 0.2% is "
            f"{slo.burn_rate(0.002, 0.999):.0f} ({days[1]:.0f} days), 1% is {slo.burn_rate(0.01, 0.999):.0f} ({days[2]:.0f} days) "
            f"and a full outage is {full:,.0f} ({slo.time_to_exhaustion_hours(full, 30) * 60:.1f} minutes)")
    for severity, long_min, short_min, burn in ALERTS:
        hours = long_min // 60
        share = slo.budget_consumed(burn, hours, 30)
        ratio = f"{burn * 0.001:.2%}".replace("0.60%", "0.6%").replace("0.10%", "0.1%")
        long_text = f"{long_min // 1440} days" if long_min >= 1440 else f"{hours} hour{'s' * (hours > 1)}"
        short_text = f"{short_min // 60} hours" if short_min >= 60 else f"{short_min} minutes"
        in_text(f"| {severity} | {long_text} | {short_text} | {burn:g} | {burn:g} × {hours} h / 720 h = {share:.0%} | {ratio} |")
    in_text(f"never fires on a 35x burn, which empties the budget in {slo.time_to_exhaustion_hours(35, 30):.1f} hours")
    outage = slo.detection_minutes(1.0, 0.999, 60, 14.4)
    in_text(f"A full outage pages after {outage:.3f} minutes ({outage * 60:.0f} seconds), a 15% error ratio after "
            f"{slo.detection_minutes(0.15, 0.999, 60, 14.4):.2f} minutes, a 2% error ratio after "
            f"{slo.detection_minutes(0.02, 0.999, 60, 14.4):.1f} minutes")


def test_low_traffic_and_extreme_targets() -> None:
    requests = 10 * MONTH_H
    in_text(f"allows {requests * 0.001:.1f} failures")  # 7.2
    in_text(f"spending {1 / (requests * 0.001):.1%} of the budget")  # 13.9%
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
    # With the dependencies' 0.05% already in the window, the page comes a little sooner.
    with_bg = slo.detection_minutes(0.40, 0.999, 60, 14.4, baseline=1 - 0.9999 * 0.9997 * 0.9999)
    in_text(f"60 × (1.44% − 0.05%) / (40% − 0.05%) = {with_bg:.2f} minutes")  # 2.09
    in_text(f"{burn:.0f} × {detect:.2f} / 43,200 =\n{burn * detect / MONTH_MIN:.0%}")
    spent_minutes = 25 * 0.40
    in_text(f"25 × 0.40 = {spent_minutes:.0f} full-outage")
    in_text(f"{spent_minutes:.0f} / {budget:.1f} = {spent_minutes / budget:.1%} of the budget")  # 23.1%
    in_text(f"overdrawn by {spent_minutes / budget - 0.20:.1%}")  # 3.1%
    in_text(f"43,200 / 400 = {MONTH_MIN / burn:.0f} minutes")  # 108
    in_text(f"20 × 25 / 43,200 = {slo.burn_rate(0.05 * 0.40, 0.999) * 25 / MONTH_MIN:.1%}")  # 1.2%


def test_fanout_numbers() -> None:
    in_text(f"(1 − 0.99^100 = {slo.fanout_slow_probability(0.99, 100):.1%})")
    in_text(f"1 − 0.9999^2000 = {slo.fanout_slow_probability(0.9999, 2000):.1%}")
    in_text(f"1 − 0.99^69 = {slo.fanout_slow_probability(0.99, 69):.2%}")
    assert slo.fanout_slow_probability(0.99, 68) < 0.5 <= slo.fanout_slow_probability(0.99, 69)
    assert slo.fanout_slow_probability(0.999, 692) < 0.5 <= slo.fanout_slow_probability(0.999, 693)
    for p in (0.99, 0.999):  # the smallest fan-out at which the backend's tail reaches half the requests
        n = next(n for n in range(1, 10_000) if slo.fanout_slow_probability(p, n) >= 0.5)
        in_text(f"n = {n}")
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
    in_text(f"Their average is {mean_p99:.1f} ms; the p99 of all {sum(map(len, hosts)):,} requests is {merged:.1f} ms")
    # Prometheus's linear interpolation inside a bucket: 200-300 ms and 300-450 ms, rank 0.95.
    in_text(f"{(0.2 + 0.95 * 0.1) * 1000:.0f} ms")
    in_text(f"bucket, {(0.3 + 0.95 * 0.15) * 1000:.1f} ms for a true value near 320 ms")
    # Failure mode: no bucket at 300 ms, so interpolation inside 200-450 ms counts a 320 ms spike as partly fast.
    in_text(f"(300 − 200) / (450 − 200) = {(300 - 200) / (450 - 200):.0%}")
    # DDSketch at alpha = 1% over 1 us .. 1 h: log_gamma(3.6e9) buckets.
    gamma = 1.01 / 0.99
    buckets = math.log(3.6e9) / math.log(gamma)
    in_text(f"about {round(buckets, -2):,.0f} buckets")


def test_load_test_numbers() -> None:
    in_text(f"50 connections at 5 ms offer {comma(50 / 0.005)} QPS, at 50 ms only {comma(50 / 0.05)} QPS")
    raw = [1.0] * 10_000 + [100_000.0]
    fixed = slo.correct_coordinated_omission(raw, 10.0)
    in_text(f"= {sum(raw) / len(raw):.1f} ms")  # 11.0 ms
    assert slo.percentile(raw, 0.99) == slo.percentile(raw, 0.9999) == 1.0
    in_text(f"− 1 = {len(fixed) - len(raw):,} requests")  # 9,999
    in_text(f"Of {len(fixed):,} samples")
    in_text(f"**As recorded.** {len(raw):,} samples")
    in_text(f"p75 is\n{slo.percentile(fixed, 0.75) / 1000:.0f} s")
    in_text(f"the p99 is {slo.percentile(fixed, 0.99) / 1000:.0f} s")
    in_text(f"the mean is {sum(fixed) / len(fixed) / 1000:.1f} s")


def test_incident_illustration_numbers() -> None:
    customers, affected = 200_000, 775
    down, fleet = affected * 14, customers * 30
    in_text(f"{down:,} customer-days of {fleet:,} in a 30-day month, {down / fleet:.2%}")  # 0.18%
    in_text(f"reads about {1 - down / fleet:.2%} and misses a 99.9% SLO, at {down / fleet / 0.001:.0%} of the")
    assert down / fleet > 0.001  # the fleet SLO is missed, not met
    in_text(f"16 / 30 = {16 / 30:.1%}")
    # While the outage ran: the fleet's burn rate, and which tier fires.
    ratio = affected / customers
    in_text(f"burned at {ratio:.2%} / 0.1% = {slo.burn_rate(ratio, 0.999):.1f}x")  # 3.9x
    for window, threshold in ((60, 14.4), (360, 6)):
        assert slo.detection_minutes(ratio, 0.999, window, threshold) == math.inf  # neither page fires
    ticket = slo.detection_minutes(ratio, 0.999, 72 * 60, 1)
    in_text(f"72 × 0.1 / {ratio * 100:.4f} = {ticket / 60:.1f} hours")  # 18.6
    # A per-tenant SLI with a 99.9% target.
    healthy = (customers - affected) / customers
    in_text(f"(200,000 − 775) / 200,000 = {healthy:.2%}")  # 99.61%
    in_text(f"no more than {customers * (1 - 0.999):.0f} customers remain down")


def test_trade_off_and_staff_lens_numbers() -> None:
    in_text(f"24 × 6 = {24 * 6}")
    ticket = slo.detection_minutes(0.005, 0.999, 72 * 60, 1)
    in_text(f"{ticket:.0f} min ({ticket / 60:.1f} h)")
    windows = {window for _, long_min, short_min, _ in ALERTS for window in (long_min, short_min)}
    in_text(f"{len(windows)} recording rules per SLI, one per window")
    in_text(f"{slo.error_budget_minutes(0.999, 28):.1f} minutes of budget per 28")
    budgets = round((1 - 0.995) / (1 - 0.999))  # the SLA's allowance in SLO budgets
    in_text(f"the SLA's 0.5% is {WORDS[budgets]} SLO budgets, so the SLO is missed {WORDS[budgets - 1]} budgets")
    series, tenants = 12 * 20 * 3 * 50, 4_000
    in_text(f"{series:,} series today and {series * 10:,} with ten times the instances")
    in_text(f"a tenant label for {tenants:,} tenants would turn today's {series:,} into "
            f"{series * tenants / 1e6:.0f} million")
    in_text(f"1 − 0.99^20 = {slo.fanout_slow_probability(0.99, 20):.1%}")
    in_text(f"1 − 0.99^200 = {slo.fanout_slow_probability(0.99, 200):.1%}")


def test_exercise_1_numbers() -> None:
    in_text(f"{slo.error_budget_minutes(0.9995, 28):.2f} minutes")  # 20.16
    requests = 300 * 86_400 * 28
    budget = 0.0005 * requests
    in_text(f"Requests: 300 × 86,400 × 28 = {requests:,}; budget 0.0005 × {requests:,} = {budget:,.0f} failed requests")
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
    base = 0.0005  # the 0.05% baseline the question states
    page = slo.detection_minutes(0.03, 0.999, 60, 14.4, baseline=base)
    in_text(f"60 × (1.44% − 0.05%) / 2.95% = {page:.1f} minutes")  # 28.3
    in_text(f"09:{page:02.0f}")
    in_text(f"crossed after {slo.detection_minutes(0.03, 0.999, 5, 14.4, baseline=base):.1f} minutes")  # 2.4
    six = slo.detection_minutes(0.03, 0.999, 360, 6, baseline=base)
    in_text(f"360 × (0.6% − 0.05%) / 2.95% = {six:.1f}\nminutes (10:{six - 60:02.0f})")  # 67.1, 10:07
    ticket = slo.detection_minutes(0.03, 0.999, 4320, 1, baseline=base)
    in_text(f"4,320 × (0.1% − 0.05%) / 2.95% = {ticket:.1f} minutes (10:{ticket - 60:02.0f})")  # 73.2, 10:13
    clean = slo.detection_minutes(0.03, 0.999, 4320, 1)
    in_text(f"half the {clean:.0f} minutes a")  # 144
    assert ticket / clean == pytest.approx(0.5, abs=0.01)
    # (c) the incident's own spend at the page, and exhaustion with half the budget already spent.
    in_text(f"30 × {page:.2f} / 43,200 = {burn * page / MONTH_MIN:.2%}")  # 30 × 28.27 / 43,200 = 1.96%
    budget = slo.error_budget_minutes(0.999, 30)
    already = base * MONTH_MIN / budget
    assert already == pytest.approx(0.5)
    left = budget * (1 - already)
    in_text(f"remaining {left:.1f} minutes")
    exhaust = left / (0.03 - base)  # the baseline minutes rolling out of the window free budget at 0.05%
    in_text(f"{left:.1f} / (0.03 − 0.0005) = {exhaust:.0f} minutes, about {exhaust / 60:.1f} hours")
    end = 9 * 60 + exhaust
    in_text(f"({int(end // 60)}:{int(end % 60):02d})")  # 21:12
    in_text(f"the {slo.time_to_exhaustion_hours(burn, 30):.0f} hours a full budget")  # 24
    # (d) the incident's spend, and the window's total afterwards.
    spent = (page + 45) * 0.03 / budget
    in_text(f"({page:.1f} + 45) × 0.03 / 43.2 = {spent:.1%}")  # 5.1%
    window_total = already + spent - (page + 45) * base / budget
    in_text(f"about {window_total:.0%} spent")  # 55%
    assert spent < 0.20


def test_exercise_3_to_6_numbers() -> None:
    in_text(f"14.4 × 1% = {14.4 * 0.01:.1%}")
    # Exercise 4: see test_exercise_4_backlog_drain for the queue; here the test-side numbers.
    in_text(f"200,000 / 60 = {200_000 / 60:,.0f}")
    in_text(f"20 / 6 ms = {20 / 0.006:,.0f}")
    in_text(f"20 / 3,000 QPS = {20 / 3000 * 1000:.1f} ms")
    # Exercise 5
    ratio = 6 / 4000
    in_text(f"6 / 4,000 = {ratio:.2%}")
    in_text(f"burn rate {slo.burn_rate(ratio, 0.999):.1f}")
    ticket = slo.detection_minutes(ratio, 0.999, 72 * 60, 1)
    in_text(f"(0.001 / 0.0015) × 72 h = {ticket / 60:.0f} hours")  # 48
    assert ticket > 36 * 60  # the incident ends first: nothing fires
    # With Exercise 2's 0.05% of background errors the window starts half full, and the ticket fires in time.
    background = 0.0005
    with_bg = slo.detection_minutes(background + ratio, 0.999, 72 * 60, 1, baseline=background)
    in_text(f"72 × (0.1% − 0.05%) / 0.15% = {with_bg / 60:.0f} hours")  # 24
    assert with_bg < 36 * 60
    for window, threshold in ((60, 14.4), (360, 6)):  # still no page
        assert slo.detection_minutes(background + ratio, 0.999, window, threshold, baseline=background) == math.inf
    healthy = (4000 - 6) / 4000
    in_text(f"(4,000 − 6) / 4,000 = {healthy:.2%}")  # 99.85%
    assert healthy < 0.999  # under the 99.9% tenant target: it pages
    in_text(f"1.5 × 36 h / 720 h = {slo.budget_consumed(1.5, 36, 30):.1%}")
    in_text(f"1 − 36 / 720 = {1 - 36 / 720:.1%}")
    in_text(f"burn rate of {slo.burn_rate(1.0, 0.999):,.0f}")
    # Exercise 6
    in_text(f"0.0005 × 40,320 = {0.0005 * 40_320:.1f}")
    in_text(f"0.99^(1/50) = {0.99 ** (1 / 50):.5f}")
    late = 1 - 0.99 ** (1 / 50)
    in_text(f"late on at most\n{late:.3%} of requests")  # 0.020%
    q = math.sqrt(late)  # hedged: late only if both independent copies are late
    in_text(f"q² ≤ {late:.3%} allows q up to {q:.1%}")  # 1.4%
    in_text(f"p{100 * (1 - q):.1f} within 250 ms")  # p98.6
    in_text(f"(p{100 * (1 - q):.1f} with\nhedging, or p{100 * 0.99 ** (1 / 50):.2f} without)")
    # With a per-shard deadline at the shards' 250 ms, a late shard makes a search partial, not slow.
    in_text(f"deadline: stop waiting {300 - 50} ms after the fan-out")
    partial = 1 - (0.99 ** (1 / 50)) ** 50
    in_text(f"by a late shard at about {partial:.0%}")
    in_text(f"0.9995^(1/50) = {0.9995 ** (1 / 50):.3%}")  # 99.999%
    in_text(f"14.4 × 0.05% × 1,500 = {14.4 * 0.0005 * 1500:.1f}")
    in_text(f"{math.ceil(14.4 * 0.0005 * 1500)} failures in 5 minutes")


def test_choosing_the_target_worked_example() -> None:
    in_text(f"0.01 / (0.4 + 0.01) = {0.01 / (0.4 + 0.01):.1%}")  # 2.4%: our share of user-visible failures
    ceiling = 0.9999 * 0.9997 * 0.9999
    in_text(f"0.9999 × 0.9997 × 0.9999 = {ceiling:.2%}")  # 99.95%
    in_text(f"fail {1 - ceiling:.2%} of requests")
    history = (0.9993, 0.9987, 0.9992)
    floor = 1 - 0.002  # support tickets rise once the API's own failures pass 0.2%
    over = {}
    for target in (0.998, 0.999, 0.9995, 0.9999):
        budget = slo.error_budget_minutes(target, 30)
        if target > ceiling:
            in_text(f"| {target * 100:g}% | {budget:g} min | Above the ceiling |")
            continue
        share = (1 - ceiling) / (1 - target)
        used = [(1 - sli) / (1 - target) for sli in history]
        over[target] = sum(u > 1 + 1e-9 for u in used)
        in_text(
            f"| {target * 100:g}% | {budget:g} min | {share:.0%} | "
            + ", ".join(f"{u:.0%}" for u in used)
            + f" | {over[target]} of {len(history)} |"
        )
    in_text(f"the best was {max(history):.2%}")
    assert max(history) < ceiling  # no window beat the ceiling
    # The decision: the tightest target at or above the floor that history misses in some windows, not all.
    chosen = max(t for t, n in over.items() if t >= floor and n < len(history))
    in_text(f"**Decision.** {chosen * 100:g}% over a rolling 30 days")
    assert over[chosen] == 1 and over[floor] == 0 and over[0.9995] == len(history)
    # Attribution of the one miss: the API's own failures against the dependencies' share.
    worst = min(history)
    own = (1 - worst) - (1 - ceiling)
    in_text(f"in the {(1 - worst) / (1 - chosen):.0%} window the API's own failures, "
            f"{1 - worst:.2%} − {1 - ceiling:.2%} = {own:.2%}, used {own / (1 - chosen):.0%} of the budget "
            f"and the\ndependencies {(1 - ceiling) / (1 - chosen):.0%}")
    # Tightening: a soft payment call, then the next nine.
    soft = 0.9999 * 0.9999
    in_text(f"0.9999 × 0.9999 = {soft:.2%}")  # 99.98%
    in_text(f"the dependencies spend {(1 - soft) / (1 - 0.9995):.0%} of a 99.95% budget")  # 40%
    assert soft < 0.9999  # a 99.99% target stays above the soft-payment ceiling
    in_text(f"a {soft:.2%} ceiling alone spends {(1 - soft) / (1 - 0.9999):.0%} of its budget")  # 200%
    five_nines = 0.99999 * 0.99999
    in_text(f"0.99999 × 0.99999 = {five_nines:.3%} that spends {(1 - five_nines) / (1 - 0.9999):.0%}")  # 20%


def _fifo_with_stall(arrivals: list[float], servers: int, service: float, stall: tuple[float, float]) -> list[float]:
    """Latencies of a first-in-first-out queue with identical servers that all stop during `stall`.

    A request that would start during the stall starts when it ends; one in service when the stall
    begins is paused and finishes that much later.
    """
    start_stall, end_stall = stall
    free = [0.0] * servers
    latencies = []
    for arrival in arrivals:
        start = max(arrival, heapq.heappop(free))
        if start_stall <= start < end_stall:
            start = end_stall
        finish = start + service
        if start < start_stall < finish:
            finish += end_stall - start_stall
        heapq.heappush(free, finish)
        latencies.append(finish - arrival)
    return latencies


def test_exercise_4_backlog_drain() -> None:
    rate, threads, service, stall = 3000, 24, 0.006, 1.5
    capacity = threads / service
    in_text(f"24 threads / 6 ms = {capacity:,.0f} QPS")
    in_text(f"3,000 / 4,000 = {rate / capacity:.0%} utilization")
    backlog = rate * stall
    drain = backlog / (capacity - rate)
    in_text(f"3,000 × 1.5 = {backlog:,.0f} requests arrive")
    in_text(f"= 4,500 / (4,000 − 3,000) = {drain:.1f} s")
    touched = rate * (stall + drain)
    minute = rate * 60
    in_text(f"3,000 × 6 = {touched:,.0f} requests a minute,\n{touched / minute:.0%} of the {minute:,.0f}")
    # Fluid model: a request arriving a seconds into the stall waits stall - (1 - rate/capacity) a.
    slope = 1 - rate / capacity
    in_text(f"It waits\n1.5 − {slope:g}a seconds")
    slow_until = (stall - (0.050 - service)) / slope
    in_text(f"a < (1.5 − 0.044) / 0.25 = {slow_until:.2f} s")
    slow = rate * slow_until
    in_text(f"about {round(slow, -2):,.0f} requests a minute, {slow / minute:.1%}")
    tail = 0.01 * minute
    a99 = tail / rate
    in_text(f"0.01 × 180,000 = {tail:,.0f} requests")
    in_text(f"a < 1,800 / 3,000 = {a99:.1f} s")
    p99 = stall - slope * a99 + service
    in_text(f"wait 1.5 − 0.25 × 0.6 = {stall - slope * a99:.2f} s")
    in_text(f"p99 is about {p99:.2f} s, {round(p99 / 0.009, -1):.0f} times the reported 9 ms")
    # The simulation the solution quotes: one minute, arrivals every 1/3,000 s, the stall at 10 s.
    arrivals = [i / rate for i in range(minute)]
    simulated = _fifo_with_stall(arrivals, threads, service, (10.0, 10.0 + stall))
    sim_p99 = slo.percentile(simulated, 0.99)
    sim_slow = sum(x > 0.050 for x in simulated) / len(simulated)
    assert f"{sim_p99:.2f}" == f"{p99:.2f}"  # the fluid model and the simulation agree
    assert f"{sim_slow:.1%}" == f"{slow / minute:.1%}"
    in_text(f"gives {sim_p99:.2f} s and {sim_slow:.1%}")
    # Bounds: the p99 cannot exceed the longest possible latency, nor the slow count the queue's reach.
    assert max(simulated) == pytest.approx(stall + service)
    assert sim_p99 < stall + service and sim_slow * minute < touched
    # Ignoring the drain is the same queue with unlimited threads: the backlog is answered the instant the stall ends.
    no_drain = _fifo_with_stall(arrivals, 100_000, service, (10.0, 10.0 + stall))
    in_text(f"gives a p99 of {slo.percentile(no_drain, 0.99):.1f} s and "
            f"{sum(x > 0.050 for x in no_drain) / minute:.1%} slow")
    understated = (sum(x > 0.050 for x in no_drain) / minute) / sim_slow
    assert understated == pytest.approx(0.25, abs=0.01)
    in_text("a quarter of the real slow share")
    # HdrHistogram's correction of the recorded test (20 stalled samples among 200,000 at 6 ms) adds the
    # stall's missing requests, spread over 0..1.5 s, but no drain: its p99 falls short of the real one.
    recorded = [6.0] * (200_000 - 20) + [1_500.0] * 20
    interval = 20 / rate * 1000
    corrected = slo.correct_coordinated_omission(recorded, interval)
    # Each 1,500 ms sample is 225 whole intervals, so it stands for 225 samples (224 at 0fd6ebe).
    assert len(corrected) == (200_000 - 20) + 20 * round(1_500 / interval)
    corrected_p99 = slo.percentile(corrected, 0.99) / 1000
    in_text(f"reports a p99 of {corrected_p99:.2f} s, still short of the {p99:.2f} s")
    assert corrected_p99 < p99
    # Headroom: at 90% utilization the same stall drains three times slower.
    busy = 3600
    in_text(f"at 3,600 QPS ({busy / capacity:.0%} utilization)")
    in_text(f"{busy * stall:,.0f} / (4,000 − 3,600) = {busy * stall / (capacity - busy):.1f} s")


def test_stall_worked_example_with_a_serial_drain() -> None:
    # The HdrHistogram scenario: one request every 10 ms for 200 s, 1 ms each, a 100 s stall from 100 s.
    arrivals = [i * 0.010 for i in range(20_000)]
    instant = _fifo_with_stall(arrivals, 100_000, 0.001, (100.0, 200.0))  # backlog answered at once
    # Answering the backlog at once is what the correction assumes: same p99 and mean, to display precision.
    fixed = slo.correct_coordinated_omission([1.0] * 10_000 + [100_000.0], 10.0)  # ms
    assert f"{slo.percentile(instant, 0.99):.0f}" == f"{slo.percentile(fixed, 0.99) / 1000:.0f}"
    assert f"{sum(instant) / len(instant):.1f}" == f"{sum(fixed) / len(fixed) / 1000:.1f}"
    serial = _fifo_with_stall(arrivals, 1, 0.001, (100.0, 200.0))  # one at a time
    assert max(serial) - max(instant) == pytest.approx(0)  # the first request still waits ~100 s
    extra = max(s - i for s, i in zip(serial, instant, strict=True))
    assert extra == pytest.approx(10.0, abs=0.01)
    in_text(f"needs up to {extra:.0f} s more")
    in_text(f"the mean rises to {sum(serial) / len(serial):.1f} s")  # 27.5
    in_text(f"barely moves ({slo.percentile(serial, 0.99):.1f} s)")  # 98.2


def test_incident_restore_arithmetic() -> None:
    in_text(f"at most {775 / 200_000:.2%}")  # 0.39%
    share = 775 * 14 / (200_000 * 30)
    in_text(f"the same score as a {share * MONTH_MIN:.0f}-minute outage of everyone")  # 78
    in_text(f"{14 * 24 * 60:,} minutes of outage")  # 20,160
    per_tenant_h, lanes = 4, 8
    last = math.ceil(775 / lanes) * per_tenant_h
    in_text(f"⌈775 / 8⌉ × 4 h = {last} hours, {last / 24:.0f} days")
    needed = math.ceil(775 * per_tenant_h / 24)
    assert math.ceil(775 / needed) * per_tenant_h <= 24 < math.ceil(775 / (needed - 1)) * per_tenant_h
    in_text(f"needs {needed} restores in parallel")
