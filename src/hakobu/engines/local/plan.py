"""From a task definition to what the engine creates: one pod, its containers, their secrets.

Planning is pure (no engine calls) and deterministic, so ``up --dry-run`` shows exactly what the
supervisor will create, and the supervisor re-plans from the same inputs after it starts.
"""

from __future__ import annotations

import platform
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hakobu.containers.runtime import ContainerSpec, PodSpec, PublishedPort
from hakobu.engines.local import labels
from hakobu.engines.local.coverage import unemulated_fields
from hakobu.errors import InputError, UsageError
from hakobu.spec.taskdef import ContainerDefinition, TaskDefinition


@dataclass(frozen=True)
class PlanContext:
    app: str
    task_id: str
    root: Path  # the app's directory (where hakobu.toml is)
    task_dir: Path  # .hakobu/tasks/<task_id>
    environment: str = "local"
    ports: Mapping[int, int] = field(default_factory=dict)  # container port -> host port
    environment_files: Mapping[str, Path] = field(default_factory=dict)  # S3 ARN -> local file
    config_file: str = "hakobu.toml"


@dataclass(frozen=True)
class SecretBinding:
    container: str
    env_name: str
    value_from: str
    engine_secret: str


@dataclass(frozen=True)
class PlannedContainer:
    definition: ContainerDefinition
    spec: ContainerSpec
    stop_order: int


@dataclass(frozen=True)
class TaskPlan:
    context: PlanContext
    task: TaskDefinition
    pod: PodSpec
    containers: tuple[PlannedContainer, ...]  # in start order
    secrets: tuple[SecretBinding, ...]
    warnings: tuple[str, ...]

    def planned(self, name: str) -> PlannedContainer:
        return next(c for c in self.containers if c.definition.name == name)


