"""Order-of-magnitude ladder: dated latency numbers, a computed physics floor, and our own budget.

Blue bars are the values on Jeff Dean's "Numbers Everyone Should Know" slide (LADIS keynote,
October 2009). The green bar is computed here: the great-circle distance San Francisco-Amsterdam
(haversine, mean Earth radius 6,371 km) travelled twice in glass fibre with refractive index 1.5.
The orange bar is the running example's own target. Pure arithmetic, no randomness.
"""
from math import asin, cos, radians, sin, sqrt

import matplotlib.pyplot as plt
from book_style import PALETTE, SLIDES, font, plot_style, save_plot


def great_circle_km(lat1, lon1, lat2, lon2, radius_km=6371.0):
    p1, l1, p2, l2 = map(radians, (lat1, lon1, lat2, lon2))
    h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin((l2 - l1) / 2) ** 2
    return 2 * radius_km * asin(sqrt(h))


C_KM_PER_S = 299_792.458
distance = great_circle_km(37.7749, -122.4194, 52.3676, 4.9041)
fibre_rtt_s = 2 * distance / (C_KM_PER_S / 1.5)

rows = [  # (label, seconds, colour)
    ("Main memory reference (2009)", 100e-9, PALETTE["blue"]),
    ("Read 1 MB sequentially from memory (2009)", 250e-6, PALETTE["blue"]),
    ("Round trip within same datacenter (2009)", 500e-6, PALETTE["blue"]),
    ("Disk seek (2009)", 10e-3, PALETTE["blue"]),
    ("Read 1 MB sequentially from disk (2009)", 20e-3, PALETTE["blue"]),
    (f"Fibre floor, SF-Amsterdam round trip (computed, {distance:,.0f} km)", fibre_rtt_s, PALETTE["green"]),
    ("Packet CA-Netherlands-CA (2009)", 150e-3, PALETTE["blue"]),
    ("Our target: sign-in code to provider", 2.0, PALETTE["orange"]),
]
if not SLIDES:  # the page is 5.5 in wide: shorter names (the chapter gives the distance, 8,773 km, and Dean's wording)
    SHORT = ["Memory reference (2009)", "Read 1 MB from memory (2009)", "Round trip in a datacenter (2009)",
             "Disk seek (2009)", "Read 1 MB from disk (2009)", "Fibre floor, SF-Amsterdam (computed)",
             "Packet CA-Netherlands-CA (2009)", "Our target: code to provider"]
    rows = [(short, seconds, colour) for short, (_, seconds, colour) in zip(SHORT, rows, strict=True)]


def pretty(seconds):
    if seconds < 1e-6:
        return f"{seconds * 1e9:,.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.0f} ms"
    return f"{seconds:,.0f} s"


plot_style()
fig, ax = plt.subplots(figsize=(12.0, 5.0) if SLIDES else (4.0, 3.2))  # slides: fill 16:9; the book: 5.5 in with the names
labels = [r[0] for r in rows][::-1]
values = [r[1] for r in rows][::-1]
colours = [r[2] for r in rows][::-1]
bars = ax.barh(labels, values, color=colours, height=0.6)
for bar, value in zip(bars, values, strict=True):
    ax.text(value * 1.4, bar.get_y() + bar.get_height() / 2, pretty(value), va="center", fontsize=font(8))
ax.set_xscale("log")
ax.set_xlim(1e-8, 1e2)
ax.set_xticks([10.0**k for k in range(-8, 3)])
ax.set_xticklabels(["10 ns", "", "1 µs", "", "100 µs", "", "10 ms", "", "1 s", "", "100 s"])
ax.set_xlabel("time, log scale: each gridline is 10x the one before")
ax.tick_params(axis="y", labelsize=font(8))
ax.grid(axis="y", visible=False)
save_plot(fig)
