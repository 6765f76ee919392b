"""HK-JS-003: logs written to a file in the container instead of to stdout."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_node import NodeRule, source
from hakobu.checks.targets import NodeSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

PATTERNS = (
    (re.compile(r"\btransports\s*\.\s*File\s*\("), "winston's File transport writes to a file"),
    (re.compile(r"\bnew\s+DailyRotateFile\s*\("), "winston-daily-rotate-file writes to files"),
    (
        re.compile(r"""\bpino\s*\.\s*destination\s*\(\s*(?:['"`]|\{[^}]*\bdest\s*:\s*['"`])"""),
        "pino.destination() with a path writes to a file",
    ),
    (
        re.compile(r"""\btarget\s*:\s*['"]pino/file['"][^}]*\bdestination\s*:\s*['"`]"""),
        "pino's pino/file transport writes to a file",
    ),
    (
        re.compile(r"""\btype\s*:\s*['"](?:file|dateFile|fileSync|multiFile)['"]"""),
        "a log4js file appender writes to a file",
    ),
    (
        re.compile(r"""\bstreams\s*:\s*\[[^\]]*\bpath\s*:"""),
        "a bunyan stream with a path writes to a file",
    ),
    (
        re.compile(r"""\bcreateWriteStream\s*\(\s*[^,)]*log""", re.IGNORECASE),
        "fs.createWriteStream() writes a log file",
    ),
    (
        re.compile(r"""\bappendFile(?:Sync)?\s*\(\s*[^,)]*log""", re.IGNORECASE),
        "fs.appendFile() writes a log file",
    ),
)


class LogToFile(NodeRule):
    id = "HK-JS-003"
    title = "Logs written to a file"
    severity = Severity.ERROR
    design_point = DesignPoint.LOGGING
    factor = Factor.XI
    rationale = (
        "In a container the log is a stream on stdout, which ECS sends to CloudWatch Logs or "
        "FireLens (slides 66-68). A log file lives in the task's filesystem and is gone when "
        "the task stops at scale-in, a deployment or a failure, which is when it is needed."
    )
    fix = (
        "Log to stdout: winston's `transports.Console`, pino's default destination, "
        "`console.log(JSON.stringify({...}))`; one JSON object per line with a field to filter "
        "errors on (slide 87); the task definition's logConfiguration ships it."
    )

    def check(self, target: NodeSourceTarget) -> Iterator[Finding]:
        code = source(target).code
        for pattern, what in PATTERNS:
            for match in pattern.finditer(code):
                message = f"{what}: the log goes with the task"
                yield self.at(target, match.start(), message)
