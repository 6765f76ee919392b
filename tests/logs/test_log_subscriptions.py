"""Subscription filters: batches to a real local webhook, a command, the console; retries,
dead letters, and a pipeline a bad destination never holds up."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest
from tests.logs.servers import Receiver, webhook

from hakobu.errors import UsageError
from hakobu.logs.events import StoredEvent
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.subscriptions import (
    CommandDestination,
    ConsoleDestination,
    SubscriptionDispatcher,
    SubscriptionFilter,
    WebhookDestination,
    dead_letters,
)

__all__ = ["webhook"]
ERRORS = '{ $.logType = "ErrorLog" }'


def event(
    seq: int, message: str, stream: str = "web/app/t1", group: str = "/ecs/app"
) -> StoredEvent:
    return StoredEvent(
        seq, group, stream, 1_714_557_600_000 + seq, 0, message, "t1", "app", "stdout"
    )


def error(seq: int, **kwargs: str) -> StoredEvent:
    return event(seq, json.dumps({"logType": "ErrorLog", "n": seq}), **kwargs)


def dispatcher(
    tmp_path: Path, *filters: SubscriptionFilter, **kwargs: object
) -> SubscriptionDispatcher:
    options: dict[str, object] = {"linger": 0.05, "backoff": 0.01, "max_backoff": 0.05}
    options.update(kwargs)
    return SubscriptionDispatcher(
        filters, dead_letter=tmp_path / "dead.jsonl", compile_pattern=compile_pattern, **options
    )  # type: ignore[arg-type]


def to(receiver: Receiver, group: str = "/ecs/app", name: str = "errors") -> SubscriptionFilter:
    return SubscriptionFilter(name, group, ERRORS, WebhookDestination(receiver.url))


def test_matching_events_reach_the_webhook_as_cloudwatch_shapes_them(
    tmp_path: Path, webhook: Receiver
) -> None:
    d = dispatcher(tmp_path, to(webhook))
    d.offer(
        [error(1), event(2, '{"logType": "AccessLog"}'), error(3), error(4, stream="web/app/t2")]
    )
    d.offer([error(5, group="/ecs/other")])  # no filter on that group
    d.close()
    bodies = sorted(webhook.wait_for(2), key=lambda b: b["logStream"])
    assert bodies[0] == {
        "messageType": "DATA_MESSAGE",
        "owner": "000000000000",
        "logGroup": "/ecs/app",
        "logStream": "web/app/t1",
        "subscriptionFilters": ["errors"],
        "logEvents": [
            {
                "id": error(1).event_id,
                "timestamp": error(1).timestamp_ms,
                "message": error(1).message,
            },
            {
                "id": error(3).event_id,
                "timestamp": error(3).timestamp_ms,
                "message": error(3).message,
            },
        ],
    }
    assert [e["message"] for e in bodies[1]["logEvents"]] == [error(4).message]
    stats = d.stats
    assert (stats.matched, stats.delivered, stats.dead_lettered) == (3, 3, 0)


def test_a_failing_webhook_is_retried_then_dead_lettered(tmp_path: Path, webhook: Receiver) -> None:
    webhook.statuses = [503, 500]  # two failures, then it recovers
    d = dispatcher(tmp_path, to(webhook), max_attempts=3)
    d.offer([error(1)])
    [body] = webhook.wait_for(1)
    assert body["logEvents"][0]["message"] == error(1).message
    webhook.statuses = [500] * 10
    d.offer([error(2)])
    d.close()
    [dead] = dead_letters(tmp_path / "dead.jsonl")
    assert dead["reason"] == "HTTP 500 Internal Server Error" and dead["attempts"] == 3
    assert dead["payload"]["logEvents"][0]["message"] == error(2).message
    assert d.stats.dead_lettered == 1 and d.stats.failed_attempts == 5


def test_a_client_error_is_not_retried(tmp_path: Path, webhook: Receiver) -> None:
    webhook.statuses = [404]
    d = dispatcher(tmp_path, to(webhook), max_attempts=5)
    d.offer([error(1)])
    d.close()
    [dead] = dead_letters(tmp_path / "dead.jsonl")
    assert dead["attempts"] == 1 and "404" in dead["reason"]


def test_a_slow_destination_never_holds_up_the_pipeline(tmp_path: Path, webhook: Receiver) -> None:
    webhook.delay = 0.5
    d = dispatcher(tmp_path, to(webhook), queue_size=10, batch_size=5)
    started = time.monotonic()
    for n in range(200):
        d.offer([error(n)])
    assert time.monotonic() - started < 0.5  # offer never waited for the webhook
    stats = d.stats
    assert stats.spilled >= 180 and stats.matched == 200
    d.close(timeout=0.2)
    spilled = [r for r in dead_letters(tmp_path / "dead.jsonl") if r["reason"] == "queue full"]
    assert sum(len(r["payload"]["logEvents"]) for r in spilled) == stats.spilled


def test_unreachable_webhook_gives_up_by_the_close_deadline(tmp_path: Path) -> None:
    nowhere = SubscriptionFilter("e", "/ecs/app", "", WebhookDestination("http://127.0.0.1:9/x"))
    d = dispatcher(tmp_path, nowhere, max_attempts=100, backoff=0.2, max_backoff=0.2)
    d.offer([event(1, "anything")])
    started = time.monotonic()
    d.close(timeout=0.5)
    assert time.monotonic() - started < 3
    [dead] = dead_letters(tmp_path / "dead.jsonl")
    assert dead["reason"] in ("shutdown",) or "cannot reach" in dead["reason"]


def test_a_command_gets_the_batch_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())"
    command = SubscriptionFilter(
        "cmd", "/ecs/app", ERRORS, CommandDestination((sys.executable, "-c", script))
    )
    d = dispatcher(tmp_path, command)
    d.offer([error(1)])
    d.close()
    assert json.loads(out.read_text())["logEvents"][0]["message"] == error(1).message


def test_a_failing_command_is_dead_lettered(tmp_path: Path) -> None:
    failing = CommandDestination((sys.executable, "-c", "import sys; sys.exit('no')"))
    d = dispatcher(tmp_path, SubscriptionFilter("cmd", "/ecs/app", "", failing), max_attempts=2)
    d.offer([event(1, "x")])
    d.close()
    [dead] = dead_letters(tmp_path / "dead.jsonl")
    assert dead["reason"] == "exited 1: no" and dead["attempts"] == 2


def test_the_console_gets_a_line_per_event(tmp_path: Path) -> None:
    console = io.StringIO()
    d = dispatcher(
        tmp_path,
        SubscriptionFilter("errors", "/ecs/app", ERRORS, ConsoleDestination()),
        console=console,
    )
    d.offer([error(1), event(2, "not an error")])
    d.close()
    assert console.getvalue() == f"[errors] /ecs/app web/app/t1: {error(1).message}\n"


def test_at_most_two_filters_per_log_group(tmp_path: Path, webhook: Receiver) -> None:
    filters = [to(webhook, name=n) for n in ("a", "b", "c")]
    with pytest.raises(UsageError, match="CloudWatch allows 2 per log group"):
        dispatcher(tmp_path, *filters)
    with pytest.raises(UsageError, match="two subscription filters named a"):
        dispatcher(tmp_path, filters[0], filters[0])
    d = dispatcher(tmp_path, *filters[:2], to(webhook, group="/ecs/other"))
    d.close()


def test_select_picks_what_some_filter_of_the_group_matches(tmp_path: Path) -> None:
    """The store reads back only these events for ``offer``: none that a filter would take may
    be left out."""
    d = dispatcher(
        tmp_path,
        SubscriptionFilter("errors", "/ecs/app", ERRORS, ConsoleDestination()),
        SubscriptionFilter("slow", "/ecs/app", "{ $.ms > 500 }", ConsoleDestination()),
        SubscriptionFilter("other", "/ecs/other", "", ConsoleDestination()),
        console=io.StringIO(),
    )
    messages = [
        '{"logType": "ErrorLog", "ms": 1}',
        '{"logType": "AccessLog", "ms": 900}',
        '{"logType": "AccessLog", "ms": 2}',
        '{"logType": "ErrorLog", "ms": 700}',
        "plain text",
    ]
    assert d.select("/ecs/app", messages) == [0, 1, 3]
    assert d.select("/ecs/other", messages) == [0, 1, 2, 3, 4]  # "" matches every event
    assert d.select("/ecs/none", messages) == []
    d.close()
