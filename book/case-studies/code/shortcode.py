"""Short codes for a URL shortener: base62 encoding, keyspace size and collision arithmetic.

Standard library only. The chapter "Case Study: TinyURL, End to End" shows this file and the test suite
(tests/test_cs_tinyurl.py) exercises it and recomputes the chapter's numbers with it.
"""
from __future__ import annotations

import math
import random
import secrets

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
