"""Exercise 5 of the consistent-hashing chapter: replicate hot keys over their top-k rendezvous nodes.

Reads of a hot key pick one of its k replicas at random; writes go to all k. Every other key behaves exactly as in the
wrapped Rendezvous placement. The router is immutable, like the placements: a new hot set or a new node list builds a
new router (`with_nodes` for a membership change), so readers need no lock.
"""
from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path


def _load_hashing():
    """The chapter's listing, loaded by path (it sits one folder up), so this file runs on its own and under tests."""
    name = "listing_m1_scalability_code_hashing"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "hashing.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


hashing = _load_hashing()


class HotKeyRouter:
    """Rendezvous placement, with each hot key read from one of its top-k nodes and written to all of them."""

    def __init__(self, nodes: Sequence[str], hot: Mapping[str, int] | None = None,
                 choose: Callable[[Sequence[str]], str] | None = None) -> None:
        self.placement = hashing.Rendezvous(nodes)  # validates the nodes: non-empty, named, no duplicates
        self.nodes = self.placement.nodes
        self.hot: dict[str, int] = {}  # the configured k of each hot key, kept as configured across changes
        for key, k in (hot or {}).items():
            if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(self.nodes):
                raise ValueError(f"replicas for {key!r} must be an integer from 1 to {len(self.nodes)}, got {k!r}")
            self.hot[key] = k
        self._choose = choose or random.Random().choice

    def replicas(self, key: str) -> list[str]:
        """Every node that holds `key`: its top-k rendezvous nodes if hot, else its one owner. Writes go to all.
        k is clamped to the node count here, where it is used, so a node that returns restores the replica count."""
        return self.placement.preference(key, min(self.hot.get(key, 1), len(self.nodes)))

    def lookup(self, key: str) -> str:
        """The node to read `key` from."""
        if key not in self.hot:
            return self.placement.lookup(key)
        return self._choose(self.replicas(key))

    def write_targets(self, key: str) -> list[str]:
        return self.replicas(key)

    def with_nodes(self, nodes: Iterable[str]) -> HotKeyRouter:
        """The router after a membership change, with the same configured hot set. A failure is never blocked by the
        hot-key configuration: only configuring k above the node count is an error, not losing nodes later."""
        router = HotKeyRouter(tuple(nodes), None, self._choose)
        router.hot = dict(self.hot)
        return router
