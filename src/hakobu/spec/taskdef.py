"""Typed model of an ECS task definition: what the engines read.

The raw, AWS-shaped dict stays beside the model (``raw``) so rendering back to
``register-task-definition`` input loses nothing. Parsing assumes the dict already passed
validation (``spec.load.validate_task_definition``); defaults are ECS's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# ECS: "If this parameter is not specified, the default value of 30 seconds is used" (Fargate),
# and the maximum is 120 seconds.
DEFAULT_STOP_TIMEOUT = 30
MAX_STOP_TIMEOUT = 120

DEPENDENCY_CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")


@dataclass(frozen=True)
class HealthCheck:
    """``healthCheck`` with ECS's defaults: interval 30 s, timeout 5 s, retries 3, no start."""

    command: tuple[str, ...]
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 0

    @property
    def argv(self) -> tuple[str, ...]:
        """The command to exec in the container: CMD runs as is, CMD-SHELL through /bin/sh -c."""
        kind, *rest = self.command
        if kind == "CMD-SHELL":
            return ("/bin/sh", "-c", " ".join(rest))
        if kind == "CMD":
            return tuple(rest)
        return tuple(self.command)  # ECS treats a command without the prefix as CMD


@dataclass(frozen=True)
class PortMapping:
    container_port: int
    host_port: int | None = None
    protocol: str = "tcp"
    name: str | None = None


@dataclass(frozen=True)
class SecretRef:
    """One entry of ``secrets``: the env var ``name`` gets the value found at ``value_from``."""

    name: str
    value_from: str


@dataclass(frozen=True)
class Dependency:
    container_name: str
    condition: str


@dataclass(frozen=True)
class Tmpfs:
    container_path: str
    size: int  # MiB
    mount_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ulimit:
    name: str
    soft_limit: int
    hard_limit: int


@dataclass(frozen=True)
class RestartPolicy:
    enabled: bool
    ignored_exit_codes: tuple[int, ...] = ()
    restart_attempt_period: int = 300  # seconds a container must run before another restart


@dataclass(frozen=True)
class ContainerDefinition:
    name: str
    image: str
    essential: bool = True
    entry_point: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    working_directory: str | None = None
    user: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    environment_files: tuple[str, ...] = ()  # S3 ARNs of .env files
    secrets: tuple[SecretRef, ...] = ()
    port_mappings: tuple[PortMapping, ...] = ()
    health_check: HealthCheck | None = None
    depends_on: tuple[Dependency, ...] = ()
    stop_timeout: int | None = None
    start_timeout: int | None = None
    readonly_root_filesystem: bool = False
    cpu: int = 0
    memory: int | None = None
    memory_reservation: int | None = None
    init_process_enabled: bool = False
    capabilities_add: tuple[str, ...] = ()
    capabilities_drop: tuple[str, ...] = ()
    tmpfs: tuple[Tmpfs, ...] = ()
    ulimits: tuple[Ulimit, ...] = ()
    restart_policy: RestartPolicy | None = None
    log_configuration: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def effective_stop_timeout(self) -> int:
        return self.stop_timeout if self.stop_timeout is not None else DEFAULT_STOP_TIMEOUT


@dataclass(frozen=True)
class TaskDefinition:
    family: str
    containers: tuple[ContainerDefinition, ...]
    cpu: str | None = None
    memory: str | None = None
    network_mode: str | None = None
    requires_compatibilities: tuple[str, ...] = ()
    execution_role_arn: str | None = None
    task_role_arn: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def container(self, name: str) -> ContainerDefinition:
        for container in self.containers:
            if container.name == name:
                return container
        raise KeyError(name)

    @property
    def essential_containers(self) -> tuple[ContainerDefinition, ...]:
        return tuple(c for c in self.containers if c.essential)

    def start_order(self) -> list[ContainerDefinition]:
        """Containers in an order that starts every dependency before its dependents.

        Validation has already refused cycles and unknown names; ties keep file order.
        """
        ordered: list[ContainerDefinition] = []
        placed: set[str] = set()
        pending = list(self.containers)
        while pending:
            for container in pending:
                if all(d.container_name in placed for d in container.depends_on):
                    ordered.append(container)
                    placed.add(container.name)
                    pending.remove(container)
                    break
            else:  # pragma: no cover - validation refuses cycles
                raise ValueError("dependsOn has a cycle")
        return ordered

    def stop_order(self) -> list[ContainerDefinition]:
        """ECS stops containers in reverse dependency order: dependents first."""
        return list(reversed(self.start_order()))


