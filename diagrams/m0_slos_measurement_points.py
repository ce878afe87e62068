"""Where an SLI can be measured on the request path, and the pipeline that turns it into budget and pages."""
from book_style import SLIDES, architecture, compact, edge_style
from diagrams.generic.device import Mobile
from diagrams.onprem.client import Users
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.monitoring import Grafana, Prometheus
from diagrams.onprem.network import Envoy
from diagrams.saas.alerting import Pagerduty

from diagrams import Cluster, Edge

if SLIDES:
    # The deck shows the essential part on a 16:9 slide: the four sources, the metrics store and the page. The book's
    # figure (below) also shows the database, the dashboard, each API server and the edge labels.
    with architecture("", direction="LR", ranksep="1.2", nodesep="0.7", pad="0.5"):
        clients = Users("A: clients", height="2.3")
        prober = Server("B: prober", height="2.3")
        lb = Envoy("C: load balancer", height="2.3")
        api = Server("D: API servers", height="2.3")
        prom = Prometheus("metrics store", height="2.3")
        pager = Pagerduty("page", height="2.3")
        clients >> lb
        prober >> lb
        lb >> api
        for source in (clients, prober, lb, api):
            source >> Edge(**edge_style("sky", style="dashed")) >> prom
        prom >> Edge(**edge_style("vermillion", label="burn > 14.4x", fontsize="20")) >> pager
else:
    # The page is 5.5 in wide: the request path runs left to right in one band and the monitoring pipeline sits below
    # it, so the figure prints at 6 pt or more. The arrows into the load balancer are plainly requests, and what each
    # dashed arrow carries is in its source's label: the arrows are unlabelled (their labels widened the figure).
    def small(label: str) -> dict:
        return compact(label, icon=0.9)

    ROOM = {"margin": "18"}  # a label wider than its icon stays inside the cluster
    with architecture("", direction="LR", nodesep="0.25", ranksep="0.35", newrank="true") as diagram:
        with Cluster("A: clients (real user\nmonitoring, delayed)", graph_attr=ROOM):
            browsers = Users("browsers", **small("browsers"))
            phones = Mobile("mobile apps", **small("mobile apps"))
        prober = Server("B: synthetic\nprober", **small("B: synthetic\nprober"))

        LB = "C: L7 load balancer\naccess logs: status\n+ latency"
        lb = Envoy(LB, **small(LB))
        with Cluster("D: API servers (latency\nhistograms, /metrics)", graph_attr=ROOM):
            api = [Server("api-1", **small("api-1")), Server("api-2", **small("api-2")), Server("api-3", **small("api-3"))]
        db = PostgreSQL("database", **small("database"))

        with Cluster("monitoring pipeline", graph_attr=ROOM):
            prom = Prometheus("metrics store\nSLI + burn-rate rules", **small("metrics store\nSLI + burn-rate rules"))
            dash = Grafana("budget dashboard", **small("budget dashboard"))
        pager = Pagerduty("on-call page", **small("on-call page"))

        for client in (browsers, phones, prober):
            client >> lb
        lb >> api
        api >> db

        for source in (browsers, prober, lb, api[2]):
            source >> Edge(**edge_style("sky", style="dashed", constraint="false")) >> prom
        prom >> dash
        prom >> Edge(**edge_style("vermillion", label="burn rate\n> 14.4x")) >> pager
