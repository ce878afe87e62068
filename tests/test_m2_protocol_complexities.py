"""Tests for the protocol-complexities chapter: the HTTP/2 send-window listing, the scale-out simulation, the
reconnect-spread listing, the GOAWAY solution, and every derived number in the chapter's prose.

The attacks: many threads spending one stream's credit (never more than the window; a lock-free copy that does
overspend), zero, negative, boolean, NaN and overflowing increments, SETTINGS changes that drive windows negative,
reused and even stream identifiers, a GOAWAY landing between open_stream's check and its open (a deterministic
interleaving), a late WINDOW_UPDATE for a closed or refused stream, a second GOAWAY that tries to raise the last
stream identifier, and hypothesis properties of the window bookkeeping, the simulation's shares and the reconnect
counts. The scale-out claims are checked over 300 seeds, not only the plotted one, and the rolling-deploy
arithmetic is checked against a model of where drained sockets land.
"""
from __future__ import annotations

import base64
import hashlib
import math
import statistics
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from listings import BOOK, load_listing, pinned, prose, without_lock

CHAPTER = "m2-networking/protocol-complexities.md"
BOOK_CHAPTER = BOOK / CHAPTER
fw = load_listing("m2-networking/code/h2_flow_window.py")
sim = load_listing("m2-networking/code/scaleout_balancing.py")
rs = load_listing("m2-networking/code/reconnect_spread.py")
sol = load_listing("m2-networking/code/solutions/goaway_windows.py")


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


# ---- HTTP/2 send windows -----------------------------------------------------------------------------------------

def test_defaults_follow_rfc_9113():
    assert fw.DEFAULT_WINDOW == 65_535 and fw.MAX_WINDOW == 2**31 - 1
    w = fw.SendWindows()
    w.open_stream(1)
    assert w.available(1) == 65_535 and w.connection_window() == 65_535


def test_send_takes_the_smaller_of_stream_and_connection_window():
    w = fw.SendWindows(initial_window=100_000)
    w.open_stream(1)
    w.open_stream(3)
    assert w.send(1, 50_000) == 50_000
    assert w.send(3, 50_000) == 15_535  # the connection window (65,535) is the limit, not the stream's 100,000
    assert w.send(3, 1) == 0
    w.window_update(0, 10)
    assert w.send(3, 100) == 10


def test_stream_window_limits_even_with_connection_credit():
    w = fw.SendWindows(initial_window=10)
    w.open_stream(1)
    w.window_update(0, 1_000_000)
    assert w.send(1, 100) == 10 and w.send(1, 100) == 0
    w.window_update(1, 5)
    assert w.send(1, 100) == 5


@pytest.mark.parametrize("increment", [0, -1, 2**31])
def test_bad_increments_are_protocol_errors(increment):
    w = fw.SendWindows()
    w.open_stream(1)
    with pytest.raises(fw.ProtocolError):
        w.window_update(1, increment)


@pytest.mark.parametrize("increment", [1.5, float("nan"), float("inf"), True, "5"])
def test_non_integer_increments_are_rejected(increment):
    w = fw.SendWindows()
    w.open_stream(1)
    with pytest.raises(TypeError):
        w.window_update(1, increment)


def test_window_overflow_is_a_flow_control_error_and_changes_nothing():
    w = fw.SendWindows()
    w.open_stream(1)
    with pytest.raises(fw.FlowControlError):
        w.window_update(1, fw.MAX_WINDOW - 65_535 + 1)
    with pytest.raises(fw.FlowControlError):
        w.window_update(0, fw.MAX_WINDOW - 65_535 + 1)
    assert w.available(1) == 65_535
    w.window_update(1, fw.MAX_WINDOW - 65_535)  # exactly 2**31 - 1 is legal


