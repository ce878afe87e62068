"""Tests for the architect's-mindset chapter: the estimator listing, and every formula number in the prose."""
from __future__ import annotations

import math
from datetime import datetime

import pytest
from listings import chapter_text, load_listing

CHAPTER = "m0-fundamentals/architects-mindset.md"
est = load_listing("m0-fundamentals/code/estimate.py")

# Inputs of the running example, as stated in the chapter.
DAILY_TRANSACTIONAL = 10_000_000
PEAK_TO_MEAN = 3
CAMPAIGN = 20_000_000
ANDROID = 12_000_000
IOS = 8_000_000
ASKED_WINDOW_S = 300
FCM_PER_MIN = 600_000
RESERVED = 1_000
LATENCY_S = 0.1
PAYLOAD_BYTES = 4_096
DEDUP_ENTRY_BYTES = 64
SF = (37.7749, -122.4194)
AMSTERDAM = (52.3676, 4.9041)
SYDNEY = (-33.87, 151.21)
WASHINGTON = (38.91, -77.04)


@pytest.fixture(scope="module")
def text() -> str:
    """The chapter with line breaks folded to single spaces, so a number wrapped across lines still matches."""
    return " ".join(chapter_text(CHAPTER).split())


def fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


# --- the listing ---------------------------------------------------------------------------------

def test_per_second_defaults_to_a_day():
    assert est.per_second(86_400) == 1.0
    assert est.per_second(600_000, 60) == 10_000
    assert est.per_second(0) == 0


@pytest.mark.parametrize("count, period", [(-1, 60), (10, 0), (10, -5)])
def test_per_second_rejects_nonsense(count, period):
    with pytest.raises(ValueError):
        est.per_second(count, period)


def test_peak_rate_scales_the_mean_and_rejects_ratios_below_one():
    assert est.peak_rate(DAILY_TRANSACTIONAL, 3) == pytest.approx(347.222, rel=1e-4)
    assert est.peak_rate(86_400, 1) == 1.0
    with pytest.raises(ValueError):
        est.peak_rate(86_400, 0.5)


def test_drain_seconds_is_backlog_over_rate():
    assert est.drain_seconds(ANDROID, 10_000) == 1_200
    assert est.drain_seconds(0, 10) == 0
    with pytest.raises(ValueError):
        est.drain_seconds(10, 0)
    with pytest.raises(ValueError):
        est.drain_seconds(-1, 10)


def test_in_flight_is_littles_law():
    assert est.in_flight(9_000, 0.1) == pytest.approx(900)
    assert est.in_flight(0, 5) == 0
    with pytest.raises(ValueError):
        est.in_flight(-1, 0.1)
    with pytest.raises(ValueError):
        est.in_flight(1, -0.1)


def test_great_circle_known_values_and_symmetry():
    # A quarter of a meridian is a quarter of the circumference.
    assert est.great_circle_km(0, 0, 90, 0) == pytest.approx(math.pi * 6_371.0 / 2)
    assert est.great_circle_km(10, 20, 10, 20) == 0
    a = est.great_circle_km(*SF, *AMSTERDAM)
    b = est.great_circle_km(*AMSTERDAM, *SF)
    assert a == pytest.approx(b)
    # Antipodes: half the circumference, and no math domain error from rounding.
    assert est.great_circle_km(0, 0, 0, 180) == pytest.approx(math.pi * 6_371.0)
    with pytest.raises(ValueError):
        est.great_circle_km(91, 0, 0, 0)


def test_fibre_rtt():
    assert est.fibre_rtt_ms(0) == 0
    # 1,000 km each way in vacuum: 2,000 km / c.
    assert est.fibre_rtt_ms(1_000, 1.0) == pytest.approx(2_000 / 299_792.458 * 1_000)
    assert est.fibre_rtt_ms(1_000) == pytest.approx(1.5 * est.fibre_rtt_ms(1_000, 1.0))
    with pytest.raises(ValueError):
        est.fibre_rtt_ms(-1)
    with pytest.raises(ValueError):
        est.fibre_rtt_ms(100, 0.9)


@pytest.mark.parametrize("x, power", [(347, 2), (66_667, 4), (0.002, -3), (1, 0), (1_000, 3), (9.99, 0)])
def test_order_of_magnitude(x, power):
    assert est.order_of_magnitude(x) == power


