"""Established connections broken when the backend set changes, for three forwarding policies.

Seeded simulation. 20 backends carry 20,000 established flows (random 5-tuples). Then k backends are removed
(left panel) or added (right panel), and each flow's next packet is forwarded again:
- modulo: hash(5-tuple) % N, no state;
- rendezvous: highest-random-weight hashing over the backends, no state;
- rendezvous + connection tracking: the balancer remembers each flow's backend (the chapter's listing).
A flow is broken if its next packet goes to a backend other than the one holding its connection. Flows whose
backend was removed are broken under every policy: their state died with the backend.
The hash is the listing's (blake2b of the 5-tuple), re-implemented here so the figure depends on this file alone;
the chapter's tests check that the two agree.
"""
import hashlib
import random

BACKENDS, FLOWS, SEED, CHANGES = 20, 20_000, 11, [1, 2, 3, 4, 5]


def _h(*parts):
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def flows(n=FLOWS, seed=SEED):
    rng = random.Random(seed)
    return [(f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}", rng.randrange(1024, 65536),
             "203.0.113.10", 443, "tcp") for _ in range(n)]


def modulo(flow, backends):
    return backends[_h(*flow) % len(backends)]


def rendezvous(flow, backends):
    return max(backends, key=lambda b: (_h(*flow, b), b))


def broken_fraction(policy, change, k, n_backends=BACKENDS, workload=None):
    """Share of established flows broken after removing or adding k backends."""
    workload = workload if workload is not None else flows()
    before = [f"b{i:02d}" for i in range(n_backends)]
    if change == "remove":
        after = before[: n_backends - k]  # the last k fail
    else:
        after = before + [f"b{i:02d}" for i in range(n_backends, n_backends + k)]
    pick = modulo if policy == "modulo" else rendezvous
    broken = 0
    for flow in workload:
        home = pick(flow, before)
        if home not in after:
            broken += 1  # its connection died with its backend
        elif policy == "conntrack":
            continue  # the tracked entry keeps the flow on its home
        elif pick(flow, after) != home:
            broken += 1
    return broken / len(workload)


if __name__ == "__main__":
    import matplotlib.pyplot as plt
    from book_style import PALETTE, SLIDES, plot_style, save_plot

    plot_style()
    fig, axes = plt.subplots(1, 2, sharey=True, figsize=(8.0, 4.6) if SLIDES else (6.0, 3.6))
    work = flows()
    series = [("hash % N", "modulo", "vermillion", "o-"), ("rendezvous, no state", "rendezvous", "orange", "s-"),
              ("rendezvous + conn. tracking", "conntrack", "blue", "^-")]
    for ax, change, title in ((axes[0], "remove", "backends removed"), (axes[1], "add", "backends added")):
        for label, policy, colour, style in series:
            ys = [100 * broken_fraction(policy, change, k, workload=work) for k in CHANGES]
            ax.plot(CHANGES, ys, style, color=PALETTE[colour], label=label)
        ax.set_xlabel(f"{title} (of 20)")
        ax.set_xticks(CHANGES)
        ax.set_ylim(-3, 103)
    axes[0].set_ylabel("established connections\nbroken (%)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, 0.98), ncol=2)
    save_plot(fig)
