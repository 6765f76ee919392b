"""The local CloudWatch-Logs-like store, on real SQLite files."""

from __future__ import annotations

import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from hakobu.errors import UsageError
from hakobu.logs import chunks
from hakobu.logs.events import LogEvent
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.store import (
    CHECKPOINT_BYTES,
    DAY_MS,
    RETENTION_DAYS,
    LocalLogStore,
    WriteBatch,
    sequence_of,
)

NOW = 1_714_557_600.0  # 2024-05-01T10:00:00Z
NOW_MS = int(NOW * 1000)


def event(ms: int, message: str, container: str = "app", task: str = "t1") -> LogEvent:
    return LogEvent(ms, message, container, task, "stdout")


@pytest.fixture
def store(tmp_path: Path) -> LocalLogStore:
    return LocalLogStore(tmp_path / "logs.db", clock=lambda: NOW)


def messages(events: object) -> list[str]:
    return [e.message for e in events]  # type: ignore[attr-defined]


def test_events_come_back_in_time_order_across_streams(store: LocalLogStore) -> None:
    store.put_events("/ecs/app", "web/app/t1", [event(NOW_MS + 3, "c"), event(NOW_MS + 1, "a")])
    store.put_events("/ecs/app", "web/app/t2", [event(NOW_MS + 2, "b")])
    store.put_events("/ecs/other", "x", [event(NOW_MS, "elsewhere")])
    assert messages(store.filter_events("/ecs/app")) == ["a", "b", "c"]
    got = list(store.filter_events("/ecs/app"))
    assert got[0].log_stream == "web/app/t1" and got[1].log_stream == "web/app/t2"
    assert got[0].ingestion_time_ms == NOW_MS
    assert messages(store.filter_events(None)) == ["elsewhere", "a", "b", "c"]


def test_queries_by_stream_prefix_time_range_pattern_and_limit(store: LocalLogStore) -> None:
    lines = [
        '{"logType": "AccessLog", "n": 1}',
        '{"logType": "ErrorLog", "n": 2}',
        "plain ERROR text",
        '{"logType": "ErrorLog", "n": 4}',
    ]
    store.put_events("/ecs/app", "web/app/t1", [event(NOW_MS + i, m) for i, m in enumerate(lines)])
    store.put_events("/ecs/app", "worker/app/t1", [event(NOW_MS + 10, "worker line")])
    assert messages(store.filter_events("/ecs/app", stream_prefix="worker/")) == ["worker line"]
    assert len(list(store.filter_events("/ecs/app", start_ms=NOW_MS + 1, end_ms=NOW_MS + 3))) == 2
    errors = compile_pattern('{ $.logType = "ErrorLog" }')
    assert messages(store.filter_events("/ecs/app", pattern=errors)) == [lines[1], lines[3]]
    assert messages(store.filter_events("/ecs/app", pattern=errors, limit=1)) == [lines[1]]
    assert messages(store.filter_events("/ecs/app", pattern=compile_pattern("ERROR"))) == [
        "plain ERROR text"
    ]


def test_filter_by_task_container_and_follow_after_an_id(store: LocalLogStore) -> None:
    store.put_events("g", "s", [event(NOW_MS, "1", "app", "t1"), event(NOW_MS, "2", "db", "t1")])
    store.put_events("g", "s", [event(NOW_MS, "3", "app", "t2")])
    assert messages(store.filter_events("g", task_id="t1", container="app")) == ["1"]
    first = next(store.filter_events("g"))
    assert messages(store.filter_events("g", after_id=sequence_of(first.event_id))) == ["2", "3"]


def test_iteration_streams_while_writers_write(store: LocalLogStore) -> None:
    store.put_events("g", "s", [event(NOW_MS + i, str(i)) for i in range(5000)])
    iterator = store.filter_events("g")
    seen = [next(iterator).message for _ in range(10)]
    store.put_events("g", "s", [event(NOW_MS + 10_000, "later")])  # the reader holds a snapshot
    seen += [e.message for e in iterator]
    assert seen == [str(i) for i in range(5000)]


