"""BAD EXAMPLE: a database password written in the code (and in the task definition).

Anyone who can read the repository, the image or the task definition has the password, it is
the same in every environment, and changing it means a new build.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

DB_USER = "aurora"
DB_PASSWORD = "P@ssw0rd!"  # BAD: a secret in source control and in every image layer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "dbUser": DB_USER}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> int:
    # BAD: and then it prints it.
    print(f"connecting as {DB_USER} with password {DB_PASSWORD}", flush=True)
    HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
