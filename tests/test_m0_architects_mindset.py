"""Tests for the architect's-mindset chapter: the estimator listing, and every formula number in the prose."""
from __future__ import annotations

import math
import random
import statistics
import threading
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listings import chapter_text, load_listing, pinned, prose

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
CLAIM_ROW_BYTES = 100  # per claim row, with its share of the primary-key index (the chapter's assumption)
CLAIM_BATCH = 100
COMMIT_MS = 10  # a synchronous commit between zones: "single-digit milliseconds", so under 10 ms
ZONES = 3
CLAIMS_KEPT_H = 48
CAMPAIGNS_PER_DAY = 4
CANARY = 0.01
REVIEW_HOLD_S = 300
R3_MIN = 30
SIGNIN_SLO = 0.999
OUR_SHARE_OF_BUDGET = 0.5
ZONE_DISTANCE_KM = 100  # AWS: zones of a region up to about 100 km apart
SF = (37.7749, -122.4194)
AMSTERDAM = (52.3676, 4.9041)
SYDNEY = (-33.87, 151.21)
WASHINGTON = (38.91, -77.04)


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


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
    pinned(text, "{literalinclude} code/estimate.py")
    pinned(text, ":start-at: def great_circle_km")
    pinned(text, ":end-before: def order_of_magnitude")
    pinned(text, f"`EARTH_MEAN_RADIUS_KM` is {est.EARTH_MEAN_RADIUS_KM:,.0f}")
    pinned(text, f"`SPEED_OF_LIGHT_KM_S` is {est.SPEED_OF_LIGHT_KM_S:,}")  # 299,792.458


def test_order_of_magnitude_rejects_non_positive():
    with pytest.raises(ValueError):
        est.order_of_magnitude(0)


NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("call", [
    lambda: est.per_second(NAN),
    lambda: est.per_second(INF),
    lambda: est.peak_rate(10, NAN),
    lambda: est.drain_seconds(NAN, 10),
    lambda: est.drain_seconds(10, INF),
    lambda: est.in_flight(NAN, 0.1),
    lambda: est.in_flight(10, INF),
    lambda: est.great_circle_km(0, NAN, 0, 0),  # was 20,015 km: min(1.0, nan) is 1.0
    lambda: est.great_circle_km(0, 0, 0, INF),
    lambda: est.fibre_rtt_ms(NAN),
    lambda: est.fibre_rtt_ms(100, NAN),
    lambda: est.order_of_magnitude(INF),
])
def test_non_finite_inputs_fail_loudly(call):
    # The module promises that "a slip in an estimate fails loudly instead of quietly": NaN and
    # infinity are slips. Each of these returned a number (or an OverflowError) before _finite.
    with pytest.raises(ValueError, match="finite"):
        call()


# --- numbers in the prose ------------------------------------------------------------------------

def test_worked_example_send_rates(text):
    avg = est.per_second(DAILY_TRANSACTIONAL)
    peak = est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    campaign = est.per_second(CAMPAIGN, ASKED_WINDOW_S)
    android = est.per_second(ANDROID, ASKED_WINDOW_S)
    quota = est.per_second(FCM_PER_MIN, 60)
    pinned(text, f"Average transactional rate: {DAILY_TRANSACTIONAL:,} ÷ 86,400 s = {avg:.1f} per second")
    pinned(text, f"= {fmt(peak)} per second")  # 347
    pinned(text, f"= {fmt(campaign)} per second")  # 66,667
    pinned(text, f"= {fmt(android)} per second")  # 40,000
    pinned(text, f"= {fmt(quota)} per second")  # 10,000
    pinned(text, f"= {campaign / peak:.0f} times the transactional peak")  # 192
    pinned(text, f"= {android / quota:.0f} times the")  # 4
    drain = est.drain_seconds(ANDROID, quota)
    pinned(text, f"Android sends take {fmt(ANDROID)} ÷ {fmt(quota)} = {fmt(drain)} s, {drain / 60:.0f} minutes")
    times = {1: "once", 2: "twice", 3: "three times"}[round(CAMPAIGN / DAILY_TRANSACTIONAL)]
    pinned(text, f"one {ASKED_WINDOW_S // 60}-minute campaign moves {times} a whole day's transactional traffic")


