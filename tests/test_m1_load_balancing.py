"""Tests for the load-balancing chapter: its forwarding-table listing, the second-chance exercise solution, the two
plot simulations, and every derived number in the prose.

The listing tests attack it the way a reviewer would: backend churn (adds, drains, removals, failures) against the
naive hash % N, many threads forwarding while another changes the backend set (and the same with the lock taken
out, which must fail), clocks that jump forwards and backwards, a full table, NaN/inf/negative settings, and a
property-based test (hypothesis) of the table's invariant over random sequences of packets and changes.
"""
from __future__ import annotations

import math
import random
import runpy
import threading
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from listings import BOOK, FakeClock, chapter_text, load_listing, pinned, prose, without_lock

CHAPTER = "m1-scalability/load-balancing.md"
lb = load_listing("m1-scalability/code/l4_forwarding.py")
sc = load_listing("m1-scalability/code/solutions/second_chance.py")
DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


def make_flows(n: int, seed: int = 3) -> list:
    rng = random.Random(seed)
    return [lb.Flow(f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}", rng.randrange(1024, 65536),
                    "203.0.113.10", 443) for _ in range(n)]


BACKENDS = [f"b{i:02d}" for i in range(20)]


# --------------------------------------------------------------------------- the listing under churn


def test_modulo_breaks_most_connections_and_the_table_only_the_removed_backends():
    flows = make_flows(5_000)
    table = lb.ForwardingTable(BACKENDS, clock=FakeClock())
    home = {f: table.forward(f) for f in flows}
    naive_before = {f: lb.modulo_pick(f, BACKENDS) for f in flows}
    # A backend fails.
    table.remove_backend("b19")
    after = BACKENDS[:-1]
    naive_broken = sum(lb.modulo_pick(f, after) != naive_before[f] for f in flows) / len(flows)
    assert naive_broken > 0.8
    moved = [f for f in flows if table.forward(f) != home[f]]
    assert set(moved) == {f for f in flows if home[f] == "b19"}  # exactly the dead backend's flows
    assert len(moved) / len(flows) == pytest.approx(1 / 20, abs=0.015)


def test_adding_backends_breaks_nothing_with_connection_tracking():
    flows = make_flows(5_000)
    table = lb.ForwardingTable(BACKENDS, clock=FakeClock())
    home = {f: table.forward(f) for f in flows}
    stateless_moved = 0
    for extra in ("b20", "b21", "b22"):
        table.add_backend(extra)
    for f in flows:
        assert table.forward(f) == home[f]
        stateless_moved += lb.rendezvous_pick(f, BACKENDS + ["b20", "b21", "b22"]) != home[f]
    # Without the table, a consistent hash would have moved about 3/23 of them.
    assert stateless_moved / len(flows) == pytest.approx(3 / 23, abs=0.02)
    # New flows do reach the new backends.
    new = make_flows(3_000, seed=99)
    assert {"b20", "b21", "b22"} <= {table.forward(f) for f in new}


def test_a_second_director_agrees_on_untracked_flows_while_the_backend_set_is_unchanged():
    # ECMP moves a flow to another director: no entry there, but the same consistent hash names the same backend.
    flows = make_flows(2_000)
    d1, d2 = (lb.ForwardingTable(BACKENDS, clock=FakeClock()) for _ in range(2))
    assert all(d1.forward(f) == d2.forward(f) for f in flows)
    # After a backend is added to both, flows that move between directors break where the hash changed: the
    # failure path of the chapter's sequence diagram.
    d3 = lb.ForwardingTable(BACKENDS, clock=FakeClock())
    home = {f: d3.forward(f) for f in flows}
    d4 = lb.ForwardingTable(BACKENDS + ["b20"], clock=FakeClock())
    broken = sum(d4.forward(f) != home[f] for f in flows)
    assert 0 < broken < len(flows) * 0.1


def test_drain_keeps_tracked_flows_and_refuses_new_ones():
    flows = make_flows(3_000)
    table = lb.ForwardingTable(BACKENDS, clock=FakeClock())
    home = {f: table.forward(f) for f in flows}
    table.drain_backend("b03")
    assert all(table.forward(f) == home[f] for f in flows)  # b03's flows included
    assert "b03" not in {table.forward(f) for f in make_flows(3_000, seed=42)}
    assert table.backends() == (frozenset(BACKENDS) - {"b03"}, frozenset({"b03"}))
    table.remove_backend("b03")  # end of drain
    assert all(table.forward(f) != "b03" for f in flows)
    table.add_backend("b03")  # back in service
    assert table.backends()[1] == frozenset()


