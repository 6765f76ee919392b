"""Container stdout/stderr, read from the engine's k8s-file log by offset.

Each record of a k8s-file log is ``TIMESTAMP STREAM TAG MESSAGE`` where TAG is ``F`` for a full
line and ``P`` for part of a longer one (conmon splits long lines); parts are joined before the
line is emitted. A record still without its newline is kept until the next read. Every line goes
out with the file offset just past it, so the log router can store both in one transaction and a
restarted reader resumes exactly there: nothing dropped, nothing twice.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Protocol


class LineSink(Protocol):
    def emit(
        self, container: str, stream: str, timestamp: str, message: str, offset_after: int
    ) -> None: ...


class K8sFileTail:
    """Follows one container's k8s-file log; ``drain()`` reads everything written so far."""

    def __init__(self, path: Path, container: str, sink: LineSink, offset: int = 0) -> None:
        self.path = path
        self.container = container
        self.sink = sink
        self._offset = offset  # bytes of the file consumed into complete records
        self._buffer = b""
        self._partial: dict[str, tuple[str, str]] = {}  # stream -> (first timestamp, text)
        self._lock = threading.Lock()

    def drain(self, final: bool = False) -> None:
        with self._lock:
            try:
                with self.path.open("rb") as f:
                    f.seek(self._offset + len(self._buffer))
                    chunk = f.read()
            except FileNotFoundError:
                return
            self._buffer += chunk
            while (end := self._buffer.find(b"\n")) >= 0:
                record, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
                self._offset += end + 1
                self._record(record.decode("utf-8", errors="replace"))
            if final:
                self._flush_partials()

    def _record(self, record: str) -> None:
        parts = record.split(" ", 3)
        if len(parts) < 3:
            return
        timestamp, stream, tag = parts[0], parts[1], parts[2]
        message = parts[3] if len(parts) > 3 else ""
        first, text = self._partial.pop(stream, (timestamp, ""))
        if tag.startswith("P"):
            self._partial[stream] = (first, text + message)
            return
        self.sink.emit(self.container, stream, first, text + message, self._offset)

    def _flush_partials(self) -> None:
        """A container that died mid-line still said it: deliver the part it wrote."""
        for stream, (first, text) in sorted(self._partial.items()):
            self.sink.emit(self.container, stream, first, text, self._offset)
        self._partial.clear()

    def follow(self, done: threading.Event, interval: float = 0.1) -> None:
        """Drain until ``done`` is set, then drain once more so the last lines are delivered."""
        while not done.is_set():
            self.drain()
            time.sleep(interval)
        self.drain(final=True)
