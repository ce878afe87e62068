"""Tests for the reliability-primitives chapter: its three listings, and every formula number in its prose.

The listing tests include the attacks a hostile reviewer makes: many threads on one key, an exception
after the side effect, a slow worker overtaken when its lease runs out (and then finding nothing to do),
a stale completion from an older breaker generation or another breaker instance, a failure predicate
that raises, NaN and infinite settings, clocks that jump forwards and backwards, and property-based
tests (hypothesis) of each listing's invariant. Numbers in the prose are computed here, where possible
by running the listings (nested retry loops for amplification, a simulated gateway for Little's Law).
"""
from __future__ import annotations

import math
import random
import re
import runpy
import threading
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
import listings
from listings import FakeClock, chapter_text, load_listing, pinned, prose, without_lock

CHAPTER = "m0-fundamentals/reliability-primitives.md"
backoff = load_listing("m0-fundamentals/code/backoff.py")
idem = load_listing("m0-fundamentals/code/idempotency.py")
cb = load_listing("m0-fundamentals/code/circuit_breaker.py")


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


def wait_until(predicate, timeout: float = 5.0) -> None:
    """Poll until `predicate()` holds: lets a test line threads up at a known point."""
    give_up = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < give_up, "timed out waiting for the threads to line up"
        time.sleep(0.001)


def run_in_thread(fn, results: list) -> threading.Thread:
    """Start `fn` in a thread that appends its return value, or the exception it raised, to `results`."""

    def target() -> None:
        try:
            results.append(fn())
        except BaseException as exc:  # noqa: B036 - the test inspects whatever the thread ended with
            results.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread


# --------------------------------------------------------------------------- backoff.py


def take(iterator, n):
    return [next(iterator) for _ in range(n)]


def ample_budget() -> backoff.RetryBudget:
    """A budget that never binds, for tests about the loop's other limits."""
    return backoff.RetryBudget(max_tokens=1_000)


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


@pytest.mark.parametrize("base, cap", [(0, 1), (2, 1), (math.nan, 1.0), (0.1, math.nan), (0.1, math.inf)])
def test_backoff_rejects_bad_parameters(base, cap):
    # NaN passed the old `base <= 0 or cap < base` check (every comparison with NaN is false): the
    # schedule then yielded NaN delays.
    with pytest.raises(ValueError):
        next(backoff.backoff_delays(base=base, cap=cap))


@pytest.mark.parametrize("bad", [dict(base=math.nan), dict(cap=math.nan), dict(max_attempts=math.nan),
                                 dict(deadline=math.nan), dict(min_attempt_time=math.nan)])
def test_retry_call_refuses_nan_settings_before_the_first_attempt(bad):
    # Attack (review finding 9): a NaN setting slipped through. With base=nan the old loop made an attempt,
    # spent a retry token, then handed sleep() a NaN; with max_attempts=nan it never stopped on attempts.
    clock = FakeClock()
    budget = backoff.RetryBudget(min_per_second=0, max_tokens=1, clock=clock)
    calls = []

    def op(remaining: float) -> None:
        calls.append(remaining)
        raise backoff.RetryableError("503")

    settings_ = dict(deadline=1.0, max_attempts=3, base=0.01, cap=0.1, min_attempt_time=0.0) | bad
    with pytest.raises(ValueError):
        backoff.retry_call(op, budget=budget, clock=clock, sleep=clock.advance, **settings_)
    assert calls == [] and budget.try_withdraw()  # no load sent, no token spent


@pytest.mark.parametrize("bad", [dict(ratio=math.nan), dict(min_per_second=math.nan), dict(max_tokens=math.nan),
                                 dict(ratio=math.inf), dict(min_per_second=math.inf), dict(max_tokens=math.inf)])
def test_retry_budget_rejects_non_finite_parameters(bad):
    # Attack (review finding 9): with any of these the old bucket stayed full, granting 3,000 retries
    # to 1,000 requests where the defaults grant 110.
    with pytest.raises(ValueError):
        backoff.RetryBudget(**bad)


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

    result = backoff.retry_call(op, deadline=1.0, max_attempts=4, base=0.025, cap=0.2, rng=lambda: 0.5,
                                budget=ample_budget(), clock=clock, sleep=sleep)
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
        backoff.retry_call(op, deadline=1.0, max_attempts=5, base=0.01, cap=0.1, budget=ample_budget(),
                           clock=clock, sleep=sleep)
    assert len(calls) == 1 and slept == []


def test_retry_call_stops_after_max_attempts_with_the_last_error():
    clock, slept, sleep = make_retry_env()
    attempts = []

    def op(remaining: float) -> None:
        attempts.append(1)
        raise backoff.RetryableError(f"attempt {len(attempts)}")

    with pytest.raises(backoff.RetryableError, match="attempt 3"):
        backoff.retry_call(op, deadline=100.0, max_attempts=3, base=0.01, cap=0.1, rng=lambda: 0.5,
                           budget=ample_budget(), clock=clock, sleep=sleep)
    assert len(attempts) == 3 and len(slept) == 2


def test_retry_call_never_sleeps_past_the_deadline():
    clock, slept, sleep = make_retry_env()

    def op(remaining: float) -> None:
        clock.advance(min(0.3, remaining))  # a well-behaved attempt uses the remaining time as its timeout
        raise backoff.RetryableError("timeout")

    with pytest.raises(backoff.DeadlineExceeded):
        backoff.retry_call(op, deadline=1.0, max_attempts=10, base=0.5, cap=5.0, rng=lambda: 0.99,
                           budget=ample_budget(), clock=clock, sleep=sleep)
    assert slept == [pytest.approx(0.495)]  # the second wait (0.99 s) would have overrun, so it was refused
    assert clock.now == pytest.approx(1.0)


def test_retry_call_fails_fast_when_the_deadline_already_passed():
    clock, _, sleep = make_retry_env(start=5.0)
    with pytest.raises(backoff.DeadlineExceeded):
        backoff.retry_call(lambda remaining: "never", deadline=4.0, max_attempts=3, base=0.01, cap=0.1,
                           budget=ample_budget(), clock=clock, sleep=sleep)


def test_each_retry_call_starts_its_own_backoff_schedule():
    # Attack: reuse one retry configuration for many calls. A shared iterator of delays would keep its
    # escalated ceiling, so the second call's first wait would be 4x the first call's.
    clock, slept, sleep = make_retry_env()
    policy = dict(max_attempts=3, base=0.1, cap=10.0, rng=lambda: 0.999, budget=ample_budget(),
                  clock=clock, sleep=sleep)
    for _ in range(3):
        outcomes = iter([backoff.RetryableError("503"), backoff.RetryableError("503"), "ok"])

        def op(remaining: float, outcomes=outcomes) -> str:
            outcome = next(outcomes)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        assert backoff.retry_call(op, deadline=clock.now + 60, **policy) == "ok"
    assert slept == pytest.approx([0.0999, 0.1998] * 3)  # every call starts again from `base`


def test_retry_budget_allows_retries_in_proportion_to_requests():
    clock = FakeClock()
    budget = backoff.RetryBudget(ratio=0.1, min_per_second=0, max_tokens=5, clock=clock)
    assert sum(budget.try_withdraw() for _ in range(20)) == 5  # the starting burst, then nothing
    for _ in range(30):
        budget.deposit()  # 30 requests earn 30 x 0.1 = 3 retries
    assert sum(budget.try_withdraw() for _ in range(20)) == 3


def test_retry_budget_reserve_refills_with_time_and_is_capped():
    clock = FakeClock(1000.0)
    budget = backoff.RetryBudget(ratio=0.1, min_per_second=2, max_tokens=10, clock=clock)
    assert sum(budget.try_withdraw() for _ in range(50)) == 10
    clock.advance(2.5)  # 2 per second for 2.5 s
    assert sum(budget.try_withdraw() for _ in range(50)) == 5
    clock.advance(3600)  # attack: a clock jump forward of an hour refills at most max_tokens, not 7,200
    assert sum(budget.try_withdraw() for _ in range(50_000)) == 10


def test_retry_budget_refills_nothing_while_the_clock_runs_backwards():
    clock = FakeClock(1000.0)
    budget = backoff.RetryBudget(ratio=0.1, min_per_second=1, max_tokens=10, clock=clock)
    assert sum(budget.try_withdraw() for _ in range(50)) == 10
    clock.now = 900.0  # stepped back 100 s
    assert not budget.try_withdraw()
    clock.now = 999.0  # forward again, but still before the latest time seen: no time has "passed"
    assert not budget.try_withdraw()
    clock.now = 1003.0  # 3 s past the latest time seen
    assert sum(budget.try_withdraw() for _ in range(50)) == 3


def test_retry_budget_grants_a_full_ten_percent():
    # Found while measuring 1.1^L on the listing: ten deposits of 0.1 add up to 0.9999999999999999, so a
    # strict `tokens < 1` check granted one retry per 11 requests (9.1%), not one per 10.
    budget = backoff.RetryBudget(ratio=0.1, min_per_second=0, max_tokens=1, clock=FakeClock())
    assert budget.try_withdraw()  # the starting token
    granted = 0
    for _ in range(1000):
        budget.deposit()
        granted += budget.try_withdraw()
    assert granted == 100




