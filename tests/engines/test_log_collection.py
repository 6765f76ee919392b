"""Collection without loss (issue 4): a container writes N numbered lines and is stopped with
SIGTERM, with SIGKILL, and by `hakobu down`; every line is in the local store and in the archive,
in order, exactly once. Group and stream names are the ones ECS's awslogs driver uses."""

from __future__ import annotations

import gzip
import json
import os
import signal
from pathlib import Path

import pytest
from tests.engines.conftest import App, MakeApp, container, wait_for

from hakobu.engines.local.state import load_state, tasks_root
from hakobu.logs.store import STORE_FILE, LocalLogStore

pytestmark = pytest.mark.podman

N = 2000
AWSLOGS = {
    "logDriver": "awslogs",
    "options": {
        "awslogs-group": "/ecs/numbers",
        "awslogs-region": "ap-northeast-1",
        "awslogs-stream-prefix": "numbers",
        "awslogs-create-group": "true",
    },
}


def _writer(stop: str) -> str:
    body = f"i=1; while [ $i -le {N} ]; do echo line-$i; i=$((i+1)); done; echo all-written"
    if stop == "ignore-term":
        return f"trap '' TERM; {body}; while :; do sleep 0.1; done"
    return f"trap 'exit 0' TERM; {body}; while :; do sleep 0.1; done"


def _store_lines(app: App) -> list[str]:
    store = LocalLogStore(app.root / ".hakobu" / STORE_FILE)
    try:
        return [e.message for e in store.filter_events("/ecs/numbers")]
    finally:
        store.close()


def _archive_lines(app: App) -> list[str]:
    records = []
    for path in sorted((app.root / "archive").rglob("*.jsonl.gz")):
        for raw in gzip.decompress(path.read_bytes()).decode().splitlines():
            records.append(json.loads(raw))
    records.sort(key=lambda r: (r.get("timestamp", 0), r.get("sequence", 0)))
    return [r["message"] for r in records if "message" in r]


@pytest.mark.parametrize("stop", ["sigterm", "sigkill", "down"])
def test_every_line_is_stored_and_archived_exactly_once(make_app: MakeApp, stop: str) -> None:
    stop_timeout = 2
    app = make_app(
        [
            container(
                "numbers",
                _writer("ignore-term" if stop == "sigkill" else "term"),
                stopTimeout=stop_timeout,
                logConfiguration=AWSLOGS,
            )
        ],
        toml_extra='\n[logs]\narchive = "archive"\n',
    )
    up = app.hakobu("up")
    assert up.returncode == 0, up.stderr
    assert wait_for(lambda: "all-written" in app.hakobu("logs").stdout, timeout=60)
    if stop == "down":
        assert app.hakobu("down").returncode == 0
    else:
        # Stop the task as ECS would on a scale-in: SIGTERM to the supervisor, which sends SIGTERM
        # to the container and SIGKILL after stopTimeout when it is ignored.
        task_dir = next(tasks_root(app.root).iterdir())
        s = load_state(task_dir)
        assert s is not None and s.supervisor_pid
        os.kill(s.supervisor_pid, signal.SIGTERM)
        assert wait_for(
            lambda: (x := load_state(task_dir)) is not None and x.last_status == "STOPPED",
            timeout=60,
        )
        if stop == "sigkill":
            assert load_state(task_dir).container("numbers").exit_code == 137  # type: ignore[union-attr]
    expected = [f"line-{i}" for i in range(1, N + 1)] + ["all-written"]
    assert _store_lines(app) == expected
    assert _archive_lines(app) == expected
    # The stream is named as the awslogs driver names it on ECS: prefix/container/task-id.
    store = LocalLogStore(app.root / ".hakobu" / STORE_FILE)
    try:
        [stream] = store.describe_streams("/ecs/numbers")
    finally:
        store.close()
    name = stream.name if hasattr(stream, "name") else stream["logStreamName"]
    assert name.startswith("numbers/numbers/") and len(name.split("/")[-1]) == 32


def test_lines_are_masked_in_every_sink(make_app: MakeApp, tmp_path: Path) -> None:
    secret_value = "s3cr3t-value-xyz"
    app = make_app(
        [
            container(
                "app",
                'echo "token is $TOKEN"; exec sleep 600',
                stopTimeout=2,
                logConfiguration=AWSLOGS
                | {"options": AWSLOGS["options"] | {"awslogs-group": "/ecs/numbers"}},
                secrets=[{"name": "TOKEN", "valueFrom": "/demo/token"}],
            )
        ],
        toml_extra='\n[logs]\narchive = "archive"\n',
    )
    assert app.hakobu("secret", "set", "--ssm", "/demo/token", input=secret_value).returncode == 0
    assert app.hakobu("up").returncode == 0
    assert wait_for(lambda: "token is" in app.hakobu("logs").stdout, timeout=20)
    assert app.hakobu("down").returncode == 0
    assert _store_lines(app) == ["token is ***"]
    assert _archive_lines(app) == ["token is ***"]
