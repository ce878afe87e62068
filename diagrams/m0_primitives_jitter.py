"""Seeded simulation after Brooker (2015): N clients race to update one row with optimistic concurrency.

Each attempt reads at t_r and its conditional write lands at t_w = t_r + d, d ~ Normal(10 ms, 2 ms).
The write commits only if nothing committed in (t_r, t_w]; otherwise the client backs off and retries.
We count total calls (work) and the time until the last client commits, for four backoff schedules
with base 10 ms and cap 1,000 ms, averaged over 20 seeds per point.
"""
import heapq
import random

BASE_MS, CAP_MS = 10.0, 1000.0
DELAY_MEAN_MS, DELAY_SD_MS = 10.0, 2.0
STRATEGIES = ("no jitter", "full jitter", "equal jitter", "decorrelated jitter")
CLIENTS = tuple(range(5, 101, 5))
SEEDS = tuple(range(20))


def backoff(strategy: str, attempt: int, previous: float, rng: random.Random) -> float:
    """Wait before retry `attempt` (0-based), in ms, per Brooker's four formulas."""
    ceiling = min(CAP_MS, BASE_MS * 2**attempt)
    if strategy == "no jitter":
        return ceiling
    if strategy == "full jitter":
        return rng.uniform(0, ceiling)
    if strategy == "equal jitter":
        return ceiling / 2 + rng.uniform(0, ceiling / 2)
    return min(CAP_MS, rng.uniform(BASE_MS, previous * 3))  # decorrelated


def simulate(n_clients: int, strategy: str, seed: int) -> tuple[int, float]:
    """Return (total calls, ms until the last commit) for one seeded run."""
    rng = random.Random(seed)

    def network() -> float:
        return max(0.1, rng.gauss(DELAY_MEAN_MS, DELAY_SD_MS))

    pending = [(network(), 0.0, c, 0, BASE_MS) for c in range(n_clients)]  # (t_w, t_r, client, attempt, last sleep)
    heapq.heapify(pending)
    last_commit, calls, finish = -1.0, 0, 0.0
    while pending:
        t_w, t_r, client, attempt, previous = heapq.heappop(pending)
        calls += 1
        if last_commit <= t_r:  # nobody committed since we read: our write wins
            last_commit = finish = t_w
            continue
        wait = backoff(strategy, attempt, previous, rng)
        t_read = t_w + wait
        heapq.heappush(pending, (t_read + network(), t_read, client, attempt + 1, wait))
    return calls, finish


def averages(n_clients: int, strategy: str) -> tuple[float, float]:
    """Mean calls and mean completion time (ms) over the fixed seeds."""
    runs = [simulate(n_clients, strategy, seed) for seed in SEEDS]
    return sum(r[0] for r in runs) / len(runs), sum(r[1] for r in runs) / len(runs)


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, plot_style, save_plot

    plot_style()
    fig, (ax_work, ax_time) = plt.subplots(1, 2, figsize=(7.2, 3.4) if SLIDES else (5.5, 3.4))  # the book: the page's width
    colours = {"no jitter": PALETTE["vermillion"], "full jitter": PALETTE["blue"],
               "equal jitter": PALETTE["orange"], "decorrelated jitter": PALETTE["green"]}
    styles = {"no jitter": "-", "full jitter": "-", "equal jitter": "--", "decorrelated jitter": ":"}
    for strategy in STRATEGIES:
        points = [averages(n, strategy) for n in CLIENTS]
        ax_work.plot(CLIENTS, [p[0] for p in points], styles[strategy], color=colours[strategy], label=strategy)
        ax_time.plot(CLIENTS, [p[1] / 1000 for p in points], styles[strategy], color=colours[strategy], label=strategy)
    ax_work.set_xlabel("contending clients")
    ax_work.set_ylabel("total calls (work)")
    ax_time.set_xlabel("contending clients")
    ax_time.set_ylabel("time until last client commits (s)")
    ax_time.set_yscale("log")
    ax_work.legend(loc="upper left", **({} if SLIDES else {"fontsize": 9, "handlelength": 1.6}))
    fig.tight_layout()
    save_plot(fig)
