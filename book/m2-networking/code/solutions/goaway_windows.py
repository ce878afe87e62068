"""Solution: teach SendWindows to receive GOAWAY (RFC 9113, section 6.8).

After GOAWAY the client opens no new stream on the connection. Streams with ids above the GOAWAY's last stream id
were never processed: the client may retry them on a new connection, even if they are not idempotent. Streams at
or below it may still complete and must not be retried blindly. A later GOAWAY may lower the last stream id (the
graceful two-step drain sends 2**31 - 1 first) but never raise it.
"""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from h2_flow_window import MAX_WINDOW, ProtocolError, SendWindows  # noqa: E402


class DrainingWindows(SendWindows):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._goaway_last: int | None = None
        self.retryable: list[int] = []  # every stream a GOAWAY has told us was never processed

    def open_stream(self, stream_id: int) -> None:
        with self._lock:  # held across the check and the open (the lock is re-entrant), so no GOAWAY lands between
            if self._goaway_last is not None:
                raise ProtocolError("GOAWAY received: open new streams on a new connection")
            super().open_stream(stream_id)

    def receive_goaway(self, last_stream_id: int) -> list[int]:
        """Apply a GOAWAY; return the open streams that were not processed and may be retried elsewhere."""
        if isinstance(last_stream_id, bool) or not isinstance(last_stream_id, int):
            raise TypeError(f"last_stream_id must be an int, got {last_stream_id!r}")
        if not 0 <= last_stream_id <= MAX_WINDOW:
            raise ProtocolError(f"last stream id {last_stream_id} is not in [0, 2**31 - 1]")
        with self._lock:
            if self._goaway_last is not None and last_stream_id > self._goaway_last:
                raise ProtocolError("a later GOAWAY must not raise the last stream id")
            self._goaway_last = last_stream_id
            unprocessed = sorted(s for s in self._streams if s > last_stream_id)
            for stream_id in unprocessed:
                del self._streams[stream_id]  # the window goes; the `sent` counters stay
            self.retryable.extend(unprocessed)
            return unprocessed

    def drained(self) -> bool:
        """True once a GOAWAY has arrived and every stream it let through has finished."""
        with self._lock:
            return self._goaway_last is not None and not self._streams