def test_settings_move_open_streams_and_may_drive_them_negative():
    w = fw.SendWindows(initial_window=1_000)
    w.open_stream(1)
    assert w.send(1, 1_000) == 1_000
    w.apply_initial_window(100)  # window 0 - 900 = -900
    assert w.available(1) == 0
    w.window_update(1, 899)
    assert w.send(1, 10) == 0  # still -1: no credit
    w.window_update(1, 2)
    assert w.send(1, 10) == 1
    w.open_stream(3)
    assert w.available(3) == 100  # new streams start at the new initial window
    assert w.connection_window() == 65_535 - 1_001  # SETTINGS never touch the connection window


def test_settings_validation():
    w = fw.SendWindows()
    w.open_stream(1)
    with pytest.raises(fw.FlowControlError):
        w.apply_initial_window(2**31)
    for bad in (-1, 1.0, float("nan"), True):
        with pytest.raises(ValueError):
            w.apply_initial_window(bad)
    w.window_update(1, fw.MAX_WINDOW - 65_535)
    with pytest.raises(fw.FlowControlError):  # raising the initial window would push stream 1 past the maximum
        w.apply_initial_window(70_000)
    assert w.available(1) == 65_535  # connection window limits; stream state unchanged after the refusal


@pytest.mark.parametrize("bad", [0, -1, 2, 2**31, True, 1.0])
def test_stream_ids_must_be_odd_positive_ints(bad):
    with pytest.raises((fw.ProtocolError, ValueError, TypeError)):
        fw.SendWindows().open_stream(bad)


def test_stream_ids_are_never_reused_or_lowered():
    w = fw.SendWindows()
    w.open_stream(5)
    for sid in (5, 3, 1):
        with pytest.raises(fw.ProtocolError):
            w.open_stream(sid)
    w.close_stream(5)
    with pytest.raises(fw.ProtocolError):
        w.open_stream(5)
    w.open_stream(7)


def test_closing_a_stream_keeps_its_byte_count():
    w = fw.SendWindows()
    w.open_stream(1)
    w.send(1, 300)
    w.close_stream(1)
    assert w.sent[1] == 300 and w.open_streams() == []
    with pytest.raises(fw.ProtocolError):
        w.send(1, 1)


def spent_by_racing_threads(windows, threads: int = 16, tries: int = 6_000) -> int:
    start = threading.Barrier(threads)

    def writer() -> None:
        start.wait()
        for _ in range(tries):
            windows.send(1, 1)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return windows.sent[1]


def test_many_threads_on_one_stream_never_spend_more_than_the_window(fast_thread_switches):
    # 16 x 6,000 = 96,000 attempts of one byte against 65,535 bytes of credit.
    for _ in range(3):
        w = fw.SendWindows()
        w.open_stream(1)
        spent_by_racing_threads(w)
        assert w.sent[1] == 65_535 and w.connection_window() == 0 and w.available(1) == 0


def test_the_lock_is_what_keeps_the_books(fast_thread_switches):
    # Without the lock, `window -= granted` and `sent += granted` are read-modify-writes that threads interleave:
    # some round's counters disagree with the windows (credit spent twice, or bytes not counted).
    naive = without_lock(fw.SendWindows)

    def broken() -> bool:
        w = naive()
        w.open_stream(1)
        spent_by_racing_threads(w)
        return not (w.sent[1] == 65_535 and w._connection == 0 and w._streams[1] == 0)

    assert any(broken() for _ in range(40))


