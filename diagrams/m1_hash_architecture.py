"""Where each hashing scheme sits on one request path (consistent-hashing chapter): Maglev tables in the L4 balancers,
a bounded-load ring in the L7 proxies in front of a cache tier, jump hash from shard number to storage shard.

The page is 5.5 in wide, so the book's figure is drawn narrower than the slide's: smaller icons; each node's text in a
table under its icon, so graphviz sizes the node to its text and the arrows meet the icon; and the facts that labelled
two arrows (5-tuple hash, key's home or next if full) in the nodes' text, because graphviz gives every edge label a
column of its own in a left-to-right figure. On a slide (SLIDES) the figure is as it was.
"""
from book_style import FONT, SLIDES, architecture, at_icon, edge_style, icon_card
from diagrams.onprem.client import Client
from diagrams.onprem.compute import Server
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.inmemory import Memcached
from diagrams.onprem.network import Envoy

from diagrams import Cluster, Edge

# The slide's spacing and label sizes (the book's figure sets its own below).
SPACING = {"ranksep": "0.8", "nodesep": "0.5"}
CLUSTER = {"fontsize": "24", "fontname": FONT}
EDGE_LABEL = {"fontsize": "22"}

if SLIDES:
    with architecture("", direction="LR", **SPACING):
        users = Client("Clients")
        with Cluster("L4: Maglev balancers\n(same table on every machine)", graph_attr=CLUSTER):
            lbs = [Server("LB 1\nMaglev table\nM = 65,537"), Server("LB 2\nMaglev table\nM = 65,537")]
        with Cluster("L7 proxies", graph_attr=CLUSTER):
            proxy = Envoy("ring hash on URL\n+ bounded load c = 1.25")
        with Cluster("Cache tier", graph_attr=CLUSTER):
            caches = [Memcached("cache a"), Memcached("cache b"), Memcached("cache c")]
        with Cluster("Storage shards 0 ... n-1", graph_attr=CLUSTER):
            shards = PostgreSQL("shard = jump(key, n)")

        for lb in lbs:
            users >> Edge(**({"label": "ECMP spreads\npackets", **EDGE_LABEL} if lb is lbs[0] else {})) >> lb
        for lb in lbs:
            lb >> Edge(**edge_style("blue", label="5-tuple hash", **EDGE_LABEL) if lb is lbs[0] else edge_style("blue")) >> proxy
        for cache in caches:
            label = {"label": "key's home,\nor next node if full", **EDGE_LABEL} if cache is caches[0] else {}
            proxy >> Edge(**edge_style("orange", **label)) >> cache
        for cache in caches:
            extra = {"label": "miss", **EDGE_LABEL} if cache is caches[1] else {}
            cache >> Edge(**edge_style("vermillion", style="dashed", **extra)) >> shards
else:
    ROOM = {"margin": "10"}
    # margin="0": graphviz's PDF output otherwise adds half an inch of blank page on every side.
    with architecture("", direction="LR", ranksep="0.25", nodesep="0.2", margin="0"):
        users = icon_card(Client, "Clients")
        with Cluster("L4: Maglev\nbalancers, same\ntable on each", graph_attr=ROOM):
            lbs = [icon_card(Server, f"LB {i}\nM = 65,537\n5-tuple hash") for i in (1, 2)]
        with Cluster("L7 proxies", graph_attr=ROOM):
            proxy = icon_card(Envoy, "ring hash on\nURL + bounded\nload c = 1.25:\nkey's home, or\nnext if full")
        with Cluster("Cache tier", graph_attr=ROOM):
            caches = [icon_card(Memcached, f"cache {name}") for name in "abc"]
        with Cluster("Storage\nshards\n0 ... n-1", graph_attr=ROOM):
            shards = icon_card(PostgreSQL, "shard =\njump(key, n)")

        for lb in lbs:
            users >> Edge(**at_icon(**({"label": "ECMP"} if lb is lbs[0] else {}))) >> lb
        for lb in lbs:
            lb >> Edge(**edge_style("blue", **at_icon())) >> proxy
        for cache in caches:
            proxy >> Edge(**edge_style("orange", **at_icon())) >> cache
        for cache in caches:
            extra = {"label": "miss"} if cache is caches[1] else {}
            cache >> Edge(**edge_style("vermillion", style="dashed", **at_icon(**extra))) >> shards
