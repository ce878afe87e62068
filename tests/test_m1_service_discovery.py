"""Tests for the service-discovery chapter: its two listings, the exercise solution, and the numbers in its prose.

The listing tests make the attacks a hostile reviewer makes: picks paused inside their random draw (through the
balancer's `rng`) while a second pick or an update runs, responses paused inside validation and inside their apply
loop while a reconnect or a reader runs, many threads picking while discovery pushes new endpoint sets, malformed
resources of every shape, endpoints removed (and re-added) with requests in flight, a lease released twice, invalid and
duplicate resources, a response from a replaced stream, an ACK that crosses a newer push (stale nonce), the control
plane gone, and hypothesis properties of each listing's invariant. Numbers in the prose are recomputed here: from
the formulas, from runs of the listings, and from the seeded simulation behind the chapter's plots.
"""
from __future__ import annotations

import math
import random
import runpy
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listings import load_listing, pinned, prose

CHAPTER = "m1-scalability/service-discovery.md"
bal = load_listing("m1-scalability/code/balancers.py")
xds = load_listing("m1-scalability/code/xds_client.py")
guard = load_listing("m1-scalability/code/solutions/xds_guard.py")
SIM = Path(__file__).resolve().parent.parent / "diagrams" / "m1_sd_policies.py"


@pytest.fixture(scope="module")
def text() -> str:
    return prose(CHAPTER)


@pytest.fixture(scope="module")
def sim():
    return runpy.run_path(str(SIM), run_name="m1_sd_policies_test")  # no plotting outside __main__


def addresses(n: int) -> list[str]:
    return [f"10.0.{i // 250}.{i % 250}:8080" for i in range(n)]


# --------------------------------------------------------------------------- balancers.py


@pytest.mark.parametrize("policy", ["", "leastconn", None])
def test_unknown_policy_is_rejected(policy):
    with pytest.raises(ValueError):
        bal.Balancer(policy, addresses(3))


@pytest.mark.parametrize("bad", ["", None, 8080])
def test_bad_endpoint_is_rejected_and_old_set_kept(bad):
    b = bal.Balancer("round_robin", addresses(3))
    with pytest.raises(ValueError):
        b.update(["10.0.0.9:8080", bad])
    assert b.endpoints() == addresses(3)


@pytest.mark.parametrize("bad", ["10.0.0.1:80", [["10.0.0.1:80"]]])
def test_a_bare_string_or_unhashable_endpoint_is_rejected_and_old_set_kept(bad):
    """A string is an iterable of strings: without a check, it balances over its characters."""
    b = bal.Balancer("round_robin", addresses(3))
    with pytest.raises(ValueError):
        b.update(bad)
    assert b.endpoints() == addresses(3)
    with pytest.raises(ValueError):
        bal.Balancer("p2c", bad)


@pytest.mark.parametrize("policy", bal.POLICIES)
def test_no_endpoints_fails_fast(policy):
    b = bal.Balancer(policy, [])
    with pytest.raises(bal.NoEndpoints):
        b.pick()
    b.update(addresses(2))
    b.update([])
    with pytest.raises(bal.NoEndpoints):
        b.pick()


def test_round_robin_cycles_and_survives_shrinking():
    b = bal.Balancer("round_robin", addresses(4))
    assert [b.pick().address for _ in range(8)] == addresses(4) * 2
    for _ in range(3):
        b.pick()
    b.update(addresses(2))  # cursor was 3; must not index past the new, shorter list
    assert {b.pick().address for _ in range(4)} == set(addresses(2))


def test_duplicates_in_an_update_count_once():
    b = bal.Balancer("round_robin", ["a:1", "a:1", "b:1"])
    assert b.endpoints() == ["a:1", "b:1"]


def test_p2c_never_picks_the_busier_of_its_two():
    b = bal.Balancer("p2c", ["busy:1", "idle:1"], rng=random.Random(7))
    held = [b.pick() for _ in range(1)]
    busy = held[0].address
    for _ in range(200):
        lease = b.pick()
        assert lease.address != busy
        lease.release()


def test_least_loaded_picks_the_minimum_and_spreads_ties():
    b = bal.Balancer("least_loaded", addresses(10), rng=random.Random(3))
    leases = [b.pick() for _ in range(10)]
    assert sorted(lease.address for lease in leases) == sorted(addresses(10))  # one each: the minimum every time