def test_chapter_shows_the_physics_floor_listing(text):
    # The chapter includes great_circle_km and fibre_rtt_ms; the prose quotes the constants they use.
    assert "{literalinclude} code/estimate.py" in text
    assert ":start-at: def great_circle_km" in text and ":end-before: def order_of_magnitude" in text
    assert est.EARTH_MEAN_RADIUS_KM == 6_371.0 and "`EARTH_MEAN_RADIUS_KM` is 6,371" in text
    assert f"`SPEED_OF_LIGHT_KM_S` is {est.SPEED_OF_LIGHT_KM_S:,}" in text  # 299,792.458


def test_order_of_magnitude_rejects_non_positive():
    with pytest.raises(ValueError):
        est.order_of_magnitude(0)


# --- numbers in the prose ------------------------------------------------------------------------

def test_worked_example_send_rates(text):
    avg = est.per_second(DAILY_TRANSACTIONAL)
    peak = est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    campaign = est.per_second(CAMPAIGN, ASKED_WINDOW_S)
    android = est.per_second(ANDROID, ASKED_WINDOW_S)
    quota = est.per_second(FCM_PER_MIN, 60)
    assert f"= {avg:.1f} per second" in text  # 115.7
    assert f"= {fmt(peak)} per second" in text  # 347
    assert f"= {fmt(campaign)} per second" in text  # 66,667
    assert f"= {fmt(android)} per second" in text  # 40,000
    assert f"= {fmt(quota)} per second" in text  # 10,000
    assert f"= {campaign / peak:.0f} times the transactional peak" in text  # 192
    assert f"= {android / quota:.0f} times the" in text  # 4
    assert f"= {fmt(est.drain_seconds(ANDROID, quota))} s" in text  # 1,200 s
    assert f"{est.drain_seconds(ANDROID, quota) / 60:.0f} minutes" in text  # 20 minutes
    assert CAMPAIGN / DAILY_TRANSACTIONAL == 2 and "twice a whole day's" in text


def test_shared_queue_wait(text):
    quota = FCM_PER_MIN / 60
    wait = est.drain_seconds(ANDROID, quota)
    assert f"{wait / 2:.0f} times the 2 s target" in text  # 600 times
    assert f"{wait / 300:.0f} times the code's lifetime" in text  # 4 times
    needed = ANDROID / 2
    assert f"= {fmt(needed)} messages per second, {needed / quota:.0f} times the quota" in text
    assert f"{fmt(wait / 2)} s, which still exceeds" in text  # 600 s
    assert f"sign-in code for {est.drain_seconds(1_000_000, quota):.0f} s" in text  # 100 s


def test_campaign_lane_sizing(text):
    bulk = FCM_PER_MIN / 60 - RESERVED
    duration = est.drain_seconds(ANDROID, bulk)
    ios_rate = IOS / duration
    assert f"= {fmt(duration)} s = {duration / 60:.1f} minutes" in text  # 1,333 s = 22.2 minutes
    assert f"= {fmt(ios_rate)} per second" in text  # 6,000
    fcm_inflight = est.in_flight(bulk, LATENCY_S)
    apns_inflight = est.in_flight(ios_rate, LATENCY_S)
    assert f"= {fmt(fcm_inflight)} requests to FCM" in text  # 900
    assert f"= {fmt(apns_inflight)} to APNs" in text  # 600
    assert f"{fmt(fcm_inflight + apns_inflight)} requests in flight" in text  # 1,500
    egress = (bulk + ios_rate) * PAYLOAD_BYTES
    assert f"= {egress / 1e6:.1f} MB/s, {egress * 8 / 1e6:.0f} Mbit/s" in text  # 61.4 MB/s, 492 Mbit/s
    per_campaign = CAMPAIGN * DEDUP_ENTRY_BYTES / 1e9
    assert f"= {per_campaign:.2f} GB per campaign" in text  # 1.28
    kept = 4 * 48 / 24
    assert f"{kept:.0f} campaigns × {per_campaign:.2f} GB = {kept * per_campaign:.2f} GB" in text  # 10.24
    assert f"= {fmt(CAMPAIGN / (bulk + ios_rate))} s, the same" in text  # second route, 1,333 s
    spare = 30 - duration / 60
    assert f"with {spare:.1f} minutes, {spare / 30:.0%} of the limit, to spare" in text  # 7.8 minutes, 26%


