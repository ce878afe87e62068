"""Where the reliability primitives sit on one request path: deadline, timeouts, retries, idempotency store, breaker."""
from book_style import architecture, edge_style
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

with architecture("", direction="LR", ranksep="1.1", nodesep="0.7"):
    client = Client("Mobile client\nIdempotency-Key: k1\nretries: backoff + jitter")
    with Cluster("Our region"):
        edge = Envoy("API gateway\nsets deadline 1,000 ms\nretry budget 10%")
        orders = Server("Orders service\nno retries of its own\nbreaker per dependency")
        db = PostgreSQL("Orders DB\norders + idempotency keys\n(one transaction, TTL 24 h)")
    with Cluster("External"):
        psp = Server("Payment provider")

    client >> Edge(label="POST /orders\nsame key on every retry") >> edge
    edge >> Edge(label="remaining: 950 ms") >> orders
    orders >> Edge(**edge_style("green", label="claim key + insert order\ntimeout 150 ms (p99.9)")) >> db
    orders >> Edge(**edge_style("vermillion", label="breaker + timeout\nkey passed on")) >> psp
