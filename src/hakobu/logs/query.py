"""Queries on the store: the SQL that picks a group's chunks, what is applied to their events,
and the merge that returns them in time order."""

from __future__ import annotations

import heapq
import sqlite3
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hakobu.logs.chunks import CHUNK_COLUMNS, TIME, TIME_ORDER, Chunk
from hakobu.logs.events import Matcher, StoredEvent
from hakobu.logs.filter_pattern import compile_pattern

DAY_MS = 86_400_000
_COLUMNS = ", ".join(
    "s.name" if name == "stream_id" else "?" if name == "group_id" else f"c.{name}"
    for name in CHUNK_COLUMNS.split(", ")
)


@dataclass(frozen=True)
class EventQuery:
    """A FilterLogEvents-like query on one group."""

    stream_prefix: str | None
    start_ms: int | None
    end_ms: int | None
    task_id: str | None
    container: str | None
    after_id: int

    def low(self, retention_days: int | None, now: int) -> int | None:
        """The earliest time returned: the start, or the retention's bound when later."""
        oldest = None if retention_days is None else now - retention_days * DAY_MS
        if self.start_ms is None or oldest is None:
            return self.start_ms if oldest is None else oldest
        return max(self.start_ms, oldest)

    def sql(
        self, group: str, group_id: int, low: int | None, span: int
    ) -> tuple[str, list[object]]:
        """The group's chunks that may hold events of the query, by first time. A chunk spans at
        most ``span`` ms (its group's widest), so the (group, first time) index bounds the scan
        on both sides."""
        sql = (
            f"SELECT {_COLUMNS} FROM chunks c JOIN log_streams s ON s.id = c.stream_id "
            "WHERE c.group_id = ?"
        )
        params: list[object] = [group, group_id]
        clauses = [
            ("c.first_ms >= ?", None if low is None else low - span),
            ("c.last_ms >= ?", low),
            ("c.first_ms < ?", self.end_ms),
            ("(c.task_id = ? OR c.varying IS NOT NULL)", self.task_id),
            ("(c.container = ? OR c.varying IS NOT NULL)", self.container),
            ("c.seq_last > ?", self.after_id or None),
        ]
        for clause, value in clauses:
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        if self.stream_prefix:
            sql += " AND substr(s.name, 1, ?) = ?"
            params += [len(self.stream_prefix), self.stream_prefix]
        return sql + " ORDER BY c.first_ms, c.id", params

    def events_of(self, chunk: Chunk, low: int | None) -> list[StoredEvent]:
        """The chunk's events the query returns, in time order. The checks per event run only
        on chunks at the edges of the query (of the time range, of ``after_id``)."""
        events = chunk.events()
        if low is not None and chunk.first_ms < low:
            events = events[bisect_left(events, low, key=TIME) :]
        if self.end_ms is not None and chunk.last_ms >= self.end_ms:
            events = events[: bisect_left(events, self.end_ms, key=TIME)]
        if self.after_id and chunk.id <= self.after_id:
            events = [e for e in events if e.sequence > self.after_id]
        if chunk.varying is not None and self.task_id is not None:
            events = [e for e in events if e.task_id == self.task_id]
        if chunk.varying is not None and self.container is not None:
            events = [e for e in events if e.container == self.container]
        return events


def scan(path: Path, group: str, query: EventQuery, now: int) -> Iterator[StoredEvent]:
    """The events of ``group`` in the store at ``path`` that ``query`` returns, in time order."""
    # A connection of its own: the caller may consume slowly while collectors write, and WAL
    # gives this reader a consistent snapshot (one read transaction) without blocking them.
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        reader.execute("BEGIN")
        found = reader.execute(
            "SELECT id, retention_days, max_span_ms FROM log_groups WHERE name = ?", (group,)
        ).fetchone()
        if found is None:
            return
        group_id, retention_days, span = found
        low = query.low(retention_days, now)
        cursor = reader.execute(*query.sql(group, group_id, low, span))
        rows = (Chunk(*row) for batch in iter(lambda: cursor.fetchmany(64), []) for row in batch)
        yield from in_time_order((chunk.first_ms, query.events_of(chunk, low)) for chunk in rows)
    finally:
        reader.close()


def in_time_order(chunks: Iterable[tuple[int, list[StoredEvent]]]) -> Iterator[StoredEvent]:
    """The events of chunks given in order of their first time, each chunk's events sorted, in
    (time, sequence) order. Once a chunk starting at T is read, no later chunk holds an event
    before T: those are returned, merged only where chunks overlap."""
    active: list[_Pending] = []
    for first_ms, events in chunks:
        yield from _before(active, first_ms)
        if events:
            active.append(_Pending(events))
    yield from _before(active, None)


@dataclass
class _Pending:
    events: list[StoredEvent]
    position: int = 0  # of the first event not yet returned


def _before(active: list[_Pending], bound: int | None) -> Iterable[StoredEvent]:
    ready: list[list[StoredEvent]] = []
    for pending in active:
        events, start = pending.events, pending.position
        cut = len(events) if bound is None else bisect_left(events, bound, lo=start, key=TIME)
        if cut > start:
            ready.append(events[start:cut])
            pending.position = cut
    active[:] = [pending for pending in active if pending.position < len(pending.events)]
    if len(ready) <= 1:
        return ready[0] if ready else ()
    return heapq.merge(*ready, key=TIME_ORDER)


def time_order(event: StoredEvent) -> tuple[int, int]:
    return event.timestamp_ms, event.sequence


def take(
    events: Iterator[StoredEvent], pattern: Matcher | None, limit: int | None
) -> Iterator[StoredEvent]:
    returned = 0
    for event in events:
        if limit is not None and returned >= limit:
            return
        if pattern is None or pattern.matches(event.message):
            yield event
            returned += 1


def as_matcher(pattern: Matcher | str | None) -> Matcher | None:
    """A filter pattern given as text is compiled (FilterPatternError when invalid)."""
    return compile_pattern(pattern) if isinstance(pattern, str) else pattern
