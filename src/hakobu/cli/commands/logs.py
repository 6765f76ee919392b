"""``hakobu logs``: what the app's local task containers wrote to stdout and stderr.

``hakobu logs test-pattern --pattern P MESSAGE...`` is the counterpart of ``aws logs
test-metric-filter``: it needs no app, and prints the same JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from hakobu.cli import common
from hakobu.cli.commands import COMMANDS
from hakobu.engines.local import state
from hakobu.errors import UsageError
from hakobu.logs.events import StoredEvent
from hakobu.logs.filter_pattern import compile_pattern, metric_filter_matches
from hakobu.logs.store import STORE_FILE, LocalLogStore


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("logs", help=COMMANDS["logs"])
    parser.add_argument("--task", metavar="ID", help="a task ID or its prefix")
    parser.add_argument("--container", metavar="NAME", help="only this container")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    parser.add_argument(
        "--since", metavar="WHEN", help="only events since 10m, 2h, 1d ... or a time"
    )
    parser.add_argument(
        "--filter", metavar="PATTERN", help="a CloudWatch Logs filter pattern, e.g. '{ $.x = 1 }'"
    )
    common.add_json_option(parser)
    parser.set_defaults(func=run)
    _register_actions(parser)


def _register_actions(parser: argparse.ArgumentParser) -> None:
    # An optional action: plain `hakobu logs [-f] ...` keeps working with none given.
    actions = parser.add_subparsers(dest="logs_action", metavar="ACTION")
    test = actions.add_parser(
        "test-pattern",
        help="test a CloudWatch Logs filter pattern on messages (as aws logs test-metric-filter)",
        description="Print, as JSON shaped like `aws logs test-metric-filter`, the messages the "
        "CloudWatch Logs filter pattern matches, numbered from 1, with the fields it extracts.",
    )
    test.add_argument(
        "--pattern",
        required=True,
        metavar="PATTERN",
        help="the filter pattern (write --pattern=-TERM for one that starts with -)",
    )
    test.add_argument(
        "messages",
        nargs="+",
        metavar="MESSAGE",
        help="log event messages to test (put -- before the first if it starts with -)",
    )
    test.set_defaults(func=run_test_pattern)


def run_test_pattern(args: argparse.Namespace) -> int:
    pattern = compile_pattern(args.pattern)
    common.print_json(metric_filter_matches(pattern, args.messages))
    return 0


def _tasks(root: Path) -> list[state.TaskState]:
    """The app's tasks, running or stopped (down keeps the last state), oldest first."""
    found = [state.load_state(p) for p in state.tasks_root(root).glob("*")]
    for path in (root / ".hakobu" / "logs").glob("*.state.json"):
        found.append(state.TaskState.from_dict(json.loads(path.read_text(encoding="utf-8"))))
    tasks = {t.task_id: t for t in found if t is not None}
    return sorted(tasks.values(), key=lambda t: t.created_at or 0)


def _since_ms(text: str | None) -> int | None:
    """``30s``, ``10m``, ``2h``, ``1d`` ago, or an ISO 8601 time: a start time in milliseconds."""
    if text is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[:-1].isdigit() and text[-1] in units:
        return int((time.time() - int(text[:-1]) * units[text[-1]]) * 1000)
    try:
        return int(dt.datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        raise UsageError(f"--since {text}: expected 30s, 10m, 2h, 1d or an ISO 8601 time") from None


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    tasks = [t for t in _tasks(app.root) if t.task_id.startswith(args.task or "")]
    if not tasks:
        print("no task output yet (start a task with `hakobu up`)")
        return 0
    task = tasks[-1]
    pattern = compile_pattern(args.filter) if args.filter else None
    store_path = app.root / ".hakobu" / STORE_FILE
    if not store_path.exists():
        return 0
    store = LocalLogStore(store_path)
    last, start = 0, _since_ms(args.since)
    try:
        while True:
            for event in store.filter_events(
                None,
                task_id=task.task_id,
                container=args.container,
                start_ms=start,
                pattern=pattern,
                after_id=last,
            ):
                last = max(last, event.sequence)
                _print(event, args.json)
            if not args.follow:
                return 0
            time.sleep(0.3)
    finally:
        store.close()


def _print(event: StoredEvent, as_json: bool) -> None:
    if as_json:
        record = {
            "task": event.task_id,
            "container": event.container,
            "stream": event.source,
            "logGroupName": event.log_group,
            "logStreamName": event.log_stream,
            "timestamp": event.timestamp_ms,
            "message": event.message,
            "eventId": event.event_id,
        }
        print(json.dumps(record), flush=True)
    else:
        print(_readable(event, sys.stdout.isatty()), flush=True)


_ERROR = re.compile(
    r'"logType":\s*"ErrorLog"|"level(?:name)?":\s*"(?:ERROR|CRITICAL|FATAL)"|\bERROR\b'
)


def _readable(event: StoredEvent, colour: bool) -> str:
    """``container | message``; on a terminal the prefix is coloured by stream (stderr in
    yellow) and error lines (``logType`` ErrorLog, level ERROR) are shown in bold red."""
    if not colour:
        return f"{event.container} | {event.message}"
    prefix = "\033[33m" if event.source == "stderr" else "\033[36m"
    line = f"{prefix}{event.container}\033[0m | {event.message}"
    if _ERROR.search(event.message):
        line = f"{prefix}{event.container}\033[0m | \033[1;31m{event.message}\033[0m"
    return line
