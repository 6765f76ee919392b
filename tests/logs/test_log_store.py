"""The local CloudWatch-Logs-like store, on real SQLite files."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from hakobu.errors import UsageError
from hakobu.logs.events import LogEvent
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.store import (
    CHECKPOINT_ROWS,
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

    def every_other(group: str, run: object) -> list[int]:
        assert group == "g"
        return list(range(0, len(run), 2))  # type: ignore[arg-type]

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
    for first in range(0, CHECKPOINT_ROWS, 2_000):
        batch = [("g", "s", event(NOW_MS + n, "x" * 300)) for n in range(first, first + 2_000)]
        store.write(WriteBatch(events=batch))
    # The pages reach the database file while the WAL stays well below SQLite's backstop.
    deadline = time.monotonic() + 30
    while db.stat().st_size < before + CHECKPOINT_ROWS * 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db.stat().st_size >= before + CHECKPOINT_ROWS * 300
    store.close()
    assert len(list(LocalLogStore(db).filter_events("g"))) == CHECKPOINT_ROWS


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
