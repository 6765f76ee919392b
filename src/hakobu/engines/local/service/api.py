"""The library API of local services, for the CLI: deploy, scale, wait, describe, stop.

Commands never drive tasks themselves: they write the desired state (``service.json``) and make
sure a controller runs, then follow ``state.json`` and ``events.jsonl``. If the controller died,
the next ``deploy`` or ``scale`` starts one, which finds the tasks it left by their labels and
completes (or rolls back) the deployment it was in.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import hakobu
from hakobu.config import AppConfig
from hakobu.containers.runtime import ContainerRuntime
from hakobu.engines.local.plan import TaskPlan
from hakobu.engines.local.service import codedeploy, records, revisions
from hakobu.engines.local.service.bluegreen import CLEAN_UP
from hakobu.engines.local.service.describe import active_services, describe, service_names
from hakobu.engines.local.service.records import (
    ACTIVE,
    FAILED,
    IN_PROGRESS,
    INACTIVE,
    Desired,
    ServiceEvent,
    ServiceState,
)
from hakobu.engines.local.service.settings import app_target_group, listener_port
from hakobu.engines.local.service.waiting import EventSink, Outcome, events_size, wait
from hakobu.errors import ConfigError, HakobuError, InputError, TaskFailedError, UsageError
from hakobu.spec.load import LoadedTaskDefinition
from hakobu.spec.service import LoadedServiceDefinition

__all__ = [
    "DeployPlan",
    "Outcome",
    "active_services",
    "check_images",
    "deploy",
    "deployment_to_stop",
    "describe",
    "ensure_controller",
    "events_size",
    "plan_deploy",
    "scale",
    "service_directory",
    "service_names",
    "stop_deployment",
    "stop_services",
    "wait",
    "wait_for_stop",
]

CONTROLLER_MODULE = "hakobu.engines.local.service.controller_main"
LISTEN_HOST = "127.0.0.1"
STARTUP_TIMEOUT = 15.0


@dataclass(frozen=True)
class DeployPlan:
    """What ``deploy`` does (or, with --dry-run, would do)."""

    service: str
    revision: str
    new_revision: bool
    new_deployment: bool
    desired_count: int
    listener: str | None  # host:port of the load balancer, None without one
    minimum_healthy_tasks: int
    maximum_tasks: int
    circuit_breaker_threshold: int | None  # None: the circuit breaker is off
    controller_running: bool
    strategy: str = "ROLLING"
    traffic_steps: tuple[tuple[float, int], ...] = ()  # (green %, bake minutes) per shift
    test_listener: str | None = None
    codedeploy: dict[str, Any] | None = None  # a CODE_DEPLOY service's AppSpec and settings

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def service_directory(app: AppConfig, name: str) -> Path:
    return records.service_dir(app.root, name)


def plan_deploy(
    app: AppConfig,
    env: str,
    task: LoadedTaskDefinition,
    service: LoadedServiceDefinition,
    *,
    force: bool = False,
) -> DeployPlan:
    """Everything ``deploy`` decides, without writing anything."""
    app_target_group(app)  # a bad [service.target_group] fails now, not in the controller
    model = service.model
    _check_hooks(app, service)
    cd = (
        codedeploy.settings(app, task.model) if model.controller == codedeploy.CODE_DEPLOY else None
    )
    config = codedeploy.deployment_configuration(cd, model.deployment) if cd else model.deployment
    if (
        app.autoscaling is not None
        and app.autoscaling.needs_load_balancer
        and not model.load_balancer
    ):
        raise UsageError(
            f"[service.autoscaling] tracks ALBRequestCountPerTarget, but service {model.name} has "
            f"no loadBalancers in {service.display}: add one, or remove [service.autoscaling]"
        )
    directory = service_directory(app, model.name)
    revision, new = revisions.next_revision(app.root, task.raw)
    current = _active_state(directory)
    primary = current.primary() if current else None
    desired = _desired_count(records.read_desired(directory), current, model.desired_count)
    breaker = config.circuit_breaker
    port = listener_port(app, env, model)
    new_deployment = force or primary is None or primary.task_definition != revision
    if new_deployment and primary is not None:
        _check_no_active_code_deploy(model.name, primary)
    return DeployPlan(
        service=model.name,
        revision=revision,
        new_revision=new,
        new_deployment=new_deployment,
        desired_count=desired,
        listener=f"{LISTEN_HOST}:{port}" if model.load_balancer else None,
        minimum_healthy_tasks=model.deployment.minimum_healthy_tasks(desired),
        maximum_tasks=model.deployment.maximum_tasks(desired),
        circuit_breaker_threshold=breaker.threshold(desired) if breaker.enable else None,
        controller_running=records.controller_running(directory),
        strategy=codedeploy.describe(cd, app.codedeploy) if cd else config.strategy,
        traffic_steps=tuple(config.traffic_steps()),
        test_listener=_test_listener(app, env),
        codedeploy=cd,
    )


def _check_no_active_code_deploy(name: str, primary: records.Deployment) -> None:
    """One deployment at a time per CodeDeploy deployment group: CreateDeployment fails with
    DeploymentLimitExceededException, "The Deployment Group '...' already has an active
    Deployment '...'", while one is in progress (ECS's own controller instead replaces a
    deployment in progress, and so does hakobu). Locally the group is the service's."""
    if primary.strategy != codedeploy.CODE_DEPLOY or primary.rollout_state != IN_PROGRESS:
        return
    stage = codedeploy.stage_label(primary)
    raise UsageError(
        f"DeploymentLimitExceededException: The Deployment Group '{name}' already has an active "
        f"Deployment '{primary.id}' ({primary.task_definition}, at {stage}): wait for it to end "
        "(`hakobu ps`), or stop it and roll back with `hakobu deploy --stop`"
    )


