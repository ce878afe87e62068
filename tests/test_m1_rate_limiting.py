"""Tests for the rate-limiting chapter: its listings (token bucket, GCRA, window limits, adaptive concurrency limit,
the priority solution), the seeded overload simulation, and every derived number in its prose.

The attacks: many threads draining one bucket (never more than b + r*t granted, and a lock-free copy that does
over-grant), clock jumps backwards and forwards, NaN/inf/negative parameters, a cost above the burst, a
protected call that raises (no permit leaks), stale slow samples, the limit held inside [min, max] under any
sequence of samples, and hypothesis properties of the (r, b) bound and of GCRA's equivalence with the bucket.
"""
from __future__ import annotations

import itertools
import math
import random
import runpy
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import listings
from listings import BOOK, FakeClock, chapter_text, load_listing, occurrences, pinned, prose, without_lock

CHAPTER = "m1-scalability/rate-limiting.md"
tb = load_listing("m1-scalability/code/token_bucket.py")
al = load_listing("m1-scalability/code/adaptive_limit.py")
wl = load_listing("m1-scalability/code/window_limits.py")
sim = load_listing("m1-scalability/code/overload_sim.py")
prio = load_listing("m1-scalability/code/solutions/priority_limiter.py")
DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)




# --------------------------------------------------------------------------- token bucket: basics and attacks


def test_bucket_starts_full_refills_at_rate_and_caps_at_burst():
    clock = FakeClock(100.0)
    bucket = tb.TokenBucket(rate=10, burst=5, clock=clock)
    assert sum(bucket.try_acquire() for _ in range(20)) == 5
    clock.advance(0.35)  # 3.5 tokens
    assert sum(bucket.try_acquire() for _ in range(20)) == 3
    clock.advance(3600)  # an hour idle refills to the burst, not to 36,000
    assert sum(bucket.try_acquire() for _ in range(100)) == 5


def test_bucket_seconds_until_is_the_wait_after_which_the_request_is_admitted():
    clock = FakeClock()
    bucket = tb.TokenBucket(rate=4, burst=2, clock=clock)
    assert bucket.try_acquire(2)
    assert bucket.seconds_until(1) == pytest.approx(0.25)
    clock.advance(0.24)
    assert not bucket.try_acquire()
    clock.advance(0.01)
    assert bucket.try_acquire()


@pytest.mark.parametrize("rate, burst", [(math.nan, 1), (1, math.nan), (math.inf, 1), (1, math.inf), (0, 1), (1, 0),
                                         (-1, 1), (1, -5)])
def test_bucket_and_gcra_reject_bad_parameters(rate, burst):
    for kind in (tb.TokenBucket, tb.Gcra):
        with pytest.raises(ValueError):
            kind(rate=rate, burst=burst, clock=FakeClock())


@pytest.mark.parametrize("cost", [math.nan, math.inf, 0, -1])
def test_bucket_rejects_bad_costs_without_spending(cost):
    bucket = tb.TokenBucket(rate=1, burst=3, clock=FakeClock())
    with pytest.raises(ValueError):
        bucket.try_acquire(cost)
    # A NaN cost passed a naive `tokens < cost` check (every comparison with NaN is false) and set tokens to NaN.
    assert sum(bucket.try_acquire() for _ in range(10)) == 3


def test_a_cost_above_the_burst_is_an_error_not_a_silent_no():
    bucket = tb.TokenBucket(rate=100, burst=10, clock=FakeClock())
    with pytest.raises(ValueError, match="never be granted"):
        bucket.try_acquire(11)
    with pytest.raises(ValueError):
        bucket.seconds_until(11)
    with pytest.raises(ValueError):
        tb.Gcra(rate=100, burst=10, clock=FakeClock(0)).try_acquire(11)


def test_a_clock_that_returns_nan_is_refused():
    clock = FakeClock()
    bucket = tb.TokenBucket(rate=1, burst=1, clock=clock)
    clock.now = math.nan
    with pytest.raises(ValueError):
        bucket.try_acquire()


def test_gcra_keeps_integer_nanoseconds_and_refuses_a_float_clock():
    clock = FakeClock(0)
    gcra = tb.Gcra(rate=3, burst=10, clock=clock)
    assert (gcra.interval, gcra.limit) == (333_333_333, 3_333_333_330)
    clock.now = 0.5  # seconds from time.monotonic: the rounding the integer clock exists to avoid
    with pytest.raises(TypeError):
        gcra.try_acquire()
    with pytest.raises(TypeError):
        tb.Gcra(rate=3, burst=10, clock=FakeClock(math.nan))


def test_bucket_refills_nothing_while_the_clock_runs_backwards():
    clock = FakeClock(1000.0)
    bucket = tb.TokenBucket(rate=1, burst=10, clock=clock)
    assert sum(bucket.try_acquire() for _ in range(50)) == 10
    clock.now = 900.0  # stepped back 100 s
    assert not bucket.try_acquire()
    clock.now = 999.0  # forward again, still before the latest reading: no time has "passed"
    assert not bucket.try_acquire()
    clock.now = 1003.0  # 3 s past the latest reading
    assert sum(bucket.try_acquire() for _ in range(50)) == 3


BucketWithoutLock = without_lock(tb.TokenBucket)


GcraWithoutLock = without_lock(tb.Gcra)


def granted_by_racing_threads(bucket, threads: int = 16, tries: int = 1_000) -> int:
    return listings.granted_by_racing_threads(bucket.try_acquire, threads, tries)