ops = st.lists(st.one_of(
    st.tuples(st.just("send"), st.sampled_from([1, 3, 5]), st.integers(0, 200_000)),
    st.tuples(st.just("update"), st.sampled_from([0, 1, 3, 5]), st.integers(1, 300_000)),
    st.tuples(st.just("settings"), st.just(0), st.integers(0, 400_000)),
), max_size=60)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_property_windows_are_credit_minus_spending(sequence):
    """Invariant: every window equals the credit given minus the bytes sent, and no send exceeds the credit left."""
    w = fw.SendWindows()
    initial = fw.DEFAULT_WINDOW
    credit = {sid: initial for sid in (1, 3, 5)}
    for sid in (1, 3, 5):
        w.open_stream(sid)
    conn_credit = fw.DEFAULT_WINDOW
    for op, sid, n in sequence:
        if op == "send":
            stream_left = credit[sid] - w.sent[sid]
            conn_left = conn_credit - sum(w.sent.values())
            granted = w.send(sid, n)
            assert 0 <= granted <= max(0, min(n, stream_left, conn_left))
            assert granted == max(0, min(n, stream_left, conn_left))
        elif op == "update":
            try:
                w.window_update(sid, n)
            except fw.FlowControlError:
                continue
            if sid == 0:
                conn_credit += n
            else:
                credit[sid] += n
        else:
            try:
                w.apply_initial_window(n)
            except fw.FlowControlError:
                continue
            for s in credit:
                credit[s] += n - initial
            initial = n
    assert sum(w.sent.values()) <= conn_credit
    assert w.connection_window() == conn_credit - sum(w.sent.values())
    for sid in credit:
        assert w.available(sid) == max(0, min(w.connection_window(), credit[sid] - w.sent[sid]))


# ---- The GOAWAY solution ------------------------------------------------------------------------------------------

def test_goaway_returns_only_unprocessed_streams():
    w = sol.DrainingWindows()
    for sid in (1, 3, 5, 7):
        w.open_stream(sid)
    assert w.receive_goaway(3) == [5, 7]  # a naive version returning [1, 3, 5, 7] would duplicate 1 and 3
    assert w.open_streams() == [1, 3] and w.retryable == [5, 7]
    with pytest.raises(sol.ProtocolError):
        w.open_stream(9)


def test_graceful_two_step_goaway():
    w = sol.DrainingWindows()
    for sid in (1, 3):
        w.open_stream(sid)
    w.send(3, 100)
    assert w.receive_goaway(2**31 - 1) == []  # first GOAWAY refuses nothing
    assert not w.drained()
    assert w.receive_goaway(1) == [3]  # the second names the real last stream
    assert w.sent[3] == 100  # the counters survive the removal
    with pytest.raises(sol.ProtocolError):
        w.receive_goaway(3)  # a later GOAWAY must not raise the last stream id
    assert not w.drained()
    w.close_stream(1)
    assert w.drained()


@pytest.mark.parametrize("bad", [-1, 2**31])
def test_goaway_rejects_out_of_range_ids(bad):
    with pytest.raises(sol.ProtocolError):
        sol.DrainingWindows().receive_goaway(bad)


def test_goaway_rejects_non_ints():
    for bad in (1.0, True, float("nan")):
        with pytest.raises(TypeError):
            sol.DrainingWindows().receive_goaway(bad)


def test_goaway_between_the_check_and_the_open_loses_no_stream(monkeypatch):
    """Deterministic check-then-act attack: a GOAWAY lands after open_stream checked for GOAWAY but before the
    stream is in the window table. The stream must end up refused, or open and reported retryable by that GOAWAY;
    never open above the last stream id and missing from `retryable`."""
    checked, goaway_done = threading.Event(), threading.Event()
    original = sol.SendWindows.open_stream

    def paused(self, stream_id):  # a thread switch right after DrainingWindows.open_stream's check
        checked.set()
        goaway_done.wait(0.5)  # bounded: a version that holds the lock here must not deadlock the test
        original(self, stream_id)

    monkeypatch.setattr(sol.SendWindows, "open_stream", paused)
    w = sol.DrainingWindows()
    errors = []

    def opener():
        try:
            w.open_stream(9)
        except sol.ProtocolError as exc:
            errors.append(exc)

    t = threading.Thread(target=opener)
    t.start()
    assert checked.wait(2)
    retry = w.receive_goaway(3)
    goaway_done.set()
    t.join()
    assert errors or 9 in retry, f"GOAWAY returned {retry}, open {w.open_streams()}, retryable {w.retryable}"
    assert 9 not in w.open_streams()
    assert w.drained()


