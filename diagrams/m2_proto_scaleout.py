"""Share of requests served by the new pods after a scale-out from 10 to 20 pods, for three ways of balancing.

Seeded simulation from the chapter's listing (book/m2-networking/code/scaleout_balancing.py, imported by path):
60 clients with heavy-tailed request rates, one long-lived HTTP/2 connection each; scale-out at t = 120 s.
The maximum-age policy is also run over seeds 0 to 299: the band is their 10th to 90th percentile each second,
the dotted line their mean, so the reader sees how typical the plotted run (seed 7) is.
"""
import sys
from pathlib import Path

import matplotlib.pyplot as plt
from book_style import PALETTE, SLIDES, font, plot_style, save_plot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "m2-networking" / "code"))
from scaleout_balancing import simulate  # noqa: E402

SEEDS = range(300)

plot_style()
fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
runs = (("l7", "L7: each request placed", "green", "-"),
        ("l4_max_age", "max age 300 s ±10%: one run", "orange", "-"),
        ("l4", "L4, never closed", "vermillion", "--"))
for policy, label, colour, style in runs:
    timeline = simulate(policy)
    ax.plot([t / 60 for t in timeline.times], [100 * s for s in timeline.new_share], style,
            color=PALETTE[colour], label=label, linewidth=2)
many = [simulate("l4_max_age", seed=seed).new_share for seed in SEEDS]
minutes = [t / 60 for t in range(len(many[0]))]
by_second = [sorted(run[t] for run in many) for t in range(len(minutes))]
low = [100 * v[len(v) // 10] for v in by_second]
high = [100 * v[len(v) - 1 - len(v) // 10] for v in by_second]
mean = [100 * sum(v) / len(v) for v in by_second]
ax.fill_between(minutes, low, high, color=PALETTE["orange"], alpha=0.2, linewidth=0,
                label="max age: 10-90% of 300 runs")
ax.plot(minutes, mean, ":", color=PALETTE["orange"], linewidth=1.5, label="max age: mean of 300 runs")
ax.axvline(2, color=PALETTE["black"], linewidth=0.8, linestyle=":")
ax.text(1.85, 30, "10 pods added", rotation=90, ha="right", va="center")
ax.axhline(50, color=PALETTE["blue"], linewidth=0.8, linestyle=":")
ax.set_xlabel("time (minutes)")
ax.set_ylabel("requests served by\nthe new pods (%)")
ax.set_xlim(0, 15)
ax.set_ylim(-2, 118 if SLIDES else 100)
ax.set_yticks([0, 10, 20, 30, 40, 50, 60, 70])
ax.legend(loc="upper right", fontsize=font(8), ncol=2 if SLIDES else 1)
save_plot(fig)
