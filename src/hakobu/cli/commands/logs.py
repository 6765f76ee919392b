"""``hakobu logs``: what the app's local task containers wrote to stdout and stderr.

``hakobu logs test-pattern --pattern P MESSAGE...`` is the counterpart of ``aws logs
test-metric-filter``: it needs no app, and prints the same JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from hakobu.cli import common
from hakobu.engines.local import state
from hakobu.engines.local.output import OutputLine, read_output
from hakobu.logs.filter_pattern import compile_pattern, metric_filter_matches


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "logs", help="show the output of the app's local tasks (the latest by default)"
    )
    parser.add_argument("--task", metavar="ID", help="a task ID or its prefix")
    parser.add_argument("--container", metavar="NAME", help="only this container")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
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


def output_files(root: Path) -> list[tuple[str, Path]]:
    """(task id, file) for running tasks and those stopped by `down`, oldest first."""
    files = [
        (p.name, p / state.OUTPUT_FILE)
        for p in state.tasks_root(root).glob("*")
        if (p / state.OUTPUT_FILE).exists()
    ]
    files += [(p.stem, p) for p in (root / ".hakobu" / "logs").glob("*.jsonl")]
    return sorted(files, key=lambda f: f[1].stat().st_mtime)


def run(args: argparse.Namespace) -> int:
    app = common.load_app()
    files = output_files(app.root)
    if args.task:
        files = [f for f in files if f[0].startswith(args.task)]
    if not files:
        print("no task output yet (start a task with `hakobu up`)")
        return 0
    task_id, path = files[-1]
    shown = 0
    while True:
        lines = read_output(path)
        for line in lines[shown:]:
            if args.container is None or line.container == args.container:
                _print(line, task_id, args.json)
        shown = len(lines)
        if not args.follow or not (state.tasks_root(app.root) / task_id).exists():
            return 0
        time.sleep(0.2)


def _print(line: OutputLine, task_id: str, as_json: bool) -> None:
    if as_json:
        record = {"task": task_id, **line.__dict__}
        print(json.dumps(record), flush=True)
    else:
        print(f"{line.container} | {line.message}", flush=True)