class TickingClock:
    """Each reading is one microsecond after the last (itertools.count is atomic in CPython), so every call
    refills a sliver: at rate 1 token/s, 32,000 readings add 0.032 tokens, less than one grant. In seconds for
    the bucket, in integer nanoseconds for the GCRA."""

    def __init__(self, nanoseconds: bool = False) -> None:
        self._ticks = itertools.count()
        self._nanoseconds = nanoseconds

    def __call__(self) -> float:
        tick = next(self._ticks)
        return tick * 1_000 if self._nanoseconds else tick * 1e-6


@pytest.mark.parametrize("kind, naive, ns", [(tb.TokenBucket, BucketWithoutLock, False),
                                             (tb.Gcra, GcraWithoutLock, True)])
def test_many_threads_on_one_bucket_never_get_more_than_the_burst(kind, naive, ns, fast_thread_switches):
    burst, rounds = 3_000, 40
    # The harness sees the race: without the lock, a refill (or a TAT) read before another thread's withdrawal
    # is written back after it, and some round grants more than the bucket holds.
    assert any(granted_by_racing_threads(naive(1, burst, clock=TickingClock(ns))) > burst for _ in range(rounds))
    for _ in range(5):
        assert granted_by_racing_threads(kind(1, burst, clock=TickingClock(ns))) == burst


def test_many_threads_on_a_real_clock_stay_within_b_plus_r_t(fast_thread_switches):
    rate, burst = 2_000.0, 50
    t0 = time.monotonic()
    bucket = tb.TokenBucket(rate, burst)  # the real monotonic clock
    granted = granted_by_racing_threads(bucket, threads=8, tries=3_000)
    elapsed = time.monotonic() - t0
    assert burst <= granted <= burst + rate * elapsed


requests = st.lists(
    st.tuples(st.integers(min_value=-3_000, max_value=3_000),  # clock step in ms, backwards allowed
              st.integers(min_value=1, max_value=5)),  # cost
    min_size=1, max_size=120)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests, st.integers(min_value=1, max_value=50), st.integers(min_value=5, max_value=40))
def test_property_granted_never_exceeds_the_arrival_curve(steps, rate, burst):
    """Between any two requests i <= j, tokens granted <= b + r * (latest reading at j - latest reading at i),
    exactly: rational time, so the bound is checked without rounding slack."""
    clock = FakeClock(Fraction(0))
    bucket = tb.TokenBucket(Fraction(rate), Fraction(burst), clock=clock)
    seen, latest, granted = [], Fraction(0), []
    for step_ms, cost in steps:
        clock.now += Fraction(step_ms, 1000)
        latest = max(latest, clock.now)
        seen.append(latest)
        granted.append(cost if bucket.try_acquire(cost) else 0)
    for i in range(len(steps)):
        total = 0
        for j in range(i, len(steps)):
            total += granted[j]
            assert total <= burst + rate * (seen[j] - seen[i])


@settings(max_examples=300, deadline=None)
@given(requests, st.integers(min_value=1, max_value=50), st.integers(min_value=5, max_value=40))
def test_property_gcra_makes_the_same_decisions_as_the_bucket(steps, rate, burst):
    """GCRA in integer nanoseconds against the bucket in exact rationals, at the GCRA's rate: 1e9 / T, where T
    is the emission interval rounded to a whole nanosecond."""
    gcra_clock = FakeClock(0)
    gcra = tb.Gcra(rate, burst, clock=gcra_clock)
    bucket_clock = FakeClock(Fraction(0))
    bucket = tb.TokenBucket(Fraction(10**9, gcra.interval), Fraction(burst), clock=bucket_clock)
    for step_ms, cost in steps:
        gcra_clock.now += step_ms * 1_000_000
        bucket_clock.now = Fraction(gcra_clock.now, 10**9)
        assert bucket.try_acquire(cost) == gcra.try_acquire(cost)


# --------------------------------------------------------------------------- window limits


def test_fixed_window_admits_twice_the_limit_across_a_boundary():
    clock = FakeClock()
    fixed = wl.FixedWindow(100, 1.0, clock=clock)
    log = wl.SlidingLog(100, 1.0, clock=clock)
    admitted = {"fixed": 0, "log": 0}
    for i in range(200):  # 100 in [0.99, 1.0), 100 in [1.0, 1.01)
        clock.now = 0.99 + i * 0.0001
        admitted["fixed"] += fixed.try_acquire()
        admitted["log"] += log.try_acquire()
    assert admitted == {"fixed": 200, "log": 100}


@pytest.mark.parametrize("kind", [wl.FixedWindow, wl.SlidingLog, wl.SlidingWindowCounter])
@pytest.mark.parametrize("limit, window", [(0, 1.0), (10, math.nan), (10, math.inf), (10, 0), (2.5, 1.0)])
def test_window_limits_reject_bad_parameters(kind, limit, window):
    with pytest.raises(ValueError):
        kind(limit, window, clock=FakeClock())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=300),
       st.integers(min_value=1, max_value=20))
def test_property_sliding_log_never_exceeds_the_limit_in_any_window(gaps_ms, limit):
    clock, log, times = FakeClock(Fraction(0)), None, []
    log = wl.SlidingLog(limit, Fraction(1), clock=clock)
    for gap in gaps_ms:
        clock.now += Fraction(gap, 1000)
        if log.try_acquire():
            times.append(clock.now)
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u < t + 1) <= limit


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=300),
       st.integers(min_value=1, max_value=20))
def test_property_fixed_window_never_exceeds_twice_the_limit(gaps_ms, limit):
    clock, times = FakeClock(Fraction(0)), []
    fixed = wl.FixedWindow(limit, Fraction(1), clock=clock)
    for gap in gaps_ms:
        clock.now += Fraction(gap, 1000)
        if fixed.try_acquire():
            times.append(clock.now)
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u < t + 1) <= 2 * limit