def test_priority_queue_burst(text):
    burst_rate = 15_000
    spend = FCM_PER_MIN / burst_rate
    assert f"= {spend:.0f} s. A sign-in code" in text  # 40 s
    assert f"up to {60 - spend:.0f} s, ten times R2" in text  # 20 s
    assert (60 - spend) / 2 == 10


def test_headroom_and_ten_x(text):
    peak = est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    assert f"{RESERVED / peak:.1f} times headroom" in text  # 2.9
    android_10x = ANDROID * 10
    t = est.drain_seconds(android_10x, FCM_PER_MIN / 60 - RESERVED)
    assert f"that is {fmt(t)} s, {t / 3600:.1f} hours" in text  # 13,333 s, 3.7 hours
    assert f"{CAMPAIGN * 10 * DEDUP_ENTRY_BYTES / 1e9:.1f} GB per campaign" in text  # 12.8
    assert f"{fmt(peak * 10)} per" in text  # 3,472
    assert f"short by {peak * 10 / RESERVED:.1f} times" in text  # 3.5
    assert f"60 s of sending reaches {fmt(15_000 * 60)} devices" in text  # 900,000


def test_physics_floor(text):
    d = est.great_circle_km(*SF, *AMSTERDAM)
    rtt = est.fibre_rtt_ms(d)
    assert f"{fmt(d)} km along the great circle" in text  # 8,773
    assert f"{fmt(est.SPEED_OF_LIGHT_KM_S / 1.5)} s = {rtt:.0f} ms" in text  # 199,862 ... 88 ms
    assert f"Dean's 150 ms is {150 / rtt:.1f} times that floor" in text  # 1.7
    assert f"only {150 / rtt:.1f} times above the floor" in text
    assert f"worth {fmt(2 / 500e-6)} same-datacenter round trips" in text  # 4,000


def test_knight_warning_window(text):
    minutes = (datetime(2012, 8, 1, 9, 30) - datetime(2012, 8, 1, 8, 1)).seconds // 60
    assert f"{minutes} minutes of warnings" in text  # 89


def test_exercise_photo_uploads(text):
    uploads = 50_000_000 * 0.2
    avg = est.per_second(uploads)
    peak = est.peak_rate(uploads, 4)
    assert f"= {avg:.1f} per second" in text
    assert f"= {fmt(peak)} per second" in text  # 463
    mb_s = round(peak) * 2
    assert f"= {fmt(mb_s)} MB/s" in text  # 926
    assert f"{fmt(mb_s)} × 8 = {fmt(mb_s * 8)} Mbit/s" in text  # 926 × 8 = 7,408
    year_pb = uploads * 2 * 365 / 1e9  # MB -> PB
    assert f"= {year_pb:.1f} PB" in text  # 7.3
    assert f"{3 * year_pb:.1f} PB a year" in text  # 21.9
    assert f"{uploads * 2 / 1e6:.0f} TB a day" in text  # 20


def test_exercise_wrong_audience(text):
    sent = (120 + 10) * 15_000
    assert f"= {fmt(sent)} devices" in text  # 1,950,000
    canary = CAMPAIGN * 0.01
    assert f"= {fmt(canary)} devices, sent in" in text  # 200,000
    assert f"= {canary / 15_000:.1f} s" in text  # 13.3


def test_exercise_sydney(text):
    d = est.great_circle_km(*SYDNEY, *WASHINGTON)
    rtt = est.fibre_rtt_ms(d)
    assert f"about {fmt(round(d, -1))} km" in text  # 15,710
    assert f"= {rtt:.1f} ms" in text  # 157.2
    assert f"4 × {rtt:.1f} = {4 * rtt:.0f} ms" in text  # 629
    assert 4 * rtt * 150 / est.fibre_rtt_ms(est.great_circle_km(*SF, *AMSTERDAM)) > 1_000  # "over a second"


def test_exercise_five_teams(text):
    bulk = FCM_PER_MIN / 60 - RESERVED
    share = bulk / 5
    assert f"= {fmt(share)} per second" in text  # 1,800
    alone = ANDROID / bulk
    crowded = ANDROID / share
    assert f"= {fmt(alone)} s ({alone / 60:.0f} minutes, alone)" in text  # 1,333 s, 22
    assert f"= {fmt(crowded)} s ({crowded / 3600:.1f} hours" in text  # 6,667 s, 1.9