def _strs(value: Any) -> tuple[str, ...] | None:
    return tuple(str(v) for v in value) if value is not None else None


def _health_check(raw: Mapping[str, Any] | None) -> HealthCheck | None:
    if not raw:
        return None
    return HealthCheck(
        command=tuple(raw["command"]),
        interval=int(raw.get("interval", 30)),
        timeout=int(raw.get("timeout", 5)),
        retries=int(raw.get("retries", 3)),
        start_period=int(raw.get("startPeriod", 0)),
    )


def _restart_policy(raw: Mapping[str, Any] | None) -> RestartPolicy | None:
    if not raw:
        return None
    return RestartPolicy(
        enabled=bool(raw.get("enabled", False)),
        ignored_exit_codes=tuple(int(c) for c in raw.get("ignoredExitCodes", ())),
        restart_attempt_period=int(raw.get("restartAttemptPeriod", 300)),
    )


def parse_container(raw: Mapping[str, Any]) -> ContainerDefinition:
    linux = raw.get("linuxParameters") or {}
    caps = linux.get("capabilities") or {}
    return ContainerDefinition(
        name=raw["name"],
        image=raw["image"],
        essential=bool(raw.get("essential", True)),
        entry_point=_strs(raw.get("entryPoint")),
        command=_strs(raw.get("command")),
        working_directory=raw.get("workingDirectory"),
        user=raw.get("user"),
        environment=tuple((e["name"], str(e.get("value", ""))) for e in raw.get("environment", ())),
        environment_files=tuple(f["value"] for f in raw.get("environmentFiles", ())),
        secrets=tuple(SecretRef(s["name"], s["valueFrom"]) for s in raw.get("secrets", ())),
        port_mappings=tuple(
            PortMapping(
                container_port=int(p["containerPort"]),
                host_port=int(p["hostPort"]) if "hostPort" in p else None,
                protocol=p.get("protocol", "tcp"),
                name=p.get("name"),
            )
            for p in raw.get("portMappings", ())
            if "containerPort" in p
        ),
        health_check=_health_check(raw.get("healthCheck")),
        depends_on=tuple(
            Dependency(d["containerName"], d["condition"]) for d in raw.get("dependsOn", ())
        ),
        stop_timeout=raw.get("stopTimeout"),
        start_timeout=raw.get("startTimeout"),
        readonly_root_filesystem=bool(raw.get("readonlyRootFilesystem", False)),
        cpu=int(raw.get("cpu", 0)),
        memory=raw.get("memory"),
        memory_reservation=raw.get("memoryReservation"),
        init_process_enabled=bool(linux.get("initProcessEnabled", False)),
        capabilities_add=tuple(caps.get("add", ())),
        capabilities_drop=tuple(caps.get("drop", ())),
        tmpfs=tuple(
            Tmpfs(t["containerPath"], int(t["size"]), tuple(t.get("mountOptions", ())))
            for t in linux.get("tmpfs", ())
        ),
        ulimits=tuple(
            Ulimit(u["name"], int(u["softLimit"]), int(u["hardLimit"]))
            for u in raw.get("ulimits", ())
        ),
        restart_policy=_restart_policy(raw.get("restartPolicy")),
        log_configuration=raw.get("logConfiguration"),
        raw=raw,
    )


def parse_task_definition(raw: Mapping[str, Any]) -> TaskDefinition:
    """Build the model from a validated ``RegisterTaskDefinition``-shaped dict."""
    return TaskDefinition(
        family=raw["family"],
        containers=tuple(parse_container(c) for c in raw["containerDefinitions"]),
        cpu=str(raw["cpu"]) if raw.get("cpu") is not None else None,
        memory=str(raw["memory"]) if raw.get("memory") is not None else None,
        network_mode=raw.get("networkMode"),
        requires_compatibilities=tuple(raw.get("requiresCompatibilities", ())),
        execution_role_arn=raw.get("executionRoleArn"),
        task_role_arn=raw.get("taskRoleArn"),
        raw=raw,
    )
