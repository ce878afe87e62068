"""Cell-based architecture: a thin router, N full-stack cells, and a control plane off the request path."""

from book_style import FONT, SLIDES, architecture, edge_style
from diagrams.generic.database import SQL
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.network import Envoy, Nginx

from diagrams import Cluster, Edge

# On a slide the cluster titles (graphviz's default 12 pt) are drawn as large as the node labels.
CLUSTER = {"fontsize": "20", "fontname": FONT} if SLIDES else None
EDGE_LABEL = {"fontsize": "20"} if SLIDES else {}  # and the dashed arrows' labels too

with architecture("", direction="LR", ranksep="1.0"):
    users = Users("tenants")

    with Cluster("routing (data plane)", graph_attr=CLUSTER):
        router = Envoy("cell router\n(cached map)")

    cells = []
    for n in (1, 2, 3):
        label = "cell N" if n == 3 else f"cell {n}"
        with Cluster(label, graph_attr=CLUSTER):
            lb = Nginx("load balancer")
            app = Server("app servers")
            db = PostgreSQL("database")
            lb >> app >> db
            cells.append(lb)

    with Cluster("control plane (off the request path)", graph_attr=CLUSTER):
        provisioner = Server("provisioning\nand deploys")
        tenant_map = SQL("tenant -> cell\ntable")
        provisioner >> tenant_map

    users >> router
    for lb in cells:
        router >> lb
    tenant_map >> Edge(**edge_style("vermillion", style="dashed", label="push map\n(async)", **EDGE_LABEL)) >> router
    for n, lb in enumerate(cells):
        label = "deploy, one\nwave at a time" if n == 0 else ""
        provisioner >> Edge(**edge_style("vermillion", style="dashed", label=label, **EDGE_LABEL)) >> lb
