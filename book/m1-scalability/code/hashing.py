"""Consistent hashing: five ways to map a key to a node, behind one interface.

Every placement is built from a list of node names and answers `lookup(key) -> node`. A placement never changes after
it is built: a membership change builds a new one and swaps the reference (one atomic assignment in Python), so any
number of threads may call `lookup` with no lock. Only `BoundedLoad`, which counts requests in flight, has mutable
state: it guards that state with a lock, and a membership change goes through `with_nodes`, which carries the counts.

All hashing goes through `stable_hash` (BLAKE2b), never Python's `hash()`: `hash()` of a string is salted per process
(PYTHONHASHSEED), so two processes, or one process after a restart, would disagree about where every key lives.
"""
from __future__ import annotations

import bisect
import hashlib
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from itertools import count, islice
from typing import NamedTuple, Protocol

MASK64 = (1 << 64) - 1


def stable_hash(text: str, salt: str = "") -> int:
    """A 64-bit hash of `text` that every process and every machine computes alike. `salt` (at most 16 bytes) gives
    independent hashes. "surrogatepass" accepts every Python string, including lone surrogates from JSON escapes."""
    salt_bytes = salt.encode("utf-8", "surrogatepass")
    if len(salt_bytes) > 16:  # BLAKE2b would reject it; cutting it would make distinct salts hash alike
        raise ValueError(f"salt must be at most 16 bytes, got {len(salt_bytes)}")
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8, salt=salt_bytes)
    return int.from_bytes(digest.digest(), "big")


def _check_nodes(nodes: Sequence[str]) -> tuple[str, ...]:
    nodes = tuple(nodes)
    if not nodes:
        raise ValueError("a placement needs at least one node")
    for node in nodes:
        if not isinstance(node, str) or not node:
            raise ValueError(f"node names must be non-empty strings, got {node!r}")
    if len(set(nodes)) != len(nodes):
        raise ValueError("duplicate node names: each node must appear once")
    return nodes


def _check_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


class Placement(Protocol):
    nodes: tuple[str, ...]

    def lookup(self, key: str) -> str: ...


class ModN:
    """The naive baseline: node = hash(key) mod N. Even, and moves almost every key when N changes."""

    def __init__(self, nodes: Sequence[str]) -> None:
        self.nodes = _check_nodes(nodes)

    def lookup(self, key: str) -> str:
        return self.nodes[stable_hash(key) % len(self.nodes)]


class Ring:
    """The ring with `vnodes` points per node: a key goes to the first point clockwise (the form Dynamo and libketama
    use; Karger et al. send a key to the closest point). Memory O(N v); lookup O(log(N v)) by binary search."""

    def __init__(self, nodes: Sequence[str], vnodes: int = 100) -> None:
        self.nodes = _check_nodes(nodes)
        self.vnodes = _check_count("vnodes", vnodes, 1)
        # Each point is (position, node); sorting the pairs breaks a 64-bit collision by name, the same way everywhere.
        points = sorted((stable_hash(f"{node}#{i}"), node) for node in self.nodes for i in range(vnodes))
        self._positions = [position for position, _ in points]
        self._owners = [node for _, node in points]

    def lookup(self, key: str) -> str:
        # The first point at or after the key's position, wrapping past the top of the ring to the first point.
        i = bisect.bisect_left(self._positions, stable_hash(key))
        return self._owners[i % len(self._owners)]

    def shares(self) -> dict[str, float]:
        """The fraction of the hash space each node owns: the arcs that end at its points, summed."""
        share = dict.fromkeys(self.nodes, 0)
        for i, owner in enumerate(self._owners):  # point i owns the arc from the previous point (wrapping) up to it
            share[owner] += (self._positions[i] - self._positions[i - 1]) % (1 << 64)
        if len(self._owners) == 1 or len(set(self._positions)) == 1:
            return {node: 1.0 if node == self._owners[0] else 0.0 for node in self.nodes}
        return {node: arc / (1 << 64) for node, arc in share.items()}

    def walk(self, key: str) -> Iterator[str]:
        """Every node once, in the order met walking clockwise from the key's position."""
        start = bisect.bisect_left(self._positions, stable_hash(key))
        seen: set[str] = set()
        for step in range(len(self._owners)):
            node = self._owners[(start + step) % len(self._owners)]
            if node not in seen:
                seen.add(node)
                yield node
                if len(seen) == len(self.nodes):
                    return

    def preference(self, key: str, k: int) -> list[str]:
        """The first k distinct nodes clockwise from the key: Dynamo's preference list for k replicas."""
        k = min(_check_count("k", k, 1), len(self.nodes))
        return list(islice(self.walk(key), k))


