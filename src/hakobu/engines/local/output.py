"""Container stdout/stderr, read from the engine's k8s-file log by offset.

Each record of a k8s-file log is ``TIMESTAMP STREAM TAG MESSAGE`` where TAG is ``F`` for a full
line and ``P`` for part of a longer one (conmon splits long lines); parts are joined before the
line is emitted. A record still without its newline is kept until the next read. Every line goes
out with the file offset just past it, so the log router can store both in one transaction and a
restarted reader resumes exactly there: nothing dropped, nothing twice.

The lines of one read (up to ``READ_BYTES``) go to the sink in one call, ``emit_lines``: a
Python call and a lock per read rather than per line. They go by columns (``LineBatch``): the log
router works on whole columns (all the times parsed at once, all the texts joined), which it
would otherwise take apart from one tuple per line.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Protocol

from hakobu.logs.lines import Line, LineBatch

# A backlog is read 4 MiB at a time, not all at once: each read costs the log router a batch
# (a transaction, its queries, a compression), so fewer, larger reads cost less a line.
READ_BYTES = 4 << 20
__all__ = ["READ_BYTES", "K8sFileTail", "Line", "LineBatch", "LineSink"]


class LineSink(Protocol):
    def emit_lines(self, container: str, lines: LineBatch) -> None:
        """The full lines of one read, in order: all taken, or an error raised before any is."""


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
                    while True:
                        # The last call, with nothing new, still emits what a sink that raised
                        # left in the buffer.
                        chunk = f.read(READ_BYTES)
                        self._records(chunk)
                        if not chunk:
                            break
            except FileNotFoundError:
                return
            if final:
                self._flush_partials()

    def _records(self, chunk: bytes) -> None:
        """Emit the complete records of the buffer plus ``chunk``; keep the incomplete tail.

        The buffer is split once per chunk: cutting each record off the front of it would copy
        the rest every time, which is quadratic in a backlog (a restart after a crash reads
        everything the container wrote meanwhile in one go).
        """
        data = self._buffer + chunk if self._buffer else chunk
        end = data.rfind(b"\n") + 1
        if not end:
            self._buffer = data
            return
        start = offset = self._offset
        partial = self._partial
        lines = LineBatch()
        # Appended column by column without a call per line: the usual case, a full line.
        streams, stamps, texts = lines.streams.append, lines.stamps.append, lines.texts.append
        offsets = lines.offsets.append
        try:
            for raw in data[: end - 1].split(b"\n"):
                offset += len(raw) + 1
                parts = raw.split(b" ", 3)
                if len(parts) < 3:
                    continue
                stream = parts[1].decode("utf-8", errors="replace")
                message = parts[3].decode("utf-8", errors="replace") if len(parts) > 3 else ""
                timestamp = parts[0].decode("utf-8", errors="replace")
                if not partial and parts[2][:1] != b"P":  # a full line: the usual case
                    streams(stream)
                    stamps(timestamp)
                    texts(message)
                    offsets(offset)
                    continue
                first, text = partial.pop(stream, (timestamp, ""))
                if parts[2][:1] == b"P":
                    partial[stream] = (first, text + message)
                else:
                    lines.add(stream, first, text + message, offset)
        finally:
            self._offset = offset
            self._buffer = data[offset - start :]
        if lines:
            self._emit(lines)

    def _emit(self, lines: LineBatch) -> None:
        """The lines to the sink. When it refuses them, they go again one by one: a line it
        refuses counts as read (it would refuse it again), every other line goes exactly once,
        and the first error is raised."""
        try:
            self.sink.emit_lines(self.container, lines)
        except Exception:
            if len(lines) == 1:
                raise
        else:
            return
        failure: Exception | None = None
        for line in lines:
            try:
                self.sink.emit_lines(self.container, LineBatch.of([line]))
            except Exception as e:
                failure = failure or e
        if failure is not None:
            raise failure

    def _flush_partials(self) -> None:
        """A container that died mid-line still said it: deliver the part it wrote."""
        lines = [
            (stream, first, text, self._offset) for stream, (first, text) in self._partial.items()
        ]
        self._partial.clear()
        if lines:
            self.sink.emit_lines(self.container, LineBatch.of(sorted(lines)))

    def follow(self, done: threading.Event, interval: float = 0.1) -> None:
        """Drain until ``done`` is set, then drain once more so the last lines are delivered."""
        while not done.is_set():
            self.drain()
            time.sleep(interval)
        self.drain(final=True)
