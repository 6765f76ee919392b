"""HK-PY-001: a long-running server that never handles SIGTERM (or throws it away)."""

from __future__ import annotations

from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_python import PythonRule
from hakobu.checks.rules.source_python._facts import facts
from hakobu.checks.rules.source_python._servers import (
    container_runs_managed_server,
    handles_sigterm,
    ignores_sigterm,
    unmanaged_start,
)
from hakobu.checks.targets import PythonSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity, TargetKind


class SigtermNotHandled(PythonRule):
    id = "HK-PY-001"
    title = "Server does not handle SIGTERM"
    severity = Severity.ERROR
    design_point = DesignPoint.DEMAND_CHANGE
    factor = Factor.IX
    rationale = (
        "ECS stops a task with SIGTERM at every scale-in, deployment and infrastructure event, "
        "then SIGKILLs it after stopTimeout (slides 81-82). The app must stop accepting work, "
        "finish what is in flight and exit. Python's default is to die on the spot, and as "
        "PID 1 of a container a signal without a handler is not even delivered: every stop "
        "waits the full timeout and ends in SIGKILL, cutting requests and writes. "
        "http.server, Flask's and werkzeug's development server, waitress, bottle, Tornado "
        "and asyncio servers leave SIGTERM to the app; gunicorn, uvicorn, hypercorn, "
        "aiohttp's run_app, Sanic and daphne handle it."
    )
    fix = (
        "Install a handler that stops the server gracefully: "
        "`signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown)"
        ".start())` then `server.server_close()` after serve_forever returns; in asyncio, "
        "`loop.add_signal_handler(signal.SIGTERM, stop.set)`. Or run the app under gunicorn "
        "or uvicorn, which do it. Never `signal.signal(signal.SIGTERM, signal.SIG_IGN)`."
    )

    def check(self, target: PythonSourceTarget) -> Iterator[Finding]:
        found = facts(target)
        for call in ignores_sigterm(found):
            yield self.at(target, call.node, "SIGTERM is ignored: ECS can only SIGKILL this app")
        start = unmanaged_start(found)
        if start is None or handles_sigterm(found) or ignores_sigterm(found):
            return
        if start.in_main and container_runs_managed_server(target.repo):
            return
        if _handled_elsewhere(target):
            return
        message = (
            f"{start.short}() serves until killed and nothing handles SIGTERM: "
            "each stop ends in SIGKILL after stopTimeout"
        )
        yield self.at(target, start.node, message)


def _handled_elsewhere(target: PythonSourceTarget) -> bool:
    """Another module of the same app installs the handler (a `main.py` that imports the
    server module, say). Modules are not linked by imports here: any one of the app will do."""
    repo = target.repo
    app = repo.app_directory(target.path)
    return any(
        isinstance(other, PythonSourceTarget)
        and other is not target
        and other.path.is_relative_to(app)
        and handles_sigterm(facts(other))
        for other in repo.targets(TargetKind.SOURCE_PYTHON)
    )
