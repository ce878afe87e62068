"""Exercise solution: a connection pool that retires connections older than `max_lifetime_s`.

A pool that reuses connections forever pins its traffic to the backends it first reached: after the load balancer
adds backends, or DNS moves a name, old connections never move. Retiring each connection at a maximum age (with
jitter, so a fleet's connections do not all expire in the same second) lets load spread again, at the cost of one
new connection per connection per lifetime.
"""
from __future__ import annotations

import importlib.util
import math
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

_path = Path(__file__).resolve().parent.parent / "connection_pool.py"
_spec = importlib.util.spec_from_file_location("m2_net_connection_pool", _path)
connection_pool = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = connection_pool
    _spec.loader.exec_module(connection_pool)


class LifetimePool(connection_pool.ConnectionPool):
    """ConnectionPool whose connections are closed, not reused, once older than their lifetime: `max_lifetime_s`
    minus up to `jitter` of it, drawn once per connection when it is opened."""

    def __init__(self, connect: Callable[[], object], close: Callable[[object], None], max_size: int,
                 max_idle_s: float, max_lifetime_s: float, jitter: float = 0.1,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None) -> None:
        if not (isinstance(max_lifetime_s, (int, float)) and math.isfinite(max_lifetime_s) and max_lifetime_s > 0):
            raise ValueError("max_lifetime_s must be a positive finite number")
        if not (isinstance(jitter, (int, float)) and 0 <= jitter < 1):
            raise ValueError("jitter must be in [0, 1)")
        self._born: dict = {}  # id(conn) -> (conn, time it was opened, its lifetime)
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self.max_lifetime_s, self.jitter = max_lifetime_s, jitter
        self.retired = 0

        def stamped_connect() -> object:
            conn = connect()
            with self._rng_lock:
                life = max_lifetime_s * (1 - jitter * self._rng.random())
            with self._lock:  # the pool's lock also guards the birth records
                self._born[id(conn)] = (conn, self._clock(), life)
            return conn

        def forgetting_close(conn: object) -> None:
            with self._lock:
                self._born.pop(id(conn), None)
            close(conn)

        super().__init__(stamped_connect, forgetting_close, max_size, max_idle_s, clock)

    def acquire(self, timeout: float | None = None) -> object:
        while True:
            conn = super().acquire(timeout)
            try:
                with self._lock:
                    _, opened_at, life = self._born[id(conn)]
                    # Too old, or the clock went backwards (a negative age): do not trust it.
                    expired = not (0 <= self._clock() - opened_at < life)
                    if expired:
                        self.retired += 1
            except BaseException:
                self.release(conn, broken=True)  # an error after taking the connection must not keep its slot
                raise
            if not expired:
                return conn
            self.release(conn, broken=True)  # closes it and frees its slot; the loop opens or reuses another
