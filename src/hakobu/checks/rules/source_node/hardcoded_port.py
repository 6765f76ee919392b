"""HK-JS-002: the server listens on a port written in the code, not one from the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_node import NodeRule, source
from hakobu.checks.targets import NodeSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

_PORT = r"(\d{2,5})\b"
LITERAL = re.compile(
    rf"\.listen\s*\(\s*{_PORT}"  # app.listen(3000)
    rf"|\.listen\s*\(\s*\{{[^}}]*?\bport\s*:\s*{_PORT}"  # fastify.listen({ port: 3000 })
    rf"|\b(?:serve|[Ss]erver)\s*\(\s*\{{[^}}]*?\bport\s*:\s*{_PORT}"  # Bun.serve, Hapi.server
    rf"""|\.set\s*\(\s*['"]port['"]\s*,\s*{_PORT}"""  # app.set('port', 3000)
)
BY_NAME = re.compile(r"\.listen\s*\(\s*([A-Za-z_$][\w$]*)\s*[,)]")


class HardcodedPort(NodeRule):
    id = "HK-JS-002"
    title = "Listen port written in the code"
    severity = Severity.WARNING
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.VII
    rationale = (
        "The app binds the port it is given (port binding, slide 60): the task definition "
        "maps containerPort and ECS and the load balancer route to it. A port written in the "
        "code ties the image to one mapping and drifts from the task definition."
    )
    fix = (
        "Read it from the environment: `app.listen(Number(process.env.PORT))`, with PORT set "
        "in the task definition next to containerPort."
    )

    def check(self, target: NodeSourceTarget) -> Iterator[Finding]:
        code = source(target).code
        for match in LITERAL.finditer(code):
            port = next(group for group in match.groups() if group)
            yield self.at(
                target,
                match.start(),
                f"listens on {port}, written in the code; read process.env.PORT",
            )
        for match in BY_NAME.finditer(code):
            name = match[1]
            constant = re.search(
                rf"\b(?:const|let|var)\s+{re.escape(name)}\s*(?::\s*\w+\s*)?=\s*{_PORT}\s*[;\n]",
                code,
            )
            if constant:
                message = (
                    f"listens on {name} = {constant[1]}, written in the code; read process.env.PORT"
                )
                yield self.at(target, match.start(), message)
