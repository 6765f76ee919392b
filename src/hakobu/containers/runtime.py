"""The container engine adapter: one place that drives the ``podman`` or ``docker`` CLI.

ECS/Fargate semantics are decided by the engines; this module only translates neutral specs into
engine arguments. Podman is the tested engine here; Docker has no pods and no secrets outside
swarm, so ``DockerRuntime`` emulates a pod with a network-sharing container and passes secret values
through the docker client's environment (never its arguments) - documented in docs/engines.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from hakobu.containers.process import Completed, run_command
from hakobu.containers.secret_env import (
    MOUNTED_BUSYBOX,
    SECRETS_DIR,
    process_argv,
    secret_mount_option,
    static_busybox,
    wrapper_script,
)
from hakobu.errors import EngineError, NoEngineError

PROBE_TIMEOUT = 15.0
NANOSECONDS = 1e9


class StatsNotReported(EngineError):
    """The engine cannot say how much CPU a container used (no cgroup CPU accounting, ...)."""


@dataclass(frozen=True)
class CpuReading:
    """A container's cumulative CPU time and when the engine read it."""

    seconds: float  # CPU time used since the container started, all cores
    at: float  # Unix time of the reading, by the engine's clock where it says


@dataclass(frozen=True)
class PublishedPort:
    host_port: int
    container_port: int
    protocol: str = "tcp"
    host_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class PodSpec:
    """A shared network namespace for the containers of one task (awsvpc mode)."""

    name: str
    labels: Mapping[str, str]
    ports: tuple[PublishedPort, ...] = ()
    cpus: float | None = None  # task-level hard limit, in CPUs
    memory_mib: int | None = None  # task-level hard limit


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    pod: str
    labels: Mapping[str, str]
    entrypoint: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    env: tuple[tuple[str, str], ...] = ()
    secret_env: tuple[tuple[str, str], ...] = ()  # (env var, engine secret name)
    workdir: str | None = None
    user: str | None = None
    read_only: bool = False
    init: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    tmpfs: tuple[tuple[str, str], ...] = ()  # (path, mount options)
    ulimits: tuple[str, ...] = ()  # name=soft:hard
    cpu_shares: int | None = None
    memory_mib: int | None = None
    memory_reservation_mib: int | None = None
    stop_timeout: int = 30
    log_path: Path | None = None
    extra_hosts: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ContainerState:
    name: str
    status: str  # created, running, exited, ...
    running: bool
    exit_code: int | None
    labels: Mapping[str, str]
    started_at: str | None = None
    finished_at: str | None = None


class ContainerRuntime(Protocol):
    """What the engines need from a container engine."""

    name: str
    binary: str

    def build(
        self, context: Path, dockerfile: Path, tags: Sequence[str], labels: Mapping[str, str]
    ) -> str: ...
    def inspect_image(self, ref: str) -> Mapping[str, Any] | None: ...
    def create_pod(self, spec: PodSpec) -> None: ...
    def create_secret(self, name: str, value: str, labels: Mapping[str, str]) -> None: ...
    def create_container(self, spec: ContainerSpec, secret_values: Mapping[str, str]) -> None: ...
    def start(self, name: str) -> None: ...
    def kill(self, name: str, signal: str) -> None: ...
    def wait(self, name: str) -> int: ...
    def exec(self, name: str, argv: Sequence[str], timeout: float) -> int: ...
    def state(self, name: str) -> ContainerState | None: ...
    def list_containers(self, label: str) -> list[ContainerState]: ...
    def list_pods(self, label: str) -> list[str]: ...
    def list_secrets(self, label: str) -> list[str]: ...
    def remove_container(self, name: str) -> None: ...
    def remove_pod(self, name: str) -> None: ...
    def remove_secret(self, name: str) -> None: ...
    def pod_address(self, pod: str) -> str | None: ...
    def cpu_seconds(self, names: Sequence[str]) -> dict[str, CpuReading]:
        """The CPU time (seconds, all cores) each named container has used since it started,
        from the engine's cgroup accounting, and when it was read; containers that do not exist
        or do not run are left out. Raises ``StatsNotReported`` when the engine cannot report
        CPU at all, ``EngineError`` when this one reading failed (a busy engine, ...)."""
        ...


