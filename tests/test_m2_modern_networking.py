"""Tests for the modern-networking chapter: its listings (the window/RTT arithmetic, the port budget and the bounded
connection pool, the bottleneck simulation of a loss-based and a model-based sender), the exercise solution (a pool
that retires old connections), and every derived number in the prose.

The attacks: many threads on one pool (never more than max_size connections alive, no connection lent twice, no
counter lost; a lock-free copy does lose counts), a connect or a close that raises (no slot leaks), a double release
(refused, never one connection lent twice), an exception after the lifetime pool took a connection, a clock that
jumps backwards (neither an idle nor an old connection is trusted), NaN/inf/negative/bool parameters, hypothesis
properties of the pool's bound under any sequence of operations and of the simulation's conservation of packets,
and a seeded simulation long enough that its results do not depend on the seed, pinned to the sentences that state
them.
"""
from __future__ import annotations

import math
import random
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from listings import FakeClock, load_listing, pinned, prose, without_lock

CHAPTER = "m2-networking/modern-networking.md"
bdp = load_listing("m2-networking/code/bdp.py")
cp = load_listing("m2-networking/code/connection_pool.py")
sim = load_listing("m2-networking/code/bottleneck.py")
life = load_listing("m2-networking/code/solutions/lifetime_pool.py")


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


BAD_NUMBERS = [math.nan, math.inf, -math.inf, 0, -1, True, "1"]


# --------------------------------------------------------------------------- window/RTT and the BDP


def test_bdp_and_window_limited_throughput():
    assert bdp.bdp_bytes(1e9, 0.08) == pytest.approx(10_000_000)
    assert bdp.throughput_bits_per_s(65_535, 0.08, 1e9) == pytest.approx(6_553_500)
    assert bdp.throughput_bits_per_s(100e6, 0.08, 1e9) == 1e9  # a window above the BDP: the link limits


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_bdp_functions_reject_bad_numbers(bad):
    with pytest.raises(ValueError):
        bdp.bdp_bytes(bad, 0.1)
    with pytest.raises(ValueError):
        bdp.throughput_bits_per_s(65_535, bad, 1e9)
    with pytest.raises(ValueError):
        bdp.window_shift(bad)


def test_window_shift_boundaries():
    assert bdp.window_shift(65_535) == 0
    assert bdp.window_shift(65_536) == 1
    assert bdp.window_shift(65_535 << 14) == 14
    with pytest.raises(ValueError):  # RFC 7323 caps the shift at 14
        bdp.window_shift((65_535 << 14) + 1)


@given(st.floats(min_value=1.0, max_value=float(65_535 << 14)))
def test_window_shift_is_the_smallest_that_fits(window):
    shift = bdp.window_shift(window)
    assert window <= 65_535 << shift
    assert shift == 0 or window > 65_535 << (shift - 1)


def test_handshake_round_trips():
    assert [bdp.handshake_rtts(t) for t in ("tcp+tls1.2", "tcp+tls1.3", "quic")] == [3, 2, 1]
    assert bdp.handshake_rtts("quic", resumed=True) == 0
    with pytest.raises(ValueError):
        bdp.handshake_rtts("sctp")


def test_worked_example_window_numbers_in_text(text):
    link, rtt = 1e9, 0.08
    b = bdp.bdp_bytes(link, rtt)
    pinned(text, f"{b:,.0f} bytes, 10 MB ({b / 2**20:.1f} MiB)")
    unscaled = bdp.throughput_bits_per_s(65_535, rtt, link)
    pinned(text, f"= {unscaled / 1e6:.2f} Mbit/s: {unscaled / link:.2%} of the link")
    pinned(text, f"about {unscaled / 8 / 1e6:.1f} MB/s")
    pinned(text, f"10,000,000 / 65,535 = {b / 65_535:.1f}, so the receiver needs a shift of {bdp.window_shift(b)}")
    pinned(text, f"65,535 × 2^8 = {65_535 << 8:,} bytes")
    pinned(text, f"a shift of 7 reaches only {(65_535 << 7) / 1e6:.1f} MB")
    four = bdp.throughput_bits_per_s(4 * 2**20, rtt, link)
    pinned(text, f"= {four / 1e6:.0f} Mbit/s, {four / link:.0%} of the link")
    segments = round(b / 1_500)
    half = segments // 2
    pinned(text, f"10,000,000 / 1,500 = {segments:,} segments")
    pinned(text, f"{half:,} round trips × 80 ms = {half * rtt:.0f} s")
    pinned(text, f"{1 / rtt:.1f} windows a second")
    # The decision: Linux advertises about half the receive buffer (tcp_adv_win_scale = 1), so plan buffers at 2 x BDP.
    assert 16 * 2**20 / 2 < b <= 32 * 2**20 / 2
    pinned(text, f"Planning for half, 32 MiB advertises {32 * 2**20 // 2:,} bytes, above the 10 MB BDP")
    per = bdp.throughput_bits_per_s(4 * 2**20, rtt, link)
    assert math.ceil(link / per) == 3
    pinned(text, f"(3 × 419 = {3 * round(per / 1e6):,} Mbit/s; two give only {2 * per / 1e6:.0f})")


