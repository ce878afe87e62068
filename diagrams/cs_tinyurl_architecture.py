"""TinyURL case study: the architecture at the base scale (10 million new links a day, 1 billion redirects a day).

Three regions serve redirects from a local replica; only the home region commits creates, and a create is answered
only once the create log outside the home region holds it. Each redirect server keeps an in-process cache (L1) with
single-flight fills; click events leave through a queue with a disk spool to a stream, off the critical path;
takedowns are written to two of the three replicas and every server pulls them from two of three.

On a slide (SLIDES) the figure is the redirect path of one region and what stays off it, large enough to read from the
back of a room; the book's figure, with every path, is in the chapter.
"""
from book_style import SLIDES, architecture, edge_style
from diagrams.aws.analytics import Athena, KinesisDataAnalytics, KinesisDataStreams
from diagrams.aws.compute import EC2, ECS
from diagrams.aws.database import Dynamodb
from diagrams.aws.integration import SNS
from diagrams.aws.network import ElbApplicationLoadBalancer, Route53
from diagrams.aws.storage import S3
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
    with architecture("", direction="LR", ranksep="1.0", nodesep="0.5"):
        users = Users("browsers, apps,\nAPI clients")
        dns = Route53("DNS: latency routing,\nhealth checks")
        webrisk = Internet("URL reputation\n(Web Risk API)")

        with Cluster("home region: creates and redirects"):
            lb_home = ElbApplicationLoadBalancer("L7 load balancer")
            create = ECS("create API\nvalidate, rate-limit")
            redirect_home = EC2("redirect servers ×15\nL1 cache, single-flight")
            table_home = Dynamodb("links, keys, denylist\n(writer replica)")
            stream_home = KinesisDataStreams("click stream")

        with Cluster("two read regions (one drawn)"):
            lb_read = ElbApplicationLoadBalancer("L7 load balancer")
            create_read = ECS("create API\nvalidate, forward")
            create_log = Dynamodb("create log\n(backup account)")
            redirect_read = EC2("redirect servers ×15\nL1 cache, single-flight")
            table_read = Dynamodb("links, keys, denylist\n(read replica)")
            stream_read = KinesisDataStreams("click stream")

        denylist = SNS("denylist push\n(seconds)")
        safety = Users("trust and safety")

        with Cluster("analytics: off the redirect path"):
            aggregate = KinesisDataAnalytics("aggregate per link\ndedupe by event id")
            raw = S3("raw click events")
            counts = Athena("click counts")

        users >> Edge(**edge_style("blue", label="GET /{code}, POST /v1/links")) >> dns
        dns >> Edge(**edge_style("blue")) >> lb_home
        dns >> Edge(**edge_style("blue")) >> lb_read
        lb_home >> Edge(**edge_style("blue", label="POST")) >> create
        lb_home >> Edge(**edge_style("blue", label="GET")) >> redirect_home
        lb_read >> Edge(**edge_style("blue", label="GET")) >> redirect_read
        lb_read >> Edge(**edge_style("blue", label="POST")) >> create_read
        create_read >> Edge(**edge_style("purple", style="dashed", label="forward\nto home")) >> create
        create >> Edge(**edge_style("purple", label="before 201")) >> create_log
        create >> Edge(**edge_style("orange", style="dashed", label="check, 200 ms\ntimeout")) >> webrisk
        create >> Edge(**edge_style("blue", label="link + key,\none transaction")) >> table_home
        redirect_home >> Edge(**edge_style("blue", label="on L1 miss")) >> table_home
        redirect_read >> Edge(**edge_style("blue", label="on L1 miss")) >> table_read
        table_home >> Edge(**edge_style("green", style="dashed", label="async replication,\ntypically < 1 s")) >> table_read
        safety >> Edge(**edge_style("vermillion", label="disable: write\n2 of 3 replicas")) >> table_home
        safety >> Edge(**edge_style("vermillion")) >> table_read
        redirect_read >> Edge(**edge_style("vermillion", style="dashed", label="denylist pull every 30 s,\n2 of 3 replicas")) >> table_home
        denylist >> Edge(**edge_style("vermillion", style="dotted")) >> redirect_home
        denylist >> Edge(**edge_style("vermillion", style="dotted")) >> redirect_read
        redirect_home >> Edge(**edge_style("orange", style="dashed", label="queue, disk spool,\ndrop if full")) >> stream_home
        redirect_read >> Edge(**edge_style("orange", style="dashed")) >> stream_read
        stream_home >> Edge(**edge_style("orange")) >> aggregate
        stream_read >> Edge(**edge_style("orange")) >> aggregate
        aggregate >> Edge(**edge_style("orange")) >> raw
        aggregate >> Edge(**edge_style("orange")) >> counts
