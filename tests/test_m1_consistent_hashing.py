"""Tests for the consistent-hashing chapter: its listing (hashing.py), the exercise solution (solutions/hot_keys.py),
its figure scripts' measurements, and every derived number in its prose.

The listing tests attack what breaks a naive version: Python's salted hash() (lookups compared across processes with
different PYTHONHASHSEED), empty and duplicate node lists, non-integer, NaN and infinite parameters, node churn, removal
from the middle of a jump-hash list, many threads acquiring one hot key under bounded loads, and hypothesis properties
of each placement's invariant (removing node X moves only keys that were on X; adding a node moves keys only to it;
bounded loads never exceed ceil(c * m / N)).
"""
from __future__ import annotations

import math
import os
import random
import runpy
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from listings import BOOK, load_listing, pinned, prose

CHAPTER = "m1-scalability/consistent-hashing.md"
hashing = load_listing("m1-scalability/code/hashing.py")
hot_keys = load_listing("m1-scalability/code/solutions/hot_keys.py")
DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"

KEYS = [f"key-{i}" for i in range(20_000)]


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


def names(n: int, prefix: str = "node") -> list[str]:
    return [f"{prefix}-{i:02d}" for i in range(n)]


BUILDERS = {
    "modn": hashing.ModN,
    "ring": lambda nodes: hashing.Ring(nodes, vnodes=50),
    "rendezvous": hashing.Rendezvous,
    "maglev": lambda nodes: hashing.Maglev(nodes, table_size=5003),
    "jump": hashing.Jump,
    "bounded": lambda nodes: hashing.BoundedLoad(nodes, c=1.25, vnodes=50),
}


# --------------------------------------------------------------------------- input validation


@pytest.mark.parametrize("name", BUILDERS)
def test_empty_node_set_is_rejected(name):
    with pytest.raises(ValueError, match="at least one node"):
        BUILDERS[name]([])


@pytest.mark.parametrize("name", BUILDERS)
def test_duplicate_node_names_are_rejected(name):
    # A duplicate would silently double one node's share (two sets of ring points, two Maglev turns, two buckets).
    with pytest.raises(ValueError, match="duplicate"):
        BUILDERS[name](["a", "b", "a"])


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("bad", [[""], ["a", None], ["a", 3]])
def test_node_names_must_be_non_empty_strings(name, bad):
    with pytest.raises(ValueError):
        BUILDERS[name](bad)


@pytest.mark.parametrize("vnodes", [0, -1, 1.5, True, math.nan, math.inf, "100"])
def test_ring_rejects_bad_vnode_counts(vnodes):
    with pytest.raises(ValueError):
        hashing.Ring(["a", "b"], vnodes=vnodes)


@pytest.mark.parametrize("size", [0, 1, 4, 65536, 1000, 2.0, True, math.nan])
def test_maglev_rejects_non_prime_or_bad_table_sizes(size):
    with pytest.raises(ValueError):
        hashing.Maglev(["a", "b"], table_size=size)


def test_maglev_rejects_a_table_smaller_than_the_node_list():
    with pytest.raises(ValueError, match="smaller"):
        hashing.Maglev(names(5), table_size=3)


@pytest.mark.parametrize("c", [0.5, 0.999, -1, math.nan, math.inf, -math.inf, True, "1.25"])
def test_bounded_load_rejects_bad_balance_factors(c):
    # NaN passes `c < 1` (every comparison with NaN is false) and would make every capacity NaN.
    with pytest.raises(ValueError):
        hashing.BoundedLoad(["a", "b"], c=c)


@pytest.mark.parametrize("n", [0, -3, 1.0, True])
def test_jump_hash_rejects_bad_bucket_counts(n):
    with pytest.raises(ValueError):
        hashing.jump_hash(12345, n)


@pytest.mark.parametrize("k", [0, -1, 1.5])
def test_preference_rejects_bad_k(k):
    with pytest.raises(ValueError):
        hashing.Ring(names(3), 10).preference("x", k)
    with pytest.raises(ValueError):
        hashing.Rendezvous(names(3)).preference("x", k)


def test_metrics_reject_empty_key_lists():
    ring = hashing.Ring(names(3), 10)
    with pytest.raises(ValueError):
        hashing.moved_fraction(ring, ring, [])
    with pytest.raises(ValueError):
        hashing.max_over_mean(ring, [])


# --------------------------------------------------------------------------- agreement: stable hashing


PROBE = """
import sys
sys.path.insert(0, {code!r})
import hashing as h
nodes = [f"node-{{i:02d}}" for i in range(12)]
placements = [h.ModN(nodes), h.Ring(nodes, 20), h.Rendezvous(nodes), h.Maglev(nodes, 1009), h.Jump(nodes)]
print(";".join(",".join(p.lookup(f"user-{{i}}") for i in range(200)) for p in placements))
"""


def test_every_process_places_keys_alike_whatever_its_hash_seed():
    # Attack: a version built on Python's hash() passes every single-process test and fails here, because hash() of a
    # str is salted per process (PYTHONHASHSEED).
    code = str(BOOK / "m1-scalability" / "code")
    outputs = set()
    for seed in ("0", "1", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", PROBE.format(code=code)], env=env, capture_output=True,
                             text=True, check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_a_placement_built_on_the_salted_hash_disagrees_across_processes():
    # The control for the test above: the naive placement really does break, so the test can fail.
    probe = "print(','.join(str(hash(f'user-{i}') % 12) for i in range(200)))"
    outs = {subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONHASHSEED": seed},
                           capture_output=True, text=True, check=True).stdout for seed in ("1", "2")}
    assert len(outs) == 2


def test_stable_hash_is_blake2b_and_salts_give_independent_hashes():
    import hashlib

    expected = int.from_bytes(hashlib.blake2b(b"key-1", digest_size=8).digest(), "big")
    assert hashing.stable_hash("key-1") == expected
    assert hashing.stable_hash("key-1", "offset") != hashing.stable_hash("key-1", "skip")


