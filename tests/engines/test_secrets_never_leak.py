"""A random canary secret reaches the container and nothing else: not any process's command line,
not `podman inspect`, not hakobu's state folder, not any output (including --json and errors),
and not podman's secret storage once the task is down."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from tests.engines.conftest import MakeApp, container, free_port, wait_for

pytestmark = pytest.mark.podman

VALUE_FROM = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:demo/db-AbCdEf:password::"
PODMAN_SECRETS = Path("/var/lib/containers/storage/secrets")


def _command_lines() -> str:
    lines = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                lines.append(
                    (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
    return "\n".join(lines)


def _tree_text(root: Path) -> str:
    chunks = []
    for path in root.rglob("*"):
        if path.is_file():
            try:
                chunks.append(path.read_bytes().decode(errors="replace"))
            except OSError:
                continue
    return "\n".join(chunks)


def _podman(*args: str) -> str:
    return subprocess.run(["podman", *args], capture_output=True, text=True).stdout


def test_canary_secret_is_injected_and_found_nowhere_else(make_app: MakeApp) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    port = free_port()
    # The container proves it got the value by printing its hash, never the value itself.
    script = 'printf %s "$DB_PASSWORD" | md5sum; exec httpd -f -p 8080 -h /'
    app = make_app(
        [
            container(
                "app",
                script,
                stopTimeout=2,
                portMappings=[{"containerPort": 8080}],
                secrets=[{"name": "DB_PASSWORD", "valueFrom": VALUE_FROM}],
            )
        ],
        ports={8080: port},
    )
    outputs = []
    stored = app.hakobu("secret", "set", "demo/db", "--json-key", "password", input=canary)
    assert stored.returncode == 0, stored.stderr
    outputs.append(stored)
    up = app.hakobu("up", "--json")
    assert up.returncode == 0, up.stderr
    outputs.append(up)
    expected_hash = hashlib.md5(canary.encode()).hexdigest()
    assert wait_for(lambda: expected_hash in app.hakobu("logs").stdout, timeout=10)

    # While the task runs.
    assert canary not in _command_lines()
    names = (
        _podman("ps", "-a", "--format", "{{.Names}}").split()
        + _podman("pod", "ps", "--format", "{{.Name}}").split()
    )
    inspected = _podman("inspect", *names) + _podman(
        "pod", "inspect", *_podman("pod", "ps", "--format", "{{.Name}}").split()
    )
    assert "DB_PASSWORD" in inspected  # the secret is named...
    assert canary not in inspected  # ...never shown
    for args in (
        ("ps", "--json"),
        ("ps",),
        ("logs", "--json"),
        ("secret", "list", "--json"),
        ("up", "--dry-run", "--json"),
    ):
        outputs.append(app.hakobu(*args))
    # An error while the task runs: the port is taken by the task itself.
    again = app.hakobu("up")
    assert again.returncode == 2 and "already in use" in again.stderr
    outputs.append(again)
    assert canary not in _tree_text(app.root / ".hakobu")
    assert canary not in _tree_text(Path(os.environ["HAKOBU_HOME"]))  # encrypted at rest

    down = app.hakobu("down", "--json")
    assert down.returncode == 0
    outputs.append(down)
    assert app.engine_leftovers() == []
    assert canary not in _tree_text(app.root / ".hakobu")
    if PODMAN_SECRETS.exists():
        assert canary not in _tree_text(PODMAN_SECRETS)
    for done in outputs:
        assert canary not in done.stdout and canary not in done.stderr, done.args
    assert json.loads(down.stdout)["actions"]
