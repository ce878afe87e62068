"""A thread-safe idempotency-key store: one execution per key, however many duplicates arrive at once.

The first request with a key claims it atomically (one lock-protected insert, never a read then a
write). Duplicates that arrive while it runs wait for it, or get a 409-style RequestInProgress.
Duplicates that arrive after it finished get the stored response replayed. A key reused with a
different request fingerprint is rejected (422-style). Records expire after `ttl` seconds.
Scope keys per tenant before calling (for example f"{tenant_id}:{key}") so tenants cannot collide.
"""
from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Response:
    """What the handler produced; replayed byte for byte to every later duplicate."""

    status: int
    body: str


class RequestInProgress(Exception):
    """A request with this key is still running (the IETF draft's 409 Conflict)."""


class KeyReusedWithDifferentRequest(Exception):
    """The key was first used for a different request (the IETF draft's 422 Unprocessable Content)."""


@dataclass
class _Record:
    fingerprint: str
    token: int  # which claim owns the record; a stale owner cannot overwrite a newer one
    expires_at: float
    lease_expires_at: float
    response: Response | None = None  # None while in progress


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A digest of what the request asks for, stored with the key to catch key reuse."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class IdempotencyStore:
    """In-memory store; a production one keeps the same states in a database row keyed by the key."""

    def __init__(self, ttl: float, lease: float, wait: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not 0 < lease <= ttl:
            raise ValueError("need 0 < lease <= ttl")
        self.ttl, self.lease, self.wait, self.clock = ttl, lease, wait, clock
        self._records: dict[str, _Record] = {}
        self._changed = threading.Condition()
        self._tokens = itertools.count(1)

    def execute(self, key: str, fp: str, handler: Callable[[], Response]) -> Response:
        """Run `handler` at most once per live key and return its response to every caller."""
        with self._changed:
            token = self._claim_or_wait(key, fp)
            if isinstance(token, Response):
                return token  # replay of a completed request
        try:
            response = handler()  # the side effect runs outside the lock
        except BaseException:
            with self._changed:  # nothing to replay: release the claim so a retry can run
                record = self._records.get(key)
                if record is not None and record.token == token:
                    del self._records[key]
                self._changed.notify_all()
            raise
        with self._changed:
            record = self._records.get(key)
            if record is not None and record.token == token:
                record.response = response
            self._changed.notify_all()
        return response

    def _claim_or_wait(self, key: str, fp: str) -> int | Response:
        """Under the lock: claim the key (returns a token) or return the stored response."""
        give_up_at = self.clock() + self.wait
        while True:
            now = self.clock()
            record = self._records.get(key)
            if record is not None and record.expires_at <= now:
                del self._records[key]  # expired: the key is free again
                record = None
            if record is not None and record.fingerprint != fp:
                raise KeyReusedWithDifferentRequest(key)  # checked first: a takeover must not change the request
            abandoned = record is not None and record.response is None and record.lease_expires_at <= now
            if record is None or abandoned:  # first request, or its worker died holding the claim
                token = next(self._tokens)
                self._records[key] = _Record(fp, token, now + self.ttl, now + self.lease)
                return token
            if record.response is not None:
                return record.response
            left = min(give_up_at, record.lease_expires_at) - now
            if give_up_at <= now:
                raise RequestInProgress(key)
            self._changed.wait(timeout=left)

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
