"""HK-PY-005: code that branches on the name of the environment it runs in."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hakobu.checks.rule import Finding
from hakobu.checks.rules.source_python import PythonRule
from hakobu.checks.rules.source_python._envnames import ENVIRONMENT_NAMES, names_environment
from hakobu.checks.rules.source_python._facts import Facts, facts
from hakobu.checks.targets import PythonSourceTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity

_COMPARE = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
_ENVIRON = frozenset({"os.environ.get", "os.getenv", "os.environ.__getitem__"})


class EnvironmentBranching(PythonRule):
    id = "HK-PY-005"
    title = "Code branches on the environment's name"
    severity = Severity.WARNING
    design_point = DesignPoint.RELEASE_FLOW
    factor = Factor.X
    rationale = (
        "Keep environments alike: the code carries no logic that behaves differently per "
        'environment (slides 62-63). `if ENV == "production"` runs code in production that '
        "staging never ran, so what was verified is not what is released. What differs "
        "between environments is configuration, given to the same image by the environment "
        "(slide 73)."
    )
    fix = (
        "Turn the branch into the setting it stands for, read from the environment "
        "(`SEND_EMAILS=true`, `PAYMENT_API_URL=...`), set per environment in the task "
        "definition or hakobu.toml, and keep one code path."
    )

    def check(self, target: PythonSourceTarget) -> Iterator[Finding]:
        found = facts(target)
        for test in found.tests:
            for node in ast.walk(test):
                if isinstance(node, ast.Compare):
                    subject = _environment_compare(found, node)
                    if subject:
                        message = f"branches on {subject}: the same code must run everywhere"
                        yield self.at(target, node, message)
        for match in found.matches:
            subject = _subject(found, match.subject)
            if subject and any(_names_env(case.pattern) for case in match.cases):
                message = f"matches on {subject}: the same code must run everywhere"
                yield self.at(target, match, message)


def _environment_compare(found: Facts, node: ast.Compare) -> str | None:
    if not all(isinstance(op, _COMPARE) for op in node.ops):
        return None
    sides = [node.left, *node.comparators]
    if not any(_literal_env(side) for side in sides):
        return None
    return next((s for s in map(lambda side: _subject(found, side), sides) if s), None)


def _literal_env(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.lower() in ENVIRONMENT_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_literal_env(item) for item in node.elts)
    return False


def _subject(found: Facts, node: ast.expr) -> str | None:
    """What names the environment: `ENV`, `settings.STAGE`, `os.environ["APP_ENV"]`, ..."""
    if isinstance(node, ast.Call) and node.args:
        call = found.dotted(node.func)
        key = node.args[0]
        if call in _ENVIRON and isinstance(key, ast.Constant) and isinstance(key.value, str):
            return f"{call}({key.value!r})" if names_environment(key.value) else None
        return None
    if isinstance(node, ast.Subscript):
        key = node.slice
        if found.dotted(node.value) == "os.environ" and isinstance(key, ast.Constant):
            value = str(key.value)
            return f"os.environ[{value!r}]" if names_environment(value) else None
        return None
    name = found.dotted(node)
    if name and names_environment(name.rsplit(".", 1)[-1]):
        return name
    return None


def _names_env(pattern: ast.pattern) -> bool:
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchValue) and _literal_env(node.value):
            return True
    return False
