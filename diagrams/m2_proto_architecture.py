"""Where each long-lived connection ends, and who can move load when pods change.

Clients (gRPC channels and browser WebSockets) reach an L4 balancer, which pins each TCP connection to one L7 proxy
for its life. The proxy terminates HTTP/2 and WebSocket, places each request (or each new WebSocket) on a pod, and
keeps its own pooled connections to the pods. Pods end connections with GOAWAY (max connection age, drain); the
proxy ends client connections the same way when it drains.
"""
from book_style import FONT, SLIDES, architecture, at_icon, edge_style, icon_card
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.network import Envoy
from diagrams.generic.network import Router

from diagrams import Cluster, Edge

if SLIDES:
    WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"}
    TOP = "\n\n\n"
    CLUSTER = {"fontsize": "24", "fontname": FONT}
    LABEL = {"fontsize": "22"}
    with architecture("", direction="LR", ranksep="1.2", nodesep="0.5"):
        clients = Users(TOP + "Clients\ngRPC channels,\nWebSockets", **WIDE)
        nlb = Router(TOP + "L4 balancer\npins each\nconnection", **WIDE)
        with Cluster("L7 tier: sees streams", graph_attr=CLUSTER):
            proxy = Envoy(TOP + "Proxies\nplace each request;\ndrain with GOAWAY", **WIDE)
        with Cluster("Service", graph_attr=CLUSTER):
            pods = Server(TOP + "Pods\nmax connection age;\nGOAWAY twice", **WIDE)
        clients >> Edge(**edge_style("vermillion", label="1 long-lived\nconnection", **LABEL)) >> nlb
        nlb >> Edge(**edge_style("blue", label="same proxy\nfor its life", **LABEL)) >> proxy
        proxy >> Edge(**edge_style("green", label="per request", **LABEL)) >> pods
else:
    ROOM = {"margin": "8", "labelloc": "b"}
    with architecture("", direction="LR", ranksep="0.3", nodesep="0.25", margin="0"):
        clients = icon_card(Users, "Clients\ngRPC channels,\nWebSockets", icon=0.6)
        nlb = icon_card(Router, "L4 balancer\npins each\nconnection", icon=0.6)
        with Cluster("L7: sees\nstreams", graph_attr=ROOM):
            proxy = icon_card(Envoy, "Proxies\nplace each\nrequest; drain\nwith GOAWAY", icon=0.6)
        with Cluster("Service", graph_attr=ROOM):
            pods = icon_card(Server, "Pods\nmax conn. age;\nGOAWAY twice", icon=0.6)
        clients >> Edge(**edge_style("vermillion", **at_icon(label="1 conn."))) >> nlb
        nlb >> Edge(**edge_style("blue", **at_icon())) >> proxy
        proxy >> Edge(**edge_style("green", **at_icon(label="per\nrequest"))) >> pods