def test_window_plot_alt_text_numbers(text):
    link = 1e9
    pinned(text, f"reaches about {bdp.throughput_bits_per_s(65_535, 0.08, link) / 1e6:.1f} Mbit/s at 80 ms")
    assert round(4 * 2**20 * 8 / link * 1000) == 34 and round(16 * 2**20 * 8 / link * 1000) == 134
    pinned(text, "until about 34 ms, then falls to about 420 Mbit/s at 80 ms")
    crossover_ms = [65_535 * 8 / rate * 1000 for rate in (1e9, 10e9)]  # caption: RTT where 64 KiB meets the link
    pinned(text, f"below 1 Gbit/s from about {crossover_ms[0]:.1f} ms of round trip, and below 10 Gbit/s from "
                 f"{crossover_ms[1]:.2f} ms")
    assert abs(bdp.throughput_bits_per_s(4 * 2**20, 0.08, link) / 1e6 - 420) < 1
    pinned(text, "stays at the link rate until about 134 ms")


def test_exercise_1_numbers_in_text(text):
    link, rtt = 10e9, 0.03
    b = bdp.bdp_bytes(link, rtt)
    pinned(text, f"{b:,.0f} bytes, 37.5 MB. 37,500,000 / 65,535 = {b / 65_535:.1f}")
    assert bdp.window_shift(b) == 10
    pinned(text, f"(65,535 × 2^10 = {65_535 << 10:,} bytes); a shift of 9 reaches only {(65_535 << 9) / 1e6:.1f} MB")
    per = bdp.throughput_bits_per_s(4 * 2**20, rtt, link)
    pinned(text, f"= {per / 1e6:,.0f} Mbit/s per connection. 10,000 / 1,118 = {10_000 / 1_118:.1f}, so "
                 f"{math.ceil(link / per)} connections")
    segments = round(b / 1_500)
    pinned(text, f"37,500,000 / 1,500 = {segments:,} segments")
    pinned(text, f"{segments // 2:,} × 30 ms = {segments // 2 * rtt:.0f} s")


def test_handshake_worked_example_in_text(text):
    rtt_ms = 100
    cases = {"TCP + TLS 1.2: 1 (TCP) + 2 (TLS 1.2) + 1 = {n} round trips, {ms} ms": "tcp+tls1.2",
             "TCP + TLS 1.3: 1 + 1 + 1 = {n}, {ms} ms": "tcp+tls1.3", "QUIC: 1 + 1 = {n}, {ms} ms": "quic"}
    for fragment, transport in cases.items():
        total = bdp.handshake_rtts(transport) + 1
        pinned(text, fragment.format(n=total, ms=total * rtt_ms))
    total = bdp.handshake_rtts("quic", resumed=True) + 1
    pinned(text, f"so {total} round trip, {total * rtt_ms} ms")


# --------------------------------------------------------------------------- the port budget


