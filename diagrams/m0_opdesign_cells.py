"""Cell-based architecture: a thin router, N full-stack cells, and a control plane off the request path."""

from book_style import FONT, SLIDES, architecture, compact, edge_style
from diagrams.generic.database import SQL
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.network import Envoy, Nginx

from diagrams import Cluster, Edge

# On a slide the cluster titles (graphviz's default 12 pt) are drawn as large as the node labels.
CLUSTER = {"fontsize": "20", "fontname": FONT} if SLIDES else None
EDGE_LABEL = {"fontsize": "20"} if SLIDES else {}  # and the dashed arrows' labels too

if SLIDES:
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
else:
    # The page is 5.5 in wide: smaller icons, short ranks, and the control plane below the router instead of in a
    # column of its own, so the figure prints at 6 pt or more.
    def small(label: str) -> dict:
        return compact(label, icon=0.9)

    ROOM = {"margin": "14"}
    with architecture("", direction="LR", ranksep="0.4", nodesep="0.25", newrank="true") as diagram:
        users = Users("tenants", **small("tenants"))

        with Cluster("routing (data plane)", graph_attr=ROOM):
            router = Envoy("cell router\n(cached map)", **small("cell router\n(cached map)"))

        cells = []
        for n in (1, 2, 3):
            label = "cell N" if n == 3 else f"cell {n}"
            with Cluster(label, graph_attr=ROOM):
                lb = Nginx("load balancer", **small("load balancer"))
                app = Server("app servers", **small("app servers"))
                db = PostgreSQL("database", **small("database"))
                lb >> app >> db
                cells.append(lb)

        with Cluster("control plane\n(off the request path)", graph_attr=ROOM):
            PROVISIONER = "provisioning\nand deploys, one\nwave at a time"
            provisioner = Server(PROVISIONER, **small(PROVISIONER))
            TABLE = "tenant -> cell\ntable, map pushed\nasync"
            tenant_map = SQL(TABLE, **small(TABLE))
            provisioner >> Edge(constraint="false") >> tenant_map

        users >> router
        for lb in cells:
            router >> lb
        # The dashed arrows' labels are in the nodes' labels: an edge label widens the figure by a column.
        tenant_map >> Edge(**edge_style("vermillion", style="dashed", constraint="false")) >> router
        for lb in cells:
            provisioner >> Edge(**edge_style("vermillion", style="dashed", constraint="false")) >> lb
        diagram.dot.body.append(f"{{rank=same; {users.nodeid}; {tenant_map.nodeid}}}")
        diagram.dot.body.append(f"{{rank=same; {router.nodeid}; {provisioner.nodeid}}}")