# ---- Stale frames: WINDOW_UPDATE after a stream closed -------------------------------------------------------------

def test_stale_window_update_on_a_closed_stream_is_ignored():
    """RFC 9113 sections 5.1 and 6.9: a WINDOW_UPDATE can arrive for a stream the sender has closed (the receiver
    returns credit for the last DATA it read); it is ignored, not a connection error and not credit."""
    w = fw.SendWindows()
    w.open_stream(1)
    w.send(1, 1_000)
    w.close_stream(1)
    w.window_update(1, 1_000)  # must not raise
    assert w.open_streams() == [] and w.connection_window() == 65_535 - 1_000
    with pytest.raises(fw.ProtocolError):  # a stream that was never opened (idle) is still an error
        w.window_update(5, 1)
    with pytest.raises(fw.ProtocolError):  # asking about a closed stream is a ProtocolError, not a bare KeyError
        w.available(1)


def test_stale_window_update_on_a_stream_refused_by_goaway_is_ignored():
    w = sol.DrainingWindows()
    for sid in (1, 3):
        w.open_stream(sid)
    assert w.receive_goaway(1) == [3]
    w.window_update(3, 100)  # credit for a stream the GOAWAY refused arrives late: ignored
    assert w.open_streams() == [1] and w.retryable == [3]


# ---- Scale-out simulation -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs():
    return {policy: sim.simulate(policy) for policy in sim.POLICIES}


def test_simulation_is_deterministic(runs):
    assert sim.simulate("l4_max_age") == runs["l4_max_age"]
    assert sim.simulate("l4_max_age", seed=8) != runs["l4_max_age"]


def test_policies_behave_as_the_chapter_says(runs):
    assert all(s == 0 for s in runs["l4"].new_share)
    l7 = runs["l7"].new_share
    assert all(s == 0 for s in l7[:120]) and all(abs(s - 0.5) < 1e-12 for s in l7[120:])
    assert all(abs(p - 1) < 1e-12 for p in runs["l7"].peak_to_mean)
    age = runs["l4_max_age"]
    assert all(s == 0 for s in age.new_share[:120]) and age.new_share[180] > 0


@pytest.mark.parametrize("bad", [dict(clients=0), dict(pods_after=5), dict(jitter=float("nan")), dict(jitter=1.0),
                                 dict(jitter=-0.1), dict(max_age=0), dict(duration=True), dict(scale_at=2.5)])
def test_simulation_rejects_bad_parameters(bad):
    with pytest.raises(ValueError):
        sim.simulate("l4_max_age", **bad)
    with pytest.raises(ValueError):
        sim.simulate("round_robin")
    with pytest.raises(ValueError):
        sim.mean_between([1.0], 5, 9)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sim.POLICIES), st.integers(1, 40), st.integers(1, 8), st.integers(0, 8),
       st.integers(1, 120), st.integers(0, 2**32))
def test_property_shares_are_fractions_and_peaks_at_least_the_mean(policy, clients, before, added, age, seed):
    t = sim.simulate(policy, clients=clients, pods_before=before, pods_after=before + added, scale_at=30,
                     duration=120, max_age=age, seed=seed)
    assert all(0 <= s <= 1 + 1e-12 for s in t.new_share)
    assert all(p >= 1 - 1e-9 for p in t.peak_to_mean)
    assert all(s == 0 for s in t.new_share[:30])  # nothing can reach pods that do not exist yet
    if policy != "l4_max_age":
        assert t.reconnects == 0


# ---- Reconnect spread ---------------------------------------------------------------------------------------------

def test_reconnects_all_at_once_without_jitter():
    assert rs.reconnect_counts(40_000, 0) == [40_000]


