"""Stopping blue/green deployments and their hooks, without containers: a hook (a real local
command) that is stopped by ``deploy --stop`` or the controller's shutdown, or that exits leaving
something behind, ends with everything it started; a stop that comes once the original tasks are
being terminated is refused, and ``deploy --stop`` says so; ``deploy --stop --dry-run`` changes
nothing."""

from __future__ import annotations

import asyncio
import fcntl
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.engines.conftest import App, wait_for

from hakobu.containers.runtime import PodmanRuntime
from hakobu.engines.local.service import codedeploy, records
from hakobu.engines.local.service.bluegreen import (
    CLEAN_UP,
    POST_PRODUCTION_TRAFFIC_SHIFT,
    POST_TEST_TRAFFIC_SHIFT,
    PRE_SCALE_UP,
)
from hakobu.engines.local.service.controller import ServiceController
from hakobu.engines.local.service.hooks import HookResult, run_hooks
from hakobu.engines.local.service.lifecycle import Lifecycle
from hakobu.engines.local.service.records import (
    ACTIVE,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    PRIMARY,
    Deployment,
    Desired,
    ServiceState,
)
from hakobu.spec.service import LifecycleHook

HOOK = LifecycleHook("arn:aws:lambda:us-east-1:111222333444:function:check", ("SCALE_UP",))
# The shell waits for a child of its own: killing only the shell would leave `sleep` running,
# holding the output pipe open for a minute.
SLEEPER = "sleep 60 & echo $! > child.pid; echo $$ > shell.pid; wait"


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")  # a zombie has ended


def pid(path: Path) -> int | None:
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text else None