def test_idle_entries_expire_and_a_clock_stepping_back_expires_nothing_early():
    clock = FakeClock(1_000.0)
    table = lb.ForwardingTable(["a", "b"], idle_timeout=60, clock=clock)
    flow = make_flows(1)[0]
    table.forward(flow)
    clock.now = 900.0  # stepped back 100 s
    assert table.expire() == 0
    clock.now = 1_050.0  # 50 s after the latest time seen: still within the timeout
    assert table.expire() == 0 and table.tracked() == 1
    clock.now = 1_111.0  # 111 s after its packet at 1,000: idle past the 60 s timeout
    assert table.expire() == 1 and table.tracked() == 0
    # A jump forward of a day expires everything idle, once.
    table.forward(flow)
    clock.now += 86_400
    assert table.expire() == 1


def test_an_idle_flow_is_treated_as_new_on_its_next_packet():
    clock = FakeClock()
    table = lb.ForwardingTable(["a", "b", "c"], idle_timeout=10, clock=clock)
    flows = make_flows(300)
    home = {f: table.forward(f) for f in flows}
    table.add_backend("d")
    clock.now = 11.0
    # Past the timeout the entry is gone, so the hash over the new set decides: some flows move to d.
    assert any(table.forward(f) != home[f] for f in flows)


def test_a_full_table_forwards_by_hash_and_never_grows_past_its_limit():
    table = lb.ForwardingTable(BACKENDS, max_entries=100, clock=FakeClock())
    flows = make_flows(1_000)
    picks = [table.forward(f) for f in flows]
    assert table.tracked() == 100
    assert picks == [lb.rendezvous_pick(f, BACKENDS) for f in flows]  # untracked flows still land consistently
    zero = lb.ForwardingTable(BACKENDS, max_entries=0, clock=FakeClock())
    zero.forward(flows[0])
    assert zero.tracked() == 0


@pytest.mark.parametrize("bad", [dict(idle_timeout=math.nan), dict(idle_timeout=math.inf), dict(idle_timeout=0),
                                 dict(idle_timeout=-5), dict(idle_timeout="60"), dict(max_entries=-1),
                                 dict(max_entries=1.5), dict(max_entries=True), dict(max_entries=math.inf)])
def test_rejects_bad_settings(bad):
    with pytest.raises(ValueError):
        lb.ForwardingTable(["a"], **bad)


def test_no_backend_to_take_a_new_flow_is_an_error_not_a_silent_drop():
    table = lb.ForwardingTable(["a"], clock=FakeClock())
    flow = make_flows(1)[0]
    assert table.forward(flow) == "a"
    table.drain_backend("a")
    assert table.forward(flow) == "a"  # tracked flow continues on the draining backend
    with pytest.raises(LookupError):
        table.forward(make_flows(1, seed=8)[0])
    with pytest.raises(LookupError):
        lb.modulo_pick(flow, [])


def test_hash_is_stable_across_processes():
    # Python's hash() is salted per process; two directors using it would disagree. The listing must not.
    flow = lb.Flow("198.51.100.7", 40000, "203.0.113.10", 443)
    assert lb._h(*flow) == lb._h("198.51.100.7", 40000, "203.0.113.10", 443, "tcp")
    assert lb.rendezvous_pick(flow, ["x", "y", "z"]) == lb.rendezvous_pick(flow, ["z", "y", "x"])




TableWithoutLock = without_lock(lb.ForwardingTable)


