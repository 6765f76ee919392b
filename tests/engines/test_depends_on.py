"""dependsOn conditions, as ECS defines them (API ContainerDependency):
START - the dependency has started; COMPLETE - it ran to completion (any exit code);
SUCCESS - it exited with code 0; HEALTHY - it passed its health check.
Containers stop in the reverse order."""

from __future__ import annotations

import pytest
from tests.engines.conftest import App, MakeApp, container, wait_for

from hakobu.engines.local.state import TaskState, load_state, tasks_root

pytestmark = pytest.mark.podman

LONG = "exec sleep 600"


def _state(app: App) -> TaskState:
    task_dir = next(tasks_root(app.root).iterdir())
    state = load_state(task_dir)
    assert state is not None
    return state


def _up_ok(app: App) -> TaskState:
    up = app.hakobu("up")
    assert up.returncode == 0, up.stderr
    return _state(app)


def test_start_waits_for_the_dependency_to_start(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("first", LONG, stopTimeout=2),
            container(
                "second",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "first", "condition": "START"}],
            ),
        ]
    )
    s = _up_ok(app)
    first, second = s.container("first"), s.container("second")
    assert first.started_at is not None and second.started_at is not None
    assert second.started_at >= first.started_at


def test_complete_waits_for_exit_with_any_code(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("migrate", "sleep 1; exit 4", essential=False, stopTimeout=2),
            container(
                "app",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "migrate", "condition": "COMPLETE"}],
            ),
        ]
    )
    s = _up_ok(app)
    migrate, main = s.container("migrate"), s.container("app")
    assert migrate.exit_code == 4
    assert main.started_at is not None and migrate.stopped_at is not None
    assert main.started_at >= migrate.stopped_at


def test_success_starts_after_exit_zero(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("init", "sleep 1; exit 0", essential=False, stopTimeout=2),
            container(
                "app",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "init", "condition": "SUCCESS"}],
            ),
        ]
    )
    s = _up_ok(app)
    assert s.container("init").exit_code == 0
    assert s.container("app").last_status == "RUNNING"


def test_success_never_starts_after_a_failed_exit_and_the_task_stops(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("init", "exit 2", essential=False, stopTimeout=2),
            container(
                "app",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "init", "condition": "SUCCESS"}],
            ),
        ]
    )
    up = app.hakobu("up")
    assert up.returncode == 1
    assert "init exited 2, condition SUCCESS" in up.stderr
    assert wait_for(lambda: _state(app).last_status == "STOPPED", timeout=30)
    assert _state(app).container("app").started_at is None
    assert app.engine_leftovers() == []


def test_healthy_waits_for_the_health_check_and_fails_when_unhealthy(make_app: MakeApp) -> None:
    check_ok = {"command": ["CMD", "true"], "interval": 5, "timeout": 2, "retries": 1}
    check_bad = {"command": ["CMD", "false"], "interval": 5, "timeout": 2, "retries": 1}
    good = make_app(
        [
            container("db", LONG, stopTimeout=2, healthCheck=check_ok),
            container(
                "app",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "db", "condition": "HEALTHY"}],
            ),
        ]
    )
    s = _up_ok(good)
    assert s.container("db").health_status == "HEALTHY"
    assert s.container("app").started_at is not None
    assert (
        s.container("app").started_at >= s.container("db").started_at + 5
    )  # first check after one interval

    bad = make_app(
        [
            container("db", LONG, stopTimeout=2, healthCheck=check_bad),
            container(
                "app",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "db", "condition": "HEALTHY"}],
            ),
        ]
    )
    up = bad.hakobu("up")
    assert up.returncode == 1
    assert "db did not become HEALTHY" in up.stderr or "UNHEALTHY" in up.stderr
    assert wait_for(lambda: _state(bad).last_status == "STOPPED", timeout=30)
    assert _state(bad).container("app").started_at is None


def test_start_timeout_of_the_dependency_bounds_the_wait(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("slow", "sleep 30", essential=False, stopTimeout=2, startTimeout=2),
            container(
                "app",
                LONG,
                stopTimeout=2,
                dependsOn=[{"containerName": "slow", "condition": "COMPLETE"}],
            ),
        ]
    )
    up = app.hakobu("up")
    assert up.returncode == 1
    assert "within its startTimeout of 2 s" in up.stderr


def test_containers_stop_in_reverse_dependency_order(make_app: MakeApp) -> None:
    app = make_app(
        [
            container("db", "trap 'exit 0' TERM; while :; do sleep 0.1; done", stopTimeout=5),
            container(
                "app",
                "trap 'exit 0' TERM; while :; do sleep 0.1; done",
                stopTimeout=5,
                dependsOn=[{"containerName": "db", "condition": "START"}],
            ),
        ]
    )
    _up_ok(app)
    assert app.hakobu("down").returncode == 0
    from tests.engines.conftest import stopped_task_state

    final = stopped_task_state(app)
    app_stopped, db_stopped = final.container("app").stopped_at, final.container("db").stopped_at
    assert app_stopped is not None and db_stopped is not None
    assert app_stopped <= db_stopped