def test_window_numbers_in_text_match_the_plot_script(text):
    fig = runpy.run_path(str(DIAGRAMS / "m1_rl_windows.py"), run_name="m1_rl_windows_test")
    most = {name: (fig["most_in_interval"](fig["admitted"](name), 0.1),
                   fig["most_in_interval"](fig["admitted"](name), 1.0)) for name in fig["LIMITERS"]}
    fixed, counter, log = most["fixed window"], most["sliding window counter"], most["sliding log"]
    big, small = most["token bucket, b = 100"], most["token bucket, b = 10"]
    pinned(text, f"in any 100 ms the fixed window admitted up to {fixed[0]} requests, the sliding window counter "
                 f"{counter[0]}, the bucket with $b = 100$ {big[0]}, the sliding log {log[0]}, the bucket with "
                 f"$b = 10$ {small[0]}")
    pinned(text, f"In any 1 s: fixed window {fixed[1]}, sliding window counter {counter[1]}, bucket with "
                 f"$b = 100$ {big[1]}, sliding log {log[1]}, bucket with $b = 10$ {small[1]}")
    assert fixed[1] == 200 and log[1] == 100  # the derivation: 2L, and exactly L
    assert small[1] <= 10 + 100 * 1.0 and big[1] <= 100 + 100 * 1.0  # b + r*tau


# --------------------------------------------------------------------------- adaptive concurrency limit


def test_limiter_rejects_at_the_limit_and_releases_on_every_exit():
    lim = al.AdaptiveLimiter(initial=3, min_limit=1, max_limit=10, clock=FakeClock())
    permits = [lim.try_acquire() for _ in range(3)]
    assert all(permits) and lim.try_acquire() is None
    with pytest.raises(al.LimitExceeded):
        with lim.acquire():
            pass
    for p in permits:
        p.release()
    assert lim.inflight == 0


def test_permits_never_leak_when_the_protected_call_raises():
    clock = FakeClock()
    lim = al.AdaptiveLimiter(initial=2, min_limit=1, max_limit=10, clock=clock)
    for exc in (ValueError("bad input"), TimeoutError("slow"), KeyboardInterrupt()):
        for _ in range(50):
            with pytest.raises(type(exc)):
                with lim.acquire():
                    clock.advance(0.01)
                    raise exc
    assert lim.inflight == 0
    assert lim.try_acquire() is not None


def test_a_second_release_changes_nothing_and_foreign_permits_are_ignored():
    lim = al.AdaptiveLimiter(initial=5, clock=FakeClock())
    other = al.AdaptiveLimiter(initial=5, clock=FakeClock())
    p, q = lim.try_acquire(), lim.try_acquire()
    p.release()
    p.release()  # a naive counter would now read 0 with q still in flight, and admit one extra
    assert lim.inflight == 1
    foreign = other.try_acquire()
    lim._release(foreign, dropped=False, sample=True)
    assert lim.inflight == 1 and other.inflight == 1
    q.release()
    assert lim.inflight == 0


def test_a_validation_error_is_no_latency_sample_but_a_timeout_is_a_drop():
    clock = FakeClock()
    lim = al.AdaptiveLimiter(initial=10, min_limit=1, max_limit=20, clock=clock)
    with pytest.raises(ValueError):
        with lim.acquire():
            clock.advance(5.0)  # very slow, but the call failed for its own reasons
            raise ValueError
    assert lim.limit == 10
    with pytest.raises(TimeoutError):
        with lim.acquire():
            raise TimeoutError
    assert lim.limit == 9  # 10 * 0.9


def test_slow_samples_from_before_the_last_decrease_are_stale():
    clock = FakeClock()
    lim = al.AdaptiveLimiter(initial=100, min_limit=1, max_limit=200, clock=clock)
    warm = lim.try_acquire()
    clock.advance(0.010)
    warm.release()  # baseline 10 ms
    permits = [lim.try_acquire() for _ in range(50)]
    clock.advance(1.0)  # all 50 slow together
    for p in permits:
        p.release()
    # One decrease for the round, not 0.9 ** 50 (which would take 100 to 0.5, i.e. to the floor).
    assert lim.limit == 90


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(min_value=-1.0, max_value=5.0, allow_nan=False),
                          st.booleans(), st.booleans()), max_size=300),
       st.integers(min_value=1, max_value=10), st.integers(min_value=0, max_value=50))
def test_property_limit_stays_in_bounds_and_nothing_leaks(samples, min_limit, extra):
    clock = FakeClock(0.0)
    max_limit = min_limit + extra
    lim = al.AdaptiveLimiter(initial=min_limit, min_limit=min_limit, max_limit=max_limit, clock=clock)
    held = []
    for latency, dropped, sample in samples:
        permit = lim.try_acquire()
        if permit is not None:
            held.append(permit)
        assert lim.inflight <= max(lim.limit, len(held)) and len(held) == lim.inflight
        if held and (dropped or len(held) > 3):
            clock.advance(latency)  # a negative step is a clock jumping backwards
            held.pop(0).release(dropped=dropped, sample=sample)
        assert min_limit <= lim.limit <= max_limit
    for p in held:
        p.release()
    assert lim.inflight == 0


def test_limiter_threads_never_exceed_the_limit(fast_thread_switches):
    lim = al.AdaptiveLimiter(initial=8, min_limit=8, max_limit=8)
    peak, lock, inside = [0], threading.Lock(), [0]

    def worker() -> None:
        for _ in range(300):
            try:
                with lim.acquire():
                    with lock:
                        inside[0] += 1
                        peak[0] = max(peak[0], inside[0])
                    with lock:
                        inside[0] -= 1
            except al.LimitExceeded:
                pass

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] <= 8 and lim.inflight == 0


