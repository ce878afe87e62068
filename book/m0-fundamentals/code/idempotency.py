"""A thread-safe idempotency-key store with fencing tokens: one recorded outcome per key.

The first request with a key claims it atomically (one lock-protected insert, never a read then a
write) and receives a fencing token, a number larger than every token issued before it. Its handler
runs with that token and must pass it on every downstream call (see FencedLedger). Here the tokens come
from a counter in memory; in production they must come from a durable sequence shared by every store
instance (a database sequence), because a counter that restarts at 1 hands out tokens the downstream
has already passed, and every later run of that key fails with StaleToken.

What the store guarantees for a key younger than `ttl`:
- Once a handler has started, its outcome is recorded, an Exception included (as a 500), and every
  caller that gets an answer gets that one outcome. Only the current token may record it (compare-and-set).
- A duplicate that arrives while the key is in progress waits up to `wait` seconds, then gets
  RequestInProgress (409-style); a key reused for a different request gets KeyReusedWithDifferentRequest (422-style).
What it does not guarantee: that the handler runs once. A worker still running when its lease ends is
overtaken: the next duplicate runs the handler again with a newer token. A BaseException (SystemExit,
KeyboardInterrupt) records nothing, like a crash, so its key is rerun once the lease ends. Only a
downstream that checks the token keeps the side effect single, and the handler must look for its
predecessor's effect first.
Scope keys per tenant before calling (for example f"{tenant_id}:{key}") so tenants cannot collide.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Response:
    """The recorded outcome of a key, replayed unchanged to every later duplicate."""

    status: int
    body: str


class RequestInProgress(Exception):
    """A request with this key is still running (the IETF draft's 409 Conflict)."""


class KeyReusedWithDifferentRequest(Exception):
    """The key was first used for a different request (the IETF draft's 422 Unprocessable Content)."""


class NothingDone(Exception):
    """Raised by a handler that stopped before any side effect (say, invalid input): the claim is released.

    Only while no run of the key has been overtaken: after a takeover, an earlier run may have acted, so
    NothingDone is recorded like any other exception.
    """


class StaleToken(Exception):
    """A newer claim on the key has reached the downstream: the caller was overtaken and must stop."""


@dataclass
class _Record:
    fingerprint: str
    token: int  # fencing token of the claim that owns the key now
    expires_at: float
    lease_expires_at: float
    taken_over: bool = False  # an earlier run may have acted, so no run of this key may release it
    response: Response | None = None  # None while in progress


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A digest of what the request asks for, stored with the key to catch key reuse."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class IdempotencyStore:
    """In-memory store; a production one keeps the same states in a database row keyed by the key."""

    def __init__(self, ttl: float, lease: float, wait: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not (0 < lease <= ttl < math.inf and 0 <= wait < math.inf):  # NaN fails every comparison too
            raise ValueError("need 0 < lease <= ttl and 0 <= wait, all finite")
        self.ttl, self.lease, self.wait, self.clock = ttl, lease, wait, clock
        self._records: dict[str, _Record] = {}
        self._changed = threading.Condition()
        self._tokens = itertools.count(1)  # one sequence for all keys, so tokens only grow

    def execute(self, key: str, fp: str, handler: Callable[[int], Response]) -> Response:
        """Run `handler(token)` if the key is new (or its lease ran out); return the key's one outcome."""
        with self._changed:
            claim = self._claim_or_wait(key, fp, may_claim=True)
        if isinstance(claim, Response):
            return claim  # replay of the recorded outcome
        token = claim
        try:
            outcome = handler(token)  # outside the lock: a slow handler blocks no other key
        except NothingDone:
            with self._changed:
                if self._owns(key, token) and not self._records[key].taken_over:
                    del self._records[key]  # no run of this key has acted, so a retry may run it again
                    self._changed.notify_all()
                    raise
            # Overtaken, or running after a takeover: another run may have acted, so this is no rejection.
            outcome = Response(500, "failed after starting: NothingDone after a takeover")
        except Exception as exc:
            # The handler had started, so its side effects are unknown: record the failure, never re-run.
            outcome = Response(500, f"failed after starting: {type(exc).__name__}")
        # A BaseException (the process is going down) records nothing: the lease runs out instead.
        with self._changed:
            if self._owns(key, token):  # compare-and-set: only the newest claim records an outcome
                self._records[key].response = outcome
                self._changed.notify_all()
                return outcome
            # Overtaken after the lease ran out: the newer claim's outcome is the answer, as for any duplicate.
            return self._claim_or_wait(key, fp, may_claim=False)

    def _owns(self, key: str, token: int) -> bool:
        record = self._records.get(key)
        return record is not None and record.token == token

    def _claim_or_wait(self, key: str, fp: str, may_claim: bool) -> int | Response:
        """Under the lock: claim the key (returns a new token) or return its recorded outcome."""
        give_up_at = self.clock() + self.wait
        while True:
            now = self.clock()
            record = self._records.get(key)
            if record is not None and record.expires_at <= now:
                del self._records[key]  # expired: the key is free again
                record = None
            if record is not None and record.fingerprint != fp:
                raise KeyReusedWithDifferentRequest(key)  # checked first: a takeover must not change the request
            if record is not None and record.response is not None:
                return record.response
            if record is None or record.lease_expires_at <= now:  # new key, or its worker died or stalled
                if not may_claim:
                    raise RequestInProgress(key)  # an overtaken worker never starts a second run itself
                token = next(self._tokens)
                self._records[key] = _Record(fp, token, now + self.ttl, now + self.lease,
                                             taken_over=record is not None)
                return token
            if now >= give_up_at:
                raise RequestInProgress(key)
            self._changed.wait(timeout=min(give_up_at, record.lease_expires_at) - now)

    def purge_expired(self) -> int:
        """Drop expired records (a real store uses a TTL index); returns how many were dropped."""
        with self._changed:
            now = self.clock()
            dead = [k for k, r in self._records.items() if r.expires_at <= now]
            for k in dead:
                del self._records[k]
            return len(dead)

    def __len__(self) -> int:
        with self._changed:
            return len(self._records)


class FencedLedger:
    """What a downstream must do with the token, here an in-memory payment ledger.

    Every call carries (key, token) and is refused if a newer token has already been seen for the key.
    So the new owner's first call fences out the worker it overtook, and its lookup sees any charge
    that worker made before that moment: look up first, then charge, and a key is charged at most once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._newest: dict[str, int] = {}
        self.charges: list[tuple[str, int, int]] = []  # (key, token, amount), in the order accepted

    def _fence(self, key: str, token: int) -> None:
        if token < self._newest.get(key, 0):
            raise StaleToken(f"{key}: token {token} is older than {self._newest[key]}")
        self._newest[key] = token

    def find_charge(self, key: str, token: int) -> str | None:
        """The id of the key's charge, if any; raises StaleToken if the caller was overtaken."""
        with self._lock:
            self._fence(key, token)
            ids = [f"ch_{i}" for i, charge in enumerate(self.charges, 1) if charge[0] == key]
            return ids[0] if ids else None

    def charge(self, key: str, token: int, amount: int) -> str:
        """Record a charge; the check and the write are one atomic step, like a conditional UPDATE."""
        with self._lock:
            self._fence(key, token)
            self.charges.append((key, token, amount))
            return f"ch_{len(self.charges)}"