def test_shared_queue_wait(text):
    quota = FCM_PER_MIN / 60
    wait = est.drain_seconds(ANDROID, quota)
    pinned(text, f"{wait / 2:.0f} times the 2 s target")  # 600 times
    pinned(text, f"{wait / 300:.0f} times the code's lifetime")  # 4 times
    needed = ANDROID / 2
    pinned(text, f"= {fmt(needed)} messages per second, {needed / quota:.0f} times the quota")
    pinned(text, f"{fmt(wait / 2)} s, which still exceeds")  # 600 s
    pinned(text, f"sign-in code for {est.drain_seconds(1_000_000, quota):.0f} s")  # 100 s


def test_campaign_lane_sizing(text):
    bulk = FCM_PER_MIN / 60 - RESERVED
    duration = est.drain_seconds(ANDROID, bulk)
    ios_rate = IOS / duration
    pinned(text, f"= {fmt(duration)} s = {duration / 60:.1f} minutes")  # 1,333 s = 22.2 minutes
    pinned(text, f"= {fmt(ios_rate)} per second")  # 6,000
    fcm_inflight = est.in_flight(bulk, LATENCY_S)
    apns_inflight = est.in_flight(ios_rate, LATENCY_S)
    pinned(text, f"= {fmt(fcm_inflight)} requests to FCM")  # 900
    pinned(text, f"= {fmt(apns_inflight)} to APNs")  # 600
    pinned(text, f"Nothing here needs exotic hardware: {fmt(fcm_inflight + apns_inflight)} requests in flight")
    egress = (bulk + ios_rate) * PAYLOAD_BYTES
    pinned(text, f"= {egress / 1e6:.1f} MB/s, {egress * 8 / 1e6:.0f} Mbit/s")  # 61.4 MB/s, 492 Mbit/s
    # The whole service, not the campaign lane alone: add the transactional peak.
    total_rate = bulk + ios_rate + est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    total_egress_mbit = total_rate * PAYLOAD_BYTES * 8 / 1e6
    pinned(text, f"sends {fmt(total_rate)} per second, {total_egress_mbit:.0f} Mbit/s of payload")  # 15,347; 503
    per_send = 1e9 / 8 / round(total_rate)
    pinned(text, f"or {fmt(per_send)} bytes per send at {fmt(total_rate)} sends")  # 8,145
    pinned(text, f"may take up to {fmt(per_send - PAYLOAD_BYTES)} bytes")  # 4,049
    pinned(text, f"= {fmt(CAMPAIGN / (bulk + ios_rate))} s, the same")  # second route, 1,333 s
    spare = R3_MIN - duration / 60
    pinned(text, f"leaves {spare:.1f} minutes, {spare / R3_MIN:.0%} of the limit")  # 7.8 minutes, 26%


def test_priority_queue_burst(text):
    # The fleet sized for the campaign lane (9,000 + 6,000 per second), pointed at FCM alone.
    bulk = FCM_PER_MIN / 60 - RESERVED
    burst_rate = bulk + IOS / est.drain_seconds(ANDROID, bulk)
    spend = FCM_PER_MIN / burst_rate
    pinned(text, f"pointed at FCM alone, a fleet sized for {fmt(burst_rate)} sends per second")
    pinned(text, f"spends all {fmt(FCM_PER_MIN)} tokens in {fmt(FCM_PER_MIN)} ÷ {fmt(burst_rate)} = {spend:.0f} s")
    r2_s = 2  # R2: a sign-in code reaches the provider within 2 s
    times = {5: "five", 10: "ten", 20: "twenty"}[round((60 - spend) / r2_s)]
    pinned(text, f"up to {60 - spend:.0f} s, {times} times R2")  # 20 s


def test_headroom_and_ten_x(text):
    peak = est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    pinned(text, f"{RESERVED / peak:.1f} times headroom")  # 2.9
    android_10x = ANDROID * 10
    t = est.drain_seconds(android_10x, FCM_PER_MIN / 60 - RESERVED)
    pinned(text, f"that is {fmt(t)} s, {t / 3600:.1f} hours")  # 13,333 s, 3.7 hours
    pinned(text, f"claims table grows to {CAMPAIGN * 10 * CLAIM_ROW_BYTES / 1e9:.0f} GB per campaign")  # 20
    pinned(text, f"{fmt(peak * 10)} per")  # 3,472
    pinned(text, f"short by {peak * 10 / RESERVED:.1f} times")  # 3.5
    pinned(text, f"60 s of sending reaches {fmt(15_000 * 60)} devices")  # 900,000


