"""The data path: headers, keep-alive on both sides, framing both ways, and the LB's own errors."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable

from tests.lb.conftest import WAIT, Backend, LbLoop, get, raw_exchange, read_response


def test_x_forwarded_headers(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    reply = get(lb.port, "/echo", headers={"X-Forwarded-For": "203.0.113.7"})
    headers = json.loads(reply.body)["headers"]
    assert headers["X-Forwarded-For"] == "203.0.113.7, 127.0.0.1"  # appended, as ALB's default
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == str(lb.port)  # the port the client connected to
    assert headers["Host"] == f"127.0.0.1:{lb.port}"  # passed through


def test_keep_alive_on_both_sides(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=WAIT)
    get(lb.port, conn=conn)
    sock = conn.sock
    before = a.connections  # health checks open one connection each
    for _ in range(20):
        assert get(lb.port, conn=conn).text == "a"
    assert conn.sock is sock  # the client's connection persisted
    checks = sum(1 for _, path, _ in a.requests[-40:] if path == "/health")
    assert a.connections - before <= checks  # every proxied request reused one pooled connection
    conn.close()


def test_target_connection_close_does_not_close_the_client(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=WAIT)
    reply = get(lb.port, "/close", conn=conn)
    assert reply.text == "a" and "connection" not in reply.headers
    sock = conn.sock
    assert get(lb.port, conn=conn).text == "a"
    assert conn.sock is sock
    conn.close()


def test_client_connection_close_is_honoured(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    data = raw_exchange(
        lb.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", until=b"\0"
    )  # reads until the LB closes the connection
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close\r\n" in data and data.endswith(b"\r\n\r\na")


def test_chunked_response_passes_through(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=WAIT)
    reply = get(lb.port, "/chunked", conn=conn)
    assert reply.text == "hello, chunked world"
    assert reply.headers["transfer-encoding"] == "chunked"
    assert get(lb.port, conn=conn).text == "a"  # and the connection is still in step
    conn.close()
    raw = raw_exchange(lb.port, b"GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n", until=b"0\r\n\r\n")
    assert raw.endswith(b"7\r\nhello, \r\n8\r\nchunked \r\n5\r\nworld\r\n0\r\n\r\n")


def test_request_bodies_both_framings(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=WAIT)
    fixed = get(lb.port, "/echo", method="POST", body=b"x" * 100_000, conn=conn)
    assert json.loads(fixed.body)["body"] == "x" * 100_000
    chunks = iter([b"one ", b"two ", b"three"])
    chunked = get(lb.port, "/echo", method="POST", body=chunks, conn=conn)
    echoed = json.loads(chunked.body)
    assert echoed["body"] == "one two three"
    assert echoed["headers"]["Transfer-Encoding"] == "chunked"
    conn.close()


def test_large_response_is_streamed(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    with socket.create_connection(("127.0.0.1", lb.port), timeout=WAIT) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 OK")
        time.sleep(0.3)  # a slow reader: the LB must hold back, not buffer 4 MB
        connections = lb_loop.call(lambda: list(lb.listener.connections))
        buffered = [c.transport.get_write_buffer_size() for c in connections if c.transport]
        assert max(buffered) < 1024 * 1024
        received = len(first)
        while received < 4 * 1024 * 1024:
            chunk = sock.recv(1 << 20)
            assert chunk
            received += len(chunk)
    assert received >= 4 * 1024 * 1024


def test_head_and_pipelining(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    requests = b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n"
    data = raw_exchange(lb.port, requests, until=b"\r\n\r\na")
    first, second = data.split(b"HTTP/1.1 200 OK", 2)[1:]
    assert b"Content-Length: 1\r\n" in first and first.endswith(b"\r\n\r\n")  # no body after HEAD
    assert second.endswith(b"\r\n\r\na")


def test_expect_100_continue(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    with socket.create_connection(("127.0.0.1", lb.port), timeout=WAIT) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hi")
        answer = read_response(sock)
    assert answer.startswith(b"HTTP/1.1 200 OK") and b'"body": "hi"' in answer


def test_bad_request_is_400(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    data = raw_exchange(lb.port, b"GET / HTTP/1.1\r\nBad header\r\n\r\n", until=b"\0")
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert a.paths() == []


def test_target_closing_without_answer_is_502(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=WAIT)
    assert get(lb.port, "/reset", conn=conn).status == 502
    assert get(lb.port, conn=conn).text == "a"  # the client's connection goes on
    conn.close()


def test_reused_connection_closed_by_the_target_is_retried_once(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    assert get(lb.port, "/first-only").text == "a"
    assert get(lb.port, "/first-only").text == "a"  # retried on a new connection
    assert get(lb.port, "/first-only", method="POST").status == 502  # POST is not retried


def test_target_too_slow_is_504(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    a = backends("a")
    # idle timeout 1 s (AWS's minimum) at scale 0.2: 0.2 s
    lb = lb_loop.start_lb(targets=[a], time_scale=0.2, idle_timeout_seconds=1)
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=WAIT)
    started = time.monotonic()
    reply = get(lb.port, "/slow/3.0", conn=conn)
    elapsed = time.monotonic() - started
    assert reply.status == 504 and b"504 Gateway Time-out" in reply.body
    assert 0.15 < elapsed < 2.5  # at the idle timeout, long before the target would answer
    assert lb.elb_status_counts[504] == 1
    assert lb_loop.call(lambda: lb.target_group.target("a")).in_flight == 0
    assert get(lb.port, conn=conn).text == "a"  # the client's connection goes on,
    sock = conn.sock
    assert sock is not None
    sock.settimeout(WAIT)
    assert sock.recv(10) == b""  # and is still closed once idle
    conn.close()


def test_idle_client_connection_is_closed(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a], time_scale=0.2, idle_timeout_seconds=1)
    with socket.create_connection(("127.0.0.1", lb.port), timeout=WAIT) as sock:
        started = time.monotonic()
        assert sock.recv(10) == b""  # closed by the LB after 0.2 s of silence
        assert time.monotonic() - started < 1.0
