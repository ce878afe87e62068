"""Tests for the reliability-primitives chapter: its three listings, and every formula number in its prose."""
from __future__ import annotations

import random
import runpy
import threading
import time
from pathlib import Path

import pytest
from listings import chapter_text, load_listing

CHAPTER = "m0-fundamentals/reliability-primitives.md"
backoff = load_listing("m0-fundamentals/code/backoff.py")
idem = load_listing("m0-fundamentals/code/idempotency.py")
cb = load_listing("m0-fundamentals/code/circuit_breaker.py")


@pytest.fixture(scope="module")
def text() -> str:
    """The chapter with line breaks and runs of spaces collapsed, so wrapped phrases still match."""
    return " ".join(chapter_text(CHAPTER).split())


class FakeClock:
    """A manual clock: tests move time forward instead of sleeping."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --------------------------------------------------------------------------- backoff.py


def take(iterator, n):
    return [next(iterator) for _ in range(n)]


def test_backoff_ceiling_doubles_then_caps():
    # rng always returns 0.5, so each delay is exactly half its ceiling.
    delays = take(backoff.backoff_delays(base=25, cap=200, rng=lambda: 0.5), 6)
    assert delays == [12.5, 25, 50, 100, 100, 100]


def test_backoff_full_jitter_stays_in_range_and_varies():
    rng = random.Random(42)
    delays = take(backoff.backoff_delays(base=0.1, cap=1.0, rng=rng.random), 200)
    ceilings = [min(1.0, 0.1 * 2**n) for n in range(200)]
    assert all(0 <= d < c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == 200  # jittered, not a fixed schedule
    # A seeded source gives the same schedule every time.
    again = take(backoff.backoff_delays(base=0.1, cap=1.0, rng=random.Random(42).random), 200)
    assert again == delays


def test_backoff_never_overflows_after_many_attempts():
    delays = take(backoff.backoff_delays(base=1e-3, cap=30.0, rng=lambda: 0.999), 5000)
    assert max(delays) < 30.0


def test_backoff_rejects_bad_parameters():
    with pytest.raises(ValueError):
        next(backoff.backoff_delays(base=0, cap=1))
    with pytest.raises(ValueError):
        next(backoff.backoff_delays(base=2, cap=1))


def make_retry_env(start: float = 0.0):
    clock = FakeClock(start)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    return clock, slept, sleep


def test_retry_call_retries_retryable_errors_until_success():
    clock, slept, sleep = make_retry_env()
    seen_remaining = []

    def op(remaining: float) -> str:
        seen_remaining.append(remaining)
        clock.advance(0.01)  # each attempt takes 10 ms
        if len(seen_remaining) < 3:
            raise backoff.RetryableError("503")
        return "ok"

    result = backoff.retry_call(op, deadline=1.0, max_attempts=4,
                                delays=backoff.backoff_delays(0.025, 0.2, rng=lambda: 0.5),
                                clock=clock, sleep=sleep)
    assert result == "ok"
    assert slept == [0.0125, 0.025]
    # Each attempt is told how much time is left, and it shrinks.
    assert seen_remaining[0] == pytest.approx(1.0)
    assert seen_remaining == sorted(seen_remaining, reverse=True)


def test_retry_call_does_not_retry_non_retryable_errors():
    clock, slept, sleep = make_retry_env()
    calls = []

    def op(remaining: float) -> None:
        calls.append(remaining)
        raise PermissionError("403")

    with pytest.raises(PermissionError):
        backoff.retry_call(op, deadline=1.0, max_attempts=5,
                           delays=backoff.backoff_delays(0.01, 0.1), clock=clock, sleep=sleep)
    assert len(calls) == 1 and slept == []


def test_retry_call_stops_after_max_attempts_with_the_last_error():
    clock, slept, sleep = make_retry_env()
    attempts = []

    def op(remaining: float) -> None:
        attempts.append(1)
        raise backoff.RetryableError(f"attempt {len(attempts)}")

    with pytest.raises(backoff.RetryableError, match="attempt 3"):
        backoff.retry_call(op, deadline=100.0, max_attempts=3,
                           delays=backoff.backoff_delays(0.01, 0.1, rng=lambda: 0.5),
                           clock=clock, sleep=sleep)
    assert len(attempts) == 3 and len(slept) == 2


def test_retry_call_never_sleeps_past_the_deadline():
    clock, slept, sleep = make_retry_env()

    def op(remaining: float) -> None:
        clock.advance(min(0.3, remaining))  # a well-behaved attempt uses the remaining time as its timeout
        raise backoff.RetryableError("timeout")

    with pytest.raises(backoff.DeadlineExceeded):
        backoff.retry_call(op, deadline=1.0, max_attempts=10,
                           delays=backoff.backoff_delays(0.5, 5.0, rng=lambda: 0.99),
                           clock=clock, sleep=sleep)
    assert slept == [pytest.approx(0.495)]  # the second wait (0.99 s) would have overrun, so it was refused
    assert clock.now == pytest.approx(1.0)


def test_retry_call_fails_fast_when_the_deadline_already_passed():
    clock, _, sleep = make_retry_env(start=5.0)
    with pytest.raises(backoff.DeadlineExceeded):
        backoff.retry_call(lambda remaining: "never", deadline=4.0, max_attempts=3,
                           delays=backoff.backoff_delays(0.01, 0.1), clock=clock, sleep=sleep)


def test_worked_example_refuses_a_slow_retry_that_cannot_finish(text):
    # The orders path: 950 ms left, an attempt can take 600 ms, so a slow failure leaves no room.
    own, db_timeout, psp_timeout, budget = 50, 150, 400, 950
    attempt = own + db_timeout + psp_timeout
    assert attempt == 600 and budget - attempt == 350
    assert "50 + 150 + 400 = 600 ms" in text and "350 ms to spare" in text

    clock, slept, sleep = make_retry_env()
    attempts = []

    def slow_failure(remaining: float) -> None:
        attempts.append(remaining)
        clock.advance(attempt / 1000)
        raise backoff.RetryableError("timeout after 600 ms")

    with pytest.raises(backoff.DeadlineExceeded):
        backoff.retry_call(slow_failure, deadline=budget / 1000, max_attempts=3,
                           delays=backoff.backoff_delays(0.025, 0.2, rng=lambda: 0.5),
                           min_attempt_time=attempt / 1000, clock=clock, sleep=sleep)
    assert len(attempts) == 1 and slept == []

    # A fast failure (a refused connection in 5 ms) is retried and can succeed.
    clock, slept, sleep = make_retry_env()
    results = iter([ConnectionRefusedError("refused"), "created"])

    def fast_then_ok(remaining: float) -> str:
        clock.advance(0.005)
        outcome = next(results)
        if isinstance(outcome, Exception):
            raise backoff.RetryableError(str(outcome))
        return outcome

    assert backoff.retry_call(fast_then_ok, deadline=budget / 1000, max_attempts=3,
                              delays=backoff.backoff_delays(0.025, 0.2, rng=lambda: 0.5),
                              min_attempt_time=attempt / 1000, clock=clock, sleep=sleep) == "created"


def test_backoff_schedule_numbers_in_text(text):
    ceilings = take(backoff.backoff_delays(base=25, cap=200, rng=lambda: 1.0), 3)
    assert ceilings == [25, 50, 100]
    assert "ceilings of 25, 50 and 100 ms" in text
    mean = sum(take(backoff.backoff_delays(base=25, cap=200, rng=lambda: 0.5), 3))
    assert f"{mean:g} ms on average" in text  # 87.5 ms
    assert f"at most {sum(ceilings):g} ms" in text  # 175 ms


# --------------------------------------------------------------------------- idempotency.py


def test_concurrent_duplicates_run_the_side_effect_exactly_once():
    store = idem.IdempotencyStore(ttl=86_400, lease=30, wait=10)
    charges = []
    charge_lock = threading.Lock()
    threads_n = 64
    start = threading.Barrier(threads_n)
    results: list = [None] * threads_n
    fp = idem.fingerprint("POST", "/orders", b'{"amount": 2000}')

    def charge() -> idem.Response:
        with charge_lock:
            charges.append(1)
        time.sleep(0.05)  # long enough that the duplicates arrive while it runs
        return idem.Response(201, f"order {len(charges)}")

    def client(i: int) -> None:
        start.wait()
        results[i] = store.execute("tenant-1:key-abc", fp, charge)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(charges) == 1
    assert all(r == idem.Response(201, "order 1") for r in results)


def test_concurrent_duplicates_get_in_progress_when_not_waiting():
    store = idem.IdempotencyStore(ttl=86_400, lease=30, wait=0)
    started, release = threading.Event(), threading.Event()
    runs = []

    def slow_handler() -> idem.Response:
        runs.append(1)
        started.set()
        release.wait(5)
        return idem.Response(200, "done")

    first = threading.Thread(target=store.execute, args=("k", "fp", slow_handler))
    first.start()
    assert started.wait(5)
    outcomes = []
    for _ in range(20):
        try:
            store.execute("k", "fp", slow_handler)
            outcomes.append("ran")
        except idem.RequestInProgress:
            outcomes.append("409")
    release.set()
    first.join()
    assert outcomes == ["409"] * 20
    assert len(runs) == 1
    assert store.execute("k", "fp", slow_handler) == idem.Response(200, "done")  # replay
    assert len(runs) == 1


def test_completed_request_is_replayed_without_running_again():
    store = idem.IdempotencyStore(ttl=60, lease=10)
    calls = []

    def handler() -> idem.Response:
        calls.append(1)
        return idem.Response(500, "provider error")  # error responses are stored and replayed too

    first = store.execute("k", "fp", handler)
    second = store.execute("k", "fp", handler)
    assert first == second == idem.Response(500, "provider error")
    assert len(calls) == 1


def test_key_reused_with_a_different_request_is_rejected():
    store = idem.IdempotencyStore(ttl=60, lease=10)
    fp_a = idem.fingerprint("POST", "/orders", b'{"amount": 2000}')
    fp_b = idem.fingerprint("POST", "/orders", b'{"amount": 9000}')
    assert fp_a != fp_b
    store.execute("k", fp_a, lambda: idem.Response(201, "a"))
    with pytest.raises(idem.KeyReusedWithDifferentRequest):
        store.execute("k", fp_b, lambda: idem.Response(201, "b"))


def test_keys_expire_after_ttl():
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=86_400, lease=30, clock=clock)
    runs = []

    def handler() -> idem.Response:
        runs.append(1)
        return idem.Response(201, f"run {len(runs)}")

    assert store.execute("k", "fp", handler).body == "run 1"
    clock.advance(86_399)
    assert store.execute("k", "fp", handler).body == "run 1"
    clock.advance(1)  # 24 h after the claim: the key is gone and a reuse is a new request
    assert store.execute("k", "fp", handler).body == "run 2"
    store.execute("other", "fp", handler)
    clock.advance(86_400)
    assert store.purge_expired() == 2 and len(store) == 0


def test_a_handler_that_raises_releases_the_claim():
    store = idem.IdempotencyStore(ttl=60, lease=10)

    def crash() -> idem.Response:
        raise RuntimeError("process lost its connection before producing a response")

    with pytest.raises(RuntimeError):
        store.execute("k", "fp", crash)
    assert len(store) == 0
    assert store.execute("k", "fp", lambda: idem.Response(201, "retried")).body == "retried"


def test_an_abandoned_claim_is_taken_over_and_the_stale_worker_cannot_overwrite():
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    started, release = threading.Event(), threading.Event()
    stale_result = []

    def stuck_handler() -> idem.Response:
        started.set()
        release.wait(5)
        return idem.Response(201, "stale worker")

    worker = threading.Thread(target=lambda: stale_result.append(store.execute("k", "fp", stuck_handler)))
    worker.start()
    assert started.wait(5)
    with pytest.raises(idem.RequestInProgress):  # within the lease: still in progress
        store.execute("k", "fp", lambda: idem.Response(201, "too early"))
    clock.advance(31)  # the lease ran out: the claim counts as abandoned
    assert store.execute("k", "fp", lambda: idem.Response(201, "new owner")).body == "new owner"
    release.set()
    worker.join()
    assert stale_result[0].body == "stale worker"
    assert store.execute("k", "fp", lambda: idem.Response(201, "x")).body == "new owner"


def test_an_abandoned_claim_is_not_taken_over_by_a_different_request():
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    started, release = threading.Event(), threading.Event()

    def stuck_handler() -> idem.Response:
        started.set()
        release.wait(5)
        return idem.Response(201, "original")

    worker = threading.Thread(target=store.execute, args=("k", "fp-a", stuck_handler))
    worker.start()
    assert started.wait(5)
    clock.advance(31)  # the lease ran out, but the key still belongs to request fp-a
    with pytest.raises(idem.KeyReusedWithDifferentRequest):
        store.execute("k", "fp-b", lambda: idem.Response(201, "other"))
    release.set()
    worker.join()
    assert store.execute("k", "fp-a", lambda: idem.Response(201, "x")).body == "original"


def test_different_keys_do_not_block_each_other():
    store = idem.IdempotencyStore(ttl=60, lease=10, wait=0)
    started, release = threading.Event(), threading.Event()

    def slow() -> idem.Response:
        started.set()
        release.wait(5)
        return idem.Response(200, "slow")

    t = threading.Thread(target=store.execute, args=("a", "fp", slow))
    t.start()
    assert started.wait(5)
    assert store.execute("b", "fp", lambda: idem.Response(200, "fast")).body == "fast"
    release.set()
    t.join()


def test_store_rejects_a_lease_longer_than_the_ttl():
    with pytest.raises(ValueError):
        idem.IdempotencyStore(ttl=10, lease=20)


def test_idempotency_store_sizing_numbers_in_text(text):
    qps, seconds, record, slim = 500, 86_400, 2_100, 200
    records = qps * seconds
    assert f"{records:,}" == "43,200,000" and f"{records:,}" in text
    assert f"{records * record / 1e9:.2f} GB" in text  # 90.72 GB
    assert f"{3 * records * record / 1e9:.2f} GB" in text  # 272.16 GB
    assert f"{records * slim / 1e9:.2f} GB" in text  # 8.64 GB
    collision = records**2 / 2**123
    mantissa, exponent = f"{collision:.1e}".split("e")
    assert f"{mantissa} \\times 10^{{{int(exponent)}}}" in text  # 1.8 x 10^-22
    # Staff lens, 10x: 5,000 QPS of writes.
    assert f"{10 * records:,} rows" in text
    assert f"{10 * records * record / 1e9:.1f} GB" in text  # 907.2 GB
    assert f"{10 * records * slim / 1e9:.1f} GB in the slim form" in text  # 86.4 GB


# --------------------------------------------------------------------------- circuit_breaker.py


def test_breaker_trips_after_consecutive_failures_and_fails_fast():
    clock = FakeClock()
    breaker = cb.CircuitBreaker(failure_threshold=3, reset_timeout=30, clock=clock)
    calls = []

    def failing() -> None:
        calls.append(1)
        raise TimeoutError("dependency timed out")

    for _ in range(3):
        assert breaker.state is cb.State.CLOSED
        with pytest.raises(TimeoutError):
            breaker.call(failing)
    assert breaker.state is cb.State.OPEN
    with pytest.raises(cb.CircuitOpenError):
        breaker.call(failing)
    assert len(calls) == 3  # the open breaker did not touch the dependency


def test_success_while_closed_resets_the_failure_count():
    breaker = cb.CircuitBreaker(failure_threshold=3, reset_timeout=30, clock=FakeClock())
    for _ in range(2):
        breaker.record_failure()
    breaker.record_success()
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state is cb.State.CLOSED
    breaker.record_failure()
    assert breaker.state is cb.State.OPEN


def test_open_becomes_half_open_after_the_reset_timeout():
    clock = FakeClock()
    breaker = cb.CircuitBreaker(failure_threshold=1, reset_timeout=30, clock=clock)
    breaker.record_failure()
    clock.advance(29.9)
    assert breaker.state is cb.State.OPEN and not breaker.allow_request()
    clock.advance(0.1)
    assert breaker.state is cb.State.HALF_OPEN


def test_half_open_admits_only_the_trial_calls():
    clock = FakeClock()
    breaker = cb.CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    assert [breaker.allow_request() for _ in range(4)] == [True, True, False, False]


def test_half_open_closes_after_enough_successful_trials():
    clock = FakeClock()
    breaker = cb.CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2,
                                success_threshold=2, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is cb.State.HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is cb.State.CLOSED
    assert all(breaker.allow_request() for _ in range(100))


def test_a_failed_trial_reopens_and_restarts_the_timer():
    clock = FakeClock()
    breaker = cb.CircuitBreaker(failure_threshold=1, reset_timeout=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    with pytest.raises(ConnectionError):
        breaker.call(lambda: (_ for _ in ()).throw(ConnectionError("still down")))
    assert breaker.state is cb.State.OPEN
    clock.advance(9)
    assert breaker.state is cb.State.OPEN  # the reset timeout counts from the failed trial
    clock.advance(1)
    assert breaker.state is cb.State.HALF_OPEN


def test_errors_that_are_not_failures_do_not_trip_the_breaker():
    breaker = cb.CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=FakeClock())

    def not_found() -> None:
        raise KeyError("order 42 does not exist")

    for _ in range(5):
        with pytest.raises(KeyError):
            breaker.call(not_found, is_failure=lambda exc: not isinstance(exc, KeyError))
    assert breaker.state is cb.State.CLOSED


def test_an_interrupted_trial_gives_its_slot_back():
    clock = FakeClock()
    breaker = cb.CircuitBreaker(failure_threshold=1, reset_timeout=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        breaker.call(interrupted)
    assert breaker.state is cb.State.HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"  # the slot was freed, so the next trial runs and closes it
    assert breaker.state is cb.State.CLOSED


def test_breaker_is_thread_safe_under_concurrent_failures():
    breaker = cb.CircuitBreaker(failure_threshold=1000, reset_timeout=10, clock=FakeClock())
    threads = [threading.Thread(target=lambda: [breaker.record_failure() for _ in range(100)]) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state is cb.State.OPEN  # exactly 1,000 failures counted


def test_breaker_rejects_bad_parameters():
    with pytest.raises(ValueError):
        cb.CircuitBreaker(failure_threshold=0, reset_timeout=10)
    with pytest.raises(ValueError):
        cb.CircuitBreaker(failure_threshold=1, reset_timeout=0)


# --------------------------------------------------------------------------- formula numbers in the prose


def test_retry_amplification_numbers(text):
    assert 4**5 == 1024 and f"{4**5:,}" in text and "4^5 = 1{,}024" in text
    assert 3**5 == 243 and "3^5 = 243" in text
    assert 4**3 == 64 and "4^3 = 64" in text  # the SRE book's 3 retries (4 attempts) at 3 layers; Staff lens
    assert f"1.1^5 = {1.1**5:.2f}" in text  # 1.61
    assert f"4 × 1.1 = {4 * 1.1:.1f}" in text  # Staff lens: 4.4
    assert f"3^3 = {3**3}" in text and f"{3**3} queries" in text


def test_token_bucket_threshold(text):
    # Tokens fall when failures (-1 each) outweigh successes (+0.1 each): f > 0.1 (1 - f).
    ratio = 0.1
    threshold = ratio / (1 + ratio)
    assert f"{threshold:.1%}" == "9.1%"
    assert f"0.1 / 1.1 = {threshold * 100:.1f}\\%" in text  # LaTeX escapes the percent sign


def test_worked_example_timeout_numbers(text):
    qps = 400
    assert f"{qps * 0.001:.1f} false DB timeouts a second" in text  # 0.4
    assert f"{qps * 0.001 * 3600:,.0f} an hour" in text  # 1,440
    own, dependencies = 0.050, 0.100  # healthy: own work plus the DB write and provider call together
    assert f"50 + 100 = {(own + dependencies) * 1000:.0f} ms" in text  # 150 ms
    assert f"L = 400 \\times 0.15 = {qps * (own + dependencies):.0f}" in text  # 60
    assert f"L = 400 \\times 0.2 = {qps * (0.050 + 0.150):.0f}" in text  # 80
    assert f"L = 400 \\times 30.05 = {qps * 30.05:,.0f}".replace(",", "{,}") in text  # 12,020


def test_exercise_numbers(text):
    # Exercise 1.
    assert f"{3**3 * 1000:,} QPS" in text  # 27,000
    assert f"{4 * 1000:,} QPS" in text  # 4,000
    assert f"1.1^3 = {1.1**3:.3f}" in text and f"about {1.1**3 * 1000:,.0f} QPS" in text  # 1.331, 1,331
    assert f"3^4 = {3**4}" in text and f"{3**4 * 1000:,} QPS" in text  # 81,000
    assert f"1.1^4 = {1.1**4:.4f}" in text and f"about {1.1**4 * 1000:,.0f} QPS" in text  # 1.4641, 1,464
    # Exercise 3: 10% of demand during the ramp.
    assert f"10% of 3,000 is {0.1 * 3000:.0f} QPS" in text
    # Exercise 4.
    assert f"L = 600 \\times 0.05 = {600 * 0.05:.0f}" in text  # 30
    assert f"L = 600 \\times 0.27 = {600 * 0.27:.0f}" in text  # 162
    assert f"L = 600 \\times 30.02 = {600 * 30.02:,.0f}".replace(",", "{,}") in text  # 18,012
    # Exercise 5.
    assert f"L = 200 \\times 6 = {200 * 6:,}".replace(",", "{,}") in text
    assert f"200 \\times 4 = {200 * 4}" in text and f"200 \\times 2 = {200 * 2}" in text
    # Exercise 6.
    records = 300 * 86_400 * 4
    assert f"{records:,} records" in text  # 103,680,000
    assert f"about {records * 1_100 / 1e9:.0f} GB" in text  # 114 GB
    assert f"about {records * 150 / 1e9:.1f} GB" in text  # 15.6 GB


def test_jitter_simulation_numbers_match_the_plot_script(text):
    script = Path(__file__).resolve().parent.parent / "diagrams" / "m0_primitives_jitter.py"
    sim = runpy.run_path(str(script), run_name="m0_primitives_jitter_test")  # no plotting outside __main__
    calls_none, time_none = sim["averages"](100, "no jitter")
    calls_full, time_full = sim["averages"](100, "full jitter")
    _, time_equal = sim["averages"](100, "equal jitter")
    assert f"{calls_none:,.0f} calls and {time_none / 1000:.1f} s" in text  # 1,799 calls and 31.2 s
    assert f"{calls_full:,.0f} calls and {time_full / 1000:.1f} s" in text  # 728 calls and 2.4 s
    assert f"{calls_none / calls_full:.1f} times the work" in text  # 2.5
    assert f"{time_none / time_full:.1f} times the time" in text  # 12.9
    assert f"took {time_equal / 1000:.1f} s" in text  # 3.1 s
    assert calls_full < calls_none and time_full < time_equal < time_none