@pytest.mark.parametrize("bad", [(-1, 10), (10, -1), (1.5, 10), (10, 2.5), (True, 10), (10, float("nan"))])
def test_reconnect_parameters_are_validated(bad):
    with pytest.raises(ValueError):
        rs.reconnect_counts(*bad)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 20_000), st.integers(0, 120), st.integers(0, 2**32))
def test_property_every_connection_reconnects_once_within_the_window(n, spread, seed):
    counts = rs.reconnect_counts(n, spread, seed)
    assert sum(counts) == n and len(counts) == max(1, spread) and min(counts) >= 0
    assert max(counts) >= math.ceil(n / max(1, spread))  # the busiest second carries at least the mean


# ---- Numbers in the prose -----------------------------------------------------------------------------------------

def test_stream_identifier_exhaustion(text):
    assert 2**30 == 1_073_741_824
    hours = 2**30 / 10_000 / 3600
    pinned(text, "= 1,073,741,824 odd identifiers")
    pinned(text, f"At 10,000 requests/s on one connection that happens after {hours:.1f} hours")


def test_streams_in_flight_example(text):
    assert 5_000 * 0.030 == pytest.approx(150)
    pinned(text, "$L = \\lambda W = 5{,}000 \\times 0.030 = 150$ streams")
    pinned(text, f"$100 / 0.030 \\approx {100 / 0.030:,.0f}".replace(",", "{,}") + "$ requests/s")


def test_streams_decision_survives_doubled_latency(text):
    assert 200 / 5_000 == 0.040
    pinned(text, "$200 / 5{,}000 = 40$ ms, only a third above normal")
    assert 5_000 * 0.060 == pytest.approx(300) and math.ceil(300 / 100) == 3
    pinned(text, "$5{,}000 \\times 0.060 = 300$ streams: at least three connections")


def test_default_window_example(text):
    rate = 65_535 / 0.050
    assert rate == 1_310_700
    pinned(text, "$65{,}535 / 0.050 = 1{,}310{,}700$ bytes/s, about 10.5 Mbit/s")
    assert f"{rate * 8 / 1e6:.1f}" == "10.5"
    assert 1e9 / 8 * 0.050 == 6_250_000 and round(6_250_000 / 65_535) == 95
    pinned(text, "$10^9 / 8 \\times 0.050 = 6{,}250{,}000$ bytes, about 95 times the default")
    assert 10 * 6.25 == 62.5
    pinned(text, "Ten such streams at once need 62.5 MB")
    assert round(65_535 / 0.001 * 8 / 1e6) == 524
    pinned(text, "the default allows about 524 Mbit/s")


def test_scaleout_numbers(text, runs):
    l4, age = runs["l4"], runs["l4_max_age"]
    assert f"{l4.peak_to_mean[100]:.2f}" == "2.16"
    pinned(text, "The busiest pod carried 2.16 times the mean before the scale-out")
    assert f"{sim.mean_between(l4.peak_to_mean, 600, 900):.2f}" == "4.32"
    pinned(text, "it carries 4.32 times the mean over minutes 10 to 15")
    assert f"{age.new_share[180]:.1%}" == "7.8%" and f"{age.new_share[420]:.1%}" == "23.5%"
    pinned(text, "7.8% after one minute, only 23.5% after five")
    assert f"{sim.mean_between(age.new_share, 600, 900):.0%}" == "43%"
    pinned(text, "and 43% on average over minutes 10 to 15")
    assert f"{sim.mean_between(age.peak_to_mean, 600, 900):.2f}" == "3.51"
    pinned(text, "Its busiest pod carries 3.51 times the mean over minutes 10 to 15")
    assert age.reconnects == 182 and 60 * 900 / 300 == 180
    pinned(text, "The cost is 182 reconnects in 15 minutes, about $60 \\times 900 / 300 = 180$")
    # Expected share x / (2A) at one and five minutes after the scale-out.
    assert 60 / 600 == 0.10 and 300 / 600 == 0.5
    pinned(text, "10% one minute after, 50% five minutes after")