class Rendezvous:
    """Highest random weight (Thaler and Ravishankar): every node scores the key; the highest score wins.
    Memory O(N); lookup O(N) hashes."""

    def __init__(self, nodes: Sequence[str]) -> None:
        self.nodes = _check_nodes(nodes)

    def _scores(self, key: str) -> list[tuple[int, str]]:
        return [(stable_hash(f"{node}\x00{key}"), node) for node in self.nodes]

    def lookup(self, key: str) -> str:
        return max(self._scores(key))[1]  # a tie in 64 bits falls to the larger name, the same in every process

    def preference(self, key: str, k: int) -> list[str]:
        """The k highest-scoring nodes, best first: the replica set, and where a key goes if its owner leaves."""
        k = min(_check_count("k", k, 1), len(self.nodes))
        return [node for _, node in sorted(self._scores(key), reverse=True)[:k]]


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    return all(n % d for d in range(2, math.isqrt(n) + 1))


class Maglev:
    """Maglev hashing (Eisenbud et al., NSDI 2016): a lookup table of M entries, M prime, filled from one permutation
    per node. Memory O(M); lookup O(1); build O(M log M) expected."""

    def __init__(self, nodes: Sequence[str], table_size: int = 65537) -> None:
        # Sorted, so the table depends on the set of nodes and not on the order the caller listed them in.
        self.nodes = tuple(sorted(_check_nodes(nodes)))
        m = _check_count("table_size", table_size, 2)
        if not _is_prime(m):
            raise ValueError(f"table_size must be prime (every skip must be coprime with it), got {m}")
        if m < len(self.nodes):
            raise ValueError(f"table_size {m} is smaller than the {len(self.nodes)} nodes it must hold")
        self.table_size = m
        self.table = self._populate()

    @staticmethod
    def offset_skip(node: str, m: int) -> tuple[int, int]:
        """Where the node's permutation starts, and its step: 1 <= skip <= m - 1, so with m prime the step is coprime
        with m and the permutation visits every entry. (A skip of 0 would never move, and the fill would loop.)"""
        return stable_hash(node, "offset") % m, stable_hash(node, "skip") % (m - 1) + 1

    def _populate(self) -> list[int]:
        m, n = self.table_size, len(self.nodes)
        offset, skip = zip(*(self.offset_skip(node, m) for node in self.nodes), strict=True)
        next_index = [0] * n  # how far along its own permutation each node has got
        entry = [-1] * m
        filled = 0
        while True:
            for i in range(n):  # nodes take turns, one entry each, so shares differ by at most one entry
                c = (offset[i] + next_index[i] * skip[i]) % m
                while entry[c] >= 0:  # preferred entry taken: try the node's next preference
                    next_index[i] += 1
                    c = (offset[i] + next_index[i] * skip[i]) % m
                entry[c] = i
                next_index[i] += 1
                filled += 1
                if filled == m:
                    return entry

    def lookup(self, key: str) -> str:
        return self.nodes[self.table[stable_hash(key) % self.table_size]]


def jump_hash(key: int, num_buckets: int) -> int:
    """Lamping and Veach's jump consistent hash: a bucket in [0, num_buckets), O(ln n) expected steps, no memory."""
    _check_count("num_buckets", num_buckets, 1)
    key &= MASK64
    b, j = -1, 0
    while j < num_buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & MASK64  # a 64-bit linear congruential step, as in the paper
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


class Jump:
    """Jump hash over numbered buckets: node i is bucket i. Only the last bucket can leave without moving other keys."""

    def __init__(self, nodes: Sequence[str]) -> None:
        self.nodes = _check_nodes(nodes)

    def lookup(self, key: str) -> str:
        return self.nodes[jump_hash(stable_hash(key), len(self.nodes))]


class Ticket(NamedTuple):
    """One placed request: the node it went to, and an id that `release` accepts exactly once."""

    node: str
    id: int


