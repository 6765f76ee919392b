"""Queries on the store: the SQL for one group, and what is applied to the rows it yields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hakobu.logs.events import Matcher, StoredEvent
from hakobu.logs.filter_pattern import compile_pattern

DAY_MS = 86_400_000
_EVENT_COLUMNS = (
    "e.id, g.name, s.name, e.ts, e.ingestion_ms, e.message, e.task_id, e.container, e.source"
)


@dataclass(frozen=True)
class EventQuery:
    """The SQL of a FilterLogEvents-like query on one group."""

    stream_prefix: str | None
    start_ms: int | None
    end_ms: int | None
    task_id: str | None
    container: str | None
    after_id: int

    def sql(self, group: str, now: int) -> tuple[str, list[object]]:
        # The retention bound is part of the time range, so the index serves it too.
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM log_groups g JOIN events e ON e.group_id = g.id "
            "JOIN log_streams s ON s.id = e.stream_id WHERE g.name = ? "
            "AND e.ts >= max(coalesce(?, -9223372036854775807), "
            "coalesce(? - g.retention_days * ?, -9223372036854775807))"
        )
        params: list[object] = [group, self.start_ms, now, DAY_MS]
        for clause, value in (
            ("e.ts < ?", self.end_ms),
            ("e.task_id = ?", self.task_id),
            ("e.container = ?", self.container),
            ("e.id > ?", self.after_id or None),
        ):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        if self.stream_prefix:
            sql += " AND substr(s.name, 1, ?) = ?"
            params += [len(self.stream_prefix), self.stream_prefix]
        return sql + " ORDER BY e.ts, e.id", params


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