def churn_under_threads(kind, rounds: int = 30) -> int:
    """Threads forward packets of one set of flows while another thread adds, drains and removes backends.
    Returns how many rounds saw an error or a tracked flow changing backend while its backend stayed alive."""
    bad_rounds = 0
    for r in range(rounds):
        table = kind([f"b{i}" for i in range(8)], clock=FakeClock())
        flows = make_flows(200, seed=r)
        home = {f: table.forward(f) for f in flows}
        errors, start = [], threading.Barrier(5)

        def forwarder(table=table, flows=flows, home=home, errors=errors, start=start, r=r) -> None:
            start.wait()
            fresh = make_flows(400, seed=1_000 + r)
            try:
                for i in range(20):
                    for f in flows:
                        got = table.forward(f)
                        if got != home[f]:  # its backend is never removed below, so it must not move
                            errors.append(("moved", f))
                    for f in fresh[i * 20:(i + 1) * 20]:  # new flows: the hash iterates the backend set
                        table.forward(f)
            except Exception as exc:  # noqa: BLE001 - the test counts what the race produced
                errors.append(exc)

        def changer(table=table, start=start, errors=errors) -> None:
            start.wait()
            try:
                for i in range(300):
                    table.add_backend(f"n{i}")
                    table.drain_backend(f"n{i}")
                    table.remove_backend(f"n{i}")
            except Exception as exc:  # noqa: BLE001 - the test counts what the race produced
                errors.append(exc)

        threads = [threading.Thread(target=forwarder) for _ in range(4)] + [threading.Thread(target=changer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bad_rounds += bool(errors)
    return bad_rounds


def test_forwarding_is_safe_while_another_thread_changes_the_backend_set(fast_thread_switches):
    # The harness sees the race: without the lock, iterating the backend set while it changes raises, or a
    # removal's rebuild of the flow table loses concurrent updates.
    assert churn_under_threads(TableWithoutLock) > 0
    assert churn_under_threads(lb.ForwardingTable) == 0


# The review's attacks (load-balancing-review.md, findings 4, 5, 6 and 16): each test names the naive version it kills.


def test_a_full_table_reclaims_idle_entries_before_refusing_new_flows():
    # Kills: a table that frees entries only when someone calls expire(). It fills once with dead flows and then
    # forwards every new flow untracked, so the next backend addition moves live flows.
    clock = FakeClock()
    table = lb.ForwardingTable(BACKENDS, idle_timeout=300, max_entries=100, clock=clock)
    old = make_flows(100, seed=1)
    for f in old:  # connections that closed long ago; nobody called expire()
        table.forward(f)
    busy = old[0]  # the oldest entry stays busy: reclaiming must look past it, in least-recently-seen order
    for _ in range(12):
        clock.now += 300
        table.forward(busy)
    new = make_flows(50, seed=2)
    home = {f: table.forward(f) for f in new}
    assert table.tracked() == 51 and busy in table._flows
    table.add_backend("b20")
    assert all(table.forward(f) == home[f] for f in new)


def test_a_full_table_of_live_flows_still_refuses_new_entries():
    clock = FakeClock()
    table = lb.ForwardingTable(BACKENDS, idle_timeout=300, max_entries=100, clock=clock)
    live = make_flows(100, seed=1)
    for f in live:
        table.forward(f)
    clock.now += 299  # all still within the timeout: nothing may be reclaimed
    for f in make_flows(50, seed=2):
        table.forward(f)
    assert table.tracked() == 100 and all(f in table._flows for f in live)


def test_a_busy_flow_never_expires():
    # Kills: forward() not refreshing last-seen on a hit (entries would expire idle_timeout after the FIRST packet).
    clock = FakeClock()
    table = lb.ForwardingTable(BACKENDS, idle_timeout=10, clock=clock)
    flows = make_flows(2_000)
    home = {f: table.forward(f) for f in flows}
    table.add_backend("b20")
    for _ in range(5):  # a packet every 8 s, 40 s in all, always under the 10 s timeout
        clock.now += 8
        assert all(table.forward(f) == home[f] for f in flows)
        table.expire()


def test_a_transient_backward_reading_expires_nothing_early():
    # Kills: a tick that trusts every reading (self._now = self._clock()). The flow's last packet was at 1,000.
    clock = FakeClock(1_000.0)
    table = lb.ForwardingTable(["a", "b"], idle_timeout=60, clock=clock)
    flow = make_flows(1)[0]
    table.forward(flow)
    clock.now = 900.0  # one bad reading
    table.forward(flow)
    clock.now = 1_030.0
    assert table.expire() == 0 and table.tracked() == 1


def test_a_non_finite_clock_reading_is_rejected():
    # Kills: a tick that stores NaN or inf, after which every idle computation is NaN and entries are re-hashed.
    for bad in (math.nan, math.inf, -math.inf):
        table = lb.ForwardingTable(["a", "b"], clock=FakeClock(bad))
        with pytest.raises(ValueError):
            table.forward(make_flows(1)[0])


def test_removing_a_backend_frees_its_entries():
    # Kills: remove_backend without the purge (a leak that nothing else sees).
    table = lb.ForwardingTable(BACKENDS, clock=FakeClock())
    flows = make_flows(2_000)
    on_b07 = sum(table.forward(f) == "b07" for f in flows)
    table.remove_backend("b07")
    assert on_b07 > 0 and table.tracked() == len(flows) - on_b07


def test_drain_then_add_is_active_only():
    # Kills: add_backend without removing the backend from the draining set.
    table = lb.ForwardingTable(["a", "b"], clock=FakeClock())
    table.drain_backend("a")
    table.add_backend("a")
    assert table.backends() == (frozenset({"a", "b"}), frozenset())


def test_idle_boundary_is_inclusive():
    # Kills: < instead of <= in forward(), and >= instead of > in expire(): idle for exactly the timeout is kept.
    clock = FakeClock()
    table = lb.ForwardingTable(["a", "b", "c"], idle_timeout=60, clock=clock)
    flows = make_flows(300)
    home = {f: table.forward(f) for f in flows}
    table.add_backend("d")
    clock.now = 60.0
    assert table.expire() == 0 and table.tracked() == len(flows)
    assert all(table.forward(f) == home[f] for f in flows)


@pytest.mark.parametrize("bad", ["abc", b"ab", ["a", 7], ["a", ""], None])
def test_backends_must_be_a_collection_of_names(bad):
    # Kills: set(backends) on a string, which makes the backends "a", "b" and "c".
    with pytest.raises((TypeError, ValueError)):
        lb.ForwardingTable(bad)


OPS = st.lists(st.one_of(
    st.tuples(st.just("packet"), st.integers(0, 39)),
    st.tuples(st.just("add"), st.integers(0, 11)),
    st.tuples(st.just("drain"), st.integers(0, 11)),
    st.tuples(st.just("remove"), st.integers(0, 11)),
    st.tuples(st.just("clock"), st.floats(-100, 100, allow_nan=False)),
    st.tuples(st.just("expire"), st.just(0)),
), max_size=120)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, max_entries=st.integers(0, 50))
def test_property_tracked_flows_stay_put_while_their_backend_lives(ops, max_entries):
    clock = FakeClock(0.0)
    table = lb.ForwardingTable([f"b{i}" for i in range(4)], idle_timeout=30, max_entries=max_entries, clock=clock)
    flows = make_flows(40, seed=1)
    model: dict = {}  # flow -> (backend, last time seen), for flows the table tracked
    latest = 0.0
    for op, arg in ops:
        active, draining = table.backends()
        if op == "packet":
            flow = flows[arg]
            if not active and not (flow in model and model[flow][0] in draining):
                continue
            got = table.forward(flow)
            if flow in model and model[flow][0] in active | draining and latest - model[flow][1] <= 30:
                assert got == model[flow][0]  # the invariant: a live, recent tracked flow never moves
                model[flow] = (got, latest)
            else:
                assert got in active  # a new flow goes only to an active backend
                model.pop(flow, None)
                if flow in table._flows:  # tracked now (the table had room)
                    model[flow] = (got, latest)
        elif op == "add":
            table.add_backend(f"b{arg}")
        elif op == "drain":
            table.drain_backend(f"b{arg}")
        elif op == "remove":
            table.remove_backend(f"b{arg}")
            model = {f: e for f, e in model.items() if e[0] != f"b{arg}"}
        elif op == "clock":
            clock.now += arg
            latest = max(latest, clock.now)
        else:
            table.expire()
            model = {f: e for f, e in model.items() if latest - e[1] <= 30}
        assert table.tracked() <= max_entries


# --------------------------------------------------------------------------- the second-chance solution


def established(proxies: dict, table, flows) -> dict:
    where = {}
    for f in flows:
        where[f] = sc.deliver(table, proxies, f, syn=True)
    return where


def test_second_chance_survives_adding_a_proxy_where_a_stateless_table_breaks_a_ninth():
    names = [f"p{i}" for i in range(8)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(5_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    proxies["p8"] = sc.Proxy("p8")
    table = sc.build_table({**{n: "active" for n in names}, "p8": "filling"})
    for f in flows:
        assert sc.deliver(table, proxies, f) == where[f]  # every established flow still reaches its proxy
    # Without the second hop, the new primaries would not know about 1/9 of the flows.
    primaries_wrong = sum(table[sc._h(f[0]) % len(table)][0] != where[f] for f in flows) / len(flows)
    assert primaries_wrong == pytest.approx(1 / 9, abs=0.03)


def test_second_chance_drains_a_proxy_without_resetting_its_connections():
    names = [f"p{i}" for i in range(8)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(4_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    table = sc.build_table({n: ("draining" if n == "p2" else "active") for n in names})
    assert all(sc.deliver(table, proxies, f) == where[f] for f in flows)
    fresh = [(f.src_ip, f.src_port) for f in make_flows(4_000, seed=77)]
    assert "p2" not in {sc.deliver(table, proxies, f, syn=True) for f in fresh}


def test_two_changes_at_once_reset_connections_which_is_why_glb_forbids_them():
    names = [f"p{i}" for i in range(8)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(5_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    with pytest.raises(ValueError):
        sc.build_table({**{n: "active" for n in names}, "p8": "filling", "p9": "filling"})
    proxies.update(p8=sc.Proxy("p8"), p9=sc.Proxy("p9"))
    both_active = sc.build_table({n: "active" for n in [*names, "p8", "p9"]})
    resets = sum(sc.deliver(both_active, proxies, f) is None for f in flows)
    assert resets > 0  # rows where both new proxies rank first push the old primary out of reach
    assert all(sc.deliver(both_active, proxies, f) in (where[f], None) for f in flows)


def test_a_failed_proxy_loses_its_connections_and_only_those():
    names = [f"p{i}" for i in range(6)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(3_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    del proxies["p4"]
    table = sc.build_table({n: "active" for n in names if n != "p4"})
    for f in flows:
        got = sc.deliver(table, proxies, f)
        assert (got is None) == (where[f] == "p4")


def test_second_chance_changes_wait_for_the_longest_connection():
    # The review's attack (finding 7): build_table sees one table, not time. p8 is added, promoted to active and p9
    # added straight away; every table passes build_table's one-at-a-time check, yet old flows whose primary is
    # now third are reset. ProxyStates refuses a change sooner than the longest connection after the last one.
    names = [f"p{i}" for i in range(8)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(20_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    proxies.update(p8=sc.Proxy("p8"), p9=sc.Proxy("p9"))
    bypass = sc.build_table({**{n: "active" for n in names}, "p8": "active", "p9": "filling"})
    assert sum(sc.deliver(bypass, proxies, f) != where[f] for f in flows) > 0  # the attack, without the gate
    clock = FakeClock(0.0)
    states = sc.ProxyStates({n: "active" for n in names}, max_connection_age=3_600, clock=clock)
    table = states.change("p8", "filling")
    assert all(sc.deliver(table, proxies, f) == where[f] for f in flows)
    clock.now = 10.0
    with pytest.raises(ValueError):
        states.change("p8", "active")  # too soon: connections that began before the last change are still open
    clock.now = 3_600.0
    states.change("p8", "active")
    clock.now = 3_601.0
    with pytest.raises(ValueError):
        states.change("p9", "filling")
    assert states.states()["p8"] == "active" and "p9" not in states.states()
    clock.now = 7_200.0
    states.change("p9", "filling")
    states_ok = sc.ProxyStates({"a": "active", "b": "active"}, max_connection_age=1, clock=FakeClock())
    with pytest.raises(ValueError):
        states_ok.change("a", "gone")  # not a state; the table is unchanged
    assert states_ok.states() == {"a": "active", "b": "active"}
    for bad in (0, -1, math.nan, math.inf, True):
        with pytest.raises(ValueError):
            sc.ProxyStates({"a": "active", "b": "active"}, max_connection_age=bad, clock=FakeClock())


@pytest.mark.parametrize("bad", [dict(proxies={"a": "active"}), dict(proxies={"a": "active", "b": "gone"}),
                                 dict(proxies={"a": "active", "b": "active"}, rows=0),
                                 dict(proxies={"a": "active", "b": "active"}, rows=True)])
def test_second_chance_rejects_bad_tables(bad):
    with pytest.raises(ValueError):
        sc.build_table(**bad)


# --------------------------------------------------------------------------- the plots and the prose numbers


def tex(n: float, digits: int = 0) -> str:
    """A number as the chapter's math writes it: 6,000,000 -> 6{,}000{,}000."""
    return f"{n:,.{digits}f}".replace(",", "{,}")


def script(name: str) -> dict:
    return runpy.run_path(str(DIAGRAMS / f"{name}.py"), run_name=f"{name}_test")


def test_churn_plot_agrees_with_the_listing_and_the_prose(text):
    sim = script("m1_lb_churn")
    work = sim["flows"]()
    backends = [f"b{i:02d}" for i in range(20)]
    # The figure's hash and rendezvous are the listing's.
    for f in work[:500]:
        assert sim["rendezvous"](f, backends) == lb.rendezvous_pick(lb.Flow(*f), backends)
        assert sim["modulo"](f, backends) == lb.modulo_pick(lb.Flow(*f), backends)
    # The figure's "conntrack" line is what the listing's table does.
    table = lb.ForwardingTable(backends, clock=FakeClock())
    home = {f: table.forward(lb.Flow(*f)) for f in work}
    table.add_backend("b20")
    assert all(table.forward(lb.Flow(*f)) == home[f] for f in work)
    assert sim["broken_fraction"]("conntrack", "add", 1, workload=work) == 0
    remove_mod = sim["broken_fraction"]("modulo", "remove", 1, workload=work)
    remove_cons = sim["broken_fraction"]("rendezvous", "remove", 1, workload=work)
    assert remove_cons == sim["broken_fraction"]("conntrack", "remove", 1, workload=work)
    add_mod = sim["broken_fraction"]("modulo", "add", 1, workload=work)
    add_cons = sim["broken_fraction"]("rendezvous", "add", 1, workload=work)
    pinned(text, f"Removing one backend breaks {remove_mod:.1%} of connections with modulo hashing and "
                 f"{remove_cons:.1%} (the removed backend's own share")
    pinned(text, f"Adding one backend breaks {add_mod:.1%} with modulo, {add_cons:.1%} with a stateless consistent hash")
    pinned(text, f"{len(work):,} established flows over {len(backends)} backends")


def test_h2_imbalance_numbers(text):
    sim = script("m1_lb_h2_imbalance")
    one, four, l7 = (sim["peak_to_mean"](100, c) for c in (1, 4, None))
    pinned(text, f"the busiest backend carries on average {one:.2f} times the mean load")
    pinned(text, f"opening four connections per client only brings that to {four:.2f}")
    pinned(text, f"An L7 balancer placing each request brings it to {l7:.2f}")
    assert l7 < four < one


def test_line_rate_and_modulo_arithmetic(text):
    pinned(text, f"= {1e10 / (84 * 8) / 1e6:.2f}$ million packets a second")  # 14.88
    # A flow keeps its backend under modulo iff h mod N == h mod N'; count residues of h mod lcm.
    def kept(n, m):
        lcm = n * m // math.gcd(n, m)
        return Fraction(sum(r % n == r % m for r in range(lcm)), lcm)
    assert kept(10, 11) == Fraction(1, 11)
    pinned(text, f"so 1/11 of flows stay and {float(1 - kept(10, 11)):.1%} of established connections break")
    connections = 1_000_000
    pinned(text, f"\\times 10/11 = {tex(float(connections * (1 - kept(10, 11))))}$ broken")  # 909,091
    pinned(text, f"about {connections / 11:,.0f} broken")  # 90,909
    assert kept(10, 9) == Fraction(1, 10)
    pinned(text, f"so 10% stay and {float(connections * (1 - kept(10, 9))):,.0f} break")  # 900,000
    pinned(text, f"only the failed backend's flows, about {connections // 10:,}")


def test_grpc_worked_example_numbers(text):
    big, small = 4 * 5_000, 200 * 50
    total = big + small
    pinned(text, f"$4 \\times 5{{,}}000 + 200 \\times 50 = {tex(total)}$")
    mean = total / 10
    assert mean / 4_500 == pytest.approx(2 / 3)
    pinned(text, f"a mean of {mean:,.0f} per backend, {mean / 4_500:.0%} of capacity")
    distinct = Fraction(10 * 9 * 8 * 7, 10**4)
    pinned(text, f"10^4 = {float(distinct):.3f}$")
    pinned(text, f"with probability {1 - float(distinct):.3f}")
    one = 5_000 + small / 10
    two = 2 * 5_000 + small / 10
    pinned(text, f"about 5,000 + 1,000 = {one:,.0f} requests/s")
    pinned(text, f"{one / mean:.1f} times the mean; one holding two carries about {two:,.0f}, {two / mean:.2f}")


WORDS = {6: "Six", 18: "eighteen"}


def test_sizing_worked_example_numbers(text):
    # Directors: 24 Gbps of ingress at 600-byte packets; 10 Gbps NICs forwarding 6 Mpps; everything at 70%; N+2.
    pps = 24e9 / (600 * 8)
    pinned(text, f"(600 \\times 8) = {pps / 1e6:.1f}$ million a second")
    by_packets = math.ceil(pps / (0.7 * 6e6))
    pinned(text, f"at 70% of 6 million per machine, {by_packets} machines")
    pinned(text, f"$24 / 7 = {24 / 7:.2f}$, so {math.ceil(24 / 7)} machines")
    directors = max(by_packets, math.ceil(24 / (10 * 0.7))) + 2
    pinned(text, f"{math.ceil(24 / 7)} plus 2 spares is **{directors} directors**")
    no_dsr = 24 + 240
    pinned(text, f"$264 / 7 = {no_dsr / 7:.2f}$, {math.ceil(no_dsr / 7)} machines plus 2, **{math.ceil(no_dsr / 7) + 2} directors**")
    # Connection tracking: Little's Law on flows, and on entries, which outlive their flow by the idle timeout.
    flows = 150_000 * 40
    pinned(text, f"$150{{,}}000 \\times 40 = {tex(flows)}$ flows are open at once")
    idle = 300  # the listing's default idle_timeout
    assert lb.ForwardingTable(["a"]).__dict__["_idle"] == idle
    entries = 150_000 * (40 + idle)
    pinned(text, f"$150{{,}}000 \\times (40 + 300) = {tex(entries)}$ entries, {entries // 4:,} per working director, "
                 f"about {entries // 4 * 100 / 1e9:.1f} GB")
    assert lb.ForwardingTable(["a"]).__dict__["_max"] == 1_000_000 < entries // 4
    pinned(text, "not left at the listing's default of 1,000,000")
    # Proxies: handshakes on CPU, then bandwidth in both directions (responses in from the service and out again).
    handshakes = 150_000 * 0.6
    pinned(text, f"$150{{,}}000 \\times 0.6 = {tex(handshakes)}$ a second")
    cores = handshakes / 1_500 / 0.6
    assert cores == pytest.approx(100)
    pinned(text, f"${cores:.0f} / 32 = {cores / 32:.3f}$, so {math.ceil(cores / 32)} proxies")
    each_way = 24 + 240
    by_bandwidth = math.ceil(each_way / (25 * 0.7))
    pinned(text, f"$24 + 240 = {each_way}$ Gbps each way, $264 / (25 \\times 0.7) = {each_way / 17.5:.2f}$, so "
                 f"{by_bandwidth} proxies")
    proxies = max(by_bandwidth, math.ceil(cores / 32)) + 2
    pinned(text, f"{by_bandwidth} plus 2 is **{proxies} proxies**")
    zero_resumption = 150_000 / 1_500 / 0.6
    pinned(text, f"$150{{,}}000 / 1{{,}}500 / 0.6 = {zero_resumption:.1f}$ cores, {math.ceil(zero_resumption / 32)} "
                 f"proxies, still under {by_bandwidth}")
    pinned(text, f"**Decision.** {WORDS[directors]} directors with DSR, {WORDS[proxies]} proxies")
    pinned(text, f"{directors} directors instead of {math.ceil(no_dsr / 7) + 2}")
    # Packets per second bind the directors when the average packet shrinks below this size.
    working = directors - 2
    smallest = 24e9 / (working * 0.7 * 6e6 * 8)
    pinned(text, f"(4 \\times 4.2 \\times 10^6 \\times 8) = {smallest:.0f}$ bytes")
    # Staff lens, ten times the load.
    pinned(text, f"Ingress of 240 Gbps needs about {math.ceil(240 / 7)} directors by bandwidth")
    assert flows * 10 == 60_000_000
    pinned(text, "Sixty million open flows")
    pinned(text, f"and {entries * 10 // 1_000_000} million tracking entries with a 300 s idle timeout")
    pinned(text, f"Full handshakes at {handshakes * 10:,.0f} a second")


def test_exercise_numbers(text):
    free = 8_000_000 - 1_500_000
    pinned(text, f"1{{,}}500{{,}}000 = {tex(free)}$")
    pinned(text, f"the table is full after {free / 2_000_000:.2f} s")
    pinned(text, f"unless half-open entries expire in under {free / 2_000_000:.2f} s")
    per_region = 5_000_000 / 3
    assert round(per_region, -5) == 1_700_000
    pinned(text, "5,000,000 sockets over 3 regions is about 1,700,000 per region")
    survivors = 5_000_000 / 2
    per_proxy = 50_000
    pinned(text, f"$5{{,}}000{{,}}000 / 2 = {tex(survivors)}$ sockets")
    pinned(text, f"is {math.ceil(survivors / per_proxy)} proxies plus N+2, {math.ceil(survivors / per_proxy) + 2} per region")


def test_second_chance_sequential_reset_share_in_the_solution(text):
    names = [f"p{i}" for i in range(8)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(20_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    proxies.update(p8=sc.Proxy("p8"), p9=sc.Proxy("p9"))
    t3 = sc.build_table({**{n: "active" for n in names}, "p8": "active", "p9": "filling"})
    resets = sum(sc.deliver(t3, proxies, f) != where[f] for f in flows)
    pinned(text, f"resets {resets / len(flows):.1%} of {len(flows):,} old flows")


def test_incident_numbers(text):
    locations = ["San Jose", "Dallas", "Seattle", "Los Angeles", "Chicago", "Washington, DC", "Richmond", "Newark",
                 "Atlanta", "London", "Amsterdam", "Frankfurt", "Paris", "Stockholm", "Moscow", "St. Petersburg",
                 "São Paulo", "Curitiba", "Porto Alegre"]  # as listed in Cloudflare's postmortem
    words = {19: "Nineteen"}
    pinned(text, f"{words[len(locations)]} locations were affected")
    pinned(text, "The outage lasted 27 minutes")


def test_no_authoring_log_phrases():
    raw = chapter_text(CHAPTER)
    assert "Notice that" not in raw and "when we checked" not in raw


# --------------------------------------------------------------------------- the recheck's attacks


def test_a_failed_proxy_can_be_removed_at_once():
    # Recheck finding 1: a failure is not a planned change. The dead proxy's rows must fall to their secondaries at
    # once, or every new connection hashed to them is refused until the time gate opens.
    names = [f"p{i}" for i in range(8)]
    proxies = {n: sc.Proxy(n) for n in names}
    flows = [(f.src_ip, f.src_port) for f in make_flows(5_000)]
    where = established(proxies, sc.build_table({n: "active" for n in names}), flows)
    clock = FakeClock(0.0)
    states = sc.ProxyStates({n: "active" for n in names}, max_connection_age=3_600, clock=clock)
    proxies["p8"] = sc.Proxy("p8")
    states.change("p8", "filling")
    clock.now = 60.0
    del proxies["p3"]
    table = states.fail("p3")
    assert all("p3" not in row for row in table)
    for f in flows:  # every live proxy's flows survive; only the dead proxy's are lost
        assert (sc.deliver(table, proxies, f) is None) == (where[f] == "p3")
    fresh = [(f.src_ip, f.src_port) for f in make_flows(4_000, seed=78)]
    assert all(sc.deliver(table, proxies, f, syn=True) is not None for f in fresh)
    # The failure does not make the last planned change's connections younger: the gate still counts from t=0.
    clock.now = 3_600.0
    states.change("p8", "active")
    with pytest.raises(ValueError):
        states.fail("p99")  # not a proxy of the table


@pytest.mark.parametrize("method", ["add_backend", "drain_backend", "remove_backend"])
@pytest.mark.parametrize("bad", ["", 5, None, b"a"])
def test_backend_changes_validate_like_the_constructor(method, bad):
    # Recheck finding 8: add_backend("") made forward() return ""; add_backend(None) made it raise "no backends".
    table = lb.ForwardingTable(["a"], clock=FakeClock())
    with pytest.raises(ValueError):
        getattr(table, method)(bad)
    assert table.backends() == (frozenset({"a"}), frozenset())
    assert table.forward(make_flows(1)[0]) == "a"


def test_proxy_states_ignore_a_no_op_and_refuse_draining_an_unknown_proxy():
    # Recheck finding 12.
    clock = FakeClock(0.0)
    states = sc.ProxyStates({"a": "active", "b": "active", "c": "active"}, max_connection_age=100, clock=clock)
    states.change("d", "filling")
    clock.now = 100.0
    states.change("d", "active")
    clock.now = 150.0
    assert states.change("d", "active") == sc.build_table(states.states())  # no change: no wait, no new gate
    clock.now = 200.0
    states.change("a", "draining")  # 100 s after the last real change
    clock.now = 300.0
    states.change("a", None)
    clock.now = 400.0
    with pytest.raises(ValueError):
        states.change("zz", "draining")
    assert "zz" not in states.states()


def test_an_idle_open_flow_can_be_moved_by_a_backend_change(text):
    # Recheck finding 5: the guarantee holds only for flows active within the idle timeout, as the chapter now says.
    clock = FakeClock(0.0)
    flows = make_flows(5_000)
    table = lb.ForwardingTable(BACKENDS, idle_timeout=300, clock=clock)
    home = {f: table.forward(f) for f in flows}
    clock.now = 301.0
    table.add_backend("b20")
    assert sum(table.forward(f) != home[f] for f in flows) > 0
    pinned(text, "A connection quiet for longer than `idle_timeout` loses its entry")
    assert "with every flow active within the idle timeout" in " ".join(text.split())


def test_second_chance_reset_share_against_its_expectation(text):
    # Recheck finding 11: both new proxies outrank the old primary in 2/(10 x 9) = 1/45 of rows.
    table_rows = sc.build_table({f"p{i}": "active" for i in range(10)})
    expected = Fraction(2, 10 * 9)
    assert expected == Fraction(1, 45)
    both_first = sum({a, b} == {"p8", "p9"} for a, b in table_rows)
    assert both_first / len(table_rows) == pytest.approx(float(expected), abs=0.006)
    pinned(text, f"(1/45 = {float(expected):.1%} expected)")


def test_exam_and_teaching_note_numbers():
    # Recheck finding 7: the teaching notes are stripped from `prose`; read the raw file.
    raw = " ".join((BOOK / CHAPTER).read_text(encoding="utf-8").split())
    conns, directors = 3_000_000, 12
    assert sum(h % 30 == h % 32 for h in range(480)) == 30  # 1/16 stays
    assert f"$3{{,}}000{{,}}000 \\times 15/16 = {tex(conns * 15 // 16)}$ break" in raw
    assert f"$2/32$ of flows move to the new backends: {conns * 2 // 32:,}" in raw
    assert f"$3{{,}}000{{,}}000 / 12 = {tex(conns // directors)}$ flows" in raw
    assert f"$2/32$ of them: {conns // directors * 2 // 32:,} break" in raw
    assert f"1 for {conns // directors:,}, 1 for the $2/32$ factor, 1 for {conns // directors * 2 // 32:,}" in raw
    assert f"1 for {conns * 15 // 16:,} (answering" in raw and f"1 for {conns * 2 // 32:,}." in raw
    # Prompt 1: four big callers on 10 backends of 4,500 (the worked example's numbers).
    assert "the four-big-callers example: 6,000 requests/s on a backend rated for 4,500" in raw
    # Prompt 2: the churn plot's stateless consistent hash on one addition.
    sim = script("m1_lb_churn")
    stateless = sim["broken_fraction"]("rendezvous", "add", 1, workload=sim["flows"]())
    assert f"a stateless consistent hash breaks {stateless:.1%} on one addition" in raw


def test_handshakes_never_bind_and_the_deploy_rule_has_a_direction(text):
    # Recheck finding 2: at 0% resumption, and at 10x, handshake CPU stays under the bandwidth line.
    cores_now, cores_10x = 150_000 / 1_500 / 0.6, 900_000 / 1_500 / 0.6
    assert math.ceil(cores_now / 32) < 16 and math.ceil(cores_10x / 32) < math.ceil(2_640 / 17.5)
    pinned(text, "Handshake CPU does not bind even if resumption collapses")
    pinned(text, f"$900{{,}}000 / 1{{,}}500 / 0.6 = {tex(cores_10x)}$ cores, still well under the bandwidth line")
    # Recheck finding 3: only a director change *after* a backend change must wait a connection lifetime.
    flat = " ".join(text.split())
    for symmetric in ("connection lifetime of a", "socket lifetime (hours) of a", "Separate director changes"):
        assert symmetric not in flat
    for directed in ("longest connection lifetime after a backend change", "lifetime *after* a backend change",
                     "connection lifetime after a proxy change", "lifetime (hours) after a proxy change"):
        pinned(text, directed)
