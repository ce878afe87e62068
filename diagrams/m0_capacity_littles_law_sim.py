"""Seeded single-server FIFO simulation: Little's Law holds for three service-time distributions with the
same mean, while the mean and p99 time in system differ. Poisson arrivals at 80 QPS, mean service 10 ms."""
import heapq
import math
import random

import matplotlib.pyplot as plt
import numpy as np
from book_style import PALETTE, SLIDES, font, plot_style, save_plot

ARRIVAL_RATE, MEAN_S, REQUESTS, SEED = 80.0, 0.010, 200_000, 42
SIGMA2 = math.log(1 + 4.0)  # lognormal with squared coefficient of variation 4
SAMPLERS = {
    "constant\n(c²=0)": lambda r: MEAN_S,
    "exponential\n(c²=1)": lambda r: r.expovariate(1 / MEAN_S),
    "lognormal\n(c²=4)": lambda r: r.lognormvariate(math.log(MEAN_S) - SIGMA2 / 2, math.sqrt(SIGMA2)),
}


def simulate(sampler):
    """Return (L by time-averaging n(t), lambda, W mean, W p99) over a window after a 10% warm-up."""
    rng = random.Random(SEED)
    t, free = 0.0, [0.0]
    arr, dep = [], []
    for _ in range(REQUESTS):
        t += rng.expovariate(ARRIVAL_RATE)
        start = max(t, heapq.heappop(free))
        done = start + sampler(rng)
        heapq.heappush(free, done)
        arr.append(t)
        dep.append(done)
    first = REQUESTS // 10
    lo, hi = arr[first], arr[-1]
    area = sum(max(0.0, min(d, hi) - max(a, lo)) for a, d in zip(arr, dep, strict=False))
    soj = np.array(dep[first:]) - np.array(arr[first:])
    lam = (len(soj) - 1) / (hi - lo)
    return area / (hi - lo), lam, soj.mean(), np.percentile(soj, 99)


plot_style()
fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 5.0) if SLIDES else (7.2, 3.4))  # slides: a wide strip
names = list(SAMPLERS)
x = np.arange(len(names))
res = [simulate(SAMPLERS[n]) for n in names]
L = [r[0] for r in res]
lamW = [r[1] * r[2] for r in res]
left.bar(x - 0.18, L, 0.36, color=PALETTE["blue"], label="L, measured")
left.bar(x + 0.18, lamW, 0.36, color=PALETTE["orange"], label="λ × W, measured")
for i, v in enumerate(L):
    left.text(i, v + 0.25, f"{v:.2f}", ha="center", fontsize=font(8))
left.set_xticks(x, names, fontsize=font(8))
left.set_ylabel("requests in system")
left.set_title("Little's Law: L = λW in every case", fontsize=font(10))
left.legend(fontsize=font(8), loc="upper left")
left.set_ylim(0, 11)
mean_ms = [r[2] * 1000 for r in res]
p99_ms = [r[3] * 1000 for r in res]
right.bar(x - 0.18, mean_ms, 0.36, color=PALETTE["green"], label="mean W")
right.bar(x + 0.18, p99_ms, 0.36, color=PALETTE["vermillion"], label="p99 W")
for i, (m, p) in enumerate(zip(mean_ms, p99_ms, strict=False)):
    right.text(i - 0.18, m + 12, f"{m:.0f}", ha="center", fontsize=font(8))
    right.text(i + 0.18, p + 12, f"{p:.0f}", ha="center", fontsize=font(8))
right.set_xticks(x, names, fontsize=font(8))
right.set_ylabel("time in system (ms)")
right.set_title("but the tail is not in the law", fontsize=font(10))
right.legend(fontsize=font(8), loc="upper left")
right.set_ylim(0, 800)
fig.tight_layout()
save_plot(fig)
