"""Burn-rate alert detection time against a steady error ratio, for a 99.9% SLO over 30 days.

Formulas from the SRE Workbook's "Alerting on SLOs": burn = e / (1 - SLO); an alert with threshold b over
a window W fires after (1 - SLO) / e x W x b, and never if e < b (1 - SLO). Time to exhaustion = period / burn.
"""
import matplotlib.pyplot as plt
import numpy as np
from book_style import INK, PALETTE, font, plot_style, save_plot

SLO = 0.999
PERIOD_MIN = 30 * 24 * 60  # 30-day window in minutes
TIERS = (  # burn-rate threshold, long window (minutes), label, colour: Table 5-8 of the Workbook
    (14.4, 60, "page: 14.4x over 1 h (and 5 min)", "vermillion"),
    (6.0, 360, "page: 6x over 6 h (and 30 min)", "orange"),
    (1.0, 4320, "ticket: 1x over 3 days (and 6 h)", "blue"),
)

plot_style()
fig, ax = plt.subplots()
e = np.logspace(-4, 0, 600)  # error ratio 0.01% .. 100%
budget = 1 - SLO

ax.plot(100 * e, PERIOD_MIN * budget / e, color=INK, linestyle="--", linewidth=1.2,
        label="time to exhaust the whole budget")
for burn, window, label, colour in TIERS:
    fires = e >= burn * budget
    ax.plot(100 * e[fires], budget / e[fires] * window * burn, color=PALETTE[colour], label=label)
    ax.axvline(100 * burn * budget, color=PALETTE[colour], linewidth=0.8, linestyle=":")

ax.annotate("full outage: first\npage after 0.86 min", (100, budget * 60 * 14.4), xytext=(2.5, 1.5),
            textcoords="data", ha="left", va="center", fontsize=font(8), color=PALETTE["vermillion"],
            arrowprops={"arrowstyle": "->", "color": PALETTE["vermillion"], "linewidth": 0.8})
ax.text(0.012, 3, "below 0.1%:\nno alert", fontsize=font(8), color=INK)
ax.text(0.11, 3, "0.1% to 0.6%:\nticket only", fontsize=font(8), color=INK)

ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlim(0.01, 100)
ax.set_ylim(0.5, 100_000)
ax.set_xticks([0.01, 0.1, 1, 10, 100], ["0.01%", "0.1%", "1%", "10%", "100%"])
ax.set_yticks([1, 60, 24 * 60, PERIOD_MIN], ["1 min", "1 hour", "1 day", "30 days"])
ax.set_xlabel("steady error ratio (99.9% SLO, so 0.1% is burn rate 1)")
ax.set_ylabel("time after errors start")
ax.legend(loc="upper right", fontsize=font(8))
save_plot(fig)
