"""One bottleneck link shared by flows: a loss-based sender (Reno-like AIMD) and a model-based one (BBR-like).

Time moves in integer ticks of 1 ms. The link serves LINK packets per tick from one FIFO buffer of BUFFER
packets; a packet that finds the buffer full is dropped (tail drop). A packet that leaves the link is acknowledged
`base_rtt` ticks later, so every RTT sample is the flow's base RTT plus the queueing delay it met. Seeded: the only
randomness is each flow's start offset, so the same seed gives the same run.

Simplifications: a dropped packet is noticed one base RTT after it was dropped, as if its duplicate ACKs met no
queue (in a deep, full buffer a real sender learns of the loss later). `simulate` advances the Flow objects it is
given (start offsets, windows, counters): pass fresh flows to every run.
"""
from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field

STARTUP_GAIN = 2.885  # 2/ln 2, the gain that doubles the delivery rate each round (tcp_bbr.c: bbr_high_gain)
PROBE_BW_GAINS = (1.25, 0.75, 1, 1, 1, 1, 1, 1)  # tcp_bbr.c: bbr_pacing_gain[], one phase per min_rtt
CWND_GAIN = 2.0  # tcp_bbr.c: bbr_cwnd_gain
MIN_RTT_WINDOW = 10_000  # ticks (10 s) before ProbeRTT re-measures min_rtt
PROBE_RTT_TICKS = 200  # 200 ms at 4 packets
BW_WINDOW_ROUNDS = 10  # bottleneck bandwidth = max delivery rate over 10 rounds


@dataclass
class Flow:
    """What every sender shares: packets in flight and what it has delivered."""

    name: str
    base_rtt: int  # ticks (ms)
    start: int = 0
    inflight: int = 0
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    delivered_per_tick: list = field(default_factory=list)

    def allowance(self, now: int) -> int:  # packets the sender may send this tick
        raise NotImplementedError

    def on_ack(self, now: int, count: int, rtt: int) -> None:
        self.inflight -= count
        self.delivered += count

    def on_loss(self, now: int, count: int) -> None:
        self.inflight -= count
        self.lost += count


@dataclass
class Reno(Flow):
    """Loss-based AIMD: slow start, then +1 packet per RTT; halve once per RTT on loss."""

    cwnd: float = 10.0  # RFC 6928 initial window
    ssthresh: float = float("inf")
    last_cut: int = -(10**9)

    def allowance(self, now: int) -> int:
        return max(0, int(self.cwnd) - self.inflight) if now >= self.start else 0

    def on_ack(self, now: int, count: int, rtt: int) -> None:
        super().on_ack(now, count, rtt)
        if self.cwnd < self.ssthresh:
            self.cwnd += count
        else:
            self.cwnd += count / self.cwnd

    def on_loss(self, now: int, count: int) -> None:
        super().on_loss(now, count)
        if now - self.last_cut >= self.base_rtt:  # one reduction per round trip
            self.ssthresh = max(2.0, self.cwnd / 2)
            self.cwnd = self.ssthresh
            self.last_cut = now