@pytest.fixture(scope="module")
def many_seeds():
    """The maximum-age policy over seeds 0 to 299, as the chapter and the figure use them."""
    runs = [sim.simulate("l4_max_age", seed=seed) for seed in range(300)]
    return {
        "at_five": [r.new_share[420] for r in runs],
        "late_share": [sim.mean_between(r.new_share, 600, 900) for r in runs],
        "late_peak": [sim.mean_between(r.peak_to_mean, 600, 900) for r in runs],
    }


def test_scaleout_claims_hold_over_many_seeds_not_one(text, many_seeds, runs):
    """The plotted seed is an unlucky run: the prose must report the distribution, and the expectation x/(2A)."""
    at_five = many_seeds["at_five"]
    mean = statistics.mean(at_five)
    assert 0.45 <= mean <= 0.53  # x / (2A) = 50% five minutes after: the expectation holds on average
    assert f"{mean:.0%}" == "49%"
    pinned(text, "five minutes after the scale-out the share averages 49%")
    lowest_tenth = statistics.quantiles(at_five, n=10)[0]
    assert f"{lowest_tenth:.0%}" == "32%"
    pinned(text, "so the lowest tenth of runs are at or below 32% at that moment")
    plotted = runs["l4_max_age"].new_share[420]
    below = sum(s < plotted for s in at_five) / len(at_five)  # runs strictly lower than the plotted one
    assert below < 0.05 and f"{below:.1%}" == "2.3%"  # the plotted run is in the lowest 5%: say so
    pinned(text, "(lower than all but 2.3% of the 300 runs)")
    assert 0.45 <= statistics.mean(many_seeds["late_share"]) <= 0.53
    median_peak = statistics.median(many_seeds["late_peak"])
    assert f"{median_peak:.2f}" == "3.54" and median_peak > 3  # a hot pod is typical, not luck
    pinned(text, "the median over the 300 runs is 3.54")


def test_websocket_accept_value(text):
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    assert accept.decode() == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    pinned(text, "`dGhlIHNhbXBsZSBub25jZQ==` that is `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`")


def test_rollout_worked_example(text):
    per_pod, pods, headroom, ready = 40_000, 20, 1_500, 30
    assert per_pod / 2_000 == 20
    pinned(text, "20 times the auth service's whole capacity")
    assert f"{per_pod / headroom:.1f}" == "26.7"
    pinned(text, "$W \\ge 40{,}000 / 1{,}500 = 26.7$ s")
    counts_27, counts_60 = rs.reconnect_counts(per_pod, 27), rs.reconnect_counts(per_pod, 60)
    # The figure draws the same windows: 27 s (the minimum, rounded up) crosses the 1,500/s headroom.
    assert round(per_pod / 27) == 1_481 and max(counts_27) == 1_538 > headroom
    pinned(text, "over 27 s the reconnects average 1,481/s, but the busiest second carries 1,538")
    assert round(per_pod / 60) == 667 and max(counts_60) == 722 and max(counts_60) < headroom / 2
    pinned(text, "a mean of 667/s, whose busiest second in the simulation carries 722 reconnects")
    for k, deploy in ((1, 1_800), (2, 1_500), (4, 1_350)):
        window = 60 * k
        assert round(per_pod * k / window) == 667
        assert pods / k * (window + ready) == deploy
        assert round(pods * per_pod / (per_pod / 60) + 600 / k) == deploy
    pinned(text, "| 1 | 60 s | 667 | 1,800 s (30 min) |")
    pinned(text, "| 2 | 120 s | 667 | 1,500 s (25 min) |")
    pinned(text, "| 4 | 240 s | 667 | 1,350 s (22.5 min) |")
    assert pods * per_pod / (per_pod / 60) == 1_200
    pinned(text, "800,000 sockets at 667/s = 1,200 s")
    assert round(800_000 / 1_500) == 533
    pinned(text, "at the full 1,500/s takes 533 s")
    assert round(80_000 / 18) == 4_444 and round(80_000 / 18 / 40_000 * 100) == 11
    pinned(text, "about 4,444 more each, 11% above their 40,000")
    assert max(rs.reconnect_counts(2 * per_pod, 120)) == 733 < headroom / 2
    pinned(text, "listing's simulation carries 733, under half the headroom")
    assert 10 * 30 == 300  # the unpaced rollout the Staff lens compares with: 10 steps of 30 s
    pinned(text, "25 minutes instead of the 5 of an unpaced rollout (10 steps of 30 s)")
    assert round(8_000_000 / 1_500 / 60) == 89
    pinned(text, "full-fleet reconnect at 1,500/s takes about 89 minutes")


