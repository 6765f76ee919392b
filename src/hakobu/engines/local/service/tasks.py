"""The tasks of a service, as the controller drives them.

``SupervisedTask`` runs a ``TaskSupervisor`` (the same one ``hakobu up`` runs) in a thread of the
controller. Its pod publishes no host port: the load balancer reaches it at the pod's address on
the engine's network, as an ALB reaches an awsvpc task at its ENI. ``AdoptedTask`` is a task a
crashed controller left running, found by its labels: it serves until a supervised task replaces
it, and is then stopped as ECS stops containers.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from hakobu.containers.runtime import ContainerRuntime, ContainerState
from hakobu.engines.local import health, labels, state
from hakobu.engines.local.engine import TaskInputs, new_task_id, plan_task
from hakobu.engines.local.plan import TaskPlan
from hakobu.engines.local.supervisor import TaskSupervisor
from hakobu.errors import HakobuError
from hakobu.secrets import LocalSecretProvider, resolve_secrets
from hakobu.spec.fargate import parse_cpu

# Labels on every pod and container of a service's task, beside the engine's own.
SERVICE = "hakobu.service"
DEPLOYMENT = "hakobu.deployment"
REVISION = "hakobu.revision"


@dataclass(frozen=True)
class Snapshot:
    """What the controller needs to know of a task, read without blocking."""

    last_status: str
    ready: bool  # RUNNING, and every essential container with a health check is HEALTHY
    unhealthy: tuple[str, ...]  # essential containers that failed their health checks
    has_health_check: bool
    ended: bool  # the task is STOPPED and its resources are gone
    stopped_reason: str | None
    running_since: float | None


class ServiceTask(Protocol):
    task_id: str
    deployment_id: str
    revision: str
    adopted: bool
    created_at: float
    container_names: tuple[str, ...]  # the engine's names of its containers
    cpu_units: int  # the CPU units it reserves (task cpu), 0 when the definition sets none

    def snapshot(self) -> Snapshot: ...
    def address(self) -> str | None: ...
    def stop(self, code: str, reason: str) -> None: ...


def service_plan(plan: TaskPlan, extra: Mapping[str, str]) -> TaskPlan:
    """The task's plan with no published port and the service's labels on the pod and containers."""
    pod = replace(plan.pod, ports=(), labels={**plan.pod.labels, **extra})
    containers = tuple(
        replace(c, spec=replace(c.spec, labels={**c.spec.labels, **extra})) for c in plan.containers
    )
    return replace(plan, pod=pod, containers=containers)


def resolve_plan_secrets(app: str, plan: TaskPlan) -> dict[str, str]:
    """Every secret of ``plan`` from the app's local store (engine secret name -> value)."""
    provider = LocalSecretProvider.for_app(app)
    keyed = {f"{b.container}.{b.env_name}": b for b in plan.secrets}
    values = resolve_secrets(((key, b.value_from) for key, b in keyed.items()), provider)
    return {keyed[key].engine_secret: value for key, value in values.items()}


class SupervisedTask:
    def __init__(
        self,
        runtime: ContainerRuntime,
        inputs: TaskInputs,
        service: str,
        deployment_id: str,
        revision: str,
    ) -> None:
        self.runtime = runtime
        self.task_id = inputs.task_id
        self.deployment_id = deployment_id
        self.revision = revision
        self.adopted = False
        self.created_at = time.time()
        extra = {SERVICE: service, DEPLOYMENT: deployment_id, REVISION: revision}
        self.plan = service_plan(plan_task(inputs), extra)
        self.container_names = tuple(c.spec.name for c in self.plan.containers)
        self.cpu_units = cpu_units(self.plan.task.raw)
        secrets = resolve_plan_secrets(inputs.app, self.plan)  # before anything is created
        state.write_json_atomic(inputs.task_dir / state.TASK_FILE, inputs.to_dict())
        self.supervisor = TaskSupervisor(runtime, self.plan, secrets, console=None)
        self._done = threading.Event()
        self._address: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"task-{self.task_id[:12]}")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self.supervisor.run()
        except Exception:  # the supervisor's own teardown ran; the log says what went wrong
            traceback.print_exc()
        finally:
            self._done.set()

    def snapshot(self) -> Snapshot:
        # Read _done first: a task seen ended has a final snapshot taken after it ended.
        done = self._done.is_set()
        s = self.supervisor.snapshot()
        checked = [c for c in s.containers if c.essential and c.has_health_check]
        running = s.last_status == state.RUNNING
        return Snapshot(
            last_status=state.STOPPED if done else s.last_status,
            ready=running and all(c.health_status == health.HEALTHY for c in checked),
            unhealthy=tuple(c.name for c in checked if c.health_status == health.UNHEALTHY),
            has_health_check=bool(checked),
            ended=done,
            stopped_reason=s.stopped_reason,
            running_since=s.started_at,
        )

    def address(self) -> str | None:
        if self._address is None:
            self._address = self.runtime.pod_address(self.plan.pod.name)
        return self._address

    def stop(self, code: str, reason: str) -> None:
        """SIGTERM, then SIGKILL after each container's stopTimeout; returns once it is gone."""
        self.supervisor.request_stop(code, reason)
        self._done.wait()


