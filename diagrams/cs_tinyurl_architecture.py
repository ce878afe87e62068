"""TinyURL case study: the architecture at the base scale (10 million new links a day, 1 billion redirects a day).

Three regions serve redirects from a local replica; only the home region commits creates, and a create is answered
only once the create log outside the home region holds it. Each redirect server keeps an in-process cache (L1) with
single-flight fills; click events leave through a queue with a disk spool to a stream, off the critical path;
takedowns are written to two of the three replicas and every server pulls them from two of three.

On a slide (SLIDES) the figure is the redirect path of one region and what stays off it, large enough to read from the
back of a room; the book's figure, with every path, is in the chapter.
"""
from book_style import SLIDES, architecture, compact, edge_style
from diagrams.aws.analytics import KinesisDataAnalytics, KinesisDataStreams
from diagrams.aws.compute import EC2, ECS
from diagrams.aws.database import Dynamodb
from diagrams.aws.integration import SNS
from diagrams.aws.network import ElbApplicationLoadBalancer, Route53
from diagrams.onprem.client import Users
from diagrams.onprem.network import Internet

from diagrams import Cluster, Edge

if SLIDES:
    region = {"fontname": "DejaVu Sans", "fontsize": "22", "margin": "20"}  # diagrams' clusters default to 12 pt labels
    with architecture("", direction="LR", ranksep="1.5", nodesep="0.6"):
        users = Users("clients")
        dns = Route53("DNS")
        with Cluster("each of three regions: the redirect path", graph_attr=region):
            lb = ElbApplicationLoadBalancer("load balancer")
            redirect = EC2("redirect servers ×15")
            replica = Dynamodb("local replica")
        # Off the redirect path (dashed edges): creates, the reputation check, click events.
        create = ECS("create API, home")
        webrisk = Internet("URL reputation")
        clicks = KinesisDataStreams("click stream")
        users >> Edge(**edge_style("blue")) >> dns >> Edge(**edge_style("blue")) >> lb
        lb >> Edge(**edge_style("blue", label="GET", fontsize="26")) >> redirect
        redirect >> Edge(**edge_style("blue", label="on a miss", fontsize="26")) >> replica
        lb >> Edge(**edge_style("purple", style="dashed", label="POST", fontsize="26")) >> create
        create >> Edge(**edge_style("orange", style="dashed")) >> webrisk
        redirect >> Edge(**edge_style("orange", style="dashed", label="queue", fontsize="26")) >> clicks
else:
    # The page is 5.5 in wide: top to bottom in four rows, the two regions side by side, smaller icons, the click
    # streams and the analytics pipeline folded into one node, and the labels of the edges between the regions moved
    # into the nodes' labels (each widened the gap between the regions), so the labels print at 6 pt or more.
    def small(label: str) -> dict:
        return compact(label, icon=0.9)

    ROOM = {"margin": "12"}
    with architecture("", direction="TB", ranksep="0.3", nodesep="0.3", newrank="true") as diagram:
        users = Users("browsers, apps,\nAPI clients", **small("browsers, apps,\nAPI clients"))
        dns = Route53("DNS: latency\nrouting,\nhealth checks", **small("DNS: latency\nrouting,\nhealth checks"))
        WEBRISK = "URL reputation\n(Web Risk\nAPI), 200 ms\ntimeout"
        webrisk = Internet(WEBRISK, **small(WEBRISK))

        with Cluster("two read regions (one drawn)", graph_attr=ROOM):
            lb_read = ElbApplicationLoadBalancer("L7 load\nbalancer", **small("L7 load\nbalancer"))
            create_read = ECS("create API\nvalidate,\nforward", **small("create API\nvalidate,\nforward"))
            REDIRECT = "redirect servers\n×15, L1 cache,\nsingle-flight;\ndenylist pull\nevery 30 s from\n2 of 3 replicas"
            redirect_read = EC2(REDIRECT, **small(REDIRECT))
            READER = "links, keys,\ndenylist (read\nreplica, async,\ntypically < 1 s)"
            table_read = Dynamodb(READER, **small(READER))
            create_log = Dynamodb("create log\n(backup\naccount)", **small("create log\n(backup\naccount)"))

        denylist = SNS("denylist push\n(seconds)", **small("denylist push\n(seconds)"))
        SAFETY = "trust and\nsafety: disable\n= write 2 of 3\nreplicas"
        safety = Users(SAFETY, **small(SAFETY))

        with Cluster("home region: creates and redirects", graph_attr=ROOM):
            lb_home = ElbApplicationLoadBalancer("L7 load\nbalancer", **small("L7 load\nbalancer"))
            create = ECS("create API\nvalidate,\nrate-limit", **small("create API\nvalidate,\nrate-limit"))
            redirect_home = EC2(REDIRECT, **small(REDIRECT))
            WRITER = "links, keys,\ndenylist (writer\nreplica)"
            table_home = Dynamodb(WRITER, **small(WRITER))

        ANALYTICS = "analytics, off\nthe redirect\npath: click\nstreams, dedupe\nby event id,\ncounts, raw\nevents"
        analytics = KinesisDataAnalytics(ANALYTICS, **small(ANALYTICS))

        users >> Edge(**edge_style("blue", label="GET /{code},\nPOST /v1/links")) >> dns
        dns >> Edge(**edge_style("blue")) >> lb_home
        dns >> Edge(**edge_style("blue")) >> lb_read
        lb_home >> Edge(**edge_style("blue", label="POST")) >> create
        lb_home >> Edge(**edge_style("blue", label="GET")) >> redirect_home
        lb_read >> Edge(**edge_style("blue", label="GET")) >> redirect_read
        lb_read >> Edge(**edge_style("blue", label="POST")) >> create_read
        create_read >> Edge(**edge_style("purple", style="dashed", label="forward to home", constraint="false")) >> create
        create >> Edge(**edge_style("purple", label="before 201", constraint="false")) >> create_log
        create >> Edge(**edge_style("orange", style="dashed", label="check", constraint="false")) >> webrisk
        create >> Edge(**edge_style("blue", label="link + key,\none transaction")) >> table_home
        redirect_home >> Edge(**edge_style("blue", label="on L1\nmiss")) >> table_home
        redirect_read >> Edge(**edge_style("blue", label="on L1\nmiss")) >> table_read
        table_home >> Edge(**edge_style("green", style="dashed", constraint="false")) >> table_read
        safety >> Edge(**edge_style("vermillion")) >> table_home
        safety >> Edge(**edge_style("vermillion")) >> table_read
        redirect_read >> Edge(**edge_style("vermillion", style="dashed", constraint="false")) >> table_home
        denylist >> Edge(**edge_style("vermillion", style="dotted")) >> redirect_home
        denylist >> Edge(**edge_style("vermillion", style="dotted")) >> redirect_read
        redirect_home >> Edge(**edge_style("orange", style="dashed", label="")) >> analytics
        redirect_read >> Edge(**edge_style("orange", style="dashed", constraint="false")) >> analytics
        for row in ((users, dns, denylist, safety, webrisk), (lb_read, lb_home), (create_read, redirect_read, redirect_home, create),
                    (analytics, create_log, table_read, table_home)):
            diagram.dot.body.append("{rank=same; " + "; ".join(node.nodeid for node in row) + "}")
