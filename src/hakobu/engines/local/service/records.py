"""What a local service keeps on disk, under ``.hakobu/services/<name>/``.

- ``service.json``: the desired state (``Desired``), written by ``deploy`` and ``scale`` under a
  lock, each write a new ``generation``. The controller applies every new generation.
- ``state.json``: the observed state (``ServiceState``), written atomically by the controller
  alone; it is what ``describe-services`` would show (deployments, counts, tasks).
- ``events.jsonl``: the service events, appended by the controller, oldest first.
- ``controller.lock``: held (flock) by the running controller: the lock is free exactly when no
  controller runs, even after a SIGKILL, so the next command knows to start one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from hakobu.engines.local.state import write_json_atomic

SERVICE_FILE = "service.json"
STATE_FILE = "state.json"
EVENTS_FILE = "events.jsonl"
CONTROLLER_LOG = "controller.log"
CONTROLLER_LOCK = "controller.lock"
DESIRED_LOCK = ".service.json.lock"

# ECS statuses: Service.status, Deployment.status and Deployment.rolloutState.
ACTIVE, DRAINING, INACTIVE = "ACTIVE", "DRAINING", "INACTIVE"
PRIMARY = "PRIMARY"
IN_PROGRESS, COMPLETED, FAILED = "IN_PROGRESS", "COMPLETED", "FAILED"

ACCOUNT = "000000000000"
REGION = "local"


def services_root(app_root: Path) -> Path:
    return app_root / ".hakobu" / "services"


def service_dir(app_root: Path, name: str) -> Path:
    return services_root(app_root) / name


def new_deployment_id() -> str:
    return f"ecs-svc/{random.randrange(10**18, 10**19)}"  # ECS: ecs-svc/ and 19 digits


@dataclass
class Desired:
    """What the service should be: written by the CLI, read by the controller."""

    generation: int
    app: str
    root: str
    environment: str
    config_file: str
    environment_files: dict[str, str]
    service: dict[str, Any]  # the rendered, validated service definition
    revision: str  # family:number
    desired_count: int
    definition_desired_count: int  # the file's desiredCount when it was last applied
    listener_host: str
    listener_port: int
    target_group: dict[str, Any]  # [service.target_group] as written
    force_new_deployment: bool = False
    autoscaling: dict[str, Any] | None = None  # [service.autoscaling], defaults filled in
    test_listener_port: int | None = None
    hooks: dict[str, str] = field(default_factory=dict)  # hook ARN -> local command
    codedeploy: dict[str, Any] | None = None  # a CODE_DEPLOY service's AppSpec and settings
    stop_deployment: str | None = None  # a blue/green deployment to stop and roll back

    @property
    def name(self) -> str:
        return str(self.service["serviceName"])

    @property
    def cluster(self) -> str:
        return str(self.service.get("cluster") or "default")


def read_desired(directory: Path) -> Desired | None:
    try:
        data = json.loads((directory / SERVICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # A controller started by an older hakobu may read a newer file: take what it knows.
    known = {f.name for f in fields(Desired)}
    return Desired(**{k: v for k, v in data.items() if k in known})


def write_desired(directory: Path, desired: Desired) -> None:
    write_json_atomic(directory / SERVICE_FILE, asdict(desired))


@contextlib.contextmanager
def desired_lock(directory: Path) -> Iterator[None]:
    """Serializes read-modify-write of service.json between concurrent commands."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / DESIRED_LOCK).open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def controller_running(directory: Path) -> bool:
    """Whether a controller holds the lock (it is released when the process dies, however)."""
    path = directory / CONTROLLER_LOCK
    if not path.exists():
        return False
    with path.open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