@pytest.mark.parametrize("name", ["ring", "rendezvous", "maglev"])
def test_placement_depends_on_the_set_of_nodes_not_their_order(name):
    nodes = names(15)
    shuffled = nodes[:]
    random.Random(3).shuffle(shuffled)
    a, b = BUILDERS[name](nodes), BUILDERS[name](shuffled)
    assert all(a.lookup(k) == b.lookup(k) for k in KEYS[:2000])


def test_jump_hash_matches_the_reference_implementation():
    # The example from the Go port of the paper's C++ code: jump.Hash(256, 1024) == 520.
    assert hashing.jump_hash(256, 1024) == 520
    assert hashing.jump_hash(0, 1) == 0
    assert all(hashing.jump_hash(k, 1) == 0 for k in range(100))
    assert hashing.jump_hash(2**64 + 256, 1024) == 520  # keys are taken modulo 2**64, as uint64_t would


# --------------------------------------------------------------------------- minimal disruption


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 12), removed=st.integers(0, 11), vnodes=st.integers(1, 20),
       keys=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=150, unique=True))
def test_removing_a_node_moves_only_its_own_keys(n, removed, vnodes, keys):
    """Ring and rendezvous: after node X leaves, every key that was not on X is where it was."""
    nodes = names(n)
    x = nodes[removed % n]
    rest = [node for node in nodes if node != x]
    for before, after in ((hashing.Ring(nodes, vnodes), hashing.Ring(rest, vnodes)),
                          (hashing.Rendezvous(nodes), hashing.Rendezvous(rest))):
        for key in keys:
            if before.lookup(key) != x:
                assert after.lookup(key) == before.lookup(key)
            else:
                assert after.lookup(key) != x


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), keys=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=200))
def test_jump_removing_the_last_bucket_moves_only_its_keys_and_growth_moves_keys_only_to_the_new_bucket(n, keys):
    for key in keys:
        small, big = hashing.jump_hash(key, n), hashing.jump_hash(key, n + 1)
        assert big in (small, n)  # growth: stay, or move to the new bucket n


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 10), vnodes=st.integers(1, 20),
       keys=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=150, unique=True))
def test_adding_a_node_moves_keys_only_to_the_newcomer(n, vnodes, keys):
    nodes = names(n)
    new = nodes + ["newcomer"]
    for before, after in ((hashing.Ring(nodes, vnodes), hashing.Ring(new, vnodes)),
                          (hashing.Rendezvous(nodes), hashing.Rendezvous(new)),
                          (hashing.Jump(nodes), hashing.Jump(new))):
        for key in keys:
            assert after.lookup(key) in (before.lookup(key), "newcomer")


def test_node_churn_never_moves_keys_between_two_survivors():
    # A random sequence of joins and leaves, like an autoscaler's day: at each step a key may move only to a node that
    # just joined or away from a node that just left.
    rng = random.Random(11)
    members = names(10)
    spare = [f"extra-{i}" for i in range(30)]
    keys = KEYS[:3000]
    for build in (lambda ns: hashing.Ring(ns, 40), hashing.Rendezvous):
        current, pool = members[:], spare[:]
        placement = build(current)
        for _ in range(25):
            if len(current) > 2 and (not pool or rng.random() < 0.5):
                gone = rng.choice(current)
                current.remove(gone)
                pool.append(gone)
                changed = {gone}
            else:
                joined = pool.pop(rng.randrange(len(pool)))
                current.append(joined)
                changed = {joined}
            nxt = build(current)
            for key in keys:
                a, b = placement.lookup(key), nxt.lookup(key)
                assert a == b or a in changed or b in changed
            placement = nxt


@pytest.mark.parametrize("name, low, high", [
    ("ring", 0.017, 0.032), ("rendezvous", 0.020, 0.029), ("jump", 0.020, 0.029), ("maglev", 0.020, 0.040),
])
def test_adding_one_node_to_forty_moves_about_one_forty_first(name, low, high):
    nodes = names(41)
    build = (lambda ns: hashing.Maglev(ns, 65537)) if name == "maglev" else BUILDERS[name]
    before, after = build(nodes[:40]), build(nodes)
    assert low < hashing.moved_fraction(before, after, KEYS) < high  # ideal 1/41 = 2.44%


def test_a_small_maglev_table_disrupts_more():
    # M = 5003 is 125 entries per node for 40 nodes: still M > 100 N, and already visibly more disruptive.
    nodes = names(41)
    small = hashing.moved_fraction(hashing.Maglev(nodes[:40], 5003), hashing.Maglev(nodes, 5003), KEYS)
    large = hashing.moved_fraction(hashing.Maglev(nodes[:40], 65537), hashing.Maglev(nodes, 65537), KEYS)
    assert small > large > 1 / 41


def test_mod_n_moves_n_over_n_plus_one():
    nodes = names(41)
    moved = hashing.moved_fraction(hashing.ModN(nodes[:40]), hashing.ModN(nodes), KEYS)
    assert abs(moved - 40 / 41) < 0.01


def test_jump_renumbered_after_a_middle_failure_moves_most_keys():
    nodes = names(40)
    moved = hashing.moved_fraction(hashing.Jump(nodes), hashing.Jump(nodes[:20] + nodes[21:]), KEYS)
    assert 0.45 < moved < 0.55


# --------------------------------------------------------------------------- Maglev


def test_maglev_fills_every_entry_and_balances_within_one_entry():
    m = hashing.Maglev(names(40), table_size=65537)
    counts = Counter(m.table)
    assert len(m.table) == 65537 and -1 not in counts
    assert set(counts) == set(range(40))
    assert max(counts.values()) - min(counts.values()) <= 1


def test_maglev_permutation_visits_every_entry_because_the_size_is_prime():
    m = 101
    for node in names(20):
        offset = hashing.stable_hash(node, "offset") % m
        skip = hashing.stable_hash(node, "skip") % (m - 1) + 1
        assert sorted((offset + j * skip) % m for j in range(m)) == list(range(m))


