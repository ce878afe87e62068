"""HTTP/2 flow control as the sender keeps it (RFC 9113, sections 5.2, 6.5.2 and 6.9).

A sender may put DATA on a stream only while both the stream's window and the connection's window are positive.
Sending subtracts from both; the receiver's WINDOW_UPDATE frames add credit to one stream (stream id > 0) or to
the connection (stream id 0); SETTINGS_INITIAL_WINDOW_SIZE moves every open stream's window by the change, which
can leave a window negative. No window may exceed 2**31 - 1. Several threads write frames for one connection, so
every check-then-subtract happens under one lock. A WINDOW_UPDATE may still arrive for a stream the sender has
closed (the receiver returns credit for the last DATA it read): it is ignored (sections 5.1 and 6.9).
"""
from __future__ import annotations

import threading

MAX_WINDOW = 2**31 - 1  # largest legal flow-control window (RFC 9113, section 6.9.1)
DEFAULT_WINDOW = 65_535  # initial window of every stream and of the connection (section 6.9.2)


class FlowControlError(Exception):
    """A window would exceed 2**31 - 1: the peer broke flow control (error code FLOW_CONTROL_ERROR)."""


class ProtocolError(Exception):
    """A malformed frame or a misuse of a stream (error code PROTOCOL_ERROR)."""


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return value


class SendWindows:
    """The sending side's flow-control windows of one HTTP/2 connection."""

    def __init__(self, initial_window: int = DEFAULT_WINDOW) -> None:
        self._lock = threading.RLock()  # re-entrant: a subclass may hold it around a call to these methods
        self._initial = _check_int("initial_window", initial_window, 0, MAX_WINDOW)
        self._connection = DEFAULT_WINDOW  # only WINDOW_UPDATE changes it, never SETTINGS (section 6.9.2)
        self._streams: dict[int, int] = {}
        self._highest_id = 0
        self.sent: dict[int, int] = {}  # bytes sent per stream: what the tests bound

    def open_stream(self, stream_id: int) -> None:
        """Open a client stream: odd ids, each higher than the last (section 5.1.1)."""
        _check_int("stream_id", stream_id, 1, MAX_WINDOW)
        with self._lock:
            if stream_id % 2 == 0 or stream_id <= self._highest_id:
                raise ProtocolError(f"stream id {stream_id} is even or not above {self._highest_id}")
            self._highest_id = stream_id
            self._streams[stream_id] = self._initial
            self.sent[stream_id] = 0

    def send(self, stream_id: int, wanted: int) -> int:
        """Take credit for up to `wanted` bytes of DATA on a stream; return how many may go now (maybe 0)."""
        _check_int("wanted", wanted, 0, MAX_WINDOW)
        with self._lock:
            if stream_id not in self._streams:
                raise ProtocolError(f"stream {stream_id} is not open")
            granted = max(0, min(wanted, self._connection, self._streams[stream_id]))
            self._connection -= granted
            self._streams[stream_id] -= granted
            self.sent[stream_id] += granted
            return granted

    def window_update(self, stream_id: int, increment: int) -> None:
        """Apply a received WINDOW_UPDATE; stream_id 0 is the connection (section 6.9)."""
        _check_int("stream_id", stream_id, 0, MAX_WINDOW)
        if isinstance(increment, bool) or not isinstance(increment, int):
            raise TypeError(f"increment must be an int, got {increment!r}")
        if not 1 <= increment <= MAX_WINDOW:  # an increment of 0 is a PROTOCOL_ERROR
            raise ProtocolError(f"WINDOW_UPDATE increment {increment} is not in [1, 2**31 - 1]")
        with self._lock:
            if stream_id == 0:
                if self._connection + increment > MAX_WINDOW:
                    raise FlowControlError("connection window would exceed 2**31 - 1")
                self._connection += increment
                return
            if stream_id not in self._streams:
                if stream_id <= self._highest_id:
                    return  # a closed stream: a late WINDOW_UPDATE is ignored, not credited (5.1, 6.9)
                raise ProtocolError(f"stream {stream_id} is idle (never opened)")
            if self._streams[stream_id] + increment > MAX_WINDOW:
                raise FlowControlError(f"stream {stream_id} window would exceed 2**31 - 1")
            self._streams[stream_id] += increment

    def apply_initial_window(self, new_initial: int) -> None:
        """Apply a received SETTINGS_INITIAL_WINDOW_SIZE: every open stream moves by the difference (6.9.2)."""
        if isinstance(new_initial, bool) or not isinstance(new_initial, int) or new_initial < 0:
            raise ValueError(f"SETTINGS_INITIAL_WINDOW_SIZE must be a non-negative int, got {new_initial!r}")
        if new_initial > MAX_WINDOW:
            raise FlowControlError("SETTINGS_INITIAL_WINDOW_SIZE above 2**31 - 1")
        with self._lock:
            delta = new_initial - self._initial
            if any(window + delta > MAX_WINDOW for window in self._streams.values()):
                raise FlowControlError("a stream window would exceed 2**31 - 1")
            for stream_id in self._streams:
                self._streams[stream_id] += delta  # may go negative: the sender then waits for updates
            self._initial = new_initial

    def close_stream(self, stream_id: int) -> None:
        """Forget a finished stream's window; its `sent` count stays for the books."""
        with self._lock:
            self._streams.pop(stream_id, None)

    def open_streams(self) -> list[int]:
        with self._lock:
            return sorted(self._streams)

    def available(self, stream_id: int) -> int:
        """Bytes that could be sent on the stream now."""
        with self._lock:
            if stream_id not in self._streams:
                raise ProtocolError(f"stream {stream_id} is not open")
            return max(0, min(self._connection, self._streams[stream_id]))

    def connection_window(self) -> int:
        with self._lock:
            return self._connection