def _label_args(labels: Mapping[str, str]) -> list[str]:
    return [arg for k, v in sorted(labels.items()) for arg in ("--label", f"{k}={v}")]


def _state_from_inspect(data: Mapping[str, Any]) -> ContainerState:
    state = data.get("State", {})
    status = str(state.get("Status", "unknown")).lower()
    running = bool(state.get("Running", False))
    exit_code = None if running or status in ("created", "configured") else state.get("ExitCode")
    name = str(data.get("Name", "")).lstrip("/")
    return ContainerState(
        name=name,
        status=status,
        running=running,
        exit_code=int(exit_code) if exit_code is not None else None,
        labels=data.get("Config", {}).get("Labels") or {},
        started_at=state.get("StartedAt"),
        finished_at=state.get("FinishedAt"),
    )


class CliRuntime:
    """Shared CLI behaviour of podman and docker (their common verbs take the same arguments)."""

    name = "cli"

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def _run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float | None = 120,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        return run_command([self.binary, *args], input=input, timeout=timeout, check=check, env=env)

    def build(
        self, context: Path, dockerfile: Path, tags: Sequence[str], labels: Mapping[str, str]
    ) -> str:
        args = ["build", *self._build_flags(), "-f", str(dockerfile)]
        for tag in tags:
            args += ["-t", tag]
        args += _label_args(labels)
        self._run(*args, str(context), timeout=3600)
        image = self.inspect_image(tags[0])
        if image is None:  # pragma: no cover - the engine just built it
            raise EngineError(f"{self.binary} built {tags[0]} but cannot find it")
        return str(image["Id"])

    def _build_flags(self) -> list[str]:
        return []

    def inspect_image(self, ref: str) -> Mapping[str, Any] | None:
        done = self._run("image", "inspect", ref, check=False, timeout=60)
        if done.returncode != 0:
            return None
        data = json.loads(done.stdout)
        return data[0] if data else None

    def start(self, name: str) -> None:
        self._run("start", name)

    def kill(self, name: str, signal: str) -> None:
        # A container that already exited is not an error: stopping is idempotent.
        done = self._run("kill", "--signal", signal, name, check=False, timeout=30)
        if done.returncode != 0 and self._is_running(name):
            raise EngineError(f"`{self.binary} kill {name}` failed: {done.stderr.strip()}")

    def _is_running(self, name: str) -> bool:
        state = self.state(name)
        return bool(state and state.running)

    def wait(self, name: str) -> int:
        done = self._run("wait", name, timeout=None, check=False)
        if done.returncode != 0:
            state = self.state(name)
            return state.exit_code if state and state.exit_code is not None else -1
        return int(done.stdout.strip().splitlines()[-1])

    def exec(self, name: str, argv: Sequence[str], timeout: float) -> int:
        try:
            done = self._run("exec", name, *argv, timeout=timeout, check=False)
        except EngineError:  # timed out: ECS counts a timeout as a failure
            return -1
        return done.returncode

    def state(self, name: str) -> ContainerState | None:
        done = self._run("container", "inspect", name, check=False, timeout=60)
        if done.returncode != 0:
            return None
        data = json.loads(done.stdout)
        return _state_from_inspect(data[0]) if data else None

    def list_containers(self, label: str) -> list[ContainerState]:
        done = self._run("ps", "-a", "-q", "--filter", f"label={label}", timeout=60)
        ids = done.stdout.split()
        if not ids:
            return []
        inspected = self._run("container", "inspect", *ids, check=False, timeout=60)
        return [_state_from_inspect(d) for d in json.loads(inspected.stdout or "[]")]

    def remove_container(self, name: str) -> None:
        self._run("rm", "-f", "-v", name, check=False, timeout=120)


