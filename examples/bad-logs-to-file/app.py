"""BAD EXAMPLE: logs go to a file inside the container, not to stdout.

When ECS stops or replaces the task (scale-in, deployment, a failed host), the file goes with it,
and CloudWatch Logs never sees a line. Also plain text: no logType to filter errors on.
"""

import logging
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

LOG_FILE = "/app/logs/app.log"  # BAD: a file in the container's writable layer

logging.basicConfig(
    filename=LOG_FILE,
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(message)s",
)
log = logging.getLogger("app")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s - %s", self.address_string(), format % args)


def main() -> int:
    server = HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    log.info("listening on %s", os.environ["PORT"])
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
