"""Utilization of the surviving zones after one zone fails, against the utilization before the failure."""
import matplotlib.pyplot as plt
import numpy as np
from book_style import INK, PALETTE, plot_style, save_plot

plot_style()
fig, ax = plt.subplots()
before = np.linspace(0.30, 0.90, 200)
for zones, colour in ((2, "vermillion"), (3, "blue"), (4, "green"), (6, "purple")):
    after = before * zones / (zones - 1)
    ax.plot(before * 100, after * 100, color=PALETTE[colour], label=f"{zones} zones, lose 1")
ax.axhspan(100, 130, color=PALETTE["vermillion"], alpha=0.10, linewidth=0)
ax.axhline(100, color=PALETTE["vermillion"], linewidth=1.0)
ax.text(31, 122, "overload: queue grows without bound", fontsize=8, color=PALETTE["vermillion"])
ax.axhline(75, color=INK, linewidth=0.8, linestyle="--")
ax.text(31, 77, "design ceiling after a loss (75%)", fontsize=8, color=INK)
# The three-zone design point: 50% before the loss becomes 75% after.
ax.plot([50], [75], marker="o", color=PALETTE["blue"], markersize=5)
ax.annotate("3 zones: 50% → 75%", xy=(50, 75), xytext=(54, 58), fontsize=8,
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.plot([69], [103.5], marker="o", color=PALETTE["blue"], markersize=5)
ax.annotate("3 zones: 69% → 103%", xy=(69, 103.5), xytext=(75, 80), fontsize=8,
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.set_xlim(30, 90)
ax.set_ylim(30, 130)
ax.set_xlabel("utilization at peak, all zones up (%)")
ax.set_ylabel("utilization of survivors (%)")
ax.legend(loc="lower right")
save_plot(fig)
