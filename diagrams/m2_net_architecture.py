"""Where the transport decisions of the modern-networking chapter sit on one request path: a phone on QUIC to the
edge, pooled TCP across regions (window sized to the BDP), and a pooled cache connection on the host.

Book: two rows (the request path across the top, the cross-region replica and the cache below) so labels print
legibly at 5.5 in; slides: one row.
"""
from book_style import FONT, SLIDES, architecture, edge_style, icon_card
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Memcached
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

if SLIDES:
    WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"}
    TOP = "\n\n\n"
    EDGE_LABEL = {"fontsize": "23"}
    with architecture("", direction="LR", ranksep="0.9", nodesep="0.6"):
        phone = Client(TOP + "Mobile client\nQUIC: CID survives\nWi-Fi to cellular", **WIDE)
        with Cluster("Region A", graph_attr={"fontsize": "24", "fontname": FONT}):
            edge = Envoy(TOP + "Edge proxy\nQUIC + TLS 1.3\n0-RTT: safe or keyed", **WIDE)
            app = Server(TOP + "App servers\npooled keep-alive\nBBR or CUBIC", **WIDE)
            cache = Memcached(TOP + "Cache\npool, no churn", **WIDE)
        replica = PostgreSQL(TOP + "Region B replica\nRTT 80 ms\nwindow >= BDP", **WIDE)
        phone >> Edge(label="HTTP/3 over UDP", **EDGE_LABEL) >> edge
        edge >> Edge(label="HTTP/2, pooled", **EDGE_LABEL) >> app
        app >> Edge(**edge_style("green", label="reused conns", **EDGE_LABEL)) >> cache
        app >> Edge(**edge_style("orange", label="1 Gbit/s x 80 ms", style="dashed", **EDGE_LABEL)) >> replica
else:
    with architecture("", direction="TB", ranksep="0.3", nodesep="0.35", margin="0", newrank="true") as diagram:
        phone = icon_card(Client, "Mobile client\nQUIC: connection ID\nsurvives Wi-Fi to cellular", icon=0.8)
        with Cluster("Region A", graph_attr={"margin": "12"}):
            edge = icon_card(Envoy, "Edge proxy\nQUIC + TLS 1.3\n0-RTT: safe or\nkeyed requests", icon=0.8)
            app = icon_card(Server, "App servers\npooled keep-alive\nBBR or CUBIC", icon=0.8)
            cache = icon_card(Memcached, "Cache\npooled, no churn\nof ports", icon=0.8)
        replica = icon_card(PostgreSQL, "Region B replica\nRTT 80 ms\nwindow >= BDP", icon=0.8)
        phone >> Edge(label="HTTP/3\nover UDP") >> edge
        edge >> Edge(label="HTTP/2\npooled") >> app
        app >> Edge(**edge_style("green", label="reused\nconns")) >> cache
        app >> Edge(**edge_style("orange", label="1 Gbit/s\nx 80 ms", style="dashed")) >> replica
        for row in ((phone, edge, app), (cache, replica)):
            diagram.dot.body.append("{rank=same; " + "; ".join(node.nodeid for node in row) + "}")