def test_physics_floor(text):
    d = est.great_circle_km(*SF, *AMSTERDAM)
    rtt = est.fibre_rtt_ms(d)
    pinned(text, f"{fmt(d)} km along the great circle")  # 8,773
    pinned(text, f"{fmt(est.SPEED_OF_LIGHT_KM_S / 1.5)} s = {rtt:.0f} ms")  # 199,862 ... 88 ms
    pinned(text, f"Dean's 150 ms is {150 / rtt:.1f} times that floor")  # 1.7
    pinned(text, f"only {150 / rtt:.1f} times above the floor")
    pinned(text, f"worth {fmt(2 / 500e-6)} same-datacenter round trips")  # 4,000


def test_knight_warning_window(text):
    minutes = (datetime(2012, 8, 1, 9, 30) - datetime(2012, 8, 1, 8, 1)).seconds // 60
    pinned(text, f"{minutes} minutes of warnings")  # 89


def test_exercise_photo_uploads(text):
    uploads = 50_000_000 * 0.2
    avg = est.per_second(uploads)
    peak = est.peak_rate(uploads, 4)
    pinned(text, f"Average rate: {fmt(uploads)} ÷ 86,400 s = {avg:.1f} per second. Peak: {avg:.1f} × 4 = {fmt(peak)} per second")
    mb_s = round(peak) * 2
    pinned(text, f"= {fmt(mb_s)} MB/s")  # 926
    pinned(text, f"{fmt(mb_s)} × 8 = {fmt(mb_s * 8)} Mbit/s")  # 926 × 8 = 7,408
    year_pb = uploads * 2 * 365 / 1e9  # MB -> PB
    pinned(text, f"= {year_pb:.1f} PB")  # 7.3
    pinned(text, f"{3 * year_pb:.1f} PB a year")  # 21.9
    pinned(text, f"{uploads * 2 / 1e6:.0f} TB a day")  # 20


def test_exercise_wrong_audience(text):
    noticed_s, drain_s = 120, 10
    bulk = FCM_PER_MIN / 60 - RESERVED
    rate = bulk + IOS / est.drain_seconds(ANDROID, bulk)  # the campaign lane's 15,000 per second
    pinned(text, f"Sending runs at {fmt(rate)} per second ({fmt(bulk)} Android and {fmt(rate - bulk)} iOS). "
                 f"The kill switch takes {drain_s} s to drain")
    sent = (noticed_s + drain_s) * rate
    pinned(text, f"{noticed_s} s + {drain_s} s = {noticed_s + drain_s} s, counting the drain")
    pinned(text, f"Wrong sends: {noticed_s + drain_s} × {fmt(rate)} = {fmt(sent)} devices")
    canary = CAMPAIGN * CANARY
    pinned(text, f"= {fmt(canary)} devices, sent in {fmt(canary)} ÷ {fmt(rate)} = {canary / rate:.1f} s, and then sending stops")
    # (b) states its own inputs: noticed after 2 minutes, and the case where the review approves.
    pinned(text, f"Add a {CANARY:.0%} canary stage held for a {REVIEW_HOLD_S // 60}-minute review: how many wrong sends if "
                 f"the mistake is again noticed after {noticed_s // 60} minutes")
    assert noticed_s < REVIEW_HOLD_S + canary / rate  # noticed inside the hold
    pinned(text, f"{fmt(canary)} wrong sends against (a)'s {fmt(sent)}")
    pinned(text, f"the other {fmt(CAMPAIGN - canary)} follow and all {fmt(CAMPAIGN)} go out")


def test_exercise_sydney(text):
    d = est.great_circle_km(*SYDNEY, *WASHINGTON)
    rtt = est.fibre_rtt_ms(d)
    pinned(text, f"about {fmt(round(d, -1))} km")  # 15,710
    pinned(text, f"= {rtt:.1f} ms")  # 157.2
    pinned(text, f"4 × {rtt:.1f} = {4 * rtt:.0f} ms")  # 629
    assert 4 * rtt * 150 / est.fibre_rtt_ms(est.great_circle_km(*SF, *AMSTERDAM)) > 1_000  # "over a second"


def test_exercise_five_teams(text):
    bulk = FCM_PER_MIN / 60 - RESERVED
    share = bulk / 5
    pinned(text, f"= {fmt(share)} per second")  # 1,800
    alone = ANDROID / bulk
    crowded = ANDROID / share
    pinned(text, f"= {fmt(alone)} s ({alone / 60:.0f} minutes, alone)")  # 1,333 s, 22
    pinned(text, f"= {fmt(crowded)} s ({crowded / 3600:.1f} hours")  # 6,667 s, 1.9


# --- the availability, durability and delivery targets (R6, R7) ---------------------------------

