"""HTTP/1.1 as a proxy needs it (RFC 9112): heads parsed and rewritten, bodies framed, not parsed.

Bodies pass through byte for byte: the framers only find where a message ends, so chunked bodies
(with their extensions and trailers) reach the other side unchanged and are never held whole.
Heads are rewritten: hop-by-hop fields (RFC 9110 7.6.1) are dropped, and requests get the
``X-Forwarded-*`` fields as an ALB adds them (For: appended; Proto and Port: set).

Written for speed as much as clarity: this runs once per request in pure Python, so the common
case (a small head without hop-by-hop fields) takes the fewest steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MAX_HEAD = 64 * 1024  # as ALB: request line and headers together at most 64 KB
MAX_CHUNK_LINE = 4096

# Dropped from a forwarded request; the X-Forwarded-* fields are set by us instead.
_REQUEST_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"upgrade",
        b"expect",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-port",
    }
)
_REQUEST_FIELDS = _REQUEST_DROP | {b"content-length", b"transfer-encoding"}  # all we look at
_RESPONSE_DROP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"upgrade"})
_RESPONSE_FIELDS = _RESPONSE_DROP | {b"content-length", b"transfer-encoding"}
_VERSIONS = (b"HTTP/1.1", b"HTTP/1.0")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_WHITESPACE = (32, 9)  # SP and HTAB, as bytes indexing gives them


class HttpError(Exception):
    """A message we cannot forward; ``status`` is what the load balancer answers instead."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class BodyFramer(Protocol):
    """Finds the end of one message body in a byte stream."""

    done: bool

    def feed(self, data: bytes, pos: int) -> int:
        """Consume body bytes of ``data`` from ``pos``; return where the body stops in ``data``."""
        ...


class FixedBody:
    __slots__ = ("done", "remaining")

    def __init__(self, length: int) -> None:
        self.remaining = length
        self.done = length == 0

    def feed(self, data: bytes, pos: int) -> int:
        end = min(len(data), pos + self.remaining)
        self.remaining -= end - pos
        self.done = self.remaining == 0
        return end


NO_BODY = FixedBody(0)  # shared: feeding it never changes it
_PROTO_AND_PORT = b"\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: "


class UntilCloseBody:
    """A response framed by the end of the connection (RFC 9112 6.3, last case)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    def feed(self, data: bytes, pos: int) -> int:
        return len(data)


_SIZE, _DATA, _DATA_END, _TRAILER = range(4)


class ChunkedBody:
    """Tracks chunk sizes, the CRLF after each chunk, and the trailer section that ends it all."""

    __slots__ = ("_left", "_line", "_state", "done")

    def __init__(self) -> None:
        self.done = False
        self._state = _SIZE
        self._left = 0
        self._line = b""  # a line split across reads

    def feed(self, data: bytes, pos: int) -> int:
        size = len(data)
        while pos < size and not self.done:
            if self._state == _DATA:
                take = min(self._left, size - pos)
                pos += take
                self._left -= take
                if self._left == 0:
                    self._state = _DATA_END
                continue
            newline = data.find(b"\n", pos)
            if newline < 0:
                self._line += data[pos:]
                if len(self._line) > MAX_CHUNK_LINE:
                    raise HttpError(400, "chunk size line too long")
                return size
            line = self._line + data[pos:newline]
            self._line = b""
            pos = newline + 1
            self._line_done(line.rstrip(b"\r"))
        return pos

    def _line_done(self, line: bytes) -> None:
        if self._state == _SIZE:
            digits = line.split(b";", 1)[0].strip()
            if not digits or len(digits) > 16 or not _HEX.issuperset(digits):
                raise HttpError(400, f"bad chunk size {digits[:20]!r}")
            self._left = int(digits, 16)
            self._state = _DATA if self._left else _TRAILER
        elif self._state == _DATA_END:
            if line:
                raise HttpError(400, "chunk data longer than its size")
            self._state = _SIZE
        elif not line:  # the empty line that ends the trailer section
            self.done = True


@dataclass(slots=True)
class Request:
    method: bytes
    version: bytes
    keep_alive: bool
    expect_continue: bool
    upstream_head: bytes  # the head to send to the target, CRLFCRLF included
    body: BodyFramer
    has_body: bool


def parse_request(head: bytes, client_ip: bytes, listen_port: bytes) -> Request:
    """Parse a request head (without its final CRLFCRLF) and build the head sent to the target."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1] or parts[2] not in _VERSIONS:
        raise HttpError(400, f"bad request line {lines[0][:80]!r}")
    fields = None  # made only for a head that has a field we act on
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        # RFC 9112 5.1: no whitespace around a field name; 5.2: no obsolete line folding.
        if not colon or not name or name[0] in _WHITESPACE or name[-1] in _WHITESPACE:
            raise HttpError(400, f"bad header line {line[:80]!r}")
        name = name.lower()
        if name in _REQUEST_FIELDS:
            fields = fields or _RequestFields()
            fields.add(name, value.strip())
    version = parts[2]
    if fields is None:  # the common case: the head goes on as it came, plus X-Forwarded-*
        upstream_head = b"".join(
            (head, b"\r\nX-Forwarded-For: ", client_ip, _PROTO_AND_PORT, listen_port, b"\r\n\r\n")
        )
        return Request(
            parts[0], version, version == b"HTTP/1.1", False, upstream_head, NO_BODY, False
        )
    return fields.request(lines, parts, client_ip, listen_port)


