"""A lock service that hands out fencing tokens, and a storage stub that enforces them.

The lease decides who *should* act; the token decides whose write the resource *accepts*. Safety rests on two
facts only: the token counter never repeats a value (it survives lease expiry and a restart of the lock service),
and the storage checks the token and applies the write in one critical section. No clock is trusted for safety:
the clock (integer nanoseconds, injected so tests control it) only decides when a lease runs out.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Hashable


@dataclass(frozen=True)
class Grant:
    holder: str
    token: int  # the fencing token: larger than every token granted before it
    expires_at_ns: int  # by the lock service's clock; the holder's clock may disagree


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


class TokenCounter:
    """The one piece of lock-service state a restart must not lose. In production it is a key in a
    quorum-replicated store (the etcd revision or ZooKeeper zxid of the lock's key plays this role)."""

    def __init__(self, last: int = 0) -> None:
        if isinstance(last, bool) or not isinstance(last, int) or last < 0:
            raise ValueError(f"last must be a non-negative integer, got {last!r}")
        self._last = last
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last += 1
            return self._last

    @property
    def last(self) -> int:
        with self._lock:
            return self._last


class LockService:
    """One lock with a lease. A grant that has expired is gone: its holder must acquire again and gets a new,
    larger token. Restart the service by building a new one on the same TokenCounter: a restart forgets the live
    lease, so if the counter shows earlier grants, it grants nothing until one lease length has passed."""

    def __init__(self, clock: Callable[[], int], lease_ns: int, counter: TokenCounter) -> None:
        self._clock = clock
        self._lease_ns = _positive_int("lease_ns", lease_ns)
        self._counter = counter
        self._lock = threading.Lock()
        self._grant: Grant | None = None
        # A grant made before the restart may still be live: wait it out rather than grant a second one.
        self._no_grant_before_ns = clock() + self._lease_ns if counter.last > 0 else None

    def acquire(self, holder: str) -> Grant | None:
        """A new grant with a fresh token, or None while another unexpired lease is held."""
        with self._lock:
            now = self._clock()
            if self._no_grant_before_ns is not None and now < self._no_grant_before_ns:
                return None
            if self._grant is not None and now < self._grant.expires_at_ns:
                return None
            self._grant = Grant(holder, self._counter.next(), now + self._lease_ns)
            return self._grant

    def renew(self, grant: Grant) -> Grant | None:
        """Extend an unexpired lease, keeping its token; None once it has expired or been replaced."""
        with self._lock:
            now = self._clock()
            current = self._grant
            if current is None or current.token != grant.token or now >= current.expires_at_ns:
                return None
            self._grant = Grant(current.holder, current.token, now + self._lease_ns)
            return self._grant

    def release(self, grant: Grant) -> bool:
        with self._lock:
            if self._grant is None or self._grant.token != grant.token:
                return False
            self._grant = None
            return True


class StaleTokenError(Exception):
    """The write carried a token older than one the storage has already accepted."""


class FencedStorage:
    """The resource enforces the fence: it remembers the highest token it has accepted and refuses any write with
    a smaller one. An equal token is the same holder writing again, so it is accepted. All keys are protected by
    one lock's tokens: keep one FencedStorage (one highest token) per lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._highest = 0
        self._data: dict[Hashable, tuple[object, int]] = {}
        self.accepted_tokens: list[int] = []  # in the order writes were applied
        self.rejected = 0

    def write(self, token: int, key: Hashable, value: object) -> None:
        _positive_int("token", token)
        with self._lock:  # the check and the write are one step: no write can slip in between
            if token < self._highest:
                self.rejected += 1
                raise StaleTokenError(f"token {token} < highest accepted {self._highest}")
            self._data[key] = (value, token)  # the data first: if the write fails, the fence is unchanged
            self._highest = token
            self.accepted_tokens.append(token)

    def read(self, key: Hashable) -> tuple[object, int] | None:
        with self._lock:
            return self._data.get(key)

    @property
    def highest(self) -> int:
        with self._lock:
            return self._highest