def test_availability_target_derived_from_the_sign_in_budget(text):
    ours = 1 - (1 - SIGNIN_SLO) * OUR_SHARE_OF_BUDGET
    pinned(text, f"Half of the auth team's {1 - SIGNIN_SLO:.1%} leaves us {1 - ours:.2%}: a target of {ours:.2%}")
    minutes = (1 - ours) * 30 * 1_440
    pinned(text, f"{1 - ours:.4f} × 30 × 1,440 = {minutes:.1f} minutes")# 0.0005 × ... = 21.6
    # The budget counts requests: in the busiest hour a full outage fails PEAK_TO_MEAN times as many per minute.
    busiest = minutes / PEAK_TO_MEAN
    pinned(text, f"{minutes:.1f} ÷ {PEAK_TO_MEAN} = {busiest:.1f} minutes exhaust it")  # 7.2
    assert busiest < minutes < 30  # both shorter than the 30-minute manual failover
    pinned(text, f"over 30 days, {ours:.2%} of the code requests made to the API are handed")  # R6


def test_rpo_zero_costs_one_zone_round_trip(text):
    peak = est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    pinned(text, f"loses up to {fmt(peak)} messages, codes among them")  # 347
    floor_ms = est.fibre_rtt_ms(ZONE_DISTANCE_KM)
    pinned(text, f"needs {floor_ms:.1f} ms for {ZONE_DISTANCE_KM} km and back")  # 1.0 ms
    # AWS quotes single-digit milliseconds; the physics floor must sit below that bound.
    assert floor_ms < COMMIT_MS
    pinned(text, f"Even {COMMIT_MS} ms is {COMMIT_MS / 2_000:.1%} of the 2,000 ms target")  # 0.5%


def test_code_retries_fit_inside_the_reservation(text):
    peak = est.peak_rate(DAILY_TRANSACTIONAL, PEAK_TO_MEAN)
    pinned(text, f"{fmt(RESERVED - peak)} of the {fmt(RESERVED)} reserved sends per second")  # 653


def test_claims_store_sizing_and_loss_bound(text):
    bulk = FCM_PER_MIN / 60 - RESERVED
    ios_rate = IOS / est.drain_seconds(ANDROID, bulk)
    claims_per_s = bulk + ios_rate  # one claim per campaign send
    txns = claims_per_s / CLAIM_BATCH
    pinned(text, f"{fmt(claims_per_s)} ÷ {CLAIM_BATCH} = {fmt(txns)} claim transactions per second")  # 150
    pinned(text, f"outcome updates, {fmt(2 * txns)} in all")  # 300
    per_campaign_gb = CAMPAIGN * CLAIM_ROW_BYTES / 1e9
    kept = CAMPAIGNS_PER_DAY * CLAIMS_KEPT_H / 24
    pinned(text, f"{fmt(CAMPAIGN)} × {CLAIM_ROW_BYTES} bytes = {per_campaign_gb:.1f} GB per campaign")  # 2.0
    copies = ZONES  # a primary and two synchronous replicas, one per zone
    pinned(text, f"hold {kept:.0f} campaigns, {kept * per_campaign_gb:.0f} GB, or {copies * kept * per_campaign_gb:.0f} GB in three copies")
    pinned(text, f"the {fmt(2 * txns)} writes per second are {2 * txns / claims_per_s:.0%} of the")  # 2%


