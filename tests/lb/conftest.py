"""Real sockets on 127.0.0.1: stdlib HTTP servers as targets, the load balancer on its own loop.

The targets (http.server) and the clients (http.client) are independent HTTP/1.1 implementations,
so a framing mistake of ours shows up as their error. The load balancer runs on an asyncio loop
in a background thread, as it would in the service controller; tests reach it through ``LbLoop``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest

from hakobu.lb import LoadBalancer, TargetGroup, TargetGroupSettings, TargetState

T = TypeVar("T")

# AWS's minimum interval and thresholds that keep tests short; time_scale does the rest.
FAST = TargetGroupSettings(
    health_check_path="/health",
    health_check_interval_seconds=5,
    health_check_timeout_seconds=4,
    healthy_threshold_count=2,
    unhealthy_threshold_count=2,
    deregistration_delay_seconds=30,
)
SCALE = 0.02  # 5 s interval -> 0.1 s, 30 s deregistration delay -> 0.6 s
WAIT = 10.0  # upper bound of any wait in these tests


@dataclass
class Backend:
    """A target: answers with its name; paths select behaviours (see ``_Handler``)."""

    name: str
    health_status: int = 200
    health_delay: float = 0.0
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    connections: int = 0
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path, _ in self.requests if path != "/health"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend: Backend

    def setup(self) -> None:
        super().setup()
        # http.server writes a head and a body separately: without this, Nagle and delayed ACKs
        # add 40 ms to each response, whoever the client is.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.backend.lock:
            self.backend.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(200, self.backend.name.encode(), head=True)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        backend = self.backend
        with backend.lock:
            backend.requests.append((self.command, self.path, dict(self.headers.items())))
        path = self.path
        if path == "/health":
            time.sleep(backend.health_delay)
            self._answer(backend.health_status, b"health")
        elif path.startswith("/slow/"):
            time.sleep(float(path.removeprefix("/slow/")))
            self._answer(200, backend.name.encode())
        elif path == "/chunked":
            self._chunked([b"hello, ", b"chunked ", b"world"])
        elif path == "/echo":
            info = {"headers": dict(self.headers.items()), "body": self._body().decode()}
            self._answer(200, json.dumps(info).encode())
        elif path == "/close":
            self._answer(200, backend.name.encode(), extra={"Connection": "close"})
            self.close_connection = True
        elif path == "/reset":
            self.close_connection = True  # no answer at all: the connection just ends
        elif path == "/first-only":
            # Answers the first request of a connection only, then closes it unanswered: what a
            # target's keep-alive timeout does to a request that crosses it on the wire.
            if getattr(self, "served", False):
                self.close_connection = True
                return
            self.served = True
            self._answer(200, backend.name.encode())
        elif path == "/big":
            self._answer(200, b"x" * (4 * 1024 * 1024))
        else:
            self._answer(200, backend.name.encode())

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _answer(
        self, status: int, body: bytes, head: bool = False, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", self.backend.name)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _chunked(self, chunks: list[bytes]) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Backend", self.backend.name)
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def backends() -> Iterator[Callable[[str], Backend]]:
    started: list[Backend] = []

    def start(name: str) -> Backend:
        backend = Backend(name)
        handler = type("Handler", (_Handler,), {"backend": backend})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        backend.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(backend)
        return backend

    yield start
    for backend in started:
        assert backend.server is not None
        backend.server.shutdown()
        backend.server.server_close()


class LbLoop:
    """An asyncio loop in a thread, where the load balancer lives."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.balancers: list[LoadBalancer] = []

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = WAIT) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, fn: Callable[[], T]) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    def start_lb(
        self,
        settings: TargetGroupSettings = FAST,
        targets: list[Backend] = (),  # type: ignore[assignment]
        *,
        time_scale: float = SCALE,
        idle_timeout_seconds: int = 500,  # 10 s at SCALE: longer than any slow request here
        healthy: bool = True,
    ) -> LoadBalancer:
        """Start a load balancer on a free port with ``targets`` (waited healthy by default)."""

        async def start() -> LoadBalancer:
            lb = LoadBalancer(
                "127.0.0.1",
                0,
                settings,
                time_scale=time_scale,
                idle_timeout_seconds=idle_timeout_seconds,
            )
            await lb.start()
            for backend in targets:
                lb.register(backend.name, "127.0.0.1", backend.port)
            return lb

        lb = self.run(start())
        self.balancers.append(lb)
        if healthy:
            for backend in targets:
                self.wait_state(lb.target_group, backend.name, TargetState.HEALTHY)
        return lb

    def wait_state(self, group: TargetGroup, target_id: str, *states: TargetState) -> None:
        async def wait() -> None:
            async with asyncio.timeout(WAIT):
                await group.wait_for(target_id, *states)

        self.run(wait())

    def close(self) -> None:
        for lb in self.balancers:
            self.run(lb.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def lb_loop() -> Iterator[LbLoop]:
    env = LbLoop()
    yield env
    env.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def get(
    port: int,
    path: str = "/",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
    body: Any = None,
) -> Reply:
    """One request with http.client; pass ``conn`` to reuse a keep-alive connection."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        if own:
            conn.close()


def raw_exchange(port: int, data: bytes, until: bytes, timeout: float = WAIT) -> bytes:
    """Send raw bytes, read until ``until`` has been seen (or the connection ends)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while until not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def read_response(sock: socket.socket) -> bytes:
    """One whole Content-Length-framed response from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return head + b"\r\n\r\n" + body


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def dead_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