BudgetWithoutLock = without_lock(backoff.RetryBudget)


def retries_granted_by_racing_threads(budget: backoff.RetryBudget, threads: int = 8, tries: int = 2_000) -> int:
    """Threads released together by a barrier all try to withdraw from one budget; how many retries it granted."""
    return listings.granted_by_racing_threads(budget.try_withdraw, threads, tries)


def test_retry_budget_is_exact_under_many_threads(fast_thread_switches):
    tokens, rounds = 5_000, 60  # 16,000 withdrawals race for 5,000 tokens in each round

    def bucket(kind):
        return kind(ratio=0.1, min_per_second=0, max_tokens=tokens, clock=FakeClock())

    # The harness sees the race: without the lock some round grants more retries than the bucket holds (with the
    # default 5 ms switch interval the same rounds all came out exact).
    assert any(retries_granted_by_racing_threads(bucket(BudgetWithoutLock)) != tokens for _ in range(rounds))
    # The listing's budget grants exactly what it holds, every round.
    assert all(retries_granted_by_racing_threads(bucket(backoff.RetryBudget)) == tokens for _ in range(rounds))


def test_retry_call_stops_retrying_when_the_budget_is_spent():
    # Attack: a dependency fails everything. Without a budget every request makes max_attempts attempts.
    clock, _, sleep = make_retry_env()
    budget = backoff.RetryBudget(ratio=0.1, min_per_second=0, max_tokens=2, clock=clock)
    attempts = []

    def down(remaining: float) -> None:
        attempts.append(1)
        raise backoff.RetryableError("503")

    for _ in range(100):
        with pytest.raises(backoff.RetryableError):
            backoff.retry_call(down, deadline=clock.now + 60, max_attempts=4, base=0.001, cap=0.01,
                               budget=budget, clock=clock, sleep=sleep)
    retries = len(attempts) - 100
    assert retries <= 2 + 0.1 * 100  # 12, against 300 for four attempts each


def test_retry_call_shares_one_budget_safely_across_threads(fast_thread_switches):
    budget = backoff.RetryBudget(ratio=0.1, min_per_second=0, max_tokens=5, clock=FakeClock())
    attempts = Counter()
    lock = threading.Lock()
    start = threading.Barrier(16)

    def down(remaining: float) -> None:
        with lock:
            attempts["all"] += 1
        raise backoff.RetryableError("503")

    def client() -> None:
        start.wait()
        for _ in range(25):
            try:
                backoff.retry_call(down, deadline=float("inf"), max_attempts=5, base=0.001, cap=0.01,
                                   budget=budget, clock=lambda: 0.0, sleep=lambda s: None)
            except backoff.RetryableError:
                pass

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests = 16 * 25
    assert attempts["all"] - requests <= 5 + 0.1 * requests  # 45 retries at most, however the threads interleave


budget_events = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.floats(min_value=-20, max_value=20, allow_nan=False)),
        st.tuples(st.just("request"), st.integers(min_value=0, max_value=6)),  # failures before success
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None, database=None)
@given(events=budget_events, ratio=st.sampled_from([0.0, 0.1, 0.5]), reserve=st.sampled_from([0.0, 1.0, 3.0]),
       max_tokens=st.sampled_from([1.0, 2.0, 10.0]))
def test_property_retries_never_exceed_the_budget(events, ratio, reserve, max_tokens):
    clock = FakeClock(100.0)
    latest = clock.now
    budget = backoff.RetryBudget(ratio=ratio, min_per_second=reserve, max_tokens=max_tokens, clock=clock)
    requests = retries = 0

    def sleep(seconds: float) -> None:
        nonlocal latest
        clock.advance(seconds)
        latest = max(latest, clock.now)

    for kind, value in events:
        if kind == "advance":
            clock.advance(value)
            latest = max(latest, clock.now)
            continue
        failures = iter(range(value))
        calls = []

        def op(remaining: float, failures=failures, calls=calls) -> str:
            calls.append(1)
            if next(failures, None) is not None:
                raise backoff.RetryableError("503")
            return "ok"

        requests += 1
        try:
            backoff.retry_call(op, deadline=clock.now + 1e9, max_attempts=4, base=0.01, cap=1.0,
                               budget=budget, clock=clock, sleep=sleep)
        except backoff.RetryableError:
            pass
        assert 1 <= len(calls) <= 4
        retries += len(calls) - 1
        # The invariant the listing's docstring states, over the whole run so far.
        assert retries <= max_tokens + ratio * requests + reserve * (latest - 100.0) + 1e-9


# The orders path of the worked example, in seconds: own work, DB and provider timeouts, time left at Orders.
OWN, DB_TIMEOUT, PSP_TIMEOUT, LEFT = 0.050, 0.150, 0.400, 0.950
ATTEMPT = OWN + DB_TIMEOUT + PSP_TIMEOUT  # the longest an attempt can take


def gateway_attempts(fails_after: float, start: float = 0.0, budget=None) -> list[float]:
    """One request through the gateway's retry_call; every attempt fails `fails_after` s in. Returns the
    time left at each attempt."""
    clock = FakeClock(start)
    seen = []

    def op(remaining: float) -> None:
        seen.append(remaining)
        clock.advance(fails_after)
        raise backoff.RetryableError("timeout")

    try:
        backoff.retry_call(op, deadline=start + LEFT, max_attempts=3, base=0.025, cap=0.2,
                           budget=budget or ample_budget(), min_attempt_time=ATTEMPT, clock=clock, sleep=clock.advance)
    except (backoff.RetryableError, backoff.DeadlineExceeded):
        pass
    return seen


def ms(seconds: float) -> int:
    return round(seconds * 1000)


def test_worked_example_retries_what_leaves_time_for_a_full_attempt(text):
    pinned(text, f"{ms(OWN)} + {ms(DB_TIMEOUT)} + {ms(PSP_TIMEOUT)} = {ms(ATTEMPT)} ms")  # 600 ms
    pinned(text, f"{ms(LEFT - ATTEMPT)} ms to spare")  # 350 ms
    # A provider timeout fails 600 ms in: the 350 ms left cannot hold another attempt, so none starts.
    assert len(gateway_attempts(fails_after=ATTEMPT)) == 1
    # A DB timeout fails 200 ms in and leaves about 750 ms: retried once; a third attempt would have
    # started with under 600 ms left.
    db_failure = OWN + DB_TIMEOUT
    seen = gateway_attempts(fails_after=db_failure)
    assert len(seen) == 2 and seen[1] > ATTEMPT and seen[1] - db_failure < ATTEMPT
    pinned(text, f"fails {ms(db_failure)} ms in and leaves about {ms(LEFT - db_failure)} ms")
    # A refused connection (5 ms) is retried and can succeed.
    clock = FakeClock()
    results = iter([backoff.RetryableError("connection refused"), "created"])

    def refused_then_ok(remaining: float) -> str:
        clock.advance(0.005)
        outcome = next(results)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert backoff.retry_call(refused_then_ok, deadline=LEFT, max_attempts=3, base=0.025, cap=0.2,
                              budget=ample_budget(), min_attempt_time=ATTEMPT, clock=clock,
                              sleep=clock.advance) == "created"


def busy_threads(qps: int, seconds: int, budget: backoff.RetryBudget, arrivals: FakeClock, attempt) -> float:
    """Little's Law measured: thread-seconds that `qps` requests a second hold, divided by the time.

    `attempt(now)` runs one attempt at Orders and returns how long it held a thread; it raises to fail.
    """
    held = 0.0
    for i in range(qps * seconds):
        arrivals.now = i / qps
        clock = FakeClock(arrivals.now)

        def op(remaining: float, clock=clock) -> None:
            nonlocal held
            duration, error = attempt(clock.now)
            held += duration
            clock.advance(duration)
            raise error

        try:
            backoff.retry_call(op, deadline=clock.now + LEFT, max_attempts=3, base=0.025, cap=0.2, budget=budget,
                               min_attempt_time=ATTEMPT, is_retryable=lambda exc: isinstance(exc, TimeoutError),
                               clock=clock, sleep=clock.advance)
        except (TimeoutError, cb.CircuitOpenError, backoff.DeadlineExceeded):
            pass
    return held / seconds


