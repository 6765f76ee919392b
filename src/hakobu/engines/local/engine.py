"""The local engine's library API: ``up``, ``list_tasks`` and ``down``.

``up`` validates everything and resolves every secret before anything starts, then hands the task
to a supervisor process (or runs it in the foreground when attached) and waits until the task is
running and healthy, as ``docker compose up --wait`` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import hakobu
from hakobu.containers.runtime import ContainerRuntime, ContainerState
from hakobu.engines.local import health, labels, state
from hakobu.engines.local.plan import PlanContext, TaskPlan, build_plan, check_ports_free
from hakobu.engines.local.supervisor import TaskSupervisor, install_signal_handlers
from hakobu.errors import HakobuError, InputError, TaskFailedError
from hakobu.logs.settings import load_log_settings
from hakobu.spec.taskdef import MAX_STOP_TIMEOUT, parse_task_definition

SUPERVISOR_MODULE = "hakobu.engines.local.supervisor_main"


@dataclass(frozen=True)
class TaskInputs:
    """Everything the supervisor needs to re-plan the task, none of it secret."""

    app: str
    root: Path
    environment: str
    task_definition: Mapping[str, Any]  # rendered and validated
    ports: Mapping[int, int]
    environment_files: Mapping[str, Path]
    config_file: str
    task_id: str

    @property
    def task_dir(self) -> Path:
        return state.tasks_root(self.root) / self.task_id

    def context(self) -> PlanContext:
        return PlanContext(
            app=self.app,
            task_id=self.task_id,
            root=self.root,
            task_dir=self.task_dir,
            environment=self.environment,
            ports=self.ports,
            environment_files=self.environment_files,
            config_file=self.config_file,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "root": str(self.root),
            "environment": self.environment,
            "taskDefinition": self.task_definition,
            "ports": {str(k): v for k, v in self.ports.items()},
            "environmentFiles": {k: str(v) for k, v in self.environment_files.items()},
            "configFile": self.config_file,
            "taskId": self.task_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskInputs:
        return cls(
            app=data["app"],
            root=Path(data["root"]),
            environment=data["environment"],
            task_definition=data["taskDefinition"],
            ports={int(k): int(v) for k, v in data["ports"].items()},
            environment_files={k: Path(v) for k, v in data["environmentFiles"].items()},
            config_file=data["configFile"],
            task_id=data["taskId"],
        )


def new_task_id() -> str:
    return uuid.uuid4().hex  # ECS task IDs are 32 hex digits


def plan_task(inputs: TaskInputs) -> TaskPlan:
    return build_plan(parse_task_definition(inputs.task_definition), inputs.context())


Resolver = Callable[[TaskPlan], dict[str, str]]  # engine secret name -> value


def up(
    runtime: ContainerRuntime,
    inputs: TaskInputs,
    resolve_secrets: Resolver,
    *,
    attach: bool = False,
    console: IO[str] | None = None,
    on_progress: Callable[[state.TaskState], None] | None = None,
) -> state.TaskState:
    plan = plan_task(inputs)
    check_ports_free(plan)
    secret_values = resolve_secrets(plan)  # every secret, before any container starts
    _check_images(runtime, plan)
    state.write_json_atomic(inputs.task_dir / state.TASK_FILE, inputs.to_dict())
    if attach:
        settings = load_log_settings(inputs.root / inputs.config_file)
        supervisor = TaskSupervisor(
            runtime, plan, secret_values, console=console, log_settings=settings
        )
        install_signal_handlers(supervisor)
        return supervisor.run()
    proc = _spawn_supervisor(runtime, inputs, secret_values)
    return wait_until_ready(inputs.task_dir, on_progress=on_progress, supervisor=proc)


def _check_images(runtime: ContainerRuntime, plan: TaskPlan) -> None:
    for planned in plan.containers:
        if runtime.inspect_image(planned.spec.image) is None:
            raise InputError(
                f"image {planned.spec.image} is not available locally",
                field=f"containerDefinitions ({planned.definition.name}).image",
                fix="run `hakobu build`, or pull the image",
            )


def _spawn_supervisor(
    runtime: ContainerRuntime, inputs: TaskInputs, secrets: Mapping[str, str]
) -> subprocess.Popen[bytes]:
    inputs.task_dir.mkdir(parents=True, exist_ok=True)
    log = (inputs.task_dir / state.SUPERVISOR_LOG).open("ab")
    # The child imports hakobu from wherever this process did, installed or not.
    package_parent = str(Path(hakobu.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", SUPERVISOR_MODULE, str(inputs.task_dir), runtime.binary],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=log,
        start_new_session=True,  # Ctrl-C on `up` must not stop the task
        close_fds=True,
        env=env,
    )
    log.close()
    assert proc.stdin is not None
    # Secret values travel on a pipe: never in arguments, environment or files.
    proc.stdin.write(json.dumps(dict(secrets)).encode())
    proc.stdin.close()
    return proc


def _ready(s: state.TaskState) -> bool:
    """Running, and every essential container that has a health check is HEALTHY."""
    if s.last_status != state.RUNNING:
        return False
    return all(
        c.health_status == health.HEALTHY
        for c in s.containers
        if c.essential and c.has_health_check
    )


def wait_until_ready(
    task_dir: Path,
    *,
    on_progress: Callable[[state.TaskState], None] | None = None,
    poll: float = 0.05,
    supervisor: subprocess.Popen[bytes] | None = None,
) -> state.TaskState:
    last_seen: str | None = None
    while True:
        current = state.load_state(task_dir)
        if current is None and supervisor is not None and supervisor.poll() is not None:
            raise TaskFailedError(
                f"the supervisor exited {supervisor.returncode} before the task started: see "
                f"{task_dir / state.SUPERVISOR_LOG}"
            )
        if current is not None:
            fingerprint = json.dumps(current.to_dict(), sort_keys=True)
            if on_progress and fingerprint != last_seen:
                on_progress(current)
            last_seen = fingerprint
            if _ready(current):
                return current
            if current.desired_status == state.STOPPED or current.last_status == state.STOPPED:
                reason = current.stopped_reason or "stopped"
                raise TaskFailedError(f"task {current.task_id} stopped: {reason}")
            unhealthy = [c.name for c in current.containers if c.health_status == health.UNHEALTHY]
            if unhealthy and any(c.essential for c in current.containers if c.name in unhealthy):
                raise TaskFailedError(
                    f"task {current.task_id} is UNHEALTHY: {', '.join(unhealthy)} failed its "
                    "health check (see `hakobu logs`; `hakobu down` stops it)"
                )
            if not state.pid_alive(current.supervisor_pid):
                raise TaskFailedError(
                    f"the supervisor of task {current.task_id} died: see "
                    f"{task_dir / state.SUPERVISOR_LOG}, then run `hakobu down`"
                )
        time.sleep(poll)


# -- ps and down -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """A task as ``ps`` shows it: its state file reconciled with what the engine has."""

    state: state.TaskState | None
    task_id: str
    supervisor_alive: bool
    containers: tuple[ContainerState, ...]

    @property
    def orphaned(self) -> bool:
        return not self.supervisor_alive and bool(self.containers)


def list_tasks(runtime: ContainerRuntime, root: Path) -> list[TaskView]:
    project = labels.project_id(root)
    by_task: dict[str, list[ContainerState]] = {}
    for c in runtime.list_containers(f"{labels.PROJECT}={project}"):
        if labels.CONTAINER not in c.labels:
            continue  # a pod's infra container: removed with its pod
        by_task.setdefault(c.labels.get(labels.TASK, "?"), []).append(c)
    task_ids = set(by_task)
    tasks_dir = state.tasks_root(root)
    if tasks_dir.is_dir():
        task_ids |= {p.name for p in tasks_dir.iterdir() if (p / state.STATE_FILE).exists()}
    views = []
    for task_id in sorted(task_ids):
        s = state.load_state(tasks_dir / task_id)
        if s is not None and s.last_status == state.STOPPED and task_id not in by_task:
            continue
        alive = s is not None and state.pid_alive(s.supervisor_pid)
        views.append(TaskView(s, task_id, alive, tuple(by_task.get(task_id, ()))))
    return views


def down(
    runtime: ContainerRuntime, root: Path, *, dry_run: bool = False, grace: float = 5.0
) -> list[str]:
    """Stop every task of this app; then remove whatever carries its labels. Returns what it did."""
    done: list[str] = []
    for view in list_tasks(runtime, root):
        if view.state is not None and view.supervisor_alive:
            done.append(f"stop task {view.task_id} (supervisor {view.state.supervisor_pid})")
            if not dry_run:
                _stop_supervisor(view.state, grace)
                done += _stop_report(state.tasks_root(root) / view.task_id)
    done += _sweep(runtime, labels.project_id(root), dry_run=dry_run)
    if not dry_run:
        _forget_stopped_tasks(root)
    return done


def _stop_supervisor(s: state.TaskState, grace: float) -> None:
    assert s.supervisor_pid is not None
    try:
        os.kill(s.supervisor_pid, 15)
    except ProcessLookupError:
        return
    # The supervisor stops containers one by one, each within its stopTimeout (at most 120 s).
    deadline = time.monotonic() + len(s.containers) * MAX_STOP_TIMEOUT + grace + 30
    while time.monotonic() < deadline and state.pid_alive(s.supervisor_pid):
        time.sleep(0.1)


def _stop_report(task_dir: Path) -> list[str]:
    """How each container ended: the talk's disposability point, made visible."""
    final = state.load_state(task_dir)
    if final is None or final.stopping_at is None:
        return []
    lines = []
    for c in final.containers:
        if c.stopped_at is None:
            continue
        after = max(0.0, c.stopped_at - final.stopping_at)
        how = f"exited {c.exit_code}"
        if c.exit_code == 137:
            how = "killed (SIGKILL after stopTimeout)"
        lines.append(f"  {c.name} {how}, {after:.1f} s after the task began stopping")
    return lines