def rolling_deploy(pods: int, per_pod: int, per_step: int, surge: bool, placement: str) -> list[float]:
    """Sockets drained at each step of a rolling deploy. Drained sockets reconnect to the ready pods other than
    the ones draining: "even" spreads them evenly (round-robin or random, in expectation); "least" fills the
    least-loaded pods first (least connections). With a surge the replacements start, empty, before the drain."""
    old, new, drained = [float(per_pod)] * pods, [], []
    while old:
        batch, old = old[:per_step], old[per_step:]
        if surge:
            new += [0.0] * len(batch)
        moving = sum(batch)
        drained.append(moving)
        if placement == "even":
            share = moving / (len(old) + len(new))
            old, new = [c + share for c in old], [c + share for c in new]
        else:  # water-filling: raise the emptiest pods to a common level
            loads = sorted(old + new)
            level, left = loads[0], moving
            for i, load in enumerate(loads):
                nxt = loads[i + 1] if i + 1 < len(loads) else math.inf
                room = (nxt - load) * (i + 1) if nxt != math.inf else math.inf
                if left <= room:
                    level = load + left / (i + 1)
                    break
                left -= room
            old, new = [max(c, level) for c in old], [max(c, level) for c in new]
        if not surge:
            new += [0.0] * len(batch)
    return drained


def test_rolling_deploy_sockets_move_twice_under_even_placement(text):
    """The worked example's table assumes each socket reconnects once; that needs least-connections placement."""
    least = rolling_deploy(20, 40_000, 2, surge=True, placement="least")
    assert least == [80_000.0] * 10 and sum(least) == 800_000  # each socket moves once: the table holds
    even = rolling_deploy(20, 40_000, 2, surge=True, placement="even")
    assert round(sum(even)) == 1_274_994 and f"{sum(even) / 1e6:.2f}" == "1.27"
    pinned(text, "the deploy makes about 1.27 million reconnects instead of 800,000")
    assert round(even[-1]) == 188_636 and round(even[-1] / 120) == 1_572 > 1_500
    pinned(text, "the last two pods hold 188,636 sockets, 1,572/s over a 120 s window")


def test_exam_rollout_of_twelve_proxies():
    """Exam question 2 (teaching notes): proxies restarted one at a time, clients spread over the other 11."""
    notes = " ".join((BOOK_CHAPTER.read_text(encoding="utf-8")).split())
    even = rolling_deploy(12, 50_000, 1, surge=False, placement="even")
    assert round(even[-1]) == round(50_000 * (12 / 11) ** 11) == 130_210
    assert "$50{,}000 \\times (12/11)^{11} \\approx 130{,}210$ sockets" in notes
    assert round(even[-1] / 50) == 2_604 > 2_000 and "2,604/s over a 50 s window" in notes
    assert f"{sum(even) / 1e6:.2f}" == "1.01" and "about 1.01 million reconnects" in notes
    windows = sum(d / 1_000 for d in even)
    assert round(windows) == 1_013
    assert round((windows + 12 * 20) / 50) * 50 == 1_250 and round((windows + 240) / 60) == 21
    assert "about 1,013 s of windows plus $12 \\times 20 = 240$ s of restarts, about 1,250 s, 21" in notes
    surge = rolling_deploy(12, 50_000, 1, surge=True, placement="least")
    assert sum(surge) == 600_000 and 20 + 12 * (50 + 20) == 860
    assert "600,000 reconnects, $20 + 12 \\times (50 + 20) = 860$ s" in notes
    assert 600_000 / 2_000 == 300 and 50_000 / 2_000 == 25