def table_change(a, b) -> float:
    return sum(a.nodes[x] != b.nodes[y] for x, y in zip(a.table, b.table, strict=True)) / a.table_size


@pytest.fixture(scope="module")
def maglev_disruption():
    nodes = names(40)
    rest = nodes[:20] + nodes[21:]
    out = {}
    for m in (65537, 655373):
        full, without = hashing.Maglev(nodes, m), hashing.Maglev(rest, m)
        out[m] = (table_change(full, without), sum(full.nodes[x] == nodes[20] for x in full.table) / m)
    return out


def test_maglev_moves_a_little_more_than_the_minimum_and_less_with_a_larger_table(maglev_disruption, text):
    changed, owned = maglev_disruption[65537]
    assert owned < changed < 1.5 * owned  # some survivors' entries change hands, but not many
    larger, owned_large = maglev_disruption[655373]
    assert owned_large < larger < changed
    pinned(text, f"changed {changed:.2%} of the entries where {owned:.2%} belonged to the leaver")
    pinned(text, f"{100 * (changed - owned):.2f} percentage points more than the minimum, "
                 f"{(changed - owned) / owned:.0%} more keys moved")
    pinned(text, f"With $M = 655{{,}}373$ the change was {larger:.2%}")


# --------------------------------------------------------------------------- ring balance


def ring_stats(v: int, seeds: int = 20):
    ratios, cvs = [], []
    for seed in range(seeds):
        shares = list(hashing.Ring([f"s{seed}-n{i}" for i in range(40)], v).shares().values())
        mean = 1 / 40
        ratios.append(max(shares) / mean)
        cvs.append(statistics.pstdev(shares) / mean)
    return statistics.mean(ratios), max(ratios), statistics.mean(cvs)


def test_ring_shares_cover_the_whole_circle():
    for v in (1, 7, 100):
        shares = hashing.Ring(names(9), v).shares()
        assert math.isclose(sum(shares.values()), 1.0, rel_tol=1e-9)
    assert hashing.Ring(["only"], 1).shares() == {"only": 1.0}


def expected_max_of_normals(n: int, steps: int = 20_000) -> float:
    nd, lo, hi = NormalDist(), -8.0, 8.0
    dx = (hi - lo) / steps
    return sum((x := lo + (i + 0.5) * dx) * n * nd.pdf(x) * nd.cdf(x) ** (n - 1) * dx for i in range(steps))


def test_coefficient_of_variation_falls_as_one_over_root_v(text):
    cvs = {v: ring_stats(v)[2] for v in (100, 512, 1000)}
    for v, cv in cvs.items():
        assert abs(cv - 1 / math.sqrt(v)) < 0.2 / math.sqrt(v)
    pinned(text, f"{cvs[100]:.1%} at $v = 100$, {cvs[512]:.2%} at $v = 512$, {cvs[1000]:.2%} at $v = 1{{,}}000$")


def test_one_point_per_node_numbers(text):
    h40 = sum(1 / i for i in range(1, 41))
    mean_ratio, _, _ = ring_stats(1)
    pinned(text, f"about $H_N$ times the mean: {h40:.2f} for 40 nodes")
    pinned(text, f"the listing's ring averaged {mean_ratio:.2f}")
    assert abs(mean_ratio - h40) < 0.5


def test_vnode_worked_example(text):
    z40, z100 = expected_max_of_normals(40), expected_max_of_normals(100)
    pinned(text, f"2.16 for $N = 40$, {z100:.2f} for $N = 100$")
    assert f"{z40:.2f}" == "2.16"
    root = round(z40, 2) / 0.10
    v_min = math.ceil(root**2)
    pinned(text, f"$\\sqrt{{v}} \\ge 2.16/0.10 = {root:.1f}$ and $v \\ge {v_min}$, which rounds up to 512")
    assert v_min <= 512
    mean_ratio, worst, _ = ring_stats(512)
    pinned(text, f"max over mean averaged {mean_ratio:.2f} and the worst ring reached {worst:.2f}")
    # The requirement is an expected max over mean of at most 1.10: at 512 the seeded mean is just above it (1.102), and
    # 8 of the 20 rings exceed it, so the decision takes 1,024.
    above = sum(r > 1.10 for r in ring_ratios(512, 20))
    assert mean_ratio > 1.10
    pinned(text, f"{above} of the 20 rings were above 1.10")
    mean_1024, worst_1024, _ = ring_stats(1024)
    assert worst_1024 <= 1.10
    pinned(text, f"with 1,024 virtual nodes the same 20 rings averaged {mean_1024:.2f} and the worst reached "
                 f"{worst_1024:.3f}")
    points = 40 * 1024
    pinned(text, f"$40 \\times 1{{,}}024 = {points:,}$ points".replace(",", "{,}").replace("{{,}}", "{,}"))
    pinned(text, f"about {points * 16 / 1000:.0f} KB")
    pinned(text, f"$\\log_2 40{{,}}960 \\approx {math.log2(points):.1f}$ comparisons")
    low, high = 65537 // 40, -(-65537 // 40)
    pinned(text, f"gives each of the 40 nodes {low:,} or {high:,} entries")
    pinned(text, f"At 2 bytes per entry the table is {65537 * 2 / 1000:.0f} KB")  # decimal KB, like the 655 KB


def ring_ratios(v: int, seeds: int) -> list[float]:
    return [max(hashing.Ring([f"s{seed}-n{i}" for i in range(40)], v).shares().values()) * 40 for seed in range(seeds)]


def test_vnode_tail_for_nineteen_deployments_in_twenty(text):
    ratios = ring_ratios(1024, 100)
    p95 = statistics.quantiles(ratios, n=20)[-1]
    above = sum(r > 1.10 for r in ratios)
    assert p95 <= 1.10 < max(ratios) and above <= 5  # the tail is inside 1.10, yet no v makes it a guarantee
    pinned(text, f"the 95th percentile over 100 seeded rings was {p95:.3f}")
    pinned(text, f"({above} of those 100 rings were above it)")