class _RequestFields:
    """The fields of a request head that the load balancer acts on."""

    __slots__ = ("coding", "dropped", "expect", "length", "tokens", "xff")

    def __init__(self) -> None:
        self.tokens: list[bytes] = []
        self.xff: list[bytes] = []
        self.length: bytes | None = None
        self.coding: bytes | None = None
        self.expect = self.dropped = False

    def add(self, name: bytes, value: bytes) -> None:
        if name == b"content-length":
            self.length = _same_length(self.length, value)
            return
        if name == b"transfer-encoding":
            coding = value.lower()
            self.coding = coding if self.coding is None else self.coding + b"," + coding
            return
        self.dropped = True
        if name == b"connection":
            self.tokens.extend(t.strip().lower() for t in value.split(b","))
        elif name == b"x-forwarded-for":
            self.xff.append(value)
        elif name == b"expect":
            self.expect = value.lower() == b"100-continue"

    def request(
        self, lines: list[bytes], parts: list[bytes], client_ip: bytes, listen_port: bytes
    ) -> Request:
        kept = _without(lines, _REQUEST_DROP | self._nominated()) if self.dropped else lines
        client = b", ".join([*self.xff, client_ip]) if self.xff else client_ip
        kept.append(b"X-Forwarded-For: " + client + _PROTO_AND_PORT + listen_port + b"\r\n\r\n")
        version = parts[2]
        tokens = self.tokens
        keep_alive = b"close" not in tokens if version == b"HTTP/1.1" else b"keep-alive" in tokens
        body = _request_body(self.length, self.coding)
        upstream_head = b"\r\n".join(kept)
        return Request(
            parts[0], version, keep_alive, self.expect, upstream_head, body, not body.done
        )

    def _nominated(self) -> frozenset[bytes]:
        # Fields named in Connection are hop-by-hop too (RFC 9110 7.6.1).
        return frozenset(t for t in self.tokens if t and t not in (b"close", b"keep-alive"))


def _without(lines: list[bytes], names: frozenset[bytes]) -> list[bytes]:
    return [lines[0]] + [x for x in lines[1:] if x.partition(b":")[0].strip().lower() not in names]


def _same_length(previous: bytes | None, value: bytes) -> bytes:
    if not value.isdigit() or len(value) > 18 or (previous is not None and previous != value):
        raise HttpError(400, f"bad Content-Length {value[:20]!r}")
    return value


