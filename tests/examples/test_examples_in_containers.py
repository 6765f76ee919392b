"""The example images, built and run for real: hello drains on SIGTERM and logs JSON; the bad
examples break what their README says they break.

Containers run as the task definition says on Fargate: user 10001, read-only root filesystem
with no tmpfs added, no proxy variables copied in.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = [pytest.mark.podman, pytest.mark.slow]


class Engine:
    def __init__(self, command: str) -> None:
        self.command = command
        self.podman = "docker" not in Path(command).name
        self.containers: list[str] = []
        self.images: list[str] = []

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.command, *args], capture_output=True, text=True, timeout=timeout
        )

    def build(self, example: str) -> str:
        tag = f"localhost/hakobu-test/{example}:{secrets.token_hex(4)}"
        fmt = ["--format", "docker"] if self.podman else []
        done = self("build", *fmt, "--pull=never", "-t", tag, str(EXAMPLES / example), timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        self.images.append(tag)
        return tag

    def run(self, image: str, *args: str, env: dict[str, str], port: int | None = None) -> str:
        opts = ["-d", "--user", "10001"]
        if self.podman:
            opts += ["--read-only", "--read-only-tmpfs=false", "--http-proxy=false"]
            opts += ["--no-healthcheck"]  # podman's health checks need systemd timers
        if port is not None:
            opts += ["-p", f"127.0.0.1:{port}:8080"]
        for name, value in env.items():
            opts += ["-e", f"{name}={value}"]
        done = self("run", *opts, *args, image)
        assert done.returncode == 0, done.stderr
        self.containers.append(done.stdout.strip())
        return done.stdout.strip()

    def logs(self, container: str) -> str:
        done = self("logs", container)
        return done.stdout + done.stderr

    def wait(self, container: str, timeout: float) -> int:
        done = self("wait", container, timeout=timeout)
        assert done.returncode == 0, done.stderr
        return int(done.stdout.strip().splitlines()[-1])

    def cleanup(self) -> None:
        for container in self.containers:
            self("rm", "-f", container)
        for image in self.images:
            self("rmi", "-f", image)


@pytest.fixture
def engine(container_engine: str, python_image: str) -> Iterator[Engine]:
    engine = Engine(container_engine)
    yield engine
    engine.cleanup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str, timeout: float = 5) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def wait_healthy(port: int, engine: Engine, container: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(port, "/health", timeout=1)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"not healthy in {timeout}s; logs:\n{engine.logs(container)}")


def refuses_connections(port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            get(port, "/health", timeout=1)
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_hello_serves_logs_json_and_drains_on_sigterm(engine: Engine) -> None:
    image = engine.build("hello")
    port = free_port()
    password = "hunter2-" + secrets.token_hex(4)
    env = {"PORT": "8080", "GREETING": "Hi from a test", "DB_PASSWORD": password}
    container = engine.run(image, env=env, port=port)
    wait_healthy(port, engine, container)

    assert get(port, "/") == (200, {"greeting": "Hi from a test", "dbPasswordSet": True})
    assert get(port, "/slow?seconds=x")[0] == 400
    assert get(port, "/nowhere")[0] == 404

    slow: dict[str, Any] = {}

    def slow_request() -> None:
        slow["response"] = get(port, "/slow?seconds=2", timeout=10)

    in_flight = threading.Thread(target=slow_request)
    in_flight.start()
    time.sleep(0.5)  # the request is being served
    stopping = time.monotonic()
    assert engine("kill", "--signal", "TERM", container).returncode == 0
    assert refuses_connections(port, within=1.0), "still accepting 1 s after SIGTERM"
    assert in_flight.is_alive(), "the slow request should still be in flight"
    in_flight.join(10)
    assert slow["response"] == (200, {"slept": 2.0})
    assert engine.wait(container, timeout=30) == 0
    assert time.monotonic() - stopping < 10

    logs = engine.logs(container)
    assert password not in logs
    records = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert {r["logType"] for r in records} == {"AppLog", "AccessLog"}
    messages = [r["message"] for r in records]
    drain = messages.index("received SIGTERM: draining")
    assert messages.index("GET /slow?seconds=2 200") > drain
    assert messages[-1] == "stopped: every request in flight has finished"
    access = [r for r in records if r["logType"] == "AccessLog"]
    assert {"method", "path", "status", "durationMs"} <= access[0].keys()


def test_hello_refuses_to_start_without_its_config(engine: Engine) -> None:
    image = engine.build("hello")
    container = engine.run(image, env={"GREETING": "x"})
    assert engine.wait(container, timeout=30) == 2
    [record] = [json.loads(line) for line in engine.logs(container).splitlines()]
    assert record["logType"] == "ErrorLog"
    assert "PORT" in record["message"]


def test_bad_ignores_sigterm_is_killed_after_the_stop_timeout(engine: Engine) -> None:
    image = engine.build("bad-ignores-sigterm")
    port = free_port()
    container = engine.run(image, env={"PORT": "8080"}, port=port)
    wait_healthy(port, engine, container)
    started = time.monotonic()
    assert engine("stop", "-t", "2", container).returncode == 0
    assert time.monotonic() - started >= 2
    assert engine.wait(container, timeout=30) == 137  # SIGKILL


def test_bad_logs_to_file_shows_nothing_on_stdout(engine: Engine) -> None:
    image = engine.build("bad-logs-to-file")
    port = free_port()
    # This one cannot run with a read-only root: it writes its log file.
    done = engine(
        "run", "-d", "--user", "10001", "-p", f"127.0.0.1:{port}:8080", "-e", "PORT=8080", image
    )
    assert done.returncode == 0, done.stderr
    container = done.stdout.strip()
    engine.containers.append(container)
    wait_healthy(port, engine, container)
    assert engine.logs(container).strip() == ""
    in_file = engine("exec", container, "cat", "/app/logs/app.log").stdout
    assert "GET /health" in in_file