def test_least_loaded_breaks_ties_at_random():
    """Pick and release on an idle pool: every endpoint ties at 0, so first-in-list would always return one."""
    b = bal.Balancer("least_loaded", addresses(10), rng=random.Random(3))
    seen = set()
    for _ in range(50):
        with b.pick() as lease:
            seen.add(lease.address)
    assert len(seen) >= 5


def test_release_is_idempotent_and_context_manager_releases():
    b = bal.Balancer("random", addresses(1))
    lease = b.pick()
    lease.release()
    lease.release()  # a timeout path and a late response both release
    assert b.in_flight() == {addresses(1)[0]: 0}
    with b.pick():
        assert b.in_flight()[addresses(1)[0]] == 1
    assert b.in_flight()[addresses(1)[0]] == 0


def test_removed_endpoint_drains_then_disappears():
    b = bal.Balancer("least_loaded", ["old:1"])
    lease = b.pick()
    b.update(["new:1"])
    assert b.endpoints() == ["new:1"]
    assert b.in_flight() == {"new:1": 0, "old:1": 1}  # still counted while its request runs
    for _ in range(20):
        assert b.pick().address == "new:1"  # never picked again
    lease.release()
    assert "old:1" not in b.in_flight()


def test_readded_endpoint_keeps_its_in_flight_count():
    b = bal.Balancer("least_loaded", ["a:1", "b:1"], rng=random.Random(1))
    held = [b.pick() for _ in range(6)]  # 3 on each
    b.update(["b:1"])  # a flaps out of discovery ...
    b.update(["a:1", "b:1"])  # ... and back, with its 3 requests still running
    assert b.in_flight() == {"a:1": 3, "b:1": 3}
    for lease in held:
        lease.release()
    assert b.in_flight() == {"a:1": 0, "b:1": 0}


@pytest.mark.parametrize("policy", bal.POLICIES)
def test_many_threads_pick_while_discovery_churns(policy):
    b = bal.Balancer(policy, addresses(8), rng=random.Random(11))
    errors, stop = [], threading.Event()
    seen_sets = [set(addresses(8)), set(addresses(12)[4:]), set(addresses(4))]
    everything = set().union(*seen_sets)

    def worker() -> None:
        try:
            for _ in range(1500):
                with b.pick() as lease:
                    assert lease.address in everything
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def churn() -> None:
        i = 0
        while not stop.is_set():
            b.update(sorted(seen_sets[i % 3]))
            i += 1

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so unlocked read-modify-writes interleave
    try:
        updater = threading.Thread(target=churn)
        updater.start()
        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        updater.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert not errors
    counts = b.in_flight()
    assert all(v == 0 for v in counts.values())  # nothing lost, nothing counted twice
    assert set(counts) == set(b.endpoints())  # every draining endpoint was dropped at its last release


class MeetingRng:
    """An rng that makes a pick wait, between reading the counts and incrementing one, for a second picker.

    Under the balancer's lock the second picker cannot get in, the bounded wait times out and the picks run one after
    the other; without the lock both picks read the same counts."""

    def __init__(self, timeout: float = 0.5) -> None:
        self.barrier = threading.Barrier(2, timeout=timeout)

    def choice(self, seq):
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return seq[0]


