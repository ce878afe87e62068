"""Architecture of the running example: a notifications service with two lanes and one provider quota.

The crux of the design is visible in the picture: both lanes draw on the same FCM project quota,
so a quota governor reserves a slice of it for the transactional lane before the campaign lane
may use the rest. Campaign senders claim each (campaign, device) pair in a table replicated
synchronously across three zones before they send it, which is what keeps campaigns at most once.

On a slide (BOOK_FIGURE_TARGET=slides) the same design is drawn narrower: graphviz gives every edge label a rank of
its own, so the slide moves the edge labels' numbers into the node labels and enlarges the cluster titles.
"""
from book_style import SLIDES, architecture, compact, edge_style
from diagrams.firebase.grow import Messaging
from diagrams.generic.device import Mobile
from diagrams.generic.os import IOS
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Redis
from diagrams.onprem.queue import Kafka

from diagrams import Cluster, Edge

CLUSTER = {"fontsize": "24"} if SLIDES else {}


def label(book: str, slide: str) -> str:
    """The node's label in the book, or on a slide."""
    return slide if SLIDES else book


def on_slide(lines: str) -> dict:
    """A slide's multi-line label needs a taller node, or its lines overlap the icon (the book's labels are smaller)."""
    n = lines.count("\n") + 1
    return {"height": f"{1.25 + 0.66 * n:.2f}"} if SLIDES and n > 1 else {}


def edge_label(text: str) -> dict:
    """An edge label in the book; none on a slide, where the node labels carry the number."""
    return {} if SLIDES else {"label": text}


if SLIDES:
    with architecture("", direction="LR", **({"nodesep": "0.35"} if SLIDES else {})):
        with Cluster("Callers", graph_attr=CLUSTER):
            auth = Server(label("Auth service\n(sign-in codes)", "Auth service"))
            orders = Server("Order service")
            campaigns = Client("Campaign tool")

        api = Server("Notify API")
        registry = PostgreSQL("Device registry")

        with Cluster("Transactional lane", graph_attr=CLUSTER):
            txn_queue = Kafka(label("txn queue", "txn queue\n≤ 350/s peak"), **on_slide("txn queue\n≤ 350/s peak"))
            txn_send = Server("txn senders")

        with Cluster("Campaign lane", graph_attr=CLUSTER):
            planner = Server(label("Campaign planner", "planner\n20M devices"), **on_slide("planner\n20M devices"))
            bulk_queue = Kafka("bulk queue")
            bulk_send = Server("bulk senders")

        GOVERNOR = "Quota governor\n1,000/s reserved\n≤ 9,000/s bulk"
        governor = Redis(label("Quota governor\n(token buckets)", GOVERNOR), **on_slide(GOVERNOR))
        claims = PostgreSQL(label("Send claims\n(campaign, device)\n3 zones, sync", "claim, then send\n3 zones, sync"), **on_slide("claim, then send\n3 zones, sync"))

        with Cluster("Providers (not ours)", graph_attr=CLUSTER):
            fcm = Messaging(label("FCM\n600k msgs/min", "FCM 600k/min"))
            apns = IOS("APNs")

        phones = Mobile(label("Devices", "Devices\nbest effort"), **on_slide("Devices\nbest effort"))

        auth >> api
        orders >> api
        campaigns >> Edge(**edge_label("campaign + its id")) >> api
        api >> Edge(**edge_label("≤ 350/s peak")) >> txn_queue >> txn_send
        api >> Edge(**edge_label("20M devices")) >> planner
        planner >> Edge(style="dashed") >> registry
        planner >> bulk_queue >> bulk_send
        txn_send >> Edge(**edge_style("vermillion", **edge_label("reserved 1,000/s"))) >> governor
        bulk_send >> Edge(**edge_style("vermillion", **edge_label("up to 9,000/s"))) >> governor
        bulk_send >> Edge(style="dashed", **edge_label("claim, then send")) >> claims
        governor >> Edge(**edge_style("blue")) >> fcm
        txn_send >> Edge(**edge_style("blue")) >> apns
        bulk_send >> Edge(**edge_style("blue")) >> apns
        fcm >> Edge(style="dotted", **edge_label("best effort")) >> phones
        apns >> Edge(style="dotted", **edge_label("best effort")) >> phones
else:
    def small(label: str) -> dict:
        return compact(label, icon=0.9)

    ROOM = {"margin": "22"}  # a label wider than its 0.9 in icon stays inside the cluster

    # The page is 5.5 in wide: two rows, left to right. The first carries the callers, the API and the two lanes; the
    # second, below it, the quota governor, the claims, the providers and the devices. The edge labels' numbers are in
    # the node labels where an edge label would add a column (graphviz gives every edge label a rank of its own).
    with architecture("", direction="LR", nodesep="0.25", ranksep="0.5", newrank="true") as diagram:
        with Cluster("Callers", graph_attr=ROOM):
            auth = Server("Auth service\n(sign-in codes)", **small("Auth service\n(sign-in codes)"))
            orders = Server("Order service", **small("Order service"))
            campaigns = Client("Campaign tool\n(campaign + its id)", **small("Campaign tool\n(campaign + its id)"))

        api = Server("Notify API", **small("Notify API"))
        registry = PostgreSQL("Device registry", **small("Device registry"))

        with Cluster("Transactional lane", graph_attr=ROOM):
            txn_queue = Kafka("txn queue\n≤ 350/s peak", **small("txn queue\n≤ 350/s peak"))
            txn_send = Server("txn senders", **small("txn senders"))

        with Cluster("Campaign lane", graph_attr=ROOM):
            planner = Server("Campaign planner\n20M devices", **small("Campaign planner\n20M devices"))
            bulk_queue = Kafka("bulk queue", **small("bulk queue"))
            bulk_send = Server("bulk senders", **small("bulk senders"))

        GOVERNOR = "Quota governor\n(token buckets)\nreserved 1,000/s\nbulk ≤ 9,000/s"
        governor = Redis(GOVERNOR, **small(GOVERNOR))
        CLAIMS = "Send claims\n(campaign, device)\n3 zones, sync"
        claims = PostgreSQL(CLAIMS, **small(CLAIMS))

        with Cluster("Providers (not ours)", graph_attr=ROOM):
            fcm = Messaging("FCM\n600k msgs/min", **small("FCM\n600k msgs/min"))
            apns = IOS("APNs", **small("APNs"))

        phones = Mobile("Devices\nbest effort", **small("Devices\nbest effort"))

        auth >> api
        orders >> api
        campaigns >> api
        api >> txn_queue >> txn_send
        api >> planner
        planner >> Edge(style="dashed") >> registry
        planner >> bulk_queue >> bulk_send
        txn_send >> Edge(**edge_style("vermillion"), constraint="false") >> governor
        bulk_send >> Edge(**edge_style("vermillion"), constraint="false") >> governor
        bulk_send >> Edge(style="dashed", constraint="false") >> claims
        governor >> Edge(**edge_style("blue")) >> fcm
        txn_send >> Edge(**edge_style("blue"), constraint="false") >> apns
        bulk_send >> Edge(**edge_style("blue"), constraint="false") >> apns
        fcm >> Edge(style="dotted") >> phones
        apns >> Edge(style="dotted") >> phones
        # Columns of the two rows (graphviz's ranks, left to right): the second row hangs below the first.
        columns = ((api, registry, governor), (txn_queue, planner, fcm), (txn_send, bulk_queue, apns), (bulk_send, claims, phones))
        for column in columns:
            diagram.dot.body.append("{rank=same; " + "; ".join(node.nodeid for node in column) + "}")
