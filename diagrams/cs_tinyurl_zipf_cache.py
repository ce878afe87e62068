"""Cache hit ratio against cache size under a Zipf-distributed workload (TinyURL case study).

Two curves per Zipf exponent alpha: an LRU cache simulated on a seeded request stream, and the static optimum
(the k most popular keys pinned in cache), whose hit ratio is H(k, alpha) / H(n, alpha) with H the generalized
harmonic number. The chapter quotes the static optimum at its own scale (n = 10**8) through `static_hit_ratio`.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

SEED = 20261123
N_KEYS = 100_000
N_REQUESTS = 400_000
WARMUP = 100_000  # requests before hits are counted, so a cold start does not dominate
ALPHAS = (0.8, 1.0)
FRACTIONS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)


def harmonic(n: int, alpha: float, exact_terms: int = 1_000_000) -> float:
    """Generalized harmonic number sum_{i=1..n} i**-alpha: exact up to exact_terms, Euler-Maclaurin beyond."""
    m = min(n, exact_terms)
    total = float(np.sum(np.arange(1, m + 1, dtype=np.float64) ** -alpha))
    if n == m:
        return total
    a, b = float(m), float(n)
    integral = np.log(b / a) if alpha == 1 else (b ** (1 - alpha) - a ** (1 - alpha)) / (1 - alpha)
    end_terms = (b**-alpha - a**-alpha) / 2
    slope_terms = (-alpha * b ** (-alpha - 1) + alpha * a ** (-alpha - 1)) / 12
    return total + integral + end_terms + slope_terms


def static_hit_ratio(k: int, n: int, alpha: float) -> float:
    """Hit ratio of a cache that holds exactly the k most popular of n Zipf(alpha) keys."""
    return harmonic(k, alpha) / harmonic(n, alpha)


def zipf_requests(n_keys: int, n_requests: int, alpha: float, seed: int = SEED) -> np.ndarray:
    """A seeded stream of key ids (0 = most popular) drawn from Zipf(alpha) on n_keys keys."""
    weights = np.arange(1, n_keys + 1, dtype=np.float64) ** -alpha
    cdf = np.cumsum(weights / weights.sum())
    rng = np.random.default_rng(seed)
    return np.minimum(np.searchsorted(cdf, rng.random(n_requests)), n_keys - 1)


def lru_hit_ratio(stream: np.ndarray, capacity: int, warmup: int = WARMUP) -> float:
    """Fraction of requests after `warmup` that an LRU cache of `capacity` entries serves as hits."""
    cache: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for i, key in enumerate(stream.tolist()):
        if key in cache:
            cache.move_to_end(key)
            hits += i >= warmup
        else:
            cache[key] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits / (len(stream) - warmup)


def main() -> None:
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    fig, ax = plt.subplots()
    colours = {0.8: PALETTE["vermillion"], 1.0: PALETTE["blue"]}
    x = np.array(FRACTIONS) * 100
    for alpha in ALPHAS:
        stream = zipf_requests(N_KEYS, N_REQUESTS, alpha)
        lru = [lru_hit_ratio(stream, int(f * N_KEYS)) for f in FRACTIONS]
        best = [static_hit_ratio(int(f * N_KEYS), N_KEYS, alpha) for f in FRACTIONS]
        ax.plot(x, np.array(best) * 100, color=colours[alpha], linestyle="--", linewidth=1.2,
                label=f"α = {alpha}: top-k pinned (optimum)")
        ax.plot(x, np.array(lru) * 100, color=colours[alpha], marker="o", markersize=4,
                label=f"α = {alpha}: LRU, simulated")
    ax.set_xscale("log")
    ax.set_xticks(x, [f"{v:g}%" for v in x])
    ax.set_ylim(0, 100)
    ax.set_xlabel("cache size, as a share of distinct keys (log scale)")
    ax.set_ylabel("hit ratio (%)")
    ax.set_title(f"Zipf workload: {N_KEYS:,} keys, {N_REQUESTS - WARMUP:,} measured requests, seed {SEED}",
                 fontsize=font(9))
    if SLIDES:  # a landscape slide has width to spare: the legend goes beside the curves, not over them
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=font(8))
    else:
        ax.legend(loc="lower right", fontsize=8)
    save_plot(fig)


if __name__ == "__main__":
    main()
