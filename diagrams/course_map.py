"""The course map: the nine modules and the case studies, with an arrow from each module to those that build on it."""
import graphviz
from book_style import PALETTE, SLIDES, font, save_graph

MODULES = {
    "m0": "Module 0\nOrientation &\nFundamentals",
    "m1": "Module 1\nScalability &\nTraffic Management",
    "m2": "Module 2\nNetworking, Protocols\n& Failure Modes",
    "m3": "Module 3\nCaching & Delivery",
    "m4": "Module 4\nDatabases & Scaling",
    "m5": "Module 5\nAsync & Queueing",
    "m6": "Module 6\nCore Reliability\nPatterns",
    "m7": "Module 7\nAdvanced Distributed\nPatterns",
    "m8": "Module 8\nOps, Observability\n& Security",
    "cs": "Case studies\nTinyURL, end to end",
}
# (prerequisite, module that builds on it): the "Builds on" lines of each module's landing page.
DEPENDS = [
    ("m0", "m1"), ("m0", "m2"), ("m1", "m3"), ("m2", "m4"), ("m1", "m4"),
    ("m4", "m5"), ("m5", "m6"), ("m1", "m6"), ("m2", "m7"), ("m4", "m7"),
    ("m6", "m8"), ("m0", "m8"), ("m3", "cs"), ("m4", "cs"), ("m6", "cs"),
]

graph = graphviz.Digraph("course_map")
# On a slide the map runs left to right, so its six ranks use the 16:9 width; the book keeps a portrait page.
graph.attr(rankdir="LR" if SLIDES else "TB", nodesep="0.6" if SLIDES else "0.2", ranksep="0.45")
# The book prints the map at 85% of a 5.5 in text width: tight margins keep its 12 pt labels at 6 pt or more on paper.
graph.attr("node", shape="box", style="rounded,filled", fillcolor="#DCEEFB", color=PALETTE["blue"], fontsize=str(font(12)),
           margin="0.15,0.08" if SLIDES else "0.08,0.06")
for key, label in MODULES.items():
    extra = {"fillcolor": "#FDF0D5", "color": PALETTE["orange"]} if key == "cs" else {}
    graph.node(key, label, **extra)
for before, after in DEPENDS:
    graph.edge(before, after, color="#555555", arrowsize="0.7")
save_graph(graph)
