"""Where each defence against split brain lives: a lock service on a majority quorum hands out leases with fencing
tokens; two workers compete for the lock; the storage they write to refuses any token older than the newest it has
accepted. The old holder (token 33, paused) is still alive and still able to reach the storage: only the storage's
check stops its late write.

The page is 5.5 in wide, so the book's figure uses icon cards and short labels; the slide draws larger labels.
"""
from book_style import FONT, SLIDES, architecture, at_icon, edge_style, icon_card
from diagrams.onprem.compute import Server
from diagrams.onprem.database import Postgresql
from diagrams.onprem.network import Etcd

from diagrams import Cluster, Edge

if SLIDES:
    WIDE = {"fixedsize": "shape", "imagepos": "tc", "fontsize": "23"}
    TOP = "\n\n\n"
    CLUSTER = {"fontsize": "24", "fontname": FONT}
    LABEL = {"fontsize": "22"}
    with architecture("", direction="LR", ranksep="1.6", nodesep="0.7"):
        with Cluster("Lock service: 3 voters, majority 2", graph_attr=CLUSTER):
            lock = Etcd(TOP + "lease + token\ncounter (durable)", **WIDE)
        old = Server(TOP + "Worker A\ntoken 33, paused", **WIDE)
        new = Server(TOP + "Worker B\ntoken 34", **WIDE)
        store = Postgresql(TOP + "Storage\nrefuses token < 34", **WIDE)
        lock >> Edge(**edge_style("blue", label="grant 34", **LABEL)) >> new
        lock >> Edge(**edge_style("black", style="dashed", label="lease 33\nexpired", **LABEL)) >> old
        new >> Edge(**edge_style("green", label="write, 34: ok", **LABEL)) >> store
        old >> Edge(**edge_style("vermillion", label="late write, 33:\nrejected", **LABEL)) >> store
else:
    ROOM = {"margin": "8"}
    with architecture("", direction="LR", ranksep="0.55", nodesep="0.3", margin="0"):
        with Cluster("Lock service\n3 voters, majority 2", graph_attr=ROOM):
            lock = icon_card(Etcd, "lease +\ntoken counter\n(durable)", icon=0.6)
        with Cluster("Workers", graph_attr=ROOM):
            old = icon_card(Server, "A: token 33\npaused, lease\nexpired", icon=0.6)
            new = icon_card(Server, "B: token 34\nholds lease", icon=0.6)
        store = icon_card(Postgresql, "Storage\nhighest seen 34\nrefuses < 34", icon=0.6)
        lock >> Edge(**edge_style("blue", **at_icon(label="grant 34"))) >> new
        lock >> Edge(**edge_style("black", style="dashed", **at_icon(label="33 expired"))) >> old
        new >> Edge(**edge_style("green", **at_icon(label="34: ok"))) >> store
        old >> Edge(**edge_style("vermillion", **at_icon(label="33: rejected"))) >> store