def test_worked_example_brownout_numbers(text):
    # Review finding 4: the DB hangs and every attempt fails at the DB timeout, 200 ms in.
    qps, seconds, threads = 400, 60, 128
    db_hung = lambda now: (OWN + DB_TIMEOUT, TimeoutError("DB timeout"))  # noqa: E731
    pinned(text, f"L = {qps} \\times {OWN + DB_TIMEOUT:g} = {qps * (OWN + DB_TIMEOUT):.0f}")  # one attempt: 80
    # Without a budget every request is retried once: twice the attempts.
    arrivals = FakeClock()
    unbudgeted = busy_threads(qps, seconds, backoff.RetryBudget(max_tokens=1e9, clock=arrivals), arrivals, db_hung)
    attempts = round(unbudgeted / (OWN + DB_TIMEOUT))
    assert attempts == 2 * qps and unbudgeted > threads
    pinned(text, f"L = {attempts} \\times {OWN + DB_TIMEOUT:g} = {unbudgeted:.0f}")  # 160
    # Under the listing's default budget: 10% plus one a second.
    arrivals = FakeClock()
    budgeted = busy_threads(qps, seconds, backoff.RetryBudget(clock=arrivals), arrivals, db_hung)
    attempts = int(budgeted / (OWN + DB_TIMEOUT))
    assert budgeted < threads
    budget = backoff.RetryBudget()
    pinned(text, f"adds at most {qps * budget.ratio:.0f} + {budget.min_per_second:.0f} retries a second")  # 40 + 1
    pinned(text, f"L = {attempts} \\times {OWN + DB_TIMEOUT:g} \\approx {budgeted:.0f}")  # 441, 88
    # Clients with four attempts bring each request back four times if the hang outlasts their backoff.
    client_qps = 4 * qps
    arrivals = FakeClock()
    with_clients = busy_threads(client_qps, seconds, backoff.RetryBudget(clock=arrivals), arrivals, db_hung)
    attempts = int(with_clients / (OWN + DB_TIMEOUT))
    assert with_clients > threads
    pinned(text, f"{client_qps:,} + {client_qps // 10} + 1 = {attempts:,}".replace(",", "{,}"))  # 1,761
    pinned(text, f"L = {attempts:,} \\times {OWN + DB_TIMEOUT:g} \\approx {with_clients:.0f}".replace(",", "{,}"))
    # A breaker on the DB: after five timeouts a DB call fails at once, and "open" is not retried.
    arrivals = FakeClock()
    breaker = cb.CircuitBreaker(5, 30, is_failure=lambda exc: isinstance(exc, TimeoutError), clock=arrivals)

    def behind_breaker(now: float):
        try:
            breaker.call(lambda: (_ for _ in ()).throw(TimeoutError("DB timeout")))
        except cb.CircuitOpenError as exc:
            return OWN, exc  # fails in microseconds, after the request's own work
        except TimeoutError as exc:
            return OWN + DB_TIMEOUT, exc
        raise AssertionError("the DB is hung")

    guarded = busy_threads(client_qps, seconds, backoff.RetryBudget(clock=arrivals), arrivals, behind_breaker)
    assert round(guarded) == round(client_qps * OWN) < threads  # 80: the few trial timeouts round away
    pinned(text, f"L = {client_qps:,} \\times {OWN:g} = {guarded:.0f}".replace(",", "{,}"))


def test_backoff_schedule_numbers_in_text(text):
    ceilings = take(backoff.backoff_delays(base=25, cap=200, rng=lambda: 1.0), 3)
    pinned(text, f"ceilings of {ceilings[0]:g}, {ceilings[1]:g} and {ceilings[2]:g} ms")
    mean = sum(take(backoff.backoff_delays(base=25, cap=200, rng=lambda: 0.5), 3))
    pinned(text, f"{mean:g} ms on average")  # 87.5 ms
    pinned(text, f"at most {sum(ceilings):g} ms")  # 175 ms


def test_retry_budget_numbers_in_text(text):
    # The listing's defaults against the orders path: 400 QPS for 10 s, every attempt failing.
    qps, seconds = 400, 10
    budget = backoff.RetryBudget()
    bound = budget.max_tokens + budget.ratio * qps * seconds + budget.min_per_second * seconds
    assert (budget.ratio, budget.min_per_second, budget.max_tokens) == (0.1, 1.0, 10.0)
    pinned(text, f"10 + 0.1 × {qps * seconds:,} + 1 × 10 = {bound:.0f} retries")# 420
    pinned(text, f"{bound / (qps * seconds):.1%} on top")  # 10.5%
    pinned(text, f"{(3 - 1) * qps * seconds:,} retries")  # 8,000: three attempts each, no budget

    clock = FakeClock()
    budget = backoff.RetryBudget(clock=clock)
    attempts = 0

    def down(remaining: float) -> None:
        nonlocal attempts
        attempts += 1
        raise backoff.RetryableError("503")

    for i in range(qps * seconds):
        clock.now = i / qps
        with pytest.raises(backoff.RetryableError):
            backoff.retry_call(down, deadline=clock.now + 60, max_attempts=3, base=0.025, cap=0.2,
                               budget=budget, clock=clock, sleep=lambda s: None)
    retries = attempts - qps * seconds
    assert bound - 1 <= retries <= bound  # 419: the bound is what a total outage really gets, not a loose cap


def test_the_reserve_is_per_client_so_a_fleet_multiplies_it(text):
    # 1,000 clients that each sent nothing for a second: each budget's reserve grants one retry.
    clock = FakeClock()
    budgets = [backoff.RetryBudget(clock=clock) for _ in range(1000)]
    for budget in budgets:
        while budget.try_withdraw():  # spend the starting tokens
            pass
    clock.advance(1.0)
    granted = sum(budget.try_withdraw() for budget in budgets)
    pinned(text, f"{len(budgets):,} clients may send {granted:,} retries a second")  # 1,000


def test_a_tenant_bucket_needs_no_reserve(text):
    # A tenant sending one request every 2 s to a dependency that fails everything; two attempts allowed.
    def retries_for(budget: backoff.RetryBudget, clock: FakeClock, requests: int) -> int:
        attempts = 0

        def down(remaining: float) -> None:
            nonlocal attempts
            attempts += 1
            raise backoff.RetryableError("503")

        for _ in range(requests):
            clock.advance(2.0)
            with pytest.raises(backoff.RetryableError):
                backoff.retry_call(down, deadline=clock.now + 1, max_attempts=2, base=0.01, cap=0.01,
                                   budget=budget, clock=clock, sleep=lambda s: None)
        return attempts - requests

    requests = 200
    clock = FakeClock()
    assert retries_for(backoff.RetryBudget(clock=clock), clock, requests) == requests  # every failure retried
    pinned(text, "lets a tenant sending under one request a second retry every failure")
    clock = FakeClock()
    tenant = backoff.RetryBudget(min_per_second=0, max_tokens=1, clock=clock)
    assert retries_for(tenant, clock, requests) <= 1 + tenant.ratio * requests  # 21 of 200
    pinned(text, f"`min_per_second=0` and `max_tokens=1`, which hold a tenant to one retry plus {tenant.ratio:.0%}")


# --------------------------------------------------------------------------- idempotency.py


def pay(ledger: idem.FencedLedger, key: str, amount: int, served_by: str = "worker", before=None, after=None):
    """A payment handler written the way the chapter says: look up first, then charge, both with the token.

    `before` and `after` run around the downstream calls, so a test can pause or crash the worker there.
    The response names the worker that served it, as real responses carry a request id: a second run
    that answered its own caller would be visible.
    """

    def handler(token: int) -> idem.Response:
        if before:
            before(token)
        charge_id = ledger.find_charge(key, token) or ledger.charge(key, token, amount)
        if after:
            after(token)
        return idem.Response(201, f"{charge_id} by {served_by}")

    return handler


def charges_for(ledger: idem.FencedLedger, key: str) -> int:
    return sum(1 for charge in ledger.charges if charge[0] == key)


def test_concurrent_duplicates_run_the_side_effect_exactly_once():
    store = idem.IdempotencyStore(ttl=86_400, lease=30, wait=10)
    charges = []
    charge_lock = threading.Lock()
    threads_n = 64
    start = threading.Barrier(threads_n)
    results: list = [None] * threads_n
    fp = idem.fingerprint("POST", "/orders", b'{"amount": 2000}')

    def charge(token: int) -> idem.Response:
        with charge_lock:
            charges.append(token)
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

    def slow_handler(token: int) -> idem.Response:
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

    def handler(token: int) -> idem.Response:
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
    store.execute("k", fp_a, lambda token: idem.Response(201, "a"))
    with pytest.raises(idem.KeyReusedWithDifferentRequest):
        store.execute("k", fp_b, lambda token: idem.Response(201, "b"))


def test_keys_expire_after_ttl():
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=86_400, lease=30, clock=clock)
    runs = []

    def handler(token: int) -> idem.Response:
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


def test_an_exception_after_the_side_effect_is_recorded_not_rerun():
    # Attack: the handler charges, then times out talking to something else. Releasing the claim
    # would let the retry charge again; the outcome (an error) must be recorded and replayed.
    store = idem.IdempotencyStore(ttl=3600, lease=30)
    charged = []

    def charge_then_time_out(token: int) -> idem.Response:
        charged.append(token)  # the side effect happened...
        raise TimeoutError("...then the call to the receipt service timed out")

    first = store.execute("k", "fp", charge_then_time_out)
    retries = [store.execute("k", "fp", charge_then_time_out) for _ in range(5)]
    assert len(charged) == 1
    assert first.status == 500 and all(r == first for r in retries)


def test_nothing_done_releases_the_claim_for_a_retry():
    store = idem.IdempotencyStore(ttl=60, lease=10)

    def reject(token: int) -> idem.Response:
        raise idem.NothingDone("amount missing: rejected before any side effect")

    with pytest.raises(idem.NothingDone):
        store.execute("k", "fp", reject)
    assert len(store) == 0
    assert store.execute("k", "fp", lambda token: idem.Response(201, "retried")).body == "retried"


