"""An L4 forwarding table that keeps established connections on their backend when the backend set changes.

Two mechanisms, as in Maglev (Eisenbud et al., NSDI 2016) and the SRE book's network load balancer:

1. Connection tracking: the first packet of a flow picks a backend, and the table remembers flow -> backend, so
   later packets follow the flow wherever the hash would now send them. Entries expire after `idle_timeout`
   seconds without a packet (the table does not watch for FIN or RST); they are kept in least-recently-seen order,
   so `expire()` and a full table reclaim idle entries from the front in O(1) each. The table holds at most
   `max_entries` (a SYN flood must not exhaust memory); when it is full of live flows, new flows are forwarded by
   the hash alone, untracked.
2. A consistent hash for flows the table does not know (new flows, flows from a full table, and flows that ECMP
   moved here from another balancer, which has the entry): rendezvous (highest-random-weight) hashing over the
   active backends, so removing a backend moves only its own flows and adding one takes about 1/(N+1) of them.

Backends are active (take new flows), draining (keep their tracked flows, take no new ones) or gone. A tracked
flow whose backend is gone is forgotten and re-picked: that connection is lost whatever we do, since its state
lived on the dead backend. `modulo_pick` is the naive hash(5-tuple) % N the tests compare against.
The clock is injected so tests control time. A reading below the latest one counts as no time passing, so a clock
that steps backwards by D never expires anything early, but expires nothing for D seconds; a clock that steps
forwards past `idle_timeout` expires every flow. Use a monotonic clock (the default). Non-finite readings raise.
`remove_backend` scans the whole table under the lock, so no packet is forwarded meanwhile; a real director keeps an
index of flows per backend.
"""
from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import NamedTuple


class Flow(NamedTuple):
    """A 5-tuple: what an L4 balancer sees of a packet."""

    src_ip: str
    src_port: int
    dst_ip: str
    dst_port: int
    proto: str = "tcp"


def _h(*parts: object) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process, so two balancers would disagree)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def modulo_pick(flow: Flow, backends: list[str]) -> str:
    """The naive choice: hash(5-tuple) mod N. Changing N remaps almost every flow."""
    if not backends:
        raise LookupError("no backends")
    return backends[_h(*flow) % len(backends)]


def rendezvous_pick(flow: Flow, backends: Iterable[str]) -> str:
    """Highest random weight: every backend scores the flow, the highest score wins; ties break by name."""
    best = max(backends, key=lambda b: (_h(*flow, b), b), default=None)
    if best is None:
        raise LookupError("no backends")
    return best


class ForwardingTable:
    """Per-balancer forwarding state: a consistent hash for new flows plus a bounded connection-tracking table."""

    def __init__(self, backends: Iterable[str], *, idle_timeout: float = 300.0, max_entries: int = 1_000_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not (isinstance(idle_timeout, (int, float)) and 0 < idle_timeout < math.inf):
            raise ValueError("idle_timeout must be finite and > 0")
        if not (isinstance(max_entries, int) and not isinstance(max_entries, bool) and max_entries >= 0):
            raise ValueError("max_entries must be a whole number >= 0")
        if isinstance(idle_timeout, bool):
            raise ValueError("idle_timeout must be a number of seconds")
        if isinstance(backends, (str, bytes)):
            raise TypeError("backends is a collection of names, not one string")
        names = list(backends)
        if not all(isinstance(b, str) and b for b in names):
            raise ValueError("every backend is a non-empty string")
        self._idle, self._max, self._clock = float(idle_timeout), max_entries, clock
        self._lock = threading.Lock()
        self._active: set[str] = set(names)
        self._draining: set[str] = set()
        # flow -> (backend, last packet time), least recently seen first
        self._flows: OrderedDict[Flow, tuple[str, float]] = OrderedDict()
        self._now = -math.inf  # latest clock reading seen: time never runs backwards here

    def _tick(self) -> float:
        reading = self._clock()
        if not math.isfinite(reading):
            raise ValueError(f"the clock returned {reading!r}")
        self._now = max(self._now, reading)
        return self._now

    def _reclaim(self, now: float) -> int:
        """Drop idle entries from the front (least recently seen); stop at the first live one."""
        dropped = 0
        while self._flows:
            flow, (_, last) = next(iter(self._flows.items()))
            if now - last <= self._idle:
                break
            del self._flows[flow]
            dropped += 1
        return dropped

    def forward(self, flow: Flow) -> str:
        """The backend for this packet. Raises LookupError if no backend can take a new flow."""
        with self._lock:
            now = self._tick()
            tracked = self._flows.get(flow)
            if tracked is not None:
                backend, last = tracked
                alive = backend in self._active or backend in self._draining
                if alive and now - last <= self._idle:
                    self._flows[flow] = (backend, now)
                    self._flows.move_to_end(flow)
                    return backend
                del self._flows[flow]  # backend gone, or entry idle too long: treat as a new flow
            backend = rendezvous_pick(flow, self._active)
            if len(self._flows) >= self._max:
                self._reclaim(now)  # a full table first frees what has gone idle
            if len(self._flows) < self._max:
                self._flows[flow] = (backend, now)
            return backend

    @staticmethod
    def _check(backend: object) -> None:
        if not (isinstance(backend, str) and backend):
            raise ValueError("a backend is a non-empty string")

    def add_backend(self, backend: str) -> None:
        self._check(backend)
        with self._lock:
            self._draining.discard(backend)
            self._active.add(backend)

    def drain_backend(self, backend: str) -> None:
        """Planned removal: no new flows, tracked flows continue until they end or go idle."""
        self._check(backend)
        with self._lock:
            if backend in self._active:
                self._active.discard(backend)
                self._draining.add(backend)

    def remove_backend(self, backend: str) -> None:
        """Failure or end of drain: the backend is gone, and so are the connections it held."""
        self._check(backend)
        with self._lock:
            self._active.discard(backend)
            self._draining.discard(backend)
            self._flows = OrderedDict((f, e) for f, e in self._flows.items() if e[0] != backend)

    def expire(self) -> int:
        """Forget flows idle longer than the timeout; returns how many were dropped."""
        with self._lock:
            return self._reclaim(self._tick())

    def tracked(self) -> int:
        with self._lock:
            return len(self._flows)

    def backends(self) -> tuple[frozenset[str], frozenset[str]]:
        """(active, draining)."""
        with self._lock:
            return frozenset(self._active), frozenset(self._draining)
