"""The service's files: revisions, events, labels on its tasks, and what it warns about."""

from __future__ import annotations

import json
from pathlib import Path

from hakobu.engines.local.engine import TaskInputs, plan_task
from hakobu.engines.local.service import coverage, records, revisions
from hakobu.engines.local.service.tasks import SERVICE, service_plan
from hakobu.spec.ecs_model import ecs_model

TASK = {
    "family": "web",
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {"name": "web", "image": "x", "portMappings": [{"containerPort": 8080}]}
    ],
}


def test_every_create_service_member_is_emulated_or_warned() -> None:
    model = ecs_model()
    service = set(model.input_shape("CreateService").members)
    assert service == set(coverage.SERVICE_EMULATED) | set(coverage.SERVICE_WARNED)
    assert not set(coverage.SERVICE_EMULATED) & set(coverage.SERVICE_WARNED)
    config = set(model.shape_for("DeploymentConfiguration").members)
    assert config == set(coverage.DEPLOYMENT_EMULATED) | set(coverage.DEPLOYMENT_WARNED)


def test_warnings_name_the_fields() -> None:
    raw = {
        "serviceName": "web",
        "serviceRegistries": [],
        "deploymentConfiguration": {"alarms": {"alarmNames": [], "enable": True, "rollback": True}},
    }
    warnings = coverage.unemulated_service_fields(raw)
    assert [w.split(":")[0] for w in warnings] == [
        "serviceRegistries",
        "deploymentConfiguration.alarms",
    ]


def test_revisions_are_numbered_per_change(tmp_path: Path) -> None:
    assert revisions.next_revision(tmp_path, TASK) == ("web:1", True)
    first, new = revisions.register(tmp_path, TASK)
    assert (first.name, new) == ("web:1", True)
    assert revisions.register(tmp_path, dict(TASK)) == (first, False)  # same content, same number
    changed = {**TASK, "cpu": "512", "memory": "1024"}
    assert revisions.next_revision(tmp_path, changed) == ("web:2", True)
    second, _ = revisions.register(tmp_path, changed)
    assert second.name == "web:2" and second.arn.endswith("task-definition/web:2")
    assert revisions.load(tmp_path, "web:1").task_definition == TASK
    assert revisions.latest(tmp_path, "web") == second


def test_events_are_read_by_offset_and_a_half_written_line_waits(tmp_path: Path) -> None:
    log = records.EventLog(tmp_path)
    log.add("(service web) has started 1 tasks: (task a).")
    events, offset = records.read_events(tmp_path)
    assert [e.message for e in events] == ["(service web) has started 1 tasks: (task a)."]
    with (tmp_path / records.EVENTS_FILE).open("a") as f:
        f.write(json.dumps({"id": "x", "createdAt": 1.0, "message": "half"})[:10])
    assert records.read_events(tmp_path, offset) == ([], offset)
    log.close()


def test_a_service_task_publishes_no_port_and_carries_the_services_labels(tmp_path: Path) -> None:
    inputs = TaskInputs("app", tmp_path, "local", TASK, {}, {}, "hakobu.toml", "a" * 32)
    plan = service_plan(plan_task(inputs), {SERVICE: "web"})
    assert plan.pod.ports == ()
    assert plan.pod.labels[SERVICE] == "web"
    assert all(c.spec.labels[SERVICE] == "web" for c in plan.containers)
    assert plan_task(inputs).pod.ports != ()  # `hakobu up` still publishes them


def test_the_controller_lock_says_whether_a_controller_runs(tmp_path: Path) -> None:
    import fcntl

    assert not records.controller_running(tmp_path)
    with (tmp_path / records.CONTROLLER_LOCK).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        # flock locks belong to the open file: another open of the same file is refused.
        assert records.controller_running(tmp_path)
    assert not records.controller_running(tmp_path)
