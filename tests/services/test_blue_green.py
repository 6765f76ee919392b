"""Native blue/green deployments on real podman: traffic shifted between target groups under
load, a lifecycle hook checking the test listener, and a failed hook rolling back."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from tests.services.conftest import Load, MakeService, ServiceApp, web_container

pytestmark = [pytest.mark.podman, pytest.mark.slow]

HOOK = "arn:aws:lambda:us-east-1:123456789012:function:check-green"
# The hook asks the test listener for the new revision's answer, as a validation Lambda would.
CHECK = (
    f'{sys.executable} -c "import os, sys, urllib.request; '
    "body = urllib.request.urlopen(os.environ['HAKOBU_TEST_URL'], timeout=5).read(); "
    "sys.exit(0 if body.strip() == os.environ.get('WANT', 'v2').encode() else 1)\""
)


def blue_green(app_hook: str, **config: Any) -> dict[str, Any]:
    return {
        "deploymentConfiguration": {
            "strategy": "BLUE_GREEN",
            "bakeTimeInMinutes": 0,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "lifecycleHooks": [
                {"hookTargetArn": app_hook, "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
            ],
            **config,
        }
    }


def service(make_service: MakeService, command: str) -> ServiceApp:
    hooks = f'\n[service.hooks]\n"{HOOK}" = """{command}"""\n'
    app = make_service("v1", test_listener=True, toml_extra=hooks, **blue_green(HOOK))
    first = app.hakobu("deploy", timeout=120)  # no blue yet: the first one just scales up
    assert first.returncode == 0, first.stderr
    return app


def test_blue_green_shifts_all_traffic_at_once_without_failing_a_request(
    make_service: MakeService, busybox_image: str
) -> None:
    app = service(make_service, CHECK)
    with Load(app.port, clients=20) as load:
        app.write_task(web_container("v2"))
        deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 0, deployed.stderr
    assert load.failures == [], load.failures[:10]
    assert load.bodies["v1"] > 0 and load.bodies["v2"] > 0
    events = app.events()
    stages = [
        e.split("lifecycle stage ")[1].split(":")[0] for e in events if "lifecycle stage" in e
    ]
    assert stages == [
        "SCALE_UP",
        "POST_SCALE_UP",
        "TEST_TRAFFIC_SHIFT",
        "POST_TEST_TRAFFIC_SHIFT",
        "PRE_PRODUCTION_TRAFFIC_SHIFT",
        "PRODUCTION_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT",
        "BAKE_TIME",
        "CLEAN_UP",
    ]
    assert any(f"lifecycle hook {HOOK} at POST_TEST_TRAFFIC_SHIFT: SUCCEEDED" in e for e in events)
    assert any("registered" in e and "targetgroup/hakobu-web-alt/" in e for e in events)
    state = app.state()
    primary = state.primary()
    assert primary is not None and primary.task_definition == "web:2"
    assert primary.target_group == "alternate" and state.steady
    assert sorted(t.revision for t in state.tasks) == ["web:2"] * 3
    assert app.get() == "v2" and app.get(port=app.test_port) == "v2"


def test_a_failed_hook_shifts_traffic_back_to_blue(
    make_service: MakeService, busybox_image: str
) -> None:
    app = service(make_service, f"WANT=v3 {CHECK}")  # green answers v2: the check fails
    with Load(app.port, clients=10) as load:
        app.write_task(web_container("v2"))
        deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 1, deployed.stderr
    assert "Rolled back to web:1" in deployed.stdout
    assert load.failures == []
    assert set(load.bodies) == {"v1"}  # production traffic never reached green
    events = app.events()
    assert any(f"lifecycle hook {HOOK} at POST_TEST_TRAFFIC_SHIFT: FAILED" in e for e in events)
    assert any("deployment failed: lifecycle hook failed." in e for e in events)
    assert any("rolling back to deployment" in e for e in events)
    state = app.state()
    assert state.steady and sorted(t.revision for t in state.tasks) == ["web:1"] * 3
    assert app.get(port=app.test_port) == "v1"
