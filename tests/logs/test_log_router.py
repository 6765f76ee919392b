"""The router end to end: real store, real files, real FireLens configs, a real crash."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
from tests.logs.servers import Receiver, webhook
from tests.logs.taskdefs import (
    TASK_ARN,
    TASK_ID,
    awslogs,
    container,
    firelens,
    log_router,
    task,
)

from hakobu.logs.candidates import CandidateSelect, candidates, literal_of
from hakobu.logs.events import (
    AWSLOGS_MAX_EVENT_BYTES,
    _one_day,
    parse_rfc3339_ms,
    parse_rfc3339_ms_many,
)
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.masking import SecretMasker
from hakobu.logs.router import LogRouter, drain_archive
from hakobu.logs.sinks.archive import open_archive
from hakobu.logs.store import LocalLogStore
from hakobu.logs.subscriptions import SubscriptionFilter, WebhookDestination

__all__ = ["webhook"]
ROOT = Path(__file__).resolve().parents[2]
CREATE = {"awslogs-create-group": "true"}


def stamp(second: int) -> str:
    return f"2024-05-01T10:00:{second:02d}.250000000Z"


RECENT = datetime.now(UTC).replace(microsecond=250_000) - timedelta(hours=1)


def recent(second: int) -> str:
    """A time within any retention: an hour ago, plus ``second``."""
    return (RECENT + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def start(definition: dict[str, Any], root: Path, **kwargs: Any) -> LogRouter:
    return LogRouter.for_task(
        definition,
        root=root,
        task_id=TASK_ID,
        task_arn=TASK_ARN,
        family="hello",
        revision=3,
        **kwargs,
    )


def stored(root: Path, group: str | None = None, **filters: Any) -> list[Any]:
    store = LocalLogStore(root / ".hakobu" / "logs.db")
    try:
        return list(store.filter_events(group, **filters))
    finally:
        store.close()


@pytest.fixture
def router_factory(tmp_path: Path) -> Iterator[Any]:
    routers: list[LogRouter] = []

    def make(definition: dict[str, Any], **kwargs: Any) -> LogRouter:
        routers.append(start(definition, tmp_path, **kwargs))
        return routers[-1]

    yield make
    for router in routers:
        router.close()


def test_awslogs_lines_land_under_the_names_ecs_uses(tmp_path: Path, router_factory: Any) -> None:
    console = io.StringIO()
    definition = task(container("app", awslogs(**CREATE)), container("worker"))
    router = router_factory(definition, console=console)
    router.emit("app", "stdout", stamp(1), "hello", 30)
    router.emit("app", "stderr", stamp(2), "oops", 60)
    router.emit("worker", "stdout", stamp(3), "unrouted", 40)
    router.close()
    app = stored(tmp_path, "/ecs/hello")
    assert [(e.log_stream, e.message, e.source) for e in app] == [
        (f"web/app/{TASK_ID}", "hello", "stdout"),
        (f"web/app/{TASK_ID}", "oops", "stderr"),
    ]
    assert app[0].timestamp_ms == 1714557601250
    [kept] = stored(tmp_path, "/hakobu/unrouted/hello")
    assert kept.log_stream == f"worker/{TASK_ID}"
    assert console.getvalue().splitlines() == [
        "app    | hello",
        "app    | oops",
        "worker | unrouted",
    ]
    store = LocalLogStore(tmp_path / ".hakobu" / "logs.db")
    assert (
        store.resume_offset(TASK_ID, "app") == 60 and store.resume_offset(TASK_ID, "worker") == 40
    )


def test_multiline_events_and_their_offsets(tmp_path: Path, router_factory: Any) -> None:
    log = awslogs(**CREATE, **{"awslogs-datetime-format": "%Y-%m-%d %H:%M:%S"})
    router = router_factory(task(container("app", log)))
    lines = ["2024-05-01 10:00:00 boom", "Traceback:", "  at x", "2024-05-01 10:00:01 next"]
    for i, line in enumerate(lines, 1):
        router.emit("app", "stderr", stamp(i), line, i * 100)
    router.flush()
    # The open event (the last line) is not stored yet: a restart must read it again.
    assert router.resume_offset("app") == 300
    router.close()
    assert [e.message for e in stored(tmp_path)] == [
        "2024-05-01 10:00:00 boom\nTraceback:\n  at x\n",
        "2024-05-01 10:00:01 next\n",
    ]
    assert LocalLogStore(tmp_path / ".hakobu" / "logs.db").resume_offset(TASK_ID, "app") == 400


def test_a_line_past_the_event_limit_is_split_as_awslogs_splits_it(
    tmp_path: Path, router_factory: Any
) -> None:
    router = router_factory(task(container("app", awslogs(**CREATE))))
    long = "é" * 70_000 + "x" * 200_000  # 340,000 bytes: two events
    near = "✓" * 65_530  # 196,590 bytes: one event, although 3 bytes a character
    for i, line in enumerate(["short", long, near, "next"], 1):
        router.emit("app", "stdout", stamp(i), line, i * 1_000_000)
    router.close()
    events = stored(tmp_path, "/ecs/hello")
    assert [len(e.message.encode()) for e in events] == [
        5,
        AWSLOGS_MAX_EVENT_BYTES,
        77_882,
        196_590,
        4,
    ]
    assert events[1].message + events[2].message == long and events[3].message == near
    assert events[1].timestamp_ms == events[2].timestamp_ms == parse_rfc3339_ms(stamp(2))
    assert (
        LocalLogStore(tmp_path / ".hakobu" / "logs.db").resume_offset(TASK_ID, "app") == 4_000_000
    )


def test_secrets_are_masked_in_every_sink(
    tmp_path: Path, router_factory: Any, webhook: Receiver
) -> None:
    console = io.StringIO()
    errors = SubscriptionFilter(
        "errors", "/ecs/hello", '{ $.logType = "ErrorLog" }', WebhookDestination(webhook.url)
    )
    router = router_factory(
        task(container("app", awslogs(**CREATE))),
        secret_values=["s3cr3t-pa$$"],
        console=console,
        subscriptions=[errors],
        archive=open_archive("archive", root=tmp_path),
    )
    line = json.dumps({"logType": "ErrorLog", "msg": "login with s3cr3t-pa$$ failed"})
    router.emit("app", "stdout", stamp(1), line, 10)
    router.emit("app", "stdout", stamp(2), '{"logType": "AppLog"}', 20)
    router.close()
    masked = json.dumps({"logType": "ErrorLog", "msg": "login with *** failed"})
    assert stored(tmp_path)[0].message == masked
    assert "s3cr3t" not in console.getvalue()
    [body] = webhook.wait_for(1)
    assert body["messageType"] == "DATA_MESSAGE" and body["subscriptionFilters"] == ["errors"]
    assert [e["message"] for e in body["logEvents"]] == [masked]
    archived = [
        json.loads(line)
        for path in (tmp_path / "archive").rglob("*.jsonl.gz")
        for line in gzip.decompress(path.read_bytes()).decode().splitlines()
    ]
    assert [a["message"] for a in archived] == [masked, '{"logType": "AppLog"}']
    assert not list((tmp_path / ".hakobu").rglob("*dead-letter*"))


def test_firelens_options_route_records_with_ecs_metadata(
    tmp_path: Path, router_factory: Any
) -> None:
    options = {
        "Name": "cloudwatch_logs",
        "region": "us-west-2",
        "log_group_name": "/ecs/firelens-app",
        "log_stream_prefix": "from-fluent-bit-",
        "auto_create_group": "true",
        "exclude-pattern": "^healthcheck",
    }
    router = router_factory(task(log_router(), container("app", firelens(**options))))
    router.emit("app", "stdout", stamp(1), '{"logType": "ErrorLog"}', 10)
    router.emit("app", "stdout", stamp(2), "healthcheck ok", 20)
    router.close()
    [event] = stored(tmp_path, "/ecs/firelens-app")
    assert event.log_stream == f"from-fluent-bit-app-firelens-{TASK_ID}"
    record = json.loads(event.message)
    assert record["log"] == '{"logType": "ErrorLog"}' and record["source"] == "stdout"
    assert record["container_name"] == "app" and record["container_id"].startswith(TASK_ID)
    assert record["ecs_task_arn"] == TASK_ARN
    assert record["ecs_cluster"] == "hakobu-local"
    assert record["ecs_task_definition"] == "hello:3"
    # Without a JSON parser the line stays a string under "log", as on AWS: $.logType is absent.
    assert not compile_pattern('{ $.logType = "ErrorLog" }').matches(event.message)


def test_firelens_config_file_parses_json_and_writes_cloudwatch_and_s3(
    tmp_path: Path, router_factory: Any
) -> None:
    etc = tmp_path / "fluent-bit" / "etc"
    etc.mkdir(parents=True)
    (etc / "extra.conf").write_text(
        """@INCLUDE /fluent-bit/configs/parse-json.conf

