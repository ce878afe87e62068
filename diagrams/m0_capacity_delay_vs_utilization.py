"""Mean queueing delay against utilization for M/M/1 and M/M/c (Erlang C), in units of mean service time."""
import matplotlib.pyplot as plt
import numpy as np
from book_style import INK, PALETTE, font, plot_style, save_plot


def erlang_c(c: int, a: float) -> float:
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def wq_over_s(c: int, rho: float) -> float:
    """Wq / E[S] = C(c, a) / (c (1 - rho)) for an M/M/c queue at utilization rho."""
    return erlang_c(c, rho * c) / (c * (1.0 - rho))


plot_style()
fig, ax = plt.subplots()
rhos = np.linspace(0.0, 0.985, 400)
for c, colour in ((1, "vermillion"), (2, "orange"), (8, "blue"), (32, "green")):
    ys = [wq_over_s(c, r) for r in rhos]
    label = "M/M/1" if c == 1 else f"M/M/{c}"
    ax.plot(rhos * 100, ys, color=PALETTE[colour], label=label)
ax.axhline(1.0, color=INK, linewidth=0.8, linestyle=":")
ax.text(2, 1.15, "waiting = one service time", fontsize=font(8), color=INK)
for c, rho in ((1, 0.5), (32, 0.9)):
    y = wq_over_s(c, rho)
    ax.plot([rho * 100], [y], marker="o", color=INK, markersize=4)
ax.annotate("1 server at 50%: 1.00", xy=(50, 1.0), xytext=(22, 3.0), fontsize=font(8),
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.annotate("32 servers at 90%: 0.14", xy=(90, wq_over_s(32, 0.9)), xytext=(55, 5.0), fontsize=font(8),
            arrowprops={"arrowstyle": "-", "color": INK, "linewidth": 0.6})
ax.set_xlim(0, 100)
ax.set_ylim(0, 10)
ax.set_xlabel("utilization of each server, ρ (%)")
ax.set_ylabel("mean queueing delay / mean service time")
ax.legend(loc="upper left")
save_plot(fig)