def test_groups_and_streams_are_described(store: LocalLogStore) -> None:
    assert store.create_group("/ecs/app", retention_days=7)
    assert not store.create_group("/ecs/app")  # exists: left as it is
    store.put_events("/ecs/app", "p/app/t1", [event(NOW_MS + 5, "x"), event(NOW_MS + 9, "y")])
    [group] = store.describe_groups("/ecs/")
    assert (group.name, group.retention_days, group.creation_time_ms) == ("/ecs/app", 7, NOW_MS)
    [stream] = store.describe_streams("/ecs/app", "p/")
    assert (stream.first_event_ms, stream.last_event_ms) == (NOW_MS + 5, NOW_MS + 9)
    assert store.describe_streams("/ecs/app", "q/") == []


def test_only_cloudwatch_retention_values_are_accepted(store: LocalLogStore) -> None:
    assert RETENTION_DAYS[:6] == (1, 3, 5, 7, 14, 30) and RETENTION_DAYS[-1] == 3653
    store.create_group("g")
    for days in (0, 2, 4000):
        with pytest.raises(UsageError, match="1, 3, 5, 7"):
            store.put_retention("g", days)
    with pytest.raises(UsageError, match="does not exist"):
        store.put_retention("missing", 1)


def test_retention_applies_on_write_query_and_expiry(tmp_path: Path) -> None:
    clock = [NOW]
    store = LocalLogStore(tmp_path / "logs.db", clock=lambda: clock[0])
    store.create_group("g", retention_days=1)
    result = store.put_events(
        "g", "s", [event(NOW_MS - 2 * DAY_MS, "too old"), event(NOW_MS, "ok")]
    )
    assert result.expired == 1 and messages(result.stored) == ["ok"]
    clock[0] = NOW + 2 * 86_400  # two days later "ok" is past the retention
    assert list(store.filter_events("g")) == []
    store.put_retention("g", None)  # no retention: what was not deleted is back
    assert messages(store.filter_events("g")) == ["ok"]
    store.put_retention("g", 1)  # deletes what expired
    store.put_retention("g", None)
    assert list(store.filter_events("g")) == []


def test_a_batch_of_interleaved_streams_keeps_its_order_and_bounds(store: LocalLogStore) -> None:
    events = [
        ("/ecs/app", "a", event(NOW_MS + 5, "a1")),
        ("/ecs/app", "a", event(NOW_MS + 1, "a2")),
        ("/ecs/app", "b", event(NOW_MS + 3, "b1", container="side")),
        ("/ecs/other", "a", event(NOW_MS + 2, "x1")),
        ("/ecs/app", "a", event(NOW_MS + 9, "a3")),
    ]
    result = store.write(WriteBatch(events=events))
    # Numbered in the order they came, whatever their stream: the subscriptions get them so.
    assert [(e.sequence, e.log_group, e.log_stream, e.message) for e in result.stored] == [
        (1, "/ecs/app", "a", "a1"),
        (2, "/ecs/app", "a", "a2"),
        (3, "/ecs/app", "b", "b1"),
        (4, "/ecs/other", "a", "x1"),
        (5, "/ecs/app", "a", "a3"),
    ]
    assert result.stored[2].container == "side"
    assert messages(store.filter_events("/ecs/app")) == ["a2", "b1", "a1", "a3"]
    bounds = {
        s.name: (s.first_event_ms, s.last_event_ms) for s in store.describe_streams("/ecs/app")
    }
    assert bounds == {"a": (NOW_MS + 1, NOW_MS + 9), "b": (NOW_MS + 3, NOW_MS + 3)}


def test_only_selected_events_of_kept_groups_are_returned(store: LocalLogStore) -> None:
    events = [("g", "s", event(NOW_MS + i, f"m{i}")) for i in range(6)]
    events.insert(3, ("h", "s", event(NOW_MS, "elsewhere")))

    def every_other(group: str, ends: Sequence[int], text: str) -> list[int]:
        assert list(ends) == [2, 4, 6]  # where each message ends in ``text``
        assert text in ("m0m1m2", "m3m4m5")
        assert group == "g"
        return list(range(0, len(ends), 2))

    result = store.write(WriteBatch(events=events), keep={"g"}, select=every_other)
    # Positions count within each run of one stream: m0 m1 m2 | elsewhere | m3 m4 m5.
    assert [(e.sequence, e.message) for e in result.stored] == [
        (1, "m0"),
        (3, "m2"),
        (5, "m3"),
        (7, "m5"),
    ]
    assert len(list(store.filter_events(None))) == 7