def run_in_thread(
    command: str, cwd: Path, cancel: threading.Event
) -> tuple[threading.Thread, list[HookResult]]:
    results: list[HookResult] = []

    def run() -> None:
        results.extend(
            run_hooks([HOOK], {HOOK.target_arn: command}, cwd=cwd, env={}, cancel=cancel)
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


def test_a_cancelled_hook_ends_with_everything_it_started(tmp_path: Path) -> None:
    cancel = threading.Event()
    thread, results = run_in_thread(SLEEPER, tmp_path, cancel)
    assert wait_for(lambda: pid(tmp_path / "shell.pid") is not None, timeout=10)
    shell, child = pid(tmp_path / "shell.pid"), pid(tmp_path / "child.pid")
    assert shell is not None and child is not None and alive(shell) and alive(child)
    cancel.set()
    thread.join(10)
    assert not thread.is_alive()  # it did not wait for `sleep 60`
    assert [(r.succeeded, r.detail) for r in results] == [(False, "FAILED: cancelled")]
    assert wait_for(lambda: not alive(shell) and not alive(child), timeout=10)


def test_a_hook_that_exits_is_done_whatever_it_left_running(tmp_path: Path) -> None:
    thread, results = run_in_thread(
        "sleep 60 & echo $! > child.pid; echo checked; exit 0", tmp_path, threading.Event()
    )
    thread.join(10)
    assert not thread.is_alive()  # not held for a minute by the pipe `sleep` inherited
    assert [(r.succeeded, r.detail) for r in results] == [(True, "SUCCEEDED")]
    child = pid(tmp_path / "child.pid")
    assert child is not None and wait_for(lambda: not alive(child), timeout=10)


def test_a_failing_hook_reports_its_exit_code_and_last_line(tmp_path: Path) -> None:
    thread, results = run_in_thread(
        "echo one; echo 'no v2 here' >&2; exit 3", tmp_path, threading.Event()
    )
    thread.join(10)
    assert [(r.succeeded, r.detail) for r in results] == [(False, "FAILED (exit 3) no v2 here")]


# -- in the lifecycle ----------------------------------------------------------------------------

SERVICE: dict[str, Any] = {
    "serviceName": "web",
    "desiredCount": 3,
    "deploymentController": {"type": "CODE_DEPLOY"},
    "loadBalancers": [{"containerName": "web", "containerPort": 8080}],
}


def code_deploy(root: Path, command: str) -> Desired:
    settings = {
        "traffic": ["AllAtOnce", 100, 0],
        "termination_wait_minutes": 0,
        "seconds_per_minute": 60.0,
        "container_name": "web",
        "container_port": 8080,
        "hooks": {"AfterAllowTestTraffic": ["check-green", command]},
    }
    return Desired(
        1, "web", str(root), "local", "hakobu.toml", {}, SERVICE, "web:2", 3, 3, "127.0.0.1", 1,
        {}, codedeploy=settings,
    )  # fmt: skip


def blue_and_green(stage: str) -> ServiceState:
    blue = Deployment("ecs-svc/0", ACTIVE, "web:1", 3, rollout_state=COMPLETED)
    green = Deployment(
        "ecs-svc/1", PRIMARY, "web:2", 3, stage=stage, replaces=blue.id, strategy="CODE_DEPLOY"
    )
    return ServiceState(
        "web", "web", "local", "default", desired_count=3, deployments=[green, blue]
    )


def messages(directory: Path) -> list[str]:
    return [e.message for e in records.read_events(directory)[0]]


def test_stopping_a_deployment_ends_the_hook_it_is_running(tmp_path: Path) -> None:
    desired = code_deploy(tmp_path, SLEEPER)
    service = codedeploy.service_for(desired)
    state = blue_and_green(POST_TEST_TRAFFIC_SHIFT)
    lifecycle = Lifecycle(records.EventLog(tmp_path / "svc"), tmp_path)

    async def stop_mid_hook() -> bool:
        lifecycle.advance(state, service, desired, green_healthy=3)  # starts the hook
        for _ in range(100):
            if pid(tmp_path / "child.pid") and pid(tmp_path / "shell.pid"):
                break
            await asyncio.sleep(0.1)
        desired.stop_deployment = "ecs-svc/1"
        lifecycle.advance(state, service, desired, green_healthy=3)
        for _ in range(100):  # the controller's loop goes on meanwhile
            if not any(alive(pid(tmp_path / f) or 0) for f in ("shell.pid", "child.pid")):
                return True
            await asyncio.sleep(0.1)
        return False

    # The hook's command and its child end well before `sleep 60` would; asyncio.run returns
    # only once the hook's thread has (it waits for it), so that thread ended too.
    assert asyncio.run(stop_mid_hook())
    green, blue = state.deployment("ecs-svc/1"), state.deployment("ecs-svc/0")
    assert green is not None and green.rollout_state == FAILED
    assert blue is not None and blue.status == PRIMARY  # traffic goes back to the original
    assert any("stopped on request" in m for m in messages(tmp_path / "svc"))


def test_a_stop_that_comes_at_clean_up_is_refused(tmp_path: Path) -> None:
    """`deploy --stop` refuses a deployment at CLEAN_UP, but the controller may get there
    before it reads the request: the original tasks are going, so nothing rolls back to them."""
    desired = code_deploy(tmp_path, "true")
    desired.stop_deployment = "ecs-svc/1"
    state = blue_and_green(CLEAN_UP)
    lifecycle = Lifecycle(records.EventLog(tmp_path / "svc"), tmp_path)
    for _ in range(3):
        lifecycle.advance(state, codedeploy.service_for(desired), desired, green_healthy=3)
    green = state.primary()
    assert green is not None and green.id == "ecs-svc/1"
    assert green.rollout_state == IN_PROGRESS and green.stage == CLEAN_UP
    refused = [m for m in messages(tmp_path / "svc") if "not stopped" in m]
    assert refused == [
        "(service web) (deployment ecs-svc/1) not stopped: the original tasks are already "
        "being terminated."
    ]


def test_deploy_stop_reports_a_stop_the_controller_refused(tmp_path: Path) -> None:
    """`deploy --stop` at AfterAllowTraffic passes the command's check; the deployment reaches
    CLEAN_UP before the controller reads the request, and the real lifecycle refuses it. The
    command must not claim the stop: exit 1, with the controller's reason."""
    (tmp_path / "hakobu.toml").write_text('[app]\nname = "web"\n')
    directory = records.service_dir(tmp_path, "web")
    directory.mkdir(parents=True)
    state = blue_and_green(POST_PRODUCTION_TRAFFIC_SHIFT)
    records.write_state(directory, state)
    records.write_desired(directory, code_deploy(tmp_path, "true"))

    def controller() -> None:
        """The controller's part around the real lifecycle: it holds the lock, finds the stop
        request, and advances the deployment, which moved on to CLEAN_UP meanwhile."""
        with (directory / records.CONTROLLER_LOCK).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            locked.set()

            def requested() -> bool:
                desired = records.read_desired(directory)
                return desired is not None and desired.stop_deployment == "ecs-svc/1"

            assert wait_for(requested, timeout=30)
            desired = records.read_desired(directory)
            assert desired is not None
            state.deployments[0].stage = CLEAN_UP
            lifecycle = Lifecycle(records.EventLog(directory), tmp_path)
            lifecycle.advance(state, codedeploy.service_for(desired), desired, green_healthy=3)
            state.applied_generation = desired.generation
            records.write_state(directory, state)
            done.wait(60)

    locked, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=controller, daemon=True)
    thread.start()
    try:
        assert locked.wait(10)
        stopped = App(tmp_path).hakobu("deploy", "--stop", "--timeout", "20", timeout=60)
    finally:
        done.set()
        thread.join(10)
    assert stopped.returncode == 1, stopped.stderr
    assert stopped.stdout.splitlines()[-1] == (
        "deployment ecs-svc/1 not stopped: the original tasks are already being terminated."
    )
    assert "Traceback" not in stopped.stderr
    green = records.read_state(directory)
    assert green is not None and green.deployments[0].rollout_state == IN_PROGRESS


