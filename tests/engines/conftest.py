"""Local-engine fixtures: small apps on the busybox stand-in image, hakobu as a process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hakobu.engines.local.state import TaskState

BUSYBOX = "localhost/hakobu/busybox:1.35"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def container(name: str, script: str, **extra: Any) -> dict[str, Any]:
    """A busybox container running ``script`` with sh as PID 1."""
    return {
        "name": name,
        "image": BUSYBOX,
        "essential": True,
        "command": ["sh", "-c", script],
    } | extra


@dataclass
class App:
    root: Path

    def hakobu(
        self, *args: str, input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONPATH=SRC)
        return subprocess.run(
            [sys.executable, "-m", "hakobu.cli.main", "-C", str(self.root), *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )

    def hakobu_env(self, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONPATH=SRC, **extra)
        return subprocess.run(
            [sys.executable, "-m", "hakobu.cli.main", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        env = dict(os.environ, PYTHONPATH=SRC)
        return subprocess.Popen(
            [sys.executable, "-m", "hakobu.cli.main", "-C", str(self.root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )

    def ps(self) -> list[dict[str, Any]]:
        done = self.hakobu("ps", "--json")
        assert done.returncode == 0, done.stderr
        return list(json.loads(done.stdout))

    def engine_leftovers(self) -> list[str]:
        """Names of every container, pod and secret of this app that the engine still has."""
        from hakobu.engines.local.labels import PROJECT, project_id

        label = f"label={PROJECT}={project_id(self.root)}"
        names = []
        for args in (["ps", "-a", "--filter", label], ["pod", "ps", "--filter", label]):
            out = subprocess.run(
                ["podman", *args, "--format", "{{.Names}}" if args[0] == "ps" else "{{.Name}}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            names += out.split()
        # Secrets by their labels, read with `podman secret inspect` (4.3 has no JSON listing).
        from hakobu.containers.runtime import PodmanRuntime

        names += PodmanRuntime("podman").list_secrets(f"{PROJECT}={project_id(self.root)}")
        return names


MakeApp = Callable[..., App]


@pytest.fixture(autouse=True)
def _private_hakobu_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hakobu processes started by a test keep their secret store under the test's folder."""
    monkeypatch.setenv("HAKOBU_HOME", str(tmp_path / "hakobu-home"))


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[MakeApp]:
    apps: list[App] = []

    def make(
        containers: list[dict[str, Any]],
        *,
        ports: dict[int, int] | None = None,
        toml_extra: str = "",
        **task: Any,
    ) -> App:
        root = tmp_path / f"app{len(apps)}"
        root.mkdir()
        taskdef = {
            "family": "test",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": containers,
        } | task
        (root / "taskdef.json").write_text(json.dumps(taskdef, indent=2))
        port_lines = ", ".join(f'"{k}" = {v}' for k, v in (ports or {}).items())
        (root / "hakobu.toml").write_text(
            f'[app]\nname = "t{len(apps)}"\n\n'
            f"[environments.local]\nports = {{ {port_lines} }}\n{toml_extra}"
        )
        app = App(root)
        apps.append(app)
        return app

    yield make
    for app in apps:  # never leave containers behind, whatever the test did
        app.hakobu("down", timeout=300)


def wait_for(predicate: Callable[[], bool], timeout: float = 30, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def stopped_task_state(app: App) -> TaskState:
    """The final state `down` keeps in .hakobu/logs, of the app's only stopped task."""
    [path] = (app.root / ".hakobu" / "logs").glob("*.state.json")
    return TaskState.from_dict(json.loads(path.read_text()))
