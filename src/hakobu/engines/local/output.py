"""Container stdout/stderr, read from the engine's k8s-file log by offset.

Each record of a k8s-file log is ``TIMESTAMP STREAM TAG MESSAGE`` where TAG is ``F`` for a full
line and ``P`` for part of a longer one (conmon splits long lines); parts are joined before the
line is emitted. A line still without its newline is kept until the next read.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class OutputLine:
    timestamp: str
    container: str
    stream: str  # stdout or stderr
    message: str


Sink = Callable[[OutputLine], None]


class K8sFileTail:
    """Follows one container's k8s-file log; ``drain()`` reads everything written so far."""

    def __init__(self, path: Path, container: str, sink: Sink) -> None:
        self.path = path
        self.container = container
        self.sink = sink
        self._offset = 0
        self._buffer = b""
        self._partial: dict[str, str] = {}
        self._lock = threading.Lock()

    def drain(self) -> None:
        with self._lock:
            try:
                with self.path.open("rb") as f:
                    f.seek(self._offset)
                    chunk = f.read()
            except FileNotFoundError:
                return
            self._offset += len(chunk)
            self._buffer += chunk
            *records, self._buffer = self._buffer.split(b"\n")
            for record in records:
                self._record(record.decode("utf-8", errors="replace"))

    def _record(self, record: str) -> None:
        parts = record.split(" ", 3)
        if len(parts) < 3:
            return
        timestamp, stream, tag = parts[0], parts[1], parts[2]
        message = parts[3] if len(parts) > 3 else ""
        if tag.startswith("P"):
            self._partial[stream] = self._partial.get(stream, "") + message
            return
        message = self._partial.pop(stream, "") + message
        self.sink(OutputLine(timestamp, self.container, stream, message))

    def follow(self, done: threading.Event, interval: float = 0.1) -> None:
        """Drain until ``done`` is set, then drain once more so the last lines are delivered."""
        while not done.is_set():
            self.drain()
            time.sleep(interval)
        self.drain()


class OutputWriter:
    """Appends each line to ``output.jsonl``; when attached, prints it prefixed by container."""

    def __init__(self, path: Path, console: IO[str] | None, width: int = 8) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._console = console
        self._width = width
        self._lock = threading.Lock()

    def __call__(self, line: OutputLine) -> None:
        record = {
            "timestamp": line.timestamp,
            "container": line.container,
            "stream": line.stream,
            "message": line.message,
        }
        with self._lock:
            self._file.write(json.dumps(record) + "\n")
            self._file.flush()
            if self._console is not None:
                self._console.write(f"{line.container:<{self._width}} | {line.message}\n")
                self._console.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_output(path: Path) -> list[OutputLine]:
    lines = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    for raw in text.splitlines():
        try:
            data = json.loads(raw)
        except ValueError:
            continue  # a line cut short by a crash
        lines.append(
            OutputLine(data["timestamp"], data["container"], data["stream"], data["message"])
        )
    return lines
