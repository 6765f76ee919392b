"""A stop that comes while the engine is starting a container (Ctrl-C on `up --attach` right after
the app printed its first line) still stops it as ECS does: SIGTERM, its handler runs, and every
line it writes, the last one too, is collected before the task's resources go.

The race is real but narrow (about one run in ten of test_local_task's Ctrl-C test failed before
the fix); here the stop is requested from inside the engine's start, after `podman start`
returned and before the supervisor has recorded it, to hit it every time. Real podman throughout.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.engines.conftest import container

from hakobu.containers.runtime import PodmanRuntime
from hakobu.engines.local.engine import plan_task
from hakobu.engines.local.service.tasks import new_inputs
from hakobu.engines.local.supervisor import USER_STOPPED, TaskSupervisor
from hakobu.logs.store import LocalLogStore

pytestmark = pytest.mark.podman

SCRIPT = "trap 'echo stopping; exit 0' TERM; echo ready; while :; do sleep 0.1; done"


class StopDuringStart(PodmanRuntime):
    """podman, where the first start is followed at once by a stop request, as a Ctrl-C."""

    supervisor: TaskSupervisor | None = None

    def start(self, name: str) -> None:
        super().start(name)
        assert self.supervisor is not None
        self.supervisor.request_stop(*USER_STOPPED)
        # The supervisor's stop goes on meanwhile: this start has not returned to it yet.
        time.sleep(1.0)


def test_a_stop_during_the_engine_start_sends_sigterm_and_keeps_the_last_line(
    tmp_path: Path, busybox_image: str
) -> None:
    (tmp_path / "hakobu.toml").write_text('[app]\nname = "race"\n')
    logging = {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/race",
            "awslogs-region": "ap-northeast-1",
            "awslogs-stream-prefix": "race",
            "awslogs-create-group": "true",
        },
    }
    task_definition = {
        "family": "race",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            container("app", SCRIPT, stopTimeout=10, logConfiguration=logging)
        ],
    }
    inputs = new_inputs(
        app="race",
        root=tmp_path,
        environment="local",
        task_definition=task_definition,
        environment_files={},
        config_file="hakobu.toml",
    )
    runtime = StopDuringStart("podman")
    supervisor = runtime.supervisor = TaskSupervisor(runtime, plan_task(inputs), {}, console=None)
    final = supervisor.run()
    [app] = final.containers
    # exit 0 is the trap's: the container got SIGTERM from the stop, not SIGKILL or removal.
    assert (final.stop_code, app.exit_code) == ("UserInitiated", 0)
    store = LocalLogStore(tmp_path / ".hakobu" / "logs.db")
    try:
        messages = [e.message for e in store.filter_events("/ecs/race")]
    finally:
        store.close()
    assert messages == ["ready", "stopping"]
