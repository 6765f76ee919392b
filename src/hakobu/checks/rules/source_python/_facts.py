"""One walk over a Python module: its calls with their names resolved through its imports, the
module-level constants, and the tests of its ``if`` statements. Cached per target, so every
Python rule reads the same walk."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field

from hakobu.checks.targets import PythonSourceTarget


@dataclass(frozen=True)
class Call:
    node: ast.Call
    name: str  # dotted, imports resolved: "logging.handlers.RotatingFileHandler", "app.run"
    in_main: bool  # under `if __name__ == "__main__":`

    @property
    def last(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def short(self) -> str:
        """The callee as written (``server.serve_forever``, ``Rotating``); a chained call by
        its last name only (``HTTPServer(...).serve_forever``: ``serve_forever``)."""
        func = self.node.func
        text = ast.unparse(func)
        if "(" not in text and len(text) <= 40:
            return text
        return func.attr if isinstance(func, ast.Attribute) else self.last

    def keyword(self, name: str) -> ast.expr | None:
        return next((k.value for k in self.node.keywords if k.arg == name), None)

    def arg(self, index: int) -> ast.expr | None:
        args = self.node.args
        return args[index] if index < len(args) else None


@dataclass
class Facts:
    imports: set[str] = field(default_factory=set)  # top-level modules: "flask", "signal"
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted name
    calls: list[Call] = field(default_factory=list)
    constants: dict[str, object] = field(default_factory=dict)  # module-level NAME = literal
    tests: list[ast.expr] = field(default_factory=list)  # if/elif/while/ternary/assert tests
    matches: list[ast.Match] = field(default_factory=list)
    sigterm: list[ast.expr] = field(default_factory=list)  # every `SIGTERM` (name or attribute)
    strings: list[ast.Constant] = field(default_factory=list)  # string literals, for rules to scan
    assignments: list[ast.Assign] = field(default_factory=list)

    def dotted(self, node: ast.AST) -> str | None:
        """``a.b.c`` for Name/Attribute chains (calls in the chain as ``f()``), aliases resolved."""
        parts: list[str] = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Call):
                node = node.func
            elif isinstance(node, ast.Name):
                parts.append(self.aliases.get(node.id, node.id))
                return ".".join(reversed(parts))
            else:
                return None

    # Conclusions rules share, computed once (by _servers): SIGTERM handled in this module.
    handles_sigterm: bool | None = None

    def uses(self, *modules: str) -> bool:
        return any(module in self.imports for module in modules)


_CACHE: weakref.WeakKeyDictionary[PythonSourceTarget, Facts] = weakref.WeakKeyDictionary()


def facts(target: PythonSourceTarget) -> Facts:
    found = _CACHE.get(target)
    if found is None:
        found = _walk(target.tree)
        _CACHE[target] = found
    return found


def _walk(tree: ast.Module) -> Facts:
    result = Facts()
    for statement in tree.body:
        _constant(result, statement)
    main_ranges = [_span(s) for s in tree.body if _is_main_guard(s)]
    pending: list[ast.Call] = []
    for node in _nodes(tree):
        _record(result, node, pending)
    pending.sort(key=lambda call: (call.lineno, call.col_offset))  # in the order written
    for call in pending:  # after the walk: every import is known, wherever it was written
        name = result.dotted(call.func)
        if name is not None:
            in_main = any(low <= call.lineno <= high for low, high in main_ranges)
            result.calls.append(Call(call, name, in_main))
    return result


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, as ast.walk gives them but in another order and about twice as fast (no
    generator per node): the walk is most of what Python rules cost on a large repository."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                stack.extend([item for item in value if isinstance(item, ast.AST)])
            elif isinstance(value, ast.AST):
                stack.append(value)


def _record(result: Facts, node: ast.AST, pending: list[ast.Call]) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            result.imports.add(alias.name.split(".")[0])
            local = alias.asname or alias.name.split(".")[0]
            result.aliases[local] = alias.name if alias.asname else local
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        result.imports.add(node.module.split(".")[0])
        for alias in node.names:
            result.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    elif isinstance(node, ast.Call):
        pending.append(node)
    elif isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
        result.tests.append(node.test)
    elif isinstance(node, ast.Match):
        result.matches.append(node)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        result.strings.append(node)
    elif isinstance(node, ast.Assign):
        result.assignments.append(node)
    if (isinstance(node, ast.Name) and node.id == "SIGTERM") or (
        isinstance(node, ast.Attribute) and node.attr == "SIGTERM"
    ):
        result.sigterm.append(node)


def _constant(result: Facts, node: ast.stmt) -> None:
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
        for target in node.targets:
            if isinstance(target, ast.Name):
                result.constants[target.id] = node.value.value
    elif (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.target, ast.Name)
    ):
        result.constants[node.target.id] = node.value.value


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _span(node: ast.stmt) -> tuple[int, int]:
    return node.lineno, node.end_lineno or node.lineno


def literal_int(node: ast.expr | None, constants: dict[str, object]) -> int | None:
    """A port written as a literal: ``8080``, ``"8080"``, or a module constant holding one."""
    value: object
    if isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        value = constants[node.id]
    else:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def string_constants(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value