@pytest.mark.parametrize("bad", [dict(min_limit=0), dict(min_limit=5, max_limit=4), dict(initial=0),
                                 dict(tolerance=1.0), dict(tolerance=math.nan), dict(tolerance=math.inf),
                                 dict(backoff=1.0), dict(backoff=0.4), dict(backoff=math.nan),
                                 dict(baseline_window=0), dict(min_limit=1.5)])
def test_limiter_rejects_bad_parameters(bad):
    with pytest.raises(ValueError):
        al.AdaptiveLimiter(**bad)


# --------------------------------------------------------------------------- solution: priority limiter


def test_priority_limiter_holds_the_reserve_for_critical_requests():
    lim = prio.PriorityLimiter(reserve=0.25, initial=8, min_limit=1, max_limit=8, clock=FakeClock())
    sheddable = [lim.try_acquire("sheddable") for _ in range(10)]
    assert sum(p is not None for p in sheddable) == 6  # floor(0.75 * 8)
    critical = [lim.try_acquire("critical") for _ in range(10)]
    assert sum(p is not None for p in critical) == 2
    with pytest.raises(ValueError):
        lim.try_acquire("urgent")
    with pytest.raises(ValueError):
        prio.PriorityLimiter(reserve=math.nan)


def test_priority_limiter_at_small_limits_matches_the_solution_text(text):
    lim3 = prio.PriorityLimiter(reserve=0.25, initial=3, min_limit=1, max_limit=3, clock=FakeClock())
    assert sum(lim3.try_acquire("sheddable") is not None for _ in range(5)) == math.floor(0.75 * 3) == 2
    lim1 = prio.PriorityLimiter(reserve=0.25, initial=1, min_limit=1, max_limit=1, clock=FakeClock())
    assert lim1.try_acquire("sheddable") is None and lim1.try_acquire("critical") is not None
    pinned(text, "At a limit of 3, `floor(0.75 × 3) = 2` slots for sheddable traffic")
    # Read literally, `inflight < 0.75 * limit` admits a sheddable request at 2 in flight (2 < 2.25): all 3 slots.
    literal = lambda limit: sum(1 for inflight in range(limit) if inflight < 0.75 * limit)  # noqa: E731
    assert literal(3) == 3 and literal(1) == 1
    pinned(text, "Read literally, `inflight < 0.75 × 3 = 2.25` admits a sheddable request at 2 in flight")


def _peak_in_flight(lim) -> tuple[int, int]:
    """16 threads, half critical and half sheddable, each holding its permit across a thread switch: the highest
    number of requests in flight, and of sheddable requests in flight, that any moment saw."""
    counts, lock = {"inside": 0, "peak": 0, "shed_peak": 0, "shed": 0}, threading.Lock()

    def worker(priority: str) -> None:
        for _ in range(300):
            permit = lim.try_acquire(priority)
            if permit is None:
                continue
            with lock:
                counts["inside"] += 1
                counts["shed"] += priority == "sheddable"
                counts["peak"] = max(counts["peak"], counts["inside"])
                counts["shed_peak"] = max(counts["shed_peak"], counts["shed"])
            time.sleep(0)  # hold the permit while other threads run: the counts must overlap to see a race
            with lock:
                counts["inside"] -= 1
                counts["shed"] -= priority == "sheddable"
            permit.release()

    threads = [threading.Thread(target=worker, args=(p,)) for p in ["critical", "sheddable"] * 8]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts["peak"], counts["shed_peak"]


class _PriorityCheckThenAct(prio.PriorityLimiter):
    """The naive solution: the priority check and the increment are not under the lock, so another thread can
    pass the same check before this one increments."""

    def try_acquire(self, priority: str = "critical"):
        limit = int(self._limit)
        if priority == "sheddable":
            limit = math.floor((1 - self.reserve) * limit)
        if self._inflight >= limit:
            return None
        time.sleep(0)  # the window between check and act
        self._inflight += 1
        return al.Permit(self, self.clock(), self._round)


def test_priority_limiter_threads_never_exceed_the_limit(fast_thread_switches):
    def fixed(kind):
        return kind(reserve=0.25, initial=8, min_limit=8, max_limit=8)

    # The harness sees the race: some round of the naive version has more than 8 in flight.
    assert any(_peak_in_flight(fixed(_PriorityCheckThenAct))[0] > 8 for _ in range(20))
    for _ in range(10):
        lim = fixed(prio.PriorityLimiter)
        peak, shed_peak = _peak_in_flight(lim)
        assert peak <= 8 and shed_peak <= 6 and lim.inflight == 0


def test_priority_limiter_reserve_is_not_lost_to_float_rounding():
    """(1 - 0.9) * 10 is 0.9999999999999998 in floats: a floor of it would give sheddable traffic no slot."""
    def sheddable_slots(reserve: float, limit: int) -> int:
        lim = prio.PriorityLimiter(reserve=reserve, initial=limit, min_limit=1, max_limit=limit, clock=FakeClock())
        return sum(lim.try_acquire("sheddable") is not None for _ in range(limit + 1))

    assert sheddable_slots(0.9, 10) == 1 and sheddable_slots(0.3, 90) == 63
    for percent in range(0, 100):
        for limit in (1, 2, 3, 7, 10, 20, 33, 50):
            exact = math.floor(Fraction(100 - percent, 100) * limit)
            assert sheddable_slots(percent / 100, limit) == exact, (percent, limit)