[FILTER]
    Name   modify
    Match  *
    Add    env local

[FILTER]
    Name   grep
    Match  *
    Exclude logType DebugLog

[OUTPUT]
    Name               cloudwatch_logs
    Match              *
    region             ap-northeast-1
    log_group_name     /ecs/hello-firelens
    log_stream_prefix  app-
    auto_create_group  true
    log_retention_days 30

[OUTPUT]
    Name            s3
    Match           *
    bucket          audit-logs
    region          ap-northeast-1
    total_file_size 1M
    s3_key_format   /$TAG[0]/%Y/%m/%d/%H/$UUID.jsonl.gz
    compression     gzip
"""
    )
    router_options = {"config-file-type": "file", "config-file-value": "/fluent-bit/etc/extra.conf"}
    definition = task(log_router(router_options), container("app", firelens()))
    router = router_factory(definition, secret_values=["topsecret-1"])
    for i, kind in enumerate(["AccessLog", "ErrorLog", "DebugLog"], 1):
        line = json.dumps({"logType": kind, "token": "topsecret-1", "n": i})
        router.emit("app", "stdout", recent(i), line, i * 10)
    router.close()
    events = stored(tmp_path, "/ecs/hello-firelens")
    assert len(events) == 2  # DebugLog excluded by grep
    errors = compile_pattern('{ $.logType = "ErrorLog" && $.env = "local" }')
    [error] = [e for e in events if errors.matches(e.message)]
    assert json.loads(error.message)["token"] == "***"
    [group] = LocalLogStore(tmp_path / ".hakobu" / "logs.db").describe_groups("/ecs/hello-f")
    assert group.retention_days == 30
    [obj] = (tmp_path / ".hakobu" / "s3" / "audit-logs").rglob("*.jsonl.gz")
    assert obj.relative_to(tmp_path / ".hakobu" / "s3" / "audit-logs").parts[:3] == (
        f"app-firelens-{TASK_ID}",
        RECENT.strftime("%Y"),
        RECENT.strftime("%m"),
    )
    records = [json.loads(x) for x in gzip.decompress(obj.read_bytes()).decode().splitlines()]
    assert [r["logType"] for r in records] == ["AccessLog", "ErrorLog"]
    assert records[0]["date"] == recent(1)[:-4] + "Z" and records[0]["env"] == "local"


def test_go_cloudwatch_templates_and_stdout_output(tmp_path: Path, router_factory: Any) -> None:
    options = {
        "Name": "cloudwatch",
        "region": "us-west-2",
        "log_group_name": "/aws/ecs/containerinsights/$(ecs_cluster)/application",
        "log_stream_name": "$(container_name)-$(ecs_task_id)",
        "log_key": "log",
        "auto_create_group": "true",
    }
    definition = task(
        log_router(),
        container("app", firelens(**options)),
        container("db", firelens(Name="stdout")),
    )
    router = router_factory(definition)
    router.emit("app", "stdout", stamp(1), "plain line", 10)
    router.emit("db", "stdout", stamp(2), "db line", 10)
    router.close()
    [app] = stored(tmp_path, "/aws/ecs/containerinsights/hakobu-local/application")
    assert (app.log_stream, app.message) == (f"app-{TASK_ID}", "plain line")
    # stdout prints to the log router's own output, which its awslogs configuration routes.
    [db] = stored(tmp_path, "/ecs/firelens")
    assert db.container == "log_router" and db.message.startswith(f"[0] db-firelens-{TASK_ID}: [")


def test_a_killed_collector_resumes_without_duplicating_or_dropping(tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    lines = []
    for n in range(1, 1201):
        message = f'{{"n": {n}, "pad": "{"x" * (n % 50)}"}}'
        at = (RECENT + timedelta(milliseconds=n)).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
        if n % 100 == 0:  # conmon splits long lines into partial records
            lines.append(f"{at} stdout P {message[:10]}")
            message = message[10:]
        lines.append(f"{at} stdout F {message}")
    log_file.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    collector = [
        sys.executable,
        str(ROOT / "tests/logs/collector.py"),
        str(tmp_path),
        str(log_file),
    ]
    slow = subprocess.Popen([*collector, "--delay", "0.002", "--archive", "archive"], env=env)
    deadline = time.monotonic() + 60
    while len(stored_safely(tmp_path)) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    partial = len(stored_safely(tmp_path))
    assert 300 <= partial < 1200
    subprocess.run([*collector, "--archive", "archive"], env=env, check=True, timeout=120)
    numbers = [json.loads(e.message)["n"] for e in stored(tmp_path, "/ecs/hello")]
    assert numbers == list(range(1, 1201))
    archived = [
        json.loads(json.loads(line)["message"])["n"]
        for path in sorted((tmp_path / "archive").rglob("*.jsonl.gz"))
        for line in gzip.decompress(path.read_bytes()).decode().splitlines()
    ]
    assert sorted(archived) == list(range(1, 1201))


def stored_safely(root: Path) -> list[Any]:
    if not (root / ".hakobu" / "logs.db").exists():
        return []
    try:
        return stored(root, "/ecs/hello")
    except Exception:  # the store is being created by the collector
        return []


def test_archive_records_a_stopped_task_left_behind_are_drained(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")  # the archive cannot be written while the task runs
    router = start(
        task(container("app", awslogs(**CREATE))),
        tmp_path,
        archive=open_archive(str(blocked), root=tmp_path),
    )
    for n in range(3):
        router.emit("app", "stdout", stamp(n), f"line {n}", n + 1)
    router.close()
    store = LocalLogStore(tmp_path / ".hakobu" / "logs.db")
    assert drain_archive(store, TASK_ID, open_archive("archive", root=tmp_path)) == 3
    [obj] = (tmp_path / "archive").rglob("*.jsonl.gz")
    lines = gzip.decompress(obj.read_bytes()).decode().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["line 0", "line 1", "line 2"]
    assert drain_archive(store, TASK_ID, open_archive("archive", root=tmp_path)) == 0


def test_a_batch_of_lines_is_routed_as_the_same_lines_one_by_one(tmp_path: Path) -> None:
    """emit_lines (what the reader calls) against emit, line by line, on two stores: long
    lines, both sources, a secret, an unrouted container."""
    definition = task(container("app", awslogs(**CREATE)), container("worker"))
    lines = [
        ("stdout", recent(1), '{"logType": "AccessLog", "n": 1}', 10),
        ("stderr", recent(1), "token hunter2-secret leaked", 20),
        ("stdout", recent(2), "x" * 300_000, 300_030),
        ("stdout", recent(3), '{"logType": "ErrorLog", "n": 4}', 300_060),
    ] + [("stdout", recent(4), f"line {n}", 300_100 + n) for n in range(20)]
    results = []
    for name, batched in (("one-by-one", False), ("batched", True)):
        root = tmp_path / name
        router = start(definition, root, secret_values=["hunter2-secret"])
        if batched:
            router.emit_lines("app", lines)
            router.emit_lines("worker", [("stdout", recent(5), "w", 5)])
        else:
            for stream, stamp_, text, offset in lines:
                router.emit("app", stream, stamp_, text, offset)
            router.emit("worker", "stdout", recent(5), "w", 5)
        router.close()
        events = stored(root)
        results.append([(e.log_stream, e.timestamp_ms, e.message, e.source) for e in events])
        store = LocalLogStore(root / ".hakobu" / "logs.db")
        assert store.resume_offset(TASK_ID, "app") == 300_119
        store.close()
    assert results[0] == results[1]
    messages_ = [m for _, _, m, _ in results[1]]
    assert "token *** leaked" in messages_ and not any("hunter2" in m for m in messages_)
    assert len(results[1]) == len(lines) + 1 + 1  # the long line is two events


SUBSCRIPTION_PATTERNS = [
    '{ $.logType = "ErrorLog" }',
    '{ $.logType = "ErrorLog" && $.status = 500 }',
    '{ $.logType = "ErrorLog" || $.level = "ERROR" }',
    '{ $.user.name = "ana" }',
    '{ $.code = "200" }',
    "{ $.flag IS TRUE }",
    "{ $.x NOT EXISTS }",
    '{ $.path = "/items/*" }',
    '"ERROR"',
    "[ip, user, status = 5*]",
]
SUBSCRIPTION_MESSAGES = [
    '{"logType": "ErrorLog", "status": 500}',
    '{"logType": "AccessLog", "status": 200}',
    '{"logType": "Error\\u004cog"}',  # escaped: found only by decoding it
    '{"log\\u0054ype": "ErrorLog"}',
    '{"level": "ERROR", "user": {"name": "ana"}}',
    '{"code": 200}',
    '{"code": "200"}',
    '{"flag": true}',
    '{"path": "/items/7"}',
    "plain ERROR text",
    "10.0.0.1 bob 503",
    '{"logType":',
    '"ErrorLog"}',  # with the line before, "ErrorLog" spans two messages
    "",
    '{"logType": "ErrorLog"}' * 3,
]


@pytest.mark.parametrize("pattern", SUBSCRIPTION_PATTERNS)
def test_subscriptions_match_only_candidates_yet_miss_nothing(pattern: str) -> None:
    matcher = compile_pattern(pattern)

    def select(group: str, messages: Sequence[str]) -> list[int]:
        return [i for i, m in enumerate(messages) if matcher.matches(m)]

    rng = random.Random(pattern)
    for _ in range(30):
        run = [rng.choice(SUBSCRIPTION_MESSAGES) for _ in range(rng.randint(1, 200))]
        ends = list(accumulate(map(len, run)))
        picked = CandidateSelect(select, {"g": [pattern]})("g", ends, "".join(run))
        assert picked == select("g", run)
    if pattern == SUBSCRIPTION_PATTERNS[0]:
        assert literal_of(pattern) == '"ErrorLog"'
        run = ['{"logType": "AccessLog"}'] * 1000 + ['{"logType": "ErrorLog"}']
        ends = list(accumulate(map(len, run)))
        assert candidates(ends, "".join(run), ['"ErrorLog"']) == [1000]  # what is matched


def test_times_of_a_batch_are_parsed_as_one_by_one() -> None:
    def stamps(fmt: str, count: int = 50) -> list[str]:
        return [fmt.format(s=n % 60, f=(n * 7_919_777) % 10**9) for n in range(count)]

    batches = [
        stamps("2024-05-01T10:00:{s:02d}.{f:09d}Z"),
        stamps("2024-05-01T10:00:{s:02d}.{f:09d}+09:00"),
        stamps("2024-05-01T10:00:{s:02d}.{f:09d}-03:30"),
        stamps("2024-05-01T10:00:{s:02d}.{f:09d}Z", 5),
        stamps("2024-05-01T10:00:{s:02d}.{f:09d}Z")[:20] + stamps("2024-05-01T10:00:{s:02d}Z"),
        stamps("2024-05-01T10:00:{s:02d}.{f:09d}+01:00")[:20]
        + stamps("2024-05-01T10:00:{s:02d}.{f:09d}+02:00"),  # a DST change inside a batch
    ]
    for batch in batches:
        assert list(parse_rfc3339_ms_many(batch)) == [parse_rfc3339_ms(s) for s in batch]
    for bad in ("2024-05-01T10:00:00.123456789Q", "2024-13-01T10:00:00.123456789Z"):
        broken = stamps("2024-05-01T10:00:{s:02d}.{f:09d}Z")
        broken[33] = bad if len(bad) == len(broken[0]) else broken[33]
        with pytest.raises(ValueError):
            parse_rfc3339_ms_many(broken)
    broken = stamps("2024-05-01T10:00:{s:02d}.{f:09d}Z")
    broken[7] = broken[7][:20] + "12x456789Z"
    with pytest.raises(ValueError):
        parse_rfc3339_ms_many(broken)


def test_times_of_one_day_computed_by_columns_are_checked_as_one_by_one() -> None:
    """Conmon's batches (one layout, one day, one zone) are computed by columns: each field's
    range is checked there, and anything else is left to the stamp-by-stamp paths."""

    def stamps(
        hour: int, fmt: str = "2024-05-01T{h:02d}:{m:02d}:{s:02d}.{f:09d}+00:00"
    ) -> list[str]:
        return [
            fmt.format(h=hour, m=n % 60, s=(n * 7) % 60, f=(n * 7_919_777) % 10**9)
            for n in range(120)
        ]

    batches = [stamps(hour) for hour in (0, 9, 19, 20, 23)]
    batches.append([f"2024-05-01T21:07:33.{n * 7_919_777 % 10**9:09d}+00:00" for n in range(99)])
    batches.append([f"2024-05-01T{n % 24:02d}:{n % 60:02d}:07.123Z" for n in range(99)])
    batches += [stamps(23)[:60] + stamps(0, "2024-05-02T{h:02d}:{m:02d}:{s:02d}.{f:09d}+00:00")]
    batches.append(stamps(12, "2024-05-01T{h:02d}:{m:02d}:{s:02d}.{f:09d}Z"))
    batches.append(stamps(12, "2024-05-01T{h:02d}:{m:02d}:{s:02d},{f:06d}-09:30"))
    for batch in batches:
        assert list(parse_rfc3339_ms_many(batch)) == [parse_rfc3339_ms(s) for s in batch]
    by_columns = [b for b in batches if b[0].endswith("+00:00") and b[0][:10] == b[-1][:10]]
    assert len(by_columns) == 6
    assert all(_one_day(b, b[0], "+00:00") is not None for b in by_columns)
    good = stamps(10)
    for bad in (
        "2024-05-01T24:00:00.000000000+00:00",
        "2024-05-01T29:00:00.000000000+00:00",
        "2024-05-01T10:60:00.000000000+00:00",
        "2024-05-01T10:00:60.000000000+00:00",  # a leap second: refused, as fromisoformat does
        "2024-05-01T10:00:0\u0663.000000000+00:00",  # a digit, but not an ASCII one
        "2024-05-01T10:00:00.00000000a+00:00",
        "2024-05-01T10:00:00.000000000+00:01",
    ):
        broken = [*good[:50], bad, *good[50:]]
        try:
            expected = [parse_rfc3339_ms(s) for s in broken]
        except ValueError:
            with pytest.raises(ValueError):
                parse_rfc3339_ms_many(broken)
        else:
            assert list(parse_rfc3339_ms_many(broken)) == expected


def test_masking_a_batch_masks_what_masking_each_line_masks() -> None:
    masker = SecretMasker(["s3cr3t-pa$$", "line one\nline two of a key"])
    texts = [
        "nothing here",
        "login with s3cr3t-pa$$",
        '{"msg": "s3cr3t-pa$$"}',
        '{"msg": "\\u0073\\u0033cr3t-pa$$"}',
        "s3cr3t-",
        "pa$$ (a secret across two lines is two harmless halves)",
        "line two of a key",
    ]
    assert list(masker.mask_all(texts)) == [masker.mask(t) for t in texts]
    clean = ["nothing here", '{"a": "b\\"c"}']
    assert masker.mask_all(clean) is clean  # nothing to mask: no copy


def test_batches_the_store_refuses_are_written_later_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that fails twice (a lock held too long, say) while full batches are compressed
    and held: every line ends up stored once, in order, and the offset is the last line's."""
    router = start(task(container("app", awslogs(**CREATE))), tmp_path)
    real_write = router.store.write
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) in (2, 3):
            raise sqlite3.OperationalError("database is locked")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(router.store, "write", flaky)
    count, size = 0, 1_500
    for _ in range(6):
        lines = [("stdout", recent(1), f"line {count + n}", count + n + 1) for n in range(size)]
        router.emit_lines("app", lines)
        count += size
    router.close()
    assert len(calls) >= 4
    assert [e.message for e in stored(tmp_path, "/ecs/hello")] == [
        f"line {n}" for n in range(count)
    ]
    store = LocalLogStore(tmp_path / ".hakobu" / "logs.db")
    assert store.resume_offset(TASK_ID, "app") == count
    store.close()
