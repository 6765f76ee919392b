"""TaskSupervisor.snapshot(): what another thread (the service controller) reads of a running
supervisor is an immutable copy, consistent across its fields, taken under the supervisor's lock."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest
from tests.engines.conftest import container

from hakobu.containers.runtime import PodmanRuntime
from hakobu.engines.local.engine import plan_task
from hakobu.engines.local.service.tasks import new_inputs
from hakobu.engines.local.supervisor import SupervisorSnapshot, TaskSupervisor

pytestmark = pytest.mark.podman


def consistent(s: SupervisorSnapshot) -> None:
    """Fields the supervisor changes together are seen together."""
    if s.last_status == "RUNNING":
        assert s.started_at is not None
    if s.stop_code is not None:
        assert s.desired_status == "STOPPED" and s.stopped_reason is not None
    for c in s.containers:
        if c.last_status == "STOPPED":
            assert c.exit_code is not None and c.stopped_at is not None
        if c.last_status == "RUNNING":
            assert c.started_at is not None


def test_snapshots_read_while_the_task_runs_and_stops(tmp_path: Path, busybox_image: str) -> None:
    (tmp_path / "hakobu.toml").write_text('[app]\nname = "snap"\n')
    task_definition = {
        "family": "snap",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [container("main", "sleep 1; exit 3")],
    }
    inputs = new_inputs(
        app="snap",
        root=tmp_path,
        environment="local",
        task_definition=task_definition,
        environment_files={},
        config_file="hakobu.toml",
    )
    supervisor = TaskSupervisor(PodmanRuntime("podman"), plan_task(inputs), {}, console=None)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    seen: list[SupervisorSnapshot] = []
    while runner.is_alive():
        seen.append(supervisor.snapshot())
        time.sleep(0.005)
    runner.join()
    final = supervisor.snapshot()
    for snapshot in [*seen, final]:
        consistent(snapshot)
    statuses = [s.last_status for s in seen]
    assert "RUNNING" in statuses and statuses.index("RUNNING") < statuses.index("STOPPING")
    assert final.last_status == "STOPPED" and final.stop_code == "EssentialContainerExited"
    [main] = final.containers
    assert (main.name, main.last_status, main.exit_code) == ("main", "STOPPED", 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        final.last_status = "RUNNING"  # type: ignore[misc]
    assert seen[0] is not final and seen[0].last_status != "STOPPED"  # copies, not the state