def test_lock_two_concurrent_least_loaded_picks_take_different_endpoints():
    b = bal.Balancer("least_loaded", ["a:1", "b:1"], rng=MeetingRng())
    out: list[str] = []
    threads = [threading.Thread(target=lambda: out.append(b.pick().address)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == ["a:1", "b:1"] and b.in_flight() == {"a:1": 1, "b:1": 1}


class PauseRng:
    """An rng that holds a pick, after it has read the pool, until an update has run (or 0.5 s have passed)."""

    def __init__(self) -> None:
        self.in_pick, self.updated = threading.Event(), threading.Event()

    def choice(self, seq):
        self.in_pick.set()
        self.updated.wait(0.5)
        return seq[0]


def test_lock_an_update_cannot_drop_an_endpoint_a_pick_is_taking():
    rng = PauseRng()
    b = bal.Balancer("least_loaded", ["x:1"], rng=rng)
    leases: list = []
    picker = threading.Thread(target=lambda: leases.append(b.pick()))
    picker.start()
    assert rng.in_pick.wait(1)
    b.update(["y:1"])  # discovery removes x while the pick is between reading the pool and counting its request
    rng.updated.set()
    picker.join()
    assert b.in_flight().get(leases[0].address) == 1  # the unreleased lease is counted (in the draining table)
    leases[0].release()
    assert b.in_flight() == {"y:1": 0}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(
    st.tuples(st.just("pick")),
    st.tuples(st.just("release"), st.integers(0, 50)),
    st.tuples(st.just("update"), st.sets(st.sampled_from(["a:1", "b:1", "c:1", "d:1"]))),
), max_size=60), st.sampled_from(bal.POLICIES))
def test_property_in_flight_equals_unreleased_leases(ops, policy):
    b = bal.Balancer(policy, ["a:1", "b:1"], rng=random.Random(0))
    live: list = []
    for op in ops:
        if op[0] == "pick":
            try:
                lease = b.pick()
            except bal.NoEndpoints:
                assert b.endpoints() == []
                continue
            assert lease.address in b.endpoints()
            live.append(lease)
        elif op[0] == "release" and live:
            live.pop(op[1] % len(live)).release()
        elif op[0] == "update":
            b.update(sorted(op[1]))
        expected: dict[str, int] = {a: 0 for a in b.endpoints()}
        for lease in live:
            expected[lease.address] = expected.get(lease.address, 0) + 1
        assert b.in_flight() == expected


def max_in_flight(policy: str, n: int, seed: int) -> int:
    """n requests, none finished yet, over n endpoints: the balls-into-bins experiment."""
    b = bal.Balancer(policy, addresses(n), rng=random.Random(seed))
    for _ in range(n):
        b.pick()
    return max(b.in_flight().values())


def test_two_choices_in_text(text):
    n, seeds = 1000, range(20)
    rand = [max_in_flight("random", n, s) for s in seeds]
    two = [max_in_flight("p2c", n, s) for s in seeds]
    pinned(text, f"random's busiest endpoint held {sum(rand) / len(rand):.1f} requests on average over {len(seeds)} seeds")
    pinned(text, f"(between {min(rand)} and {max(rand)})")
    assert min(two) == max(two)
    pinned(text, f"two choices held exactly {two[0]} in every run")
    log_n = math.log(n)
    pinned(text, f"$\\ln n / \\ln \\ln n = {log_n / math.log(log_n):.2f}$")  # 3.57
    pinned(text, f"$\\ln \\ln n / \\ln 2 = {math.log(log_n) / math.log(2):.2f}$")  # 2.79


# --------------------------------------------------------------------------- xds_client.py


def eds(*pairs) -> tuple:
    return tuple((name, tuple(eps)) for name, eps in pairs)


def connected(clusters=("orders",), **kw):
    client, server = xds.XdsClient(clusters, **kw), xds.ManagementServer()
    first = client.start_stream()
    assert first == xds.DiscoveryRequest("", tuple(clusters), "")
    assert server.on_request(client.stream, first) == "subscribe"
    return client, server


def test_valid_update_is_applied_and_acked_with_its_version_and_nonce():
    client, server = connected()
    response = server.push(client.stream, eds(("orders", ["10.0.0.1:8080", "10.0.0.2:8080"])))
    ack = client.on_response(response)
    assert (ack.version_info, ack.response_nonce, ack.error_detail) == ("v1", response.nonce, None)
    assert client.endpoints("orders") == ("10.0.0.1:8080", "10.0.0.2:8080")
    assert server.on_request(client.stream, ack) == "ack" and server.acked[client.stream] == "v1"


