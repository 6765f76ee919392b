"""HK-PY-003: logs written to a file in the container instead of to stdout."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_python import PythonRule
from hakobu.checks.rules.source_python._facts import Call, Facts, facts
from hakobu.checks.targets import PythonSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

FILE_HANDLERS = frozenset(
    {"FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler"}
)
_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"})


class LogToFile(PythonRule):
    id = "HK-PY-003"
    title = "Logs written to a file"
    severity = Severity.ERROR
    design_point = DesignPoint.LOGGING
    factor = Factor.XI
    rationale = (
        "In a container the log is a stream on stdout, which ECS sends to CloudWatch Logs or "
        "FireLens (slides 66-68). A log file lives in the task's filesystem and is gone when "
        "the task stops at scale-in, a deployment or a failure, which is when it is needed; "
        "it also keeps the root filesystem from being read-only."
    )
    fix = (
        "Log to stdout: `logging.basicConfig(stream=sys.stdout, ...)` or "
        "`logging.StreamHandler(sys.stdout)`, one JSON object per line with a field to filter "
        "errors on (slide 87), and let the task definition's logConfiguration ship it."
    )

    def check(self, target: PythonSourceTarget) -> Iterator[Finding]:
        found = facts(target)
        for call in found.calls:
            problem = _file_logging(found, call)
            if problem:
                yield self.at(target, call.node, f"{problem}: the log file goes with the task")
        for constant in found.strings:
            value = str(constant.value)
            if value.startswith("logging.") and value.rsplit(".", 1)[-1] in FILE_HANDLERS:
                yield self.at(target, constant, f"logging config uses {value}")


def _file_logging(found: Facts, call: Call) -> str | None:
    module = call.name.rsplit(".", 1)[0]
    if call.last in FILE_HANDLERS and module in ("logging", "logging.handlers"):
        return f"{call.short}() writes the log to a file"
    if call.name == "logging.basicConfig" and call.keyword("filename") is not None:
        return "logging.basicConfig(filename=...) writes the log to a file"
    if call.name == "loguru.logger.add" and _is_path(found, call.arg(0)):
        return "loguru's logger.add() with a path writes the log to a file"
    if call.last in ("WriteLoggerFactory", "PrintLoggerFactory") and found.uses("structlog"):
        sink = call.keyword("file")
        if isinstance(sink, ast.Call) and found.dotted(sink.func) == "open":
            return f"structlog's {call.last}(file=open(...)) writes the log to a file"
    return None


def _is_path(found: Facts, node: ast.expr | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return True
    name = found.dotted(node)
    return name is not None and (name.startswith(("pathlib.Path", "Path")) or name in ("open",))