class PodmanRuntime(CliRuntime):
    name = "podman"

    def _build_flags(self) -> list[str]:
        # OCI format drops HEALTHCHECK; keep the docker format so images match what docker builds.
        return ["--format", "docker"]

    def create_pod(self, spec: PodSpec) -> None:
        args = ["pod", "create", "--name", spec.name, *_label_args(spec.labels)]
        for p in spec.ports:
            args += ["-p", f"{p.host_ip}:{p.host_port}:{p.container_port}/{p.protocol}"]
        if spec.cpus:
            args += ["--cpus", f"{spec.cpus:g}"]
        if spec.memory_mib:
            args += ["--memory", f"{spec.memory_mib}m"]
        self._run(*args)

    def create_secret(self, name: str, value: str, labels: Mapping[str, str]) -> None:
        # The value travels on stdin: never in an argument, never in a file of ours.
        self._run("secret", "create", *_label_args(labels), name, "-", input=value)

    def create_container(self, spec: ContainerSpec, secret_values: Mapping[str, str]) -> None:
        args = ["create", "--name", spec.name, "--pod", spec.pod, *_label_args(spec.labels)]
        # Fargate copies no host proxy settings and adds no tmpfs to a read-only root.
        args += ["--http-proxy=false"]
        if spec.read_only:
            args += ["--read-only", "--read-only-tmpfs=false"]
        busybox = static_busybox() if spec.secret_env else None
        if busybox is None:
            for env_name, secret_name in spec.secret_env:
                args += ["--secret", f"{secret_name},type=env,target={env_name}"]
            args += _common_create_args(spec)
            self._run(*args, *_image_and_command(spec))
            return
        # Mounted secrets and a wrapper: `podman inspect` never shows the values (secret_env.py).
        image = self.inspect_image(spec.image)
        if image is None:
            raise EngineError(f"image {spec.image} is not available locally (build or pull it)")
        argv = process_argv(image.get("Config") or {}, spec.entrypoint, spec.command)
        option = secret_mount_option(spec.user)
        for _env_name, secret_name in spec.secret_env:
            target = f"{SECRETS_DIR}/{secret_name}"
            args += ["--secret", f"{secret_name},type=mount,target={target},{option}"]
        args += ["-v", f"{busybox}:{MOUNTED_BUSYBOX}:ro"]
        wrapped = replace(
            spec,
            entrypoint=(MOUNTED_BUSYBOX, "sh", "-c", wrapper_script(spec.secret_env), "hakobu"),
            command=tuple(argv),
        )
        args += _common_create_args(wrapped)
        self._run(*args, *_image_and_command(wrapped))

    def list_pods(self, label: str) -> list[str]:
        done = self._run("pod", "ps", "--filter", f"label={label}", "--format", "{{.Name}}")
        return done.stdout.split()

    def list_secrets(self, label: str) -> list[str]:
        ids = self._run("secret", "ls", "--format", "{{.ID}}").stdout.split()
        if not ids:
            return []
        secrets = json.loads(self._run("secret", "inspect", *ids).stdout or "[]")
        key, _, value = label.partition("=")
        return [
            s["Spec"]["Name"]
            for s in secrets
            if (s.get("Spec", {}).get("Labels") or {}).get(key) == value
        ]

    def remove_pod(self, name: str) -> None:
        self._run("pod", "rm", "-f", name, check=False, timeout=120)

    def remove_secret(self, name: str) -> None:
        self._run("secret", "rm", name, check=False)

    def pod_address(self, pod: str) -> str | None:
        """The pod's IP on the engine's network (its infra container's), as a load balancer
        reaches an awsvpc task at its ENI's address; None before the pod runs."""
        done = self._run("pod", "inspect", pod, "--format", "{{.InfraContainerID}}", check=False)
        infra = done.stdout.strip()
        if done.returncode != 0 or not infra:
            return None
        return _container_address(self, infra)

    def cpu_seconds(self, names: Sequence[str]) -> dict[str, CpuReading]:
        # CPUNano is the container cgroup's cumulative usage (cpuacct.usage on cgroups v1,
        # cpu.stat usage_usec on v2); SystemNano is the Unix time, in ns, podman read it at (0 0
        # for a container that does not run), a truer clock than ours after `podman stats`
        # returns: it takes 0.35 to 0.7 s under load, readings are 0.67 s apart.
        self._check_cpu_accounting()
        if not names:
            return {}
        done = self._stats(*names)
        if done.returncode != 0:
            # Given names, podman 4 fails the whole call when one is gone (removed before it is
            # looked up, or while it reads the others); with --all it skips those containers.
            # So a container removed meanwhile costs one reading of every container, no more.
            done = self._stats("--all")
        if done.returncode != 0:  # one reading: the next may well work (StatsNotReported is final)
            raise EngineError(f"`podman stats` failed: {done.stderr.strip()}")
        wanted = set(names)
        readings: dict[str, CpuReading] = {}
        for line in done.stdout.splitlines():
            name, nanoseconds, at = [*line.split(), "", "", ""][:3]
            if name in wanted and nanoseconds.isdigit() and at.isdigit() and int(at) > 0:
                readings[name] = CpuReading(int(nanoseconds) / NANOSECONDS, int(at) / NANOSECONDS)
        return readings

    def _stats(self, *which: str) -> Completed:
        return self._run(
            "stats", "--no-stream", "--format", "{{.Name}} {{.CPUNano}} {{.SystemNano}}", *which,
            check=False, timeout=60,
        )  # fmt: skip

    _cpu_accounting: str | None = None  # why CPU is not reported ("" when it is), found once

    def _check_cpu_accounting(self) -> None:
        if self._cpu_accounting is None:
            done = self._run(
                "info", "--format", "{{.Host.CgroupsVersion}} {{.Host.CgroupControllers}}",
                check=False, timeout=60,
            )  # fmt: skip
            self._cpu_accounting = _missing_cpu_accounting(done)
        if self._cpu_accounting:
            raise StatsNotReported(self._cpu_accounting)