def test_port_budget_defaults_and_worked_example(text):
    ports = cp.linux_default_ports()
    assert ports == 28_232
    budget = cp.port_budget(ports, 60)
    pinned(text, f"28,232 / 60 s = {budget:.1f} new connections a second")
    pinned(text, f"The budget is {budget:.1f} new connections a second to that destination")
    demand = 3_000
    pinned(text, f"3,000 × 60 = {demand * 60:,} tuples in TIME_WAIT: {demand * 60 / ports:.1f} times the range")
    pinned(text, f"28,232 / 3,000 ≈ {ports / demand:.1f} s")
    wide = cp.linux_default_ports(1024, 65535)
    pinned(text, f"gives {wide:,} ports, {cp.port_budget(wide, 60):,.0f} a second")
    assert 2.5 < demand / cp.port_budget(wide, 60) < 3  # "short by a factor of almost three"
    pinned(text, f"4 × 470.5 = {cp.port_budget(ports, 60, 4):,.0f} a second")
    busy = demand * 0.001
    pinned(text, f"3,000 reads/s × 0.001 s = {busy:.0f} connections busy")
    pinned(text, f"standard deviation of √3 ≈ {math.sqrt(busy):.1f}, so a pool of 16 sits "
                 f"{(16 - busy) / math.sqrt(busy):.1f} standard deviations above the mean")
    pinned(text, f"can serve 16 / 0.001 = {16 / 0.001:,.0f} reads a second, {16 / 0.001 / demand:.1f} times the demand")


def test_staff_lens_ten_x_numbers_in_text(text):
    busy = 30_000 * 0.001  # Little's Law at ten times the worked example's rate
    assert busy > 16 and 16 / 0.001 < 30_000  # the 1x bound of 16 is overloaded
    pinned(text, f"keeps 30,000 × 0.001 s = {busy:.0f} connections busy")
    pinned(text, f"which serves at most {16 / 0.001:,.0f} reads a second")
    pinned(text, f"(√30 ≈ {math.sqrt(busy):.1f}, so 48 sits {(48 - busy) / math.sqrt(busy):.1f} standard deviations")
    pinned(text, f"1,000 hosts × 48 connections is {1_000 * 48:,} connections")
    pinned(text, "socket buffers of 32 MiB and BBR")


def test_exercise_2_and_5_numbers_in_text(text):
    ports = cp.linux_default_ports(15000, 65000)
    budget = cp.port_budget(ports, 60)
    pinned(text, f"15000–65000 is {ports:,} ports, a budget of 50,001 / 60 = {budget:,.0f} new connections")
    pinned(text, f"demand is {4_000 / budget:.1f} times that")
    assert cp.port_budget(ports, 1) > 10 * 4_000  # reuse after about 1 s: "on the order of 50,000 a second"
    busy = 4_000 * 0.005
    pinned(text, f"4,000 × 0.005 = {busy:.0f} connections busy on average")
    pinned(text, f"√20 ≈ {math.sqrt(busy):.1f}, so a bounded pool of 40 sits {(40 - busy) / math.sqrt(busy):.1f} "
                 "standard deviations")
    half_rtt = 0.3 / 2
    stalled = half_rtt + 40 + half_rtt + half_rtt + 2 + half_rtt  # header out, timer, ACK back, body out, serve, reply
    pinned(text, f"Latency ≈ 0.15 + 40 + 0.15 + 0.15 + 2 + 0.15 ≈ {stalled:.1f} ms")
    assert 18 < stalled / 2.3 < 19  # "more than eighteen times slower"
    pinned(text, "more than eighteen times slower")


def test_teaching_notes_numbers():
    # prose() leaves the teaching notes out; they quote the chapter's numbers, so check them against the formulas too.
    from listings import BOOK

    notes = " ".join((BOOK / CHAPTER).read_text(encoding="utf-8").split("{teaching-notes}")[1].split())
    assert f"(20,000 × 1 ms / 16 = {20_000 * 0.001 / 16:.2f} s)" in notes
    assert "at half a BDP (BBR 97.4%) and at 4 BDP (52.7%)" in notes
    assert "Incident: Bluesky AppView, April 2026" in notes


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_port_budget_rejects_bad_inputs(bad):
    with pytest.raises(ValueError):
        cp.port_budget(28_232, bad)
    with pytest.raises(ValueError):
        cp.port_budget(bad, 60)


def test_port_range_validation():
    for low, high in ((0, 10), (100, 99), (1, 65536)):
        with pytest.raises(ValueError):
            cp.linux_default_ports(low, high)


# --------------------------------------------------------------------------- the connection pool


