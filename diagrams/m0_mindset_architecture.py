"""Architecture of the running example: a notifications service with two lanes and one provider quota.

The crux of the design is visible in the picture: both lanes draw on the same FCM project quota,
so a quota governor reserves a slice of it for the transactional lane before the campaign lane
may use the rest. Campaign senders claim each (campaign, device) pair in a table replicated
synchronously across three zones before they send it, which is what keeps campaigns at most once.
"""
from book_style import architecture, edge_style
from diagrams.firebase.grow import Messaging
from diagrams.generic.device import Mobile
from diagrams.generic.os import IOS
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Redis
from diagrams.onprem.queue import Kafka

from diagrams import Cluster, Edge

with architecture("", direction="LR"):
    with Cluster("Callers"):
        auth = Server("Auth service\n(sign-in codes)")
        orders = Server("Order service")
        campaigns = Client("Campaign tool")

    api = Server("Notify API")
    registry = PostgreSQL("Device registry")

    with Cluster("Transactional lane"):
        txn_queue = Kafka("txn queue")
        txn_send = Server("txn senders")

    with Cluster("Campaign lane"):
        planner = Server("Campaign planner")
        bulk_queue = Kafka("bulk queue")
        bulk_send = Server("bulk senders")

    governor = Redis("Quota governor\n(token buckets)")
    claims = PostgreSQL("Send claims\n(campaign, device)\n3 zones, sync")

    with Cluster("Providers (not ours)"):
        fcm = Messaging("FCM\n600k msgs/min")
        apns = IOS("APNs")

    phones = Mobile("Devices")

    auth >> api
    orders >> api
    campaigns >> Edge(label="campaign + its id") >> api
    api >> Edge(label="≤ 350/s peak") >> txn_queue >> txn_send
    api >> Edge(label="20M devices") >> planner
    planner >> Edge(style="dashed") >> registry
    planner >> bulk_queue >> bulk_send
    txn_send >> Edge(**edge_style("vermillion", label="reserved 1,000/s")) >> governor
    bulk_send >> Edge(**edge_style("vermillion", label="up to 9,000/s")) >> governor
    bulk_send >> Edge(style="dashed", label="claim, then send") >> claims
    governor >> Edge(**edge_style("blue")) >> fcm
    txn_send >> Edge(**edge_style("blue")) >> apns
    bulk_send >> Edge(**edge_style("blue")) >> apns
    fcm >> Edge(style="dotted", label="best effort") >> phones
    apns >> Edge(style="dotted", label="best effort") >> phones
