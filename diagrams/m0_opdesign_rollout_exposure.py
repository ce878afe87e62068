"""Blast radius of a bad change against the time it takes to detect it, for three rollout schedules.

Wave i (from 0) starts at i * bake; a wave has the change if it started before detection.
Exposure E(D) = sum of the started waves' fractions; impact I(D) = sum f_i (D - t_i + R).
"""

import math

import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, plot_style, save_plot

BAKE = 60.0  # minutes between waves
ROLLBACK = 15.0  # minutes from detection to every exposed host reverted
SCHEDULES = {
    "global push (1 wave)": ([1.0], "vermillion", "-"),
    "4 equal waves of 25%": ([0.25] * 4, "orange", "--"),
    "one-box 1%, then 9%, 40%, 50%": ([0.01, 0.09, 0.40, 0.50], "blue", "-"),
}


def started(waves, detect):
    return min(len(waves), max(1, math.ceil(detect / BAKE)))


def exposure(waves, detect):
    return sum(waves[: started(waves, detect)])


def impact(waves, detect):
    k = started(waves, detect)
    return sum(f * (detect - i * BAKE + ROLLBACK) for i, f in enumerate(waves[:k]))


plot_style()
fig, (left, right) = plt.subplots(1, 2, figsize=(8.2, 3.4))
detect = np.linspace(0.5, 240, 960)
for name, (waves, colour, style) in SCHEDULES.items():
    left.plot(detect, [100 * exposure(waves, d) for d in detect], color=PALETTE[colour], linestyle=style, label=name)
    right.plot(detect, [impact(waves, d) for d in detect], color=PALETTE[colour], linestyle=style, label=name)

for ax in (left, right):
    ax.set_xlabel("time to detect the defect, D (minutes)")
    ax.set_xticks(range(0, 241, 60))
    ax.set_xlim(0, 240)
left.set_ylabel("fleet running the bad change (%)")
left.set_ylim(0, 105)
left.set_title("Exposure at detection", fontsize=10)
right.set_ylabel("impact (fleet-minutes)")
right.set_ylim(0, 260)
right.set_title(f"Impact, rollback {ROLLBACK:.0f} min", fontsize=10)
right.legend(loc="upper left", fontsize=8)
fig.tight_layout()
save_plot(fig)
