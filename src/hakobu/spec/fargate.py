"""The rules ECS enforces when a task definition is registered, beyond what the schema states.

Two sets: rules for every launch type (container names, dependencies, health check ranges, ...)
and the Fargate rules (task size, awsvpc, stop timeout, unsupported parameters). ECS applies the
Fargate ones when ``requiresCompatibilities`` lists FARGATE; hakobu also applies them to every local
run, because locally it emulates Fargate. Callers choose with ``fargate=``.

Sources (AWS documentation, cited per rule below):
- TASK_SIZE: "Task CPU and memory", Amazon ECS Developer Guide, and the ``memory`` member of
  RegisterTaskDefinition in the API reference (botocore's model carries the same text).
- FARGATE_DIFFERENCES: "Amazon ECS task definition differences for Fargate",
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
- CONTAINER_DEFINITION: ContainerDefinition in the ECS API reference,
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html

Every function expects a dict that passed ``schema.validate_request`` (types are right).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from hakobu.spec.jsonpos import JsonPath
from hakobu.spec.problem import Problem


def _steps(low: int, high: int, step: int) -> tuple[int, ...]:
    return tuple(range(low, high + 1, step))


# TASK_SIZE: task cpu units -> the memory sizes (MiB) Fargate accepts with it.
FARGATE_SIZES: Mapping[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1024, 4096, 1024),
    1024: _steps(2048, 8192, 1024),
    2048: _steps(4096, 16384, 1024),
    4096: _steps(8192, 30720, 1024),
    8192: _steps(16384, 61440, 4096),  # 16 GB-60 GB in 4 GB steps (Linux platform 1.4.0+)
    16384: _steps(32768, 122880, 8192),  # 32 GB-120 GB in 8 GB steps (Linux platform 1.4.0+)
}

# CONTAINER_DEFINITION healthCheck: "You may specify between 5 and 300 seconds" (interval),
# 2-60 (timeout), 1-10 (retries), 0-300 (startPeriod).
HEALTH_CHECK_RANGES: Mapping[str, tuple[int, int]] = {
    "interval": (5, 300),
    "timeout": (2, 60),
    "retries": (1, 10),
    "startPeriod": (0, 300),
}

# CONTAINER_DEFINITION stopTimeout and startTimeout: "The valid values for Fargate are 2-120".
FARGATE_TIMEOUT_RANGE = (2, 120)

# FARGATE_DIFFERENCES: "The following task definition parameters are not valid in Fargate tasks".
FARGATE_UNSUPPORTED_CONTAINER_FIELDS = (
    "disableNetworking",
    "dnsSearchDomains",
    "dnsServers",
    "dockerSecurityOptions",
    "extraHosts",
    "links",
    "privileged",
)
FARGATE_UNSUPPORTED_TASK_FIELDS = ("ipcMode", "placementConstraints")
# ... and in linuxParameters: "devices, sharedMemorySize, and tmpfs are not supported", nor are
# maxSwap and swappiness; "the only capability you can add is CAP_SYS_PTRACE".
FARGATE_UNSUPPORTED_LINUX_FIELDS = ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness")
FARGATE_ADDABLE_CAPABILITIES = ("SYS_PTRACE", "CAP_SYS_PTRACE")

# CONTAINER_DEFINITION name: "Up to 255 letters (uppercase and lowercase), numbers, underscores,
# and hyphens"; the same for family in RegisterTaskDefinition.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")

_CPU = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(vcpu)?\s*", re.IGNORECASE)
_MEMORY = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(gb)?\s*", re.IGNORECASE)


def parse_cpu(value: str) -> int | None:
    """Task cpu in CPU units: ``"1024"``, ``"1 vCPU"``, ``"0.25 vcpu"`` as ECS reads them."""
    return _units(_CPU.fullmatch(value))


def parse_memory(value: str) -> int | None:
    """Task memory in MiB: ``"2048"``, ``"2 GB"``, ``"0.5GB"`` as ECS reads them."""
    return _units(_MEMORY.fullmatch(value))


def _units(match: re.Match[str] | None) -> int | None:
    """1024 units per vCPU or per GB; a bare number is already in units and must be whole."""
    if match is None:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    if match.group(2):
        number *= 1024
    return int(number) if number == number.to_integral_value() else None


def uses_fargate(raw: Mapping[str, Any]) -> bool:
    """Whether ECS itself applies the Fargate rules: ``requiresCompatibilities`` lists FARGATE."""
    return "FARGATE" in (raw.get("requiresCompatibilities") or ())


def check_task_definition(raw: Mapping[str, Any], *, fargate: bool) -> list[Problem]:
    """Registration rules; with ``fargate=True`` the Fargate rules too, whatever the file says.

    With ``fargate=False`` the Fargate rules still apply when the file asks for FARGATE, since ECS
    would refuse the task definition at registration.
    """
    problems = list(check_registration(raw))
    if fargate or uses_fargate(raw):
        problems.extend(check_fargate(raw))
    return problems


def _containers(raw: Mapping[str, Any]) -> list[tuple[JsonPath, Mapping[str, Any]]]:
    return [(("containerDefinitions", i), c) for i, c in enumerate(raw["containerDefinitions"])]


def check_registration(raw: Mapping[str, Any]) -> Iterator[Problem]:
    """Rules ECS enforces for every launch type."""
    if not _NAME.fullmatch(raw["family"]):
        yield Problem(("family",), "invalid family", fix="use up to 255 letters, digits, _ and -")
    containers = _containers(raw)
    if not containers:
        yield Problem(("containerDefinitions",), "no containers", fix="define at least one")
        return
    yield from _check_names(containers)
    if not any(c.get("essential", True) for _, c in containers):
        yield Problem(
            ("containerDefinitions",),
            "no essential container",
            fix='set "essential": true on the main container: ECS requires one',
        )
    for path, container in containers:
        yield from _check_container(path, container)
    yield from _check_dependencies(containers)
    if raw.get("networkMode") in ("awsvpc", "host"):
        yield from _check_host_ports(raw["networkMode"], containers)


def _check_names(containers: list[tuple[JsonPath, Mapping[str, Any]]]) -> Iterator[Problem]:
    seen: set[str] = set()
    for path, container in containers:
        name = container.get("name")
        if name is None:
            yield Problem((*path, "name"), "required field missing", fix='add "name"')
            continue
        if not _NAME.fullmatch(name):
            yield Problem(
                (*path, "name"),
                f'invalid container name "{name}"',
                fix="use up to 255 letters, digits, _ and -",
            )
        if name in seen:
            yield Problem((*path, "name"), f'duplicate container name "{name}"', fix="rename one")
        seen.add(name)


def _check_container(path: JsonPath, container: Mapping[str, Any]) -> Iterator[Problem]:
    if not container.get("image"):
        yield Problem(
            (*path, "image"),
            "every container needs an image",
            fix='add "image", e.g. "<IMAGE1_NAME>" for the image hakobu builds',
        )
    for k, variable in enumerate(container.get("environment") or ()):
        if not variable.get("name"):
            yield Problem((*path, "environment", k, "name"), "required field missing")
    health = container.get("healthCheck")
    if health is not None and not health["command"]:
        yield Problem(
            (*path, "healthCheck", "command"),
            "empty health check command",
            fix='e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]',
        )
    for field, (low, high) in HEALTH_CHECK_RANGES.items():
        value = (health or {}).get(field)
        if value is not None and not low <= value <= high:
            yield Problem(
                (*path, "healthCheck", field),
                f"{value} is out of range",
                fix=f"ECS takes {field} between {low} and {high}",
            )
    memory, reservation = container.get("memory"), container.get("memoryReservation")
    # The docs say memory "must be greater than" memoryReservation; only a smaller one is flagged
    # here, so that equal values (which some ECS examples use) never fail.
    if memory is not None and reservation is not None and memory < reservation:
        yield Problem(
            (*path, "memoryReservation"),
            f"memoryReservation {reservation} is above memory {memory}",
            fix="the soft limit must not exceed the hard limit",
        )


def _check_dependencies(containers: list[tuple[JsonPath, Mapping[str, Any]]]) -> Iterator[Problem]:
    by_name = {c["name"]: c for _, c in containers if "name" in c}
    for path, container in containers:
        for j, dependency in enumerate(container.get("dependsOn") or ()):
            dep_path = (*path, "dependsOn", j)
            target = by_name.get(dependency["containerName"])
            yield from _check_dependency(dep_path, container, dependency, target, by_name)
    yield from _check_cycles(containers)


def _check_dependency(
    path: JsonPath,
    container: Mapping[str, Any],
    dependency: Mapping[str, Any],
    target: Mapping[str, Any] | None,
    by_name: Mapping[str, Mapping[str, Any]],
) -> Iterator[Problem]:
    name, condition = dependency["containerName"], dependency["condition"]
    if target is None:
        known = ", ".join(by_name) or "none"
        yield Problem(
            (*path, "containerName"), f'no container named "{name}"', fix=f"containers: {known}"
        )
    elif name == container.get("name"):
        yield Problem((*path, "containerName"), "a container cannot depend on itself")
    elif condition == "HEALTHY" and not target.get("healthCheck"):
        yield Problem(
            (*path, "condition"),
            f'HEALTHY needs a healthCheck on "{name}"',
            fix=f'add a healthCheck to "{name}" or use condition START',
        )
    elif condition in ("COMPLETE", "SUCCESS") and target.get("essential", True):
        # CONTAINER_DEFINITION ContainerDependency: "This condition can't be set on an essential
        # container."
        yield Problem(
            (*path, "condition"),
            f'{condition} cannot wait for the essential container "{name}"',
            fix=f'set "essential": false on "{name}" (it is meant to exit)',
        )


def _check_cycles(containers: list[tuple[JsonPath, Mapping[str, Any]]]) -> Iterator[Problem]:
    edges = {
        c["name"]: [(j, d["containerName"]) for j, d in enumerate(c.get("dependsOn") or ())]
        for _, c in containers
        if "name" in c
    }
    paths = {c["name"]: path for path, c in containers if "name" in c}
    state: dict[str, str] = {}  # name -> "visiting" | "done"

    def visit(name: str, trail: list[str]) -> Problem | None:
        state[name] = "visiting"
        for j, target in edges.get(name, ()):
            if target == name or target not in edges:
                continue  # reported by _check_dependency
            if state.get(target) == "visiting":
                cycle = [*trail[trail.index(target) :], name, target]
                return Problem(
                    (*paths[name], "dependsOn", j, "containerName"),
                    "dependsOn cycle: " + " -> ".join(cycle),
                    fix="remove one of these dependencies",
                )
            if target not in state and (found := visit(target, [*trail, name])):
                return found
        state[name] = "done"
        return None

    for name in edges:
        if name not in state and (problem := visit(name, [])):
            yield problem
            return


def _check_host_ports(
    mode: str, containers: list[tuple[JsonPath, Mapping[str, Any]]]
) -> Iterator[Problem]:
    # PortMapping: "If you use containers in a task with the awsvpc or host network mode, the
    # hostPort can either be left blank or set to the same value as the containerPort."
    for path, container in containers:
        for k, mapping in enumerate(container.get("portMappings") or ()):
            host, port = mapping.get("hostPort"), mapping.get("containerPort")
            if host is not None and port is not None and host != port:
                yield Problem(
                    (*path, "portMappings", k, "hostPort"),
                    f"hostPort {host} differs from containerPort {port} with networkMode {mode}",
                    fix='remove "hostPort"; hakobu.toml maps host ports for local runs',
                )


def check_fargate(raw: Mapping[str, Any]) -> Iterator[Problem]:
    """The Fargate rules (see the module docstring for sources)."""
    if raw.get("networkMode") != "awsvpc":
        yield Problem(
            ("networkMode",),
            f"Fargate requires networkMode awsvpc, not {raw.get('networkMode') or 'the default'}",
            fix='set "networkMode": "awsvpc"',
        )
    yield from _unsupported(raw, (), FARGATE_UNSUPPORTED_TASK_FIELDS)
    size = yield from _check_task_size(raw)
    for path, container in _containers(raw):
        yield from _check_fargate_container(path, container)
    if size:
        yield from _check_totals(raw, *size)
    for i, volume in enumerate(raw.get("volumes") or ()):
        if "dockerVolumeConfiguration" in volume:
            yield Problem(
                ("volumes", i, "dockerVolumeConfiguration"),
                "Fargate does not support Docker volumes",
                fix="use a bind mount volume (name only) or efsVolumeConfiguration",
            )


def _check_task_size(raw: Mapping[str, Any]) -> Generator[Problem, None, tuple[int, int] | None]:
    """Yields the problems; returns (cpu units, memory MiB) when both are valid, else None."""
    cpu_text, memory_text = raw.get("cpu"), raw.get("memory")
    if cpu_text is None or memory_text is None:
        missing = "cpu" if cpu_text is None else "memory"
        yield Problem(
            (missing,),
            f"Fargate requires task-level {missing}",
            fix='e.g. "cpu": "256", "memory": "512"',
        )
        return None
    cpu, memory = parse_cpu(cpu_text), parse_memory(memory_text)
    sizes = ", ".join(str(c) for c in FARGATE_SIZES)
    if cpu is None or cpu not in FARGATE_SIZES:
        yield Problem(("cpu",), f'"{cpu_text}" is not a Fargate task cpu', fix=f"use {sizes}")
        return None
    valid = FARGATE_SIZES[cpu]
    if memory is None or memory not in valid:
        yield Problem(
            ("memory",),
            f'"{memory_text}" is not a Fargate memory size for cpu {cpu}',
            fix=f"with cpu {cpu} use memory {_sizes_text(valid)}",
        )
        return None
    if cpu < 1024 and _is_windows(raw):
        yield Problem(("cpu",), "Windows on Fargate needs at least 1 vCPU", fix='use "1024"')
    return cpu, memory


def _sizes_text(sizes: tuple[int, ...]) -> str:
    if len(sizes) <= 4:
        return ", ".join(map(str, sizes))
    return f"{sizes[0]} to {sizes[-1]} in steps of {sizes[1] - sizes[0]}"


def _is_windows(raw: Mapping[str, Any]) -> bool:
    family = (raw.get("runtimePlatform") or {}).get("operatingSystemFamily", "LINUX")
    return str(family).startswith("WINDOWS")


def _check_fargate_container(path: JsonPath, container: Mapping[str, Any]) -> Iterator[Problem]:
    yield from _unsupported(container, path, FARGATE_UNSUPPORTED_CONTAINER_FIELDS)
    linux = container.get("linuxParameters") or {}
    yield from _unsupported(linux, (*path, "linuxParameters"), FARGATE_UNSUPPORTED_LINUX_FIELDS)
    added = (linux.get("capabilities") or {}).get("add") or ()
    for k, capability in enumerate(added):
        if capability not in FARGATE_ADDABLE_CAPABILITIES:
            yield Problem(
                (*path, "linuxParameters", "capabilities", "add", k),
                f"Fargate cannot add capability {capability}",
                fix="only SYS_PTRACE can be added on Fargate",
            )
    low, high = FARGATE_TIMEOUT_RANGE
    for field in ("stopTimeout", "startTimeout"):
        value = container.get(field)
        if value is not None and not low <= value <= high:
            yield Problem(
                (*path, field),
                f"{value} is out of range for Fargate",
                fix=f"Fargate takes {field} between {low} and {high} seconds",
            )


def _unsupported(
    where: Mapping[str, Any], path: JsonPath, fields: tuple[str, ...]
) -> Iterator[Problem]:
    for field in fields:
        if field in where and where[field] not in (None, [], {}, False):
            yield Problem((*path, field), "not supported on Fargate", fix=f'remove "{field}"')


def _check_totals(raw: Mapping[str, Any], cpu: int, memory: int) -> Iterator[Problem]:
    # CONTAINER_DEFINITION memory: "The total amount of memory reserved for all containers within a
    # task must be lower than the task memory value"; cpu likewise for the task cpu.
    containers = [c for _, c in _containers(raw)]
    reserved = sum(c.get("memory") or c.get("memoryReservation") or 0 for c in containers)
    if reserved > memory:
        yield Problem(
            ("memory",),
            f"containers reserve {reserved} MiB, more than the task's {memory} MiB",
            fix="raise the task memory or lower the containers' memory",
        )
    units = sum(c.get("cpu") or 0 for c in containers)
    if units > cpu:
        yield Problem(
            ("cpu",),
            f"containers reserve {units} cpu units, more than the task's {cpu}",
            fix="raise the task cpu or lower the containers' cpu",
        )
