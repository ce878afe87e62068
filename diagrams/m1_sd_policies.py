"""Seeded simulation: p99 response time of four balancing policies against utilization, and against stale load data.

N_SERVERS identical FIFO servers, each serving one request at a time with exponential service times of mean 1
(read one unit as 10 ms). Requests arrive as a Poisson stream at rate utilization x N_SERVERS, from many independent
clients. Each policy picks a server for each request:
  round robin   the next server in a fixed cycle (one shared counter)
  random        a uniformly random server
  power of two  two distinct random servers; the one with the shorter queue (ties: the first drawn)
  least loaded  the server with the shortest queue (ties: a random one among them)
The two load-aware policies read queue lengths from a board. With staleness 0 the board is exact at every arrival;
with staleness T it is a snapshot refreshed every T units, which every client reads, so between refreshes all of them
see the same "least loaded" server. The plot scripts m1_sd_policies (this file) and m1_sd_stale use `p99`.
"""
from __future__ import annotations

import random
from collections import deque

N_SERVERS = 20
REQUESTS = 60_000
WARMUP = 6_000  # requests discarded while the queues fill from empty
SEEDS = (1, 2, 3)
POLICIES = ("round robin", "random", "power of two", "least loaded")
UTILIZATIONS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
STALENESS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)  # board refresh interval, in mean service times


def simulate(policy: str, utilization: float, staleness: float = 0.0, seed: int = 1,
             n: int = N_SERVERS, requests: int = REQUESTS) -> list[float]:
    """Response times (wait + service, in mean service times) of the requests after the warm-up."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}")
    if not 0 < utilization < 1 or staleness < 0:
        raise ValueError("utilization must be in (0, 1) and staleness >= 0")
    rng = random.Random(seed)
    free_at = [0.0] * n  # when each server finishes the work already assigned to it
    done = [deque() for _ in range(n)]  # completion times of the requests still in each server
    board, next_refresh = [0] * n, 0.0
    t, cursor, out = 0.0, 0, []

    def queue(i: int) -> int:  # requests in server i at time t (waiting or in service)
        q = done[i]
        while q and q[0] <= t:
            q.popleft()
        return len(q)

    for k in range(requests):
        t += rng.expovariate(utilization * n)
        if policy in ("power of two", "least loaded"):
            if staleness == 0:
                load = queue
            else:
                if t >= next_refresh:  # everyone reads the same snapshot until the next refresh
                    board = [queue(i) for i in range(n)]
                    next_refresh = (t // staleness + 1) * staleness
                load = board.__getitem__
        if policy == "round robin":
            pick, cursor = cursor, (cursor + 1) % n
        elif policy == "random":
            pick = rng.randrange(n)
        elif policy == "power of two":
            a, b = rng.sample(range(n), 2)
            pick = b if load(b) < load(a) else a
        else:
            loads = [load(i) for i in range(n)]
            low = min(loads)
            pick = rng.choice([i for i in range(n) if loads[i] == low])
        start = max(t, free_at[pick])
        free_at[pick] = start + rng.expovariate(1.0)
        done[pick].append(free_at[pick])
        if k >= WARMUP:
            out.append(free_at[pick] - t)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def p99(policy: str, utilization: float, staleness: float = 0.0) -> float:
    """p99 response time over the fixed seeds' pooled requests, in mean service times."""
    pooled = [r for seed in SEEDS for r in simulate(policy, utilization, staleness, seed)]
    return percentile(pooled, 0.99)


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
    styles = {"random": ("vermillion", "o-"), "round robin": ("orange", "s-"),
              "power of two": ("blue", "^-"), "least loaded": ("green", "D-")}
    for policy in ("random", "round robin", "power of two", "least loaded"):
        colour, marker = styles[policy]
        ys = [10 * p99(policy, u) for u in UTILIZATIONS]  # one unit = 10 ms
        label = policy + (" (exact queue lengths)" if policy in ("power of two", "least loaded") else "")
        ax.plot(UTILIZATIONS, ys, marker, color=PALETTE[colour], label=label)
    ax.set_xlabel("utilization of the pool")
    ax.set_ylabel("p99 response time (ms)\nmean service 10 ms")
    ax.set_yscale("log")
    ax.legend(loc="upper left", fontsize=font(8))
    save_plot(fig)