def test_a_timed_out_sample_never_becomes_the_baseline():
    """A timeout that happens to be the baseline_window-th sample must not be taken as the no-load latency:
    the threshold would become tolerance x timeout, and every queued sample would count as fast."""
    clock = FakeClock(0.0)
    lim = al.AdaptiveLimiter(initial=10, min_limit=1, max_limit=100, baseline_window=3, clock=clock)
    for _ in range(2):
        permit = lim.try_acquire()
        clock.now += 0.010
        permit.release()
    permit = lim.try_acquire()
    clock.now += 5.0
    permit.release(dropped=True)
    assert lim._baseline == pytest.approx(0.010)  # the naive re-measure makes it 5.0


# --------------------------------------------------------------------------- the simulation and its numbers


@pytest.fixture(scope="module")
def runs():
    return sim.run_all()


def test_simulation_is_seeded_and_reproducible(runs):
    again = sim.simulate("adaptive")
    assert again.goodput == runs["adaptive"].goodput


def test_overload_numbers_in_text(runs, text):
    g = {name: [round(r.mean_goodput(a, b)) for a, b, _, _ in sim.PHASES] for name, r in runs.items()}
    none, bucket, adaptive = g["none"], g["token bucket"], g["adaptive"]
    pinned(text, f"{none[0]} a second at 75% load, then {none[1]} during the 150% phase and {none[2]} from then on")
    assert none[3] == 0
    pinned(text, f"At 25 s the p99 latency of admitted requests is {runs['none'].p99(25):.1f} s")
    pinned(text, f"{bucket[1]} a second at 150% load, a fine result, then {bucket[2]} when capacity halves")
    assert bucket[3] == 0
    pinned(text, f"{adaptive[1]} a second at 150% load (counted by second of arrival: the last of them finish just "
                 f"after 20 s) and {adaptive[2]} while capacity is 400, then {adaptive[3]} of the 600 offered")
    # The backlog arithmetic: 700 admitted vs 400 served for 10 s. The queued requests keep the 20 ms service time
    # they arrived with, and after 30 s the 600/s of 10 ms work leaves 2 of the 8 workers to drain them.
    backlog = (700 - 400) * 10
    work = backlog * 0.020
    spare = sim.WORKERS - 600 * 0.010
    drain = work / spare
    assert drain == pytest.approx(30) and drain > sim.DURATION - 30  # outlasts the run: goodput 0 to the end
    pinned(text, f"$(700 - 400) \\times 10 = {backlog:,}$".replace(",", "{,}"))
    pinned(text, f"$3{{,}}000 \\times 0.020 = {work:.0f}$ worker-seconds")
    pinned(text, f"keeps {600 * 0.010:.0f} of the 8 workers busy, so the backlog shrinks by {spare:.0f} worker-seconds")
    pinned(text, f"takes $60 / 2 = {drain:.0f}$ s to drain")
    p99_40 = runs["token bucket"].p99(40)
    assert p99_40 > 1_000 / 800 * 3  # a 15 s drain would leave about 1.25 s here
    pinned(text, f"p99 is still {p99_40:.1f} s at 40 s")
    pinned(text, f"goodput fell to {bucket[2]} a second, and its backlog kept goodput at 0 for the "
                 f"{sim.DURATION - 30} s left in the run (it needs {drain:.0f} s to drain)")
    # A run long enough to see the drain end: 30 s after capacity returned, not 15.
    long = sim.PHASES[:3] + ((30, 90, 600, 0.010),)
    original = sim.PHASES, sim.DURATION
    sim.PHASES, sim.DURATION = long, 90
    try:
        extended = sim.simulate("token bucket")
    finally:
        sim.PHASES, sim.DURATION = original
    back = next(s for s in range(30, 90) if extended.goodput[s] > 0.9 * extended.offered[s])
    assert 55 <= back <= 62
    # The adaptive limit stays near Little's Law's 800 * 0.020 = 16 for the first six seconds of the 150% phase,
    # then its re-measured baseline drifts and the limit climbs past twice that before the phase ends.
    early, late = runs["adaptive"].limits[10:16], runs["adaptive"].limits[16:20]
    assert max(abs(x - 16) for x in early) <= 4 and max(late) > 2 * 16
    pinned(text, f"sampled once a second it stayed between {min(early)} and {max(early)} for the first six seconds "
                 f"of the 150% phase, next to the 16 computed here, then climbed to {max(late)} by the end of the phase")
    # The collapse at the end of the slowdown, per second of arrival.
    assert runs["adaptive"].goodput[28] < 300 and runs["adaptive"].goodput[29] < 20
    pinned(text, f"({round(runs['adaptive'].goodput[28])}, then {round(runs['adaptive'].goodput[29])} a second)")
    # No limit: the queue grows by the excess over capacity.
    pinned(text, f"The queue grows by {1200 - 800} requests a second")
    full = (sim.CLIENT_TIMEOUT - 0.010) * 800  # queued requests that use up the client's time before service
    pinned(text, f"once it holds $0.19 \\times 800 = {full:.0f}$ requests, after $152 / 400 = {full / 400:.2f}$ s")
    assert runs["none"].goodput[11] == 0 < runs["none"].goodput[10]
    # The adaptive limit's 803 is above the 800 capacity because goodput counts by second of arrival: requests
    # that arrive before 20 s and count as goodput finish by 20.2 s, so at most about 800 * 10.2 of them.
    assert adaptive[1] > 800 and sum(runs["adaptive"].goodput[10:20]) <= 800 * 10.2


