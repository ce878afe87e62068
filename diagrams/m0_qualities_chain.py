"""Downtime per 30-day month for a chain of hard dependencies, and for k replicas with and without a shared dependency.

Left: (1 - A^n) x 43,200 min for n serial components of availability A.
Right: k replicas at 99.9% each; independent: (1 - (1 - (1 - 0.999)^k)) x 43,200; behind a shared dependency of
availability S in series: (1 - S (1 - 0.001^k)) x 43,200.
"""
import matplotlib.pyplot as plt
import numpy as np
from book_style import INK, PALETTE, SLIDES, font, plot_style, save_plot

MONTH_MIN = 30 * 24 * 60  # 43,200


def downtime(availability):
    return (1 - availability) * MONTH_MIN


plot_style()
fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 5.2) if SLIDES else (5.5, 3.5))  # slides: fill 16:9; the book: the page's width

n = np.arange(1, 21)
for a, label, colour in ((0.99, "99%", "vermillion"), (0.999, "99.9%", "blue"), (0.9999, "99.99%", "green")):
    left.plot(n, downtime(a**n), color=PALETTE[colour], marker="o", markersize=2.5, label=f"each {label}")
left.axhline(downtime(0.999), color=INK, linewidth=0.8, linestyle="--")
left.text(20, downtime(0.999) * 0.78, "99.9% budget: 43.2 min", ha="right", va="top", fontsize=font(8))
left.set_yscale("log")
left.set_xlabel("hard dependencies in series, n")
left.set_ylabel("expected downtime, minutes per month")
left.set_title("Serial chain: A = A₁ · A₂ · … · Aₙ" if SLIDES else "Serial chain:\nA = A₁ · A₂ · … · Aₙ", fontsize=font(10))
if SLIDES:
    left.legend(fontsize=font(8), loc="lower right")
else:  # a narrow panel has no room for a legend: each curve is named above it
    for a, label, colour in ((0.99, "99%", "vermillion"), (0.999, "99.9%", "blue"), (0.9999, "99.99%", "green")):
        left.text(11, downtime(a**11) * 1.7, f"each {label}", color=PALETTE[colour], ha="center", fontsize=font(8))

k = np.arange(1, 5)
replica = 0.999
independent = 1 - (1 - replica) ** k
right.plot(k, downtime(independent), color=PALETTE["blue"], marker="o")
right.text(1.15 if SLIDES else 1.08, 1e-3 if SLIDES else 1e-6, "independent\nreplicas", color=PALETTE["blue"], fontsize=font(8))
for shared, label, colour, dy in ((0.9995, "99.95%", "vermillion", 5.0 if SLIDES else 8.0), (0.9999, "99.99%", "orange", 0.2 if SLIDES else 0.1)):
    right.plot(k, downtime(shared * independent), color=PALETTE[colour], marker="s")
    floor = downtime(shared)
    right.text(4, floor * dy, f"shared {label}: floor {floor:.3g} min", color=PALETTE[colour],
               ha="right", va="center", fontsize=font(8))
right.set_yscale("log")
right.set_ylim(1e-8, 1e3)
right.set_xticks(k)
right.set_xlabel("replicas k, each 99.9%")
right.set_title(("k replicas: 1 − (1 − A)ᵏ, until something is shared" if SLIDES
                 else "k replicas: 1 − (1 − A)ᵏ,\nuntil something is shared"), fontsize=font(10))

fig.tight_layout()
save_plot(fig)