class BoundedLoad:
    """Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): walk the ring clockwise from the
    key and take the first node whose load is below ceil(c * m / N), m counting the request being placed.

    `acquire` places a request, counts it and returns a ticket; `release(ticket)` ends it, once. Both hold one lock, so
    concurrent callers can never push a node past the bound that held when their request was placed. A membership
    change goes through `with_nodes`, which builds the new balancer with the counts of requests still in flight;
    the old one then forwards every call to the newest, so a thread holding an old reference cannot place unseen
    requests, however many changes have happened since.
    """

    def __init__(self, nodes: Sequence[str], c: float = 1.25, vnodes: int = 100) -> None:
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) or c < 1:
            raise ValueError(f"c must be a finite number >= 1, got {c!r}")
        self.ring = Ring(nodes, vnodes)
        self.nodes = self.ring.nodes
        self.c = c
        self._c = Fraction(str(c))  # exact, as the decimal was written: 1.1 is 11/10, not the float just above it
        self.load = dict.fromkeys(self.nodes, 0)
        self._total = 0
        self._open: dict[int, str] = {}  # ticket id -> node, for every request placed and not yet released
        self._ids = count()
        self._successor: BoundedLoad | None = None
        self._lock = threading.Lock()

    def capacity(self, in_flight: int) -> int:
        """The most requests any node may hold when `in_flight` requests are placed in all: ceil(c * in_flight / N),
        in integers, so c = 1.1 with 100 in flight on 2 nodes gives 55 (floating point gives 56)."""
        return -(-(self._c.numerator * in_flight) // (self._c.denominator * len(self.nodes)))

    @contextmanager
    def _live(self) -> Iterator[BoundedLoad]:
        """Lock and yield the balancer now in charge: this one, or the newest `with_nodes` built after it. The chain
        is followed in a loop, not by recursion, and shortened so the next call from this reference takes one step."""
        node = self
        while True:
            with node._lock:
                successor = node._successor
                if successor is None:
                    if node is not self:
                        self._successor = node  # a balancer at or before the newest: forwarding stays correct
                    yield node
                    return
            node = successor

    def lookup(self, key: str) -> str:
        """Where `key` would go now, without counting it (a snapshot: another thread may change the loads next)."""
        with self._live() as live:
            return live._choose(key)

    def _choose(self, key: str) -> str:
        cap = self.capacity(self._total + 1)
        for node in self.ring.walk(key):  # the key's home first, then its clockwise successors
            if self.load[node] < cap:
                return node
        # Unreachable: N * cap >= c * (total + 1) >= total + 1 > total, so some node is below the cap.
        raise AssertionError("no node below capacity")

    def acquire(self, key: str) -> Ticket:
        with self._live() as live:
            node = live._choose(key)
            live.load[node] += 1
            live._total += 1
            ticket = Ticket(node, next(live._ids))
            live._open[ticket.id] = node
            return ticket

    def release(self, ticket: Ticket) -> None:
        with self._live() as live:
            if not isinstance(ticket, Ticket) or live._open.get(ticket.id) != ticket.node:
                raise ValueError(f"ticket {ticket!r} is not open here: released twice, or placed elsewhere")
            node = live._open.pop(ticket.id)
            if node in live.load:  # a request on a node that has since left counts nowhere
                live.load[node] -= 1
                live._total -= 1

    @contextmanager
    def placed(self, key: str) -> Iterator[str]:
        """`with balancer.placed(key) as node:` releases the request however the block ends."""
        ticket = self.acquire(key)
        try:
            yield ticket.node
        finally:
            self.release(ticket)

    def with_nodes(self, nodes: Sequence[str]) -> BoundedLoad:
        """A balancer over `nodes` starting with the requests in flight; older references forward to it from now on."""
        with self._live() as live:
            new = BoundedLoad(nodes, live.c, live.ring.vnodes)
            new._open = dict(live._open)
            new._ids = live._ids  # one id sequence, so tickets from before and after the change never collide
            for node in live._open.values():
                if node in new.load:
                    new.load[node] += 1
                    new._total += 1
            live._successor = new
            return new


def moved_fraction(before: Placement, after: Placement, keys: Iterable[str]) -> float:
    """The share of `keys` whose node differs between two placements: the keys a membership change moves."""
    keys = list(keys)
    if not keys:
        raise ValueError("need at least one key")
    return sum(before.lookup(k) != after.lookup(k) for k in keys) / len(keys)


def max_over_mean(placement: Placement, keys: Iterable[str], weights: Iterable[float] | None = None) -> float:
    """The most-loaded node's load divided by the mean load; 1.0 is perfect balance. `weights` are per-key request
    rates (all 1 if omitted), so the same function measures key balance and request balance."""
    keys = list(keys)
    if not keys:
        raise ValueError("need at least one key")
    weights = [1.0] * len(keys) if weights is None else list(weights)
    load = dict.fromkeys(placement.nodes, 0.0)
    for key, w in zip(keys, weights, strict=True):
        load[placement.lookup(key)] += w
    if sum(load.values()) <= 0:
        raise ValueError("weights must add up to more than zero")
    return max(load.values()) / (sum(load.values()) / len(load))