def _sweep(runtime: ContainerRuntime, project: str, *, dry_run: bool) -> list[str]:
    """Whatever is left after a crash: stop in ECS's order, then remove it all."""
    label = f"{labels.PROJECT}={project}"
    done: list[str] = []
    leftovers = sorted(
        (c for c in runtime.list_containers(label) if labels.CONTAINER in c.labels),
        key=lambda c: int(c.labels.get(labels.STOP_ORDER, "0")),
    )
    for c in leftovers:
        done.append(f"remove container {c.name}")
        if dry_run:
            continue
        if c.running:
            timeout = int(c.labels.get(labels.STOP_TIMEOUT, "30"))
            _terminate(runtime, c.name, timeout)
        runtime.remove_container(c.name)
    for pod in runtime.list_pods(label):
        done.append(f"remove pod {pod}")
        if not dry_run:
            runtime.remove_pod(pod)
    for secret in runtime.list_secrets(label):
        done.append(f"remove secret {secret}")
        if not dry_run:
            runtime.remove_secret(secret)
    return done


def _terminate(runtime: ContainerRuntime, name: str, timeout: int) -> None:
    try:
        runtime.kill(name, "SIGTERM")
    except HakobuError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = runtime.state(name)
        if current is None or not current.running:
            return
        time.sleep(0.2)
    runtime.kill(name, "SIGKILL")


def _forget_stopped_tasks(root: Path) -> None:
    """Task folders go; their output and final state stay in .hakobu/logs."""
    tasks_dir = state.tasks_root(root)
    if not tasks_dir.is_dir():
        return
    logs_dir = root / ".hakobu" / "logs"
    for task_dir in tasks_dir.iterdir():
        s = state.load_state(task_dir)
        if s is not None and state.pid_alive(s.supervisor_pid):
            continue
        # Like ECS, which shows stopped tasks for a while, keep the output and the final state.
        logs_dir.mkdir(parents=True, exist_ok=True)
        for name, suffix in ((state.OUTPUT_FILE, ".jsonl"), (state.STATE_FILE, ".state.json")):
            if (task_dir / name).exists():
                os.replace(task_dir / name, logs_dir / f"{task_dir.name}{suffix}")
        for path in sorted(task_dir.rglob("*"), reverse=True):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
        task_dir.rmdir()