def _test_listener(app: AppConfig, env: str) -> str | None:
    port = app.environment(env).service_test_port
    return f"{LISTEN_HOST}:{port}" if port else None


def _check_hooks(app: AppConfig, service: LoadedServiceDefinition) -> None:
    """Each lifecycle hook's Lambda needs a local command, as each environment file a local file."""
    for hook in service.model.deployment.hooks:
        if hook.target_arn not in app.hooks:
            raise ConfigError(
                f"lifecycle hook {hook.target_arn} of {service.display} has no local command",
                file=app.path,
                field="service.hooks",
                fix=f'add [service.hooks] "{hook.target_arn}" = "COMMAND" (exit 0: SUCCEEDED)',
            )


def _active_state(directory: Path) -> ServiceState | None:
    state = records.read_state(directory)
    return state if state is not None and state.status == ACTIVE else None


def _desired_count(previous: Desired | None, state: ServiceState | None, in_file: int) -> int:
    """The file's desiredCount when the service starts or the file changed it; else the count
    the service has (set by ``scale`` or by scaling), as ``update-service`` without
    ``--desired-count`` keeps it."""
    if previous is None or state is None or previous.definition_desired_count != in_file:
        return in_file
    return state.desired_count


def deploy(
    runtime: ContainerRuntime,
    app: AppConfig,
    env: str,
    task: LoadedTaskDefinition,
    service: LoadedServiceDefinition,
    *,
    force: bool = False,
) -> tuple[DeployPlan, int]:
    """Register the revision, write the desired state, start the controller if none runs.

    Returns the plan and the generation to ``wait`` for.
    """
    plan = plan_deploy(app, env, task, service, force=force)
    directory = service_directory(app, plan.service)
    revision, _ = revisions.register(app.root, task.raw)
    port = listener_port(app, env, service.model)
    with records.desired_lock(directory):
        previous = records.read_desired(directory)
        _check_listener(directory, port)
        desired = Desired(
            generation=(previous.generation if previous else 0) + 1,
            app=app.name,
            root=str(app.root),
            environment=env,
            config_file=app.path.name,
            environment_files={k: str(app.root / v) for k, v in _env_files(app, env).items()},
            service=service.raw,
            revision=revision.name,
            desired_count=plan.desired_count,
            definition_desired_count=service.model.desired_count,
            listener_host=LISTEN_HOST,
            listener_port=port,
            target_group=dict(app.target_group),
            force_new_deployment=force,
            autoscaling=asdict(app.autoscaling) if app.autoscaling else None,
            test_listener_port=app.environment(env).service_test_port,
            hooks=dict(app.hooks),
            codedeploy=plan.codedeploy,
        )
        records.write_desired(directory, desired)
    ensure_controller(runtime, directory, desired)
    return plan, desired.generation


def _env_files(app: AppConfig, env: str) -> dict[str, Path]:
    return dict(app.environment(env).environment_files)


def _check_listener(directory: Path, port: int) -> None:
    state = _active_state(directory)
    if state is None or not records.controller_running(directory):
        return
    if state.listener and state.listener != f"{LISTEN_HOST}:{port}":
        raise UsageError(
            f"the service listens on {state.listener}; a new port takes effect when it restarts: "
            "run `hakobu down`, then deploy again"
        )


def scale(app: AppConfig, runtime: ContainerRuntime, name: str, count: int) -> int:
    """Set the desired count (no new deployment, as update-service --desired-count)."""
    if count < 0:
        raise UsageError(f"desired count must be 0 or more, not {count}")
    directory = service_directory(app, name)
    with records.desired_lock(directory):
        previous = records.read_desired(directory)
        if previous is None or _active_state(directory) is None:
            raise UsageError(f"service {name} is not running: start it with `hakobu deploy`")
        previous.generation += 1
        previous.desired_count = count
        previous.force_new_deployment = False
        records.write_desired(directory, previous)
    ensure_controller(runtime, directory, previous)
    return previous.generation


def stop_deployment(app: AppConfig, runtime: ContainerRuntime, name: str) -> tuple[str, int]:
    """Stop the blue/green deployment in progress and shift traffic back to the original tasks,
    as ``aws deploy stop-deployment --auto-rollback-enabled`` does. Returns the deployment's id
    and the generation to ``wait`` for."""
    directory = service_directory(app, name)
    with records.desired_lock(directory):
        previous, primary = _stoppable(directory, name)
        previous.generation += 1
        previous.force_new_deployment = False
        previous.stop_deployment = primary.id
        records.write_desired(directory, previous)
    ensure_controller(runtime, directory, previous)
    return primary.id, previous.generation