def test_expired_events_inside_a_run_are_refused_one_by_one(tmp_path: Path) -> None:
    store = LocalLogStore(tmp_path / "logs.db", clock=lambda: NOW)
    store.create_group("g", retention_days=1)
    old = NOW_MS - 2 * DAY_MS
    times = [NOW_MS, old, NOW_MS + 1, old, NOW_MS + 2]
    result = store.put_events("g", "s", [event(t, f"m{i}") for i, t in enumerate(times)])
    assert result.expired == 2
    assert [(e.sequence, e.message) for e in result.stored] == [(1, "m0"), (2, "m2"), (3, "m4")]
    assert messages(store.filter_events("g")) == ["m0", "m2", "m4"]


def test_a_thread_of_the_store_copies_the_wal_into_the_database(tmp_path: Path) -> None:
    store = LocalLogStore(tmp_path / "logs.db", clock=lambda: NOW)
    db = tmp_path / "logs.db"
    before = db.stat().st_size
    # Random hex: the chunks' compression halves it, no more, so the bytes written are known.
    size = 2 * CHECKPOINT_BYTES
    count = size // 150
    for first in range(0, count, 2_000):
        batch = [
            ("g", "s", event(NOW_MS + n, secrets.token_hex(150)))
            for n in range(first, min(first + 2_000, count))
        ]
        store.write(WriteBatch(events=batch))
    # The pages reach the database file while the WAL stays well below SQLite's backstop.
    deadline = time.monotonic() + 30
    while db.stat().st_size < before + CHECKPOINT_BYTES and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db.stat().st_size >= before + CHECKPOINT_BYTES
    store.close()
    assert len(list(LocalLogStore(db).filter_events("g"))) == count


