"""One BBR-like and one Reno-like flow share a 120 Mbit/s bottleneck (40 ms base RTT, BDP 400 packets) through
buffers from 1/8 to 8 BDP: the BBR flow's share of the delivered packets, and the queueing delay each sender
builds when it runs alone. The seeded simulation of book/m2-networking/code/bottleneck.py."""
import importlib.util
import sys
from pathlib import Path

CODE = Path(__file__).resolve().parent.parent / "book" / "m2-networking" / "code"
spec = importlib.util.spec_from_file_location("m2_net_bottleneck", CODE / "bottleneck.py")
sim = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = sim
spec.loader.exec_module(sim)

BDP = 400  # packets: 10 packets per ms x 40 ms
BUFFERS = (0.125, 0.25, 0.5, 1, 2, 4, 8)  # in BDPs
def run_length(size: float) -> tuple[int, int]:
    """(ms simulated, ms before measuring) for a buffer of `size` BDPs. Reno's sawtooth lengthens with the buffer:
    at 4 BDP one cycle lasts about 150 s, so deep buffers (2 BDP and more) run 300 s and are measured from second
    100; shallower ones, whose cycles last seconds, run 60 s and are measured from second 10."""
    return (300_000, 100_000) if size >= 2 else (60_000, 10_000)


def mixed_share(size: float, seed: int = 1) -> float:
    """BBR's share of the packets delivered against one Reno flow, over the measured part of the run."""
    ticks, warmup = run_length(size)
    mixed = sim.simulate([sim.BBR("bbr", 40), sim.Reno("reno", 40)], buffer=int(size * BDP), ticks=ticks, seed=seed)
    return sim.share(mixed, 0, warmup, ticks)


def sweep():
    """Per buffer size: (BBR's share against one Reno flow, mean queue delay in ms of BBR alone, of Reno alone),
    each over the measured part of a run of run_length(size)."""
    rows, alone_bbr = [], None
    for size in BUFFERS:
        buffer, (ticks, warmup) = int(size * BDP), run_length(size)
        if not (alone_bbr and len(alone_bbr["queue"]) == ticks and alone_bbr["lost"] == [0]):
            # A run that dropped nothing with a smaller buffer is the same run with a larger one.
            alone_bbr = sim.simulate([sim.BBR("bbr", 40)], buffer=buffer, ticks=ticks)
        alone_reno = sim.simulate([sim.Reno("reno", 40)], buffer=buffer, ticks=ticks)
        delay = [sum(r["queue"][warmup:]) / (ticks - warmup) / 10 for r in (alone_bbr, alone_reno)]  # 10 pkt/ms
        rows.append((size, mixed_share(size), *delay))
    return rows


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    rows = sweep()
    sizes = [r[0] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 4.6) if SLIDES else (6.0, 3.6))
    left.plot(sizes, [100 * r[1] for r in rows], "o-", color=PALETTE["blue"], label="BBR flow")
    left.plot(sizes, [100 - 100 * r[1] for r in rows], "s--", color=PALETTE["vermillion"], label="Reno flow")
    left.axhline(50, color="#999999", linewidth=0.8)
    left.set_xscale("log", base=2)
    left.set_xticks(BUFFERS, labels=["1/8", "", "1/2", "1", "2", "4", "8"])
    left.set_xlabel("buffer (BDPs, log)")
    left.set_ylabel("share of the link (%)")
    left.set_ylim(0, 100)
    left.legend(loc="center left", fontsize=font(8))
    right.plot(sizes, [r[2] for r in rows], "o-", color=PALETTE["blue"], label="BBR alone")
    right.plot(sizes, [r[3] for r in rows], "s--", color=PALETTE["vermillion"], label="Reno alone")
    right.set_xscale("log", base=2)
    right.set_xticks(BUFFERS, labels=["1/8", "", "1/2", "1", "2", "4", "8"])
    right.set_xlabel("buffer (BDPs, log)")
    right.set_ylabel("mean queueing delay (ms)")
    right.legend(loc="upper left", fontsize=font(8))
    fig.tight_layout()
    save_plot(fig)
