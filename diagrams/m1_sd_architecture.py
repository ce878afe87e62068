"""How endpoints travel: sources of truth, an xDS control plane, and two kinds of data-plane client."""
from book_style import FONT, SLIDES, architecture, edge_style
from diagrams.k8s.controlplane import API
from diagrams.onprem.compute import Server
from diagrams.onprem.network import Consul, Envoy, Istio

from diagrams import Cluster, Edge

SPACING = {"ranksep": "1.3", "nodesep": "0.6"} if SLIDES else {"ranksep": "1.4", "nodesep": "0.45"}
WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"} if SLIDES else {}
TOP = "\n\n\n" if SLIDES else ""
CLUSTER = {"fontsize": "24", "fontname": FONT} if SLIDES else None
EDGE_LABEL = {"fontsize": "23"} if SLIDES else {}

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
            backends = [Server(TOP + f"orders-{i}", **WIDE) for i in (1, 2, 3)]

    k8s >> Edge(label="watch", **EDGE_LABEL) >> xds
    registry >> Edge(label="watch", **EDGE_LABEL) >> xds
    xds >> Edge(**edge_style("blue", label="ADS stream: LDS RDS\nCDS EDS SDS; ACK/NACK", **EDGE_LABEL)) >> sidecar
    xds >> Edge(**edge_style("blue", label="ADS stream", **EDGE_LABEL)) >> grpc
    for b in backends:
        sidecar >> Edge(**edge_style("green")) >> b
        grpc >> Edge(**edge_style("green", style="dashed")) >> b