def _missing_cpu_accounting(info: Completed) -> str:
    """Why the engine's cgroups cannot account CPU, or "" when they can."""
    if info.returncode != 0:
        return f"`podman info` failed: {info.stderr.strip()}"
    version, _, controllers = info.stdout.strip().partition(" ")
    # cgroups v1 accounts CPU time in the cpuacct controller, v2 in cpu (rootless podman has it
    # only where systemd delegates it).
    needed = "cpuacct" if version == "v1" else "cpu"
    if needed not in controllers.strip("[]").split():
        return f"cgroups {version} without the {needed} controller (controllers: {controllers})"
    return ""


class DockerRuntime(CliRuntime):
    """Docker: a pod is a small infra container whose network the task's containers join."""

    name = "docker"
    INFRA_LABEL = "hakobu.infra"

    def create_pod(self, spec: PodSpec) -> None:  # pragma: no cover - no docker engine here
        args = ["create", "--name", spec.name, *_label_args({**spec.labels, self.INFRA_LABEL: "1"})]
        for p in spec.ports:
            args += ["-p", f"{p.host_ip}:{p.host_port}:{p.container_port}/{p.protocol}"]
        image = os.environ.get("HAKOBU_DOCKER_INFRA_IMAGE", "busybox:1.36")
        self._run(*args, image, "sleep", "2147483647")
        self._run("start", spec.name)

    def create_secret(self, name: str, value: str, labels: Mapping[str, str]) -> None:
        """Docker has no secrets outside swarm: values are handed over at container creation."""

    def create_container(self, spec: ContainerSpec, secret_values: Mapping[str, str]) -> None:
        # pragma: no cover - no docker engine here
        args = ["create", "--name", spec.name, "--network", f"container:{spec.pod}"]
        args += _label_args(spec.labels)
        if spec.read_only:
            args += ["--read-only"]
        child_env = dict(os.environ)
        for env_name, _secret_name in spec.secret_env:
            # `-e NAME` without a value: docker copies it from its own environment.
            args += ["-e", env_name]
            child_env[env_name] = secret_values[env_name]
        args += _common_create_args(spec)
        self._run(*args, *_image_and_command(spec), env=child_env)

    def list_pods(self, label: str) -> list[str]:
        done = self._run(
            "ps", "-a", "--filter", f"label={label}", "--filter", f"label={self.INFRA_LABEL}",
            "--format", "{{.Names}}",
        )  # fmt: skip
        return done.stdout.split()

    def list_secrets(self, label: str) -> list[str]:
        return []

    def remove_pod(self, name: str) -> None:
        self.remove_container(name)

    def remove_secret(self, name: str) -> None:
        return None

    def pod_address(self, pod: str) -> str | None:  # pragma: no cover - no docker engine here
        return _container_address(self, pod)

    _cpu_clock: dict[str, tuple[float, float]] | None = None  # name -> (seconds used, at)

    def cpu_seconds(self, names: Sequence[str]) -> dict[str, CpuReading]:  # pragma: no cover
        # `docker stats` shows no cumulative CPU time, only CPUPerc: the rate over its own
        # sample of about a second, 100 % per core. Integrated between calls, it approximates
        # the cumulative time (it misses what happens between two samples).
        if not names:
            return {}
        done = self._run(
            "stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}", *names,
            check=False, timeout=60,
        )  # fmt: skip
        if done.returncode != 0 and "No such container" not in done.stderr:
            raise EngineError(f"`docker stats` failed: {done.stderr.strip()}")
        now = time.time()  # docker's format has no reading time: ours, after it returns
        clock = self._cpu_clock = self._cpu_clock or {}
        for line in done.stdout.splitlines():
            name, _, percent = line.strip().rpartition(" ")
            with contextlib.suppress(ValueError):
                rate = float(percent.rstrip("%")) / 100
                used, at = clock.get(name, (0.0, now))
                clock[name] = (used + rate * (now - at), now)
        return {name: CpuReading(*clock[name]) for name in names if name in clock}


