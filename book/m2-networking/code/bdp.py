"""The window/RTT limit: a sender with at most `window` bytes unacknowledged moves at most window / RTT.

The link is full only when the window reaches the bandwidth-delay product (BDP) = rate x RTT. TCP's 16-bit window
field caps the window at 65,535 bytes unless both ends negotiate RFC 7323 window scaling, whose shift is at most 14.
"""
from __future__ import annotations

import math

MAX_UNSCALED_WINDOW = 65_535  # bytes: the 16-bit window field (RFC 9293)
MAX_WINDOW_SHIFT = 14  # RFC 7323, section 2.3


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def bdp_bytes(rate_bits_per_s: float, rtt_s: float) -> float:
    """Bytes in flight needed to keep a path of this rate and round-trip time full."""
    return _positive("rate", rate_bits_per_s) * _positive("rtt", rtt_s) / 8


def throughput_bits_per_s(window_bytes: float, rtt_s: float, link_bits_per_s: float) -> float:
    """Steady throughput of one flow: the smaller of the link and window / RTT."""
    return min(_positive("link", link_bits_per_s), _positive("window", window_bytes) * 8 / _positive("rtt", rtt_s))


def window_shift(window_bytes: float) -> int:
    """Smallest RFC 7323 shift whose scaled 16-bit field can advertise `window_bytes`; ValueError above 2^30 - 1."""
    window = _positive("window", window_bytes)
    for shift in range(MAX_WINDOW_SHIFT + 1):
        if window <= MAX_UNSCALED_WINDOW << shift:
            return shift
    raise ValueError("a TCP window cannot exceed 65,535 x 2^14 bytes (RFC 7323)")


def handshake_rtts(transport: str, resumed: bool = False) -> int:
    """Round trips before the first request byte can be sent (the request itself then takes one more)."""
    table = {("tcp+tls1.2", False): 3, ("tcp+tls1.2", True): 2, ("tcp+tls1.3", False): 2, ("tcp+tls1.3", True): 1,
             ("quic", False): 1, ("quic", True): 0}
    if (transport, resumed) not in table:
        raise ValueError(f"unknown transport {transport!r}")
    return table[(transport, resumed)]
