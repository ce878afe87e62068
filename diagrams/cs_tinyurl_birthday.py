"""Birthday bound for short codes (TinyURL case study): P(at least one collision) among n uniform codes.

Computed from 1 - exp(-n(n-1) / (2 * 62**k)) for code lengths k = 6, 7, 8, with the chapter's volumes marked:
one day of creates (10 million) and five years of creates (18.25 billion).
"""
import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, SLIDES, font, plot_style, save_plot

plot_style()
fig, ax = plt.subplots()
n = np.logspace(3, 11, 400)
for k, colour in ((6, "vermillion"), (7, "blue"), (8, "green")):
    space = 62.0**k
    p = -np.expm1(-n * (n - 1) / (2 * space))
    mantissa, exponent = f"{space:.1e}".split("e+")
    if SLIDES:
        label = rf"{k} characters: $62^{k} \approx {mantissa} \times 10^{{{int(exponent)}}}$ codes"
    else:  # plain text: a mathtext exponent is set at 70% of the legend's 8 pt, under the 6 pt floor on paper
        label = f"{k} characters: 62^{k} ≈ {mantissa} × 10^{int(exponent)} codes"
    ax.plot(n, p * 100, color=PALETTE[colour], label=label)
    half = np.sqrt(2 * space * np.log(2))
    ax.plot([half], [50], marker="o", color=PALETTE[colour], markersize=4)
marks = (
    (1e7, "one day of creates\n(10 million)", 4, 4, "left"),
    (1.825e10, "five years of creates\n(18.25 billion)", 30, -4, "right"),
)
for volume, text, y, dx, align in marks:
    ax.axvline(volume, color=PALETTE["black"], linewidth=0.8, linestyle=":")
    ax.annotate(text, (volume, y), xytext=(dx, 0), textcoords="offset points", fontsize=font(8), ha=align)
ax.set_xscale("log")
ax.set_ylim(0, 105)
ax.set_xlabel("codes drawn uniformly at random, n (log scale)")
ax.set_ylabel("P(at least one collision) (%)")
if SLIDES:  # a landscape slide has width to spare, not height: the legend goes beside the plot
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=font(10))
else:
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8)
save_plot(fig)
