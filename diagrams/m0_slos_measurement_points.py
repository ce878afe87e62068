"""Where an SLI can be measured on the request path, and the pipeline that turns it into budget and pages."""
from book_style import SLIDES, architecture, edge_style
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
    with architecture("", direction="LR", ranksep="1.0"):
        with Cluster("A: clients (real user monitoring)"):
            browsers = Users("browsers")
            phones = Mobile("mobile apps")
        prober = Server("B: synthetic prober")

        lb = Envoy("C: L7 load balancer\naccess logs")
        with Cluster("D: API servers (latency histograms)"):
            api = [Server("api-1"), Server("api-2"), Server("api-3")]
        db = PostgreSQL("database")

        with Cluster("monitoring pipeline"):
            prom = Prometheus("metrics store\nSLI + burn-rate rules")
            dash = Grafana("budget dashboard")
        pager = Pagerduty("on-call page")

        for client in (browsers, phones, prober):
            client >> Edge(label="requests") >> lb
        lb >> api
        api >> db

        browsers >> Edge(**edge_style("sky", style="dashed", label="RUM beacons (delayed)")) >> prom
        prober >> Edge(**edge_style("sky", style="dashed", label="probe results")) >> prom
        lb >> Edge(**edge_style("sky", style="dashed", label="status + latency")) >> prom
        api[1] >> Edge(**edge_style("sky", style="dashed", label="/metrics scrape")) >> prom
        prom >> dash
        prom >> Edge(**edge_style("vermillion", label="burn rate > 14.4x")) >> pager