def _adaptive_with_baseline_window(window: int) -> int:
    return _adaptive_with(baseline_window=window)


def _adaptive_with(**overrides) -> int:
    """Mean goodput while capacity is halved, with the simulation's AdaptiveLimiter built with `overrides`."""
    original = sim.adaptive_limit.AdaptiveLimiter

    class Limiter(original):
        def __init__(self, **kwargs):
            super().__init__(**{**kwargs, **overrides})

    sim.adaptive_limit.AdaptiveLimiter = Limiter
    try:
        return round(sim.simulate("adaptive").mean_goodput(20, 30))
    finally:
        sim.adaptive_limit.AdaptiveLimiter = original


def test_baseline_sensitivity_numbers_in_text(runs, text):
    default = round(runs["adaptive"].mean_goodput(20, 30))
    never = _adaptive_with_baseline_window(10**9)
    often = _adaptive_with_baseline_window(200)
    pinned(text, f"the phase's goodput moves from {default} to {never} with a baseline never re-measured")
    pinned(text, f"and to {often} with a re-measurement every 200 samples")
    pinned(text, "so the limit sinks to its floor of 4")
    assert often < never < default
    # The floor rule: 4 requests of 10 ms carry 400/s, below the 600/s of normal demand; a floor of 8 keeps more.
    assert 4 / 0.010 < 600 <= 8 / 0.010
    pinned(text, "4 requests of 10 ms carry $4 / 0.010 = 400$ a second")
    floor8 = _adaptive_with(baseline_window=10**9, min_limit=8)
    assert never < floor8
    pinned(text, f"With a floor of 8, the run whose baseline is never re-measured keeps {floor8} a second")


def test_deadline_drop_numbers_in_exercise_3(text):
    res = sim.simulate("deadline drop")
    g = [round(res.mean_goodput(a, b)) for a, b, _, _ in sim.PHASES]
    pinned(text, f"gives {g[1]} a second of goodput in the 150% phase and {g[2]} while capacity is halved, "
                 f"but {g[3]} of the 600 offered in the final phase")
    pinned(text, "$1{,}200 \\times 0.2 = 240$ waiting requests")


def test_plot_script_uses_the_simulation():
    fig = runpy.run_path(str(DIAGRAMS / "m1_rl_overload.py"), run_name="m1_rl_overload_test")
    assert fig["sim"].run_all()["adaptive"].goodput == sim.run_all()["adaptive"].goodput


# --------------------------------------------------------------------------- formula numbers in the prose


def test_littles_law_example_numbers(text):
    workers, service, timeout = 8, 0.010, 0.2
    mu = workers / service
    pinned(text, f"capacity $\\mu = 8 / 0.010 = {mu:.0f}$ requests a")
    pinned(text, f"$L = \\mu W = 800 \\times 0.010 = {mu * service:.0f}$ requests in flight")
    pinned(text, f"= 20 ms allows $L = 800 \\times 0.020 = {mu * 0.020:.0f}$")
    pinned(text, f"$L = 800 \\times 0.2 = {mu * timeout:.0f}$")
    pinned(text, f"$W = 160 / 400 = {160 / 400:g}$ s")
    pinned(text, f"$W = 16/400 = {16 / 400:g}$ s")


def test_adaptive_throttling_numbers(text):
    def reject_probability(requests: float, accepts: float, k: float) -> float:
        return max(0.0, (requests - k * accepts) / (requests + 1))

    # Section: a client attempting 1,200/s against a backend accepting 400/s.
    p2 = reject_probability(1200, 400, 2)
    p11 = reject_probability(1200, 400, 1.1)
    assert 1200 * (1 - p2) == pytest.approx(800, abs=1)  # the client sends about K * accepts
    pinned(text, f"$p = (1{{,}}200 - 800)/1{{,}}201 = {p2:.1%}$".replace("%", "\\%"))
    pinned(text, f"the client sends 440, $p = {p11:.1%}$".replace("%", "\\%"))
    # Exercise 4: 100 clients x 30/s, 1,000/s accepted, two-minute window.
    window = 120
    req, acc = 30 * window, 10 * window
    pinned(text, f"$p = (3{{,}}600 - 2{{,}}400)/3{{,}}601 = {reject_probability(req, acc, 2):.1%}$".replace("%", "\\%"))
    pinned(text, f"$p = (3{{,}}600 - 1{{,}}320)/3{{,}}601 = {reject_probability(req, acc, 1.1):.1%}$".replace("%", "\\%"))


def test_throttling_converges_to_k_times_accepts_in_a_simulation():
    """Run the SRE formula with a backend that accepts at most 400 of what reaches it each second."""
    rng = random.Random(1)
    window: list[tuple[int, int]] = []
    sent_last = 0
    for _ in range(600):  # seconds
        requests = sum(r for r, _ in window[-120:])
        accepts = sum(a for _, a in window[-120:])
        p = max(0.0, (requests - 2 * accepts) / (requests + 1))
        sent = sum(rng.random() >= p for _ in range(1200))
        accepted = min(sent, 400)
        window.append((1200, accepted))
        sent_last = sent
    assert sent_last == pytest.approx(800, rel=0.05)


def test_static_share_fallback_would_fail_closed_for_the_pinned_tenant(text):
    share, contract = 2 * 300 // 10, 300
    pinned(text, f"$1 - 60/300 = {1 - share / contract:.0%}$ of this tenant's requests".replace("%$", "\\%$"))


def test_exercise_4_rejection_share_of_the_backend(text):
    pinned(text, f"$100 / 1{{,}}100 = {100 / 1100:.0%}$".replace("%$", "\\%$"))
    assert "per second of counts" not in text


