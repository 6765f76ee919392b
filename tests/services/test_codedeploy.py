"""CODE_DEPLOY blue/green deployments on real podman tasks behind the real load balancer: a
canary under load, a failed AfterAllowTestTraffic hook and an unhealthy replacement task set
rolled back, and a controller killed mid-deployment."""

from __future__ import annotations

import os
import signal

import pytest
from tests.engines.conftest import wait_for
from tests.services.conftest import Load, MakeService, ServiceApp, web_container
from tests.services.test_blue_green import CHECK

from hakobu.engines.local.service import records
from hakobu.spec.appspec import LIFECYCLE_EVENTS

pytestmark = [pytest.mark.podman, pytest.mark.slow]

APPSPEC = """\
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:111222333444:task-definition/web:1"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 8080
Hooks:
  - AfterAllowTestTraffic: "check-green"
"""

# A configuration's minute lasts one second here: the canary's 5 minutes are 5 s.
SETTINGS = """
[service.codedeploy]
deployment_config_name = "{config}"
seconds_per_minute = 1
termination_wait_time_in_minutes = 1

[service.codedeploy.hooks]
AfterAllowTestTraffic = '''{command}'''
"""
EVENTS = LIFECYCLE_EVENTS  # in the order CodeDeploy runs them


def service(
    make_service: MakeService,
    command: str,
    config: str = "CodeDeployDefault.ECSCanary10Percent5Minutes",
) -> ServiceApp:
    app = make_service(
        "v1",
        test_listener=True,
        toml_extra=SETTINGS.format(config=config, command=command),
        deploymentController={"type": "CODE_DEPLOY"},
        deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200},
    )
    (app.root / "appspec.yaml").write_text(APPSPEC)
    first = app.hakobu("deploy", timeout=120)  # the original task set: no traffic to shift yet
    assert first.returncode == 0, first.stderr
    return app


def lifecycle(events: list[str]) -> list[str]:
    return [e.split("lifecycle event ")[1] for e in events if " lifecycle event " in e]


def test_a_canary_deployment_completes_without_failing_a_request(
    make_service: MakeService, busybox_image: str
) -> None:
    app = service(make_service, CHECK)
    with Load(app.port, clients=20) as load:
        app.write_task(web_container("v2"))
        deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 0, deployed.stderr
    assert "CODE_DEPLOY CodeDeployDefault.ECSCanary10Percent5Minutes" in deployed.stdout
    assert load.failures == [], load.failures[:10]
    assert load.bodies["v1"] > 0 and load.bodies["v2"] > 0
    events = app.events()
    assert lifecycle(events) == [f"{e}: Succeeded." for e in EVENTS]
    assert any(
        "lifecycle hook check-green at AfterAllowTestTraffic: SUCCEEDED" in e for e in events
    )
    shifts = [e.split("AllowTraffic: ")[1] for e in events if "% of production traffic" in e]
    assert shifts == [
        "10% of production traffic on the replacement task set.",
        "100% of production traffic on the replacement task set.",
    ]
    assert any("terminated in 1 minutes (terminationWaitTimeInMinutes)" in e for e in events)
    # The canary's 5 minutes and the termination wait's 1 (at 1 s a minute) were waited for.
    at = {
        key: next(e.created_at for e in records.read_events(app.service_dir)[0] if key in e.message)
        for key in ("10% of production", "100% of production", "terminated in", "terminating")
    }
    assert at["100% of production"] - at["10% of production"] >= 5
    assert at["terminating"] - at["terminated in"] >= 1
    assert any("registered" in e and "targetgroup/hakobu-web-alt/" in e for e in events)
    state = app.state()
    primary = state.primary()
    assert primary is not None and primary.task_definition == "web:2" and state.steady
    assert primary.target_group == "alternate" and primary.strategy == "CODE_DEPLOY"
    assert sorted(t.revision for t in state.tasks) == ["web:2"] * 3
    assert app.get() == "v2" and app.get(port=app.test_port) == "v2"
    shown = app.hakobu("events")
    assert "lifecycle event AfterAllowTraffic: Succeeded." in shown.stdout


def test_a_failed_after_allow_test_traffic_hook_rolls_back(
    make_service: MakeService, busybox_image: str
) -> None:
    app = service(make_service, f"WANT=v3 {CHECK}", "CodeDeployDefault.ECSAllAtOnce")
    with Load(app.port, clients=10) as load:
        app.write_task(web_container("v2"))
        deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 1, deployed.stderr
    assert "Rolled back to web:1" in deployed.stdout
    assert load.failures == []
    assert set(load.bodies) == {"v1"}  # production traffic never left the original task set
    events = app.events()
    assert lifecycle(events) == [
        *(f"{e}: Succeeded." for e in EVENTS[:4]),
        "AfterAllowTestTraffic: Failed.",
    ]
    assert any("lifecycle hook check-green at AfterAllowTestTraffic: FAILED" in e for e in events)
    assert any("deployment failed: lifecycle hook failed." in e for e in events)
    assert any("rolling back to deployment" in e for e in events)
    state = app.state()
    assert state.steady and sorted(t.revision for t in state.tasks) == ["web:1"] * 3
    assert app.get(port=app.test_port) == "v1"