def test_envoy_default_ring_per_host(text):
    per_host = math.ceil(1024 / 40)
    pinned(text, f"$\\lceil 1{{,}}024/40 \\rceil = {per_host}$ points each, a coefficient of variation of "
                 f"$1/\\sqrt{{{per_host}}} = {100 / math.sqrt(per_host):.1f}\\%$")
    cv = ring_stats(per_host)[2]
    assert abs(cv - 1 / math.sqrt(per_host)) < 0.2 / math.sqrt(per_host)


def test_exercise_4_numbers(text):
    z100 = round(expected_max_of_normals(100), 2)
    root = z100 / 0.05
    v_min = math.ceil(root**2)
    pinned(text, f"$\\sqrt{{v}} \\ge {z100}/0.05 = {root:.1f}$ and $v \\ge {v_min:,}$".replace(",", "{,}"))
    assert v_min <= 2560
    points = 100 * 2560
    pinned(text, f"$100 \\times 2{{,}}560 = {points:,}$".replace(",", "{,}").replace("{{,}}", "{,}")
           + f" points, {points * 16 / 1e6:.1f} MB")
    pinned(text, f"$\\log_2 256{{,}}000 \\approx {math.log2(points):.0f}$ comparisons")
    low, high = 65537 // 100, -(-65537 // 100)
    pinned(text, f"each node has {low} or {high} entries, within {high / low - 1:.1%} of each other")


# --------------------------------------------------------------------------- bounded loads


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 8), c=st.floats(1.0, 3.0), ops=st.lists(st.tuples(st.booleans(), st.integers(0, 30)),
                                                                min_size=1, max_size=300))
@example(n=2, c=1.1, ops=[(True, 0)] * 100)  # HAProxy's factor 110: float rounding gave 56 where the bound is 55
def test_bounded_load_never_places_a_request_above_ceil_c_times_mean(n, c, ops):
    b = hashing.BoundedLoad(names(n), c=c, vnodes=8)
    held: list = []
    for acquire, key in ops:
        if acquire or not held:
            ticket = b.acquire(f"k{key}")
            held.append(ticket)
            total = sum(b.load.values())
            # The bound that held when this request was placed, in exact arithmetic (a float formula shares the
            # listing's rounding and could not see ceil(1.1 * 100 / 2) = 56 where the bound is 55).
            assert b.load[ticket.node] <= math.ceil(Fraction(str(c)) * total / n)
        else:
            b.release(held.pop(key % len(held)))
    assert sum(b.load.values()) == len(held)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 8), c=st.floats(1.0, 2.0), keys=st.lists(st.integers(0, 5), min_size=1, max_size=200))
def test_bounded_load_with_only_arrivals_keeps_every_node_under_the_bound(n, c, keys):
    b = hashing.BoundedLoad(names(n), c=c, vnodes=8)
    for key in keys:  # few distinct keys: every arrival is a hot key
        b.acquire(f"k{key}")
    assert max(b.load.values()) <= math.ceil(Fraction(str(c)) * len(keys) / n)


def test_bounded_load_many_threads_on_one_hot_key():
    # Attack: 16 threads acquire one key, and each pauses between choosing a node and counting the request (as a
    # preempted thread would). Without the lock, threads that chose together all see room on the same node and all take
    # it: with the lock replaced by a no-op, this test ended with a node at 253 where the bound is 250.
    b = hashing.BoundedLoad(names(8), c=1.25, vnodes=50)
    choose = b._choose

    def slow_choose(key):
        node = choose(key)
        time.sleep(0.0001)
        return node

    b._choose = slow_choose
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        for _ in range(100):
            b.acquire("celebrity")

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(b.load.values()) == 1600 == b._total
    assert max(b.load.values()) <= math.ceil(1.25 * 1600 / 8)


def test_release_of_anything_but_an_open_ticket_is_an_error():
    b = hashing.BoundedLoad(names(3))
    with pytest.raises(ValueError):
        b.release("node-00")  # a node name is not a ticket
    with pytest.raises(ValueError):
        b.release(hashing.Ticket("node-00", 0))  # never placed
    t = b.acquire("x")
    with pytest.raises(ValueError):
        b.release(hashing.Ticket("node-01" if t.node != "node-01" else "node-02", t.id))  # right id, wrong node
    b.release(t)


# --------------------------------------------------------------------------- exercise 5: hot-key replication


def test_hot_key_reads_spread_evenly_over_k_replicas(text):
    rng = random.Random(5)
    router = hot_keys.HotKeyRouter(names(20), {"celebrity": 4}, choose=rng.choice)
    counts = Counter(router.lookup("celebrity") for _ in range(40_000))
    assert set(counts) == set(router.replicas("celebrity")) and len(counts) == 4
    assert all(9_700 <= c <= 10_300 for c in counts.values())
    pinned(text, "read 40,000 times lands between 9,700 and 10,300 times on each of its four nodes")


def test_hot_key_writes_reach_every_replica_and_cold_keys_are_untouched():
    router = hot_keys.HotKeyRouter(names(10), {"hot": 3})
    plain = hashing.Rendezvous(names(10))
    assert router.write_targets("hot") == plain.preference("hot", 3)
    assert all(router.lookup(k) == plain.lookup(k) for k in KEYS[:2000])
    assert router.write_targets("cold") == [plain.lookup("cold")]


@pytest.mark.parametrize("k", [0, -1, 11, 2.0, True])
def test_hot_key_replica_count_is_validated(k):
    with pytest.raises(ValueError):
        hot_keys.HotKeyRouter(names(10), {"hot": k})


def test_hot_key_router_rejects_empty_and_duplicate_nodes():
    with pytest.raises(ValueError):
        hot_keys.HotKeyRouter([])
    with pytest.raises(ValueError):
        hot_keys.HotKeyRouter(["a", "a"])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(4, 10), removed=st.integers(0, 9), k=st.integers(1, 3),
       keys=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=40, unique=True))