def test_an_overtaken_worker_that_finds_nothing_to_do_answers_with_the_recorded_outcome():
    # Attack (review finding 1): A stalls past its lease, B takes over and charges; A wakes and its own
    # check ("already paid?") now says there is nothing to do. A's caller must hear B's 201, not a rejection.
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()
    paid: list[str] = []
    paused, resume = threading.Event(), threading.Event()

    def handler(name: str, stall: bool):
        def run(token: int) -> idem.Response:
            if stall:
                paused.set()
                assert resume.wait(5)
            if paid:  # a check on shared state, run late by the stalled worker
                raise idem.NothingDone("already paid")
            paid.append(ledger.find_charge("k", token) or ledger.charge("k", token, 2000))
            return idem.Response(201, f"{paid[0]} by {name}")

        return run

    a_result: list = []
    worker_a = run_in_thread(lambda: store.execute("k", "fp", handler("A", stall=True)), a_result)
    assert paused.wait(5)
    clock.advance(31)
    b_result = store.execute("k", "fp", handler("B", stall=False))
    resume.set()
    worker_a.join()
    assert b_result == idem.Response(201, "ch_1 by B")
    assert a_result == [b_result]  # not NothingDone("already paid") for a key that was charged


def test_a_run_after_a_takeover_cannot_release_the_key():
    # Attack (review finding 1): A charges, then stalls before recording; B takes over and its balance
    # check fails because A already charged. Releasing the key would tell B's caller "rejected" for a
    # charged key and let every later duplicate be rejected afresh. It must be recorded like any error.
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()
    balance = {"left": 2000}
    paused, resume = threading.Event(), threading.Event()

    def pay_if_funds(name: str, stall: bool):
        def run(token: int) -> idem.Response:
            if balance["left"] < 2000:
                raise idem.NothingDone("insufficient funds")
            charge_id = ledger.find_charge("k", token) or ledger.charge("k", token, 2000)
            balance["left"] -= 2000
            if stall:
                paused.set()
                assert resume.wait(5)
            return idem.Response(201, f"{charge_id} by {name}")

        return run

    a_result: list = []
    worker_a = run_in_thread(lambda: store.execute("k", "fp", pay_if_funds("A", stall=True)), a_result)
    assert paused.wait(5)
    clock.advance(31)
    b_result = store.execute("k", "fp", pay_if_funds("B", stall=False))
    resume.set()
    worker_a.join()
    assert isinstance(b_result, idem.Response) and b_result.status == 500  # unknown outcome, not "rejected"
    assert a_result == [b_result]
    assert store.execute("k", "fp", pay_if_funds("C", stall=False)) == b_result  # replayed, not re-run
    assert charges_for(ledger, "k") == 1


def test_a_base_exception_records_nothing_and_the_fenced_rerun_stays_single():
    # The prose: a BaseException records nothing, like a crash; the lease runs out and the next
    # duplicate runs the handler again, kept single only by the lookup and the ledger's token check.
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()

    def charge_then_exit(token: int) -> idem.Response:
        ledger.find_charge("k", token) or ledger.charge("k", token, 2000)
        raise SystemExit("shutting down")

    with pytest.raises(SystemExit):
        store.execute("k", "fp", charge_then_exit)
    with pytest.raises(idem.RequestInProgress):  # nothing recorded: the claim waits out its lease
        store.execute("k", "fp", pay(ledger, "k", 2000, "B"))
    clock.advance(31)
    assert store.execute("k", "fp", pay(ledger, "k", 2000, "B")) == idem.Response(201, "ch_1 by B")
    assert charges_for(ledger, "k") == 1


def test_a_token_sequence_that_restarts_leaves_a_paid_key_failing_as_stale(text):
    # The prose and docstring: tokens must come from a durable sequence. A store whose counter restarts
    # at 1 hands a paid key a token older than the one its ledger has seen.
    ledger = idem.FencedLedger()
    first = idem.IdempotencyStore(ttl=3600, lease=30)
    for i in range(5):
        first.execute(f"other-{i}", "fp", lambda token: idem.Response(200, "other"))
    assert first.execute("k", "fp", pay(ledger, "k", 2000)).status == 201  # charged with token 6
    restarted = idem.IdempotencyStore(ttl=3600, lease=30)  # tokens start at 1 again
    assert restarted.execute("k", "fp", pay(ledger, "k", 2000)) == idem.Response(500, "failed after starting: StaleToken")
    assert charges_for(ledger, "k") == 1
    pinned(text, "a counter that restarted at 1 would hand a paid key a token older than the one its ledger has seen")


@pytest.mark.parametrize("bad", [dict(ttl=math.inf, lease=math.inf), dict(ttl=math.nan, lease=10),
                                 dict(ttl=60, lease=10, wait=math.nan), dict(ttl=60, lease=10, wait=math.inf),
                                 dict(ttl=60, lease=10, wait=-1)])
def test_store_rejects_non_finite_or_negative_settings(bad):
    # Attack (review finding 9): wait=nan made a duplicate ignore the lease and wait for the handler;
    # ttl=lease=inf let a dead worker hold its key for ever.
    with pytest.raises(ValueError):
        idem.IdempotencyStore(**bad)


def test_fenced_ledger_rejects_a_stale_token():
    ledger = idem.FencedLedger()
    assert ledger.find_charge("k", 1) is None
    assert ledger.charge("k", 2, 2000) == "ch_1"
    with pytest.raises(idem.StaleToken):
        ledger.charge("k", 1, 2000)  # token 2 has been seen: token 1 is fenced out
    with pytest.raises(idem.StaleToken):
        ledger.find_charge("k", 1)
    assert ledger.find_charge("k", 2) == "ch_1" and ledger.find_charge("other", 1) is None


def test_a_slow_worker_overtaken_before_it_charges_is_fenced_out():
    # Attack: worker A stalls (a GC pause) after claiming, its lease runs out, B takes over and charges.
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()
    paused, resume = threading.Event(), threading.Event()

    def stall(token: int) -> None:
        paused.set()
        assert resume.wait(5)

    a_result: list = []
    worker_a = run_in_thread(lambda: store.execute("k", "fp", pay(ledger, "k", 2000, "A", before=stall)), a_result)
    assert paused.wait(5)
    with pytest.raises(idem.RequestInProgress):  # within the lease: still in progress
        store.execute("k", "fp", pay(ledger, "k", 2000, "B"))
    clock.advance(31)  # the lease ran out: the claim counts as abandoned
    b_result = store.execute("k", "fp", pay(ledger, "k", 2000, "B"))
    resume.set()
    worker_a.join()
    assert charges_for(ledger, "k") == 1
    assert b_result == idem.Response(201, "ch_1 by B")
    assert a_result == [b_result]  # A's stale lookup was refused, and A answers with the recorded outcome
    assert store.execute("k", "fp", pay(ledger, "k", 2000, "C")) == b_result


def test_a_slow_worker_overtaken_after_it_charged_returns_the_recorded_outcome():
    # Attack: A charges, then stalls before recording; B takes over, finds A's charge and records.
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()
    paused, resume = threading.Event(), threading.Event()

    def stall(token: int) -> None:
        paused.set()
        assert resume.wait(5)

    a_result: list = []
    worker_a = run_in_thread(lambda: store.execute("k", "fp", pay(ledger, "k", 2000, "A", after=stall)), a_result)
    assert paused.wait(5)
    clock.advance(31)
    b_result = store.execute("k", "fp", pay(ledger, "k", 2000, "B"))
    resume.set()
    worker_a.join()
    assert charges_for(ledger, "k") == 1
    assert b_result == idem.Response(201, "ch_1 by B")
    assert a_result == [b_result]  # not "ch_1 by A": one key, one answer


def test_a_clock_jump_forward_mid_request_cannot_double_charge():
    # Attack: the clock leaps past the lease while the handler runs (a VM paused, an NTP step).
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()
    inner: list = []

    def jump_then_duplicate(token: int) -> None:
        clock.advance(3000)  # past the lease, still inside the TTL
        inner.append(store.execute("k", "fp", pay(ledger, "k", 2000, "duplicate")))

    outer = store.execute("k", "fp", pay(ledger, "k", 2000, "first", before=jump_then_duplicate))
    assert charges_for(ledger, "k") == 1
    assert outer == inner[0] == idem.Response(201, "ch_1 by duplicate")


def test_a_clock_stepping_back_mid_request_does_not_free_the_key():
    clock = FakeClock(1000.0)
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    ledger = idem.FencedLedger()
    duplicates = []

    def step_back(token: int) -> None:
        clock.now = 0.0  # stepped back 1,000 s: the lease now looks longer, never shorter
        try:
            store.execute("k", "fp", pay(ledger, "k", 2000, "duplicate"))
        except idem.RequestInProgress:
            duplicates.append("409")

    first = store.execute("k", "fp", pay(ledger, "k", 2000, "first", before=step_back))
    assert duplicates == ["409"] and charges_for(ledger, "k") == 1
    assert store.execute("k", "fp", pay(ledger, "k", 2000, "later")) == first


