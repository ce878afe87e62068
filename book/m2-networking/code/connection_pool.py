"""Connection reuse and the ephemeral-port budget.

`port_budget` is the arithmetic of TIME_WAIT: a client that closes connections first holds each (source IP, source
port, destination IP, destination port) tuple for the TIME_WAIT period, so the rate of new connections it can open
to one destination is bounded by ports x source IPs / TIME_WAIT.

`ConnectionPool` keeps connections open and reuses them, so the steady state opens none. It is safe under threads:
one lock guards the idle list, the record of lent connections and the counters, and a semaphore bounds how many
connections exist at once. Time comes from an injected monotonic clock so that tests control idle expiry.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


def port_budget(ports: int, time_wait_s: float, source_ips: int = 1) -> float:
    """Most new connections per second one client can open to ONE destination (IP, port) without running out of
    4-tuples, when every connection is closed by the client and so sits in TIME_WAIT for `time_wait_s`."""
    for value in (ports, source_ips):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError("ports and source_ips must be positive integers")
    if isinstance(time_wait_s, bool) or not (isinstance(time_wait_s, (int, float)) and math.isfinite(time_wait_s)
                                             and time_wait_s > 0):
        raise ValueError("time_wait_s must be a positive finite number")
    return ports * source_ips / time_wait_s


def linux_default_ports(low: int = 32768, high: int = 60999) -> int:
    """Ports in ip_local_port_range (inclusive): 28,232 with the Linux default 32768-60999."""
    if not (0 < low <= high <= 65535):
        raise ValueError("need 0 < low <= high <= 65535")
    return high - low + 1


class PoolExhausted(Exception):
    """No connection became free within the caller's timeout."""


class ConnectionPool:
    """A bounded pool: at most `max_size` connections exist; idle ones are reused (most recent first), and one idle
    longer than `max_idle_s` is closed at the next `acquire`. `connect()` opens a new connection; `close(conn)`
    closes one."""

    def __init__(self, connect: Callable[[], object], close: Callable[[object], None], max_size: int,
                 max_idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(max_size, int) or max_size <= 0:
            raise ValueError("max_size must be a positive integer")
        if not (isinstance(max_idle_s, (int, float)) and math.isfinite(max_idle_s) and max_idle_s > 0):
            raise ValueError("max_idle_s must be a positive finite number")
        self._connect, self._close, self._clock = connect, close, clock
        self.max_size, self.max_idle_s = max_size, max_idle_s
        self._slots = threading.BoundedSemaphore(max_size)  # one slot per connection that exists
        self._lock = threading.Lock()
        self._idle: deque = deque()  # (connection, time it was returned), most recent on the right
        self._lent: dict = {}  # id(connection) -> connection, for every connection a caller holds
        self.opened = 0
        self.reused = 0
        self.closed = 0

    def acquire(self, timeout: float | None = None) -> object:
        """A connection for the caller's exclusive use: a fresh idle one if there is one, else a new one."""
        if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
            raise ValueError("timeout must be None or a finite number >= 0")
        if not self._slots.acquire(timeout=timeout):
            raise PoolExhausted(f"no connection free within {timeout} s")
        expired = []
        with self._lock:  # check-then-take on the idle list: without the lock, two threads can take one connection
            conn = None
            while self._idle:
                candidate, returned_at = self._idle[-1]  # the most recently returned
                age = self._clock() - returned_at
                self._idle.pop()
                if 0 <= age < self.max_idle_s:
                    conn = candidate
                    break
                expired.append(candidate)  # too old, or the clock went backwards: do not trust it
            # Entries further left were returned earlier: expire them from the left while they are stale.
            while self._idle and not (0 <= self._clock() - self._idle[0][1] < self.max_idle_s):
                expired.append(self._idle.popleft()[0])
            self.closed += len(expired)
            if conn is not None:
                self.reused += 1
                self._lent[id(conn)] = conn
        for old in expired:
            try:
                self._close(old)  # outside the lock: closing may block on the network
            except Exception:
                pass  # a connection that fails to close is gone either way: never lose the caller's slot
        if conn is not None:
            return conn
        try:
            conn = self._connect()
        except BaseException:
            self._slots.release()  # a failed connect must not leak a slot
            raise
        with self._lock:
            self.opened += 1
            self._lent[id(conn)] = conn
        return conn

    def release(self, conn: object, broken: bool = False) -> None:
        """Give a connection back; a broken one is closed instead of reused. Releasing a connection that is not
        lent (a double release) raises ValueError: accepting it would lend one connection to two callers."""
        with self._lock:
            if self._lent.get(id(conn)) is not conn:
                raise ValueError("connection is not lent by this pool")
            returned_at = None if broken else self._clock()  # read before any change, in case the clock raises
            del self._lent[id(conn)]
            if broken:
                self.closed += 1
            else:
                self._idle.append((conn, returned_at))
        if not broken:
            self._slots.release()
            return
        try:
            self._close(conn)
        finally:
            self._slots.release()

    def stats(self) -> dict:
        with self._lock:
            return {"opened": self.opened, "reused": self.reused, "closed": self.closed, "idle": len(self._idle)}
