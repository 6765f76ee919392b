"""HK-PY-002: the server listens on a port written in the code, not one from the environment."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_python import PythonRule
from hakobu.checks.rules.source_python._facts import Call, Facts, facts, literal_int
from hakobu.checks.targets import PythonSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

# Calls that listen, and where their port is: (keyword, position) or the (host, port) tuple.
PORT_ARGUMENT = {
    "run": ("port", 1),  # Flask, Sanic, bottle: app.run(host, port)
    "run_app": ("port", None),  # aiohttp
    "serve": ("port", None),  # waitress
    "run_simple": ("port", 1),  # werkzeug
    "make_server": ("port", 1),  # wsgiref
    "start_server": ("port", 2),  # asyncio
    "create_server": ("port", 2),  # asyncio loop
}
SERVER_CLASSES = frozenset(
    {"HTTPServer", "ThreadingHTTPServer", "TCPServer", "ThreadingTCPServer", "ForkingTCPServer"}
    | {"WSGIServer", "UDPServer", "ThreadingUDPServer"}
)
UVICORN_LIKE = ("uvicorn", "hypercorn")
_BIND = re.compile(r":(\d{2,5})$")


class HardcodedPort(PythonRule):
    id = "HK-PY-002"
    title = "Listen port written in the code"
    severity = Severity.WARNING
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.VII
    rationale = (
        "The app is self-contained and binds the port it is given (port binding, slide 60): "
        "the task definition maps containerPort, ECS and the load balancer route to it, and "
        "locally the same container runs on whatever port is free. A port written in the "
        "code ties the image to one mapping and drifts from the task definition."
    )
    fix = (
        'Read it from the environment: `port = int(os.environ["PORT"])` and set PORT in the '
        "task definition's environment, next to containerPort."
    )

    def check(self, target: PythonSourceTarget) -> Iterator[Finding]:
        found = facts(target)
        for call in found.calls:
            port = _literal_port(found, call)
            if port:  # 0 asks the system for a free port: nothing is tied to it
                message = f"{call.short}() listens on {port}, written in the code; read PORT"
                yield self.at(target, call.node, message)
        yield from self._binds(target, found)

    def _binds(self, target: PythonSourceTarget, found: Facts) -> Iterator[Finding]:
        """hypercorn's `config.bind = ["0.0.0.0:8000"]`."""
        if not found.uses("hypercorn"):
            return
        for assign in found.assignments:
            if any(isinstance(t, ast.Attribute) and t.attr == "bind" for t in assign.targets):
                for item in ast.walk(assign.value):
                    if isinstance(item, ast.Constant) and isinstance(item.value, str):
                        match = _BIND.search(item.value)
                        if match:
                            message = f"binds {item.value}, a port written in the code; read PORT"
                            yield self.at(target, assign, message)


def _literal_port(found: Facts, call: Call) -> int | None:
    if call.last in SERVER_CLASSES or call.last == "bind":
        address = call.arg(0)
        if isinstance(address, ast.Tuple) and len(address.elts) >= 2:
            return literal_int(address.elts[1], found.constants)
        return None
    if call.last == "Config" and call.name.split(".")[0] in UVICORN_LIKE:
        return literal_int(call.keyword("port"), found.constants)
    if call.last == "listen" and found.uses("tornado"):
        return literal_int(call.arg(0), found.constants)
    if call.last in ("add_insecure_port", "add_secure_port"):
        address = call.arg(0)
        if isinstance(address, ast.Constant) and isinstance(address.value, str):
            match = _BIND.search(address.value)
            return int(match[1]) if match else None
        return None
    spec = PORT_ARGUMENT.get(call.last)
    if spec is None or not _is_server_call(found, call):
        return None
    keyword, position = spec
    value = call.keyword(keyword)
    if value is None and position is not None:
        value = call.arg(position)
    return literal_int(value, found.constants)


def _is_server_call(found: Facts, call: Call) -> bool:
    """`run`, `serve`, ... are common names: only from a server library this module imports."""
    root = call.name.split(".")[0]
    if call.last == "run":
        return root == "uvicorn" or (found.uses("flask", "sanic", "bottle") and root != "asyncio")
    if call.last == "serve":
        return root == "waitress"
    if call.last == "run_app":
        return found.uses("aiohttp")
    return call.last in ("run_simple", "make_server", "start_server", "create_server")
