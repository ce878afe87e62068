"""Throughput of one TCP flow against round-trip time on a 1 Gbit/s path, for three receive windows: the
window/RTT limit of book/m2-networking/code/bdp.py (throughput = min(link, window / RTT))."""
import importlib.util
import sys
from pathlib import Path

CODE = Path(__file__).resolve().parent.parent / "book" / "m2-networking" / "code"
spec = importlib.util.spec_from_file_location("m2_net_bdp", CODE / "bdp.py")
bdp = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bdp
spec.loader.exec_module(bdp)

if __name__ == "__main__":
    import matplotlib.pyplot as plt
    import numpy as np
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    link = 1e9
    rtts = np.geomspace(0.0005, 0.3, 200)
    fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
    windows = ((16 * 2**20, "blue", "-", "16 MiB (scaled)"), (4 * 2**20, "green", "--", "4 MiB (scaled)"),
               (65_535, "vermillion", "-", "64 KiB (no window scaling)"))
    for window, colour, dash, label in windows:
        mbps = [bdp.throughput_bits_per_s(window, r, link) / 1e6 for r in rtts]
        ax.plot(rtts * 1000, mbps, dash, color=PALETTE[colour], label=label)
    ax.axvline(80, color="#999999", linewidth=0.8)
    ax.text(85, 2.0, "80 ms", fontsize=font(8))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("round-trip time (ms, log)")
    ax.set_ylabel("throughput of one flow\n(Mbit/s, log)")
    ax.set_ylim(1, 2000)
    ax.set_xticks([1, 10, 100], labels=["1", "10", "100"])
    ax.set_yticks([1, 10, 100, 1000], labels=["1", "10", "100", "1,000"])
    ax.legend(loc="lower left", fontsize=font(8))
    save_plot(fig)
