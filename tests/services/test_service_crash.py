"""A controller killed mid-deployment: the next command resumes it, and no task is orphaned."""

from __future__ import annotations

import os
import signal

import pytest
from tests.engines.conftest import wait_for
from tests.services.conftest import MakeService, ServiceApp, web_container

from hakobu.engines.local.service import records

pytestmark = [pytest.mark.podman, pytest.mark.slow]


def _mid_deployment(app: ServiceApp) -> int:
    """Deploy v1, start deploying v2, return the controller's pid once a v2 task runs."""
    assert app.hakobu("deploy", timeout=120).returncode == 0
    app.write_task(web_container("v2"))
    assert app.hakobu("deploy", "--no-wait").returncode == 0

    def new_task_running() -> bool:
        state = records.read_state(app.service_dir)
        return state is not None and any(
            t.revision == "web:2" and t.last_status == "RUNNING" for t in state.tasks
        )

    assert wait_for(new_task_running, timeout=60)
    pid = app.state().controller_pid
    assert pid is not None
    return pid


def test_the_next_deploy_completes_a_deployment_whose_controller_was_killed(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1", delay=1)
    os.kill(_mid_deployment(app), signal.SIGKILL)
    assert wait_for(lambda: not records.controller_running(app.service_dir), timeout=10)
    listed = app.hakobu("ps")
    assert "controller not running" in listed.stdout
    resumed = app.hakobu("deploy", timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert any("left by a controller that stopped unexpectedly" in e for e in app.events())
    state = app.state()
    assert state.steady and [
        d.task_definition for d in state.deployments if d.status == "PRIMARY"
    ] == ["web:2"]
    assert sorted(t.revision for t in state.tasks) == ["web:2"] * 3
    assert not any(t.adopted for t in state.tasks)
    running = [t for t in app.ps() if t["engine_containers"]]
    assert len(running) == 3  # exactly the service's tasks: nothing left over
    assert not any(t["orphaned"] for t in running)
    assert {t["revision"] for t in running} == {"web:2"}
    assert app.get() == "v2"


def test_down_after_a_controller_crash_removes_every_task(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1", delay=1)
    os.kill(_mid_deployment(app), signal.SIGKILL)
    assert app.engine_leftovers() != []
    down = app.hakobu("down", timeout=300)
    assert down.returncode == 0, down.stderr
    assert app.engine_leftovers() == []
    assert app.state().status == "INACTIVE"
    assert "service web" not in app.hakobu("ps").stdout
