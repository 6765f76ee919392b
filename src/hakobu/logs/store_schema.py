"""The store's tables, and bringing a store written by an earlier hakobu up to date.

Before chunks (hakobu.logs.chunks) the store kept one ``events`` row per event. Opening such a
store converts it, inside the transaction that opens it: every event goes into chunks with its
sequence number (so its event ID), times, origin and stream, the old table is dropped, and the
next event is numbered after the last old one. A failure leaves the old table as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from hakobu.logs import chunks
from hakobu.logs.chunks import CHUNK_COLUMNS, EventRun, Row
from hakobu.logs.events import LogEvent

MIGRATE_EVENTS = 10_000  # events of the old one-row-per-event table read at a time

SCHEMA = """
CREATE TABLE IF NOT EXISTS log_groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL, retention_days INTEGER,
    max_span_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS log_streams (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, name TEXT NOT NULL,
    created_ms INTEGER NOT NULL, first_ms INTEGER, last_ms INTEGER, last_ingestion_ms INTEGER,
    UNIQUE (group_id, name));
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,
    first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, count INTEGER NOT NULL,
    seq_last INTEGER NOT NULL, ingestion_ms INTEGER NOT NULL,
    task_id TEXT, container TEXT, source TEXT, varying TEXT, seqs BLOB, body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_group_time ON chunks (group_id, first_ms);
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

_MARKS = ", ".join("?" * len(CHUNK_COLUMNS.split(", ")))
INSERT_CHUNK = f"INSERT INTO chunks ({CHUNK_COLUMNS}) VALUES ({_MARKS})"


def migrate(db: sqlite3.Connection) -> None:
    """Bring a store written before chunks to this schema, inside the caller's transaction:
    every event of the old ``events`` table into chunks, keeping its sequence number."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(log_groups)")}
    if "max_span_ms" not in columns:
        db.execute("ALTER TABLE log_groups ADD COLUMN max_span_ms INTEGER NOT NULL DEFAULT 0")
    old = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    if old.fetchone() is None:
        return
    # Events an earlier hakobu wrote into a store already converted (both versions in use) are
    # numbered after the chunks', in their order: their own numbers started again from 1.
    found = db.execute("SELECT value FROM meta WHERE key = 'last_sequence'").fetchone()
    shift = int(found[0]) if found else 0
    reader = db.execute(
        "SELECT id + ?, group_id, stream_id, ts, ingestion_ms, message, task_id, container, "
        "source FROM events ORDER BY id",
        (shift,),
    )
    last = shift
    spans: dict[int, int] = {}
    while batch := reader.fetchmany(MIGRATE_EVENTS):
        rows = [_old_row(run) for run in _old_runs(batch)]
        db.executemany(INSERT_CHUNK, rows)
        for r in rows:
            spans[r[1]] = max(spans.get(r[1], 0), r[4] - r[3])
        last = batch[-1][0]
    db.executemany(
        "UPDATE log_groups SET max_span_ms = max(max_span_ms, ?) WHERE id = ?",
        [(span, group_id) for group_id, span in spans.items()],
    )
    db.execute("INSERT OR REPLACE INTO meta VALUES ('last_sequence', ?)", (last,))
    db.execute("DROP TABLE events")
    db.execute("DROP INDEX IF EXISTS events_group_time")


_OldRow = tuple[int, int, int, int, int, str, str, str, str]


def _old_runs(rows: list[_OldRow]) -> Iterator[list[_OldRow]]:
    """Old rows cut into runs a chunk can hold: one stream and write, consecutive numbers."""
    run: list[_OldRow] = []
    for r in rows:
        if run and (r[1:3] != run[-1][1:3] or r[4] != run[-1][4] or r[0] != run[-1][0] + 1):
            yield run
            run = []
        run.append(r)
    if run:
        yield run


def _old_row(rows: list[_OldRow]) -> Row:
    first = rows[0]
    run = EventRun("", "")
    for r in rows:
        run.append(LogEvent(r[3], r[5], r[7], r[6], r[8]))
    return chunks.row(first[0], first[1], first[2], first[4], run)