@dataclass
class BBR(Flow):
    """Model-based: pace at gain x BtlBw, cap inflight at CWND_GAIN x BtlBw x RTprop; ignore loss (BBR v1)."""

    mode: str = "startup"
    btlbw: float = 0.0  # packets per tick
    rtprop: float = float("inf")
    rtprop_stamp: int = 0
    round_samples: deque = field(default_factory=lambda: deque(maxlen=BW_WINDOW_ROUNDS))
    round_start: int = 0
    round_acked: int = 0
    full_bw: float = 0.0
    full_bw_count: int = 0
    cycle_index: int = 0
    cycle_stamp: int = 0
    probe_rtt_done: int = 0
    probe_min: float = float("inf")
    credit: float = 0.0

    def _gains(self) -> tuple[float, float]:
        if self.mode == "startup":
            return STARTUP_GAIN, STARTUP_GAIN
        if self.mode == "drain":
            return 1 / STARTUP_GAIN, STARTUP_GAIN
        if self.mode == "probe_rtt":
            return 1.0, 0.0
        return PROBE_BW_GAINS[self.cycle_index], CWND_GAIN

    def _cwnd(self) -> float:
        pacing_gain, cwnd_gain = self._gains()
        if self.mode == "probe_rtt":
            return 4
        if self.btlbw == 0 or self.rtprop == float("inf"):
            return 10
        return max(4.0, cwnd_gain * self.btlbw * self.rtprop)

    def allowance(self, now: int) -> int:
        if now < self.start:
            return 0
        pacing_gain, _ = self._gains()
        rate = pacing_gain * self.btlbw if self.btlbw else 10 / self.base_rtt
        self.credit = min(self.credit + rate, max(2.0, rate * 2))  # pace: at most two ticks' worth banked
        room = int(self._cwnd()) - self.inflight
        send = max(0, min(int(self.credit), room))
        self.credit -= send
        return send

    def on_ack(self, now: int, count: int, rtt: int) -> None:
        super().on_ack(now, count, rtt)
        if self.mode == "probe_rtt":
            self.probe_min = min(self.probe_min, rtt)
        elif rtt <= self.rtprop:
            self.rtprop, self.rtprop_stamp = rtt, now
        round_len = max(1, int(self.rtprop))
        if now - self.round_start >= round_len:  # a round ended: packets acked in [round_start, now) / its length
            self.round_samples.append(self.round_acked / (now - self.round_start))
            self.btlbw = max(self.round_samples)
            self.round_start, self.round_acked = now, 0
            self._advance(now)
        self.round_acked += count

    def _advance(self, now: int) -> None:
        if self.mode == "startup":
            if self.btlbw >= self.full_bw * 1.25:
                self.full_bw, self.full_bw_count = self.btlbw, 0
            else:
                self.full_bw_count += 1
                if self.full_bw_count >= 3:  # three rounds without 25% growth: the pipe is full
                    self.mode = "drain"
        elif self.mode == "drain" and self.inflight <= self.btlbw * self.rtprop:
            self.mode, self.cycle_index, self.cycle_stamp = "probe_bw", 0, now
        if self.mode == "probe_bw":
            if now - self.cycle_stamp >= self.rtprop:
                self.cycle_index = (self.cycle_index + 1) % len(PROBE_BW_GAINS)
                self.cycle_stamp = now
            if now - self.rtprop_stamp > MIN_RTT_WINDOW:
                self.mode, self.probe_rtt_done = "probe_rtt", now + PROBE_RTT_TICKS
                self.probe_min = float("inf")
        elif self.mode == "probe_rtt" and now >= self.probe_rtt_done:
            if self.probe_min < float("inf"):  # the new RTprop is the lowest RTT seen at 4 packets in flight
                self.rtprop = self.probe_min
            self.rtprop_stamp = now
            self.mode, self.cycle_index, self.cycle_stamp = "probe_bw", 0, now


def simulate(flows: list[Flow], link: int = 10, buffer: int = 400, ticks: int = 30_000, seed: int = 1) -> dict:
    """Run the flows through one FIFO bottleneck. link: packets per tick; buffer: packets. Returns per-flow
    delivered packets per tick, the queue length per tick, and drops."""
    for name, value, low in (("link", link, 1), ("buffer", buffer, 0), ("ticks", ticks, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if not flows or any(not isinstance(f.base_rtt, int) or f.base_rtt < 1 for f in flows):
        raise ValueError("need at least one flow, each with an integer base_rtt >= 1 tick")
    rng = random.Random(seed)
    for flow in flows:
        flow.start += rng.randrange(0, 20)
        flow.delivered_per_tick = [0] * ticks
    queue: deque = deque()  # chunks [flow index, packets, send tick]
    queued = 0
    acks: dict = defaultdict(list)  # tick -> [(flow index, packets, send tick)]
    losses: dict = defaultdict(list)  # tick -> [(flow index, packets)]
    queue_len = [0] * ticks
    for now in range(ticks):
        for i, count, sent in acks.pop(now, ()):
            flows[i].on_ack(now, count, now - sent)
            flows[i].delivered_per_tick[now] += count
        for i, count in losses.pop(now, ()):
            flows[i].on_loss(now, count)
        for i, flow in enumerate(flows):
            n = flow.allowance(now)
            if n <= 0:
                continue
            flow.inflight += n
            flow.sent += n
            accepted = min(n, buffer - queued)
            if accepted:
                queue.append([i, accepted, now])
                queued += accepted
            if n - accepted:  # tail drop, noticed one base RTT later (duplicate ACKs)
                losses[now + flow.base_rtt].append((i, n - accepted))
        served = link
        while served and queue:
            chunk = queue[0]
            take = min(served, chunk[1])
            acks[now + flows[chunk[0]].base_rtt].append((chunk[0], take, chunk[2]))
            chunk[1] -= take
            served -= take
            queued -= take
            if chunk[1] == 0:
                queue.popleft()
        queue_len[now] = queued
    return {"delivered": [f.delivered_per_tick for f in flows], "queue": queue_len,
            "lost": [f.lost for f in flows]}


def share(result: dict, index: int, start: int, end: int) -> float:
    """Flow `index`'s share of all packets delivered in ticks [start, end)."""
    mine = sum(result["delivered"][index][start:end])
    total = sum(sum(d[start:end]) for d in result["delivered"])
    return mine / total if total else 0.0
