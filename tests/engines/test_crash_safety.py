"""`hakobu down` cleans up after hakobu was killed (SIGKILL) at several points of `up`.

Each point is observed from outside, as a crash would hit it: right after the pod exists, right
after the first container exists, while the task waits for health, and after `up` returned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

import pytest
from tests.engines.conftest import App, MakeApp, container, wait_for

from hakobu.engines.local.state import load_state, tasks_root

pytestmark = pytest.mark.podman

VALUE_FROM = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/demo/token"
SCRIPT = "trap 'exit 0' TERM; while :; do sleep 0.1; done"
CHECK = {"command": ["CMD", "true"], "interval": 5, "timeout": 2, "retries": 1}


def _engine_has(app: App, kind: str) -> bool:
    from hakobu.engines.local.labels import PROJECT, project_id

    label = f"label={PROJECT}={project_id(app.root)}"
    if kind == "pod":
        out = subprocess.run(
            ["podman", "pod", "ps", "--filter", label, "--format", "{{.Name}}"],
            capture_output=True,
            text=True,
        ).stdout
    elif kind == "container":
        out = subprocess.run(
            [
                "podman",
                "ps",
                "-a",
                "--filter",
                label,
                "--filter",
                "label=hakobu.container",
                "--format",
                "{{.Names}}",
            ],
            capture_output=True,
            text=True,
        ).stdout
    else:
        out = subprocess.run(
            [
                "podman",
                "ps",
                "--filter",
                label,
                "--filter",
                "label=hakobu.container",
                "--format",
                "{{.Names}}",
            ],
            capture_output=True,
            text=True,
        ).stdout
    return bool(out.split())


def _kill_everything(app: App, up: subprocess.Popen[str]) -> None:
    for task_dir in tasks_root(app.root).glob("*"):
        s = load_state(task_dir)
        if s is not None and s.supervisor_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(s.supervisor_pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(up.pid, signal.SIGKILL)
    up.wait(timeout=10)


@pytest.mark.parametrize("point", ["pod", "container", "running", "after-up"])
def test_down_after_hakobu_was_killed_removes_everything(make_app: MakeApp, point: str) -> None:
    app = make_app(
        [
            container(
                "app",
                SCRIPT,
                stopTimeout=3,
                healthCheck=CHECK,
                secrets=[{"name": "TOKEN", "valueFrom": VALUE_FROM}],
            ),
            container(
                "side",
                SCRIPT,
                essential=False,
                stopTimeout=3,
                dependsOn=[{"containerName": "app", "condition": "HEALTHY"}],
            ),
        ]
    )
    assert app.hakobu("secret", "set", "--ssm", "/demo/token", input="t0ken").returncode == 0
    up = app.spawn("up")
    if point == "after-up":
        assert up.wait(timeout=60) == 0
    else:
        assert wait_for(lambda: _engine_has(app, point), timeout=30, interval=0.02), point
    _kill_everything(app, up)
    assert app.engine_leftovers() != []  # the crash left things behind...
    listed = app.hakobu("ps")
    assert listed.returncode == 0
    down = app.hakobu("down")
    assert down.returncode == 0, down.stderr
    assert app.engine_leftovers() == []  # ...and `down` found them all by their labels
    assert app.hakobu("ps", "--json").stdout.strip() == "[]"
