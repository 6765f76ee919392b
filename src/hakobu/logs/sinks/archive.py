"""The archive: log records as gzip JSON lines, in objects partitioned ``YYYY/MM/DD/HH/`` (UTC),
in a local folder or an S3 bucket; and the local buckets FireLens ``s3`` outputs write to.

Records are buffered and written as one object per partition when the buffer reaches a size or
an age bound, and on ``close()``. Each record comes with a sequence number (its row in the
store's outbox) and an object is named after the first record in it, so writing the same
records again after a crash replaces the object instead of adding a copy.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from hakobu.errors import UsageError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_SECONDS = 60.0


class ArchiveError(Exception):
    """An object could not be written; the records stay buffered and are tried again."""


class ArchiveTarget(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def describe(self) -> str: ...


class LocalFolderTarget:
    """Objects as files under ``root``; each appears whole (written aside, then renamed)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key.lstrip("/")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as e:
            raise ArchiveError(f"cannot write {path}: {e.strerror}") from e

    def describe(self) -> str:
        return str(self.root)


class S3Target:
    """Objects in ``bucket`` under ``prefix``, through botocore (the AWS SDK's core)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            # Imported here: only an S3 archive needs the SDK, and it honours AWS_ENDPOINT_URL
            # and the usual credential chain.
            import botocore.session

            self._client = botocore.session.get_session().create_client("s3")
        return self._client

    def put(self, key: str, data: bytes) -> None:
        name = self.prefix + key.lstrip("/")
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=name, Body=data, ContentType="application/x-ndjson"
            )
        except Exception as e:  # botocore raises many kinds; every one means "try again later"
            raise ArchiveError(f"cannot put s3://{self.bucket}/{name}: {e}") from e

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


class Layout(Protocol):
    """How records are grouped into objects and how those are named."""

    @property
    def compress(self) -> bool: ...

    def partition(self, timestamp_ms: int, body: str) -> str: ...

    def key(self, partition: str, first_ms: int, first_seq: int, origin: str) -> str: ...

    def line(self, body: str) -> str: ...


@dataclass(frozen=True)
class HourlyLayout:
    """``YYYY/MM/DD/HH/<name>-<origin>-<first seq>.jsonl.gz``, by each record's time (UTC).

    ``origin`` names the store the sequence numbers come from, so that two machines or apps
    archiving to one bucket never pick the same name.
    """

    name: str = "hakobu"
    compress: bool = True

    def partition(self, timestamp_ms: int, body: str) -> str:
        return _hour_folder(timestamp_ms // 3_600_000)

    def key(self, partition: str, first_ms: int, first_seq: int, origin: str) -> str:
        middle = f"-{origin}" if origin else ""
        return f"{partition}/{self.name}{middle}-{first_seq:012d}.jsonl.gz"

    def line(self, body: str) -> str:
        return body


@lru_cache(maxsize=64)
def _hour_folder(hours: int) -> str:
    return datetime.fromtimestamp(hours * 3600, UTC).strftime("%Y/%m/%d/%H")


@dataclass(frozen=True)
class FluentBitS3Layout:
    """Fluent Bit's ``s3`` output: one object per tag, named by ``s3_key_format``.

    Bodies are ``{"tag": ..., "line": ...}``. ``$UUID`` (and the suffix Fluent Bit appends when
    the format has none) comes from the object's first sequence number, so a rewrite after a
    crash lands on the same key; ``$INDEX`` is that number too.
    """

    key_format: str = "/fluent-bit-logs/$TAG/%Y/%m/%d/%H/%M/%S"
    tag_delimiters: str = "."
    compress: bool = False
    static: bool = False

    def partition(self, timestamp_ms: int, body: str) -> str:
        import json

        tag: str = json.loads(body)["tag"]
        return tag

    def key(self, partition: str, first_ms: int, first_seq: int, origin: str) -> str:
        moment = datetime.fromtimestamp(first_ms / 1000, UTC)
        unique = hashlib.sha1(f"{origin}:{partition}:{first_seq}".encode()).hexdigest()[:8]
        parts = re.split("[" + re.escape(self.tag_delimiters) + "]", partition)
        key = re.sub(
            r"\$TAG\[(\d+)\]",
            lambda m: parts[int(m[1])] if int(m[1]) < len(parts) else "",
            self.key_format,
        )
        key = key.replace("$TAG", partition).replace("$INDEX", str(first_seq))
        if "$UUID" in key:
            key = key.replace("$UUID", unique)
        elif not self.static:
            key += f"-object{unique}"
        return moment.strftime(key.replace("%%", "\0")).replace("\0", "%")

    def line(self, body: str) -> str:
        import json

        line: str = json.loads(body)["line"]
        return line


@dataclass
class _Partition:
    first_seq: int
    first_ms: int
    lines: list[str] = field(default_factory=list)


class ArchiveSink:
    """Buffers records and writes them through ``layout`` to ``target``."""

    def __init__(
        self,
        target: ArchiveTarget,
        layout: Layout | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.layout: Layout = layout or HourlyLayout()
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._parts: dict[str, _Partition] = {}
        self._bytes = 0
        self._oldest: float | None = None
        self._last_seq: int | None = None
        self.objects_written = 0
        self.origin = ""  # set by the router to the store's ID

    @property
    def pending_bytes(self) -> int:
        return self._bytes

    def add(self, seq: int, timestamp_ms: int, body: str) -> None:
        line = self.layout.line(body)
        with self._lock:
            name = self.layout.partition(timestamp_ms, body)
            part = self._parts.setdefault(name, _Partition(seq, timestamp_ms))
            part.lines.append(line)
            self._bytes += len(line) + 1
            self._last_seq = seq
            if self._oldest is None:
                self._oldest = self._clock()

    def due(self) -> bool:
        """The size or the age bound is reached."""
        with self._lock:
            if self._bytes >= self.max_bytes:
                return True
            return self._oldest is not None and self._clock() - self._oldest >= self.max_seconds

    def flush(self) -> int | None:
        """Write every buffered partition; returns the last sequence written (None: nothing).

        On ArchiveError the partitions not yet written stay buffered.
        """
        with self._lock:
            last = self._last_seq
            for name in list(self._parts):
                part = self._parts[name]
                data = "".join(line + "\n" for line in part.lines).encode()
                if self.layout.compress:
                    data = gzip.compress(data, compresslevel=6, mtime=0)
                key = self.layout.key(name, part.first_ms, part.first_seq, self.origin)
                self.target.put(key, data)
                self.objects_written += 1
                self._bytes -= sum(len(line) + 1 for line in part.lines)
                del self._parts[name]
            self._oldest = None
            self._last_seq = None
            return last

    def close(self) -> int | None:
        return self.flush()


def parse_size(text: str) -> int:
    """Fluent Bit sizes: ``100000000``, ``1M``, ``50M``, ``1G``, ``512K``."""
    match = re.fullmatch(r"(\d+)\s*([KMG]?)B?", text.strip(), re.IGNORECASE)
    if match is None:
        raise UsageError(f"not a size: {text!r} (e.g. 50M)")
    power: int = " KMG".index((match[2] or " ").upper())
    return int(match[1]) << (10 * power)


def parse_duration(text: str) -> float:
    """Fluent Bit durations: ``10m``, ``60m``, ``30s``, ``1h``, a bare number of seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text.strip(), re.IGNORECASE)
    if match is None:
        raise UsageError(f"not a duration: {text!r} (e.g. 10m)")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2].lower()]
    return float(match[1]) * scale


def open_archive(
    location: str,
    *,
    root: Path,
    name: str = "hakobu",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    s3_client: Any = None,
) -> ArchiveSink:
    """The archive ``[logs] archive`` names: ``s3://bucket/prefix``, or a folder (relative to
    the app's root)."""
    if location.startswith("s3://"):
        bucket, _, prefix = location[5:].partition("/")
        target: ArchiveTarget = S3Target(bucket, prefix, s3_client)
    else:
        target = LocalFolderTarget((root / location).resolve())
    return ArchiveSink(target, HourlyLayout(name), max_bytes=max_bytes, max_seconds=max_seconds)
