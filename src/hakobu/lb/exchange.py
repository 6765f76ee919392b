"""One exchange: a request and its response, between a client connection and a target.

The request's head (and body, as it arrives) goes to a pooled kept-alive connection of the
target, or to a new one; the response comes back the same way, its head first, its body framed
by length, by chunks, or by the connection's end. The exchange ends in one of three ways: done
(the target connection goes back to the pool if it can carry another request), failed with the
load balancer's own answer (502, 504), or cut, by a client that went away.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from hakobu.lb.http1 import (
    MAX_HEAD,
    HttpError,
    Request,
    Response,
    UntilCloseBody,
    error_response,
    parse_response,
)
from hakobu.lb.targets import Target
from hakobu.lb.upstream import UpstreamConnection

if TYPE_CHECKING:
    from hakobu.lb.proxy import ClientConnection

MAX_BUFFERED = 256 * 1024  # pipelined or not-yet-sent request bytes held per client
PAUSE_BUFFER, PAUSE_UPSTREAM = 1, 2  # why a client connection's reading is paused (bits)
_IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"})


class Exchange:
    """One request and its response, between a client connection and a target."""

    __slots__ = (
        "body_start",
        "client",
        "connect_task",
        "finished",
        "pending",
        "rbuf",
        "remaining",
        "request",
        "request_done",
        "response",
        "response_done",
        "retried",
        "target",
        "upstream",
    )

    def __init__(self, client: ClientConnection, request: Request, target: Target) -> None:
        self.client = client
        self.request = request
        self.target = target
        self.upstream: UpstreamConnection | None = None
        self.connect_task: asyncio.Task[None] | None = None
        self.pending: list[bytes] | None = None  # bytes for the target while it connects
        self.request_done = False
        self.response: Response | None = None
        self.response_done = False
        self.remaining = -1  # bytes of a fixed-length response body still to come
        self.body_start = 0  # where the body begins in the read that completed the head
        self.rbuf = b""  # a response head split across reads
        self.retried = False
        self.finished = False

    # -- request side --------------------------------------------------------------------------

    def dispatch(self) -> None:
        target = self.target
        target.begin()
        conn = target.pool.acquire(self)
        if conn is None:
            self.pending = [self.request.upstream_head]
            self._connect()
        else:
            self._attach(conn, self.request.upstream_head)
        self.request_done = self.request.body.done  # no response yet: nothing to complete

    def send(self, data: bytes) -> None:
        if self.upstream is not None:
            self.upstream.write(data)
        elif self.pending is not None:
            self.pending.append(data)
            if sum(map(len, self.pending)) > MAX_BUFFERED:
                self.client.pause_reading(PAUSE_UPSTREAM)

    def request_sent(self) -> None:
        self.request_done = True
        if self.response_done:
            self._complete()  # the target answered before the request body ended

    def _attach(self, conn: UpstreamConnection, data: bytes) -> None:
        self.upstream = conn
        conn.write(data)
        if self.client.write_paused:
            conn.pause_reading(True)

    def _connect(self) -> None:
        self.connect_task = asyncio.get_running_loop().create_task(self._open())

    async def _open(self) -> None:
        timing = self.client.router.timing
        try:
            async with asyncio.timeout(timing.real(timing.connect_timeout_seconds)):
                conn = await self.target.pool.connect(self)
        except OSError as e:  # TimeoutError is one: ALB answers 504 to a connect timeout
            self.connect_task = None
            self.fail(504 if isinstance(e, TimeoutError) else 502)
            return
        self.connect_task = None
        if self.finished:
            conn.close()
            return
        pending, self.pending = self.pending or [], None
        self._attach(conn, b"".join(pending))
        self.client.resume_reading(PAUSE_UPSTREAM)

    # -- response side (UpstreamListener) ------------------------------------------------------

    def upstream_data(self, data: bytes) -> None:
        self.client.last_activity = time.monotonic()
        response = self.response
        start = 0
        if response is None:
            head_read = self._read_head(data)
            if head_read is None:
                return
            data, response, start = head_read, self.response, self.body_start
            assert response is not None
        end = self._body_end(response, data, start)
        if start == 0:
            out = data if end == len(data) else data[:end]
        elif response.rewritten_head is None:
            out = data[:end]  # the head as received, and the body bytes after it: one write
        else:
            out = response.rewritten_head + data[start:end]
        if out:
            self.client.write(out)
        if end < len(data):
            response.reusable = False  # bytes after the response: this connection is out of step
        if self.response_done:
            self._complete()

    def _body_end(self, response: Response, data: bytes, start: int) -> int:
        remaining = self.remaining
        if remaining >= 0:  # a fixed length, counted down here
            size = len(data) - start
            take = size if size <= remaining else remaining
            self.remaining = remaining - take
            self.response_done = self.remaining == 0
            return start + take
        framer = response.framer
        assert framer is not None
        end = framer.feed(data, start)
        self.response_done = framer.done
        return end

    def _read_head(self, data: bytes) -> bytes | None:
        """The bytes holding the final response head (``body_start`` marks its end), or None."""
        buf = self.rbuf + data if self.rbuf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.rbuf = buf
                if len(buf) > MAX_HEAD:
                    self.fail(502)
                return None
            try:
                response = parse_response(buf[:end], self.request)
            except HttpError as e:
                self.fail(e.status)
                return None
            if response.status >= 200:
                self.rbuf, self.response, self.body_start = b"", response, end + 4
                self.remaining = response.length
                return buf
            if response.status == 101:  # we forward no Upgrade, so a switch is a broken target
                self.fail(502)
                return None
            if self.request.version == b"HTTP/1.1":  # HTTP/1.0 clients get no interim responses
                self.client.write(buf[: end + 4])
            buf = buf[end + 4 :]

    def upstream_closed(self, exc: Exception | None) -> None:
        conn, self.upstream = self.upstream, None
        if self.finished:
            return
        response = self.response
        if response is None and not self.rbuf and self._may_retry(conn):
            # A kept-alive connection the target closed just as we reused it: the request never
            # reached the app, so it is safe to send again once, on a new connection.
            self.retried = True
            self.pending = [self.request.upstream_head]
            self._connect()
        elif response is not None and type(response.framer) is UntilCloseBody:
            self.response_done = True
            self._complete()
        else:
            self.fail(502)

    def _may_retry(self, conn: UpstreamConnection | None) -> bool:
        # Only idempotent requests (RFC 9110 9.2.2) without a body, whose bytes are all in
        # upstream_head, are sent again.
        return (
            conn is not None
            and conn.reused
            and not self.retried
            and not self.request.has_body
            and self.request.method in _IDEMPOTENT
        )

    def upstream_pause(self, paused: bool) -> None:
        if paused:
            self.client.pause_reading(PAUSE_UPSTREAM)
        else:
            self.client.resume_reading(PAUSE_UPSTREAM)

    def pause_upstream_reading(self, paused: bool) -> None:
        if self.upstream is not None:
            self.upstream.pause_reading(paused)

    # -- endings -------------------------------------------------------------------------------

    def _complete(self) -> None:
        response = self.response
        assert response is not None
        if not self.request_done:
            return  # request_sent() completes it; the body must not mix with the next request
        self._finish(reuse=response.reusable)
        self.client.exchange_done(close=response.close_client)

    def fail(self, status: int, client_error: bool = False) -> None:
        """End with the load balancer's own answer, or a closed connection once too late for one."""
        if self.finished:
            return
        started = self.response is not None
        self._finish(reuse=False)
        if started:
            self.client.exchange_done(close=True)
            return
        self.client.router.elb_status_counts[status] += 1
        close = client_error or not self.request_done or not self.request.keep_alive
        self.client.write(error_response(status, close))
        self.client.exchange_done(close=close)

    def timed_out(self) -> None:
        self.fail(504)

    def abort(self) -> None:
        """The client went away: the target's connection is in an unknown state, so close it."""
        self._finish(reuse=False)

    def _finish(self, reuse: bool) -> None:
        if self.finished:
            return
        self.finished = True
        if self.connect_task is not None:
            self.connect_task.cancel()
            self.connect_task = None
        conn, self.upstream = self.upstream, None
        if conn is not None:
            if reuse and self.request_done:
                self.target.pool.release(conn)
            else:
                conn.close()
        self.target.end()