class _StopRefused(Exception):
    """The controller's event that it did not stop the deployment (ends ``wait_for_stop``)."""


def wait_for_stop(
    directory: Path,
    generation: int,
    deployment_id: str,
    *,
    on_event: EventSink | None = None,
    timeout: float = 600.0,
    events_from: int | None = None,
) -> Outcome:
    """What became of ``stop_deployment``: ok once the deployment failed on request and the
    service is steady on the original tasks again; not ok when the controller refused the stop
    (the deployment had reached CLEAN_UP when it read the request: its event says why) or the
    deployment ended some other way first."""
    refused = f"(deployment {deployment_id}) not stopped: "

    def watch(event: ServiceEvent) -> None:
        if on_event is not None:
            on_event(event)
        if refused in event.message:
            raise _StopRefused(event.message.split(refused, 1)[1])

    try:
        outcome = wait(
            directory, generation, on_event=watch, timeout=timeout, events_from=events_from
        )
    except _StopRefused as e:
        state = records.read_state(directory)
        if state is None:  # pragma: no cover - the controller wrote it before its event
            raise TaskFailedError(f"deployment {deployment_id} not stopped: {e}") from e
        return Outcome(False, f"deployment {deployment_id} not stopped: {e}", state)
    stopped = outcome.state.deployment(deployment_id)
    if stopped is None or stopped.rollout_state != FAILED:
        ended = stopped.rollout_state.lower() if stopped else "ended"
        message = f"deployment {deployment_id} not stopped: it {ended} first"
        return Outcome(False, message, outcome.state)
    primary = outcome.state.primary()
    back_on = f" on {primary.task_definition} ({primary.id})" if primary else ""
    return Outcome(
        outcome.ok,
        f"deployment {deployment_id} stopped; {outcome.message}{back_on}",
        outcome.state,
    )


def deployment_to_stop(app: AppConfig, name: str) -> str:
    """The deployment ``stop_deployment`` would stop, changing nothing (``--dry-run``)."""
    return _stoppable(service_directory(app, name), name)[1].id


def _stoppable(directory: Path, name: str) -> tuple[Desired, records.Deployment]:
    previous = records.read_desired(directory)
    state = _active_state(directory)
    primary = state.primary() if state else None
    if previous is None or primary is None or primary.stage in (None, CLEAN_UP):
        raise UsageError(
            f"service {name} has no blue/green deployment in progress to stop "
            "(a rolling update is reversed by deploying the previous revision)"
        )
    return previous, primary


def check_images(runtime: ContainerRuntime, plan: TaskPlan) -> None:
    """Every image is there before the deployment starts (a missing one fails every task)."""
    for planned in plan.containers:
        if runtime.inspect_image(planned.spec.image) is None:
            raise InputError(
                f"image {planned.spec.image} is not available locally",
                field=f"containerDefinitions ({planned.definition.name}).image",
                fix="run `hakobu build`, or pull the image",
            )


def ensure_controller(runtime: ContainerRuntime, directory: Path, desired: Desired) -> None:
    """Start a controller unless one runs; it adopts whatever a dead one left."""
    if records.controller_running(directory):
        return
    if desired.service.get("loadBalancers"):
        _check_port_free(desired.listener_host, desired.listener_port)
        if desired.test_listener_port is not None:
            _check_port_free(desired.listener_host, desired.test_listener_port)
    log = (directory / records.CONTROLLER_LOG).open("ab")
    package_parent = str(Path(hakobu.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", CONTROLLER_MODULE, str(directory), runtime.binary],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,  # Ctrl-C on the command must not stop the service
        close_fds=True,
        env=env,
    )
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not records.controller_running(directory):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise HakobuError(
                f"the service controller did not start: see {directory / records.CONTROLLER_LOG}"
            )
        time.sleep(0.05)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise UsageError(
                f"port {host}:{port} for the service's load balancer is already in use "
                f"({e.strerror}): stop what uses it, or set [environments.ENV.service] port"
            ) from e


# -- stopping ------------------------------------------------------------------------------------


def stop_services(app_root: Path, *, dry_run: bool = False, timeout: float = 300.0) -> list[str]:
    """Delete every local service of the app: its controller stops its tasks and exits."""
    done: list[str] = []
    for state in active_services(app_root):
        directory = records.service_dir(app_root, state.service_name)
        running = records.controller_running(directory)
        what = f"controller {state.controller_pid}" if running else "controller not running"
        done.append(f"delete service {state.service_name} ({what})")
        if dry_run:
            continue
        if running and state.controller_pid:
            _terminate_controller(directory, state.controller_pid, timeout)
        current = records.read_state(directory) or state
        if current.status != INACTIVE:  # it died before: its tasks are swept by their labels
            current.status, current.tasks, current.steady = INACTIVE, [], False
            records.write_state(directory, current)
    return done


def _terminate_controller(directory: Path, pid: int, timeout: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while records.controller_running(directory) and time.monotonic() < deadline:
        time.sleep(0.1)
