"""The local CloudWatch-Logs-like store: log groups, streams and events in SQLite (WAL).

One file per app, ``<app root>/.hakobu/logs.db``, shared by every task of the app (SQLite's
locking lets several supervisors write it). A write is one transaction that holds the events,
the outbox rows for the archive sinks and, per (task, container), the byte offset of the
engine's log file up to which lines are stored: a collector killed at any point resumes from
``resume_offset`` without duplicating or dropping a line.

Retention follows CloudWatch: the values ``PutRetentionPolicy`` accepts, events older than the
retention are refused on write, never returned by queries and deleted by ``expire``.
"""

from __future__ import annotations

import contextlib
import heapq
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, groupby, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from hakobu.errors import UsageError
from hakobu.logs.events import LogEvent, Matcher, StoredEvent
from hakobu.logs.query import DAY_MS, EventQuery, as_matcher, take, time_order

STORE_FILE = "logs.db"
# PutRetentionPolicy's retentionInDays (botocore's logs model lists exactly these).
RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545)
RETENTION_DAYS += (731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
CHECKPOINT_ROWS = 10_000  # about SQLite's own threshold (1,000 pages) at a few hundred bytes a row
BACKSTOP_PAGES = 10_000  # a writer checkpoints itself past this many pages of WAL (40 MB)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log_groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL, retention_days INTEGER);
CREATE TABLE IF NOT EXISTS log_streams (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, name TEXT NOT NULL,
    created_ms INTEGER NOT NULL, first_ms INTEGER, last_ms INTEGER, last_ingestion_ms INTEGER,
    UNIQUE (group_id, name));
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,
    ts INTEGER NOT NULL, ingestion_ms INTEGER NOT NULL, message TEXT NOT NULL,
    task_id TEXT NOT NULL, container TEXT NOT NULL, source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_group_time ON events (group_id, ts);
CREATE TABLE IF NOT EXISTS offsets (
    task_id TEXT NOT NULL, container TEXT NOT NULL, offset INTEGER NOT NULL,
    PRIMARY KEY (task_id, container));
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, sink TEXT NOT NULL, ts INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_sink ON outbox (sink, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metrics (
    namespace TEXT NOT NULL, name TEXT NOT NULL, minute_ms INTEGER NOT NULL,
    sum REAL NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (namespace, name, minute_ms));
"""


@dataclass(frozen=True)
class LogGroupInfo:
    name: str
    creation_time_ms: int
    retention_days: int | None


@dataclass(frozen=True)
class LogStreamInfo:
    log_group: str
    name: str
    creation_time_ms: int
    first_event_ms: int | None
    last_event_ms: int | None
    last_ingestion_ms: int | None


@dataclass(frozen=True)
class MetricDatapoint:
    minute_ms: int
    sum: float
    count: int


@dataclass(frozen=True)
class OutboxRecord:
    seq: int
    timestamp_ms: int
    body: str


@dataclass
class WriteBatch:
    """What one transaction writes: events per (group, stream), outbox rows and offsets."""

    events: list[tuple[str, str, LogEvent]] = field(default_factory=list)
    outbox: list[tuple[str, int, str]] = field(default_factory=list)  # (sink, ts, body)
    offsets: dict[tuple[str, str], int] = field(default_factory=dict)  # (task, container)
    metrics: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)  # [sum, count]

    def __bool__(self) -> bool:
        return bool(self.events or self.outbox or self.offsets or self.metrics)


@dataclass(frozen=True)
class WriteResult:
    stored: list[StoredEvent]
    expired: int  # refused: older than the group's retention
    outbox_first: int = 0  # the sequence number of the batch's first outbox row; others follow


def check_retention(days: int) -> int:
    if days not in RETENTION_DAYS:
        allowed = ", ".join(map(str, RETENTION_DAYS))
        raise UsageError(f"retention of {days} days is not one CloudWatch allows: {allowed}")
    return days


class LocalLogStore:
    """The store at ``path``; safe to share between threads, and between processes."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = self._connect()
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (secrets.token_hex(4),)
            )
            (self.store_id,) = self._db.execute(
                "SELECT value FROM meta WHERE key = 'store_id'"
            ).fetchone()
        self._ids: dict[tuple[str, str], tuple[int, int]] = {}
        self._unchecked = 0  # rows written since the checkpointer last ran
        self._checkpoint_due = threading.Event()
        self._closing = False
        self._checkpointer: threading.Thread | None = None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a power cut may lose the last commits but never corrupts, and a
        # killed process loses nothing; FULL would fsync every batch for no gain here.
        db.execute("PRAGMA synchronous=NORMAL")
        # Copying the WAL into the database (and its fsyncs) is about half of what writing
        # costs: a thread of the store does it (_checkpoints), and the commit that crosses
        # SQLite's threshold does it only when that thread falls far behind.
        db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        return db

    def close(self) -> None:
        with self._lock:
            self._closing = True
        self._checkpoint_due.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        with self._lock:
            self._db.close()  # the last connection to close checkpoints what is left

    def _checkpoint_soon(self, rows: int) -> None:
        """Called with the lock held after a commit of ``rows`` rows."""
        self._unchecked += rows
        if self._unchecked < CHECKPOINT_ROWS or self._closing:
            return
        self._unchecked = 0
        if self._checkpointer is None:
            self._checkpointer = threading.Thread(
                target=self._checkpoints, name="log-store-checkpoint", daemon=True
            )
            self._checkpointer.start()
        self._checkpoint_due.set()

    def _checkpoints(self) -> None:
        # A connection of its own, so that writers go on while it copies: a PASSIVE checkpoint
        # never waits for them, and SQLite releases the GIL while it works.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._checkpoint_due.wait()
                self._checkpoint_due.clear()
                if self._closing:
                    return
                # Nothing is lost when one fails (another process checkpointing, say): the
                # frames stay in the WAL for the next one, or the backstop.
                with contextlib.suppress(sqlite3.Error):
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            db.close()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # -- groups and streams ----------------------------------------------------------------------

    def create_group(self, name: str, *, retention_days: int | None = None) -> bool:
        """Create ``name`` unless it exists; True when it was created."""
        if retention_days is not None:
            check_retention(retention_days)
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO log_groups (name, created_ms, retention_days) "
                "VALUES (?, ?, ?)",
                (name, self._now_ms(), retention_days),
            )
            return cursor.rowcount == 1

    def group_exists(self, name: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM log_groups WHERE name = ?", (name,)).fetchone()
        return row is not None

    def put_retention(self, group: str, days: int | None) -> None:
        """Set (or with None, remove) the retention of ``group``, then delete what expired."""
        if days is not None:
            check_retention(days)
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE log_groups SET retention_days = ? WHERE name = ?", (days, group)
            )
            if cursor.rowcount == 0:
                raise UsageError(f"log group {group} does not exist")
        self.expire()

    def describe_groups(self, prefix: str = "") -> list[LogGroupInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name, created_ms, retention_days FROM log_groups "
                "WHERE substr(name, 1, ?) = ? ORDER BY name",
                (len(prefix), prefix),
            ).fetchall()
        return [LogGroupInfo(*row) for row in rows]

    def describe_streams(self, group: str, prefix: str = "") -> list[LogStreamInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT g.name, s.name, s.created_ms, s.first_ms, s.last_ms, s.last_ingestion_ms "
                "FROM log_streams s JOIN log_groups g ON g.id = s.group_id "
                "WHERE g.name = ? AND substr(s.name, 1, ?) = ? ORDER BY s.name",
                (group, len(prefix), prefix),
            ).fetchall()
        return [LogStreamInfo(*row) for row in rows]

    # -- writing ---------------------------------------------------------------------------------

    def put_events(self, group: str, stream: str, events: Sequence[LogEvent]) -> WriteResult:
        """PutLogEvents: ``events`` into ``stream`` of ``group``, both created if missing."""
        return self.write(WriteBatch(events=[(group, stream, e) for e in events]))

    def write(
        self,
        batch: WriteBatch,
        *,
        keep: Container[str] | None = None,
        select: Select | None = None,
    ) -> WriteResult:
        """Everything in ``batch`` in one transaction: all of it is stored, or none.

        The result lists the stored events of the groups in ``keep`` (None: of every group), as
        the subscription filters need them; building the others would only cost time. With
        ``select``, only those of their events whose message it picks (it gets a group and a run
        of messages, and returns the positions it wants, in order).
        """
        now = self._now_ms()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = self._write(batch, now, keep, select)
                self._db.execute("COMMIT")
                self._checkpoint_soon(len(batch.events) + len(batch.outbox))
            except BaseException:
                self._db.execute("ROLLBACK")
                self._ids.clear()  # ids created by the rolled-back transaction are gone
                raise
        return result

    def _write(
        self,
        batch: WriteBatch,
        now: int,
        keep: Container[str] | None,
        select: Select | None,
    ) -> WriteResult:
        # The hot path of every collector. Events come in runs of one stream (a collector emits
        # a container's lines in order), and each run is handled by columns in C (zip, min,
        # max): no Python code runs per event here, except ``select`` and building the events
        # returned, and what is left is SQLite's own cost per row.
        oldest = self._oldest_allowed(now)
        rows: list[Iterable[_Row]] = []
        stored: list[StoredEvent] = []
        expired = 0
        seq = self._db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        bounds: dict[int, list[int]] = {}  # stream id -> [first, last]
        cache = self._ids
        for (group, stream), run in groupby(batch.events, _group_stream):
            group_id, stream_id = cache.get((group, stream)) or self._stream_ids(group, stream, now)
            columns: list[tuple[Any, ...]] = list(zip(*map(_event, run), strict=True))
            if group_id in oldest and min(columns[0]) < oldest[group_id]:
                columns, refused = _expire(columns, oldest[group_id])
                expired += refused
                if not columns:
                    continue
            times, messages, containers, task_ids, sources = columns
            count = len(times)
            rows.append(
                zip(
                    range(seq + 1, seq + count + 1),
                    repeat(group_id, count),
                    repeat(stream_id, count),
                    times,
                    repeat(now, count),
                    messages,
                    task_ids,
                    containers,
                    sources,
                    strict=True,
                )
            )
            if keep is None or group in keep:
                wanted = range(count) if select is None else select(group, messages)
                stored += [
                    StoredEvent(
                        seq + 1 + i,
                        group,
                        stream,
                        times[i],
                        now,
                        messages[i],
                        task_ids[i],
                        containers[i],
                        sources[i],
                    )
                    for i in wanted
                ]
            seq += count
            first, last = min(times), max(times)
            span = bounds.setdefault(stream_id, [first, last])
            span[0], span[1] = min(span[0], first), max(span[1], last)
        self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", chain(*rows))
        self._update_streams(bounds, now)
        # Numbered here rather than by SQLite, so the caller knows each row's number.
        (outbox_first,) = self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM outbox").fetchone()
        if batch.outbox:
            self._db.executemany(
                "INSERT INTO outbox VALUES (?, ?, ?, ?)",
                [(outbox_first + i, *row) for i, row in enumerate(batch.outbox)],
            )
        if batch.offsets:
            self._db.executemany(
                "INSERT INTO offsets VALUES (?, ?, ?) ON CONFLICT (task_id, container) "
                "DO UPDATE SET offset = excluded.offset",
                [(task, container, offset) for (task, container), offset in batch.offsets.items()],
            )
        if batch.metrics:
            self._db.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace, name, "
                "minute_ms) DO UPDATE SET sum = sum + excluded.sum, count = count + excluded.count",
                [(*key, total, int(count)) for key, (total, count) in batch.metrics.items()],
            )
        return WriteResult(stored, expired, outbox_first)

    def _oldest_allowed(self, now: int) -> dict[int, int]:
        rows = self._db.execute(
            "SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL"
        ).fetchall()
        return {group_id: now - days * DAY_MS for group_id, days in rows}

    def _stream_ids(self, group: str, stream: str, now: int) -> tuple[int, int]:
        ids = self._ids.get((group, stream))
        if ids is not None:
            return ids
        self._db.execute(
            "INSERT OR IGNORE INTO log_groups (name, created_ms) VALUES (?, ?)", (group, now)
        )
        (group_id,) = self._db.execute(
            "SELECT id FROM log_groups WHERE name = ?", (group,)
        ).fetchone()
        self._db.execute(
            "INSERT OR IGNORE INTO log_streams (group_id, name, created_ms) VALUES (?, ?, ?)",
            (group_id, stream, now),
        )
        (stream_id,) = self._db.execute(
            "SELECT id FROM log_streams WHERE group_id = ? AND name = ?", (group_id, stream)
        ).fetchone()
        self._ids[(group, stream)] = (group_id, stream_id)
        return group_id, stream_id

    def _update_streams(self, bounds: Mapping[int, list[int]], now: int) -> None:
        self._db.executemany(
            "UPDATE log_streams SET first_ms = min(coalesce(first_ms, ?), ?), "
            "last_ms = max(coalesce(last_ms, ?), ?), last_ingestion_ms = ? WHERE id = ?",
            [(lo, lo, hi, hi, now, stream_id) for stream_id, (lo, hi) in bounds.items()],
        )

    def expire(self) -> int:
        """Delete events older than their group's retention; returns how many went."""
        now = self._now_ms()
        with self._lock, self._db:
            deleted = 0
            for group_id, oldest in self._oldest_allowed(now).items():
                cursor = self._db.execute(
                    "DELETE FROM events WHERE group_id = ? AND ts < ?", (group_id, oldest)
                )
                deleted += cursor.rowcount
        return deleted

    # -- offsets and the outbox ------------------------------------------------------------------

    def resume_offset(self, task_id: str, container: str) -> int:
        """The byte offset of the container's engine log up to which every line is stored."""
        with self._lock:
            row = self._db.execute(
                "SELECT offset FROM offsets WHERE task_id = ? AND container = ?",
                (task_id, container),
            ).fetchone()
        return int(row[0]) if row else 0

    def read_outbox(self, sink: str, after: int = 0, limit: int = 10_000) -> list[OutboxRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, ts, body FROM outbox WHERE sink = ? AND id > ? ORDER BY id LIMIT ?",
                (sink, after, limit),
            ).fetchall()
        return [OutboxRecord(*row) for row in rows]

    def ack_outbox(self, sink: str, upto: int) -> None:
        """The sink has durably written every row up to ``upto``: forget them."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM outbox WHERE sink = ? AND id <= ?", (sink, upto))

    def metric_data(
        self, namespace: str, name: str, *, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[MetricDatapoint]:
        """A metric filter's values per minute: (minute start, sum, count), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT minute_ms, sum, count FROM metrics WHERE namespace = ? AND name = ? "
                "AND minute_ms >= coalesce(?, minute_ms) "
                "AND minute_ms < coalesce(?, minute_ms + 1) ORDER BY minute_ms",
                (namespace, name, start_ms, end_ms),
            ).fetchall()
        return [MetricDatapoint(*row) for row in rows]

    # -- queries ---------------------------------------------------------------------------------

    def filter_events(
        self,
        group: str | None,
        *,
        stream_prefix: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        pattern: Matcher | str | None = None,
        limit: int | None = None,
        task_id: str | None = None,
        container: str | None = None,
        after_id: int = 0,
    ) -> Iterator[StoredEvent]:
        """FilterLogEvents: events of ``group`` (None: every group) in time order, streamed.

        ``start_ms`` is inclusive and ``end_ms`` exclusive, as CloudWatch takes them;
        ``after_id`` returns only events stored after the one with that sequence number, for
        following a stream. ``pattern`` is a filter pattern, compiled or not. Every group is
        read along its (group, time) index and the groups are merged, so the first events come
        at once even from a million.
        """
        query = EventQuery(stream_prefix, start_ms, end_ms, task_id, container, after_id)
        names = [group] if group is not None else [g.name for g in self.describe_groups()]
        scans = [self._scan(name, query) for name in names]
        events = scans[0] if len(scans) == 1 else heapq.merge(*scans, key=time_order)
        return take(events, as_matcher(pattern), limit)

    def _scan(self, group: str, query: EventQuery) -> Iterator[StoredEvent]:
        sql, params = query.sql(group, self._now_ms())
        # A connection of its own: the caller may consume slowly while collectors write, and
        # WAL gives this reader a consistent snapshot without blocking them.
        reader = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            cursor = reader.execute(sql, params)
            while rows := cursor.fetchmany(1000):
                for row in rows:
                    yield StoredEvent(*row)
        finally:
            reader.close()


_Row = tuple[int, int, int, int, int, str, str, str, str]
# (group, messages of one of its streams, in order) -> the positions of those to return
Select = Callable[[str, Sequence[str]], Iterable[int]]
_group_stream = itemgetter(0, 1)
_event = itemgetter(2)


def _expire(columns: list[tuple[Any, ...]], oldest: int) -> tuple[list[tuple[Any, ...]], int]:
    """The columns without the events older than ``oldest``, and how many those were."""
    kept = [event for event in zip(*columns, strict=True) if event[0] >= oldest]
    return list(zip(*kept, strict=True)), len(columns[0]) - len(kept)


def sequence_of(event_id_text: str) -> int:
    """The store's sequence number inside an event ID (for ``after_id``)."""
    return int(event_id_text[19:])
