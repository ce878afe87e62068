"""Unavailability against the availability of each node (independent failures): majorities of 3, 4 and 5 nodes,
and Flexible Paxos on 5 nodes with replication quorums of 2 and election quorums of 4, each phase on its own and
writes, which need a live leader plus a replication quorum, or an election quorum of the others to replace it."""
from math import comb

import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, SLIDES, font, plot_style, save_plot


def unavailable(k: int, n: int, p: float) -> float:
    """Chance that fewer than k of n nodes are up, each up with probability p."""
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k))


def fpaxos_writes_unavailable(p: float) -> float:
    """5 nodes, |Q2| = 2, |Q1| = 4: the leader down and not all 4 others up, or the leader up and all 4 others down."""
    return (1 - p) * (1 - p**4) + p * (1 - p) ** 4


plot_style()
p = np.linspace(0.95, 0.999, 60)
fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
for (k, n, label, colour, style) in (
        (4, 5, "5 nodes, FPaxos election (Q1 = 4)", "vermillion", "--"),
        (3, 4, "4 nodes, majority 3", "orange", "-"),
        (None, 5, "5 nodes, FPaxos writes (live leader)", "black", ":"),
        (2, 3, "3 nodes, majority 2", "purple", "-"),
        (3, 5, "5 nodes, majority 3", "blue", "-"),
        (2, 5, "5 nodes, FPaxos replication (Q2 = 2)", "green", "--")):
    values = [fpaxos_writes_unavailable(x) if k is None else unavailable(k, n, x) for x in p]
    ax.plot(p, values, style, color=PALETTE[colour], label=label, linewidth=2)
ax.set_yscale("log")
ax.set_xlabel("availability of each node")
ax.set_ylabel("chance of being\nunavailable (log)")
ax.set_ylim(1e-12, 1)
ax.legend(loc="lower left", fontsize=font(7.5))
save_plot(fig)