def test_offsets_are_stored_with_the_events_or_not_at_all(tmp_path: Path) -> None:
    store = LocalLogStore(tmp_path / "logs.db", clock=lambda: NOW)
    batch = WriteBatch(events=[("g", "s", event(NOW_MS, "one"))], offsets={("t1", "app"): 120})
    store.write(batch)
    assert store.resume_offset("t1", "app") == 120
    assert store.resume_offset("t1", "other") == 0
    bad = WriteBatch(
        events=[("g", "s", event(NOW_MS, "two"))],
        outbox=[("sink", NOW_MS, None)],  # type: ignore[list-item]  # NOT NULL fails mid-write
        offsets={("t1", "app"): 240},
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.write(bad)
    assert store.resume_offset("t1", "app") == 120
    assert messages(store.filter_events("g")) == ["one"]
    store.write(WriteBatch(events=[("g", "s2", event(NOW_MS, "three"))]))  # ids cache recovers
    assert messages(store.filter_events("g")) == ["one", "three"]


def test_everything_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    first = LocalLogStore(path, clock=lambda: NOW)
    first.write(WriteBatch(events=[("g", "s", event(NOW_MS, "kept"))], offsets={("t", "c"): 9}))
    store_id = first.store_id
    first.close()
    again = LocalLogStore(path, clock=lambda: NOW)
    assert again.store_id == store_id
    assert messages(again.filter_events("g")) == ["kept"]
    assert again.resume_offset("t", "c") == 9


def test_outbox_rows_are_read_in_order_and_acknowledged(store: LocalLogStore) -> None:
    store.write(WriteBatch(outbox=[("a", 1, "x"), ("b", 2, "y"), ("a", 3, "z")]))
    rows = store.read_outbox("a")
    assert [r.body for r in rows] == ["x", "z"]
    store.ack_outbox("a", rows[0].seq)
    assert [r.body for r in store.read_outbox("a")] == ["z"]
    assert [r.body for r in store.read_outbox("b")] == ["y"]


def test_two_writers_on_one_file_never_collide(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    writers = [LocalLogStore(path, clock=lambda: NOW) for _ in range(2)]

    def write(store: LocalLogStore, name: str) -> None:
        for i in range(50):
            store.put_events("g", name, [event(NOW_MS + i, f"{name}-{i}") for _ in range(20)])

    threads = [threading.Thread(target=write, args=(w, f"s{n}")) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = list(writers[0].filter_events("g"))
    assert len(stored) == 2000
    assert len({e.event_id for e in stored}) == 2000


@pytest.mark.slow  # about 10-20 s on a 2-CPU machine; bench/bench_log_store.py has the figures
def test_a_million_events_ingest_and_query_quickly(tmp_path: Path) -> None:
    store = LocalLogStore(tmp_path / "logs.db", clock=lambda: NOW)
    ingest = 0.0
    for chunk in range(100):
        stream = f"app/app/t{chunk % 4}"
        batch = WriteBatch(
            events=[
                ("/ecs/big", stream, event(NOW_MS + chunk * 10_000 + i, f'{{"n": {i}}}'))
                for i in range(10_000)
            ]
        )
        started = time.perf_counter()
        store.write(batch, keep=())
        ingest += time.perf_counter() - started
    started = time.perf_counter()
    window = list(
        store.filter_events("/ecs/big", start_ms=NOW_MS + 500_000, end_ms=NOW_MS + 510_000)
    )
    query = time.perf_counter() - started
    assert len(window) == 10_000
    assert [e.message for e in window[:2]] == ['{"n": 0}', '{"n": 1}']
    # Generous bounds (a shared CI machine); the benchmark measures the real rates.
    assert ingest < 60 and query < 2.0, (ingest, query)


OLD_SCHEMA = """
CREATE TABLE log_groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL, retention_days INTEGER);
CREATE TABLE log_streams (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, name TEXT NOT NULL,
    created_ms INTEGER NOT NULL, first_ms INTEGER, last_ms INTEGER, last_ingestion_ms INTEGER,
    UNIQUE (group_id, name));
CREATE TABLE events (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,
    ts INTEGER NOT NULL, ingestion_ms INTEGER NOT NULL, message TEXT NOT NULL,
    task_id TEXT NOT NULL, container TEXT NOT NULL, source TEXT NOT NULL);
CREATE INDEX events_group_time ON events (group_id, ts);
CREATE TABLE offsets (
    task_id TEXT NOT NULL, container TEXT NOT NULL, offset INTEGER NOT NULL,
    PRIMARY KEY (task_id, container));
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY, sink TEXT NOT NULL, ts INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def old_store(path: Path) -> list[tuple[object, ...]]:
    """A logs.db as hakobu wrote it before chunks: one row per event, interleaved streams, a
    gap where events were deleted, two writes; returns its events rows."""
    rows = [
        (1, 1, 1, NOW_MS + 5, NOW_MS, "a1", "t1", "app", "stdout"),
        (2, 1, 1, NOW_MS + 1, NOW_MS, "a2", "t1", "app", "stderr"),
        (3, 1, 2, NOW_MS + 3, NOW_MS, "b1", "t1", "side", "stdout"),
        (4, 2, 3, NOW_MS + 2, NOW_MS, "x1", "t2", "app", "stdout"),
        (7, 1, 1, NOW_MS + 9, NOW_MS + 100, "a3 ✓", "t1", "app", "stdout"),
        (8, 1, 1, NOW_MS + 9, NOW_MS + 100, "a4", "t1", "app", "stdout"),
    ]
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.executemany(
        "INSERT INTO log_groups VALUES (?, ?, ?, ?)",
        [(1, "/ecs/app", NOW_MS, 7), (2, "/ecs/other", NOW_MS, None)],
    )
    db.executemany(
        "INSERT INTO log_streams VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 1, "web/app/t1", NOW_MS, NOW_MS + 1, NOW_MS + 9, NOW_MS + 100),
            (2, 1, "web/side/t1", NOW_MS, NOW_MS + 3, NOW_MS + 3, NOW_MS),
            (3, 2, "x/app/t2", NOW_MS, NOW_MS + 2, NOW_MS + 2, NOW_MS),
        ],
    )
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("INSERT INTO offsets VALUES ('t1', 'app', 640)")
    db.execute("INSERT INTO outbox VALUES (5, 'archive:t1', ?, 'kept')", (NOW_MS,))
    db.execute("INSERT INTO meta VALUES ('store_id', 'cafe0001')")
    db.commit()
    db.close()
    return rows


def test_a_store_of_one_row_per_event_is_converted_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    rows = old_store(path)
    store = LocalLogStore(path, clock=lambda: NOW)
    got = list(store.filter_events(None))
    # Every event, with its sequence number (so its event ID), times, origin and stream.
    want = sorted(rows, key=lambda r: (r[3], r[0]))
    names = {1: "web/app/t1", 2: "web/side/t1", 3: "x/app/t2"}
    assert [(e.sequence, e.timestamp_ms, e.ingestion_time_ms, e.message) for e in got] == [
        (r[0], r[3], r[4], r[5]) for r in want
    ]
    assert [(e.log_stream, e.task_id, e.container, e.source) for e in got] == [
        (names[r[2]], r[6], r[7], r[8])  # type: ignore[index]
        for r in want
    ]
    assert store.store_id == "cafe0001" and store.resume_offset("t1", "app") == 640
    assert [r.body for r in store.read_outbox("archive:t1")] == ["kept"]
    assert store.describe_groups()[0].retention_days == 7
    # New events are numbered after the old ones, and the old table is gone.
    result = store.put_events("/ecs/app", "web/app/t1", [event(NOW_MS + 20, "new")])
    assert [e.sequence for e in result.stored] == [9]
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchall() == []
    db.close()
    again = LocalLogStore(path, clock=lambda: NOW)
    assert messages(again.filter_events("/ecs/app", after_id=7)) == ["a4", "new"]


def test_a_conversion_that_fails_leaves_the_old_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "logs.db"
    rows = old_store(path)
    calls = []

    def fail_on_the_third_chunk(*args: object) -> object:
        calls.append(args)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_row(*args)  # type: ignore[arg-type]

    real_row = chunks.row
    monkeypatch.setattr(chunks, "row", fail_on_the_third_chunk)
    with pytest.raises(OSError, match="disk full"):
        LocalLogStore(path, clock=lambda: NOW)
    monkeypatch.undo()
    db = sqlite3.connect(path)
    assert db.execute("SELECT * FROM events ORDER BY id").fetchall() == rows
    assert db.execute("SELECT count(*) FROM chunks").fetchone() == (0,)
    db.close()
    assert len(list(LocalLogStore(path, clock=lambda: NOW).filter_events(None))) == len(rows)


def test_expiry_cuts_a_chunk_that_straddles_the_retention_bound(tmp_path: Path) -> None:
    clock = [NOW]
    store = LocalLogStore(tmp_path / "logs.db", clock=lambda: clock[0])
    store.put_events("g", "s", [event(NOW_MS - 3600_000 * h, f"h{h}") for h in (30, 20, 10)])
    store.put_events("g", "s", [event(NOW_MS - 3600_000 * 40, "old")])
    ids = {e.message: e.event_id for e in store.filter_events("g")}
    assert store.create_group("g") is False
    store.put_retention("g", 1)  # keeps the last 24 hours: h20 and h10
    assert messages(store.filter_events("g")) == ["h20", "h10"]
    assert {e.message: e.event_id for e in store.filter_events("g")} == {
        "h20": ids["h20"],
        "h10": ids["h10"],
    }
    store.put_retention("g", None)  # the expired events are gone, not hidden
    assert messages(store.filter_events("g")) == ["h20", "h10"]
    clock[0] = NOW + 86_400 * 5
    assert store.expire() == 0  # no retention: nothing expires
    store.put_retention("g", 3)
    assert messages(store.filter_events("g")) == []


def test_runs_with_several_sources_and_containers(store: LocalLogStore) -> None:
    run = [
        LogEvent(NOW_MS + 2, "out", "app", "t1", "stdout"),
        LogEvent(NOW_MS + 1, "err", "app", "t1", "stderr"),
        LogEvent(NOW_MS + 3, "side", "side", "t2", "stdout"),
    ]
    store.put_events("g", "shared", run)
    got = list(store.filter_events("g"))
    assert [(e.message, e.container, e.task_id, e.source) for e in got] == [
        ("err", "app", "t1", "stderr"),
        ("out", "app", "t1", "stdout"),
        ("side", "side", "t2", "stdout"),
    ]
    assert messages(store.filter_events("g", container="side")) == ["side"]
    assert messages(store.filter_events("g", task_id="t1")) == ["err", "out"]


def test_queries_agree_with_a_plain_reading_of_what_was_written(store: LocalLogStore) -> None:
    """Random writes (streams interleaved, times out of order, chunks overlapping) against a
    reference that sorts and filters every event one by one."""
    rng = random.Random(4)
    written: list[tuple[int, int, str, str, str]] = []  # (ts, seq, stream, message, task)
    for _ in range(60):
        batch = WriteBatch()
        for _ in range(rng.randint(1, 4)):
            stream = rng.choice(["web/app/t1", "web/app/t2", "worker/app/t1"])
            base = NOW_MS + rng.randint(0, 5_000)
            for _ in range(rng.randint(1, 30)):
                task = stream[-2:]
                ms = base + rng.randint(-300, 300)
                batch.events.append(("g", stream, event(ms, f"m{len(written)}", task=task)))
                written.append((ms, len(written) + 1, stream, f"m{len(written)}", task))
        store.write(batch)
    ordered = sorted(written)
    for _ in range(40):
        start = NOW_MS + rng.randint(-500, 5_500)
        end = start + rng.randint(0, 3_000)
        prefix = rng.choice([None, "web/", "worker/", "web/app/t2"])
        after = rng.choice([0, rng.randint(0, len(written))])
        task = rng.choice([None, "t1", "t2"])
        limit = rng.choice([None, 5, 50])
        want = [
            m
            for ts, seq, stream, m, t in ordered
            if start <= ts < end
            and (prefix is None or stream.startswith(prefix))
            and seq > after
            and task in (None, t)
        ][:limit]
        got = store.filter_events(
            "g",
            start_ms=start,
            end_ms=end,
            stream_prefix=prefix,
            after_id=after,
            task_id=task,
            limit=limit,
        )
        assert messages(got) == want
    assert messages(store.filter_events("g")) == [m for *_, m, _ in ordered]


def test_events_an_earlier_hakobu_wrote_into_a_converted_store_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    store = LocalLogStore(path, clock=lambda: NOW)
    store.put_events("/ecs/app", "s", [event(NOW_MS + i, f"new {i}") for i in range(3)])
    store.close()
    # An earlier hakobu opens it: it creates its events table, numbers from 1 and writes there.
    db = sqlite3.connect(path)
    db.executescript(
        OLD_SCHEMA.split("CREATE TABLE offsets")[0].replace(
            "CREATE TABLE log_", "CREATE TABLE IF NOT EXISTS log_"
        )
    )
    (group_id,) = db.execute("SELECT id FROM log_groups WHERE name = '/ecs/app'").fetchone()
    (stream_id,) = db.execute("SELECT id FROM log_streams WHERE name = 's'").fetchone()
    db.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, 't1', 'app', 'stdout')",
        [(n, group_id, stream_id, NOW_MS + 10 + n, NOW_MS, f"old {n}") for n in (1, 2)],
    )
    db.commit()
    db.close()
    again = LocalLogStore(path, clock=lambda: NOW)
    got = list(again.filter_events("/ecs/app"))
    assert [(e.sequence, e.message) for e in got] == [
        (1, "new 0"),
        (2, "new 1"),
        (3, "new 2"),
        (4, "old 1"),
        (5, "old 2"),
    ]
    assert [e.sequence for e in again.put_events("/ecs/app", "s", [event(NOW_MS, "x")]).stored] == [
        6
    ]
