"""Tail-latency amplification under fan-out: the chance a request meets at least one slow backend, 1 - p^n."""
import matplotlib.pyplot as plt
import numpy as np
from book_style import INK, PALETTE, SLIDES, font, plot_style, save_plot

plot_style()
fig, ax = plt.subplots()

n = np.unique(np.round(np.logspace(0, 3, 400)).astype(int))  # fan-out 1 .. 1,000
for p, label, colour in ((0.99, "each backend slow 1% of the time (p = 0.99)", "blue"),
                         (0.999, "each backend slow 0.1% of the time (p = 0.999)", "orange")):
    if SLIDES:  # shorter, so the legend clears the curves at the slide's type size
        label = f"slow {100 * (1 - p):g}% of the time (p = {p})"
    ax.plot(n, 100 * (1 - p**n), color=PALETTE[colour], label=label)

# The points the chapter quotes: n = 100 for both curves.
for p, colour, offset, align in ((0.99, "blue", (8, -9), "left"), (0.999, "orange", (-8, 6), "right")):
    y = 100 * (1 - p**100)
    ax.plot([100], [y], "o", color=PALETTE[colour], markersize=5)
    ax.annotate(f"n = 100: {y:.1f}%", (100, y), xytext=offset, textcoords="offset points",
                ha=align, color=PALETTE[colour], fontsize=font(9))

# Where the backend's tail becomes the caller's median: 1 - p^n = 50%.
ax.axhline(50, color=INK, linewidth=0.8, linestyle=":")
for p, colour, dx, dy in ((0.99, "blue", -6, 6), (0.999, "orange", -14, -36 if SLIDES else -14)):
    n_half = int(np.ceil(np.log(0.5) / np.log(p)))
    ax.plot([n_half], [100 * (1 - p**n_half)], "s", color=PALETTE[colour], markersize=4)
    ax.annotate(f"median slow at n = {n_half}", (n_half, 50), xytext=(dx, dy), textcoords="offset points",
                ha="right", color=PALETTE[colour], fontsize=font(8))

ax.set_xscale("log")
ax.set_xlim(1, 1000)
ax.set_ylim(0, 102)
ax.set_xticks([1, 10, 100, 1000], ["1", "10", "100", "1,000"])
ax.set_xlabel("fan-out n (backends a request waits on)")
ax.set_ylabel("requests meeting ≥ 1 slow backend (%)")
ax.legend(loc="upper left", fontsize=font(8.5))
save_plot(fig)