@dataclass
class Deployment:
    id: str
    status: str  # PRIMARY, ACTIVE (an older one still running tasks)
    task_definition: str  # family:number
    desired_count: int
    rollout_state: str = IN_PROGRESS
    rollout_state_reason: str = ""
    failed_tasks: int = 0  # every task of this deployment that failed, as ECS counts them
    breaker_failures: int = 0  # the circuit breaker's count (reset by a healthy task)
    running_count: int = 0
    pending_count: int = 0
    generation: int = 0  # the service.json generation that created it
    rolled_back_from: str | None = None
    strategy: str = "ROLLING"
    target_group: str = "default"  # the load balancer group its tasks register with
    # Blue/green, canary and linear: the lifecycle stage (None once done, or when rolling),
    # since when, the traffic step, green's share of production traffic, and the blue one.
    stage: str | None = None
    stage_since: float = 0.0
    step: int = 0
    traffic: float = 0.0
    replaces: str | None = None
    hooks_done: str | None = None  # the stage whose lifecycle hooks have succeeded
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)


@dataclass
class TaskRecord:
    """A task of the service as the controller last saw it."""

    task_id: str
    deployment_id: str
    revision: str
    phase: str  # STARTING, HEALTHY, FAILED, STOPPING, STOPPED
    last_status: str
    target_state: str | None = None  # the load balancer's view (healthy, draining, ...)
    address: str | None = None
    adopted: bool = False  # found by its labels after a controller crash
    started_at: float | None = None


@dataclass
class ServiceState:
    service_name: str
    app: str
    environment: str
    cluster: str
    status: str = ACTIVE
    desired_count: int = 0
    running_count: int = 0
    pending_count: int = 0
    applied_generation: int = 0
    steady: bool = False
    deployments: list[Deployment] = field(default_factory=list)
    tasks: list[TaskRecord] = field(default_factory=list)
    listener: str = ""
    target_group_arn: str | None = None
    controller_pid: int | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def service_arn(self) -> str:
        return f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{self.cluster}/{self.service_name}"

    def primary(self) -> Deployment | None:
        return next((d for d in self.deployments if d.status == PRIMARY), None)

    def deployment(self, deployment_id: str) -> Deployment | None:
        return next((d for d in self.deployments if d.id == deployment_id), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["service_arn"] = self.service_arn
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceState:
        data = dict(data)
        data.pop("service_arn", None)
        deployments = [Deployment(**d) for d in data.pop("deployments", [])]
        tasks = [TaskRecord(**t) for t in data.pop("tasks", [])]
        return cls(**data, deployments=deployments, tasks=tasks)


def read_state(directory: Path) -> ServiceState | None:
    try:
        data = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ServiceState.from_dict(data)


def write_state(directory: Path, state: ServiceState) -> None:
    state.updated_at = time.time()
    write_json_atomic(directory / STATE_FILE, state.to_dict())


@dataclass(frozen=True)
class ServiceEvent:
    id: str
    created_at: float
    message: str

    def to_ecs(self) -> dict[str, Any]:
        return {"id": self.id, "createdAt": self.created_at, "message": self.message}


class EventLog:
    """Appends events to events.jsonl, one JSON object a line, flushed at once."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file = (directory / EVENTS_FILE).open("a", encoding="utf-8")

    def add(self, message: str) -> ServiceEvent:
        event = ServiceEvent(str(uuid.uuid4()), time.time(), message)
        self._file.write(json.dumps(event.to_ecs()) + "\n")
        self._file.flush()
        return event

    def close(self) -> None:
        self._file.close()


def read_events(directory: Path, offset: int = 0) -> tuple[list[ServiceEvent], int]:
    """Events written since ``offset`` (oldest first), and the offset to read from next."""
    path = directory / EVENTS_FILE
    try:
        with path.open("rb") as f:
            f.seek(offset)
            chunk = f.read()
    except FileNotFoundError:
        return [], offset
    complete, _, _ = chunk.rpartition(b"\n")  # a line still being written waits for next time
    events = []
    for line in complete.splitlines():
        with contextlib.suppress(ValueError, KeyError):
            data = json.loads(line)
            events.append(ServiceEvent(data["id"], data["createdAt"], data["message"]))
    consumed = len(complete) + 1 if complete or chunk.startswith(b"\n") else 0
    return events, offset + consumed