def test_a_retry_after_rounded_up_to_whole_seconds_is_always_admitted():
    """`seconds_until` is the wait up to float rounding (waiting exactly that long is sometimes refused by a
    rounding error); rounded up to whole seconds, as Retry-After's delay-seconds are, it always admits."""
    refused_exact = refused_ceil = 0
    for rate in range(1, 200):
        for wait in ("exact", "ceil"):
            clock = FakeClock(1000.0)
            bucket = tb.TokenBucket(rate / 7, 1, clock=clock)
            while bucket.try_acquire():
                pass
            clock.now += 0.3 / rate
            delay = bucket.seconds_until(1)
            clock.now += delay if wait == "exact" else math.ceil(delay)
            admitted = bucket.try_acquire()
            refused_exact += wait == "exact" and not admitted
            refused_ceil += wait == "ceil" and not admitted
    assert refused_ceil == 0
    assert refused_exact > 0  # why the chapter says "up to a floating-point rounding"


def test_exam_and_teaching_note_numbers():
    raw = " ".join((BOOK / CHAPTER).read_text(encoding="utf-8").split())
    assert f"$20 \\times 0.9^{{22}} \\approx {20 * 0.9 ** 22:.2f}$" in raw
    rounds = math.ceil(math.log(1 / 20) / math.log(0.9))
    assert 20 * 0.9 ** (rounds - 1) > 1 >= 20 * 0.9 ** rounds
    assert f"\\ln 0.9 \\rceil = {rounds}$ rounds" in raw
    assert f"$8 / 0.04 = {8 / 0.04:.0f}$" in raw
    assert "kept it at 0 for all 15 s left after capacity returned (it needs 30 s to drain)" in raw


def test_deck_says_what_the_chapter_says():
    slides = (Path(__file__).resolve().parent.parent / "slides" / "m1-scalability.md").read_text(encoding="utf-8")
    # The deck's rate-limiting part: from its divider slide to the next part's.
    part = slides[slides.index("\n## 3. Rate Limiting"):slides.index("\n## 4. Service Discovery")]
    part = " ".join(part.split())
    assert "needs 30 s to drain" in part and "15 s to drain" not in part
    assert "last synced share" in part


def test_worked_example_tenant_numbers(text):
    rate, burst, backend, gateways, pinned_conns = 300, 600, 2000, 10, 2
    assert rate * 2 == burst  # the bucket earns one burst between the job's bursts
    pinned(text, f"$300 \\times 2 = {rate * 2}$ tokens, exactly one burst")
    worst = burst + rate * 1
    pinned(text, f"$600 + 300 \\times 1 = {worst}$ requests, {worst / backend:.0%} of the service's 2,000")
    share = rate // gateways
    pinned(text, f"$300 / 10 = {share}$ a second and a burst of {burst // gateways} on each gateway")
    got = pinned_conns * share
    pinned(text, f"$2 \\times 30 = {got}$ a second: {got / rate:.0%} of the contract")
    pinned(text, f"and bursts of {pinned_conns * burst // gateways}, not 600")
    pinned(text, f"wrong by a factor of {rate // got} for this tenant")


def test_exercise_1_numbers(text):
    limit, minute = 1000, 60
    r = limit / minute
    def tex(value: float) -> str:
        return f"{value:,.0f}".replace(",", "{,}")

    pinned(text, "$1{,}000 + (1{,}000/60) \\times 60 = " + tex(limit + r * minute) + "$")  # 2,000
    pinned(text, f"In 2 s: $1{{,}}000 + {2 * r:.1f} = " + tex(limit + 2 * r) + "$")  # 1,033
    pinned(text, f"so $b = {1100 - limit}$")
    pinned(text, f"about {r:.1f} a second, bursts of 100")


def test_exercise_6_regional_split_holds_within_ten_percent(text):
    """Floors taken out of the rate: the regional rates sum to r, each region's burst is one second of its rate,
    so over a minute the excess is r / 60r; a tenant in one region gets 1 / 1.1 of its rate."""
    rate, floor = 1000.0, 0.05

    def regional_rates(traffic: list[float]) -> list[float]:
        total = sum(traffic)
        raw = [max(floor, t / total) for t in traffic]
        return [rate * x / sum(raw) for x in raw]

    for traffic in ([1, 0, 0], [5, 3, 2], [1, 1, 0], [98, 1, 1]):
        rates = regional_rates(traffic)
        assert sum(rates) == pytest.approx(rate)
        admitted_in_a_minute = sum(r * 60 + r for r in rates)  # b + r * tau in each region, b = r
        excess = admitted_in_a_minute / (rate * 60) - 1
        assert excess == pytest.approx(1 / 60) and excess <= 0.10
    one_region = regional_rates([1, 0, 0])[0] / rate
    assert 1 - one_region <= 0.10
    pinned(text, f"the excess is $r / (60 r) = {1 / 60:.1%}$, within the 10%".replace("%$", "\\%$"))
    pinned(text, f"gets $1 / 1.1 = {one_region:.0%}$ of its rate there".replace("%$", "\\%$"))
    assert "recomputed every minute" not in text and "every 30 seconds" in text