def test_batch_cycle_sizes_the_sender_fleet(text):
    """A sender claims its next batch only when the slowest of its 100 sends is recorded, so the fleet
    is sized with the mean of the slowest of 100, not the mean of one send."""
    bulk = FCM_PER_MIN / 60 - RESERVED
    claims_per_s = bulk + IOS / est.drain_seconds(ANDROID, bulk)  # 15,000
    h = sum(1 / k for k in range(1, CLAIM_BATCH + 1))  # harmonic number H_100
    slowest_s = LATENCY_S * h  # mean of the largest of n exponentials with mean m is m * H_n
    rng = random.Random(20261202)
    simulated = statistics.fmean(max(rng.expovariate(1 / LATENCY_S) for _ in range(CLAIM_BATCH))
                                 for _ in range(4_000))
    assert simulated == pytest.approx(slowest_s, rel=0.015)  # the closed form, checked by sampling (0.7% off)
    pinned(text, f"100 ms × $H_{{100}}$ = {slowest_s * 1_000:.0f} ms")  # 519 ms
    pinned(text, f"1/{CLAIM_BATCH} = {h:.2f}$")  # 5.19
    cycle_ms = COMMIT_MS + round(slowest_s * 1_000) + COMMIT_MS
    pinned(text, f"{COMMIT_MS} + {slowest_s * 1_000:.0f} + {COMMIT_MS} = {cycle_ms} ms")  # 539 ms
    senders = math.ceil(claims_per_s * cycle_ms / 1_000 / CLAIM_BATCH)  # Little's Law: L = lambda * W
    pinned(text, f"{fmt(claims_per_s)} per second × {cycle_ms / 1_000} s ÷ {CLAIM_BATCH} pairs per sender = {senders} senders")
    # The mistake the sizing avoids: senders from the requests in flight, as if a batch took the mean.
    in_flight = est.in_flight(claims_per_s, LATENCY_S)  # 1,500
    naive = round(in_flight / CLAIM_BATCH)  # 15
    naive_rate = naive * CLAIM_BATCH / (cycle_ms / 1_000)
    pinned(text, f"{fmt(in_flight)} requests in flight, as if a batch took the 100 ms mean, {naive} senders")
    pinned(text, f"{naive} × {CLAIM_BATCH} ÷ {cycle_ms / 1_000} s = {fmt(naive_rate)} per second")# 2,783
    pinned(text, f"take {CAMPAIGN / round(naive_rate) / 3_600:.1f} hours")  # 2.0
    assert naive_rate < claims_per_s < senders * CLAIM_BATCH / (cycle_ms / 1_000)
    # The loss bound is what the fleet holds claimed and unrecorded: senders × batch.
    held = senders * CLAIM_BATCH
    pinned(text, f"crash of all {senders} strands at most {fmt(held)}: {held / CAMPAIGN:.2%} of the campaign")
    assert in_flight < held < CAMPAIGN  # requests in flight are a part of the pairs held, which are a part of the campaign
    pinned(text, f"the {fmt(in_flight)} requests in flight are fewer than the {fmt(held)} pairs held")


def test_campaign_timeline_with_the_canary_fits_r3(text):
    rate = FCM_PER_MIN / 60 - RESERVED + IOS / est.drain_seconds(ANDROID, FCM_PER_MIN / 60 - RESERVED)
    canary = CAMPAIGN * CANARY
    rest = CAMPAIGN - canary
    t_canary = canary / rate
    t_rest = rest / rate
    total = t_canary + REVIEW_HOLD_S + t_rest
    pinned(text, f"go in {fmt(canary)} ÷ {fmt(rate)} = {t_canary:.1f} s")  # 13.3 s
    pinned(text, f"remaining {fmt(rest)} take {fmt(t_rest)} s: {fmt(total)} s in all, {total / 60:.1f} minutes")
    slack = R3_MIN - total / 60
    assert total / 60 <= R3_MIN
    pinned(text, f"leaves {slack:.1f} minutes of R3")  # 2.8
    pinned(text, f"The {slack:.1f} minutes are all the slack R3 has, shared by every pause")
    sending = CAMPAIGN / rate
    pinned(text, f"{sending / 60:.1f} min of sending ({total / 60:.1f} with the canary hold)")  # trade-off table


def test_no_caption_opens_with_notice_and_no_authoring_log():
    raw = chapter_text(CHAPTER)
    assert "Notice" not in raw
    assert "checked on" not in raw and "we checked" not in raw


# --- the send protocol the chapter describes, attacked with crashes ------------------------------
# A model, not a listing: pairs arrive in batches from a queue that redelivers a batch whose sender
# died; `crashes` are the step numbers after which the running sender dies. It shows why check, send,
# record breaks R4 under one crash and a redelivery, and why claim, send, record cannot.

def run_senders(order: str, n_pairs: int, crashes: set[int], batch: int = CLAIM_BATCH):
    sends: dict[int, int] = {}
    table: dict[int, str] = {}
    step = 0
    stranded_per_crash: list[int] = []
    queue = [list(range(i, min(i + batch, n_pairs))) for i in range(0, n_pairs, batch)]
    while queue:
        current = queue[0]
        crashed = False
        if order == "check-send-record":
            for pair in current:
                if pair in table:
                    continue
                sends[pair] = sends.get(pair, 0) + 1
                step += 1
                if step in crashes:
                    crashed = True
                    break
                table[pair] = "sent"
        else:  # claim, send, record
            mine = [p for p in current if p not in table]
            for p in mine:
                table[p] = "claimed"
            step += 1
            if step in crashes:
                crashed = True
            sent_now = 0
            for p in mine if not crashed else []:
                sends[p] = sends.get(p, 0) + 1
                sent_now += 1
                step += 1
                if step in crashes:
                    crashed = True
                    break
            if crashed:
                stranded_per_crash.append(sum(1 for p in mine if table[p] == "claimed") - sent_now)
                for p in mine:  # recovery: a claim whose sender died becomes unknown, never re-sent
                    if table[p] == "claimed":
                        table[p] = "unknown"
            else:
                for p in mine:
                    table[p] = "accepted"
        if not crashed:
            queue.pop(0)  # otherwise the queue redelivers the same batch to a fresh sender
    return sends, table, stranded_per_crash


