"""Client-side balancing policies behind one interface: round robin, random, least loaded, power of two choices.

A Balancer holds the current endpoint set (as pushed by service discovery) and the number of requests each endpoint
has in flight from this client. `pick()` returns a Lease; the caller sends the request and calls `lease.release()`
(or uses the lease as a context manager) when the response, error or timeout arrives.

Two rules make it safe under concurrency and churn:
- One lock guards the endpoint list, the round-robin cursor, the random generator and every in-flight count, so a
  pick and an update never interleave halfway.
- In-flight accounting survives updates. An endpoint removed while requests are outstanding moves to a draining
  table until its last lease is released; if discovery re-adds it before then, it comes back with its count, so the
  least-loaded policies do not mistake a busy endpoint for an idle one. A lease releases exactly once.
"""
from __future__ import annotations

import random
import threading
from collections.abc import Iterable

POLICIES = ("round_robin", "random", "least_loaded", "p2c")


class NoEndpoints(Exception):
    """Discovery has given this client no endpoints: fail fast rather than wait."""


class _Endpoint:
    __slots__ = ("address", "in_flight")

    def __init__(self, address: str) -> None:
        self.address = address
        self.in_flight = 0


class Lease:
    """One request's claim on an endpoint. Release it once, when the request ends, however it ends."""

    def __init__(self, balancer: "Balancer", endpoint: _Endpoint) -> None:
        self._balancer, self._endpoint, self._released = balancer, endpoint, False
        self.address = endpoint.address

    def release(self) -> None:
        self._balancer._release(self)

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Balancer:
    def __init__(self, policy: str, endpoints: Iterable[str] = (), rng: random.Random | None = None) -> None:
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")
        self.policy = policy
        self._lock = threading.Lock()
        self._rng = rng or random.Random()
        self._active: list[_Endpoint] = []  # in the order discovery gave them
        self._draining: dict[str, _Endpoint] = {}  # removed, with requests still in flight
        self._cursor = 0
        self.update(endpoints)

    def update(self, endpoints: Iterable[str]) -> None:
        """Replace the endpoint set with the one discovery pushed (state of the world)."""
        if isinstance(endpoints, str):  # a string is an iterable of one-character "addresses"
            raise ValueError("endpoints must be an iterable of addresses, not a string")
        addresses = list(endpoints)
        for address in addresses:
            if not isinstance(address, str) or not address:
                raise ValueError(f"endpoint must be a non-empty string, not {address!r}")
        addresses = list(dict.fromkeys(addresses))  # drop duplicates, keep order
        with self._lock:
            known = {e.address: e for e in self._active} | self._draining
            self._active = [known.get(a) or _Endpoint(a) for a in addresses]
            keep = set(addresses)
            self._draining = {a: e for a, e in known.items() if a not in keep and e.in_flight > 0}
            self._cursor %= max(1, len(self._active))

    def pick(self) -> Lease:
        with self._lock:
            pool = self._active
            if not pool:
                raise NoEndpoints("no endpoints for this service")
            if self.policy == "round_robin":
                chosen = pool[self._cursor % len(pool)]
                self._cursor = (self._cursor + 1) % len(pool)
            elif self.policy == "random":
                chosen = pool[self._rng.randrange(len(pool))]
            elif self.policy == "p2c":
                if len(pool) == 1:
                    chosen = pool[0]
                else:
                    a, b = self._rng.sample(pool, 2)
                    chosen = b if b.in_flight < a.in_flight else a
            else:  # least_loaded; a random one among the ties, so that clients do not all pick the first
                low = min(e.in_flight for e in pool)
                chosen = self._rng.choice([e for e in pool if e.in_flight == low])
            chosen.in_flight += 1
            return Lease(self, chosen)

    def _release(self, lease: Lease) -> None:
        with self._lock:
            if lease._released:
                return  # a second release (e.g. a timeout path and a late response) must not count twice
            lease._released = True
            endpoint = lease._endpoint
            endpoint.in_flight -= 1
            if endpoint.in_flight == 0 and self._draining.get(endpoint.address) is endpoint:
                del self._draining[endpoint.address]

    def in_flight(self) -> dict[str, int]:
        """A consistent snapshot of outstanding requests per address, draining endpoints included."""
        with self._lock:
            counts = {e.address: e.in_flight for e in self._active}
            counts.update({a: e.in_flight for a, e in self._draining.items()})
            return counts

    def endpoints(self) -> list[str]:
        with self._lock:
            return [e.address for e in self._active]
