"""Utilization of the surviving zones after one zone fails, against the utilization before the failure."""
import matplotlib.pyplot as plt
import numpy as np
from book_style import INK, PALETTE, SLIDES, font, plot_style, save_plot

plot_style()
fig, ax = plt.subplots()
before = np.linspace(0.30, 0.90, 200)
for zones, colour in ((2, "vermillion"), (3, "blue"), (4, "green"), (6, "purple")):
    after = before * zones / (zones - 1)
    ax.plot(before * 100, after * 100, color=PALETTE[colour], label=f"{zones} zones, lose 1")
ax.axhspan(100, 130, color=PALETTE["vermillion"], alpha=0.10, linewidth=0)
ax.axhline(100, color=PALETTE["vermillion"], linewidth=1.0)
ax.text(31, 122, "overload: queue grows without bound", fontsize=font(8), color=PALETTE["vermillion"])
ax.axhline(75, color=INK, linewidth=0.8, linestyle="--")
ax.text(71, 76.5, "rule of thumb (75%)", fontsize=font(8), color=INK)
ax.axhline(63, color=PALETTE["blue"], linewidth=0.8, linestyle=":")
ax.text(58 if SLIDES else 71, 64.5, "this chapter's ceiling (63%)", fontsize=font(8), color=PALETTE["blue"])
# Three zones: the rule of thumb's point, the chapter's plan (51 instances) and the 30-instance proposal.
ax.plot([50], [75], marker="o", color=PALETTE["blue"], markersize=5)
ax.annotate("3 zones: 50% → 75%", xy=(50, 75), xytext=(53, 52), fontsize=font(8),
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.plot([40.6], [60.8], marker="o", color=PALETTE["blue"], markersize=5)
ax.annotate("the plan, 3 zones: 41% → 61%", xy=(40.6, 60.8), xytext=(44, 44), fontsize=font(8),
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.plot([69], [103.5], marker="o", color=PALETTE["blue"], markersize=5)
ax.annotate("3 zones: 69% → 103%", xy=(69, 103.5), xytext=(31, 108), fontsize=font(8),
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.set_xlim(30, 90)
ax.set_ylim(30, 130)
ax.set_xlabel("utilization at peak, all zones up (%)")
ax.set_ylabel("utilization of survivors (%)")
if SLIDES:  # beside the plot, clear of the labels that the slide's larger type makes longer
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=font(9))
else:
    ax.legend(loc="lower right")
save_plot(fig)