def test_a_replacement_task_set_that_fails_health_checks_rolls_back(
    make_service: MakeService, busybox_image: str
) -> None:
    app = service(make_service, "true")
    failing = {"command": ["CMD-SHELL", "exit 1"], "interval": 5, "timeout": 2, "retries": 1}
    with Load(app.port, clients=5) as load:
        app.write_task(web_container("v2", healthCheck=failing))
        deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 1, deployed.stderr
    assert "Rolled back to web:1" in deployed.stdout
    assert load.failures == [] and set(load.bodies) == {"v1"}
    events = app.events()
    assert lifecycle(events) == ["BeforeInstall: Succeeded."]  # Install never succeeded
    assert any("failed container health checks." in e for e in events)
    assert any("deployment failed: tasks failed to start." in e for e in events)
    state = app.state()
    assert state.steady and sorted(t.revision for t in state.tasks) == ["web:1"] * 3


def test_a_killed_controller_resumes_the_deployment(
    make_service: MakeService, busybox_image: str
) -> None:
    app = service(make_service, "sleep 3", "CodeDeployDefault.ECSAllAtOnce")
    (app.root / "appspec.yaml").write_text(APPSPEC.replace("check-green", "sleep-a-while"))
    app.write_task(web_container("v2"))
    assert app.hakobu("deploy", "--no-wait").returncode == 0

    def in_hook() -> bool:
        state = records.read_state(app.service_dir)
        primary = state.primary() if state else None
        return primary is not None and primary.stage == "POST_TEST_TRAFFIC_SHIFT"

    assert wait_for(in_hook, timeout=90)
    pid = app.state().controller_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not records.controller_running(app.service_dir), timeout=10)
    resumed = app.hakobu("deploy", timeout=180)  # the same revision: resume, no new deployment
    assert resumed.returncode == 0, resumed.stderr
    events = app.events()
    assert any("left by a controller that stopped unexpectedly" in e for e in events)
    # The hook the dead controller was running runs again, to its end.
    hook = [e for e in events if "lifecycle hook sleep-a-while at AfterAllowTestTraffic" in e]
    assert hook == [hook[0]] and hook[0].endswith("SUCCEEDED")
    assert lifecycle(events)[-1] == "AfterAllowTraffic: Succeeded."
    state = app.state()
    assert state.steady and sorted(t.revision for t in state.tasks) == ["web:2"] * 3
    running = [t for t in app.ps() if t["engine_containers"]]
    assert len(running) == 3 and not any(t["orphaned"] for t in running)
    assert app.get() == "v2"


def test_stopping_a_deployment_mid_canary_shifts_traffic_back(
    make_service: MakeService, busybox_image: str
) -> None:
    # 15 configured minutes of canary last 30 s here: time enough to stop it.
    app = make_service(
        "v1",
        test_listener=True,
        toml_extra=SETTINGS.format(
            config="CodeDeployDefault.ECSCanary10Percent15Minutes", command="true"
        ).replace("seconds_per_minute = 1", "seconds_per_minute = 2"),
        deploymentController={"type": "CODE_DEPLOY"},
        deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200},
    )
    (app.root / "appspec.yaml").write_text(APPSPEC)
    assert app.hakobu("deploy", timeout=120).returncode == 0
    with Load(app.port, clients=10) as load:
        app.write_task(web_container("v2"))
        assert app.hakobu("deploy", "--no-wait").returncode == 0

        def canary() -> bool:
            primary = app.state().primary()
            return primary is not None and primary.traffic == 10.0

        assert wait_for(canary, timeout=90)
        assert wait_for(lambda: load.bodies["v2"] > 0, timeout=10)
        # One deployment at a time per deployment group: a new revision is refused, not rolled
        # out over the canary (CreateDeployment's DeploymentLimitExceededException).
        green = app.state().primary()
        assert green is not None
        app.write_task(web_container("v3"))
        refused = app.hakobu("deploy", timeout=60)
        assert refused.returncode == 2, refused.stderr
        assert f"already has an active Deployment '{green.id}'" in refused.stderr
        assert "`hakobu deploy --stop`" in refused.stderr
        still = app.state().primary()
        assert still is not None and (still.id, still.task_definition) == (green.id, "web:2")
        stopped = app.hakobu("deploy", "--stop", timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert f"stopping deployment {green.id}" in stopped.stdout
    assert stopped.stdout.splitlines()[-1] == (
        f"deployment {green.id} stopped; service {app.state().service_name} has reached a steady "
        f"state on web:1 ({green.replaces})"
    )
    assert load.failures == [], load.failures[:10]
    events = app.events()
    assert any("deployment failed: stopped on request." in e for e in events)
    assert any("rolling back to deployment" in e for e in events)
    assert lifecycle(events)[-1] == "BeforeAllowTraffic: Succeeded."  # AllowTraffic never did
    state = app.state()
    assert state.steady and sorted(t.revision for t in state.tasks) == ["web:1"] * 3
    assert app.get() == "v1" and app.get(port=app.test_port) == "v1"
    again = app.hakobu("deploy", "--stop")
    assert again.returncode == 2 and "no blue/green deployment in progress" in again.stderr