class Backend:
    """Fake connections that count how many are alive, and fail on demand."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.alive = 0
        self.peak = 0
        self.serial = 0
        self.fail_next = 0

    def connect(self) -> int:
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                raise ConnectionError("refused")
            self.alive += 1
            self.peak = max(self.peak, self.alive)
            self.serial += 1
            return self.serial

    def close(self, conn) -> None:
        with self.lock:
            self.alive -= 1


def pool(kind=None, size=4, idle=30.0, clock=None, backend=None):
    backend = backend or Backend()
    kind = kind or cp.ConnectionPool
    return kind(backend.connect, backend.close, size, idle, clock=clock or FakeClock()), backend


def test_pool_reuses_most_recent_idle_connection():
    p, backend = pool()
    a, b = p.acquire(), p.acquire()
    p.release(a)
    p.release(b)
    assert p.acquire() == b  # most recent first, so the rest can age out
    assert p.stats() == {"opened": 2, "reused": 1, "closed": 0, "idle": 1}


def test_idle_connections_expire_and_are_closed():
    clock = FakeClock()
    p, backend = pool(clock=clock, idle=30)
    conns = [p.acquire() for _ in range(3)]
    for c in conns:
        p.release(c)
    clock.advance(30)
    fresh = p.acquire()
    assert fresh not in conns and backend.alive == 1
    assert p.stats()["closed"] == 3


def test_clock_jump_backwards_does_not_revive_a_connection():
    clock = FakeClock(1_000.0)
    p, backend = pool(clock=clock)
    c = p.acquire()
    p.release(c)
    clock.now = 10.0  # the clock went backwards: the entry's age is negative
    assert p.acquire() != c
    assert backend.alive == 1


def test_failed_connect_does_not_leak_a_slot():
    p, backend = pool(size=2)
    backend.fail_next = 5
    for _ in range(5):
        with pytest.raises(ConnectionError):
            p.acquire(timeout=0)
    held = [p.acquire(timeout=0), p.acquire(timeout=0)]  # both slots still there
    with pytest.raises(cp.PoolExhausted):
        p.acquire(timeout=0)
    p.release(held[0], broken=True)
    assert p.acquire(timeout=0) not in held and backend.alive == 2


def test_a_close_that_raises_does_not_leak_a_slot():
    # Closing an idle-expired connection whose peer reset it can raise; the caller's slot must survive that.
    clock = FakeClock()
    backend = Backend()

    def failing_close(conn) -> None:
        backend.close(conn)
        raise OSError("close failed")

    p = cp.ConnectionPool(backend.connect, failing_close, 2, 10.0, clock=clock)
    a, b = p.acquire(), p.acquire()
    p.release(a)
    p.release(b)
    clock.advance(11)  # both idle connections are now expired, and closing each raises
    first = p.acquire(timeout=0)
    second = p.acquire(timeout=0)  # both slots are still usable
    assert {first, second}.isdisjoint({a, b}) and backend.alive == 2
    assert p.stats()["closed"] == 2


def test_a_double_release_is_refused_and_never_lends_one_connection_twice():
    p, _ = pool(size=2)
    a, b = p.acquire(), p.acquire()
    p.release(a)
    with pytest.raises(ValueError):
        p.release(a)  # a caller bug: without the check the slot count now exceeds the connections
    with pytest.raises(ValueError):
        p.release(object(), broken=True)  # never lent by this pool
    x = p.acquire(timeout=0)
    with pytest.raises(cp.PoolExhausted):
        p.acquire(timeout=0)  # b is still lent: only one slot is free
    assert x == a
    p.release(b)
    assert p.acquire(timeout=0) == b != x


@pytest.mark.parametrize("kwargs", [dict(max_size=0), dict(max_size=2.5), dict(max_idle_s=math.nan),
                                    dict(max_idle_s=-1), dict(max_idle_s=math.inf)])
def test_pool_rejects_bad_parameters(kwargs):
    args = dict(connect=object, close=lambda c: None, max_size=2, max_idle_s=1.0) | kwargs
    with pytest.raises(ValueError):
        cp.ConnectionPool(**args)
    p, _ = pool()
    for bad in (math.nan, -1.0, math.inf):
        with pytest.raises(ValueError):
            p.acquire(timeout=bad)


def hammer(p, threads=12, rounds=300):
    """Threads borrow and return; returns (acquisitions, problems): connections seen lent twice, or exceptions."""
    lent, lent_lock, double = set(), threading.Lock(), []
    start = threading.Barrier(threads)

    def worker():
        start.wait()
        try:
            work()
        except Exception as error:  # a race that crashes (an index into an emptied list) is a failure too
            double.append(error)

    def work():
        for _ in range(rounds):
            c = p.acquire(timeout=5)  # a leaked slot fails with PoolExhausted instead of hanging
            with lent_lock:
                if c in lent:
                    double.append(c)
                lent.add(c)
            time.sleep(0)  # hold it while others run
            with lent_lock:
                lent.discard(c)
            p.release(c)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return threads * rounds, double


def test_many_threads_never_exceed_max_size_or_share_a_connection(fast_thread_switches):
    backend = Backend()
    p, _ = pool(cp.ConnectionPool, size=3, backend=backend, clock=lambda: 0.0)
    total, double = hammer(p)
    assert not double
    assert backend.peak <= 3
    s = p.stats()
    assert s["opened"] + s["reused"] == total


def yielding_clock() -> float:
    time.sleep(0)  # gives other threads the GIL inside the critical section, where a real clock read also may
    return 0.0


def test_the_lock_free_pool_lends_one_connection_twice(fast_thread_switches):
    # Without the lock, two threads read the same newest idle entry, both pop, and both use the entry they read.
    naive = without_lock(cp.ConnectionPool)
    doubled = False
    for _ in range(20):
        backend = Backend()
        p = naive(backend.connect, backend.close, 8, 30.0, clock=yielding_clock)
        _, double = hammer(p, threads=16, rounds=200)
        if double or backend.alive != p.stats()["idle"]:  # lent twice, or a popped entry lost
            doubled = True
            break
    assert doubled, "the harness should catch two threads taking the same idle connection"
    for _ in range(3):
        backend = Backend()
        p = cp.ConnectionPool(backend.connect, backend.close, 8, 30.0, clock=yielding_clock)
        _, double = hammer(p, threads=16, rounds=200)
        assert not double and backend.peak <= 8 and backend.alive == p.stats()["idle"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4), st.lists(st.tuples(st.sampled_from(["acq", "rel", "bad", "tick", "back"]),
                                             st.integers(0, 40)), max_size=60))
def test_pool_invariants_under_any_sequence(size, ops):
    clock = FakeClock(100.0)
    backend = Backend()
    p = cp.ConnectionPool(backend.connect, backend.close, size, 10.0, clock=clock)
    held = []
    for op, n in ops:
        if op == "acq":
            try:
                c = p.acquire(timeout=0)
            except cp.PoolExhausted:
                assert len(held) == size
                continue
            assert c not in held  # never lent twice
            held.append(c)
        elif op in ("rel", "bad") and held:
            p.release(held.pop(n % len(held)), broken=(op == "bad"))
        elif op == "tick":
            clock.advance(n)
        elif op == "back":
            clock.now -= n
        s = p.stats()
        assert backend.alive == s["opened"] - s["closed"] <= size
        assert s["idle"] + len(held) == backend.alive


# --------------------------------------------------------------------------- exercise 4: the lifetime pool


def lifetime_pool(size=3, lifetime=60.0, jitter=0.0, clock=None, backend=None, seed=1):
    backend = backend or Backend()
    p = life.LifetimePool(backend.connect, backend.close, size, 1_000.0, lifetime, jitter=jitter,
                          clock=clock or FakeClock(), rng=random.Random(seed))
    return p, backend


def test_lifetime_pool_reuses_young_and_retires_old_connections():
    clock = FakeClock()
    p, backend = lifetime_pool(clock=clock)
    c = p.acquire()
    p.release(c)
    clock.advance(59)
    assert p.acquire() == c
    p.release(c)
    clock.advance(1)
    d = p.acquire()
    assert d != c and p.retired == 1 and backend.alive == 1
    assert p.stats()["closed"] == 1


def test_lifetime_jitter_bounds():
    clock = FakeClock()
    p, _ = lifetime_pool(size=50, lifetime=100.0, jitter=0.5, clock=clock)
    conns = [p.acquire() for _ in range(50)]
    deadlines = [p._born[id(c)][1] + p._born[id(c)][2] for c in conns]  # opened at + lifetime
    assert all(50.0 <= d <= 100.0 for d in deadlines)
    assert len(set(deadlines)) > 40  # spread, not one instant


@pytest.mark.parametrize("kwargs", [dict(lifetime=0), dict(lifetime=math.nan), dict(jitter=1.0),
                                    dict(jitter=-0.1)])
def test_lifetime_pool_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        lifetime_pool(**kwargs)


def test_lifetime_pool_under_threads_respects_the_bound(fast_thread_switches):
    backend = Backend()
    ticks = iter(range(10**9))
    lock = threading.Lock()

    def clock():  # every call is a tick: connections age while threads race
        with lock:
            return next(ticks) / 10

    p = life.LifetimePool(backend.connect, backend.close, 3, 1_000.0, 5.0, jitter=0.2, clock=clock,
                          rng=random.Random(3))
    total, double = hammer(p, threads=8, rounds=200)
    assert not double and backend.peak <= 3
    assert p.retired > 0
    assert backend.alive == p.stats()["opened"] - p.stats()["closed"]


def test_lifetime_pool_failed_connect_does_not_leak_a_slot():
    backend = Backend()
    p, _ = lifetime_pool(size=2, backend=backend)
    backend.fail_next = 3
    for _ in range(3):
        with pytest.raises(ConnectionError):
            p.acquire(timeout=0)
    assert p.acquire(timeout=0) != p.acquire(timeout=0)


class ArmedClock(FakeClock):
    """A fake clock that raises on one chosen call: an exception after the pool has already taken a slot."""

    def __init__(self, fail_on_call: int) -> None:
        super().__init__()
        self.calls, self.fail_on_call = 0, fail_on_call

    def __call__(self) -> float:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("clock failed")
        return self.now


def test_lifetime_pool_exception_after_taking_a_connection_frees_its_slot():
    backend = Backend()
    clock = ArmedClock(fail_on_call=2)  # call 1 stamps the new connection; call 2 is the lifetime check
    p = life.LifetimePool(backend.connect, backend.close, 1, 1_000.0, 60.0, jitter=0.0, clock=clock)
    with pytest.raises(RuntimeError):
        p.acquire(timeout=0)
    assert p.acquire(timeout=0) is not None and backend.alive == 1  # the one slot is usable again


def test_lifetime_pool_distrusts_a_clock_that_went_backwards():
    clock = FakeClock(1_000.0)
    p, backend = lifetime_pool(clock=clock)
    c = p.acquire()
    clock.now = 10.0  # the clock jumped back while c was lent: its age is negative, so it is not trusted
    p.release(c)
    assert p.acquire() != c and p.retired == 1 and backend.alive == 1


def test_a_pool_without_retirement_fails_the_lifetime_test(monkeypatch):
    # Run the exercise's own test against a LifetimePool that never retires: it must fail.
    class NoRetirement(life.LifetimePool):
        def acquire(self, timeout=None):
            return cp.ConnectionPool.acquire(self, timeout)

    monkeypatch.setattr(life, "LifetimePool", NoRetirement)
    with pytest.raises(AssertionError):
        test_lifetime_pool_reuses_young_and_retires_old_connections()


# --------------------------------------------------------------------------- the bottleneck simulation


def test_simulation_is_seeded_and_deterministic():
    runs = [sim.simulate([sim.BBR("b", 40), sim.Reno("r", 40)], buffer=200, ticks=4_000, seed=7) for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("kwargs", [dict(link=0), dict(buffer=-1), dict(ticks=0), dict(link=1.5),
                                    dict(buffer=True)])
def test_simulation_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        sim.simulate([sim.Reno("r", 40)], **kwargs)
    with pytest.raises(ValueError):
        sim.simulate([])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 12), st.integers(0, 300), st.lists(st.tuples(st.booleans(), st.integers(1, 60)),
                                                          min_size=1, max_size=3), st.integers(0, 10**6))
def test_packets_are_conserved_and_the_link_is_never_exceeded(link, buffer, specs, seed):
    flows = [sim.BBR(f"b{i}", rtt) if is_bbr else sim.Reno(f"r{i}", rtt) for i, (is_bbr, rtt) in enumerate(specs)]
    result = sim.simulate(flows, link=link, buffer=buffer, ticks=1_500, seed=seed)
    for f in flows:
        assert f.delivered + f.lost + f.inflight == f.sent
        assert f.inflight >= 0
    assert max(result["queue"]) <= buffer
    for delivered in result["delivered"]:  # one flow's ACKs trail the link's departures by a fixed RTT
        assert max(delivered) <= link
    assert sum(map(sum, result["delivered"])) <= link * 1_500


def test_each_sender_alone():
    bbr = sim.simulate([sim.BBR("b", 40)], buffer=1_600)
    reno = sim.simulate([sim.Reno("r", 40)], buffer=1_600)
    # BBR fills the link with a small queue; Reno fills the link by filling the buffer.
    assert sum(bbr["delivered"][0][10_000:]) / 200_000 > 0.97
    assert sum(bbr["queue"][10_000:]) / 20_000 < 20
    assert sum(reno["queue"][10_000:]) / 20_000 > 800


@pytest.fixture(scope="module")
def share_script():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "diagrams" / "m2_net_bbr_share.py"
    spec = importlib.util.spec_from_file_location("m2_net_bbr_share_for_tests", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sweep(share_script):
    return {row[0]: row for row in share_script.sweep()}


def test_deep_buffer_shares_do_not_depend_on_the_seed(share_script, sweep):
    # The run must be long enough that Reno's sawtooth (one cycle lasts minutes at 4 BDP) averages out: the share
    # the prose quotes (seed 1) must be what other seeds give too, not a phase of one slow cycle.
    for size, seed in ((2, 2), (4, 3)):  # each differed by 14 to 29 points from seed 1 in the former 30 s run
        # seeds 1 to 8 span 5.4 points at 4 BDP; the 30 s run was off by 14 to 29 points
        assert abs(share_script.mixed_share(size, seed) - sweep[size][1]) < 0.06, (size, seed)


def test_simulation_numbers_in_text(text, sweep, share_script):
    assert share_script.run_length(2) == (300_000, 100_000) and share_script.run_length(1) == (60_000, 10_000)
    pinned(text, "With buffers of 2 BDP and more it runs 300 s and measures seconds 100 to 300; with shallower ones, "
                 "60 s from second 10")
    pinned(text, f"With a buffer of half a BDP, BBR takes {sweep[0.5][1]:.1%} of the link")
    pinned(text, f"At 4 BDP the BBR flow gets {sweep[4][1]:.1%}, and at 8 BDP {sweep[8][1]:.1%}")
    pinned(text, f"to {sweep[4][1]:.1%} at 4 BDP (a test reruns two of them)")
    pinned(text, f"at 4 BDP is {sweep[4][3]:.0f} ms against {sweep[4][2]:.1f} ms for BBR")
    shallow = [sweep[s][1] for s in (0.125, 0.25, 0.5, 1)]
    assert 0.97 <= min(shallow) and max(shallow) <= 0.99  # alt text: "about 97 to 99 percent"
    assert 0.45 < sweep[8][1] < sweep[4][1] < 0.55  # "approach an even split", "about half"
    pinned(text, f"{sweep[2][1]:.0%} at two, {sweep[4][1]:.0%} at four and {sweep[8][1]:.0%} at eight".replace("%", " percent"))
    pinned(text, f"about {sweep[1][3]:.0f} ms at one BDP, {sweep[4][3]:.0f} ms at four and {sweep[8][3]:.0f} ms at eight")
    assert all(0.4 < sweep[s][2] < 1.5 for s in sweep)  # "BBR stays near 1 ms or below"
    pinned(text, "BBR stays near 1 ms or below at every size")
    # Reno alone at 4 BDP: the window climbs from (BDP + buffer) / 2 to BDP + buffer, one packet per RTT, and the RTT
    # grows from 40 ms + (window - BDP) / 10 packets per ms; the climb takes about 150 s.
    top = 400 + 1_600
    rtts = [40 + (w - 400) / 10 for w in range(top // 2, top)]
    assert round(sum(rtts) / 1000, -1) == 150
    pinned(text, "those 1,000 round trips of 100 to 200 ms take about 150 s")


def test_bbr_v1_loses_more_than_reno_in_shallow_buffers(text):
    r = sim.simulate([sim.BBR("b", 40), sim.Reno("r", 40)], buffer=50)
    assert r["lost"][0] > 5 * r["lost"][1]
    pinned(text, "the BBR flow lost far more packets than the Reno flow with shallow buffers")
