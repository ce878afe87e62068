"""A two-tier load balancer behind an anycast VIP: what each tier sees and decides, and the direct-server-return path.

Edge routers learn the VIP from BGP and spread packets over the L4 directors with ECMP. A director sees a 5-tuple,
picks a backend per flow (connection tracking plus a consistent hash) and tunnels the packet (GRE in Maglev, GUE in
GLB) to an L7 proxy. The proxy terminates TCP and TLS, sees each HTTP request and picks a service backend per
request. Responses from the proxies go straight back to the routers: the directors never see them.

The page is 5.5 in wide, so the book's figure is drawn narrower than the slide's: smaller icons with each node's text
in a table under its icon (`icon_card`), what the tiers see in their nodes' text, and short arrow labels. On a slide
(SLIDES) the figure is as it was.
"""
from book_style import FONT, SLIDES, architecture, at_icon, edge_style, icon_card
from diagrams.generic.network import Router
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

if SLIDES:
    SPACING = {"ranksep": "1.4", "nodesep": "0.5"}
    WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"}
    TOP = "\n\n\n"
    CLUSTER = {"fontsize": "24", "fontname": FONT}
    LABEL = {"fontsize": "22"}

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
else:
    # Cluster titles go under their nodes: the dashed response arrow arcs over the top of the figure.
    ROOM = {"margin": "8", "labelloc": "b"}
    # margin="0": graphviz's PDF output otherwise adds half an inch of blank page on every side.
    with architecture("", direction="LR", ranksep="0.3", nodesep="0.25", margin="0"):
        users = icon_card(Users, "Clients", icon=0.6)
        with Cluster("One site: anycast VIP 203.0.113.10", graph_attr=ROOM):
            router = icon_card(Router, "Edge routers\nBGP + ECMP\nper flow", icon=0.6)
            with Cluster("L4: sees\n5-tuples", graph_attr=ROOM):
                directors = icon_card(Server, "Directors ×N\nconn. tracking\n+ consistent\nhash", icon=0.6)
            with Cluster("L7: sees\nrequests", graph_attr=ROOM):
                proxies = icon_card(Envoy, "Proxies ×M\nTLS termination\nP2C per request", icon=0.6)
            service = icon_card(Server, "Service\nbackends", icon=0.6)

        users >> Edge(**edge_style("blue", **at_icon())) >> router
        router >> Edge(**edge_style("blue", **at_icon())) >> directors
        directors >> Edge(**edge_style("blue", **at_icon(label="GRE /\nGUE"))) >> proxies
        proxies >> Edge(**edge_style("green", **at_icon())) >> service
        proxies >> Edge(**edge_style("vermillion", style="dashed", constraint="false",
                                     **at_icon(tail="n", head="n", label="responses: direct server return"))) >> router
