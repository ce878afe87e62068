"""Exercise solution: GLB-style "second chance" forwarding, with no connection state on the director tier.

After GitHub's GLB Director (github/glb-director, docs/development/glb-hashing.md and second-chance-design.md):
the director hashes a packet's source IP to one row of a fixed table; each row names a primary and a secondary
proxy, chosen by rendezvous hashing (order the proxies by hash(row seed, proxy), take the first two). The director
sends the packet to the primary with the secondary's name in the tunnel header. A proxy accepts a packet that
opens a connection (SYN) or belongs to one of its own connections; any other packet it passes, once, to the
secondary. So the proxies' own TCP state, not the directors', decides where an established flow lives.

Changes go one proxy at a time: a `filling` proxy is listed like an active one (where it now ranks first, the old
primary becomes secondary and catches its old flows); a `draining` proxy is swapped from primary to secondary, so
new connections go elsewhere while its established ones still reach it. More than one proxy in a state other than
active breaks that guarantee, so `build_table` refuses it, as GLB does. But `build_table` sees one table, not time:
promoting a filling proxy to active and adding another straight away passes its check and resets the flows whose
old primary is now third. GLB's rule is that changes proceed no faster than the longest connection to be kept;
`ProxyStates` enforces it with an injected clock. A failure is not a planned change: `fail` removes a dead proxy at
once, since its connections are gone anyway and its rows fall to their secondaries.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

STATES = ("active", "filling", "draining")


def _h(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def build_table(proxies: Mapping[str, str], rows: int = 4096, seed: str = "table-seed") -> list[tuple[str, str]]:
    """One (primary, secondary) pair per row. `proxies` maps a proxy's name to its state."""
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise ValueError("rows must be a whole number >= 1")
    if len(proxies) < 2:
        raise ValueError("second chance needs at least two proxies")
    if any(state not in STATES for state in proxies.values()):
        raise ValueError(f"a proxy's state is one of {STATES}")
    if sum(state != "active" for state in proxies.values()) > 1:
        raise ValueError("at most one proxy may be filling or draining at a time")
    table = []
    for row in range(rows):
        row_seed = _h(row, seed)
        primary, secondary = sorted(proxies, key=lambda p: (_h(row_seed, p), p), reverse=True)[:2]
        if proxies[primary] == "draining":
            primary, secondary = secondary, primary
        table.append((primary, secondary))
    return table


@dataclass
class Proxy:
    name: str
    connections: set = field(default_factory=set)  # the kernel's TCP state, reduced to the flows it holds

    def accepts(self, flow: tuple, syn: bool) -> bool:
        if syn:
            self.connections.add(flow)
            return True
        return flow in self.connections


def deliver(table: list[tuple[str, str]], proxies: Mapping[str, Proxy], flow: tuple, syn: bool = False) -> str | None:
    """Route one packet of `flow` (src_ip first): the proxy that took it, or None (the client gets a reset)."""
    primary, secondary = table[_h(flow[0]) % len(table)]
    if primary in proxies and proxies[primary].accepts(flow, syn):
        return primary
    if not syn and secondary in proxies and proxies[secondary].accepts(flow, syn=False):
        return secondary  # the second chance: one extra hop, no state on the director
    return None


class ProxyStates:
    """The proxies' states, changed one proxy at a time and no sooner than `max_connection_age` after the last change,
    so that every connection that began before a change has ended before the next one."""

    def __init__(self, proxies: Mapping[str, str], *, max_connection_age: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(max_connection_age, bool) or not (isinstance(max_connection_age, (int, float))
                                                         and 0 < max_connection_age < math.inf):
            raise ValueError("max_connection_age must be finite and > 0")
        build_table(proxies)  # validates the starting states
        self._states, self._age, self._clock = dict(proxies), float(max_connection_age), clock
        self._last_change = -math.inf

    def change(self, proxy: str, state: str | None) -> list[tuple[str, str]]:
        """Set one proxy's state (None removes it) and return the new table; refuse a change that comes too soon."""
        if self._states.get(proxy) == state:
            return build_table(self._states)  # nothing changes, so no connection needs the wait
        if state == "draining" and proxy not in self._states:
            raise ValueError(f"{proxy!r} is not a proxy of the table; only a present proxy drains")
        now = self._clock()
        if not now - self._last_change >= self._age:  # also refuses a NaN reading
            raise ValueError(f"the last change was {now - self._last_change:.0f} s ago; wait {self._age:.0f} s")
        states = dict(self._states)
        if state is None:
            states.pop(proxy, None)
        else:
            states[proxy] = state
        table = build_table(states)  # raises, leaving the states unchanged, if the new states are invalid
        self._states, self._last_change = states, now
        return table

    def fail(self, proxy: str) -> list[tuple[str, str]]:
        """Remove a failed proxy at once, gate or not: its connections are already lost, and every other proxy's
        flows in its rows reach their proxy as before. The gate still counts from the last planned change."""
        if proxy not in self._states:
            raise ValueError(f"{proxy!r} is not a proxy of the table")
        states = dict(self._states)
        del states[proxy]
        table = build_table(states)
        self._states = states
        return table

    def states(self) -> dict[str, str]:
        return dict(self._states)