def test_deleting_the_service_ends_the_hook_it_is_running(tmp_path: Path) -> None:
    """`hakobu down` mid-hook: the controller's process ends (and releases its lock) now, not
    when the hook's command would have ended by itself."""
    plain = {"serviceName": "web", "desiredCount": 0}
    controller = ServiceController(
        PodmanRuntime("podman"), tmp_path / "svc", replace(code_deploy(tmp_path, ""), service=plain)
    )
    desired = code_deploy(tmp_path, SLEEPER)
    state = blue_and_green(POST_TEST_TRAFFIC_SHIFT)

    async def delete_mid_hook() -> bool:
        controller.lifecycle.advance(state, codedeploy.service_for(desired), desired, 3)
        for _ in range(100):
            if pid(tmp_path / "child.pid") and pid(tmp_path / "shell.pid"):
                break
            await asyncio.sleep(0.1)
        await controller._delete()
        for _ in range(100):
            if not any(alive(pid(tmp_path / f) or 0) for f in ("shell.pid", "child.pid")):
                return True
            await asyncio.sleep(0.1)
        return False

    assert asyncio.run(delete_mid_hook())


def test_stop_with_dry_run_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "hakobu.toml").write_text('[app]\nname = "web"\n')
    directory = records.service_dir(tmp_path, "web")
    directory.mkdir(parents=True)
    records.write_state(directory, blue_and_green(POST_TEST_TRAFFIC_SHIFT))
    records.write_desired(directory, code_deploy(tmp_path, "true"))
    written = (directory / records.SERVICE_FILE).read_text()
    planned = App(tmp_path).hakobu("deploy", "--stop", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout == "would stop deployment ecs-svc/1 of service web\n"
    assert (directory / records.SERVICE_FILE).read_text() == written  # no stop requested
    assert not records.controller_running(directory)  # and no controller started for it


def test_a_newer_deployment_does_not_take_the_verdict_of_the_hook_it_replaced(
    tmp_path: Path,
) -> None:
    """A deploy while a hook runs: the hook belonged to the deployment replaced; its failure
    must not fail the new one, nor its success stand for the new one's own hooks."""
    desired = code_deploy(tmp_path, "echo $$ > shell.pid; sleep 1; exit 1")
    desired.codedeploy["hooks"]["BeforeInstall"] = ["before-install", "true"]  # type: ignore[index]
    service = codedeploy.service_for(desired)
    state = blue_and_green(POST_TEST_TRAFFIC_SHIFT)
    lifecycle = Lifecycle(records.EventLog(tmp_path / "svc"), tmp_path)

    async def deploy_mid_hook() -> None:
        lifecycle.advance(state, service, desired, green_healthy=3)  # the failing hook starts
        while pid(tmp_path / "shell.pid") is None:
            await asyncio.sleep(0.05)
        replaced = state.deployments[0]
        replaced.status = ACTIVE
        newer = Deployment(
            "ecs-svc/2", PRIMARY, "web:3", 3, stage=PRE_SCALE_UP, replaces="ecs-svc/0",
            strategy="CODE_DEPLOY",
        )  # fmt: skip
        state.deployments.insert(0, newer)
        for _ in range(40):  # 2 s: the replaced hook would have failed by then
            lifecycle.advance(state, service, desired, green_healthy=0)
            await asyncio.sleep(0.05)

    asyncio.run(deploy_mid_hook())
    newer = state.primary()
    assert newer is not None and newer.id == "ecs-svc/2"
    assert newer.rollout_state == IN_PROGRESS and newer.stage == "SCALE_UP"
    events = messages(tmp_path / "svc")
    assert not any("FAILED" in e or "Failed" in e for e in events), events
    assert any(
        "(deployment ecs-svc/2) lifecycle hook before-install at BeforeInstall: SUCCEEDED" in e
        for e in events
    ), events
