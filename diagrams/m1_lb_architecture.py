"""A two-tier load balancer behind an anycast VIP: what each tier sees and decides, and the direct-server-return path.

Edge routers learn the VIP from BGP and spread packets over the L4 directors with ECMP. A director sees a 5-tuple,
picks a backend per flow (connection tracking plus a consistent hash) and tunnels the packet (GRE in Maglev, GUE in
GLB) to an L7 proxy. The proxy terminates TCP and TLS, sees each HTTP request and picks a service backend per
request. Responses from the proxies go straight back to the routers: the directors never see them.
"""
from book_style import FONT, SLIDES, architecture, edge_style
from diagrams.generic.network import Router
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

SPACING = {"ranksep": "1.4", "nodesep": "0.5"} if SLIDES else {"ranksep": "0.9", "nodesep": "0.45"}
WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"} if SLIDES else {}
TOP = "\n\n\n" if SLIDES else ""
CLUSTER = {"fontsize": "24", "fontname": FONT} if SLIDES else None
LABEL = {"fontsize": "22"} if SLIDES else {}

with architecture("", direction="LR", **SPACING):
    users = Users(TOP + "Clients", **WIDE)
    with Cluster("One site: anycast VIP 203.0.113.10", graph_attr=CLUSTER):
        router = Router(TOP + "Edge routers\nBGP + ECMP", **WIDE)
        with Cluster("L4 tier: sees 5-tuples", graph_attr=CLUSTER):
            directors = Server(TOP + "Directors ×N\nconn. tracking +\nconsistent hash", **WIDE)
        with Cluster("L7 tier: sees requests", graph_attr=CLUSTER):
            proxies = Envoy(TOP + "Proxies ×M\nTLS termination\nper-request P2C", **WIDE)
        service = Server(TOP + "Service\nbackends", **WIDE)

    users >> Edge(**edge_style("blue", label="to VIP", **LABEL)) >> router
    router >> Edge(**edge_style("blue", label="ECMP\nper flow", **LABEL)) >> directors
    directors >> Edge(**edge_style("blue", label="encapsulated\n(GRE / GUE)", **LABEL)) >> proxies
    proxies >> Edge(**edge_style("green", label="per request", **LABEL)) >> service
    proxies >> Edge(**edge_style("vermillion", style="dashed", label="responses: direct\nserver return", constraint="false", **LABEL)) >> router
