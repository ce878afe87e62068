"""How long a sign-in code waits behind a broadcast backlog in one shared FIFO queue.

The wait of the message at the back of a backlog of B messages drained at r messages per second
is W = B / r. The plot draws W against r for three backlog sizes and marks the FCM default quota
(600,000 messages per minute = 10,000 per second, as of November 2026), the 2 s target for
sign-in codes and their 5-minute validity. Pure formula, no randomness.
"""
import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, SLIDES, font, plot_style, save_plot

plot_style()
fig, ax = plt.subplots()

rates = np.logspace(3, 7.3, 200)  # 1,000 to ~20 million messages per second
backlogs = [(1_000_000, "1M queued", PALETTE["sky"]),
            (12_000_000, "12M queued (Android share)", PALETTE["blue"]),
            (20_000_000, "20M queued (whole campaign)", PALETTE["purple"])]
for backlog, label, colour in backlogs:
    ax.plot(rates, backlog / rates, label=label, color=colour)

quota = 600_000 / 60
ax.axvline(quota, color=PALETTE["vermillion"], linestyle="--", linewidth=1.2)
ax.text(quota * 1.15, 2.2e4, "FCM default quota\n10,000/s", color=PALETTE["vermillion"], fontsize=font(8), va="top")

ax.axhline(2, color=PALETTE["green"], linestyle=":", linewidth=1.4)
ax.text(1.1e3, 2.4, "target: code handed to provider in 2 s", color=PALETTE["green"], fontsize=font(8))
ax.axhline(300, color=PALETTE["orange"], linestyle=":", linewidth=1.4)
ax.text(1.2e6, 360, "code expires after 5 min", color=PALETTE["orange"], fontsize=font(8))

needed = 12_000_000 / 2
ax.plot([needed], [2], marker="o", color=PALETTE["black"], markersize=5)
ax.annotate("6,000,000/s needed\n= 600x the quota", xy=(needed, 2), xytext=(2.5e5, 0.12),
            fontsize=font(8), arrowprops={"arrowstyle": "->", "color": "#222222", "lw": 0.8})

ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlim(1e3, 2e7)
ax.set_ylim(0.05, 3e4)
ax.set_xlabel("drain rate of the shared queue (messages per second)")
ax.set_ylabel("wait at the back of the queue (s)")
ax.legend(loc="lower left" if SLIDES else "upper right", fontsize=font(8))  # slides: clear of the quota label
save_plot(fig)
