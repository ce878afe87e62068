"""The most requests each limiter admits in any interval of length tau, on one adversarial workload: 100 requests
packed into the last 20 ms of a window, then a flood of 1,000 req/s for two seconds. Every limiter is set to
"100 per second"; the listings are book/m1-scalability/code/window_limits.py and token_bucket.py."""
import bisect
import importlib.util
import sys
from pathlib import Path

CODE = Path(__file__).resolve().parent.parent / "book" / "m1-scalability" / "code"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"m1_rl_windows_{name}", CODE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


windows = _load("window_limits")
token_bucket = _load("token_bucket")
LIMIT, RATE = 100, 100.0
# 100 requests in [0.98, 1.0), then one every millisecond from 1.0 s to 3.0 s.
WORKLOAD = [0.98 + i * 0.0002 for i in range(100)] + [1.0 + i * 0.001 for i in range(2000)]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


LIMITERS = {
    "fixed window": lambda c: windows.FixedWindow(LIMIT, 1.0, clock=c),
    "sliding window counter": lambda c: windows.SlidingWindowCounter(LIMIT, 1.0, clock=c),
    "sliding log": lambda c: windows.SlidingLog(LIMIT, 1.0, clock=c),
    "token bucket, b = 100": lambda c: token_bucket.TokenBucket(RATE, 100, clock=c),
    "token bucket, b = 10": lambda c: token_bucket.TokenBucket(RATE, 10, clock=c),
}


def admitted(name):
    clock = Clock()
    limiter = LIMITERS[name](clock)
    out = []
    for t in WORKLOAD:
        clock.now = t
        if limiter.try_acquire():
            out.append(t)
    return out


def most_in_interval(times, tau):
    """The most admitted requests in any interval [t, t + tau)."""
    return max(bisect.bisect_left(times, t + tau) - i for i, t in enumerate(times))


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    import numpy as np
    from book_style import PALETTE, SLIDES, font, plot_style, save_plot

    plot_style()
    taus = np.geomspace(0.005, 1.0, 120)
    fig, ax = plt.subplots(figsize=(8.0, 4.8) if SLIDES else (6.0, 3.6))
    colours = {"fixed window": "vermillion", "sliding window counter": "orange", "sliding log": "green",
               "token bucket, b = 100": "blue", "token bucket, b = 10": "sky"}
    for name in LIMITERS:
        times = admitted(name)
        dash = "--" if name == "sliding window counter" else "-"  # it lies on top of the b = 100 bucket
        ax.plot(taus, [most_in_interval(times, tau) for tau in taus], dash, color=PALETTE[colours[name]], label=name)
    ax.plot(taus, 10 + RATE * taus, ":", color=PALETTE["black"], linewidth=1.0, label="bound b + r·τ, b = 10")
    ax.axhline(LIMIT, color="#999999", linewidth=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("interval length τ (s)")
    ax.set_ylabel("most requests admitted\nin any interval of length τ")
    ax.set_ylim(0, 230)
    ax.legend(loc="upper left", fontsize=font(7.5))
    save_plot(fig)