@pytest.mark.parametrize("bad", [
    eds(("orders", ["10.0.0.1"])),  # no port
    eds(("orders", ["10.0.0.1:0"])),
    eds(("orders", ["10.0.0.1:70000"])),
    eds(("orders", [":8080"])),
    eds(("orders", ["10.0.0.1:80", "10.0.0.1:80"])),  # duplicate endpoint
    eds(("orders", ["10.0.0.3:80"]), ("orders", ["10.0.0.4:80"])),  # same resource twice
    (("orders", (None,)),),  # not an address at all
    (("orders", "10.0.0.1:80"),),  # a string where a list belongs
    (("", ("10.0.0.1:80",)),),  # unnamed resource
])
def test_invalid_update_is_nacked_and_last_good_config_kept(bad):
    client, server = connected()
    assert server.on_request(client.stream, client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:8080"]))))) == "ack"
    response = server.push(client.stream, bad)
    nack = client.on_response(response)
    assert nack.is_nack and nack.version_info == "v1" and nack.response_nonce == response.nonce
    assert nack.error_detail and client.last_error == nack.error_detail
    assert client.endpoints("orders") == ("10.0.0.1:8080",) and client.version == "v1"
    assert server.on_request(client.stream, nack) == "nack" and server.acked[client.stream] == "v1"
    good = server.push(client.stream, eds(("orders", ["10.0.0.5:8080"])))  # the control plane fixes it
    assert client.on_response(good).version_info == "v3"
    assert client.endpoints("orders") == ("10.0.0.5:8080",) and client.last_error is None


def test_wrong_type_is_nacked():
    client, server = connected()
    response = xds.DiscoveryResponse("v9", eds(("orders", ["10.0.0.1:80"])), "n1", type_url="type.googleapis.com/x",
                                     stream=client.stream)
    assert client.on_response(response).is_nack and client.endpoints("orders") == ()


def test_unrequested_resources_are_ignored_and_others_kept():
    client, server = connected(("orders", "users"))
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80"]), ("users", ["10.0.1.1:80"]))))
    client.on_response(server.push(client.stream, eds(("users", ["10.0.1.2:80"]), ("ads", ["10.9.9.9:80"]))))
    assert client.endpoints("ads") == ()
    assert client.endpoints("orders") == ("10.0.0.1:80",)  # EDS responses carry only what changed
    assert client.endpoints("users") == ("10.0.1.2:80",)


def test_ack_that_crosses_a_newer_push_is_stale_and_ignored():
    client, server = connected()
    first = server.push(client.stream, eds(("orders", ["10.0.0.1:80"])))
    second = server.push(client.stream, eds(("orders", ["10.0.0.1:80", "10.0.0.2:80"])))  # before the ACK arrives
    late_ack = client.on_response(first)
    assert server.on_request(client.stream, late_ack) == "stale"
    assert client.stream not in server.acked  # not taken as "client runs v1", nor as a NACK of v2
    assert server.on_request(client.stream, client.on_response(second)) == "ack"
    assert server.acked[client.stream] == "v2"


def test_response_from_a_replaced_stream_is_ignored():
    client, server = connected()
    old_stream = client.stream
    client.on_response(server.push(old_stream, eds(("orders", ["10.0.0.1:80"]))))
    late = server.push(old_stream, eds(("orders", [])))  # was in flight when the stream broke
    reconnect = client.start_stream()
    assert client.on_response(late) is None
    assert client.endpoints("orders") == ("10.0.0.1:80",)
    assert reconnect == xds.DiscoveryRequest("v1", ("orders",), "")  # resumes from the version it runs


def test_control_plane_gone_data_plane_keeps_last_config():
    client, server = connected()
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80", "10.0.0.2:80"]))))
    del server  # the control plane is gone; the client reconnects and hears nothing, again and again
    for _ in range(5):
        client.start_stream()
    assert client.endpoints("orders") == ("10.0.0.1:80", "10.0.0.2:80") and client.version == "v1"
    b = bal.Balancer("p2c", client.endpoints("orders"), rng=random.Random(2))
    assert b.pick().address in client.endpoints("orders")  # and requests still flow


def test_empty_set_is_valid_protocol_and_is_applied():
    """The trap the chapter's exercise closes: an empty assignment is well-formed, so the listing ACKs it."""
    client, server = connected()
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80"]))))
    assert not client.on_response(server.push(client.stream, eds(("orders", [])))).is_nack
    assert client.endpoints("orders") == ()


def test_concurrent_responses_never_leave_a_torn_config():
    client, server = connected(("a", "b"))
    pushes = [server.push(client.stream, eds(("a", [f"10.0.0.{i}:80"]), ("b", [f"10.0.1.{i}:80"]))) for i in range(1, 60)]

    def deliver(chunk):
        for response in chunk:
            client.on_response(response)

    threads = [threading.Thread(target=deliver, args=(pushes[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = client.endpoints("a")[0], client.endpoints("b")[0]
    assert a.split(".")[-1] == b.split(".")[-1]  # both clusters from the same response
    assert client.version == f"v{a.split('.')[-1].split(':')[0]}"


def test_lock_a_reconnect_cannot_slip_between_the_stream_check_and_the_apply():
    paused, go = threading.Event(), threading.Event()

    def slow_validate(resources, current):
        xds.validate_endpoints(resources)
        paused.set()
        go.wait(0.5)

    client, server = connected(validate=slow_validate)
    go.set()
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80"]))))
    go.clear()
    paused.clear()
    response = server.push(client.stream, eds(("orders", ["10.0.0.2:80"])))
    t = threading.Thread(target=client.on_response, args=(response,))
    t.start()
    assert paused.wait(1)
    reconnect = client.start_stream()  # the stream breaks while v2 is being validated
    go.set()
    t.join()
    assert reconnect.version_info == client.version  # the reconnect reported what the client runs, then and now


class PausingResources(tuple):
    """Resources that, once `validated` is set, pause between the first and the second cluster until `go` is set (or
    0.5 s have passed): the only pass over them after validation is on_response's apply loop."""

    def __new__(cls, items, validated, paused, go):
        self = super().__new__(cls, items)
        self.validated, self.paused, self.go = validated, paused, go
        return self

    def __iter__(self):
        applying = self.validated.is_set()
        for i, item in enumerate(tuple.__iter__(self)):
            if applying and i == 1:
                self.paused.set()
                self.go.wait(0.5)
            yield item


def test_lock_a_reader_never_sees_half_of_a_multi_cluster_response():
    validated, paused, go = threading.Event(), threading.Event(), threading.Event()

    def validate(resources, current):
        xds.validate_endpoints(resources)
        if isinstance(resources, PausingResources):
            validated.set()

    client, server = connected(("a", "b"), validate=validate)
    client.on_response(server.push(client.stream, eds(("a", ["10.0.0.1:80"]), ("b", ["10.0.1.1:80"]))))
    resources = PausingResources(eds(("a", ["10.0.0.2:80"]), ("b", ["10.0.1.2:80"])), validated, paused, go)
    t = threading.Thread(target=client.on_response, args=(server.push(client.stream, resources),))
    t.start()
    assert paused.wait(1)
    seen: list = []
    reader = threading.Thread(target=lambda: seen.append((client.endpoints("a"), client.endpoints("b"))))
    reader.start()
    reader.join(0.2)  # under the lock the reader waits for the apply; without it, it reads now
    go.set()
    t.join()
    reader.join()
    (a,), (b,) = seen[0]
    assert a.split(":")[0].split(".")[-1] == b.split(":")[0].split(".")[-1]  # both clusters from one response


@pytest.mark.parametrize("bad", [
    (("orders", None),),  # no endpoint list at all
    (("orders", 5),),
    ((["orders"], ("10.0.0.1:80",)),),  # a name that is not a string (and not hashable)
    (("orders", ("10.0.0.1:\u0668\u0660",)),),  # Arabic-Indic digits: str.isdigit() is true for them
    (("orders", ("a b:80",)),),  # whitespace in the host
    ("orders",),  # a resource that is not a (name, endpoints) pair
])
def test_malformed_resources_are_nacked_not_raised(bad):
    client, server = connected()
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:8080"]))))
    nack = client.on_response(server.push(client.stream, bad))
    assert nack.is_nack and client.endpoints("orders") == ("10.0.0.1:8080",) and client.version == "v1"


def test_one_shot_iterable_of_resources_is_nacked_not_acked_unapplied():
    """A generator is empty the second time it is iterated: validated, then nothing applied, yet ACKed."""
    client, server = connected()
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80"]))))
    reply = client.on_response(server.push(client.stream, (x for x in [("orders", ("10.0.0.9:80",))])))
    assert reply.is_nack or client.endpoints("orders") == ("10.0.0.9:80",)
    assert reply.is_nack and client.endpoints("orders") == ("10.0.0.1:80",) and client.version == "v1"


@pytest.mark.parametrize("bad", [None, 5])
def test_resources_that_are_not_a_list_are_nacked_not_raised(bad):
    client, server = connected()
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80"]))))
    nack = client.on_response(server.push(client.stream, bad))
    assert nack.is_nack and client.endpoints("orders") == ("10.0.0.1:80",) and client.version == "v1"


valid_update = st.lists(st.sampled_from(["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]), unique=True, max_size=3)
invalid_update = st.sampled_from([["10.0.0.1"], ["x:0"], ["10.0.0.1:80", "10.0.0.1:80"]])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.booleans(), valid_update, invalid_update), max_size=25))
def test_property_config_is_the_last_accepted_update(steps):
    client, server = connected()
    expected_eps, expected_version = (), ""
    for valid, good, bad in steps:
        response = server.push(client.stream, eds(("orders", good if valid else bad)))
        reply = client.on_response(response)
        assert reply.response_nonce == response.nonce and reply.is_nack == (not valid)
        if valid:
            expected_eps, expected_version = tuple(good), response.version_info
        assert client.endpoints("orders") == expected_eps and reply.version_info == expected_version
        assert server.on_request(client.stream, reply) == ("nack" if not valid else "ack")


# --------------------------------------------------------------------------- the exercise solution


@pytest.mark.parametrize("bad", [0, -0.5, 1.5, float("nan"), float("inf"), "half", True])
def test_guard_rejects_bad_fractions(bad):
    with pytest.raises(ValueError):
        guard.mass_removal_guard(bad)


def test_guard_nacks_empty_and_mass_removal_but_allows_steps():
    client, server = connected(validate=guard.mass_removal_guard(0.5))
    ten = [f"10.0.0.{i}:80" for i in range(1, 11)]
    assert not client.on_response(server.push(client.stream, eds(("orders", ten)))).is_nack  # first push: no floor
    empty = client.on_response(server.push(client.stream, eds(("orders", []))))
    assert empty.is_nack and "0 of 10" in empty.error_detail
    assert client.endpoints("orders") == tuple(ten)
    assert client.on_response(server.push(client.stream, eds(("orders", ten[:4])))).is_nack  # 4 < 5
    assert not client.on_response(server.push(client.stream, eds(("orders", ten[:5])))).is_nack  # a step of half
    assert not client.on_response(server.push(client.stream, eds(("orders", ten[:3])))).is_nack  # 3 >= ceil(2.5)
    assert client.endpoints("orders") == tuple(ten[:3])
    bad = client.on_response(server.push(client.stream, eds(("orders", ten[:2] + ["bad"]))))  # 3 of 3: floor passes
    assert bad.is_nack and bad.error_detail == "orders: bad endpoint address 'bad'"  # the protocol check caught it


def test_guard_floor_rounds_up_on_odd_counts():
    client, server = connected(validate=guard.mass_removal_guard(0.5))
    five = [f"10.0.0.{i}:80" for i in range(1, 6)]
    client.on_response(server.push(client.stream, eds(("orders", five))))
    assert client.on_response(server.push(client.stream, eds(("orders", five[:2])))).is_nack  # 2 < ceil(2.5) = 3
    assert not client.on_response(server.push(client.stream, eds(("orders", five[:3])))).is_nack


def test_guard_never_accepts_the_last_removal():
    """What the chapter says about emptying a cluster: 1 -> 0 is below any floor, even 10%."""
    client, server = connected(validate=guard.mass_removal_guard(0.1))
    client.on_response(server.push(client.stream, eds(("orders", ["10.0.0.1:80"]))))
    assert client.on_response(server.push(client.stream, eds(("orders", [])))).is_nack
    assert client.endpoints("orders") == ("10.0.0.1:80",)


def test_guard_bounds_the_size_of_a_change_not_its_content():
    """What the chapter says the guard does not catch: a push that swaps every address keeps the count."""
    client, server = connected(validate=guard.mass_removal_guard(0.5))
    client.on_response(server.push(client.stream, eds(("orders", [f"10.0.0.{i}:80" for i in range(1, 6)]))))
    swapped = [f"10.9.9.{i}:80" for i in range(1, 6)]
    assert not client.on_response(server.push(client.stream, eds(("orders", swapped)))).is_nack
    assert client.endpoints("orders") == tuple(swapped)


# --------------------------------------------------------------------------- numbers in the prose


def ms(units: float) -> str:
    """A simulated time (in mean service times of 10 ms) as the chapter prints it."""
    return f"{10 * units:,.0f}"


def test_policy_p99_at_90_percent_in_text(text, sim):
    p = {policy: sim["p99"](policy, 0.9) for policy in sim["POLICIES"]}
    pinned(text, f"At 90% utilization the p99 is {ms(p['random'])} ms for random, {ms(p['round robin'])} ms for round "
                 f"robin, {ms(p['power of two'])} ms for two choices and {ms(p['least loaded'])} ms for least loaded")
    assert p["least loaded"] < p["power of two"] < p["round robin"] < p["random"]
    assert 4.5 < p["random"] / p["power of two"] < 5  # "almost five times"
    mm1 = 10 * math.log(100) / (1 - 0.9)  # M/M/1 p99 in ms
    pinned(text, f"10\\ \\text{{ms}} \\times {math.log(100):.2f} / 0.1 = {mm1:.1f}$ ms")
    pinned(text, f"the simulated {ms(p['random'])} ms is {(mm1 - 10 * p['random']) / mm1:.1%} below it")


def test_stale_data_numbers_in_text(text, sim):
    p99 = sim["p99"]
    rr, rand = p99("round robin", 0.9), p99("random", 0.9)
    ll20, ll40 = p99("least loaded", 0.9, 2.0), p99("least loaded", 0.9, 4.0)
    two80 = p99("power of two", 0.9, 8.0)
    pinned(text, f"least loaded's p99 is {ms(ll20)} ms, worse than round robin")
    pinned(text, f"at 40 ms it is {ms(ll40)} ms, worse than random")
    pinned(text, f"Two choices at 80 ms is still at {ms(two80)} ms")
    assert ll20 > rr and ll40 > rand and two80 < rr  # the claims the sentences make
    assert p99("least loaded", 0.9, 0.0) < p99("power of two", 0.9, 0.0)  # best with exact data


def test_exercise_3_stale_two_choices_at_250_service_times(text, sim):
    """Exercise 3's data is 5 s / 20 ms = 250 service times old at 70% utilization: two choices over it is worse
    than random and than round robin, so the fix drops the published data."""
    p99 = sim["p99"]
    rand, rr = p99("random", 0.7), p99("round robin", 0.7)
    two = p99("power of two", 0.7, 5 / 0.020)
    assert two > rand > rr
    pinned(text, f"a p99 about {two / rand:.0f} times random's and {two / rr:.0f} times round robin's")
    # the Misconception's crossover: two choices over a shared board falls behind round robin at about 3 service times
    assert p99("power of two", 0.7, 2.0) < rr < p99("power of two", 0.7, 4.0)
    assert abs(p99("power of two", 0.7, 3.0) - rr) / rr < 0.02
    pinned(text, "stale two choices falls behind round robin at about 3 service times")


def test_exercise_2_guard_holding_a_mostly_dead_set(text):
    """10 -> 2 with 8 Pods gone: the guard keeps 10, outlier detection ejects max(1, 10% of 10), the rest is routed."""
    before, after, cap, panic = 10, 2, 0.10, 0.5
    ejected = max(1, int(cap * before))
    routed, dead = before - ejected, before - after - ejected
    pinned(text, f"outlier detection ejects {ejected}, and {dead} of the {routed} routed hosts are dead: "
                 f"{dead / routed:.0%} of first attempts fail")
    assert after / before < panic  # panic: all 10 hosts used
    pinned(text, f"{after} of {before} healthy is below 50%, so panic routes to all {before} and "
                 f"{(before - after) / before:.0%} fail")


def test_mm1_sanity_check_of_the_simulation(sim):
    """Random splitting of Poisson arrivals gives each server an M/M/1 queue: p99 = ln(100) / (1 - rho)."""
    for rho in (0.5, 0.9):
        assert sim["p99"]("random", rho) == pytest.approx(math.log(100) / (1 - rho), rel=0.03)


def test_endpointslice_arithmetic_in_text(text):
    pods, nodes, per_slice = 5000, 1000, 100
    pinned(text, f"{per_slice} × {nodes:,} = {per_slice * nodes:,} endpoint entries")
    pinned(text, f"{pods:,} × {nodes:,} = {pods * nodes:,}, at least fifty times more")
    assert pods * nodes // (per_slice * nodes) == 50


def test_dead_instance_worked_example_in_text(text):
    instances, clients, rps = 20, 200, 2000
    per_instance, per_pair = rps / instances, rps / clients / instances
    pinned(text, f"{rps:,} / {instances} = {per_instance:.0f} requests per second")
    pinned(text, f"{rps:,} / {clients} / {instances} = {per_pair} requests per second")
    detect, ttl = 3 * 10, 30
    window = detect + ttl
    pinned(text, f"{detect} + {ttl} = {window} s: {per_instance:.0f} × {window} = {per_instance * window:,.0f} failed requests")
    pinned(text, f"That is {per_instance * window / (rps * window):.0%} of the {rps:,} × {window} = {rps * window:,}")
    eject_after = 5  # Envoy's consecutive_5xx default
    pinned(text, f"about {eject_after} / {per_pair} = {eject_after / per_pair:.0f} s")
    pinned(text, f"{clients} × {eject_after} = {clients * eject_after:,} failed requests in total")
    assert clients * eject_after == per_instance * (eject_after / per_pair)  # the cross-check the text makes
    assert max(1, int(0.10 * instances)) == 2  # "10% of 20 hosts is 2"


def test_connections_worked_example_in_text(text):
    clients, servers, interval, subset, proxies = 300, 200, 5, 20, 6
    pinned(text, f"{clients} × {servers} = {clients * servers:,}. Probes: {clients * servers:,} / {interval} s = "
                 f"{clients * servers // interval:,} per second")
    pinned(text, f"{clients} / {interval} = {clients // interval} probes per second")
    pinned(text, f"{clients} × {subset} = {clients * subset:,}. Each server is in {clients} × {subset} / {servers} = "
                 f"{clients * subset // servers} subsets")
    pinned(text, f"{clients * subset // servers} / {interval} = {clients * subset // servers // interval} probes per second")
    pinned(text, f"{clients * subset:,} / {interval} = {clients * subset // interval:,}")
    pinned(text, f"{clients} × {proxies} = {clients * proxies:,}")
    pinned(text, f"{proxies} × {servers} = {proxies * servers:,}. Probes: {proxies} × {servers} / {interval} = "
                 f"{proxies * servers // interval} per second, {proxies * servers / interval / servers:.1f} per server")
    pinned(text, f"to {4 * clients * servers:,}")


def test_exercise_numbers(text):
    # Exercise 1
    pinned(text, "10 + 60 + 60 = 130 s")
    pinned(text, f"4,000 / 40 = {4000 // 40} requests per second. Over 130 s: {100 * 130:,} failed requests, "
                 f"{100 * 130 / (4000 * 130):.1%} of the {4000 * 130:,}")
    per_pair = 4000 / 400 / 40
    detection = 2 * 5
    pinned(text, f"4,000 / 400 / 40 = {per_pair} requests per second. The registry deregisters at "
                 f"2 × 5 = {detection} s")
    pinned(text, f"{per_pair} × {detection} = {per_pair * detection} requests, short of the 5 consecutive failures "
                 f"outlier detection needs (5 / {per_pair} = {5 / per_pair:.0f} s)")
    assert per_pair * detection < 5  # (c): EDS wins, no client reaches 5 failures
    pinned(text, f"about 100 × {detection} = {4000 // 40 * detection:,} requests fail")  # (c)
    assert 4000 // 40 * 10 == 1000
    pinned(text, f"five consecutive failures take about 5 / {per_pair} = {5 / per_pair:.0f} s per client")  # (d)
    pinned(text, f"400 × 5 = {400 * 5:,} failed requests")  # (d)
    assert 400 * 5 == 4000 // 40 * (5 / per_pair) == 2000
    assert 10 + 30 < 5 / per_pair + 30  # (d): the late push (40 s) lands before the ejection ends (50 s)
    # Exercise 2: the guard's floor
    pinned(text, f"$\\lceil 0.5 \\times 10 \\rceil = {math.ceil(0.5 * 10)}$")
    # Exercise 3: 5 s of data in 20 ms service times; reads per second from 2,000 clients every 5 s
    pinned(text, f"which is {5 / 0.020:.0f} mean service times")
    pinned(text, f"({2000 // 5} reads per second)")
    # Exercise 5: Little's Law
    pinned(text, f"50,000 × 0.005 = {50000 * 0.005:.0f} requests in flight")
    # Exercise 6: SRV weights
    pinned(text, f"1,000 × 60 / 100 = {1000 * 60 // 100} and 1,000 × 40 / 100 = {1000 * 40 // 100}")
    pinned(text, f"{1000 / 400:.1f} times its load")
