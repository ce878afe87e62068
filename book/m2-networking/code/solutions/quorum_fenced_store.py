"""Exercise solution: the fenced storage of fencing.py replicated on n replicas, each keeping its own highest token.

A write carries the holder's fencing token and a sequence number `seq` that the holder increases with each of its
writes. Replicas fence on the token alone and store (value, token, seq). A write is acknowledged only when a
majority of all n replicas accepted it; a read asks a majority and returns the value with the largest (token, seq).
Any two majorities share a replica, so once a write with token t is acknowledged, a write with a smaller token is
refused by every replica in that majority, so at most n - majority replicas accept it, fewer than a majority: it is
never acknowledged, whichever replicas each side of a partition can reach. Two writes by one holder share a token;
`seq` orders them, so a read never prefers the older of the two.
"""
from __future__ import annotations

import threading
from typing import Hashable, Iterable


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


class QuorumFencedStore:
    def __init__(self, replicas: int) -> None:
        self.n = _positive_int("replicas", replicas)
        self.majority = replicas // 2 + 1
        self._locks = [threading.Lock() for _ in range(replicas)]  # one per replica: replicas fail independently
        self._highest = [0] * replicas
        self._data: list[dict[Hashable, tuple[object, int, int]]] = [{} for _ in range(replicas)]

    def _reachable(self, reachable: Iterable[int]) -> list[int]:
        chosen = sorted(set(reachable))
        if any(isinstance(r, bool) or not isinstance(r, int) or not 0 <= r < self.n for r in chosen):
            raise ValueError(f"replica ids must be in 0..{self.n - 1}, got {chosen!r}")
        return chosen

    def write(self, token: int, seq: int, key: Hashable, value: object, reachable: Iterable[int]) -> bool:
        """True if a majority of all n replicas accepted the token (the write is acknowledged)."""
        _positive_int("token", token)
        _positive_int("seq", seq)
        accepted = 0
        for r in self._reachable(reachable):
            with self._locks[r]:  # each replica checks and applies in one step, like FencedStorage
                if token >= self._highest[r]:
                    self._data[r][key] = (value, token, seq)  # the data first: if it fails, the fence is unchanged
                    self._highest[r] = token
                    accepted += 1
        return accepted >= self.majority

    def read(self, key: Hashable, reachable: Iterable[int]) -> tuple[object, int, int] | None:
        """(value, token, seq) with the largest (token, seq) among a majority; raises if no majority is reachable."""
        chosen = self._reachable(reachable)
        if len(chosen) < self.majority:
            raise RuntimeError(f"{len(chosen)} of {self.n} replicas reachable; a read needs {self.majority}")
        best = None
        for r in chosen:
            with self._locks[r]:
                found = self._data[r].get(key)
            if found is not None and (best is None or found[1:] > best[1:]):
                best = found
        return best