def test_many_threads_and_short_leases_one_charge_one_answer():
    # Attack: 32 threads on one key, leases shorter than some handlers, so takeovers really happen.
    store = idem.IdempotencyStore(ttl=3600, lease=0.01, wait=5)
    ledger = idem.FencedLedger()
    rng = random.Random(7)
    pauses = [rng.uniform(0, 0.03) for _ in range(32)]
    start = threading.Barrier(32)
    results: list = []
    lock = threading.Lock()

    def client(i: int) -> None:
        start.wait()
        try:
            answer = store.execute("k", "fp", pay(ledger, "k", 2000, f"worker {i}",
                                                   before=lambda token: time.sleep(pauses[i])))
        except idem.RequestInProgress:
            answer = "409"
        with lock:
            results.append(answer)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = {r for r in results if r != "409"}
    assert len(results) == 32 and charges_for(ledger, "k") == 1
    assert len(answers) == 1, answers  # every caller that got an answer got the same one
    assert store.execute("k", "fp", pay(ledger, "k", 2000, "late")) in answers


def test_an_abandoned_claim_is_not_taken_over_by_a_different_request():
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=3600, lease=30, wait=0, clock=clock)
    started, release = threading.Event(), threading.Event()

    def stuck_handler(token: int) -> idem.Response:
        started.set()
        release.wait(5)
        return idem.Response(201, "original")

    worker = threading.Thread(target=store.execute, args=("k", "fp-a", stuck_handler))
    worker.start()
    assert started.wait(5)
    clock.advance(31)  # the lease ran out, but the key still belongs to request fp-a
    with pytest.raises(idem.KeyReusedWithDifferentRequest):
        store.execute("k", "fp-b", lambda token: idem.Response(201, "other"))
    release.set()
    worker.join()
    assert store.execute("k", "fp-a", lambda token: idem.Response(201, "x")).body == "original"


def test_different_keys_do_not_block_each_other():
    store = idem.IdempotencyStore(ttl=60, lease=10, wait=0)
    started, release = threading.Event(), threading.Event()

    def slow(token: int) -> idem.Response:
        started.set()
        release.wait(5)
        return idem.Response(200, "slow")

    t = threading.Thread(target=store.execute, args=("a", "fp", slow))
    t.start()
    assert started.wait(5)
    assert store.execute("b", "fp", lambda token: idem.Response(200, "fast")).body == "fast"
    release.set()
    t.join()


def test_store_rejects_a_lease_longer_than_the_ttl():
    with pytest.raises(ValueError):
        idem.IdempotencyStore(ttl=10, lease=20)


# A handler's script: steps run in order inside the handler. "duplicate" runs a nested call of the
# same key (with its own script) while this handler is still in progress, so one thread explores
# the interleavings: a duplicate within the lease, a takeover after a clock jump, a crash after paying.
# "reject" raises NothingDone if this run has not itself charged, as a handler whose check on shared
# state ("already paid?", "enough funds?") finds nothing to do would, at any point of its run.
leaf_step = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=-40, max_value=40)),
    st.tuples(st.just("pay")),
    st.tuples(st.just("raise")),
    st.tuples(st.just("reject")),
)
handler_script = st.lists(
    st.recursive(leaf_step, lambda inner: st.tuples(st.just("duplicate"), st.lists(inner, max_size=4)),
                 max_leaves=12),
    max_size=6,
)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=handler_script, retries=st.lists(handler_script, max_size=3))
@example(first=[("pay",), ("raise",)], retries=[[("pay",)]])  # charge, then time out
@example(first=[("advance", 40), ("duplicate", [("pay",)]), ("pay",)], retries=[])  # overtaken worker
# Review finding 1: an overtaken run rejects after the run that took over charged ...
@example(first=[("advance", 40), ("duplicate", [("pay",)]), ("reject",)], retries=[])
# ... a run that took over rejects after the overtaken run charged ...
@example(first=[("pay",), ("advance", 40), ("duplicate", [("reject",)])], retries=[])
# ... and a run that took over rejects, then the overtaken run it never fenced out charges.
@example(first=[("advance", 40), ("duplicate", [("reject",)]), ("pay",)], retries=[])
def test_property_one_charge_and_one_answer_per_key(first, retries):
    clock = FakeClock()
    store = idem.IdempotencyStore(ttl=10_000, lease=10, wait=0, clock=clock)  # jumps stay far inside the TTL
    ledger = idem.FencedLedger()
    answers: list = []
    rejections: list[tuple[int, int]] = []  # (charges at that moment, newest token issued by then)
    tokens: list[int] = []

    def call(steps) -> None:
        def handler(token: int) -> idem.Response:
            tokens.append(token)  # checked after the run: an assertion in here would be recorded as a 500
            charge_id = None
            for step in steps:
                if step[0] == "advance":
                    clock.advance(step[1])
                elif step[0] == "pay":
                    charge_id = ledger.find_charge("k", token) or ledger.charge("k", token, 2000)
                elif step[0] == "raise":
                    raise ConnectionResetError("crashed mid-request")
                elif step[0] == "reject":
                    if charge_id is None:  # this run has done nothing itself
                        raise idem.NothingDone("nothing to do")
                else:
                    call(step[1])
            return idem.Response(201, f"{charge_id or 'no charge'} by token {token}")

        try:
            answers.append(store.execute("k", "fp", handler))
        except idem.NothingDone:
            rejections.append((charges_for(ledger, "k"), max(tokens)))  # the caller hears "nothing was done"
        except idem.RequestInProgress:
            pass  # no answer yet: the caller retries later

    for script in [first, *retries]:
        call(script)
    assert tokens == sorted(set(tokens))  # every run, nested or not, got a newer fencing token
    assert charges_for(ledger, "k") <= 1  # at most one side effect per key
    assert len(set(answers)) <= 1, answers  # every caller that got an answer got the same one
    # "Nothing done" was true when the caller heard it, and no run that had started by then charges later.
    for charges_then, newest_then in rejections:
        assert charges_then == 0, "rejected a key that was already charged"
        assert all(token > newest_then for _, token, _ in ledger.charges), "an older run charged after a rejection"


def test_idempotency_store_sizing_numbers_in_text(text):
    qps, seconds, record, slim = 500, 86_400, 2_100, 200
    records = qps * seconds
    pinned(text, f"Live records: {qps} × {seconds:,} s = {records:,}. Size: {records:,} × {record:,} B = "
                 f"{records * record / 1e9:.2f} GB, or {3 * records * record / 1e9:.2f} GB with three replicas")
    pinned(text, f"{records:,} × {slim} B = {records * slim / 1e9:.2f} GB")
    collision = records**2 / 2**123
    mantissa, exponent = f"{collision:.1e}".split("e")
    pinned(text, f"{mantissa} \\times 10^{{{int(exponent)}}}")  # 1.8 x 10^-22
    # Staff lens, 10x: 5,000 QPS of writes.
    pinned(text, f"{10 * records:,} rows")
    pinned(text, f"{10 * records * record / 1e9:.1f} GB")  # 907.2 GB
    pinned(text, f"{10 * records * slim / 1e9:.1f} GB in the slim form")  # 86.4 GB


# --------------------------------------------------------------------------- circuit_breaker.py


def make_breaker(**kwargs) -> cb.CircuitBreaker:
    """A breaker that counts every exception as a failure unless the test says otherwise."""
    kwargs.setdefault("is_failure", lambda exc: True)
    return cb.CircuitBreaker(**kwargs)


def fail(exc: Exception):
    def fn():
        raise exc

    return fn


def test_breaker_trips_after_consecutive_failures_and_fails_fast():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=3, reset_timeout=30, clock=clock)
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
    breaker = make_breaker(failure_threshold=3, reset_timeout=30, clock=FakeClock())
    for _ in range(2):
        breaker.settle(breaker.acquire(), False)
    breaker.settle(breaker.acquire(), True)
    for _ in range(2):
        breaker.settle(breaker.acquire(), False)
    assert breaker.state is cb.State.CLOSED
    breaker.settle(breaker.acquire(), False)
    assert breaker.state is cb.State.OPEN


def test_open_becomes_half_open_after_the_reset_timeout():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=30, clock=clock)
    breaker.settle(breaker.acquire(), False)
    clock.advance(29.9)
    assert breaker.state is cb.State.OPEN
    with pytest.raises(cb.CircuitOpenError):
        breaker.acquire()
    clock.advance(0.1)
    assert breaker.state is cb.State.HALF_OPEN


def test_half_open_admits_only_the_trial_calls():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2, clock=clock)
    breaker.settle(breaker.acquire(), False)
    clock.advance(10)
    permits = [breaker.acquire(), breaker.acquire()]
    assert all(p.trial for p in permits)
    for _ in range(2):
        with pytest.raises(cb.CircuitOpenError):
            breaker.acquire()


def test_half_open_closes_after_enough_successful_trials():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2,
                           success_threshold=2, clock=clock)
    breaker.settle(breaker.acquire(), False)
    clock.advance(10)
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is cb.State.HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is cb.State.CLOSED
    assert all(not breaker.acquire().trial for _ in range(100))