def test_check_then_send_duplicates_after_a_crash():
    sends, _, _ = run_senders("check-send-record", 250, crashes={1})
    assert max(sends.values()) == 2  # the pair sent just before the crash goes out again


@settings(max_examples=200, deadline=None)
@given(n_pairs=st.integers(1, 600), crashes=st.sets(st.integers(1, 700), max_size=8))
def test_claim_first_never_sends_twice_and_strands_at_most_a_batch(n_pairs, crashes):
    sends, table, stranded = run_senders("claim-send-record", n_pairs, crashes)
    assert all(count == 1 for count in sends.values())  # R4: at most once, whatever the crashes
    assert len(table) == n_pairs  # every pair has a row ...
    assert set(table.values()) <= {"accepted", "unknown"}  # ... and an outcome: none is left claimed
    unknown = {pair for pair, state in table.items() if state == "unknown"}
    never_sent = set(range(n_pairs)) - set(sends)
    assert never_sent <= unknown  # every device that missed the campaign is counted, none silently
    assert len(never_sent) == sum(stranded)  # and the misses are exactly the claimed, unsent pairs of crashed senders


def test_a_crash_after_the_send_leaves_a_delivered_pair_counted_unknown():
    # Step 1 claims the batch, steps 2 and 3 send two pairs, the sender dies before recording them.
    sends, table, _ = run_senders("claim-send-record", CLAIM_BATCH, crashes={3})
    delivered_unknown = {pair for pair in sends if table[pair] == "unknown"}
    assert delivered_unknown == {0, 1}  # "counted unknown; some of them were delivered" (ADR-009)
    assert all(count == 1 for count in sends.values())


# --- the claims table under concurrency: many senders on one batch, and a slow sender ---------------
# A queue redelivers a batch to a second sender while the first is slow, so several senders can hold
# the same pairs at once. The claim must be one atomic insert-if-absent; a SELECT then an INSERT lets
# every sender that selected before the first insert believe the pairs are its own.

class ClaimsTable:
    def __init__(self, atomic: bool = True, gap=None):
        self.rows: dict[int, list] = {}  # pair -> [state, sender, lease expiry]
        self.lock = threading.Lock()
        self.atomic = atomic
        self.gap = gap  # runs between the SELECT and the INSERT of the non-atomic claim

    def claim(self, sender: str, pairs: list[int], now: float, lease_s: float) -> list[int]:
        if self.atomic:
            with self.lock:  # INSERT ... ON CONFLICT DO NOTHING RETURNING: one statement
                mine = [p for p in pairs if p not in self.rows]
                for p in mine:
                    self.rows[p] = ["claimed", sender, now + lease_s]
            return mine
        with self.lock:
            mine = [p for p in pairs if p not in self.rows]  # SELECT: which are free?
        if self.gap:
            self.gap()
        with self.lock:
            for p in mine:
                self.rows[p] = ["claimed", sender, now + lease_s]  # INSERT
        return mine

    def expire_leases(self, now: float) -> None:
        with self.lock:
            for row in self.rows.values():
                if row[0] == "claimed" and row[2] <= now:
                    row[0] = "unknown"  # never released: a claimed pair is never re-sent

    def record(self, sender: str, pair: int, outcome: str) -> None:
        with self.lock:
            row = self.rows[pair]
            if row[1] == sender:  # a late outcome from the claim's own sender turns unknown into accepted
                row[0] = outcome


class Provider:
    def __init__(self):
        self.lock = threading.Lock()
        self.sends: dict[int, int] = {}

    def send(self, pair: int) -> None:
        with self.lock:
            self.sends[pair] = self.sends.get(pair, 0) + 1


def campaign_sender(table, provider, name, batch, now, before_claim=None, before_send=None):
    if before_claim:
        before_claim()
    mine = table.claim(name, batch, now, lease_s=30)
    if before_send:
        before_send()
    for pair in mine:
        provider.send(pair)
        table.record(name, pair, "accepted")
    return mine


