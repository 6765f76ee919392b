"""The syntax tree of a CloudWatch Logs filter pattern: built by the parser, read by evaluation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Wildcard(Enum):
    """``*`` in a JSON selector: any array element or any object field."""

    ANY = "*"


WILDCARD = Wildcard.ANY
Step = str | int | Wildcard  # object key, array index, or either


@dataclass(frozen=True, slots=True)
class Text:
    """A string operand. Unless ``glob`` is false, a leading or trailing ``*`` matches any text."""

    value: str
    glob: bool = True


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric operand as written (``text``) and as a value; ``1e+3`` equals ``1000``."""

    value: int | float
    text: str


@dataclass(frozen=True, slots=True)
class Regex:
    """A ``%regex%`` operand, already checked against CloudWatch's subset and compiled;
    ``literals`` and ``pure`` as in filter_regex.CompiledRegex."""

    source: str
    compiled: re.Pattern[str]
    literals: tuple[str, ...] = ()
    pure: bool = False


Value = Text | Number | Regex


@dataclass(frozen=True, slots=True)
class Selector:
    """``$.a.b[0]``: ``text`` as written (the key of extracted values) and its steps."""

    text: str
    steps: tuple[Step, ...]

    @property
    def wildcards(self) -> int:
        return sum(1 for step in self.steps if step is WILDCARD)


@dataclass(frozen=True, slots=True)
class Compare:
    """``target op value``: a JSON selector, or the name of a space-delimited field."""

    target: Selector | str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Check:
    """``IS NULL``, ``IS TRUE``, ``IS FALSE`` or ``NOT EXISTS`` on a JSON selector."""

    target: Selector
    check: str  # "NULL" | "TRUE" | "FALSE" | "NOT EXISTS"


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


Expr = Compare | Check | And | Or


@dataclass(frozen=True, slots=True)
class TermsPattern:
    """Unstructured text: every ``required`` and no ``excluded`` term; ``optional`` (``?term``)
    terms count only when there is nothing else, as the documentation says. ``regex`` is a
    standalone ``%regex%`` pattern. No terms at all matches every event."""

    required: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    regex: Regex | None = None


@dataclass(frozen=True, slots=True)
class JsonPattern:
    expr: Expr


@dataclass(frozen=True, slots=True)
class Field:
    """One comma-separated entry of a space-delimited pattern."""

    name: str | None = None  # None: an unnamed field, extracted as $<position>
    condition: Expr | None = None
    ellipsis: bool = False  # `...`: any number of fields


@dataclass(frozen=True, slots=True)
class SpacePattern:
    fields: tuple[Field, ...]


PatternAst = TermsPattern | JsonPattern | SpacePattern


def selectors_of(expr: Expr) -> list[Selector]:
    """Every JSON selector in ``expr``, in pattern order, once each."""
    found: dict[str, Selector] = {}
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, And | Or):
            stack.extend(reversed(node.items))
        elif isinstance(node.target, Selector):
            found.setdefault(node.target.text, node.target)
    return list(found.values())


def field_names_of(expr: Expr) -> set[str]:
    """The space-delimited field names a condition tests."""
    if isinstance(expr, And | Or):
        return set().union(*(field_names_of(item) for item in expr.items))
    return {expr.target} if isinstance(expr.target, str) else set()
