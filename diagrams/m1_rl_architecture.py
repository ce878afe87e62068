"""Where each limit sits on the request path: client throttling, per-tenant buckets at the gateways with a shared
store, an adaptive concurrency limit at the service, and priority shedding in front of the work.

The page is 5.5 in wide, so the book's figure is drawn in two rows: the request path (clients, gateways, service)
across the top, the limit store and the database under the gateways and the service. Each node's text sits in a table
under a smaller icon, so graphviz sizes the node to its text and no label runs into its neighbor. On a slide (SLIDES)
the figure is as it was, one row.
"""
from book_style import FONT, SLIDES, architecture, edge_style, icon_card
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Redis
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

# The slide's spacing and label sizes (the book's figure sets its own below).
SPACING = {"ranksep": "0.8", "nodesep": "0.6"}
WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"}
TOP = "\n\n\n"
CLUSTER = {"fontsize": "24", "fontname": FONT}
EDGE_LABEL = {"fontsize": "23"}

if SLIDES:
    with architecture("", direction="LR", **SPACING):
        client = Client(TOP + "Clients\nadaptive throttling\nhonor Retry-After", **WIDE)
        with Cluster("Region", graph_attr=CLUSTER):
            gateways = Envoy(TOP + "API gateways (N)\ntoken bucket per tenant\nlocal share, synced", **WIDE)
            store = Redis(TOP + "Limit store\natomic script per key\nfail open, 5 ms timeout", **WIDE)
            service = Server(TOP + "Orders service\nadaptive concurrency limit\nshed by priority", **WIDE)
            db = PostgreSQL(TOP + "Database\nconnection pool", **WIDE)

        client >> Edge(label="request", **EDGE_LABEL) >> gateways
        gateways >> Edge(**edge_style("vermillion", label="429 + Retry-After", **EDGE_LABEL)) >> client
        gateways >> Edge(**edge_style("orange", label="take tokens\n(or sync counts)", style="dashed", **EDGE_LABEL)) >> store
        gateways >> Edge(label="admitted", **EDGE_LABEL) >> service
        service >> Edge(**edge_style("vermillion", label="503 when over limit", **EDGE_LABEL)) >> gateways
        service >> Edge(**edge_style("green", label="at most limit in flight", **EDGE_LABEL)) >> db
else:
    ROOM = {"margin": "12"}
    # margin="0": graphviz's PDF output otherwise adds half an inch of blank page on every side.
    with architecture("", direction="TB", ranksep="0.3", nodesep="0.3", margin="0", newrank="true") as diagram:
        client = icon_card(Client, "Clients\nadaptive throttling\nhonor Retry-After", icon=0.9)
        with Cluster("Region", graph_attr=ROOM):
            gateways = icon_card(Envoy, "API gateways (N)\ntoken bucket per tenant\nlocal share, synced", icon=0.9)
            service = icon_card(Server, "Orders service\nadaptive concurrency limit\nshed by priority", icon=0.9)
            store = icon_card(Redis, "Limit store\natomic script per key\nfail open, 5 ms timeout", icon=0.9)
            db = icon_card(PostgreSQL, "Database\nconnection pool", icon=0.9)

        # The answers (429, 503) are drawn as reversed edges (<<), so graphviz keeps the row in request order.
        client >> Edge(label="request") >> gateways
        client << Edge(**edge_style("vermillion", label="429 +\nRetry-After")) << gateways
        gateways >> Edge(**edge_style("orange", label="take tokens\n(or sync counts)", style="dashed")) >> store
        gateways >> Edge(label="admitted") >> service
        gateways << Edge(**edge_style("vermillion", label="503 when\nover limit")) << service
        service >> Edge(**edge_style("green", label="at most limit\nin flight")) >> db
        for row in ((client, gateways, service), (store, db)):
            diagram.dot.body.append("{rank=same; " + "; ".join(node.nodeid for node in row) + "}")
