"""The data path's client side: connections, each carrying one exchange at a time.

Built on asyncio protocols rather than streams: bytes go from one transport to the other inside
the callback that received them, without a coroutine step per read (a streams version measured a
third of HAProxy's throughput here). Buffered protocols, for the reason in ``upstream``.

Flow control both ways: when a side's write buffer fills (``pause_writing``), the other side stops
reading until it drains. A client's pipelined requests wait in its buffer, which is bounded.

What the client sees when things go wrong, as with an ALB: 503 when there is no target to route
to, 502 when the target refuses the connection, closes it or answers garbage before a response,
504 when it does not answer within the idle timeout (or does not accept the connection within the
connection timeout). After the response head has been passed on, the only honest signal left is
to close the client's connection.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Protocol

from hakobu.lb.exchange import MAX_BUFFERED, PAUSE_BUFFER, PAUSE_UPSTREAM, Exchange
from hakobu.lb.http1 import MAX_HEAD, HttpError, error_response, parse_request
from hakobu.lb.targets import Target, Timing
from hakobu.lb.upstream import READ_BUFFER

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Router(Protocol):
    """What a client connection needs from its listener."""

    timing: Timing
    elb_status_counts: Counter[int]
    connections: set[ClientConnection]

    def route(self) -> Target | None: ...


class ClientConnection(asyncio.BufferedProtocol):
    def __init__(self, router: Router) -> None:
        self.router = router
        self.transport: asyncio.Transport | None = None
        self.exchange: Exchange | None = None
        self.buf = bytearray()
        self.client_ip = b""
        self.listen_port = b""
        self.last_activity = 0.0
        self.write_paused = False
        self._read_paused = 0  # bit set of _PAUSE_* reasons
        self._eof = False
        self._timer: asyncio.TimerHandle | None = None
        self._idle_timeout = router.timing.real(router.timing.idle_timeout_seconds)

    # -- asyncio callbacks -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.client_ip = str(transport.get_extra_info("peername")[0]).encode()
        self.listen_port = str(transport.get_extra_info("sockname")[1]).encode()
        self.router.connections.add(self)
        self.last_activity = time.monotonic()
        self._timer = asyncio.get_running_loop().call_later(self._idle_timeout, self._on_timer)

    def get_buffer(self, sizehint: int) -> memoryview:
        return READ_BUFFER  # see hakobu.lb.upstream for why

    def buffer_updated(self, nbytes: int) -> None:
        data = bytes(READ_BUFFER[:nbytes])
        self.last_activity = time.monotonic()
        if self.exchange is None and not self.buf:
            end = data.find(b"\r\n\r\n")
            if end == nbytes - 4:  # one whole head and nothing else: most requests
                self._begin(data[:end])
                return
        self.buf += data
        self._advance()

    def eof_received(self) -> bool:
        # A client may half-close after its request: keep our side open to send the answer.
        self._eof = True
        if self.exchange is None:
            self.close()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.router.connections.discard(self)
        if self._timer is not None:
            self._timer.cancel()
        if self.exchange is not None:
            self.exchange.abort()
            self.exchange = None

    def pause_writing(self) -> None:
        self.last_activity = time.monotonic()  # the client is reading, if slowly
        self.write_paused = True
        if self.exchange is not None:
            self.exchange.pause_upstream_reading(True)

    def resume_writing(self) -> None:
        self.last_activity = time.monotonic()
        self.write_paused = False
        if self.exchange is not None:
            self.exchange.pause_upstream_reading(False)

    # -- requests ----------------------------------------------------------------------------

    def _advance(self) -> None:
        """Move through the buffered bytes: a new request's head, or the current request's body."""
        while self.transport is not None:
            exchange = self.exchange
            if exchange is None:
                if not self._start_exchange():
                    return
            elif not exchange.request_done:
                if not self._forward_body(exchange):
                    return
            else:
                # Pipelined requests wait for the current response; bound what they may hold.
                if len(self.buf) > MAX_BUFFERED:
                    self.pause_reading(PAUSE_BUFFER)
                return

    def _start_exchange(self) -> bool:
        buf = self.buf
        end = buf.find(b"\r\n\r\n")
        if end < 0 or end > MAX_HEAD:
            if len(buf) > MAX_HEAD:
                self.reply(431, close=True)
            elif self._eof:
                self.close()
            return False
        head = bytes(buf[:end])
        del buf[: end + 4]
        return self._begin(head)

    def _begin(self, head: bytes) -> bool:
        """Start the exchange for one request head; False if the connection cannot go on."""
        try:
            request = parse_request(head, self.client_ip, self.listen_port)
        except HttpError as e:
            self.reply(e.status, close=True)
            return False
        if request.expect_continue and request.version == b"HTTP/1.1":
            self.write(_CONTINUE)  # we answer for the target, and do not forward the Expect
        target = self.router.route()
        if target is None:
            # The request's body, if any, is still in the stream: closing is the way past it.
            close = not request.keep_alive or not request.body.done
            self.reply(503, close=close)
            return not close
        self.exchange = Exchange(self, request, target)
        self.exchange.dispatch()
        return True

    def _forward_body(self, exchange: Exchange) -> bool:
        if not self.buf:
            return False
        data = bytes(self.buf)
        try:
            end = exchange.request.body.feed(data, 0)
        except HttpError as e:
            exchange.fail(e.status, client_error=True)
            return False
        if end:
            exchange.send(data if end == len(data) else data[:end])
            del self.buf[:end]
        if exchange.request.body.done:
            exchange.request_sent()
            return True
        return False

    def exchange_done(self, close: bool) -> None:
        self.exchange = None
        if close or (self._eof and not self.buf):
            self.close()
            return
        if self._read_paused:
            self.resume_reading(PAUSE_BUFFER | PAUSE_UPSTREAM)
        if self.buf:
            self._advance()

    # -- output and flow control --------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def reply(self, status: int, close: bool) -> None:
        self.router.elb_status_counts[status] += 1
        self.write(error_response(status, close))
        if close:
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()  # sends what is buffered first

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def pause_reading(self, reason: int) -> None:
        if not self._read_paused and self.transport is not None:
            self.transport.pause_reading()
        self._read_paused |= reason

    def resume_reading(self, reasons: int) -> None:
        was = self._read_paused
        self._read_paused &= ~reasons
        if was and not self._read_paused and self.transport is not None:
            self.transport.resume_reading()

    def _on_timer(self) -> None:
        # One timer per connection, re-armed only when it fires: cheaper than one per request.
        now = time.monotonic()
        if now - self.last_activity >= self._idle_timeout:
            if self.exchange is None or self.transport is None:
                self.close()  # an idle keep-alive connection, closed as an ALB closes it
                return
            self.exchange.timed_out()
            self.last_activity = now  # the connection may go on with its next request
        left = self._idle_timeout - (now - self.last_activity)
        self._timer = asyncio.get_running_loop().call_later(left, self._on_timer)
