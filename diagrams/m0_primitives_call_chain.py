"""Where the reliability primitives sit on one request path: deadline, timeouts, retries, idempotency store, breaker."""
from book_style import FONT, SLIDES, architecture, compact, edge_style
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

# On a slide the labels are larger than the icons they sit under: nodes spaced by their labels (so graphviz keeps
# them apart and inside the picture), and cluster titles as large as the node labels (graphviz's default is 12 pt).
SPACING = {"ranksep": "0.8", "nodesep": "0.7"} if SLIDES else {"ranksep": "1.1", "nodesep": "0.7"}
WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"} if SLIDES else {}  # spaced by label, icon above it
TOP = "\n\n\n" if SLIDES else ""  # blank lines that put a slide's label under its icon, not across it
CLUSTER = {"fontsize": "24", "fontname": FONT} if SLIDES else None
EDGE_LABEL = {"fontsize": "23"} if SLIDES else {}

if SLIDES:
    with architecture("", direction="LR", **SPACING):
        client = Client(TOP + "Mobile client\nIdempotency-Key: k1\nretries: backoff + jitter", **WIDE)
        with Cluster("Our region", graph_attr=CLUSTER):
            edge = Envoy(TOP + "API gateway\nsets deadline 1,000 ms\nretry budget 10%", **WIDE)
            orders = Server(TOP + "Orders service\nno retries of its own\nbreaker per dependency", **WIDE)
            db = PostgreSQL(TOP + "Orders DB\norders + idempotency keys\n(one transaction, TTL 24 h)", **WIDE)
        with Cluster("External", graph_attr=CLUSTER):
            psp = Server(TOP + "Payment provider", **WIDE)

        client >> Edge(label="POST /orders\nsame key on every retry", **EDGE_LABEL) >> edge
        edge >> Edge(label="remaining: 950 ms", **EDGE_LABEL) >> orders
        orders >> Edge(**edge_style("green", label="claim key + insert order\ntimeout 150 ms (p99.9)", **EDGE_LABEL)) >> db
        orders >> Edge(**edge_style("vermillion", label="breaker + timeout\nkey passed on", **EDGE_LABEL)) >> psp
else:
    # The page is 5.5 in wide: top to bottom, the client beside the gateway and the two dependencies side by side
    # under the service, so the labels print at 6 pt or more.
    with architecture("", direction="TB", ranksep="0.5", nodesep="0.5", newrank="true") as diagram:
        CLIENT = "Mobile client\nIdempotency-Key: k1\nretries: backoff + jitter"
        client = Client(CLIENT, **compact(CLIENT))
        with Cluster("Our region", graph_attr={"margin": "14"}):
            GATEWAY = "API gateway\nsets deadline 1,000 ms\nretry budget 10%"
            edge = Envoy(GATEWAY, **compact(GATEWAY))
            ORDERS = "Orders service\nno retries of its own\nbreaker per dependency"
            orders = Server(ORDERS, **compact(ORDERS))
            DB = "Orders DB\norders + idempotency keys\n(one transaction, TTL 24 h)"
            db = PostgreSQL(DB, **compact(DB))
        with Cluster("External", graph_attr={"margin": "14"}):
            psp = Server("Payment provider", **compact("Payment provider"))

        client >> Edge(label="POST /orders\nsame key on\nevery retry") >> edge
        edge >> Edge(label="remaining: 950 ms") >> orders
        orders >> Edge(**edge_style("green", label="claim key + insert order\ntimeout 150 ms (p99.9)")) >> db
        orders >> Edge(**edge_style("vermillion", label="breaker + timeout\nkey passed on")) >> psp
        diagram.dot.body.append(f"{{rank=same; {client.nodeid}; {edge.nodeid}}}")
