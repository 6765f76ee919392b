"""A service on real podman: rolling deployments, scale-in and rollback under steady load.

The issue's acceptance test: 20 concurrent clients for the whole run, and a rolling deployment
from 3 tasks to a new revision and a scale-in from 3 to 1 complete with zero failed requests; a
revision whose container fails its health check is rolled back, and the events say why.
"""

from __future__ import annotations

import json

import pytest
from tests.engines.conftest import wait_for
from tests.services.conftest import Load, MakeService, web_container

pytestmark = [pytest.mark.podman, pytest.mark.slow]


def test_rolling_deployment_and_scale_in_under_load_fail_no_request(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1")
    first = app.hakobu("deploy", timeout=120)
    assert first.returncode == 0, first.stderr
    assert app.get() == "v1"
    with Load(app.port, clients=20) as load:
        app.write_task(web_container("v2"))
        deployed = app.hakobu("deploy", timeout=180)
        assert deployed.returncode == 0, deployed.stderr
        scaled = app.hakobu("scale", "1", timeout=120)
        assert scaled.returncode == 0, scaled.stderr
    assert load.failures == [], load.failures[:10]
    assert load.total > 200  # the load really ran through both changes
    assert load.bodies["v1"] > 0 and load.bodies["v2"] > 0
    state = app.state()
    assert state.steady and state.desired_count == 1 and state.running_count == 1
    [primary] = [d for d in state.deployments if d.status == "PRIMARY"]
    assert primary.task_definition == "web:2" and primary.rollout_state == "COMPLETED"
    events = app.events()
    assert any("has begun draining connections on" in e for e in events)
    assert any("deployment completed." in e for e in events)
    assert events[-1] == "(service web) has reached a steady state."
    tasks = [t for t in app.ps() if t["last_status"] == "RUNNING"]
    assert [t["revision"] for t in tasks] == ["web:2"]


def test_a_revision_failing_its_health_check_is_rolled_back(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1")
    assert app.hakobu("deploy", timeout=120).returncode == 0
    failing = {"command": ["CMD-SHELL", "exit 1"], "interval": 5, "timeout": 2, "retries": 1}
    app.write_task(web_container("v2", healthCheck=failing))
    with Load(app.port, clients=5) as load:
        deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 1, deployed.stderr
    assert "Rolled back to web:1" in deployed.stdout
    assert load.failures == []  # the failing tasks never got a request
    assert set(load.bodies) == {"v1"}
    events = app.events()
    assert any("failed container health checks." in e for e in events)
    failed = [e for e in events if "deployment failed: tasks failed to start." in e]
    assert len(failed) == 1
    assert any("rolling back to deployment" in e for e in events)
    state = app.state()
    [primary] = [d for d in state.deployments if d.status == "PRIMARY"]
    assert primary.task_definition == "web:1" and primary.rollout_state == "COMPLETED"
    assert state.steady and state.running_count == 3
    described = json.loads(app.hakobu("events", "--json").stdout)
    assert described["taskDefinition"].endswith("task-definition/web:1")
    assert described["deployments"][0]["rolloutState"] == "COMPLETED"


AUTOSCALING = """
[service.autoscaling]
min_capacity = 1
max_capacity = 3
target_value = 20
scale_out_cooldown_seconds = 2
scale_in_cooldown_seconds = 2
metric_period_seconds = 1
"""


def test_target_tracking_follows_requests_per_target(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1", desiredCount=1)
    with (app.root / "hakobu.toml").open("a") as f:
        f.write(AUTOSCALING)
    assert app.hakobu("deploy", timeout=120).returncode == 0
    with Load(app.port, clients=10) as load:
        assert wait_for(lambda: app.state().desired_count == 3, timeout=30)
        assert wait_for(lambda: app.state().steady and app.state().running_count == 3, timeout=60)
    assert load.failures == []
    # 15 datapoints below 90 % of the target (one a second here) scale it back in.
    assert wait_for(lambda: app.state().desired_count == 1, timeout=60)
    assert wait_for(lambda: app.state().steady and app.state().running_count == 1, timeout=60)
    scaling = [e for e in app.events() if e.startswith("Message: Successfully set desired count")]
    assert scaling[0].startswith("Message: Successfully set desired count to 3.")
    assert "TargetTracking-service/default/web-AlarmHigh" in scaling[0]
    assert "web-AlarmLow" in scaling[-1] and "desired count to 1." in scaling[-1]