def run_concurrent_claims(atomic: bool, senders: int = 8, batch: list[int] | None = None):
    batch = batch or list(range(CLAIM_BATCH))
    start = threading.Barrier(senders)
    between = threading.Barrier(senders)  # holds every SELECT until all have run: the worst interleaving
    table = ClaimsTable(atomic=atomic, gap=None if atomic else between.wait)
    provider = Provider()
    threads = [threading.Thread(target=campaign_sender, args=(table, provider, f"s{i}", batch, 0.0, start.wait))
               for i in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return provider.sends, table


def test_many_senders_on_one_batch_send_each_pair_once_with_an_atomic_claim():
    for _ in range(20):
        sends, table = run_concurrent_claims(atomic=True)
        assert sorted(sends) == list(range(CLAIM_BATCH)) and set(sends.values()) == {1}
        assert {row[0] for row in table.rows.values()} == {"accepted"}


def test_select_then_insert_claim_sends_duplicates():
    # The same senders with the claim split into two statements: every sender sends every pair.
    senders = 8
    sends, _ = run_concurrent_claims(atomic=False, senders=senders)
    assert sum(sends.values()) - len(sends) == (senders - 1) * CLAIM_BATCH


def test_a_slow_sender_past_its_lease_causes_no_duplicate():
    table, provider = ClaimsTable(), Provider()
    batch = list(range(CLAIM_BATCH))
    claimed, resume = threading.Event(), threading.Event()

    def stall():
        claimed.set()
        resume.wait(timeout=10)

    slow = threading.Thread(target=campaign_sender, args=(table, provider, "slow", batch, 0.0),
                            kwargs={"before_send": stall})
    slow.start()
    assert claimed.wait(timeout=10)
    table.expire_leases(now=31.0)  # the lease lapses while the slow sender is paused
    assert {row[0] for row in table.rows.values()} == {"unknown"}
    # The queue redelivers the batch to a fresh sender: every pair is already claimed, so it sends nothing.
    assert campaign_sender(table, provider, "fresh", batch, 31.0) == []
    resume.set()
    slow.join(timeout=10)
    assert sorted(provider.sends) == batch and set(provider.sends.values()) == {1}
    assert {row[0] for row in table.rows.values()} == {"accepted"}  # unknown turned accepted, late


def test_a_claim_whose_answer_is_lost_is_never_sent_and_ends_unknown():
    # The insert committed, but its confirmation never reached the sender: the sender claims the batch
    # again and gets nothing back, so nothing is sent; the rows turn unknown when their lease expires.
    table, provider = ClaimsTable(), Provider()
    batch = list(range(CLAIM_BATCH))
    table.claim("s1", batch, now=0.0, lease_s=30)  # the answer is lost
    assert campaign_sender(table, provider, "s1", batch, 1.0) == []
    table.expire_leases(now=31.0)
    assert provider.sends == {} and {row[0] for row in table.rows.values()} == {"unknown"}


# --- the sign-in-code lane: at least once until expiry, retries off the partition ------------------
# Time in whole seconds. A failed attempt (a timeout, a refusal, or a sender crash before the ack)
# leaves the code stored, to be tried again after a capped exponential backoff. With a retry queue the
# code leaves its partition while it waits; retried in place, it holds every code behind it.

LIFETIME_S = 300
MARGIN_S = 5


def run_code_lane(arrivals, faults, *, per_tick=4, in_place=False):
    n = len(arrivals)
    deadline = [a + LIFETIME_S - MARGIN_S for a in arrivals]
    sent_at: dict[int, list[int]] = {i: [] for i in range(n)}
    accepted: set[int] = set()
    failed: set[int] = set()
    partition: list[int] = []  # codes in arrival order awaiting a first attempt (in place: or a retry)
    retries: list[tuple[int, int]] = []  # (due second, code): the delay queue
    due: dict[int, int] = {}

    for t in range(max(arrivals) + LIFETIME_S + 1):
        partition += [i for i in range(n) if arrivals[i] == t]
        for i in [i for i in partition if t >= deadline[i]]:
            partition.remove(i)
            failed.add(i)  # reported to the auth service, never sent late
        for item in [item for item in retries if t >= deadline[item[1]]]:
            retries.remove(item)
            failed.add(item[1])
        budget = per_tick

        def attempt(i, t=t):  # bound now: called only within this second
            sent_at[i].append(t)
            k = len(sent_at[i])
            if (i, k) in faults:
                return t + min(30, 2 ** (k - 1))  # due again after the backoff
            accepted.add(i)
            return None

        while partition and budget:  # first attempts go first
            i = partition[0]
            if in_place and due.get(i, t) > t:
                break  # the head waits for its retry, and every code behind it waits too
            partition.pop(0)
            budget -= 1
            again = attempt(i)
            if again is not None and in_place:
                partition.insert(0, i)
                due[i] = again
            elif again is not None:
                retries.append((again, i))
        for item in sorted(retries):
            if not budget or item[0] > t:
                break
            retries.remove(item)
            budget -= 1
            again = attempt(item[1])
            if again is not None:
                retries.append((again, item[1]))
    return sent_at, accepted, failed, deadline


codes = st.lists(st.integers(0, 60), min_size=1, max_size=20, unique=True)


@settings(max_examples=200, deadline=None)
@given(arrivals=codes, faults=st.sets(st.tuples(st.integers(0, 19), st.integers(1, 8)), max_size=60))
def test_codes_are_sent_before_expiry_never_after_and_never_lost(arrivals, faults):
    sent_at, accepted, failed, deadline = run_code_lane(arrivals, faults)
    for i, times in sent_at.items():
        assert times and all(t < deadline[i] for t in times)  # sent at least once, and never late
        assert times[0] == arrivals[i]  # another code's retries never delay a first attempt
    # Eight failed attempts fit well inside 295 s of backoff, so every code is handed off in time.
    assert accepted == set(range(len(arrivals))) and not failed


@settings(max_examples=100, deadline=None)
@given(arrivals=codes, doomed=st.sets(st.integers(0, 19)))
def test_a_code_that_never_gets_through_is_reported_not_sent_late(arrivals, doomed):
    faults = {(i, k) for i in doomed for k in range(1, 100)}
    sent_at, accepted, failed, deadline = run_code_lane(arrivals, faults)
    assert accepted | failed == set(range(len(arrivals))) and not accepted & failed  # none silently lost
    assert failed == {i for i in doomed if i < len(arrivals)}
    assert all(t < deadline[i] for i, times in sent_at.items() for t in times)


def test_retrying_in_place_brings_back_head_of_line_blocking():
    # Code 0 fails four times; code 1 arrives a second later. R2 allows 2 s.
    faults = {(0, k) for k in range(1, 5)}
    in_place, *_ = run_code_lane([0, 1], faults, in_place=True)
    queued, *_ = run_code_lane([0, 1], faults)
    assert in_place[1][0] - 1 == 14 > 2  # behind its neighbour's backoff (1 + 2 + 4 + 8 s - 1): seven times R2
    assert queued[1][0] - 1 == 0  # sent the second it arrives



# --- the deck's slides for this chapter repeat the corrected numbers, not the old ones ------------

def test_deck_claim_slide_carries_the_corrected_numbers():
    deck = (Path(__file__).resolve().parent.parent / "slides" / "m0-fundamentals.md").read_text(encoding="utf-8")
    part = " ".join(deck[deck.index("## 1. The Architect's Mindset"):deck.index("## 2. System Qualities")].split())
    bulk = FCM_PER_MIN / 60 - RESERVED
    claims_per_s = bulk + IOS / est.drain_seconds(ANDROID, bulk)
    slowest_ms = round(LATENCY_S * sum(1 / k for k in range(1, CLAIM_BATCH + 1)) * 1_000)
    cycle_ms = 2 * COMMIT_MS + slowest_ms
    senders = math.ceil(claims_per_s * cycle_ms / 1_000 / CLAIM_BATCH)
    minutes = (1 - SIGNIN_SLO) * OUR_SHARE_OF_BUDGET * 30 * 1_440  # 21.6 at the average rate
    pinned(part, f"{minutes:.1f} minutes of total outage in 30 days at the average rate, {minutes / PEAK_TO_MEAN:.1f} in the busiest hour")
    pinned(part, f"make that {slowest_ms} ms and the cycle {cycle_ms} ms, so {senders} senders, not 15")
    pinned(part, f"**{senders}** senders, not 15")
    pinned(part, f"at most {fmt(senders * CLAIM_BATCH)} pairs, {senders * CLAIM_BATCH / CAMPAIGN:.2%}")
    kept_gb = CAMPAIGNS_PER_DAY * CLAIMS_KEPT_H / 24 * CAMPAIGN * CLAIM_ROW_BYTES / 1e9
    pinned(part, f"{ZONES * kept_gb:.0f} GB for 48 hours in three copies")
    for stale in ("0.0075%", "32 GB", "at most **100** claims", "fail over within 2.8"):
        assert stale not in part