def parse_env_file(path: Path, source: str) -> list[tuple[str, str]]:
    """ECS's .env format: VARIABLE=VALUE per line, '#' comments, no quoting or escaping."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(
            f"environment file {path} cannot be read: {e.strerror}",
            file=source,
            fix="create the file or fix its path under environment_files",
        ) from e
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise InputError(
                "expected VARIABLE=VALUE", file=path, line=number, fix="see docs/config.md"
            )
        pairs.append((name.strip(), value))
    return pairs


def _environment(c: ContainerDefinition, ctx: PlanContext) -> tuple[tuple[str, str], ...]:
    merged: dict[str, str] = {}
    for arn in c.environment_files:
        local = ctx.environment_files.get(arn)
        if local is None:
            raise InputError(
                f"environmentFiles: {arn} has no local file for environment {ctx.environment!r}",
                file=ctx.config_file,
                field=f"environments.{ctx.environment}.environment_files",
                fix=f'add "{arn}" = "path/to/file.env"',
            )
        merged.update(parse_env_file(local, ctx.config_file))
    merged.update(c.environment)  # ECS: `environment` wins over environment files
    return tuple(merged.items())


def _published_ports(task: TaskDefinition, ctx: PlanContext) -> tuple[PublishedPort, ...]:
    ports = []
    for c in task.containers:
        for p in c.port_mappings:
            host = ctx.ports.get(p.container_port, p.container_port)
            ports.append(PublishedPort(host, p.container_port, p.protocol))
    return tuple(ports)


def _cpu_shares(cpu: int) -> int | None:
    # ECS passes cpu units as CPU shares; the kernel's minimum is 2 (ECS raises 0 and 1 to 2).
    return max(cpu, 2) if cpu else None


def _container_spec(
    c: ContainerDefinition, task: TaskDefinition, ctx: PlanContext, stop_order: int
) -> ContainerSpec:
    project = labels.project_id(ctx.root)
    container_labels = {
        **{str(k): str(v) for k, v in (c.raw.get("dockerLabels") or {}).items()},
        labels.PROJECT: project,
        labels.APP: ctx.app,
        labels.TASK: ctx.task_id,
        labels.CONTAINER: c.name,
        labels.STOP_ORDER: str(stop_order),
        labels.STOP_TIMEOUT: str(c.effective_stop_timeout),
    }
    return ContainerSpec(
        name=labels.container_name(ctx.app, ctx.task_id, c.name),
        image=c.image,
        pod=labels.pod_name(ctx.app, ctx.task_id),
        labels=container_labels,
        entrypoint=c.entry_point,
        command=c.command,
        env=_environment(c, ctx),
        secret_env=tuple(
            (s.name, labels.secret_name(ctx.app, ctx.task_id, f"{c.name}-{s.name}"))
            for s in c.secrets
        ),
        workdir=c.working_directory,
        user=c.user,
        read_only=c.readonly_root_filesystem,
        init=c.init_process_enabled,
        cap_add=c.capabilities_add,
        cap_drop=c.capabilities_drop,
        tmpfs=tuple(
            (t.container_path, ",".join([f"size={t.size}m", *t.mount_options])) for t in c.tmpfs
        ),
        ulimits=tuple(f"{u.name}={u.soft_limit}:{u.hard_limit}" for u in c.ulimits),
        cpu_shares=_cpu_shares(c.cpu),
        memory_mib=c.memory,
        memory_reservation_mib=c.memory_reservation,
        stop_timeout=c.effective_stop_timeout,
        log_path=ctx.task_dir / "logs" / f"{c.name}.log",
    )


def _memory_mib(memory: str | None) -> int | None:
    if memory is None:
        return None
    text = memory.strip().upper()
    if text.endswith("GB"):
        return int(float(text[:-2]) * 1024)
    return int(text)


def _cpus(cpu: str | None) -> float | None:
    if cpu is None:
        return None
    text = cpu.strip().upper()
    if text.endswith("VCPU"):
        return float(text[:-4])
    return int(text) / 1024


def _architecture_warning(task: TaskDefinition) -> list[str]:
    wanted = (task.raw.get("runtimePlatform") or {}).get("cpuArchitecture")
    here = {"x86_64": "X86_64", "amd64": "X86_64", "aarch64": "ARM64", "arm64": "ARM64"}.get(
        platform.machine().lower()
    )
    if wanted and here and wanted != here:
        return [f"runtimePlatform.cpuArchitecture: {wanted} differs from this machine ({here})"]
    return []


def build_plan(task: TaskDefinition, ctx: PlanContext) -> TaskPlan:
    start_order = task.start_order()
    stop_rank = {c.name: i for i, c in enumerate(reversed(start_order))}
    containers = tuple(
        PlannedContainer(c, _container_spec(c, task, ctx, stop_rank[c.name]), stop_rank[c.name])
        for c in start_order
    )
    pod = PodSpec(
        name=labels.pod_name(ctx.app, ctx.task_id),
        labels={
            labels.PROJECT: labels.project_id(ctx.root),
            labels.APP: ctx.app,
            labels.TASK: ctx.task_id,
        },
        ports=_published_ports(task, ctx),
        cpus=_cpus(task.cpu),
        memory_mib=_memory_mib(task.memory),
    )
    secrets = tuple(
        SecretBinding(p.definition.name, env_name, ref.value_from, engine_secret)
        for p in containers
        for ref, (env_name, engine_secret) in zip(
            p.definition.secrets, p.spec.secret_env, strict=True
        )
    )
    warnings = (*unemulated_fields(task.raw), *_architecture_warning(task))
    return TaskPlan(ctx, task, pod, containers, secrets, tuple(warnings))


def check_ports_free(plan: TaskPlan) -> None:
    """A port already taken is a clear error before anything starts."""
    for port in plan.pod.ports:
        kind = socket.SOCK_DGRAM if port.protocol == "udp" else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((port.host_ip, port.host_port))
            except OSError as e:
                raise UsageError(
                    f"port {port.host_ip}:{port.host_port} (containerPort {port.container_port}) "
                    f"is already in use ({e.strerror}): stop what uses it, or map it elsewhere "
                    f"in {plan.context.config_file}: [environments.{plan.context.environment}] "
                    f'ports = {{ "{port.container_port}" = OTHER_PORT }}'
                ) from e
