"""Load on a failing bottom dependency per user request, against the depth of the call stack.

If every call to the bottom fails, a layer that makes up to r + 1 attempts per call it receives
multiplies the load by r + 1, so L such layers send (r + 1)**L attempts to the bottom.
"""
import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, SLIDES, font, plot_style, save_plot

plot_style()
layers = np.arange(1, 7)
fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))  # a slide shows it at its natural size
for retries, colour in ((3, "vermillion"), (2, "orange"), (1, "purple")):
    ax.plot(layers, (retries + 1.0) ** layers, "o-", color=PALETTE[colour],
            label=f"{retries} {'retry' if retries == 1 else 'retries'} at every layer: {retries + 1}^L")
ax.plot(layers, np.full(layers.shape, 4.0), "s-", color=PALETTE["blue"], label="3 retries at one layer only: 4")
ax.plot(layers, 1.1 ** layers, "^-", color=PALETTE["green"], label="10% retry budget at every layer: 1.1^L")
ax.annotate("4^5 = 1,024", xy=(5, 4**5), xytext=(4.85, 2200), ha="right")
ax.annotate("3^5 = 243", xy=(5, 3**5), xytext=(5.2, 120), ha="left")
ax.set_yscale("log")
ax.set_xlabel("layers that retry independently (L)")
ax.set_ylabel("attempts reaching the bottom\nper user request (log)")
ax.set_ylim(0.8, 1e6 if SLIDES else 10000)  # on a slide the larger legend needs the headroom
ax.legend(loc="upper left", fontsize=font(8))
save_plot(fig)
