"""Issue 4, end to end: a subscription filter on the example app's ErrorLog events delivers them to
a webhook receiver started by the test, shaped as CloudWatch sends them, and nothing else.

The app is examples/hello as it is: its image built from its Dockerfile, its taskdef.json, its
secret in the local store, and a hakobu.toml like its own plus one ``[[logs.subscriptions]]``.
The app logs an ErrorLog when handling a request raises; a request line whose target is a URL
with an unclosed IPv6 bracket (``GET http://[``) makes ``urlsplit`` raise ValueError, which is
logged with ``log.exception``. A bad ``/slow`` request only logs an AccessLog (status 400).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tests.engines.conftest import App, free_port
from tests.logs.servers import Receiver, webhook

from hakobu.logs.events import OWNER
from hakobu.logs.store import STORE_FILE, LocalLogStore

__all__ = ["webhook"]
pytestmark = [pytest.mark.podman, pytest.mark.slow]

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"
IMAGE = "localhost/hakobu-test/hello:e2e"
GROUP = "/ecs/hello-local"
ERRORS = '{ $.logType = "ErrorLog" }'


@pytest.fixture(scope="module")
def hello_image(container_engine: str, python_image: str) -> str:
    """examples/hello's image, built from its Dockerfile (cached layers make it quick)."""
    podman = Path(container_engine).name.startswith("podman")
    # Docker format keeps the Dockerfile's HEALTHCHECK, as a Docker-built image would; the base
    # image is the local one (python_image checked it is there): nothing is pulled.
    flags = ["--format", "docker", "--pull=never"] if podman else []
    done = subprocess.run(
        [container_engine, "build", *flags, "-t", IMAGE, str(HELLO)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"building {HELLO} failed:\n{done.stderr[-3000:]}"
    return IMAGE


def _hello_app(root: Path, port: int, destination: str) -> App:
    root.mkdir()
    shutil.copy(HELLO / "taskdef.json", root / "taskdef.json")
    (root / "hakobu.toml").write_text(
        f"""[app]
name = "hello"

[environments.local]
ports = {{ "8080" = {port} }}

[environments.local.values]
EXECUTION_ROLE_ARN = "arn:aws:iam::123456789012:role/hello-local-execution"
GREETING = "Hello from the subscription test"
LOG_GROUP = "{GROUP}"

[[logs.subscriptions]]
name = "errors"
log_group = "{GROUP}"
pattern = '{ERRORS}'
destination = "{destination}"
"""
    )
    return App(root)


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


def _raw_request(port: int, request_line: str) -> bytes:
    """A request urllib would refuse to send: the target is written as given."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"{request_line}\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    return reply


def _stored(root: Path) -> list[dict[str, Any]]:
    store = LocalLogStore(root / ".hakobu" / STORE_FILE)
    try:
        return [json.loads(e.message) for e in store.filter_events(GROUP)]
    finally:
        store.close()


def test_error_logs_reach_the_webhook_and_access_logs_do_not(
    hello_image: str, webhook: Receiver, tmp_path: Path
) -> None:
    port = free_port()
    app = _hello_app(tmp_path / "hello", port, webhook.url)
    secret = app.hakobu("secret", "set", "hello/db", "--json-key", "password", input="e2e-pw-1234")
    assert secret.returncode == 0, secret.stderr
    try:
        up = app.hakobu("up", "--image", hello_image, timeout=180)
        assert up.returncode == 0, up.stderr
        assert _get(port, "/") == 200
        assert _get(port, "/slow?seconds=abc") == 400  # a bad request: an AccessLog only
        assert _raw_request(port, "GET http://[ HTTP/1.0").startswith(b"HTTP/1.0 500")
        [body] = webhook.wait_for(1, timeout=30)
    finally:
        down = app.hakobu("down", timeout=300)
    assert down.returncode == 0, down.stderr

    # What CloudWatch sends a subscription's destination (uncompressed): one DATA_MESSAGE per
    # log stream, naming the filter, with the matching events.
    assert body["messageType"] == "DATA_MESSAGE"
    assert body["owner"] == OWNER
    assert body["logGroup"] == GROUP
    assert body["logStream"].startswith("hello/app/") and len(body["logStream"]) == 42
    assert body["subscriptionFilters"] == ["errors"]
    [event] = body["logEvents"]
    assert set(event) == {"id", "timestamp", "message"}
    assert len(event["id"]) == 56 and event["id"].isdigit()
    assert isinstance(event["timestamp"], int)
    error = json.loads(event["message"])
    assert error["logType"] == "ErrorLog" and error["level"] == "ERROR"
    assert error["message"] == "request failed" and error["path"] == "http://["
    assert error["exc_info"][-1] == "ValueError: Invalid IPv6 URL"

    # The AccessLog lines were stored, and none was delivered, even once the task stopped and
    # what was queued went out.
    assert webhook.bodies == [body]
    paths = {record["path"] for record in _access_logs(app.root)}
    assert {"/", "/slow?seconds=abc", "http://["} <= paths


def _access_logs(root: Path) -> list[dict[str, Any]]:
    return [record for record in _stored(root) if record.get("logType") == "AccessLog"]