def test_a_failed_trial_reopens_and_restarts_the_timer():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, clock=clock)
    breaker.settle(breaker.acquire(), False)
    clock.advance(10)
    with pytest.raises(ConnectionError):
        breaker.call(fail(ConnectionError("still down")))
    assert breaker.state is cb.State.OPEN
    clock.advance(9)
    assert breaker.state is cb.State.OPEN  # the reset timeout counts from the failed trial
    clock.advance(1)
    assert breaker.state is cb.State.HALF_OPEN


def test_errors_that_are_not_failures_do_not_trip_the_breaker():
    breaker = make_breaker(failure_threshold=2, reset_timeout=10, clock=FakeClock(),
                           is_failure=lambda exc: not isinstance(exc, KeyError))
    for _ in range(5):
        with pytest.raises(KeyError):
            breaker.call(fail(KeyError("order 42 does not exist")))
    assert breaker.state is cb.State.CLOSED


def test_a_non_failure_exception_is_no_verdict_on_a_trial():
    # Attack: a trial that ends in an exception the predicate does not count (a 404, or a validation
    # error raised before the request left) must not close the breaker; it gives its slot back.
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, clock=clock,
                           is_failure=lambda exc: not isinstance(exc, KeyError))
    with pytest.raises(TimeoutError):
        breaker.call(fail(TimeoutError("down")))
    clock.advance(10)
    with pytest.raises(KeyError):
        breaker.call(fail(KeyError("404: no such order")))
    assert breaker.state is cb.State.HALF_OPEN  # no evidence either way
    assert breaker.call(lambda: "ok") == "ok"  # the slot came back, and a real success closes it
    assert breaker.state is cb.State.CLOSED


def test_an_interrupted_trial_gives_its_slot_back():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, clock=clock)
    breaker.settle(breaker.acquire(), False)
    clock.advance(10)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        breaker.call(interrupted)
    assert breaker.state is cb.State.HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"  # the slot was freed, so the next trial runs and closes it
    assert breaker.state is cb.State.CLOSED


def test_a_permit_settled_twice_counts_once():
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=1,
                           success_threshold=2, clock=clock)
    breaker.settle(breaker.acquire(), False)
    clock.advance(10)
    trial = breaker.acquire()
    breaker.settle(trial, True)
    breaker.settle(trial, True)  # a buggy caller reports twice: one success, one slot, not two
    assert breaker.state is cb.State.HALF_OPEN
    breaker.acquire()
    with pytest.raises(cb.CircuitOpenError):
        breaker.acquire()


class Gate:
    """A dependency call that blocks until the test opens the gate, then returns or raises."""

    def __init__(self, outcome=None) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()
        self.outcome = outcome

    def __call__(self):
        self.entered.set()
        assert self.go.wait(5)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return "ok"


def test_a_stale_success_from_closed_does_not_close_a_half_open_breaker():
    # Attack: a slow call admitted while CLOSED succeeds while HALF_OPEN is testing the dependency.
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=3, reset_timeout=30, half_open_max_calls=1, clock=clock)
    results: list = []
    slow = Gate()
    slow_thread = run_in_thread(lambda: breaker.call(slow), results)
    assert slow.entered.wait(5)
    for _ in range(3):
        with pytest.raises(TimeoutError):
            breaker.call(fail(TimeoutError("down")))
    clock.advance(30)
    trial = Gate()
    trial_thread = run_in_thread(lambda: breaker.call(trial), results)
    assert trial.entered.wait(5)
    slow.go.set()  # the stale success arrives while the trial is in flight
    slow_thread.join()
    assert breaker.state is cb.State.HALF_OPEN
    with pytest.raises(cb.CircuitOpenError):  # still one trial at a time
        breaker.call(lambda: "ok")
    trial.go.set()
    trial_thread.join()
    assert results == ["ok", "ok"] and breaker.state is cb.State.CLOSED


def test_a_stale_trial_from_an_earlier_half_open_changes_nothing():
    # Attack: trial T1 is slow; trial T2 fails and reopens; the clock jumps past the reset timeout;
    # a new trial T3 is in flight when T1 finally succeeds.
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2, clock=clock)
    with pytest.raises(TimeoutError):
        breaker.call(fail(TimeoutError("down")))
    clock.advance(10)
    results: list = []
    t1 = Gate()
    t1_thread = run_in_thread(lambda: breaker.call(t1), results)
    assert t1.entered.wait(5)
    with pytest.raises(TimeoutError):
        breaker.call(fail(TimeoutError("still down")))  # T2
    clock.advance(600)  # a jump forward: well past the reset timeout
    t3 = Gate()
    t3_thread = run_in_thread(lambda: breaker.call(t3), results)
    assert t3.entered.wait(5)
    t1.go.set()
    t1_thread.join()
    assert breaker.state is cb.State.HALF_OPEN  # T1's success belongs to an earlier test
    t4 = Gate()
    t4_thread = run_in_thread(lambda: breaker.call(t4), results)  # the second slot of this generation
    assert t4.entered.wait(5)
    with pytest.raises(cb.CircuitOpenError):
        breaker.call(lambda: "ok")  # T1 gave back no slot it did not hold: two trials, no more
    t3.go.set()
    t4.go.set()
    t3_thread.join()
    t4_thread.join()
    assert breaker.state is cb.State.CLOSED


def test_stale_failures_do_not_trip_a_freshly_closed_breaker():
    # Attack: calls admitted before an outage time out long after the breaker has recovered and closed.
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=3, reset_timeout=30, clock=clock)
    results: list = []
    stale = [Gate(TimeoutError("late timeout")) for _ in range(3)]
    threads = [run_in_thread(lambda g=g: breaker.call(g), results) for g in stale]
    for gate in stale:
        assert gate.entered.wait(5)
    for _ in range(3):
        with pytest.raises(TimeoutError):
            breaker.call(fail(TimeoutError("down")))
    clock.advance(30)
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is cb.State.CLOSED
    for gate in stale:
        gate.go.set()
    for t in threads:
        t.join()
    assert breaker.state is cb.State.CLOSED  # three stale timeouts, not three new failures


def test_a_clock_stepping_back_does_not_keep_the_breaker_open():
    clock = FakeClock(5000.0)
    breaker = make_breaker(failure_threshold=1, reset_timeout=30, clock=clock)
    with pytest.raises(TimeoutError):
        breaker.call(fail(TimeoutError("down")))
    clock.now = 1000.0  # stepped back more than an hour
    with pytest.raises(cb.CircuitOpenError):
        breaker.call(lambda: "ok")
    clock.advance(30)  # one reset timeout after the step, not an hour and more
    assert breaker.state is cb.State.HALF_OPEN


def test_many_threads_never_exceed_the_trial_slots():
    # Attack: 10 slow calls admitted while CLOSED succeed while 40 threads compete for 3 trial slots.
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=3,
                           success_threshold=3, clock=clock)
    results: list = []
    stale = [Gate() for _ in range(10)]
    stale_threads = [run_in_thread(lambda g=g: breaker.call(g), results) for g in stale]
    for gate in stale:
        assert gate.entered.wait(5)
    with pytest.raises(TimeoutError):
        breaker.call(fail(TimeoutError("down")))
    clock.advance(10)
    running = 0
    most = 0
    lock = threading.Lock()
    go = threading.Event()

    def trial() -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        assert go.wait(5)
        with lock:
            running -= 1
        return "ok"

    trial_results: list = []
    first_wave = [run_in_thread(lambda: breaker.call(trial), trial_results) for _ in range(40)]
    wait_until(lambda: len(trial_results) >= 37)  # everyone but the trial holders has been refused
    for gate in stale:
        gate.go.set()  # ten stale successes land while the three trials are in flight
    for t in stale_threads:
        t.join()
    second_wave = [run_in_thread(lambda: breaker.call(trial), trial_results) for _ in range(20)]
    wait_until(lambda: len(trial_results) >= 57)
    go.set()
    for t in first_wave + second_wave:
        t.join()
    assert most <= 3
    assert sum(r == "ok" for r in trial_results) == 3
    assert breaker.state is cb.State.CLOSED  # the three real trials closed it


