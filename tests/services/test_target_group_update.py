"""A redeploy that changes [service.target_group] modifies the running load balancer's target
groups, as ModifyTargetGroup does: the same tasks stay registered and no request fails."""

from __future__ import annotations

import subprocess

import pytest
from tests.engines.conftest import wait_for
from tests.services.conftest import Load, MakeService, ServiceApp, web_container

from hakobu.engines.local.labels import PROJECT, project_id

pytestmark = [pytest.mark.podman, pytest.mark.slow]

NEW_SETTINGS = """[service.target_group]
health_check_path = "/index.html"
matcher = "200-299"
unhealthy_threshold_count = 3
"""


def web_logs(app: ServiceApp) -> list[str]:
    """What each task's web container wrote (busybox httpd -vv logs every request's path)."""
    names = subprocess.run(
        ["podman", "ps", "--filter", f"label={PROJECT}={project_id(app.root)}",
         "--filter", "label=hakobu.container=web", "--format", "{{.Names}}"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    logs = [
        subprocess.run(["podman", "logs", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for name in names
    ]
    return [done.stdout.decode(errors="replace") for done in logs]


def test_changed_health_check_settings_apply_without_replacing_tasks_or_failing_requests(
    make_service: MakeService, busybox_image: str
) -> None:
    app = make_service("v1", desiredCount=2)
    web = web_container("v1")
    app.write_task(web | {"command": ["sh", "-c", web["command"][-1].replace("-f", "-f -vv")]})
    assert app.hakobu("deploy", timeout=120).returncode == 0
    tasks = {t.task_id for t in app.state().tasks}
    assert len(tasks) == 2
    assert not any("url:/index.html" in log for log in web_logs(app))

    toml = app.root / "hakobu.toml"
    toml.write_text(toml.read_text().replace("[service.target_group]\n", NEW_SETTINGS))
    with Load(app.port, clients=10) as load:
        deployed = app.hakobu("deploy", timeout=120)
        assert deployed.returncode == 0, deployed.stderr
        # The load balancer's checks now ask for the new path (the clients only ask for /).
        assert wait_for(lambda: all("url:/index.html" in log for log in web_logs(app)), timeout=30)
    assert load.failures == [], load.failures[:10]
    assert load.total > 50
    state = app.state()
    assert {t.task_id for t in state.tasks} == tasks and state.running_count == 2
    assert all(t.target_state == "healthy" for t in state.tasks)
    assert any("modified (target-group" in e for e in app.events())
