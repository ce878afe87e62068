"""Writes that land after their lease expired, per million, against the lease length: lease only, a lease with a
1 s safety margin, the same with a client clock 2% slow, and fencing tokens (none accepted). The seeded simulation
of book/m2-networking/code/lease_sim.py; every alternative sees the same draws."""
import importlib.util
import sys
from pathlib import Path

CODE = Path(__file__).resolve().parent.parent / "book" / "m2-networking" / "code"
spec = importlib.util.spec_from_file_location("m2_part_lease_sim", CODE / "lease_sim.py")
sim = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = sim
spec.loader.exec_module(sim)

if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    results = sim.curves()
    floor = 0.5  # zero has no place on a log axis: a count of 0 is drawn on this line
    fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
    styles = {"lease only": ("vermillion", "o-"), "lease, 1 s margin": ("blue", "s-"),
              "lease, 1 s margin, clock 2% slow": ("orange", "^--")}
    for name, values in results.items():
        colour, marker = styles[name]
        ax.plot(sim.LEASES_S, [max(v, floor) for v in values], marker, color=PALETTE[colour], label=name)
    ax.plot(sim.LEASES_S, [floor] * len(sim.LEASES_S), "-", color=PALETTE["green"], linewidth=2.5,
            label="fencing tokens: 0 accepted")
    ax.set_yscale("log")
    ax.set_xlabel("lease length (s)")
    ax.set_ylabel("late writes per million\n(log; 0 drawn at 0.5)")
    ax.set_ylim(0.3, 5000)
    ax.legend(loc="upper right", fontsize=font(8))
    save_plot(fig)