def _request_body(length: bytes | None, coding: bytes | None) -> BodyFramer:
    if coding is not None:
        # A request with both is how requests are smuggled past proxies (RFC 9112 6.3): refuse it.
        if length is not None or coding.rsplit(b",", 1)[-1].strip() != b"chunked":
            raise HttpError(400, "Transfer-Encoding must end in chunked, without Content-Length")
        return ChunkedBody()
    return FixedBody(int(length)) if length is not None and int(length) else NO_BODY


@dataclass(slots=True)
class Response:
    status: int
    rewritten_head: bytes | None  # for the client, CRLFCRLF included; None: as the target sent it
    length: int  # the body's length; -1: ``framer`` finds its end (chunked, or connection end)
    framer: BodyFramer | None
    reusable: bool  # the target's connection may carry another request afterwards
    close_client: bool  # the client's connection ends with this response


def parse_response(head: bytes, request: Request) -> Response:
    """Parse a response head (without its final CRLFCRLF) from a target, for ``request``."""
    lines = head.split(b"\r\n")
    status_line = lines[0]
    version, code = status_line[:8], status_line[9:12]
    if (
        version not in _VERSIONS
        or len(status_line) < 12
        or status_line[8] != 32  # " "
        or not code.isdigit()
        or (len(status_line) > 12 and status_line[12] != 32)
    ):
        raise HttpError(502, f"bad status line {status_line[:80]!r}")
    status = int(code)
    tokens: list[bytes] = []
    length: bytes | None = None
    chunked = dropped = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.lower()  # a name with whitespace around it is invalid: we ignore it, then
        if name not in _RESPONSE_FIELDS:
            continue
        if name == b"content-length":
            value = value.strip()
            if length is not None and length != value:
                raise HttpError(502, "the target sent two different Content-Length fields")
            length = value
        elif name == b"transfer-encoding":
            chunked = value.strip().lower().endswith(b"chunked")
        else:
            dropped = True
            if name == b"connection":
                tokens.extend(t.strip().lower() for t in value.split(b","))
    size, framer = _response_body(status, request, length, chunked)
    until_close = type(framer) is UntilCloseBody
    persistent = b"close" not in tokens if version == b"HTTP/1.1" else b"keep-alive" in tokens
    close_client = until_close or not request.keep_alive
    if dropped or close_client or version != b"HTTP/1.1" or request.version != b"HTTP/1.1":
        rewritten = _client_head(lines, status_line[9:], close_client, request.version)
    else:
        rewritten = None  # the common case: passed on as it came
    return Response(status, rewritten, size, framer, persistent and not until_close, close_client)


def _client_head(lines: list[bytes], rest: bytes, close: bool, client_version: bytes) -> bytes:
    kept = [b"HTTP/1.1 " + rest]
    kept += [x for x in lines[1:] if x.partition(b":")[0].strip().lower() not in _RESPONSE_DROP]
    if close:
        kept.append(b"Connection: close")
    elif client_version != b"HTTP/1.1":
        kept.append(b"Connection: keep-alive")  # HTTP/1.0 clients close unless told otherwise
    kept.append(b"\r\n")
    return b"\r\n".join(kept)


def _response_body(
    status: int, request: Request, length: bytes | None, chunked: bool
) -> tuple[int, BodyFramer | None]:
    # A fixed length, the common case, is counted down by the caller: no framer to make.
    if status < 200 or status == 204 or status == 304 or request.method == b"HEAD":
        return 0, None
    if chunked:
        return -1, ChunkedBody()
    if length is not None:
        if not length.isdigit():
            raise HttpError(502, f"bad Content-Length {length[:20]!r} from the target")
        return int(length), None
    return -1, UntilCloseBody()


_REASONS = {
    400: "Bad Request",
    431: "Request Header Fields Too Large",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def error_response(status: int, close: bool) -> bytes:
    """The answer the load balancer itself gives, shaped as an ALB's (reason phrase and body)."""
    text = f"{status} {_REASONS.get(status, 'Error')}"
    body = (
        f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n"
        f"<center><h1>{text}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    head = (
        f"HTTP/1.1 {text}\r\nServer: hakobu-lb\r\nContent-Type: text/html\r\n"
        f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode() + body
