"""p99 response time at 90% utilization against the age of the load data the balancers read.

Uses the simulation in m1_sd_policies.py (same servers, seeds and policies): the board of queue lengths is refreshed
every T mean service times and every client reads the same board, so a load-aware policy's picks between refreshes
are based on data up to T old. Round robin and random read no load data and are flat.
"""
from m1_sd_policies import POLICIES, STALENESS, p99  # noqa: F401 - simulation lives there (one source of numbers)

UTILIZATION = 0.9

if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
    xs = [10 * s for s in STALENESS]  # one mean service time = 10 ms
    styles = {"random": ("vermillion", "o-"), "round robin": ("orange", "s-"),
              "power of two": ("blue", "^-"), "least loaded": ("green", "D-")}
    for policy in ("random", "round robin", "power of two", "least loaded"):
        colour, marker = styles[policy]
        ax.plot(xs, [10 * p99(policy, UTILIZATION, s) for s in STALENESS], marker, color=PALETTE[colour], label=policy)
    ax.set_xlabel("age of the load data: refresh interval (ms)")
    ax.set_ylabel("p99 response time (ms)\nat 90% utilization")
    ax.set_yscale("log")
    ax.legend(loc="upper left", fontsize=font(8))
    save_plot(fig)