def test_breaker_is_thread_safe_under_concurrent_failures():
    breaker = make_breaker(failure_threshold=1000, reset_timeout=10, clock=FakeClock())
    permits = [breaker.acquire() for _ in range(1000)]  # admitted while CLOSED, one generation
    chunks = [permits[i::10] for i in range(10)]
    threads = [threading.Thread(target=lambda c=c: [breaker.settle(p, False) for p in c]) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state is cb.State.OPEN  # exactly 1,000 failures counted


@pytest.mark.parametrize("bad", [dict(failure_threshold=0), dict(reset_timeout=0),
                                 dict(failure_threshold=math.nan), dict(failure_threshold=1.5),
                                 dict(reset_timeout=math.nan), dict(reset_timeout=math.inf),
                                 dict(half_open_max_calls=math.nan), dict(success_threshold=math.nan)])
def test_breaker_rejects_bad_parameters(bad):
    # Attack (review finding 9): NaN passed `< 1` and `<= 0`; failure_threshold=nan never tripped,
    # reset_timeout=nan or inf never recovered, success_threshold=nan stayed half-open for good.
    with pytest.raises(ValueError):
        make_breaker(**(dict(failure_threshold=1, reset_timeout=10) | bad))


def test_breaker_requires_a_failure_predicate():
    with pytest.raises(TypeError):
        cb.CircuitBreaker(failure_threshold=1, reset_timeout=10)  # which errors are failures must be said


def test_a_permit_from_another_breaker_changes_nothing():
    # Attack (review finding 2): a registry rebuilds the breaker for a shard (host churn). A call admitted
    # by the old instance settles on the new one, whose generation number happens to match.
    clock = FakeClock()
    old, new = (make_breaker(failure_threshold=1, reset_timeout=10, clock=clock) for _ in range(2))
    for breaker in (old, new):
        breaker.settle(breaker.acquire(), False)
    clock.advance(10)
    foreign, mine = old.acquire(), new.acquire()
    assert foreign.generation == mine.generation and foreign.trial and mine.trial
    new.settle(foreign, None)  # would free the new breaker's only trial slot
    with pytest.raises(cb.CircuitOpenError):
        new.acquire()  # still one trial at a time
    new.settle(foreign, True)  # would close it on another breaker's evidence
    assert new.state is cb.State.HALF_OPEN
    new.settle(mine, True)
    assert new.state is cb.State.CLOSED
    closed = make_breaker(failure_threshold=1, reset_timeout=10, clock=clock)
    closed.settle(make_breaker(failure_threshold=1, reset_timeout=10, clock=clock).acquire(), False)
    assert closed.state is cb.State.CLOSED  # a foreign failure trips nothing


def test_a_failure_predicate_that_raises_does_not_leak_the_trial_slot():
    # Attack (review finding 3): a predicate written for HTTP errors meets a socket timeout. The old call()
    # never settled the permit, so the trial slot leaked and the breaker stayed half-open for good.
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=1, reset_timeout=10, clock=clock,
                           is_failure=lambda exc: exc.status >= 500)
    breaker.settle(breaker.acquire(), False)
    clock.advance(10)
    with pytest.raises(AttributeError) as raised:  # the predicate's bug is not hidden ...
        breaker.call(fail(TimeoutError("read timed out")))
    assert isinstance(raised.value.__context__, TimeoutError)  # ... and the call's own error travels with it
    assert breaker.state is cb.State.OPEN  # counted as a failed trial
    clock.advance(10)
    assert breaker.call(lambda: "ok") == "ok"  # the next trial gets the slot
    assert breaker.state is cb.State.CLOSED


breaker_ops = st.lists(
    st.one_of(
        st.tuples(st.just("acquire")),
        st.tuples(st.just("settle"), st.integers(min_value=0, max_value=50), st.sampled_from([True, False, None])),
        st.tuples(st.just("advance"), st.sampled_from([-40.0, -3.0, 3.0, 10.0, 45.0])),  # reset_timeout is 10
    ),
    max_size=80,
)


@settings(max_examples=1000, deadline=None, database=None)
@given(ops=breaker_ops, max_calls=st.integers(1, 3), successes=st.integers(1, 3), failures=st.integers(1, 3))
# The reviewer's attack: a call admitted while CLOSED succeeds during HALF_OPEN, with a trial in flight.
@example(ops=[("acquire",), ("acquire",), ("settle", 1, False), ("advance", 10.0), ("acquire",), ("settle", 0, True)],
         max_calls=1, successes=1, failures=1)
def test_property_trials_in_flight_never_exceed_the_limit(ops, max_calls, successes, failures):
    clock = FakeClock()
    breaker = make_breaker(failure_threshold=failures, reset_timeout=10, half_open_max_calls=max_calls,
                           success_threshold=successes, clock=clock)
    in_flight: list = []
    for op in ops:
        if op[0] == "acquire":
            try:
                in_flight.append(breaker.acquire())
            except cb.CircuitOpenError:
                pass
        elif op[0] == "advance":
            clock.advance(op[1])
        elif in_flight:
            permit = in_flight.pop(op[1] % len(in_flight))
            before = breaker.state
            generation = breaker._generation
            breaker.settle(permit, op[2])
            if permit.generation != generation:  # a stale result: nothing may change
                assert breaker.state is before and breaker._generation == generation
        trials = Counter(p.generation for p in in_flight if p.trial)
        assert all(n <= max_calls for n in trials.values()), trials  # per half-open period
        assert trials[breaker._generation] == breaker._trials  # slots held are exactly the permits out


def test_sharded_backend_breaker_numbers_in_text(text):
    shards = 16
    failing_share = 1 / shards
    pinned(text, f"1/{shards} = {failing_share:.2%}")  # 6.25%
    trip_rate = int(re.search(r"trips at a (\d+)% failure rate", text).group(1)) / 100
    assert failing_share > trip_rate  # one dead shard trips the endpoint-wide breaker the text describes
    pinned(text, f"{shards - 1} healthy shards")


def calls_until_a_run(p: float, k: int) -> float:
    """Mean calls until k failures in a row, each with probability p, solved from the Markov chain on
    the current run length j (E_j = 1 + p E_(j+1) + (1 - p) E_0, E_k = 0), not from the closed form."""
    a, b = 0.0, 0.0  # E_j = a + b E_0, starting from j = k
    for _ in range(k):
        a, b = 1 + p * a, p * b + (1 - p)
    return a / (1 - b)


def test_consecutive_failure_breaker_on_one_dead_shard(text):
    # Review finding 11: how often does a 5-in-a-row breaker trip when one shard in 16 is dead?
    p, k = 1 / 16, 5
    mean = calls_until_a_run(p, k)
    closed_form = (1 - p**k) / ((1 - p) * p**k)
    assert mean == pytest.approx(closed_form)
    pinned(text, f"= {mean:,.0f}".replace(",", "{,}"))  # 1,118,480
    calls_per_second = 1000
    pinned(text, f"at {calls_per_second:,} calls a second")
    pinned(text, f"about one trip every {mean / calls_per_second / 60:.0f} minutes")  # 19
    # The listing's breaker trips on exactly that event: check the formula against it where runs are
    # short enough to simulate (p = 1/2: 62 calls on average).
    rng = random.Random(3)
    p_sim, trips, lengths = 0.5, 3000, []
    for _ in range(trips):
        breaker = make_breaker(failure_threshold=k, reset_timeout=10, clock=FakeClock())
        calls = 0
        while breaker.state is cb.State.CLOSED:
            calls += 1
            breaker.settle(breaker.acquire(), rng.random() >= p_sim)
        lengths.append(calls)
    assert sum(lengths) / trips == pytest.approx(calls_until_a_run(p_sim, k), rel=0.025)  # 1.1% off with this seed


# --------------------------------------------------------------------------- formula numbers in the prose


def reaching_the_bottom(layers: list, requests: int = 1) -> float:
    """Nest one retry_call per layer, outermost first, over a dependency that fails everything.

    Each layer is (max_attempts, budget or None for one that never binds). Returns the calls that reach
    the dependency per request: the amplification the formula predicts, measured on the listing.
    """
    calls = 0

    def dependency(remaining: float) -> None:
        nonlocal calls
        calls += 1
        raise backoff.RetryableError("503")

    op = dependency
    for max_attempts, budget in reversed(layers):
        budget = budget or backoff.RetryBudget(max_tokens=1e9, clock=lambda: 0.0)

        def layer(remaining, inner=op, max_attempts=max_attempts, budget=budget):
            return backoff.retry_call(inner, deadline=math.inf, max_attempts=max_attempts, base=1e-3, cap=1e-3,
                                      budget=budget, clock=lambda: 0.0, sleep=lambda s: None)
        op = layer
    for _ in range(requests):
        with pytest.raises(backoff.RetryableError):
            op(math.inf)
    return calls / requests


def budgeted(attempts: int = 3) -> tuple:
    """A layer under a 10% budget with no reserve, so the ratio alone binds."""
    return attempts, backoff.RetryBudget(ratio=0.1, min_per_second=0, max_tokens=1, clock=FakeClock())


def test_retry_amplification_numbers(text):
    # (r + 1)^L, measured by nesting the listing's retry loop.
    pinned(text, f"4^5 = {reaching_the_bottom([(4, None)] * 5):,.0f}".replace(",", "{,}"))  # 1,024
    pinned(text, f"3^5 = {reaching_the_bottom([(3, None)] * 5):.0f}")  # 243: the Builders' Library's count
    sre = reaching_the_bottom([(4, None)] * 3)
    pinned(text, f"turn one user action into $4^3 = {sre:.0f}$ attempts on the database")  # the SRE book
    pinned(text, f"worst-case amplification falls from $4^3 = {sre:.0f}$ (last quarter's three retrying layers)")
    storm = reaching_the_bottom([(3, None)] * 3)
    pinned(text, f"turn one user action into $3^3 = {storm:.0f}$ queries against a database")
    pinned(text, f"so one user action becomes {storm:.0f} queries")  # the sequence diagram's alt text ...
    pinned(text, f"One user action became 3 x 3 x 3 = {storm:.0f} queries")  # ... and its note
    # A 10% budget at every layer: about 1.1 per layer.
    requests = 20_000
    five = reaching_the_bottom([budgeted() for _ in range(5)], requests)
    assert five == pytest.approx(1.1**5, abs=1e-3)
    pinned(text, f"1.1^5 = {five:.2f}")  # 1.61
    # Staff lens: the client SDK's four attempts over the gateway's budget.
    staff = reaching_the_bottom([(4, None), budgeted()], requests)
    assert staff == pytest.approx(4 * 1.1, abs=1e-3)
    pinned(text, f"4 × 1.1 = {staff:.1f}")  # 4.4


