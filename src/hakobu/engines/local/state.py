"""The state of a local task, as ``describe-tasks`` would show it, kept in ``state.json``.

The supervisor writes it atomically on every change; ``up``, ``ps`` and ``down`` read it. It never
holds a secret value.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# ECS task lifecycle: PROVISIONING -> PENDING -> ACTIVATING -> RUNNING -> DEACTIVATING -> STOPPING
# -> DEPROVISIONING -> STOPPED. Locally there is nothing to activate or deprovision but the pod.
PROVISIONING = "PROVISIONING"
PENDING = "PENDING"
RUNNING = "RUNNING"
STOPPING = "STOPPING"
DEPROVISIONING = "DEPROVISIONING"
STOPPED = "STOPPED"

STATE_FILE = "state.json"
TASK_FILE = "task.json"
OUTPUT_FILE = "output.jsonl"
SUPERVISOR_LOG = "supervisor.log"


@dataclass
class ContainerStatus:
    name: str
    engine_name: str
    essential: bool
    has_health_check: bool
    last_status: str = PENDING
    health_status: str = "UNKNOWN"
    exit_code: int | None = None
    reason: str | None = None
    restart_count: int = 0
    started_at: float | None = None
    stopped_at: float | None = None


@dataclass
class TaskState:
    task_id: str
    app: str
    family: str
    environment: str
    project: str
    pod: str
    ports: list[str] = field(default_factory=list)
    last_status: str = PROVISIONING
    desired_status: str = RUNNING
    health_status: str = "UNKNOWN"
    stop_code: str | None = None
    stopped_reason: str | None = None
    created_at: float | None = None
    started_at: float | None = None
    stopping_at: float | None = None
    stopped_at: float | None = None
    supervisor_pid: int | None = None
    containers: list[ContainerStatus] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def task_arn(self) -> str:
        return f"arn:aws:ecs:local:000000000000:task/hakobu-{self.app}/{self.task_id}"

    def container(self, name: str) -> ContainerStatus:
        return next(c for c in self.containers if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["task_arn"] = self.task_arn
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskState:
        data = dict(data)
        data.pop("task_arn", None)
        containers = [ContainerStatus(**c) for c in data.pop("containers", [])]
        return cls(**data, containers=containers)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temp file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_state(task_dir: Path, state: TaskState) -> None:
    write_json_atomic(task_dir / STATE_FILE, state.to_dict())


def load_state(task_dir: Path) -> TaskState | None:
    try:
        data = json.loads((task_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return TaskState.from_dict(data)


def tasks_root(app_root: Path) -> Path:
    return app_root / ".hakobu" / "tasks"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive: its task is over.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
