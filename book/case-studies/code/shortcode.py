"""Short codes for a URL shortener: base62 encoding, keyspace and collision arithmetic, and the create path that
writes a link and its idempotency key in one atomic step.

Standard library only. The chapter "Case Study: TinyURL, End to End" shows this file and the test suite
(tests/test_cs_tinyurl.py) exercises it and recomputes the chapter's numbers with it.
"""
from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(ALPHABET)  # 62
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def encode(n: int, width: int = 0) -> str:
    """Base62 digits of n, most significant first, left-padded with "0" to at least `width` characters."""
    if n < 0:
        raise ValueError("cannot encode a negative number")
    digits = []
    while True:
        n, r = divmod(n, BASE)
        digits.append(ALPHABET[r])
        if n == 0:
            break
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def decode(code: str) -> int:
    """Inverse of encode; rejects the empty string and any character outside the alphabet."""
    if not code:
        raise ValueError("empty code")
    n = 0
    for ch in code:
        if ch not in _INDEX:
            raise ValueError(f"{ch!r} is not a base62 character")
        n = n * BASE + _INDEX[ch]
    return n


def random_code(length: int = 7, rng: random.Random | None = None) -> str:
    """A code drawn uniformly from the keyspace: from the OS CSPRNG unless a seeded rng is given (tests only)."""
    choose = rng.choice if rng is not None else secrets.choice
    return "".join(choose(ALPHABET) for _ in range(length))


def keyspace(length: int) -> int:
    """Number of distinct codes of exactly `length` characters: 62**length."""
    return BASE**length


def expected_colliding_pairs(n: int, space: int) -> float:
    """Expected number of pairs among n uniform draws that share a code: n(n-1) / (2 * space)."""
    return n * (n - 1) / (2 * space)


def collision_probability(n: int, space: int) -> float:
    """Birthday bound: P(at least one shared code among n uniform draws) ~ 1 - exp(-n(n-1) / (2 * space))."""
    return -math.expm1(-expected_colliding_pairs(n, space))


def draws_for_probability(p: float, space: int) -> float:
    """How many uniform draws make a collision as likely as p: sqrt(2 * space * ln(1 / (1 - p)))."""
    return math.sqrt(2 * space * math.log(1 / (1 - p)))


def expected_attempts(live: int, space: int) -> float:
    """Mean tries for a random code to miss all `live` codes (geometric): 1 / (1 - live / space)."""
    occupancy = live / space
    if occupancy >= 1:
        raise ValueError("keyspace is full")
    return 1 / (1 - occupancy)


def shortest_length(live: int, max_occupancy: float) -> int:
    """Fewest characters whose keyspace keeps live / 62**k at or below max_occupancy."""
    k = 1
    while live / keyspace(k) > max_occupancy:
        k += 1
    return k


# --- Creating a link: the link and its idempotency key in one atomic write ---------------------------------------
class Cancelled(Exception):
    """The store refused the transaction and wrote nothing. `failed` names why: "code" (the code is taken),
    "key" (the idempotency key is taken), "conflict" (another transaction was holding one of the items)."""

    def __init__(self, failed: set[str]):
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


class KeyReused(Exception):
    """The idempotency key was first used for a different request (a different fingerprint): answer 422."""


@dataclass(frozen=True)
class KeyRecord:
    code: str
    fingerprint: str  # checksum of the request's payload


@dataclass(frozen=True)
class Created:
    code: str
    replayed: bool  # True: this key had already created the link, and this is the first attempt's code


class LinkStore(Protocol):
    def get_key(self, key: str) -> KeyRecord | None:
        """A strongly consistent read of the key's record in the home region."""

    def transact_insert(self, code: str, url: str, key: str, fingerprint: str, scan: str) -> None:
        """All or nothing: put the link if `code` is absent AND put the key record if `key` is absent,
        or raise Cancelled and write neither (DynamoDB: TransactWriteItems, two Puts, attribute_not_exists)."""

    def log_create(self, key: str, code: str, url: str) -> None:
        """Append to the create log outside the home region; idempotent, so a replay may append again."""


def create_link(store: LinkStore, key: str, fingerprint: str, url: str, *, tries: int = 5,
                draw: Callable[[], str] = random_code,
                check_url: Callable[[str], str] = lambda url: "clean",
                backoff: float = 0.02, sleep: Callable[[float], None] = time.sleep) -> Created:
    """At most one link per idempotency key, whatever retries, races and crashes happen around the call, and
    no answer until the create log outside the home region holds the link. No state has the link without its
    key or the reverse, so a lost answer or a duplicate finds the key and replays its code; a crash before the
    commit leaves nothing; a taken code fails only the code condition, and another is drawn for the same key.
    """
    stored = store.get_key(key)  # a replay answers without a reputation lookup
    scan = None
    for attempt in range(tries + 1):  # the last pass only looks at the key
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise KeyReused(key)
            store.log_create(key, stored.code, url)  # the first attempt may have died before its log write
            return Created(stored.code, replayed=True)
        if attempt == tries:
            break
        if scan is None:
            scan = check_url(url)  # "clean" or "pending" (timed out); raises to reject the URL
        code = draw()
        try:
            store.transact_insert(code, url, key, fingerprint, scan)
        except Cancelled as refused:
            if refused.failed == {"code"}:
                continue  # only the code is taken: draw another for the same key
            if "conflict" in refused.failed:  # another transaction holds the key: give it time to commit
                sleep(backoff * 2**attempt * random.uniform(0.5, 1.0))  # jittered, never near zero
            stored = store.get_key(key)
            continue
        store.log_create(key, code, url)
        return Created(code, replayed=False)
    raise RuntimeError(f"no committed key and no free code after {tries} tries")
