"""How endpoints travel: sources of truth, an xDS control plane, and two kinds of data-plane client.

The page is 5.5 in wide, so the book's figure is drawn narrower than the slide's: smaller icons with each node's text
in a table under its icon (`icon_card`), and what the ADS streams carry in the xDS server's text rather than on an
arrow, because graphviz gives an edge label a column of its own in a left-to-right figure. On a slide (SLIDES) the
figure is as it was.
"""
from book_style import FONT, SLIDES, architecture, at_icon, edge_style, icon_card
from diagrams.k8s.controlplane import API
from diagrams.onprem.compute import Server
from diagrams.onprem.network import Consul, Envoy, Istio

from diagrams import Cluster, Edge

if SLIDES:
    SPACING = {"ranksep": "1.3", "nodesep": "0.6"}
    WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"}
    TOP = "\n\n\n"
    CLUSTER = {"fontsize": "24", "fontname": FONT}
    EDGE_LABEL = {"fontsize": "23"}

    with architecture("", direction="LR", **SPACING):
        with Cluster("Sources of truth", graph_attr=CLUSTER):
            k8s = API(TOP + "Kubernetes API\nServices, EndpointSlices", **WIDE)
            registry = Consul(TOP + "Registry\n(Consul, ZooKeeper)", **WIDE)
        with Cluster("Control plane", graph_attr=CLUSTER):
            xds = Istio(TOP + "xDS server\nwatches, validates,\nversions, pushes", **WIDE)
        with Cluster("Data plane", graph_attr=CLUSTER):
            sidecar = Envoy(TOP + "App + Envoy sidecar\n(last good config)", **WIDE)
            grpc = Server(TOP + "Proxyless gRPC client\n(ADS only)", **WIDE)
            with Cluster("orders: 3 of N endpoints", graph_attr=CLUSTER):
                backends = [Server(TOP + f"orders-{i}", **WIDE) for i in (3, 2, 1)]  # graphviz stacks them bottom-up

        k8s >> Edge(label="watch", **EDGE_LABEL) >> xds
        registry >> Edge(label="watch", **EDGE_LABEL) >> xds
        xds >> Edge(**edge_style("blue", label="ADS stream: LDS RDS\nCDS EDS SDS; ACK/NACK", **EDGE_LABEL)) >> sidecar
        xds >> Edge(**edge_style("blue", label="ADS stream", **EDGE_LABEL)) >> grpc
        for b in backends:
            sidecar >> Edge(**edge_style("green")) >> b
            grpc >> Edge(**edge_style("green", style="dashed")) >> b
else:
    ROOM = {"margin": "8"}
    # margin="0": graphviz's PDF output otherwise adds half an inch of blank page on every side.
    with architecture("", direction="LR", ranksep="0.35", nodesep="0.2", margin="0"):
        with Cluster("Sources of truth", graph_attr=ROOM):
            k8s = icon_card(API, "Kubernetes API\nServices,\nEndpointSlices", icon=0.55)
            registry = icon_card(Consul, "Registry\n(Consul,\nZooKeeper)", icon=0.55)
        with Cluster("Control plane", graph_attr=ROOM):
            xds = icon_card(Istio, "xDS server\nwatches, validates,\nversions, pushes\nLDS RDS CDS EDS;\nACK/NACK",
                            icon=0.55)
        with Cluster("Data plane", graph_attr=ROOM):
            sidecar = icon_card(Envoy, "App + Envoy\nsidecar (gets\nSDS; last\ngood config)", icon=0.55)
            grpc = icon_card(Server, "Proxyless\ngRPC client\n(ADS only)", icon=0.55)
            with Cluster("orders: 3 of N", graph_attr=ROOM):
                backends = [icon_card(Server, f"orders-{i}", icon=0.45) for i in (3, 2, 1)]  # graphviz stacks them bottom-up

        k8s >> Edge(**at_icon(label="watch")) >> xds
        registry >> Edge(**at_icon(label="watch")) >> xds
        xds >> Edge(**edge_style("blue", **at_icon(label="ADS"))) >> sidecar
        xds >> Edge(**edge_style("blue", **at_icon(label="ADS"))) >> grpc
        for b in backends:
            sidecar >> Edge(**edge_style("green", **at_icon())) >> b
            grpc >> Edge(**edge_style("green", style="dashed", **at_icon())) >> b