def test_removing_a_node_changes_only_replica_sets_that_contained_it(n, removed, k, keys):
    nodes = names(n)
    x = nodes[removed % n]
    hot = dict.fromkeys(keys, k)
    before = hot_keys.HotKeyRouter(nodes, hot)
    after = hot_keys.HotKeyRouter([m for m in nodes if m != x], hot)
    for key in keys:
        old, new = before.replicas(key), after.replicas(key)
        if x not in old:
            assert old == new
        else:
            assert [m for m in old if m != x] == new[: k - 1]  # survivors keep their rank; the next-ranked joins


# --------------------------------------------------------------------------- figures: one seeded workload


@pytest.fixture(scope="module")
def balance_figure():
    module = runpy.run_path(str(DIAGRAMS / "m1_hash_balance.py"), run_name="measure")
    return module["measure"](), module["SIZES"]


def test_balance_figure_numbers_in_text(balance_figure, text):
    (balance, moved), sizes = balance_figure
    i = sizes.index(40)
    trio = [balance[name][i] for name in ("rendezvous", "Maglev, M = 65,537", "jump")]
    pinned(text, f"rendezvous, Maglev and jump sit between {min(trio):.2f} and {max(trio):.2f}, on that floor")
    pinned(text, f"the ring with 100 virtual nodes reaches {balance['ring, 100 virtual nodes'][i]:.2f}")
    per_node = len(KEYS) // 40
    floor = 1 + 2.16 * math.sqrt(per_node) / per_node
    pinned(text, f"$\\sqrt{{{per_node}}} \\approx {math.sqrt(per_node):.0f}$ keys, {math.sqrt(per_node) / per_node:.1%}")
    pinned(text, f"$1 + 2.16 \\times {math.sqrt(per_node) / per_node:.3f} = {floor:.3f}$")
    assert balance["mod N"][i] < floor + 0.02
    pinned(text, f"moved {moved['rendezvous'][i]:.1%} of the keys under rendezvous, {moved['jump'][i]:.1%} under jump, "
                 f"{moved['ring, 100 virtual nodes'][i]:.1%} under the ring and {moved['Maglev, M = 65,537'][i]:.1%} "
                 f"under Maglev, against an ideal of {1 / 41:.1%}, and {moved['mod N'][i]:.1%} under mod N")
    for name in ("rendezvous", "jump", "ring, 100 virtual nodes"):
        assert all(abs(m - 1 / (n + 1)) < 0.6 / (n + 1) for m, n in zip(moved[name], sizes, strict=True))
    assert all(m > 0.8 for m in moved["mod N"])


def test_mod_n_growth_numbers(text):
    pinned(text, f"Growing from 40 to 41 nodes moves {40 / 41:.1%} of the keys, where {1 / 41:.1%} had to")
    # The listing's mod N against the lcm argument, for one node more and for four more.
    nodes = names(44)
    for m in (1, 4):
        moved = hashing.moved_fraction(hashing.ModN(nodes[:40]), hashing.ModN(nodes[: 40 + m]), KEYS)
        assert abs(moved - (1 - 40 / math.lcm(40, 40 + m))) < 0.01


@pytest.fixture(scope="module")
def hot_figure():
    module = runpy.run_path(str(DIAGRAMS / "m1_hash_hotkeys.py"), run_name="measure")
    return {s: module["measure"](s) for s in (0.0, 1.0, 1.2)}


def test_hot_key_figure_numbers_in_text(hot_figure, text):
    r1, r12 = hot_figure[1.0], hot_figure[1.2]
    h = sum(1 / i for i in range(1, 20_001))
    pinned(text, f"$1/H_{{20{{,}}000}} = {100 / h:.1f}\\%$ of all requests")
    pinned(text, f"puts its home node at {(1 / h) / (1 / 20):.1f} times the mean before any other key")
    pinned(text, f"At $s = 1$ the most-loaded node carries {r1['plain']:.2f} times the mean")
    pinned(text, f"serves {r1['bounded_away']:.1%} of requests away from their home node")
    pinned(text, f"brings $s = 1$ from {r1['plain']:.2f} to {r1['replicated']:.2f} times the mean")
    pinned(text, f"the maximum climbs to {r12['replicated']:.2f}")
    pinned(text, f": {r12['bounded_away']:.0%} at $s = 1.2$ with")
    assert r1["bounded"] <= 1.25 + 1e-9 and r12["bounded"] <= 1.25 + 1e-9
    r0 = hot_figure[0.0]
    assert r0["bounded"] < 1.25 and r0["plain"] < 1.25  # with uniform popularity the cap does not bind
    pinned(text, f"({r0['bounded']:.2f} at $s = 0$, where the cap does not bind)")
    top = r12["top_share"]
    pinned(text, f"the top key alone draws {top:.1%} of requests, {top / 4:.1%} on each of its 4 copies")
    assert top / 4 > 1 / 20  # one copy's share already exceeds a node's mean share


def test_more_copies_not_a_larger_hot_set(text):
    measure = runpy.run_path(str(DIAGRAMS / "m1_hash_hotkeys.py"), run_name="measure")["measure"]
    base = measure(1.2)["replicated"]
    hot200 = measure(1.2, hot=200)["replicated"]
    k8, k12 = measure(1.2, replicas=8)["replicated"], measure(1.2, replicas=12)["replicated"]
    assert abs(hot200 - base) < 0.1 and k12 < k8 < base - 0.3
    pinned(text, f"A larger hot set does not help ({hot200:.2f} with the 200 hottest keys); more copies do "
                 f"({k8:.2f} with 8, {k12:.2f} with 12)")


def test_fleet_of_proxies_rounding(text):
    cap = math.ceil(1.25 * 10 / 30)
    mean = 10 * 10 / 30
    pinned(text, f"have a cap of $\\lceil 1.25 \\times 10/30 \\rceil = {cap}$ each, so one node may hold {10 * cap} "
                 f"requests against a fleet mean of $100/30 = {mean:.1f}$, {'three' if round(10 * cap / mean) == 3 else '?'} times the mean")
    # The fleet bound: sum over proxies of ceil(c * m_p / N) <= c * M / N + P, checked on the listing.
    nodes = names(30)
    proxies = [hashing.BoundedLoad(nodes, c=1.25, vnodes=50) for _ in range(10)]
    rng = random.Random(1)
    for b in proxies:
        for _ in range(10):
            b.acquire("viral" if rng.random() < 0.12 else f"obj-{rng.randrange(10**6)}")
    fleet = max(sum(b.load[n] for b in proxies) for n in nodes)
    assert fleet <= 1.25 * 100 / 30 + 10


