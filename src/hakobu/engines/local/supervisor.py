"""Keeps emulating ECS for one task until it stops: start order, health, essential, stop order.

It runs detached from ``hakobu up`` (or in the foreground with ``--attach``). Secret values reach
it on stdin and live only in its memory and in the engine's secrets, which it removes on the way
out. Everything it creates is labelled, so ``hakobu down`` can clean up after it even if it dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from hakobu.containers.runtime import ContainerRuntime
from hakobu.engines.local import health, state
from hakobu.engines.local.output import K8sFileTail
from hakobu.engines.local.plan import PlannedContainer, TaskPlan
from hakobu.errors import HakobuError
from hakobu.logs.router import LogRouter
from hakobu.logs.settings import LogSettings
from hakobu.logs.sinks.archive import open_archive
from hakobu.spec.taskdef import Dependency, RestartPolicy

# ECS stop codes and reasons, as describe-tasks shows them.
ESSENTIAL_EXITED = ("EssentialContainerExited", "Essential container in task exited")
USER_STOPPED = ("UserInitiated", "Task stopped by user")
FAILED_TO_START = "TaskFailedToStart"

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


class DependencyFailed(Exception):
    pass


@dataclass(frozen=True)
class ContainerSnapshot:
    """One container of a ``SupervisorSnapshot``."""

    name: str
    essential: bool
    has_health_check: bool
    last_status: str
    health_status: str
    exit_code: int | None
    reason: str | None
    restart_count: int
    started_at: float | None
    stopped_at: float | None


@dataclass(frozen=True)
class SupervisorSnapshot:
    """The task's state at one instant, consistent across its fields (taken under the lock)."""

    task_id: str
    last_status: str
    desired_status: str
    health_status: str
    stop_code: str | None
    stopped_reason: str | None
    created_at: float | None
    started_at: float | None
    stopping_at: float | None
    stopped_at: float | None
    containers: tuple[ContainerSnapshot, ...]


