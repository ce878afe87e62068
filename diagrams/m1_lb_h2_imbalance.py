"""Connection-level vs request-level balancing when clients hold long-lived multiplexed (HTTP/2, gRPC) connections.

Seeded simulation. 10 backends; n clients whose request rates are heavy-tailed (Pareto, shape 1.2: a few clients
send most requests, as a few large callers do in a service mesh). An L4 balancer places each *connection* on a
backend by hash (uniformly at random here) and every request on that connection follows it; an L7 balancer places
each *request*. The y axis is the busiest backend's load over the mean: 1.0 is perfect balance.
"""
import numpy as np

BACKENDS, SHAPE, TRIALS, WINDOW_S = 10, 1.2, 200, 60


def peak_to_mean(clients: int, connections_per_client: int | None, seed: int = 7, trials: int = TRIALS) -> float:
    """Mean over trials of max/mean backend load. connections_per_client=None means L7: each request placed alone."""
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(trials):
        rates = (rng.pareto(SHAPE, clients) + 1.0) * 10.0  # requests per second per client, minimum 10
        if connections_per_client is None:
            requests = rng.poisson(rates * WINDOW_S)  # each request to a backend chosen independently
            load = rng.multinomial(requests.sum(), np.full(BACKENDS, 1 / BACKENDS))
        else:
            per_conn = np.repeat(rates / connections_per_client, connections_per_client)
            where = rng.integers(0, BACKENDS, per_conn.size)
            load = np.bincount(where, weights=per_conn, minlength=BACKENDS)
        ratios.append(load.max() / load.mean())
    return float(np.mean(ratios))


CLIENTS = [10, 20, 50, 100, 200, 500, 1000, 2000]

if __name__ == "__main__":
    import matplotlib
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, plot_style, save_plot

    plot_style()
    fig, ax = plt.subplots(figsize=(8.0, 4.6) if SLIDES else (6.0, 3.6))
    series = [("L4: one HTTP/2 connection per client", 1, "vermillion", "o-"),
              ("L4: four connections per client", 4, "orange", "s-"),
              ("L7: each request balanced", None, "blue", "^-")]
    for label, conns, colour, style in series:
        ax.plot(CLIENTS, [peak_to_mean(n, conns) for n in CLIENTS], style, color=PALETTE[colour], label=label)
    ax.axhline(1.0, color=PALETTE["black"], linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("clients (heavy-tailed request rates), 10 backends")
    ax.set_ylabel("busiest backend's load\n/ mean backend load")
    ax.set_ylim(0.8, None)
    ax.legend(loc="upper right")
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    save_plot(fig)
