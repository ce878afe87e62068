"""Throughput against node count: linear, Amdahl and Gunther's Universal Scalability Law (USL).

X(N) = X1 * N / (1 + sigma (N - 1) + kappa N (N - 1)) with X1 = 1,000 QPS per node, sigma = 0.04,
kappa = 0.0006: the least-squares fit of the chapter's worked example (sigma = 0.0401, kappa = 0.000597)
to two significant figures. The load-test points of that example are drawn on top; past 16 nodes the
curve is an extrapolation. Amdahl is the same with kappa = 0.
"""
import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, font, plot_style, save_plot

X1, SIGMA, KAPPA = 1_000.0, 0.04, 0.0006
LOAD_TEST = [(1, 1_000), (2, 1_930), (4, 3_530), (8, 6_050), (12, 7_960), (16, 9_140)]  # nodes, QPS


def throughput(n, sigma, kappa):
    return X1 * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


plot_style()
fig, ax = plt.subplots()
n = np.arange(1, 101)
peak = np.sqrt((1 - SIGMA) / KAPPA)  # 40 nodes

ax.plot(n, X1 * n, color=PALETTE["black"], linestyle=":", label="linear: X1 · N")
ax.plot(n, throughput(n, SIGMA, 0.0), color=PALETTE["blue"], label="Amdahl: σ = 0.04 (ceiling 25,000 QPS)")
ax.plot(n, throughput(n, SIGMA, KAPPA), color=PALETTE["vermillion"], label="USL: σ = 0.04, κ = 0.0006")
ax.axhline(X1 / SIGMA, color=PALETTE["blue"], linewidth=0.8, linestyle="--")
tested, measured = zip(*LOAD_TEST, strict=True)
ax.plot(tested, measured, "x", color=PALETTE["black"], markersize=6, markeredgewidth=1.6,
        label="load test, 1 to 16 nodes (worked example)")
ax.axvspan(max(tested), 100, color=PALETTE["black"], alpha=0.04, linewidth=0)
ax.text(max(tested) + 1.5, 700, "past the largest test (16 nodes): extrapolated", ha="left", va="bottom", fontsize=font(8.5))

x_peak = throughput(peak, SIGMA, KAPPA)
ax.plot([peak], [x_peak], "o", color=PALETTE["vermillion"])
ax.text(peak + 1, x_peak + 600, f"peak N* = {peak:.0f}: {x_peak:,.0f} QPS", ha="left", va="bottom", fontsize=font(9))
for n_same, dx, dy, ha, va in ((20, 1, -900, "left", "top"), (80, 0, -900, "center", "top")):  # equal either side
    x_same = throughput(n_same, SIGMA, KAPPA)
    ax.plot([n_same], [x_same], "s", color=PALETTE["vermillion"], markersize=4)
    ax.text(n_same + dx, x_same + dy, f"N = {n_same}: {x_same:,.0f} QPS", ha=ha, va=va, fontsize=font(9))

ax.set_xlim(0, 100)
ax.set_ylim(0, 32_000)
ax.set_xlabel("nodes N")
ax.set_ylabel("throughput X(N), QPS")
ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
ax.legend(loc="upper right", fontsize=font(8.5))
save_plot(fig)
