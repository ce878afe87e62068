"""A service spread over three zones behind a load balancer, sized so any two zones carry the peak inside the p99 promise."""
from book_style import SLIDES, architecture, compact, edge_style
from diagrams.aws.compute import EC2
from diagrams.aws.database import RDS
from diagrams.aws.network import ELB
from diagrams.onprem.client import Users

from diagrams import Cluster, Edge

EDGE_FONT = {"fontsize": "20"} if SLIDES else {}  # diagrams.Edge sets 13 pt on every edge, too small on a slide


# Top to bottom on both targets, clients beside the load balancer and the three zones side by side below them: wider
# than tall for a 16:9 slide, and narrow enough for the book's 5.5 in text width (where the zone's capacity moves from
# the cluster title into the node's label, so the three titles fit side by side).
with architecture("", direction="TB", **({} if SLIDES else {"ranksep": "0.5"})) as diagram:
    users = Users("clients\npeak 33,102 QPS", **compact("clients\npeak 33,102 QPS"))
    lb = ELB("load balancer\nhealth checks", **compact("load balancer\nhealth checks"))
    zones = []
    for name in ("A", "B", "C"):
        if SLIDES:
            with Cluster(f"zone {name}: saturates at 27,200 QPS", graph_attr={"fontsize": "20", "labeljust": "c"}):
                zones.append(EC2("17 instances\n41% busy at peak\n61% if a zone fails"))
        else:
            with Cluster(f"zone {name}", graph_attr={"labeljust": "c", "margin": "20"}):
                label = "17 instances,\nsaturate at 27,200 QPS\n41% busy at peak\n61% if a zone fails"
                zones.append(EC2(label, **compact(label)))
    db = RDS("database\nprimary + replicas", **compact("database\nprimary + replicas"))
    users >> Edge(**edge_style("blue", label="33,102 QPS", **EDGE_FONT)) >> lb
    for z in zones:
        lb >> Edge(**edge_style("blue", label="11,034 QPS", **EDGE_FONT)) >> z
        z >> Edge(color="#777777", style="dashed") >> db
    diagram.dot.body.append(f"{{rank=same; {users.nodeid}; {lb.nodeid}}}")
