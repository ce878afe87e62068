"""A service spread over three zones behind a load balancer, sized so any two zones carry the peak inside the p99 promise."""
from book_style import architecture, edge_style
from diagrams.aws.compute import EC2
from diagrams.aws.database import RDS
from diagrams.aws.network import ELB
from diagrams.onprem.client import Users

from diagrams import Cluster, Edge

with architecture("", direction="LR"):
    users = Users("clients\npeak 33,102 QPS")
    lb = ELB("load balancer\nhealth checks")
    zones = []
    for name in ("A", "B", "C"):
        with Cluster(f"zone {name}: saturates at 27,200 QPS"):
            zones.append(EC2("17 instances\n41% busy at peak\n61% if a zone fails"))
    db = RDS("database\nprimary + replicas")
    users >> Edge(**edge_style("blue", label="33,102 QPS")) >> lb
    for z in zones:
        lb >> Edge(**edge_style("blue", label="11,034 QPS")) >> z
        z >> Edge(color="#777777", style="dashed") >> db