class TaskSupervisor:
    def __init__(
        self,
        runtime: ContainerRuntime,
        plan: TaskPlan,
        secret_values: Mapping[str, str],
        console: IO[str] | None = None,
        log_settings: LogSettings | None = None,
    ) -> None:
        self.runtime = runtime
        self.plan = plan
        self.task_dir = plan.context.task_dir
        self._secret_values = dict(secret_values)  # engine secret name -> value
        self._cv = threading.Condition()
        self._stop = threading.Event()
        self._exited: dict[str, threading.Event] = {
            c.definition.name: threading.Event() for c in plan.containers
        }
        self._started: set[str] = set()
        # Containers whose engine start is under way: a stop waits for it to end, so that it
        # never skips a container that is just starting (it would run on, unstopped and
        # its last lines unread, until the task's resources are removed).
        self._starting: set[str] = set()
        self._tails: list[tuple[K8sFileTail, threading.Thread, threading.Event]] = []
        self.state = self._initial_state()
        self._router = self._log_router(console, log_settings or LogSettings())

    def _log_router(self, console: IO[str] | None, settings: LogSettings) -> LogRouter:
        """Each container's lines, masked, to where its logConfiguration says (hakobu.logs)."""
        ctx = self.plan.context
        archive = None
        if settings.archive:
            archive = open_archive(
                settings.archive,
                root=ctx.root,
                max_bytes=settings.archive_flush_bytes,
                max_seconds=settings.archive_flush_seconds,
            )
        return LogRouter.for_task(
            self.plan.task,
            root=ctx.root,
            task_id=ctx.task_id,
            task_arn=self.state.task_arn,
            family=self.plan.task.family,
            revision=1,
            cluster=f"hakobu-{ctx.app}",
            secret_values=list(self._secret_values.values()),
            subscriptions=settings.subscriptions,
            metric_filters=settings.metric_filters,
            archive=archive,
            console=console,
        )

    # -- state -------------------------------------------------------------------------------

    def _initial_state(self) -> state.TaskState:
        plan = self.plan
        return state.TaskState(
            task_id=plan.context.task_id,
            app=plan.context.app,
            family=plan.task.family,
            environment=plan.context.environment,
            project=plan.pod.labels["hakobu.project"],
            pod=plan.pod.name,
            ports=[
                f"{p.host_ip}:{p.host_port}->{p.container_port}/{p.protocol}"
                for p in plan.pod.ports
            ],
            created_at=time.time(),
            supervisor_pid=os.getpid(),
            containers=[
                state.ContainerStatus(
                    name=c.definition.name,
                    engine_name=c.spec.name,
                    essential=c.definition.essential,
                    has_health_check=c.definition.health_check is not None,
                )
                for c in plan.containers
            ],
            warnings=list(plan.warnings),
        )

    def _save(self) -> None:
        """Callers hold ``_cv``. Recomputes task health and status, then writes state.json."""
        s = self.state
        essentials = [c for c in s.containers if c.essential]
        s.health_status = health.task_health(c.health_status for c in essentials)
        if s.last_status in (state.PENDING, state.PROVISIONING) and len(self._started) == len(
            s.containers
        ):
            s.last_status = state.RUNNING
            s.started_at = time.time()
        state.save_state(self.task_dir, s)
        self._cv.notify_all()

    def snapshot(self) -> SupervisorSnapshot:
        """A copy of the state for other threads: ``self.state`` changes under ``_cv`` while
        they read it, so a reader could see a status without its matching times or health."""
        with self._cv:
            containers = tuple(_copy(ContainerSnapshot, c) for c in self.state.containers)
            return _copy(SupervisorSnapshot, self.state, containers=containers)

    def request_stop(self, code: str, reason: str) -> None:
        with self._cv:
            if self.state.desired_status != state.STOPPED:
                self.state.desired_status = state.STOPPED
                self.state.stop_code = code
                self.state.stopped_reason = reason
                self._save()
        self._stop.set()

    # -- lifecycle -----------------------------------------------------------------------------

    def run(self) -> state.TaskState:
        with self._cv:
            self._save()
        try:
            self._provision()
            with self._cv:
                self.state.last_status = state.PENDING
                self._save()
            for planned in self.plan.containers:
                starter = threading.Thread(target=self._start_when_ready, args=(planned,))
                starter.daemon = True
                starter.start()
            while not self._stop.wait(0.5):
                pass
        except HakobuError as e:
            self.request_stop(FAILED_TO_START, str(e))
        finally:
            self._teardown()
        return self.state

    def _provision(self) -> None:
        self.runtime.create_pod(self.plan.pod)
        for binding in self.plan.secrets:
            self.runtime.create_secret(
                binding.engine_secret,
                self._secret_values[binding.engine_secret],
                self.plan.pod.labels,
            )
        for planned in self.plan.containers:
            if planned.spec.log_path is not None:
                planned.spec.log_path.parent.mkdir(parents=True, exist_ok=True)
            env_values = {
                env: self._secret_values[secret] for env, secret in planned.spec.secret_env
            }
            self.runtime.create_container(planned.spec, env_values)
        self._secret_values.clear()  # the engine holds them now; nothing else needs them

    def _start_when_ready(self, planned: PlannedContainer) -> None:
        name = planned.definition.name
        try:
            for dependency in planned.definition.depends_on:
                self._wait_for(dependency)
            if self._stop.is_set():
                return
            self._follow_output(planned)
            self._start(planned)
        except DependencyFailed as e:
            with self._cv:
                self.state.container(name).reason = str(e)
            self.request_stop(FAILED_TO_START, f"Container {name} did not start: {e}")
        except HakobuError as e:
            self.request_stop(FAILED_TO_START, f"Container {name} did not start: {e}")

    def _dependency_status(self, dependency: Dependency) -> bool:
        """True when met; raises DependencyFailed when it can no longer be met."""
        dep = self.state.container(dependency.container_name)
        condition = dependency.condition
        if condition == "START":
            return dependency.container_name in self._started
        if condition == "HEALTHY":
            if dep.health_status == health.HEALTHY:
                return True
            if dep.health_status == health.UNHEALTHY or dep.last_status == state.STOPPED:
                raise DependencyFailed(f"{dep.name} did not become HEALTHY")
            return False
        if dep.last_status != state.STOPPED:
            return False
        if condition == "SUCCESS" and dep.exit_code != 0:
            raise DependencyFailed(f"{dep.name} exited {dep.exit_code}, condition SUCCESS")
        return True  # COMPLETE: any exit code

    def _wait_for(self, dependency: Dependency) -> None:
        # The dependency's own startTimeout bounds the wait (ECS: "If a startTimeout value is
        # specified for containerB and it doesn't reach the desired status within that time
        # then containerA gives up and not start").
        timeout = self.plan.task.container(dependency.container_name).start_timeout
        deadline = time.monotonic() + timeout if timeout else None
        with self._cv:
            while not self._dependency_status(dependency):
                if self._stop.is_set():
                    return
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise DependencyFailed(
                        f"{dependency.container_name} did not reach {dependency.condition} "
                        f"within its startTimeout of {timeout} s"
                    )
                self._cv.wait(timeout=0.5 if remaining is None else min(remaining, 0.5))

    def _start(self, planned: PlannedContainer) -> None:
        name = planned.definition.name
        with self._cv:
            if self._stop.is_set():
                return
            self._starting.add(name)
        try:
            self.runtime.start(planned.spec.name)
        except BaseException:
            with self._cv:
                self._starting.discard(name)
                self._cv.notify_all()
            raise
        started = time.time()
        with self._cv:
            status = self.state.container(name)
            status.last_status = state.RUNNING
            status.started_at = started
            self._started.add(name)
            self._starting.discard(name)
            self._cv.notify_all()
            self._save()
        threading.Thread(target=self._watch_exit, args=(planned, started), daemon=True).start()
        check = planned.definition.health_check
        if check is not None:
            tracker = health.HealthTracker(check, started_at=time.monotonic())
            threading.Thread(
                target=self._run_health_checks, args=(planned, tracker), daemon=True
            ).start()

    def _follow_output(self, planned: PlannedContainer) -> None:
        if planned.spec.log_path is None:
            return
        done = threading.Event()
        name = planned.definition.name
        offset = self._router.resume_offset(name)
        tail = K8sFileTail(planned.spec.log_path, name, self._router, offset)
        thread = threading.Thread(target=tail.follow, args=(done,), daemon=True)
        thread.start()
        self._tails.append((tail, thread, done))

    def _watch_exit(self, planned: PlannedContainer, started: float) -> None:
        name = planned.definition.name
        exit_code = self.runtime.wait(planned.spec.name)
        policy = planned.definition.restart_policy
        with self._cv:
            status = self.state.container(name)
            status.exit_code = exit_code
            status.stopped_at = time.time()
            restart = not self._stop.is_set() and should_restart(
                policy, exit_code, ran_for=time.time() - started
            )
            if not restart:
                status.last_status = state.STOPPED
            self._save()
        if restart:
            with self._cv:
                status.restart_count += 1
            self._start(planned)
            return
        self._exited[name].set()
        if planned.definition.essential and not self._stop.is_set():
            self.request_stop(*ESSENTIAL_EXITED)

    def _run_health_checks(self, planned: PlannedContainer, tracker: health.HealthTracker) -> None:
        name = planned.definition.name
        check = tracker.check
        if self._stop.wait(max(0.0, tracker.first_check_at() - time.monotonic())):
            return
        while not self._exited[name].is_set() and not self._stop.is_set():
            exit_code = self.runtime.exec(planned.spec.name, check.argv, timeout=check.timeout)
            if self._exited[name].is_set():
                return
            with self._cv:
                status = self.state.container(name)
                before = status.health_status
                status.health_status = tracker.record(exit_code, time.monotonic())
                if status.health_status != before:
                    self._save()
            if self._stop.wait(check.interval):
                return

    # -- stopping --------------------------------------------------------------------------------

    def _teardown(self) -> None:
        with self._cv:
            self.state.desired_status = state.STOPPED
            self.state.last_status = state.STOPPING
            self.state.stopping_at = time.time()
            self._save()
        for planned in sorted(self.plan.containers, key=lambda c: c.stop_order):
            self._stop_container(planned)
        for tail, thread, done in self._tails:
            done.set()
            thread.join(timeout=5)
            tail.drain(final=True)
        self._router.close()
        with self._cv:
            self.state.last_status = state.DEPROVISIONING
            self._save()
        remove_task_resources(self.runtime, self.plan)
        with self._cv:
            self.state.last_status = state.STOPPED
            self.state.stopped_at = time.time()
            self._save()

    def _stop_container(self, planned: PlannedContainer) -> None:
        """SIGTERM, then SIGKILL after the container's own stopTimeout, as ECS stops it."""
        name = planned.definition.name
        with self._cv:
            while name in self._starting:
                self._cv.wait(0.5)
        if name not in self._started or self._exited[name].is_set():
            return
        with contextlib.suppress(HakobuError):
            self.runtime.kill(planned.spec.name, "SIGTERM")
        if not self._exited[name].wait(planned.definition.effective_stop_timeout):
            with contextlib.suppress(HakobuError):
                self.runtime.kill(planned.spec.name, "SIGKILL")
            self._exited[name].wait(10)


