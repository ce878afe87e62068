"""Request path for the System Qualities chapter: every hard dependency's availability multiplies into the total.

The numbers are the chapter's assumed inputs (worked example "Availability of a request path"):
load balancer 99.99%, two API replicas at 99.5% each (99.9975% as a pair), cache 99.9%, primary database 99.95%.
"""
from book_style import architecture, edge_style
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Redis
from diagrams.onprem.network import Nginx

from diagrams import Cluster, Edge

with architecture("", direction="LR", ranksep="1.1"):
    clients = Users("clients")

    with Cluster("hard path: 0.9999 × 0.999975 × 0.9995 = 99.938%"):
        lb = Nginx("load balancer\nA = 99.99%")
        with Cluster("API tier: 2 replicas, 1 − 0.005² = 99.9975%"):
            api = [Server("API replica 1\nA = 99.5%"), Server("API replica 2\nA = 99.5%")]
        db = PostgreSQL("primary DB\nA = 99.95%")

    cache = Redis("cache\nA = 99.9%")

    clients >> Edge(**edge_style("blue", label="request")) >> lb
    lb >> Edge(**edge_style("blue")) >> api
    for i, replica in enumerate(api):
        first = i == 0  # label each kind of edge once
        replica >> Edge(**edge_style("blue", label="hard" if first else "")) >> db
        soft = "soft: on miss or\nerror, read the DB" if first else ""
        replica >> Edge(**edge_style("orange", style="dashed", label=soft)) >> cache
