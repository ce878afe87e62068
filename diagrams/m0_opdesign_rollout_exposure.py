"""Detection time and impact of a bad change against how rare the defect is, for four rollout schedules.

The worked example's fleet: 20,000 QPS spread evenly, waves started every BAKE minutes, an alarm that fires once the
bad requests counted on every host running the change, summed since the first wave started, reach ALARM, and never
before FLOOR minutes. Wave i (from 0) starts at i * BAKE and keeps starting on schedule until the alarm fires; a wave
due at the very minute of detection does not start. Impact I = sum f_i (D - t_i + R) over the waves started by
detection time D, in fleet-minutes. The same model as `detection_minutes`, `exposed_fraction` and
`impact_fleet_minutes` in book/m0-fundamentals/code/cells.py (the chapter's tests check that the two agree).
The shaded bands are the defect rates where the one-box schedule costs more than the equal waves.
"""

import math

import numpy as np

QPS = 20_000
BAKE = 60.0  # minutes between waves
ROLLBACK = 15.0  # minutes from detection to every exposed host reverted
ALARM = 60  # bad requests the alarm must count
FLOOR = 5.0  # minutes: the alarm never fires sooner, however loud the defect
SCHEDULES = {
    "global push (1 wave)": ([1.0], "vermillion", "-"),
    "4 equal waves of 25%": ([0.25] * 4, "orange", "--"),
    "one-box 1%, then 9%, 40%, 50%": ([0.01, 0.09, 0.40, 0.50], "blue", "-"),
    "one-box 1%, then 9%, 15%, 25%, 25%, 25%": ([0.01, 0.09, 0.15, 0.25, 0.25, 0.25], "green", ":"),
}


def detect(waves, p):
    """Minutes from the first wave's start until the alarm has counted ALARM bad requests (at least FLOOR)."""
    per_minute = QPS * 60 * p  # bad requests a minute if the whole fleet ran the change
    counted, exposed = 0.0, 0.0
    for i, fraction in enumerate(waves):
        exposed += fraction
        start = i * BAKE
        end = math.inf if i == len(waves) - 1 else (i + 1) * BAKE
        rate = per_minute * exposed
        if counted + rate * (end - start) >= ALARM:
            return max(FLOOR, min(end, start + (ALARM - counted) / rate))
        counted += rate * (end - start)
    raise AssertionError("the last wave never ends")


def impact(waves, p):
    d = detect(waves, p)
    started = [f for i, f in enumerate(waves) if i == 0 or i * BAKE < d]
    return sum(f * (d - i * BAKE + ROLLBACK) for i, f in enumerate(started))


def worse_bands(rates):
    """Runs of consecutive rates where the one-box schedule's impact exceeds the equal waves'."""
    one_box, equal = SCHEDULES["one-box 1%, then 9%, 40%, 50%"][0], SCHEDULES["4 equal waves of 25%"][0]
    worse = [impact(one_box, p) > impact(equal, p) + 1e-9 for p in rates]
    bands, start = [], None
    for p, w in zip(rates, worse, strict=True):
        if w and start is None:
            start = p
        if not w and start is not None:
            bands.append((start, p))
            start = None
    return bands


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import INK, PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    if SLIDES:  # a slide shows the impact panel alone, large; the chapter's figure also plots time to detect
        fig, right = plt.subplots(figsize=(7.0, 5.4))
        left, panels = None, ((right, impact),)
        short = dict(zip(SCHEDULES, ("global push", "4 waves of 25%", "one-box, 9, 40, 50%", "one-box, 9, 15, 25, 25, 25%"), strict=True))
    else:
        fig, (left, right) = plt.subplots(1, 2, figsize=(5.5, 3.8))  # the page's width; the legend goes below both panels
        panels = ((left, detect), (right, impact))
    rates = np.logspace(-7, -2, 1000)
    for low, high in worse_bands(rates):
        right.axvspan(low, high, color=PALETTE["sky"], alpha=0.25, linewidth=0)
    for name, (waves, colour, style) in SCHEDULES.items():
        width = 2.2 if style == ":" else 1.5
        if SLIDES:
            width *= 1.6
        for ax, curve in panels:
            values = [curve(waves, p) for p in rates]
            ax.plot(rates, values, color=PALETTE[colour], linestyle=style, linewidth=width, label=short[name] if SLIDES else name)

    if left is not None:
        left.axhline(FLOOR, color=INK, linewidth=0.8, linestyle=":")
        left.text(1.2e-7, FLOOR * 1.15, "alarm floor, 5 min", fontsize=8, color=INK)
    right.text(2.2e-6 if SLIDES else 1.3e-7, 0.13, "shaded: one-box\ncosts more than\nequal waves", fontsize=font(8), color=INK)
    for ax, _ in panels:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1e-7, 1e-2)
        ax.set_xlabel("fraction of requests the defect breaks, p")
    if left is not None:
        left.set_ylabel("time to detect, D (minutes)")
        left.set_title("Detection: rarer defects, later alarms", fontsize=10)
    right.set_ylabel("impact (fleet-minutes)")
    right.set_ylim(0.1, 1000)
    right.set_title(f"Impact, rollback {ROLLBACK:.0f} min", fontsize=font(10))
    if SLIDES:
        right.legend(loc="upper right", fontsize=font(7.5))
        fig.tight_layout()
    else:
        left.set_title("Detection: rarer defects,\nlater alarms", fontsize=10)
        right.set_title(f"Impact, rollback {ROLLBACK:.0f} min", fontsize=10)
        left.set_xlabel("fraction of requests\nthe defect breaks, p")
        right.set_xlabel("fraction of requests\nthe defect breaks, p")
        fig.legend(*right.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8, handlelength=2.4,
                   columnspacing=1.2, bbox_to_anchor=(0.5, 0.0))
        fig.tight_layout(rect=(0, 0.14, 1, 1))
    save_plot(fig)
