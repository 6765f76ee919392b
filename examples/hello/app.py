"""hello: a small web service that follows the talk's practices.

- Port binding (12FA VII): listens on $PORT, which the task definition sets; no default in code.
- Config (12FA III): GREETING comes from the environment, the secret DB_PASSWORD too (ECS puts it
  there from Secrets Manager); the secret is never printed, only whether it is set.
- Logs (12FA XI): JSON to stdout, one object per line, each with a logType (AccessLog per
  request, ErrorLog on errors, AppLog otherwise) for CloudWatch Logs subscription filters such
  as { $.logType = "ErrorLog" }. Nothing is written to a file (the root filesystem is read-only).
- Disposability (12FA IX): on SIGTERM it stops accepting, finishes the requests in flight, logs
  and exits 0.

Endpoints: GET / (greeting), GET /health, GET /slow?seconds=N (sleeps, for draining tests).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pythonjsonlogger.json import JsonFormatter

MAX_SLOW_SECONDS = 60.0
log = logging.getLogger("hello")


class LogTypeFilter(logging.Filter):
    """Give every record a logType: ErrorLog from level ERROR up, else AppLog unless set."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.logType = "ErrorLog"
        elif not hasattr(record, "logType"):
            record.logType = "AppLog"
        return True


def configure_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(LogTypeFilter())
    handler.setFormatter(
        JsonFormatter(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level"},
            timestamp=True,
            exc_info_as_array=True,
        )
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


class Settings:
    """Everything the app reads from its environment, read once at start."""

    def __init__(self, env: dict[str, str]) -> None:
        missing = [name for name in ("PORT", "GREETING") if not env.get(name)]
        if missing:
            raise ValueError(f"not set: {', '.join(missing)} (the task definition sets them)")
        try:
            self.port = int(env["PORT"])
        except ValueError:
            raise ValueError(f"PORT is not a number: {env['PORT']!r}") from None
        self.greeting = env["GREETING"]
        self.db_password_set = bool(env.get("DB_PASSWORD"))


class Handler(BaseHTTPRequestHandler):
    server: HelloServer
    # One request per connection (HTTP/1.0): shutdown never waits on an idle keep-alive client.
    protocol_version = "HTTP/1.0"
    timeout = 30  # a client that sends nothing cannot hold shutdown forever

    def do_GET(self) -> None:
        started = time.monotonic()
        status = 500
        try:
            status, body = self.route()
        except Exception:
            log.exception("request failed", extra={"path": self.path})
            body = {"error": "internal error"}
        self.send_json(status, body)
        log.info(
            "%s %s %d",
            self.command,
            self.path,
            status,
            extra={
                "logType": "AccessLog",
                "method": self.command,
                "path": self.path,
                "status": status,
                "durationMs": round((time.monotonic() - started) * 1000, 1),
                "remoteAddr": self.client_address[0],
            },
        )

    def route(self) -> tuple[int, dict[str, Any]]:
        url = urlsplit(self.path)
        settings = self.server.settings
        if url.path == "/":
            return 200, {"greeting": settings.greeting, "dbPasswordSet": settings.db_password_set}
        if url.path == "/health":
            return 200, {"status": "ok"}
        if url.path == "/slow":
            try:
                seconds = float(parse_qs(url.query).get("seconds", ["1"])[0])
            except ValueError:
                return 400, {"error": "seconds must be a number"}
            if not 0 <= seconds <= MAX_SLOW_SECONDS:
                return 400, {"error": f"seconds must be between 0 and {MAX_SLOW_SECONDS:g}"}
            time.sleep(seconds)
            return 200, {"slept": seconds}
        return 404, {"error": "not found"}

    def send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """The access log is written in do_GET, as JSON; keep http.server's stderr lines out."""

    def log_error(self, format: str, *args: Any) -> None:
        log.warning(format, *args)


class HelloServer(ThreadingHTTPServer):
    # Request threads are joined on server_close(): that is how in-flight requests finish.
    daemon_threads = False
    block_on_close = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__(("0.0.0.0", settings.port), Handler)


def main() -> int:
    configure_logging()
    try:
        settings = Settings(dict(os.environ))
    except ValueError as e:
        log.error("bad configuration: %s", e)
        return 2
    server = HelloServer(settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s: draining", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # A short poll interval: shutdown() takes effect within 0.1 s of the signal.
    serving = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="serve", daemon=True
    )
    serving.start()
    log.info(
        "listening on port %d",
        settings.port,
        extra={"greeting": settings.greeting, "dbPasswordSet": settings.db_password_set},
    )
    stop.wait()
    server.shutdown()  # stop accepting new connections
    server.server_close()  # close the socket and wait for the requests in flight
    log.info("stopped: every request in flight has finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