# --------------------------------------------------------------------------- worked example: growing the tier


def test_growth_worked_example(text):
    reads, hit = 1_000_000, 0.95
    hits = reads * hit
    base = reads - hits
    share = 4 / 44
    extra = share * hits
    pinned(text, f"moves $4/44 = {100 * share:.1f}\\%$ of the keys to the new nodes")
    pinned(text, f"$(4/44) \\times 950{{,}}000 = {extra:,.0f}$ extra reads".replace(",", "{,}").replace("{{,}}", "{,}"))
    total = base + round(extra)
    pinned(text, f"the database sees {total:,.0f} reads a second, {total / base:.2f} times normal")
    lcm = math.lcm(40, 44)
    pinned(text, f"With $\\operatorname{{lcm}}(40, 44) = {lcm}$, that is 40 of every {lcm} hash values: "
                 f"{40 / lcm:.1%} stay and {1 - 40 / lcm:.1%} move")
    mod_total = base + (400 / 440) * hits
    pinned(text, f"$50{{,}}000 + (400/440) \\times 950{{,}}000 = {mod_total:,.0f}$".replace(",", "{,}").replace("{{,}}", "{,}"))
    pinned(text, f"{mod_total / base:.1f} times normal and six times its capacity")
    assert round(mod_total / 150_000) == 6
    step = hits / 41
    pinned(text, f"moves $1/41 = {100 / 41:.1f}\\%$ of keys: {step:,.0f} extra reads a second, {base + step:,.0f} in all "
                 f"({(base + step) / base:.2f} times normal)")
    pinned(text, f"at most one planned change's misses at a time, {base + step:,.0f} reads a second")
    pinned(text, f"a failure during a step makes it {base + 2 * step:,.0f}, still inside 150,000")
    steps = sum(1 / n for n in range(41, 45))
    pinned(text, f"$1/41 + 1/42 + 1/43 + 1/44 = {100 * steps:.1f}\\%$ of moves in all")
    ten_x = 0.95 * 10_000_000 / 401
    pinned(text, f"$9{{,}}500{{,}}000/401 \\approx {round(ten_x, -2):,.0f}$".replace(f"{round(ten_x, -2):,.0f}",
           f"{round(ten_x, -2):,.0f}".replace(",", "{,}")))
    hot, mean10, nodes10 = 0.02 * 10_000_000, 10_000_000 / 400, 400
    other = (10_000_000 - hot) / nodes10
    pinned(text, f"a key at 2% of 10 million reads is {hot:,.0f} reads a second, {hot / mean10:.0f} times a node's "
                 f"mean load of {mean10:,.0f}")
    four = hot / 4 + other
    pinned(text, f"$50{{,}}000 + 24{{,}}500 = {four:,.0f}$".replace(f"{four:,.0f}", f"{four:,.0f}".replace(",", "{,}"))
           + f", {four / mean10:.2f} times the mean")
    room = 1.25 * mean10 - other
    spill = hot - 4 * room
    pinned(text, f"$31{{,}}250 - 24{{,}}500 = {room:,.0f}$".replace(f"{room:,.0f}", f"{room:,.0f}".replace(",", "{,}")))
    spill_tex = f"{spill:,.0f}".replace(",", "{,}")
    pinned(text, f"$200{{,}}000 - 4 \\times 6{{,}}750 = {spill_tex}$ reads a second of that key spill onto about "
                 f"{math.ceil(spill / room)} nodes")
    grace = hits / 40
    pinned(text, f"$950{{,}}000/40 = {grace:,.0f}$".replace(f"{grace:,.0f}", f"{grace:,.0f}".replace(",", "{,}"))
           + f" more a second, {base + grace:,.0f} in all, inside 150,000")
    assert base + grace < 150_000
    k = (hot / (1.25 * mean10 - other))
    pinned(text, f"$k \\ge {k:.1f}$, so\n{math.ceil(k)} copies")


# --------------------------------------------------------------------------- exercises 1 and 3


def test_exercise_1_numbers(text):
    nodes = names(30)
    lcm = math.lcm(30, 29)
    pinned(text, f"29 of every $\\operatorname{{lcm}}(30, 29) = {lcm}$ hash values, 1/30")
    # Slot 7 removed: below it the names keep their slots, from it on they shift down one. Count the stayers.
    stay = sum(h % 30 == (h % 29 if h % 29 < 7 else h % 29 + 1) for h in range(lcm))
    assert stay == 29
    pinned(text, "$h \\bmod 30 = h \\bmod 29 + 1$ from slot 7 on")
    removed = hashing.moved_fraction(hashing.ModN(nodes), hashing.ModN(nodes[:7] + nodes[8:]), KEYS)
    assert abs(removed - 29 / 30) < 0.01
    pinned(text, f"So 29/30 = {29 / 30:.1%} move: {600 * 29 // 30} million keys")
    pinned(text, f"1/30 = {1 / 30:.2%}, {600 // 30} million keys")
    renumbered = hashing.moved_fraction(hashing.Jump(nodes), hashing.Jump(nodes[:7] + nodes[8:]), KEYS)
    pinned(text, f"exactly $23/30 - 1/870 = {100 * (23 / 30 - 1 / 870):.2f}\\%$. On the chapter's test sample of 20,000 "
                 f"keys, {renumbered:.1%} moved, about {round(600 * renumbered)} million keys")
    assert abs(renumbered - (23 / 30 - 1 / 870)) < 0.01
    swapped = nodes[:29]
    swapped[7] = nodes[29]
    swap = hashing.moved_fraction(hashing.Jump(nodes), hashing.Jump(swapped), KEYS)
    assert abs(swap - (2 / 30 - 1 / 870)) < 0.005
    pinned(text, f"2/30, {2 / 30:.1%}, {600 * 2 // 30} million (exactly $2/30 - 1/870 = {100 * (2 / 30 - 1 / 870):.2f}\\%$")
    full, rest = hashing.Maglev(nodes, 65537), hashing.Maglev(nodes[:7] + nodes[8:], 65537)
    change = table_change(full, rest)
    pinned(text, f"changes {change:.2%} of its entries against the minimum of {1 / 30:.2%}, about "
                 f"{round(600 * change)} million keys")


