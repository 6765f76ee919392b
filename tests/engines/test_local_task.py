"""`hakobu up` / `ps` / `down` on real podman containers, with Fargate semantics.

Every test here runs real containers from the busybox stand-in image (scripts/base-images).
"""

from __future__ import annotations

import time
import urllib.request

import pytest
from tests.engines.conftest import MakeApp, container, free_port, stopped_task_state, wait_for

from hakobu.engines.local.state import TaskState, load_state, tasks_root

pytestmark = pytest.mark.podman

HTTPD = "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"
HEALTHY_CHECK = {
    "command": ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8080/"],
    "interval": 5,
    "timeout": 2,
    "retries": 2,
}


def test_containers_of_a_task_share_localhost_and_the_port_is_published(make_app: MakeApp) -> None:
    port = free_port()
    # "client" reaches "web" on localhost, as containers of one awsvpc task do on ECS.
    client = container(
        "client",
        "until wget -q -O /tmp/got http://localhost:8080/; do sleep 0.2; done; "
        "cat /tmp/got; sleep 600",
        essential=False,
        stopTimeout=2,
    )
    app = make_app(
        [container("web", HTTPD, portMappings=[{"containerPort": 8080}], stopTimeout=2), client],
        ports={8080: port},
    )
    up = app.hakobu("up")
    assert up.returncode == 0, up.stderr
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
    assert body.strip() == "hello-from-web"
    assert wait_for(lambda: "hello-from-web" in app.hakobu("logs", "--container", "client").stdout)
    [task] = app.ps()
    assert task["last_status"] == "RUNNING"
    assert {c["name"]: c["last_status"] for c in task["containers"]} == {
        "web": "RUNNING",
        "client": "RUNNING",
    }
    down = app.hakobu("down")
    assert down.returncode == 0, down.stderr
    assert app.engine_leftovers() == []
    assert app.ps() == []


def test_health_status_goes_unknown_healthy_unhealthy(make_app: MakeApp) -> None:
    # Healthy while /tmp/ok exists; the container removes it after ~9 s.
    script = "touch /tmp/ok; (sleep 9; rm /tmp/ok) & exec sleep 600"
    check = {"command": ["CMD-SHELL", "test -f /tmp/ok"], "interval": 5, "timeout": 2, "retries": 1}
    app = make_app([container("app", script, healthCheck=check, stopTimeout=2)])
    # ECS (and Docker) run the first check one interval after start: UNKNOWN until then.
    proc = app.spawn("up")
    assert wait_for(lambda: any(t.get("containers") for t in app.ps()), timeout=20)
    first = app.ps()[0]["containers"][0]
    assert first["health_status"] == "UNKNOWN"
    assert proc.wait(timeout=60) == 0
    assert app.ps()[0]["health_status"] == "HEALTHY"
    assert wait_for(lambda: app.ps()[0]["health_status"] == "UNHEALTHY", timeout=30)
    # A standalone task keeps running when unhealthy, as on ECS (only services replace it).
    assert app.ps()[0]["last_status"] == "RUNNING"


def test_essential_container_exit_stops_the_task(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("main", "sleep 2; exit 3", stopTimeout=2),
            container("sidecar", "exec sleep 600", essential=False, stopTimeout=2),
        ]
    )
    assert app.hakobu("up").returncode == 0
    assert wait_for(lambda: all(t["last_status"] == "STOPPED" for t in app.ps()), timeout=30)
    logs_state = app.hakobu("ps", "--json")
    assert app.engine_leftovers() == [], logs_state.stdout


def test_essential_exit_is_reported_with_ecs_stop_code(make_app: MakeApp) -> None:
    app = make_app([container("main", "sleep 3; exit 3", stopTimeout=2)])
    assert app.hakobu("up").returncode == 0
    task_dir = next(tasks_root(app.root).iterdir())
    assert wait_for(lambda: _stopped(load_state(task_dir)), timeout=30)
    final = load_state(task_dir)
    assert final is not None
    assert final.stop_code == "EssentialContainerExited"
    assert final.stopped_reason == "Essential container in task exited"
    assert final.container("main").exit_code == 3


def test_up_fails_when_the_essential_container_exits_before_healthy(make_app: MakeApp) -> None:
    check = {"command": ["CMD-SHELL", "true"], "interval": 5, "timeout": 2, "retries": 1}
    app = make_app([container("main", "exit 1", healthCheck=check, stopTimeout=2)])
    up = app.hakobu("up")
    assert up.returncode == 1
    assert "Essential container in task exited" in up.stderr
    assert wait_for(lambda: app.engine_leftovers() == [], timeout=30)


@pytest.mark.parametrize(
    ("script", "expect_seconds"),
    [
        # Honours SIGTERM: exits at once.
        ("trap 'echo got-term; exit 0' TERM; while :; do sleep 0.1; done", 0.0),
        # Ignores SIGTERM: killed only when stopTimeout (4 s) runs out.
        ("trap '' TERM; while :; do sleep 0.1; done", 4.0),
    ],
    ids=["honours-sigterm", "ignores-sigterm"],
)
def test_stop_sends_sigterm_then_sigkill_after_stop_timeout(
    make_app: MakeApp, script: str, expect_seconds: float
) -> None:
    app = make_app([container("app", script, stopTimeout=4)])
    assert app.hakobu("up").returncode == 0
    time.sleep(0.5)  # let the shell install its trap
    down = app.hakobu("down")
    assert down.returncode == 0, down.stderr
    final = stopped_task_state(app)
    assert final.stop_code == "UserInitiated"
    # From the moment the task began stopping (SIGTERM) to the moment the container exited.
    stop_seconds = final.container("app").stopped_at - final.stopping_at
    assert abs(stop_seconds - expect_seconds) <= 1.0, stop_seconds
    if expect_seconds == 0.0:
        assert "got-term" in app.hakobu("logs").stdout


def _stopped(s: TaskState | None) -> bool:
    return s is not None and s.last_status == "STOPPED"


def test_attach_streams_prefixed_output_and_ctrl_c_stops_the_task(make_app: MakeApp) -> None:
    import signal

    script = "trap 'echo stopping; exit 0' TERM; echo ready; while :; do sleep 0.1; done"
    app = make_app([container("app", script, stopTimeout=5)])
    proc = app.spawn("up", "--attach")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "app | ready"
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "app | stopping" in out
    assert app.engine_leftovers() == []