def grpc_throttle_retries_allowed(failure_rate: float, rpcs: int = 20_000, max_tokens: float = 10,
                                  ratio: float = 0.1) -> bool:
    """gRPC's retry throttle as its design specifies it: -1 per failure, +ratio per success, retries only
    while the count is above max_tokens / 2. Failures are spread evenly. Are retries still on at the end?"""
    tokens, owed = max_tokens, 0.0
    for _ in range(rpcs):
        owed += failure_rate
        if owed >= 1:
            owed -= 1
            tokens = max(0.0, tokens - 1)
        else:
            tokens = min(max_tokens, tokens + ratio)
    return tokens > max_tokens / 2


def test_token_bucket_threshold(text):
    # Tokens fall when failures (-1 each) outweigh successes (+0.1 each): f > 0.1 (1 - f).
    ratio = 0.1
    threshold = ratio / (1 + ratio)
    assert grpc_throttle_retries_allowed(threshold * 0.98, ratio=ratio)  # just below: retries stay on
    assert not grpc_throttle_retries_allowed(threshold * 1.02, ratio=ratio)  # just above: switched off
    pinned(text, f"0.1 / 1.1 = {threshold * 100:.1f}\\%")  # 9.1%; LaTeX escapes the percent sign


def test_worked_example_timeout_numbers(text):
    qps = 400
    pinned(text, f"{qps * 0.001:.1f} false DB timeouts a second")  # 0.4
    pinned(text, f"{qps * 0.001 * 3600:,.0f} an hour")  # 1,440
    own, dependencies = 0.050, 0.100  # healthy: own work plus the DB write and provider call together
    pinned(text, f"50 + 100 = {(own + dependencies) * 1000:.0f} ms")  # 150 ms
    pinned(text, f"L = 400 \\times 0.15 = {qps * (own + dependencies):.0f}")  # 60
    pinned(text, f"L = 400 \\times 0.2 = {qps * (0.050 + 0.150):.0f}")  # 80
    pinned(text, f"L = 400 \\times 30.05 = {qps * 30.05:,.0f}".replace(",", "{,}"))  # 12,020


def test_exercise_numbers(text):
    # Exercise 1, measured on the listing's retry loop: 1,000 QPS at the web tier.
    qps = 1000
    pinned(text, f"{reaching_the_bottom([(3, None)] * 3) * qps:,.0f} QPS")  # 27,000
    pinned(text, f"{reaching_the_bottom([(1, None), (4, None), (1, None)]) * qps:,.0f} QPS")  # 4,000
    three = reaching_the_bottom([budgeted() for _ in range(3)], 20_000)
    assert three == pytest.approx(1.1**3, abs=1e-3)
    pinned(text, f"1.1^3 = {1.1**3:.3f}")
    pinned(text, f"about {1.1**3 * qps:,.0f} QPS")  # 1.331, 1,331
    four_layers = reaching_the_bottom([(3, None)] * 4)
    pinned(text, f"3^4 = {four_layers:.0f}")
    pinned(text, f"{four_layers * qps:,.0f} QPS")  # 81,000
    four = reaching_the_bottom([budgeted() for _ in range(4)], 20_000)
    assert four == pytest.approx(1.1**4, abs=1e-3)
    pinned(text, f"1.1^4 = {1.1**4:.4f}")
    pinned(text, f"about {1.1**4 * qps:,.0f} QPS")  # 1.4641, 1,464
    # Exercise 4.
    pinned(text, f"L = 600 \\times 0.05 = {600 * 0.05:.0f}")  # 30
    pinned(text, f"L = 600 \\times 0.27 = {600 * 0.27:.0f}")  # 162
    pinned(text, f"L = 600 \\times 30.02 = {600 * 30.02:,.0f}".replace(",", "{,}"))  # 18,012
    pinned(text, f"L = 600 \\times 0.02 = {600 * 0.02:.0f}")  # 12: the breaker open, own work only
    # Exercise 6.
    records = 300 * 86_400 * 4
    pinned(text, f"{records:,} records")  # 103,680,000
    pinned(text, f"about {records * 1_100 / 1e9:.0f} GB")  # 114 GB
    pinned(text, f"about {records * 150 / 1e9:.1f} GB")  # 15.6 GB


def health_driven_ramp(demand: int, capacity: int, start: float, step: float, windows: int) -> list[float]:
    """Exercise 3's ramp: add `step` after a window that meets the SLO, halve after one that misses.

    A window meets it while the admitted load stays below capacity; at capacity queues grow and it misses.
    """
    share, shares = start, []
    for _ in range(windows):
        shares.append(share)
        share = round(share + step, 4) if share * demand < capacity else round(share / 2, 4)
    return shares


def test_exercise_3_ramp_numbers(text):
    hosts, per_host, capacity = 300, 10, 600  # capacity: what Pricing serves while it warms
    demand = hosts * per_host
    pinned(text, f"{hosts} API hosts call a Pricing service, {per_host} QPS each ({demand:,} QPS)")
    ceiling = capacity / demand
    pinned(text, f"{capacity} / {demand:,} = {ceiling:.0%}")  # 20%: the most the fleet may admit
    # A ramp on the clock (10%, 25%, 50%, 100%) overruns capacity at its second step.
    time_ramp = [0.10, 0.25, 0.50, 1.00]
    first_over = next(i for i, share in enumerate(time_ramp) if share * demand > capacity)
    step = ["first", "second", "third", "fourth"][first_over]
    pinned(text, f"A fixed schedule such as {', '.join(f'{share:.0%}' for share in time_ramp[:-1])}, {time_ramp[-1]:.0%} "
                 f"over a minute guesses how fast the caches warm, and here it guesses wrong at its {step} step: "
                 f"{time_ramp[first_over]:.0%} of {demand:,} is {time_ramp[first_over] * demand:.0f} QPS, above the "
                 f"{capacity} Pricing can serve")
    # The health-driven ramp, run for ten windows.
    shares = health_driven_ramp(demand, capacity, start=0.10, step=0.05, windows=10)
    loads = [round(share * demand) for share in shares]
    pinned(text, f"Start at {shares[0]:.0%}: {loads[0]} QPS ({loads[0] / capacity:.0%} of capacity)")  # 300, 50%
    pinned(text, f"to {shares[1]:.0%}, {loads[1]} QPS")  # 15%, 450
    pinned(text, f"to {shares[2]:.0%}, {loads[2]} QPS")  # 20%, 600: all of Pricing's capacity
    assert loads[2] == capacity
    pinned(text, f"falls back to {shares[3]:.0%}")  # halved: 10%
    pinned(text, f"stays between {min(loads)} and {max(loads)} QPS")  # never above capacity


def test_exercise_5_deadline_numbers(text):
    qps, service_s, user_s = 200, 6, 2
    pinned(text, f"L = 200 \\times 6 = {qps * service_s:,}".replace(",", "{,}"))  # 1,200
    pinned(text, f"200 \\times 2 = {qps * user_s}")  # 400
    pinned(text, f"{qps * (service_s - user_s)} of the 1,200")  # 800 past the deadline
    share = Fraction(qps * user_s, qps * service_s)  # what C holds with propagation, of what it held before
    words = {Fraction(1, 3): "a third", Fraction(1, 2): "half"}
    pinned(text, f"{words[share]} of the work")


def test_jitter_simulation_numbers_match_the_plot_script(text):
    script = Path(__file__).resolve().parent.parent / "diagrams" / "m0_primitives_jitter.py"
    sim = runpy.run_path(str(script), run_name="m0_primitives_jitter_test")  # no plotting outside __main__
    calls_none, time_none = sim["averages"](100, "no jitter")
    calls_full, time_full = sim["averages"](100, "full jitter")
    _, time_equal = sim["averages"](100, "equal jitter")
    pinned(text, f"{calls_none:,.0f} calls and {time_none / 1000:.1f} s")  # 1,799 calls and 31.2 s
    pinned(text, f"{calls_full:,.0f} calls and {time_full / 1000:.1f} s")  # 728 calls and 2.4 s
    pinned(text, f"{calls_none / calls_full:.1f} times the work")  # 2.5
    pinned(text, f"{time_none / time_full:.1f} times the time")  # 12.9
    pinned(text, f"took {time_equal / 1000:.1f} s")  # 3.1 s
    assert calls_full < calls_none and time_full < time_equal < time_none


def test_chapter_has_no_authoring_log_or_notice_that_captions():
    raw = chapter_text(CHAPTER)
    assert "Notice that" not in raw
    assert "checked November 2026" not in raw and "when we checked" not in raw
    assert raw.count("1,024") + raw.count("1{,}024") <= 3  # the figure's alt text plus two tellings