def test_exercise_6_smallest_plan_floor_region_can_admit_a_request(text):
    """For the 10-a-second plan a region at the 5% floor gets 0.45 a second: a burst of one second of that is under
    one request and could never admit one, so each region's burst is at least one request."""
    rate = 10.0
    floor_rate = rate * 0.05 / 1.1
    with pytest.raises(ValueError, match="could never be granted"):
        tb.Gcra(rate=floor_rate, burst=floor_rate, clock=lambda: 0).try_acquire()
    assert tb.Gcra(rate=floor_rate, burst=max(floor_rate, 1), clock=lambda: 0).try_acquire()
    rates = [rate * 1 / 1.1, floor_rate, floor_rate]
    bursts = sum(max(r, 1) for r in rates)
    assert bursts <= rate + 2
    excess = (rate + 2) / (60 * rate)
    assert excess <= 0.10 and bursts / (60 * rate) <= excess
    pinned(text, f"$10 \\times 0.05 / 1.1 = {floor_rate:.2f}$ a second")
    pinned(text, f"$(10 + 2) / 600 = {excess:.0%}$".replace("%$", "\\%$"))
    # Across a rebalance: one region's full bucket at its old share and another's at its new share.
    shares = [1 / 1.1, 0.05 / 1.1, 0.05 / 1.1]
    worst = 2 * shares[0] + shares[1]
    assert worst / 60 <= 0.10
    pinned(text, f"the bursts sum to about ${worst:.1f}r$")
    pinned(text, f"${worst:.1f}r / 60r = {worst / 60:.0%}$".replace("%$", "\\%$"))


def test_chapter_hygiene():
    raw = chapter_text(CHAPTER)
    assert "Notice that" not in raw and "checked November 2026" not in raw and "when we checked" not in raw
    assert len(occurrences(raw, "draft-ietf-httpapi-ratelimit-headers")) >= 1
    assert "revision -12 (20 November 2026)" in " ".join(raw.split()) and "revision -11" not in raw


# --------------------------------------------------------------------------- attacks from the review (each failed on
# the listings before the fix; the comment says what the old listing did)


@pytest.mark.parametrize("start", [0, 1_700_000_000 * 10**9])  # nanoseconds: boot, and a realistic uptime
def test_a_full_gcra_admits_its_whole_burst(start):
    """Summing c*T in floats rounded above b*T and refused the last token of a full burst (rate 3, burst 10 -> 9)."""
    short = []
    for rate in range(1, 400):
        for burst in (3, 7, 10, 30):
            gcra = tb.Gcra(rate, burst, clock=FakeClock(start))
            if sum(gcra.try_acquire() for _ in range(burst + 5)) != burst:
                short.append((rate, burst))
    assert short == []


@pytest.mark.parametrize("kind", [wl.FixedWindow, wl.SlidingLog, wl.SlidingWindowCounter])
@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_window_limits_refuse_a_non_finite_clock_and_recover(kind, bad):
    """One inf reading stuck in `_seen`: the log then admitted everything forever, the others raised OverflowError."""
    clock = FakeClock(0.0)
    limiter = kind(10, 1.0, clock=clock)
    clock.now = bad
    with pytest.raises(ValueError):
        limiter.try_acquire()
    clock.now = 5.0
    assert sum(limiter.try_acquire() for _ in range(100)) == 10


def test_a_forward_clock_glitch_does_not_disable_decreases():
    """One reading an hour ahead made every later permit look older than the last decrease (limit 133, not 1)."""
    clock = FakeClock(0.0)
    lim = al.AdaptiveLimiter(initial=50, min_limit=1, max_limit=200, clock=clock)
    p = lim.try_acquire()
    clock.now += 0.010
    p.release()  # baseline 10 ms
    p = lim.try_acquire()
    clock.now = 3600.0  # one reading an hour ahead
    p.release()
    clock.now = 0.02
    for _ in range(200):  # every request 100 times the baseline
        permits = [lim.try_acquire() for _ in range(lim.limit)]
        clock.now += 1.0
        for q in permits:
            if q is not None:
                q.release()
    assert lim.limit == 1


def test_a_timeout_is_a_drop_even_when_the_clock_stepped_back():
    """A backward step made the release return before the decrease, so the timeout was lost (limit 10, not 9)."""
    clock = FakeClock(10.0)
    lim = al.AdaptiveLimiter(initial=10, clock=clock)
    p = lim.try_acquire()
    clock.now = 9.0
    p.release(dropped=True)
    assert lim.limit == 9


def test_sheddable_requests_keep_the_leak_proof_context_manager():
    """`acquire()` took no priority: `lim.acquire(priority="sheddable")` raised TypeError."""
    lim = prio.PriorityLimiter(reserve=0.25, initial=4, min_limit=1, max_limit=4, clock=FakeClock())
    held = [lim.try_acquire("critical") for _ in range(3)]
    with pytest.raises(prio.adaptive_limit.LimitExceeded):
        with lim.acquire(priority="sheddable"):  # floor(0.75 * 4) = 3 already in flight
            pass
    for _ in range(5):
        with pytest.raises(ValueError):
            with lim.acquire(priority="critical"):
                raise ValueError
    assert lim.inflight == 3 and all(held)


def test_the_simulation_refuses_an_unknown_policy():
    """A misspelt policy silently ran "none" (goodput 602, 47, 0, 0)."""
    with pytest.raises(ValueError):
        sim.simulate("adaptve")
    assert set(sim.simulate("token bucket").limits) == {0}  # it recorded the unused adaptive limit, 20


def test_sliding_window_counter_forgets_a_window_that_is_not_adjacent():
    """Passes on the listing; fails on a counter that carries the previous count across idle windows."""
    clock = FakeClock(0.0)
    counter = wl.SlidingWindowCounter(10, 1.0, clock=clock)
    clock.now = 0.999
    assert sum(counter.try_acquire() for _ in range(10)) == 10
    clock.now = 5.0  # four windows later: nothing was admitted in the last second
    assert sum(counter.try_acquire() for _ in range(10)) == 10
