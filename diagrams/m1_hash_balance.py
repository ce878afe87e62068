"""Balance and movement of five placements on one seeded workload (consistent-hashing chapter).

20,000 keys ("key-0" ... "key-19999") placed on N nodes for N = 5 ... 80, with the chapter's listing
(book/m1-scalability/code/hashing.py, imported by path). Left: the most-loaded node's key count over the mean. Right:
the share of keys whose node changes when one node joins (N -> N + 1), against the ideal 1 / (N + 1). mod-N hashing is
the contrast: as even as the hash, and it moves almost everything.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "m1-scalability" / "code"))
import hashing  # noqa: E402

KEYS = [f"key-{i}" for i in range(20_000)]
SIZES = [5, 10, 20, 40, 80]
SCHEMES = {  # label: (builder, colour, marker)
    "mod N": (hashing.ModN, "black", "x"),
    "ring, 1 point per node": (lambda nodes: hashing.Ring(nodes, vnodes=1), "vermillion", "v"),
    "ring, 100 virtual nodes": (lambda nodes: hashing.Ring(nodes, vnodes=100), "orange", "o"),
    "rendezvous": (hashing.Rendezvous, "green", "s"),
    "Maglev, M = 65,537": (lambda nodes: hashing.Maglev(nodes, table_size=65537), "blue", "D"),
    "jump": (hashing.Jump, "purple", "^"),
}


def measure():
    names = [f"node-{i:02d}" for i in range(max(SIZES) + 1)]
    balance, moved = {}, {}
    for label, (build, _, _) in SCHEMES.items():
        balance[label], moved[label] = [], []
        for n in SIZES:
            before, after = build(names[:n]), build(names[: n + 1])
            balance[label].append(hashing.max_over_mean(before, KEYS))
            moved[label].append(hashing.moved_fraction(before, after, KEYS))
    return balance, moved


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import INK, PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    balance, moved = measure()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 5.2) if SLIDES else (6.6, 3.6))
    for label, (_, colour, marker) in SCHEMES.items():
        style = dict(color=PALETTE[colour] if colour != "black" else INK, marker=marker, markersize=4 if not SLIDES else 7)
        left.plot(SIZES, balance[label], label=label, **style)
        right.plot(SIZES, moved[label], **style)
    right.plot(SIZES, [1 / (n + 1) for n in SIZES], color=INK, linestyle=":", linewidth=2.2, label="ideal: 1/(N+1)")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(SIZES, [str(n) for n in SIZES])
        ax.minorticks_off()
        ax.set_xlabel("nodes before the change, N")
    left.set_yticks([1, 1.2, 1.5, 2, 3, 5, 8], ["1", "1.2", "1.5", "2", "3", "5", "8"])
    left.set_ylabel("most-loaded node / mean")
    right.set_yticks([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1], ["1%", "2%", "5%", "10%", "20%", "50%", "100%"])
    right.set_ylabel("keys moved when one node joins")
    right.legend(loc="lower left", fontsize=font(7.5))
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=font(7.5),
               bbox_to_anchor=(0.5, -0.16 if not SLIDES else -0.2))
    fig.tight_layout()
    save_plot(fig)