def test_exercise_3_numbers(text):
    total, nodes, cap = 400_000, 16, 40_000
    hot = 0.08 * total
    rest = (total - hot) / nodes
    pinned(text, f"$0.08 \\times 400{{,}}000 = {hot:,.0f}$".replace(f"{hot:,.0f}", f"{hot:,.0f}".replace(",", "{,}")))
    pinned(text, f"The other {total - hot:,.0f} spread over 16 nodes at {rest:,.0f}")
    pinned(text, f"${hot:,.0f} + {rest:,.0f} = {hot + rest:,.0f}$ reads a second".replace(",", "{,}"))
    pinned(text, f"{(hot + rest) / cap:.3f} times capacity")
    for k, load in ((2, 39_000), (4, 31_000)):
        assert hot / k + rest == load
    pinned(text, f"$k = 2$ gives 39,000, {39_000 / cap:.1%} of capacity")
    pinned(text, f"$k = 4$ gives 31,000, {31_000 / cap:.1%}")
    k3 = hot / 3 + rest
    pinned(text, f"$k = 3$ gives {k3:,.0f}, {k3 / cap:.0%}, over the 80% target")
    assert k3 / cap > 0.80 > 31_000 / cap
    mean = total / nodes
    pinned(text, f"$1.25 \\times 25{{,}}000 = {1.25 * mean:,.0f}$".replace(f"{1.25 * mean:,.0f}",
           f"{1.25 * mean:,.0f}".replace(",", "{,}")))


def test_exercise_6_numbers(text):
    # A deploy wave drains 3 of 60 servers, then the replacements return under the same names: two moves.
    servers = [f"srv-{i:02d}" for i in range(60)]
    convs = [f"conv-{i}" for i in range(30_000)]
    full, drained = hashing.Rendezvous(servers), hashing.Rendezvous(servers[3:])
    out, back = hashing.moved_fraction(full, drained, convs), hashing.moved_fraction(drained, full, convs)
    assert abs(out - 3 / 60) < 0.005 and abs(back - 3 / 60) < 0.005
    pinned(text, f"A wave of 3 servers moves 3/60 = {3 / 60:.0%} of conversations out")
    pinned(text, f"{6 / 60:.0%} of state handovers and client reconnects per wave ({out + back:.2%} on the chapter's test")


# --------------------------------------------------------------------------- attacks from the review


def test_bounded_load_bound_holds_across_a_membership_change():
    # Attack: a node joins while 800 requests of a hot key are in flight. Building a fresh BoundedLoad and swapping the
    # reference forgets those 800, so the new instance fills the old home node again: 237 where ceil(1.25 * 1600 / 9)
    # = 223. `with_nodes` carries the counts of surviving nodes over.
    nodes = names(8)
    old = hashing.BoundedLoad(nodes, c=1.25, vnodes=50)
    tickets = [old.acquire("hot") for _ in range(800)]
    new = old.with_nodes(nodes + ["node-08"])
    tickets += [new.acquire("hot") for _ in range(800)]
    true_load = Counter(t.node for t in tickets)
    assert max(true_load.values()) <= math.ceil(1.25 * 1600 / 9)
    assert new.load == {n: true_load.get(n, 0) for n in new.nodes}
    for t in tickets:  # requests placed before the change end through the current balancer
        new.release(t)
    assert sum(new.load.values()) == 0 == new._total


def test_bounded_load_old_reference_forwards_to_its_successor():
    # A thread that still holds the old reference after the swap must not place requests the new one cannot see.
    old = hashing.BoundedLoad(names(4), c=1.25, vnodes=20)
    new = old.with_nodes(names(5))
    t = old.acquire("k")
    assert new.load[t.node] == 1 and new._total == 1
    old.release(t)
    assert new._total == 0


def test_bounded_load_a_duplicate_release_is_refused_and_leaves_counts_intact():
    # Attack: a completion delivered twice. Releasing by node name cannot tell one request from another, so the second
    # release silently takes the count of a request still running (home counted 126, true 176, bound 134).
    b = hashing.BoundedLoad(names(8), c=1.25, vnodes=50)
    tickets = [b.acquire("hot") for _ in range(20)]
    b.release(tickets[0])
    with pytest.raises(ValueError, match="not open"):
        b.release(tickets[0])
    assert sum(b.load.values()) == 19 == b._total
    other = hashing.BoundedLoad(names(8), c=1.25, vnodes=50)
    with pytest.raises(ValueError, match="not open"):
        other.release(tickets[1])  # a ticket from another balancer


def test_bounded_load_placed_releases_when_the_handler_raises():
    # Attack: a handler that raises between acquire and release leaks a count forever, raising every later cap.
    b = hashing.BoundedLoad(names(8), c=1.25, vnodes=50)
    for _ in range(100):
        with pytest.raises(RuntimeError):
            with b.placed("k") as node:
                assert b.load[node] == 1
                raise RuntimeError("handler failed")
    assert sum(b.load.values()) == 0 == b._total