def _container_address(runtime: CliRuntime, container: str) -> str | None:
    done = runtime._run(
        "container", "inspect", container, "--format", "{{.NetworkSettings.IPAddress}}", check=False
    )
    address = done.stdout.strip()
    return address if done.returncode == 0 and address else None


def _common_create_args(spec: ContainerSpec) -> list[str]:
    args = [f"--stop-timeout={spec.stop_timeout}"]
    for key, value in spec.env:
        args += ["--env", f"{key}={value}"]
    if spec.workdir:
        args += ["--workdir", spec.workdir]
    if spec.user:
        args += ["--user", spec.user]
    if spec.init:
        args += ["--init"]
    args += [f"--cap-add={c}" for c in spec.cap_add]
    args += [f"--cap-drop={c}" for c in spec.cap_drop]
    for path, options in spec.tmpfs:
        args += ["--tmpfs", f"{path}:{options}" if options else path]
    args += [f"--ulimit={u}" for u in spec.ulimits]
    if spec.cpu_shares:
        args += [f"--cpu-shares={spec.cpu_shares}"]
    if spec.memory_mib:
        args += [f"--memory={spec.memory_mib}m"]
    if spec.memory_reservation_mib:
        args += [f"--memory-reservation={spec.memory_reservation_mib}m"]
    if spec.log_path is not None:
        args += ["--log-driver", "k8s-file", "--log-opt", f"path={spec.log_path}"]
    if spec.entrypoint is not None:
        # A JSON array keeps every element of a multi-word entryPoint intact.
        args += ["--entrypoint", json.dumps(list(spec.entrypoint))]
    return args


def _image_and_command(spec: ContainerSpec) -> list[str]:
    return [spec.image, *(spec.command or ())]


RUNTIMES: dict[str, type[PodmanRuntime] | type[DockerRuntime]] = {
    "podman": PodmanRuntime,
    "docker": DockerRuntime,
}


def _works(binary: str) -> bool:
    # `version` with the server's version fails fast where a docker client has no daemon; for
    # podman (no daemon) it costs 50 ms where `podman info` costs 500 ms on every command.
    fmt = "{{.Server.Version}}" if Path(binary).name.startswith("docker") else "{{.Version}}"
    try:
        done = run_command([binary, "version", "--format", fmt], timeout=PROBE_TIMEOUT, check=False)
    except EngineError:
        return False
    return done.returncode == 0


def detect_runtime(env: Mapping[str, str] | None = None) -> ContainerRuntime:
    """``HAKOBU_ENGINE`` (podman, docker, or a path to either) wins; else the first that works."""
    env = os.environ if env is None else env
    chosen = env.get("HAKOBU_ENGINE")
    if chosen:
        kind = "docker" if Path(chosen).name.startswith("docker") else "podman"
        if shutil.which(chosen) is None:
            raise NoEngineError(
                f"HAKOBU_ENGINE={chosen}: no such command (install it, or unset HAKOBU_ENGINE)"
            )
        return RUNTIMES[kind](chosen)
    for kind in ("podman", "docker"):
        if shutil.which(kind) and _works(kind):
            return RUNTIMES[kind](kind)
    raise NoEngineError(
        "no working container engine: neither podman nor docker answers "
        "(run scripts/setup to install podman, or set HAKOBU_ENGINE)"
    )
