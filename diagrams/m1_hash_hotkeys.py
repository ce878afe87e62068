"""Even keys are not even load: request balance under Zipf popularity (consistent-hashing chapter).

One seeded workload: 20,000 keys on 20 nodes (a ring with 100 virtual nodes, from book/m1-scalability/code/hashing.py,
imported by path); 10,000 requests in flight drawn from a Zipf distribution over the keys ("key-0" the most popular)
with exponent s. Three policies: the plain ring; the ring with the 20 hottest keys replicated on their first 4 ring
successors, each request picking one of the 4 at random; and bounded loads with c = 1.25. Left: most-loaded node over
the mean. Right: the share of requests served by a node other than the key's home, the price paid in locality.
"""
import random
import sys
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "m1-scalability" / "code"))
import hashing  # noqa: E402

NODES = [f"node-{i:02d}" for i in range(20)]
KEYS = [f"key-{i}" for i in range(20_000)]
IN_FLIGHT = 10_000
HOT, REPLICAS, C = 20, 4, 1.25
EXPONENTS = [0.0, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2]
SEED = 7


def requests(s: float) -> list[str]:
    rng = random.Random(SEED)
    cumulative = list(accumulate((rank + 1) ** -s for rank in range(len(KEYS))))
    return rng.choices(KEYS, cum_weights=cumulative, k=IN_FLIGHT)


def ratio(load: dict) -> float:
    return max(load.values()) / (sum(load.values()) / len(load))


def measure(s: float, hot: int = HOT, replicas: int = REPLICAS) -> dict:
    ring = hashing.Ring(NODES, vnodes=100)
    reqs = requests(s)
    home = {key: ring.lookup(key) for key in set(reqs)}
    plain = dict.fromkeys(NODES, 0)
    for key in reqs:
        plain[home[key]] += 1
    rng = random.Random(SEED)
    hot_keys = set(KEYS[:hot])
    replicated, replicated_away = dict.fromkeys(NODES, 0), 0
    for key in reqs:
        node = rng.choice(ring.preference(key, replicas)) if key in hot_keys else home[key]
        replicated[node] += 1
        replicated_away += node != home[key]
    bounded = hashing.BoundedLoad(NODES, c=C, vnodes=100)
    bounded_away = sum(bounded.acquire(key).node != home[key] for key in reqs)
    return {
        "plain": ratio(plain), "replicated": ratio(replicated), "bounded": ratio(bounded.load),
        "replicated_away": replicated_away / IN_FLIGHT, "bounded_away": bounded_away / IN_FLIGHT,
        "top_share": 1 / sum((rank + 1) ** -s for rank in range(len(KEYS))),
    }


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    rows = [measure(s) for s in EXPONENTS]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 5.0) if SLIDES else (6.6, 3.4))
    ms = 7 if SLIDES else 4
    left.plot(EXPONENTS, [r["plain"] for r in rows], "o-", color=PALETTE["vermillion"], markersize=ms,
              label="ring, 100 virtual nodes")
    left.plot(EXPONENTS, [r["replicated"] for r in rows], "s-", color=PALETTE["blue"], markersize=ms,
              label=f"+ {HOT} hottest keys on {REPLICAS} nodes")
    left.plot(EXPONENTS, [r["bounded"] for r in rows], "^-", color=PALETTE["green"], markersize=ms,
              label=f"bounded loads, c = {C}")
    left.set_ylabel("most-loaded node / mean")
    left.set_ylim(1, None)
    right.plot(EXPONENTS, [100 * r["replicated_away"] for r in rows], "s-", color=PALETTE["blue"], markersize=ms)
    right.plot(EXPONENTS, [100 * r["bounded_away"] for r in rows], "^-", color=PALETTE["green"], markersize=ms)
    right.set_ylabel("requests served away\nfrom the key's home (%)")
    for ax in (left, right):
        ax.set_xlabel("Zipf exponent s (0 = uniform)")
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=font(7.5),
               bbox_to_anchor=(0.5, -0.1 if not SLIDES else -0.14))
    fig.tight_layout()
    save_plot(fig)
