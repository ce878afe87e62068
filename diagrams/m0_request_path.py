"""Request path for the System Qualities chapter: every hard dependency's availability multiplies into the total.

The numbers are the chapter's assumed inputs (worked example "Availability of a request path"):
load balancer 99.99%, two API replicas at 99.5% each (99.9975% as a pair), cache 99.9%, primary database 99.95%.
On a slide (BOOK_FIGURE_TARGET=slides) the cluster titles are shorter and larger; the deck states the products.
"""
from book_style import SLIDES, architecture, compact, edge_style
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Redis
from diagrams.onprem.network import Nginx

from diagrams import Cluster, Edge

CLUSTER = {"fontsize": "24"} if SLIDES else {}
EDGE = {"fontsize": "22"} if SLIDES else {}  # diagrams draws edge labels at 13 pt unless told
# graphviz gives an edge label a rank of its own, which widens a left-to-right figure: in the book the arrow from the
# clients, plainly a request, goes unlabelled.
REQUEST = {"label": "request"} if SLIDES else {}


def label(book: str, slide: str) -> str:
    """The label in the book, or on a slide."""
    return slide if SLIDES else book


def on_slide(lines: str) -> dict:
    """A slide's two-line label needs a taller node, or its lines overlap the icon (the book's labels are smaller).
    In the book, the icon sits at the top of a shorter node (book_style.compact)."""
    n = lines.count("\n") + 1
    if not SLIDES:
        return compact(lines)
    return {"height": f"{1.25 + 0.66 * n:.2f}"} if n > 1 else {}


with architecture("", direction="LR", ranksep="1.1" if SLIDES else "0.5", nodesep="0.6" if SLIDES else "0.4"):
    clients = Users("clients", **on_slide("clients"))

    with Cluster(label("hard path:\n0.9999 × 0.999975 × 0.9995\n= 99.938%", "hard path: 99.938%"), graph_attr=CLUSTER):
        lb = Nginx("load balancer\nA = 99.99%", **on_slide("load balancer\nA = 99.99%"))
        with Cluster(label("API tier, 2 replicas:\n1 − 0.005² = 99.9975%", "API pair: 99.9975%"), graph_attr=CLUSTER):
            api = [Server("API replica 1\nA = 99.5%", **on_slide("API replica 1\nA = 99.5%")),
                   Server("API replica 2\nA = 99.5%", **on_slide("API replica 2\nA = 99.5%"))]
        db = PostgreSQL("primary DB\nA = 99.95%", **on_slide("primary DB\nA = 99.95%"))

    cache = Redis("cache\nA = 99.9%", **on_slide("cache\nA = 99.9%"))

    clients >> Edge(**edge_style("blue", **REQUEST, **EDGE)) >> lb
    lb >> Edge(**edge_style("blue")) >> api
    for i, replica in enumerate(api):
        first = i == 0  # label each kind of edge once
        replica >> Edge(**edge_style("blue", label="hard" if first else "", **EDGE)) >> db
        # In the book the label is one word, so its rank stays narrow (the caption says what "soft" means).
        soft = label("soft", "soft: on a miss,\nread the DB") if first else ""
        replica >> Edge(**edge_style("orange", style="dashed", label=soft, **EDGE)) >> cache
