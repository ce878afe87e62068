"""Goodput and latency of one service under overload, with no limit, a static token bucket, and an adaptive
concurrency limit: the seeded simulation of book/m1-scalability/code/overload_sim.py, same arrivals for all three."""
import importlib.util
import sys
from pathlib import Path

CODE = Path(__file__).resolve().parent.parent / "book" / "m1-scalability" / "code"
spec = importlib.util.spec_from_file_location("m1_rl_overload_sim", CODE / "overload_sim.py")
sim = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = sim
spec.loader.exec_module(sim)

if __name__ == "__main__":
    import matplotlib.pyplot as plt
    import numpy as np
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    results = sim.run_all()
    seconds = np.arange(sim.DURATION) + 0.5
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8.0, 5.6) if SLIDES else (6.0, 4.6))
    styles = {"none": ("vermillion", "-"), "token bucket": ("orange", "--"), "adaptive": ("blue", "-")}
    labels = {"none": "no limit", "token bucket": "static token bucket (700/s)", "adaptive": "adaptive concurrency limit"}
    for name, res in results.items():
        colour, dash = styles[name]
        top.plot(seconds, res.goodput, dash, color=PALETTE[colour], label=labels[name])
        p99 = [res.p99(s) for s in range(sim.DURATION)]
        bottom.plot(seconds, p99, dash, color=PALETTE[colour])
    capacity = [800 if s < 20 or s >= 30 else 400 for s in range(sim.DURATION)]
    top.step(np.arange(sim.DURATION + 1), capacity + capacity[-1:], where="post", color=PALETTE["black"],
             linewidth=0.9, label="capacity")
    top.set_ylabel("goodput (req/s)")
    top.set_ylim(0, 1050)
    fig.legend(loc="lower center", ncol=2, fontsize=font(8), bbox_to_anchor=(0.5, -0.1 if SLIDES else -0.08))
    bottom.axhline(sim.CLIENT_TIMEOUT, color=PALETTE["black"], linewidth=0.9, linestyle=":")
    bottom.text(31, sim.CLIENT_TIMEOUT * 1.3, "client timeout 200 ms", fontsize=font(8))
    bottom.set_yscale("log")
    bottom.set_ylabel("p99 latency of\nadmitted requests (s)")
    bottom.set_xlabel("time (s)")
    for ax in (top, bottom):
        for edge in (10, 20, 30):
            ax.axvline(edge, color="#999999", linewidth=0.6)
    top.text(1, 930, "75% load", fontsize=font(8))
    top.text(11, 930, "150%", fontsize=font(8))
    top.text(21, 930, "300%", fontsize=font(8))
    top.text(31, 930, "75%", fontsize=font(8))
    save_plot(fig)
