"""HK-JS-001: a Node.js server that never handles SIGTERM (or throws it away)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_node import NodeRule, source
from hakobu.checks.targets import NodeSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity, TargetKind

# A module that serves: Node's http/https/http2/net, or a web framework on top of them.
SERVER_MODULE = re.compile(
    r"""(?:require\s*\(\s*|from\s+|import\s+)['"](?:node:)?(?:https?|http2|net|express|fastify"""
    r"""|koa|@hapi/hapi|restify|@nestjs/core|polka|micro)['"]"""
)
START = re.compile(r"\.listen\s*\(|\bBun\.serve\s*\(|\bDeno\.serve\s*\(|\bserver\.start\s*\(")
LISTENS = re.compile(
    r"""\bprocess\s*\.\s*(?:on|once|addListener|prependListener|prependOnceListener)\s*\("""
)
SIGTERM = re.compile(r"""['"`]SIGTERM['"`]""")
# Libraries that install the handler: @godaddy/terminus (signals default to SIGTERM),
# lightship, close-with-grace and http-graceful-shutdown (SIGINT and SIGTERM by default),
# NestJS's enableShutdownHooks().
LIBRARIES = re.compile(
    r"\b(?:createTerminus|createLightship|closeWithGrace|gracefulShutdown|enableShutdownHooks)"
    r"\s*\("
)
IGNORED = re.compile(
    r"""\bprocess\s*\.\s*(?:on|once)\s*\(\s*['"`]SIGTERM['"`]\s*,\s*"""
    r"""(?:\(\s*\)\s*=>\s*\{\s*\}|function\s*\w*\s*\(\s*\)\s*\{\s*\}|\(\s*\)\s*=>\s*(?:undefined|null|void\s+0))"""
)


class SigtermNotHandled(NodeRule):
    id = "HK-JS-001"
    title = "Server does not handle SIGTERM"
    severity = Severity.ERROR
    design_point = DesignPoint.DEMAND_CHANGE
    factor = Factor.IX
    rationale = (
        "ECS stops a task with SIGTERM at every scale-in, deployment and infrastructure event, "
        "then SIGKILLs it after stopTimeout (slides 81-82): the app must stop accepting, "
        "finish what is in flight and exit. Node's http server, Express, Fastify and Koa "
        "install no handler; without one Node dies on the spot, and as PID 1 of a container "
        "it does not even get the signal, so every stop waits the full timeout and ends in "
        "SIGKILL. @godaddy/terminus, lightship, close-with-grace, http-graceful-shutdown and "
        "NestJS's enableShutdownHooks() install one."
    )
    fix = (
        "`process.on('SIGTERM', () => server.close(() => process.exit(0)))` (close keep-alive "
        "connections too: `server.closeIdleConnections()`), or use one of the libraries above."
    )

    def check(self, target: NodeSourceTarget) -> Iterator[Finding]:
        code = source(target).code
        for match in IGNORED.finditer(code):
            yield self.at(
                target, match.start(), "SIGTERM is ignored: ECS can only SIGKILL this app"
            )
        if not SERVER_MODULE.search(code):
            return
        start = START.search(code)
        if start is None or handles_sigterm(code) or IGNORED.search(code):
            return
        if any(_handles(other) for other in _others(target)):
            return
        message = "the server listens until killed and nothing handles SIGTERM: SIGKILL ends it"
        yield self.at(target, start.start() + 1, message)


def handles_sigterm(code: str) -> bool:
    return bool((LISTENS.search(code) and SIGTERM.search(code)) or LIBRARIES.search(code))


def _others(target: NodeSourceTarget) -> Iterator[NodeSourceTarget]:
    """The other sources of the same app: the handler may be installed in another module."""
    app = target.repo.app_directory(target.path)
    for other in target.repo.targets(TargetKind.SOURCE_NODE):
        if not isinstance(other, NodeSourceTarget) or other is target:
            continue
        if other.path.is_relative_to(app):
            yield other


def _handles(target: NodeSourceTarget) -> bool:
    found = source(target)
    if found.handles_sigterm is None:
        found.handles_sigterm = handles_sigterm(found.code)
    return found.handles_sigterm
