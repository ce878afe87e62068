"""Reconnects per second when a pod holding 40,000 WebSockets drains, for three reconnect policies.

Seeded, from the chapter's listing (book/m2-networking/code/reconnect_spread.py, imported by path): each client
reconnects after a delay drawn uniformly from [0, spread); spread 0 is everyone at once.
"""
import sys
from pathlib import Path

import matplotlib.pyplot as plt
from book_style import PALETTE, SLIDES, font, plot_style, save_plot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "m2-networking" / "code"))
from reconnect_spread import reconnect_counts  # noqa: E402

CONNECTIONS = 40_000
plot_style()
fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
for spread, label, colour in ((0, "all at once: 40,000 in 1 s", "vermillion"),
                              (27, "full jitter over 27 s", "orange"),
                              (60, "full jitter over 60 s", "green")):
    counts = reconnect_counts(CONNECTIONS, spread)
    seconds = list(range(len(counts) + 1))
    ax.step(seconds, counts + [counts[-1]], where="post", color=PALETTE[colour], linewidth=2, label=label)
ax.axhline(1_500, color=PALETTE["blue"], linewidth=1, linestyle=":")
ax.annotate("reconnect headroom: 1,500/s", xy=(61, 1_500), xytext=(61, 2_300), ha="right", color=PALETTE["blue"])
ax.set_yscale("log")
ax.set_xlim(0, 62)
ax.set_ylim(100, 100_000)
ax.set_xlabel("seconds after the drain begins")
ax.set_ylabel("reconnects per second\n(log)")
ax.legend(loc="upper right", fontsize=font(8))
save_plot(fig)
