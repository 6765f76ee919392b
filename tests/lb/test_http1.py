"""HTTP/1.1 heads and body framing, without sockets."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hakobu.lb.http1 import (
    ChunkedBody,
    FixedBody,
    HttpError,
    UntilCloseBody,
    error_response,
    parse_request,
    parse_response,
)

IP, PORT = b"192.0.2.10", b"8080"


def request(head: bytes) -> bytes:
    return parse_request(head, IP, PORT).upstream_head


def test_forwarded_headers_are_added() -> None:
    head = request(b"GET /x HTTP/1.1\r\nHost: a")
    assert head == (
        b"GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.10\r\n"
        b"X-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\n\r\n"
    )


def test_x_forwarded_for_is_appended_proto_and_port_replaced() -> None:
    head = request(
        b"GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.7\r\nx-forwarded-for: 10.0.0.1\r\n"
        b"X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443"
    )
    assert b"X-Forwarded-For: 203.0.113.7, 10.0.0.1, 192.0.2.10\r\n" in head
    assert head.count(b"X-Forwarded-Proto") == 1 and b"X-Forwarded-Proto: http\r\n" in head
    assert head.count(b"X-Forwarded-Port") == 1 and b"X-Forwarded-Port: 8080\r\n" in head


def test_hop_by_hop_fields_are_dropped() -> None:
    head = request(
        b"GET / HTTP/1.1\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n"
        b"TE: trailers\r\nUpgrade: websocket\r\nProxy-Connection: x\r\nAccept: */*"
    )
    for name in (b"Connection", b"X-Secret", b"Keep-Alive", b"TE:", b"Upgrade", b"Proxy-Conn"):
        assert name not in head
    assert b"Accept: */*" in head


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"GET / HTTP/1.1", True),
        (b"GET / HTTP/1.1\r\nConnection: close", False),
        (b"GET / HTTP/1.0", False),
        (b"GET / HTTP/1.0\r\nConnection: Keep-Alive", True),
    ],
)
def test_keep_alive(head: bytes, keep_alive: bool) -> None:
    assert parse_request(head, IP, PORT).keep_alive is keep_alive


def test_request_bodies() -> None:
    assert parse_request(b"GET / HTTP/1.1", IP, PORT).has_body is False
    fixed = parse_request(b"POST / HTTP/1.1\r\nContent-Length: 5", IP, PORT).body
    assert isinstance(fixed, FixedBody) and fixed.remaining == 5
    chunked = parse_request(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked", IP, PORT)
    assert isinstance(chunked.body, ChunkedBody) and chunked.has_body
    expect = parse_request(b"POST / HTTP/1.1\r\nExpect: 100-continue", IP, PORT)
    assert expect.expect_continue and b"Expect" not in expect.upstream_head


@pytest.mark.parametrize(
    "head",
    [
        b"GET /",
        b"GET / HTTP/2.0",
        b"GET  / HTTP/1.1",
        b"GET / HTTP/1.1\r\nNo colon here",
        b"GET / HTTP/1.1\r\nHost : a",  # whitespace before the colon
        b"GET / HTTP/1.1\r\nX-A: 1\r\n folded",  # obsolete line folding
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked",  # smuggling
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6",
        b"POST / HTTP/1.1\r\nContent-Length: -1",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip",
    ],
)
def test_bad_requests_are_400(head: bytes) -> None:
    with pytest.raises(HttpError) as e:
        parse_request(head, IP, PORT)
    assert e.value.status == 400


def test_response_passes_through_unchanged_when_it_can() -> None:
    req = parse_request(b"GET / HTTP/1.1", IP, PORT)
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b"
    response = parse_response(head, req)
    assert response.rewritten_head is None
    assert response.reusable and not response.close_client
    assert response.length == 2 and response.framer is None


def test_response_connection_close_from_target_keeps_the_client() -> None:
    req = parse_request(b"GET / HTTP/1.1", IP, PORT)
    response = parse_response(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0", req)
    assert not response.reusable and not response.close_client
    assert response.rewritten_head is not None and b"Connection" not in response.rewritten_head


def test_response_until_close_closes_the_client() -> None:
    req = parse_request(b"GET / HTTP/1.1", IP, PORT)
    response = parse_response(b"HTTP/1.0 200 OK\r\nServer: old", req)
    assert response.length == -1 and isinstance(response.framer, UntilCloseBody)
    assert response.close_client and not response.reusable
    assert response.rewritten_head == b"HTTP/1.1 200 OK\r\nServer: old\r\nConnection: close\r\n\r\n"


def test_client_connection_close_is_answered_with_close() -> None:
    req = parse_request(b"GET / HTTP/1.1\r\nConnection: close", IP, PORT)
    response = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 0", req)
    assert response.close_client and b"Connection: close" in (response.rewritten_head or b"")


@pytest.mark.parametrize(
    ("method", "status"), [(b"HEAD", 200), (b"GET", 204), (b"GET", 304), (b"GET", 100)]
)
def test_responses_without_body(method: bytes, status: int) -> None:
    req = parse_request(method + b" / HTTP/1.1", IP, PORT)
    response = parse_response(f"HTTP/1.1 {status} X\r\nContent-Length: 10".encode(), req)
    assert response.length == 0 and response.framer is None


@pytest.mark.parametrize("head", [b"HTTP/1.1 2000 OK", b"ICY 200 OK", b"HTTP/1.1 OK"])
def test_bad_responses_are_502(head: bytes) -> None:
    with pytest.raises(HttpError) as e:
        parse_response(head, parse_request(b"GET / HTTP/1.1", IP, PORT))
    assert e.value.status == 502


CHUNKED = b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: yes\r\n\r\n"


@given(st.lists(st.integers(min_value=0, max_value=len(CHUNKED)), max_size=8))
def test_chunked_finds_the_end_however_it_is_split(cuts: list[int]) -> None:
    data = CHUNKED + b"GET /next HTTP/1.1\r\n\r\n"
    points = sorted({0, *cuts, len(data)})
    body = ChunkedBody()
    consumed = 0
    for start, end in itertools.pairwise(points):
        piece = data[start:end]
        if body.done:
            break
        consumed += body.feed(piece, 0)
    assert body.done and consumed == len(CHUNKED)


@pytest.mark.parametrize("data", [b"zz\r\n", b"5\r\nhelloX\r\n", b"1" * 5000])
def test_bad_chunks(data: bytes) -> None:
    with pytest.raises(HttpError):
        ChunkedBody().feed(data, 0)


def test_chunked_response() -> None:
    req = parse_request(b"GET / HTTP/1.1", IP, PORT)
    response = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", req)
    assert response.length == -1 and isinstance(response.framer, ChunkedBody)
    assert response.reusable and response.rewritten_head is None


def test_fixed_body_stops_at_its_length() -> None:
    body = FixedBody(3)
    assert body.feed(b"ab", 0) == 2 and not body.done
    assert body.feed(b"cdef", 0) == 1 and body.done


def test_error_response_looks_like_albs() -> None:
    answer = error_response(503, close=False)
    assert answer.startswith(b"HTTP/1.1 503 Service Temporarily Unavailable\r\n")
    head, body = answer.split(b"\r\n\r\n", 1)
    assert f"Content-Length: {len(body)}".encode() in head
    assert b"Connection: keep-alive" in head