class _SlowDict(dict):
    """A dict whose reads pause, as a preempted thread would between reading a count and writing it back."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        time.sleep(0.00005)
        return value


def test_bounded_load_concurrent_acquire_and_release_keep_exact_counts():
    # Attack: 16 threads acquire and release concurrently; a release without the lock loses updates (with `release`'s
    # lock removed, counts were left above zero with nothing in flight).
    b = hashing.BoundedLoad(names(4), c=1.25, vnodes=20)
    b.load = _SlowDict(b.load)
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        for _ in range(5):  # releases of one thread overlap acquires and releases of the others
            tickets = [b.acquire("celebrity") for _ in range(10)]
            for ticket in tickets:
                b.release(ticket)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert dict(b.load) == dict.fromkeys(b.nodes, 0) and b._total == 0


def test_bounded_load_spills_in_ring_order_not_to_the_least_loaded_node():
    # With 20 nodes the spill order is a real constraint: each request goes to the first node below the cap in the
    # order met walking clockwise from the key, never to some other node with room.
    b = hashing.BoundedLoad(names(20), c=1.25, vnodes=20)
    order = b.ring.preference("hot", 20)
    placed = [b.acquire("hot").node for _ in range(200)]
    for i, node in enumerate(placed):
        cap = math.ceil(1.25 * (i + 1) / 20)
        counts = Counter(placed[:i])
        assert node == next(n for n in order if counts[n] < cap)
    assert len(set(placed)) < 20  # the spill stays on the key's first successors


def test_maglev_every_skip_is_between_1_and_m_minus_1():
    # Attack: skip = h2 mod M (not mod (M - 1) + 1) can be 0; that backend's permutation never moves, and the build
    # loops forever. node-170 has h2 mod 101 == 0.
    assert hashing.stable_hash("node-170", "skip") % 101 == 0
    for m in (101, 5003):
        for node in names(200) + ["node-170"]:
            offset, skip = hashing.Maglev.offset_skip(node, m)
            assert 0 <= offset < m and 1 <= skip <= m - 1


def test_maglev_build_with_a_skip_zero_name_completes():
    done = []
    t = threading.Thread(target=lambda: done.append(hashing.Maglev(["node-170"] + [f"x{i}" for i in range(5)], 101)),
                         daemon=True)
    t.start()
    t.join(10)
    assert done and -1 not in done[0].table


def test_hot_key_router_can_drop_a_node_when_k_equals_the_node_count():
    # Attack: k = 4 on 4 nodes; node d fails. Rebuilding must not be blocked by the hot-key configuration.
    router = hot_keys.HotKeyRouter(["a", "b", "c", "d"], {"celebrity": 4})
    smaller = router.with_nodes(["a", "b", "c"])
    assert sorted(smaller.replicas("celebrity")) == ["a", "b", "c"]
    assert smaller.hot == {"celebrity": 4}  # the configured k is kept; only its use is clamped
    with pytest.raises(ValueError):
        hot_keys.HotKeyRouter(["a", "b", "c"], {"celebrity": 4})  # configuration time still rejects k > N


# --------------------------------------------------------------------------- attacks from the second review


def test_bounded_load_old_reference_survives_many_membership_changes():
    # Attack: a thread keeps the first balancer while the tier changes 1,500 times. Forwarding by recursion along the
    # chain of successors raised RecursionError after about 1,000 changes.
    first = hashing.BoundedLoad(["a", "b", "c"], vnodes=4)
    current = first
    for _ in range(1500):
        current = current.with_nodes(["a", "b", "c"])
    ticket = first.acquire("x")
    assert current.load[ticket.node] == 1 and current._total == 1
    first.release(ticket)
    assert current._total == 0
    again = first
    for _ in range(3000):  # changes made through the old reference itself
        again = first.with_nodes(["a", "b", "c"])
    assert first.lookup("x") == again.lookup("x")


def test_bounded_load_capacity_is_exact_for_decimal_factors():
    # Attack: c = 1.1 (HAProxy's hash-balance-factor 110). In floating point ceil(1.1 * 100 / 2) is 56, not 55.
    b = hashing.BoundedLoad(["n0", "n1"], c=1.1, vnodes=20)
    for _ in range(100):
        b.acquire("hot")
    assert max(b.load.values()) == 55
    huge = hashing.BoundedLoad(["a", "b"], c=1e308, vnodes=4)  # a finite factor, however large, must not overflow
    for _ in range(3):
        huge.acquire("k")
    assert huge._total == 3


def test_hot_key_router_restores_the_configured_k_when_a_node_returns():
    # Attack: clamping k into the new router's configuration lost it for good: after d failed and returned, the key
    # had 3 replicas on 4 nodes.
    router = hot_keys.HotKeyRouter(["a", "b", "c", "d"], {"celebrity": 4})
    back = router.with_nodes(["a", "b", "c"]).with_nodes(["a", "b", "c", "d"])
    assert back.hot["celebrity"] == 4 and sorted(back.replicas("celebrity")) == ["a", "b", "c", "d"]
    from_generator = router.with_nodes(n for n in ["a", "b"])  # any iterable of names, as the placements accept
    assert sorted(from_generator.replicas("celebrity")) == ["a", "b"]


def test_stable_hash_takes_every_python_string_and_refuses_a_long_salt():
    # A lone surrogate is a valid Python string (JSON "\\ud800" decodes to one); strict UTF-8 refused to encode it.
    assert hashing.Ring(["a", "b"]).lookup("\ud800") in ("a", "b")
    assert hashing.stable_hash("\ud800") != hashing.stable_hash("\ud801")
    # BLAKE2b takes a salt of at most 16 bytes; cutting a longer one made distinct salts give the same hash.
    with pytest.raises(ValueError):
        hashing.stable_hash("x", "0123456789abcdefA")


def test_metrics_take_any_iterable_of_keys_and_refuse_all_zero_weights():
    before, after = hashing.Rendezvous(names(4)), hashing.Rendezvous(names(5))
    assert hashing.moved_fraction(before, after, (k for k in KEYS[:1000])) == \
        hashing.moved_fraction(before, after, KEYS[:1000])
    assert hashing.max_over_mean(before, (k for k in KEYS[:1000])) == hashing.max_over_mean(before, KEYS[:1000])
    with pytest.raises(ValueError):
        hashing.max_over_mean(before, KEYS[:10], [0.0] * 10)
