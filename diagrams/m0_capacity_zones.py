"""A service spread over three zones behind a load balancer, sized so any two zones carry the peak inside the p99 promise."""
from book_style import SLIDES, architecture, edge_style
from diagrams.aws.compute import EC2
from diagrams.aws.database import RDS
from diagrams.aws.network import ELB
from diagrams.onprem.client import Users

from diagrams import Cluster, Edge

EDGE_FONT = {"fontsize": "20"} if SLIDES else {}  # diagrams.Edge sets 13 pt on every edge, too small on a slide

with architecture("", direction="TB" if SLIDES else "LR") as diagram:
    users = Users("clients\npeak 33,102 QPS")
    lb = ELB("load balancer\nhealth checks")
    zones = []
    for name in ("A", "B", "C"):
        with Cluster(f"zone {name}: saturates at 27,200 QPS", graph_attr={"fontsize": "20", "labeljust": "c"} if SLIDES else None):
            zones.append(EC2("17 instances\n41% busy at peak\n61% if a zone fails"))
    db = RDS("database\nprimary + replicas")
    users >> Edge(**edge_style("blue", label="33,102 QPS", **EDGE_FONT)) >> lb
    for z in zones:
        lb >> Edge(**edge_style("blue", label="11,034 QPS", **EDGE_FONT)) >> z
        z >> Edge(color="#777777", style="dashed") >> db
    if SLIDES:  # wider than tall for a 16:9 slide: clients beside the load balancer, the three zones side by side below
        diagram.dot.body.append(f"{{rank=same; {users.nodeid}; {lb.nodeid}}}")
