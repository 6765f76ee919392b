"""Python source rules: what the app's code does about the talk's practices, read from its AST.

``PythonRule`` is the family's base; ``facts(target)`` (``_facts.py``) walks a module once and
lists the calls, imports and comparisons the rules ask about, with names resolved through the
module's imports (``from logging.handlers import RotatingFileHandler as R``: ``R(...)`` is
``logging.handlers.RotatingFileHandler``). Names are resolved within the module only: a call
through a variable, another module or ``getattr`` is not followed.
"""

from __future__ import annotations

import ast

from hakobu.checks.rule import Finding, Rule
from hakobu.checks.targets import PythonSourceTarget
from hakobu.checks.taxonomy import TargetKind


class PythonRule(Rule[PythonSourceTarget]):
    targets = (TargetKind.SOURCE_PYTHON,)

    def at(self, target: PythonSourceTarget, node: ast.AST, message: str) -> Finding:
        line = getattr(node, "lineno", None)
        column = getattr(node, "col_offset", None)
        return self.finding(
            target, message, line=line, column=None if column is None else column + 1
        )