def test_exercise_numbers(text):
    assert round(65_535 / 0.080) == 819_188 and f"{65_535 / 0.080 * 8 / 1e6:.1f}" == "6.6"
    pinned(text, "$65{,}535 / 0.080 = 819{,}188$ bytes/s, about 6.6 Mbit/s")
    assert 400e6 / 8 * 0.080 == 4_000_000 and round(4_000_000 / 65_535) == 61
    pinned(text, "$400 \\times 10^6 / 8 \\times 0.080 = 4{,}000{,}000$ bytes, 4 MB, about 61 times")
    assert 20_000_000 - 65_535 == 19_934_465 < 2**31 - 1
    pinned(text, "$20{,}000{,}000 - 65{,}535 = 19{,}934{,}465$ bytes")
    assert 100 / 0.050 == 2_000
    pinned(text, "$100 / 0.050 = 2{,}000$ requests/s")
    pair = (9 + 20) + (9 + 4)
    assert pair == 42 and round(1_250_000 / pair) == 29_762 and round(29_762 / 2_000) == 15
    pinned(text, "$1{,}250{,}000 / 42 \\approx 29{,}762$ requests/s, about 15 times")
    # Exercise 6: 3,000 streams, age 600 s, 40% of the new pods' fair share.
    assert 3_000 / 600 == 5 and 0.4 * 1_500 == 600 and 600 / 5 == 120
    pinned(text, "$600 / 5 = 120$ s, two minutes")
    # Exercise 6's deploy: 3 pods of paced closes (10/s each) plus routine restarts, Poisson at 5/s.
    assert 200 / 20 == 10 and 3 * 10 + 5 == 35 and 4 * 10 + 5 == 45 and 45 / 50 == 0.9
    pinned(text, "Deploy 3 pods at a time: 30 streams/s")
    pinned(text, "A deploy step adds 30/s: together 35/s")
    p_ten = 1 - sum(math.exp(-5) * 5**k / math.factorial(k) for k in range(10))
    assert round(1 / p_ten / 10) * 10 == 30  # about one second in 30 carries 10 or more routine restarts
    pinned(text, "one second in 30 carries 10 or more")
    assert 50 - 30 == 20 and 20 / 5 == 4
    pinned(text, "reaching 50 would take 20 routine restarts in one second, four times their mean")
    assert 200 / 10 == 20 and 20 + 5 == 25 and 30 + 20 + 5 == 55
    pinned(text, "adds 20/s: 25/s with routine restarts, but about 55/s during a deploy step")
    assert 17 * 200 == 3_400 >= 3_000
    pinned(text, "$17 \\times 200 = 3{,}400$ streams")
    # Exercise 2: readiness wait under the ALB health check, grace, kill timer.
    assert 30 * 2 == 60 and 60 + 15 == 75 > 30
    pinned(text, "$30 \\times 2 = 60$ s of failed checks")
    pinned(text, "the 60 s readiness wait plus the 15 s grace is 75 s")
    # Exercise 5: 12 pods x 20,000 sockets, 1,000/s of auth headroom.
    assert 12 * 20_000 == 240_000 and 1_500 - 500 == 1_000 and 240_000 / 1_000 == 240
    pinned(text, "$240{,}000 / 1{,}000 = 240$ s")
    assert 20_000 / 40 == 500 and 12 * (30 + 40) == 840
    pinned(text, "$12 \\times (30 + 40) = 840$ s, 14 minutes")
    assert 25 + 10 == 35
    pinned(text, "if nothing has arrived for 35 s (25 s plus 10 s of")
