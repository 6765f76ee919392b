"""The local CloudWatch-Logs-like store: log groups, streams and events in SQLite (WAL).

One file per app, ``<app root>/.hakobu/logs.db``, shared by every task of the app (SQLite's
locking lets several supervisors write it). A write is one transaction that holds the events,
the outbox rows for the archive sinks and, per (task, container), the byte offset of the
engine's log file up to which lines are stored: a collector killed at any point resumes from
``resume_offset`` without duplicating or dropping a line.

Events are stored by runs: what one write puts into one stream is one row of ``chunks``
(hakobu.logs.chunks), indexed by (group, first event time). A store written by hakobu before
chunks (one ``events`` row per event) is converted when it is opened, in one transaction.

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
from itertools import accumulate
from pathlib import Path

from hakobu.errors import UsageError
from hakobu.logs import chunks
from hakobu.logs.chunks import CHUNK_COLUMNS, Chunk, EventRun, Row, runs_of
from hakobu.logs.events import LogEvent, Matcher, StoredEvent
from hakobu.logs.query import DAY_MS, EventQuery, as_matcher, scan, take, time_order
from hakobu.logs.store_schema import INSERT_CHUNK, SCHEMA, migrate

STORE_FILE = "logs.db"
# PutRetentionPolicy's retentionInDays (botocore's logs model lists exactly these).
RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545)
RETENTION_DAYS += (731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
# Written bytes after which the store's thread copies the WAL into the database. Below SQLite's
# own threshold (1,000 pages of 4 KiB): what is left at close is copied by the closing thread,
# with its fsyncs, and a task's stop waits for that (a 200,000-line backlog: 32 ms -> 13 ms).
CHECKPOINT_BYTES = 1 << 20
BACKSTOP_PAGES = 10_000  # a writer checkpoints itself past this many pages of WAL (40 MB)


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
    """What one transaction writes: events by runs of one (group, stream), outbox rows and
    offsets. ``events`` (group, stream, event) are written before ``runs``."""

    events: list[tuple[str, str, LogEvent]] = field(default_factory=list)
    outbox: list[tuple[str, int, str]] = field(default_factory=list)  # (sink, ts, body)
    offsets: dict[tuple[str, str], int] = field(default_factory=dict)  # (task, container)
    metrics: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)  # [sum, count]
    runs: list[EventRun] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events or self.runs or self.outbox or self.offsets or self.metrics)

    def all_runs(self) -> list[EventRun]:
        return [*runs_of(self.events), *self.runs] if self.events else self.runs

    def all_events(self) -> Iterator[tuple[str, str, LogEvent]]:
        """Every event as (group, stream, event), in order: for what needs them one by one."""
        for run in self.all_runs():
            for event in run.events():
                yield run.group, run.stream, event


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
        self._ids: dict[tuple[str, str], tuple[int, int]] = {}
        self._unchecked = 0  # bytes written since the checkpointer last ran
        self._checkpoint_due = threading.Event()
        self._closing = False
        self._checkpointer: threading.Thread | None = None
        self._db = self._connect()
        try:
            self.store_id = self._open()
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> str:
        """The schema, created or brought up to date; the store's ID."""
        with self._lock:
            self._db.executescript(SCHEMA)
            with self._transaction():
                self._db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (secrets.token_hex(4),)
                )
                (store_id,) = self._db.execute(
                    "SELECT value FROM meta WHERE key = 'store_id'"
                ).fetchone()
                migrate(self._db)
        return str(store_id)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; the caller holds the lock."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._ids.clear()  # ids created by the rolled-back transaction are gone
            raise

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

    def _checkpoint_soon(self, written: int) -> None:
        """Called with the lock held after a commit of about ``written`` bytes."""
        self._unchecked += written
        if self._unchecked < CHECKPOINT_BYTES or self._closing:
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
        ``select``, only those of their events whose message it picks (it gets a group, where
        each message of a run ends in their joined text and that text, and returns the
        positions it wants, in order).
        """
        now = self._now_ms()
        with self._lock:
            with self._transaction():
                result, written = self._write(batch, now, keep, select)
            self._checkpoint_soon(written)
        return result

    def _write(
        self,
        batch: WriteBatch,
        now: int,
        keep: Container[str] | None,
        select: Select | None,
    ) -> tuple[WriteResult, int]:
        # The hot path of every collector: one row per run of one stream, whatever its length,
        # built by columns in C (hakobu.logs.chunks). No Python code runs per event here, except
        # ``select`` and building the events returned.
        oldest = self._oldest_allowed(now)
        rows: list[Row] = []
        stored: list[StoredEvent] = []
        expired = 0
        seq = last = self._last_sequence()
        bounds: dict[int, list[int]] = {}  # stream id -> [first, last]
        spans: dict[int, int] = {}  # group id -> the widest chunk's span
        cache = self._ids
        for run in batch.all_runs():
            if not run.times:
                continue
            group_id, stream_id = cache.get((run.group, run.stream)) or self._stream_ids(
                run.group, run.stream, now
            )
            if group_id in oldest and min(run.times) < oldest[group_id]:
                before = len(run)
                run = run.kept(list(map(oldest[group_id].__le__, run.times)))
                expired += before - len(run)
                if not run.times:
                    continue
            rows.append(chunks.row(seq + 1, group_id, stream_id, now, run))
            if keep is None or run.group in keep:
                stored += _stored(seq + 1, run, now, select)
            seq += len(run)
            first, last_ms = rows[-1][3], rows[-1][4]
            span = bounds.setdefault(stream_id, [first, last_ms])
            span[0], span[1] = min(span[0], first), max(span[1], last_ms)
            spans[group_id] = max(spans.get(group_id, 0), last_ms - first)
        self._db.executemany(INSERT_CHUNK, rows)
        if seq != last:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('last_sequence', ?)", (seq,))
        self._update_streams(bounds, spans, now)
        # Numbered here rather than by SQLite, so the caller knows each row's number.
        outbox_first = 0
        if batch.outbox:
            (outbox_first,) = self._db.execute(
                "SELECT coalesce(max(id), 0) + 1 FROM outbox"
            ).fetchone()
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
        written = sum(len(r[-1]) for r in rows) + sum(len(body) for _, _, body in batch.outbox)
        return WriteResult(stored, expired, outbox_first), written

    def _last_sequence(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'last_sequence'").fetchone()
        return int(row[0]) if row else 0

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

    def _update_streams(
        self, bounds: Mapping[int, list[int]], spans: Mapping[int, int], now: int
    ) -> None:
        self._db.executemany(
            "UPDATE log_streams SET first_ms = min(coalesce(first_ms, ?), ?), "
            "last_ms = max(coalesce(last_ms, ?), ?), last_ingestion_ms = ? WHERE id = ?",
            [(lo, lo, hi, hi, now, stream_id) for stream_id, (lo, hi) in bounds.items()],
        )
        self._db.executemany(
            "UPDATE log_groups SET max_span_ms = ? WHERE id = ? AND max_span_ms < ?",
            [(span, group_id, span) for group_id, span in spans.items()],
        )

    def expire(self) -> int:
        """Delete events older than their group's retention; returns how many went. Chunks
        wholly older go; a chunk that straddles the bound is written again without them."""
        now = self._now_ms()
        deleted = 0
        with self._lock, self._transaction():
            for group_id, oldest in self._oldest_allowed(now).items():
                deleted += self._db.execute(
                    "SELECT coalesce(sum(count), 0) FROM chunks WHERE group_id = ? AND last_ms < ?",
                    (group_id, oldest),
                ).fetchone()[0]
                self._db.execute(
                    "DELETE FROM chunks WHERE group_id = ? AND last_ms < ?", (group_id, oldest)
                )
                deleted += self._cut_straddling(group_id, oldest)
        return deleted

    def _cut_straddling(self, group_id: int, oldest: int) -> int:
        straddling = [
            Chunk(*row)
            for row in self._db.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE group_id = ? AND first_ms < ?",
                (group_id, oldest),
            ).fetchall()
        ]
        deleted = 0
        for chunk in straddling:
            kept = chunks.kept_row(chunk, oldest)
            if kept is None:  # cannot be: its last event is not older
                continue
            deleted += chunk.count - kept[2]
            self._db.execute(
                "UPDATE chunks SET first_ms = ?, last_ms = ?, count = ?, seq_last = ?, "
                "ingestion_ms = ?, task_id = ?, container = ?, source = ?, varying = ?, "
                "seqs = ?, body = ? WHERE id = ?",
                (*kept, chunk.id),
            )
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
        return scan(self.path, group, query, self._now_ms())


# (group, where each message of one of its streams ends in their joined text, that text) -> the
# positions of those to return, in order
Select = Callable[[str, Sequence[int], str], Iterable[int]]


def _stored(seq_first: int, run: EventRun, now: int, select: Select | None) -> list[StoredEvent]:
    text, ends = run.text(), list(accumulate(run.lengths))
    wanted = range(len(run)) if select is None else list(select(run.group, ends, text))
    return [
        StoredEvent(
            seq_first + i,
            run.group,
            run.stream,
            run.times[i],
            now,
            message,
            run.value("task_id", i),
            run.value("container", i),
            run.value("source", i),
        )
        for i, message in zip(wanted, chunks.pieces(text, ends, wanted), strict=True)
    ]


def sequence_of(event_id_text: str) -> int:
    """The store's sequence number inside an event ID (for ``after_id``)."""
    return int(event_id_text[19:])