def _copy(cls: type[T], source: object, **given: Any) -> T:
    """A ``cls`` whose fields not ``given`` are the same-named attributes of ``source``."""
    values = {f.name: getattr(source, f.name) for f in fields(cls) if f.name not in given}
    return cls(**values, **given)


def should_restart(policy: RestartPolicy | None, exit_code: int, *, ran_for: float) -> bool:
    """ECS's container restart policy: restart unless the exit code is ignored, and only a
    container that ran for at least ``restartAttemptPeriod`` ("If a container isn't able to run
    for this time period and exits early, it will not be restarted")."""
    if policy is None or not policy.enabled:
        return False
    return exit_code not in policy.ignored_exit_codes and ran_for >= policy.restart_attempt_period


def remove_task_resources(runtime: ContainerRuntime, plan: TaskPlan) -> None:
    for planned in plan.containers:
        runtime.remove_container(planned.spec.name)
    runtime.remove_pod(plan.pod.name)
    for binding in plan.secrets:
        runtime.remove_secret(binding.engine_secret)


def install_signal_handlers(supervisor: TaskSupervisor) -> None:
    def on_signal(signum: int, _frame: Any) -> None:
        supervisor.request_stop(*USER_STOPPED)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)


def default_task_dir(root: Path, task_id: str) -> Path:
    return state.tasks_root(root) / task_id
