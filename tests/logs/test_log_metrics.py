"""Metric filters: per-minute sums and counts, from hakobu.toml to the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.logs.taskdefs import TASK_ARN, TASK_ID, awslogs, container, task

from hakobu.errors import ConfigError
from hakobu.logs.events import LogEvent
from hakobu.logs.metrics import MetricCounter, MetricFilter
from hakobu.logs.router import LogRouter
from hakobu.logs.settings import load_log_settings
from hakobu.logs.store import LocalLogStore

MINUTE = 1_714_557_600_000  # 2024-05-01T10:00:00Z


def at(offset_ms: int, message: str) -> tuple[str, str, LogEvent]:
    return ("/ecs/app", "s", LogEvent(MINUTE + offset_ms, message, "app", "t", "stdout"))


def test_counts_sums_and_defaults_per_minute() -> None:
    counter = MetricCounter(
        [
            MetricFilter("errors", "/ecs/app", '{ $.level = "error" }', "Errors", "App"),
            MetricFilter(
                "latency", "/ecs/app", "{ $.latency > 0 }", "Latency", "App", "$.latency", 0.0
            ),
            MetricFilter("bytes", "/ecs/app", "[ip, status, size]", "Bytes", "App", "$size"),
        ]
    )
    events = [
        at(1_000, json.dumps({"level": "error", "latency": 12.5})),
        at(2_000, json.dumps({"level": "info", "latency": 7})),
        at(61_000, json.dumps({"level": "error"})),
        at(62_000, "10.0.0.1 200 512"),
        at(63_000, "10.0.0.1 200 not-a-number"),
        ("/ecs/other", "s", LogEvent(MINUTE, '{"level": "error"}', "x", "t", "stdout")),
    ]
    got = counter.increments(events)
    assert got[("App", "Errors", MINUTE)] == [1, 1]
    assert got[("App", "Errors", MINUTE + 60_000)] == [1, 1]
    assert got[("App", "Latency", MINUTE)] == [19.5, 2]
    # default_value for the events of the group that do not match
    assert got[("App", "Latency", MINUTE + 60_000)] == [0.0, 3]
    assert got[("App", "Bytes", MINUTE + 60_000)] == [512, 1]


def test_the_router_writes_counts_with_the_events(tmp_path: Path) -> None:
    errors = MetricFilter("errors", "/ecs/hello", '{ $.logType = "ErrorLog" }', "Errors", "Hello")
    router = LogRouter.for_task(
        task(container("app", awslogs(**{"awslogs-create-group": "true"}))),
        root=tmp_path,
        task_id=TASK_ID,
        task_arn=TASK_ARN,
        family="hello",
        revision=1,
        metric_filters=[errors],
    )
    for n, kind in enumerate(["ErrorLog", "AppLog", "ErrorLog"]):
        router.emit("app", "stdout", f"2024-05-01T10:00:0{n}Z", json.dumps({"logType": kind}), n)
    router.close()
    [point] = LocalLogStore(tmp_path / ".hakobu" / "logs.db").metric_data("Hello", "Errors")
    assert (point.minute_ms, point.sum, point.count) == (MINUTE, 2, 2)


def test_metric_filters_in_hakobu_toml(tmp_path: Path) -> None:
    path = tmp_path / "hakobu.toml"
    path.write_text(
        '[[logs.metric_filters]]\nname = "latency"\nlog_group = "/ecs/hello"\n'
        'pattern = \'{ $.latency > 0 }\'\nmetric_name = "Latency"\nmetric_namespace = "Hello"\n'
        'metric_value = "$.latency"\ndefault_value = 0\n'
    )
    [latency] = load_log_settings(path).metric_filters
    assert latency == MetricFilter(
        "latency", "/ecs/hello", "{ $.latency > 0 }", "Latency", "Hello", "$.latency", 0.0
    )
    path.write_text(path.read_text().replace('"$.latency"', '"latency"'))
    with pytest.raises(ConfigError, match="invalid metric value") as caught:
        load_log_settings(path)
    assert caught.value.line == 7
    path.write_text(path.read_text().replace('"Latency"', '"Late:ncy"'))
    with pytest.raises(ConfigError, match="none of : \\* \\$"):
        load_log_settings(path)