class AdoptedTask:
    """A task left by a crashed controller: its containers as the engine lists them."""

    def __init__(
        self, runtime: ContainerRuntime, root: Path, containers: Sequence[ContainerState]
    ) -> None:
        first = containers[0].labels
        self.runtime = runtime
        self.root = root
        self.task_id = first[labels.TASK]
        self.deployment_id = first.get(DEPLOYMENT, "?")
        self.revision = first.get(REVISION, "?")
        self.adopted = True
        self.created_at = time.time()
        self.containers = sorted(containers, key=_stop_order)
        self.container_names = tuple(c.name for c in self.containers)
        self.cpu_units = self._cpu_units()
        self.pod = labels.pod_name(first[labels.APP], self.task_id)
        self._running = all(c.running for c in containers)
        self._ended = False
        self._reason: str | None = None
        self._address: str | None = None
        self._claim()

    def _claim(self) -> None:
        """The task's state now names this controller as its supervisor (``ps``, ``down``)."""
        task_dir = state.tasks_root(self.root) / self.task_id
        current = state.load_state(task_dir)
        if current is not None:
            current.supervisor_pid = os.getpid()
            state.save_state(task_dir, current)

    def _cpu_units(self) -> int:
        """From the task definition its supervisor recorded (task.json)."""
        path = state.tasks_root(self.root) / self.task_id / state.TASK_FILE
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        return cpu_units(recorded.get("taskDefinition") or {})

    def snapshot(self) -> Snapshot:
        # Its health checks died with the old controller: the load balancer's checks judge it.
        return Snapshot(
            last_status=state.STOPPED if self._ended else state.RUNNING,
            ready=self._running and not self._ended,
            unhealthy=(),
            has_health_check=False,
            ended=self._ended,
            stopped_reason=self._reason,
            running_since=self.created_at if self._running else None,
        )

    def address(self) -> str | None:
        if self._address is None:
            self._address = self.runtime.pod_address(self.pod)
        return self._address

    def stop(self, code: str, reason: str) -> None:
        """Each container in ECS's stop order: SIGTERM, SIGKILL after its stopTimeout."""
        stopping_at = time.time()
        for c in self.containers:
            timeout = int(c.labels.get(labels.STOP_TIMEOUT, "30"))
            terminate(self.runtime, c.name, timeout)
        remove_task_resources(
            self.runtime, self.task_id, self.pod, [c.name for c in self.containers]
        )
        self._ended, self._reason = True, reason
        self._record_stop(code, reason, stopping_at)

    def _record_stop(self, code: str, reason: str, stopping_at: float) -> None:
        task_dir = state.tasks_root(self.root) / self.task_id
        current = state.load_state(task_dir)
        if current is None:
            return
        current.desired_status = current.last_status = state.STOPPED
        current.stop_code, current.stopped_reason = code, reason
        current.stopping_at, current.stopped_at = stopping_at, time.time()
        state.save_state(task_dir, current)


def cpu_units(task_definition: Mapping[str, Any]) -> int:
    """The CPU units a task reserves: the task's ``cpu`` (Fargate requires it), else the sum of
    its containers' ``cpu`` (EC2); 0 when neither is set."""
    task_cpu = task_definition.get("cpu")
    if task_cpu is not None:
        return parse_cpu(str(task_cpu)) or 0
    containers = task_definition.get("containerDefinitions") or []
    return sum(int(c.get("cpu") or 0) for c in containers if isinstance(c, Mapping))


def _stop_order(c: ContainerState) -> int:
    return int(c.labels.get(labels.STOP_ORDER, "0"))


def terminate(runtime: ContainerRuntime, name: str, timeout: int) -> None:
    with contextlib.suppress(HakobuError):
        runtime.kill(name, "SIGTERM")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = runtime.state(name)
        if current is None or not current.running:
            return
        time.sleep(0.2)
    with contextlib.suppress(HakobuError):
        runtime.kill(name, "SIGKILL")


def remove_task_resources(
    runtime: ContainerRuntime, task_id: str, pod: str, containers: Sequence[str]
) -> None:
    """A task's containers, pod and secrets (which carry the pod's labels)."""
    for name in containers:
        runtime.remove_container(name)
    runtime.remove_pod(pod)
    for secret in runtime.list_secrets(f"{labels.TASK}={task_id}"):
        runtime.remove_secret(secret)


def new_inputs(
    *,
    app: str,
    root: Path,
    environment: str,
    task_definition: Mapping[str, object],
    environment_files: Mapping[str, Path],
    config_file: str,
) -> TaskInputs:
    return TaskInputs(
        app=app,
        root=root,
        environment=environment,
        task_definition=dict(task_definition),
        ports={},
        environment_files=dict(environment_files),
        config_file=config_file,
        task_id=new_task_id(),
    )
