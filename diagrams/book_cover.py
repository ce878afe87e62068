"""The ePub cover: the title over the course's ten parts drawn as a row of blocks, in the book's palette."""
import matplotlib.pyplot as plt
from book_style import INK, PALETTE, plot_style, save_plot

plot_style()
fig = plt.figure(figsize=(6, 9))  # 2:3, the usual e-book cover ratio
ax = fig.add_axes((0, 0, 1, 1))
ax.set_axis_off()
ax.set_xlim(0, 6)
ax.set_ylim(0, 9)
ax.add_patch(plt.Rectangle((0, 0), 6, 9, color="#F7F9FB"))
ax.add_patch(plt.Rectangle((0, 6.1), 6, 2.9, color=PALETTE["blue"]))
ax.text(0.45, 7.85, "System Design", fontsize=34, fontweight="bold", color="white", va="center")
ax.text(0.45, 6.95, "A Staff-Level Course", fontsize=20, color="white", va="center")
colours = [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "sky", "purple", "yellow")]
modules = ["Fundamentals", "Traffic", "Networks", "Caching", "Databases", "Async", "Reliability", "Distributed", "Operations"]
for index, name in enumerate(modules):
    y = 5.45 - index * 0.5
    ax.add_patch(plt.Rectangle((0.45, y - 0.17), 0.34, 0.34, color=colours[index % len(colours)]))
    ax.text(1.0, y, f"Module {index}  ·  {name}", fontsize=12, color=INK, va="center")
ax.text(0.45, 0.75, "Mental models · Failure-first design · Staff-level rigor", fontsize=11, color=INK)
ax.text(0.45, 0.35, "A Dev Writes", fontsize=12, fontweight="bold", color=PALETTE["blue"])
for spine in ax.spines.values():
    spine.set_visible(False)
ax.grid(False)
save_plot(fig)
