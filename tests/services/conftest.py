"""Service fixtures: a busybox httpd app with a service definition, and a bounded load client."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.engines.conftest import App, container, free_port

from hakobu.engines.local.service import records

HTTPD = "mkdir -p /www && echo {version} > /www/index.html && exec httpd -f -p 8080 -h /www"


def web_container(version: str, **extra: Any) -> dict[str, Any]:
    """busybox httpd answering ``version``; init forwards SIGTERM, so it stops at once."""
    return (
        container(
            "web",
            HTTPD.format(version=version),
            portMappings=[{"containerPort": 8080}],
            stopTimeout=2,
            linuxParameters={"initProcessEnabled": True},
        )
        | extra
    )


@dataclass
class ServiceApp(App):
    port: int = 0
    test_port: int = 0

    @property
    def service_dir(self) -> Path:
        return records.service_dir(self.root, "web")

    def write_task(self, *containers: dict[str, Any]) -> None:
        taskdef = {
            "family": "web",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": list(containers),
        }
        (self.root / "taskdef.json").write_text(json.dumps(taskdef, indent=2))

    def write_service(self, **service: Any) -> None:
        definition = {
            "serviceName": "web",
            "desiredCount": 3,
            "deploymentConfiguration": {
                "minimumHealthyPercent": 100,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            },
            "loadBalancers": [{"containerName": "web", "containerPort": 8080}],
        } | service
        (self.root / "servicedef.json").write_text(json.dumps(definition, indent=2))

    def state(self) -> records.ServiceState:
        state = records.read_state(self.service_dir)
        assert state is not None
        return state

    def events(self) -> list[str]:
        return [e.message for e in records.read_events(self.service_dir)[0]]

    def get(self, timeout: float = 5, port: int | None = None) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        try:
            conn.request("GET", "/")
            return conn.getresponse().read().decode().strip()
        finally:
            conn.close()


MakeService = Callable[..., ServiceApp]

TOML = """[app]
name = "{name}"

[service.target_group]
health_check_interval_seconds = 5
health_check_timeout_seconds = 2
healthy_threshold_count = 2
deregistration_delay_seconds = {delay}

[environments.local.service]
port = {port}
{test_port}
{extra}
"""


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[MakeService]:
    apps: list[ServiceApp] = []

    def make(
        version: str = "v1",
        *,
        delay: int = 2,
        test_listener: bool = False,
        toml_extra: str = "",
        **service: Any,
    ) -> ServiceApp:
        root = tmp_path / f"svc{len(apps)}"
        root.mkdir()
        port = free_port()
        test_port = free_port() if test_listener else 0
        name = f"s{len(apps)}-{tmp_path.name[-20:].lower().strip('_-')}".replace("_", "-")
        (root / "hakobu.toml").write_text(
            TOML.format(
                name=name,
                delay=delay,
                port=port,
                test_port=f"test_port = {test_port}" if test_listener else "",
                extra=toml_extra,
            )
        )
        app = ServiceApp(root, port=port, test_port=test_port)
        app.write_task(web_container(version))
        app.write_service(**service)
        apps.append(app)
        return app

    yield make
    for app in apps:  # never leave a controller or a container behind
        app.hakobu("down", timeout=300)


@dataclass
class Load:
    """``clients`` threads sending GET / until stopped; a failure is a connection error, a 5xx,
    or no answer within ``timeout`` seconds. Half the clients reuse keep-alive connections."""

    port: int
    clients: int = 20
    timeout: float = 5.0
    pause: float = 0.02
    bodies: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        for i in range(self.clients):
            thread = threading.Thread(target=self._client, args=(i % 2 == 0,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    @property
    def total(self) -> int:
        return sum(self.bodies.values()) + len(self.failures)

    def _client(self, keep_alive: bool) -> None:
        conn: http.client.HTTPConnection | None = None
        while not self._stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            outcome = self._one(conn)
            with self._lock:
                if outcome.startswith("FAIL"):
                    self.failures.append(f"{time.strftime('%H:%M:%S')} {outcome}")
                else:
                    self.bodies[outcome] += 1
            if not keep_alive or outcome.startswith("FAIL"):
                conn.close()
                conn = None
            time.sleep(self.pause)
        if conn is not None:
            conn.close()

    @staticmethod
    def _one(conn: http.client.HTTPConnection) -> str:
        try:
            conn.request("GET", "/")
            response = conn.getresponse()
            body = response.read().decode().strip()
        except (OSError, http.client.HTTPException) as e:
            return f"FAIL {type(e).__name__}: {e}"
        if response.status >= 500:
            return f"FAIL HTTP {response.status}"
        return body
