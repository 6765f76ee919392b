"""Which events of a run are worth matching against a log group's subscription filters.

The router stores events by runs and the filters pick the few to deliver (an ErrorLog in a
hundred lines). Calling a filter's matcher on every message costs more than storing it, so a
run is first searched as one text for a literal every match contains: only the messages where
it occurs (or that hold a backslash) are matched, through the dispatcher's own ``select``. The
decision stays the filter pattern's; this only skips messages that cannot match.

A literal is taken only where it is sure, for a JSON pattern (``{ $.logType = "ErrorLog" }``):
in JSON without a backslash nothing is escaped, so a selector's key ``k`` is written ``"k"``
and a string compared with ``=`` is written ``"v"``. ``&&`` needs what either side needs, ``||``
what both need. Values that could be numbers or JSON keywords, globs, and anything else give no
literal, and then every message is matched.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence

from hakobu.logs.chunks import pieces
from hakobu.logs.filter_ast import And, Check, Compare, Expr, Or, Selector, Text
from hakobu.logs.filter_pattern import compile_pattern

Select = Callable[[str, Sequence[str]], list[int]]


class CandidateSelect:
    """``select(group, messages)`` (the positions of the messages some filter of ``group``
    matches), called only on the candidates of each run."""

    def __init__(self, select: Select, patterns: Mapping[str, Sequence[str]]) -> None:
        self._select = select
        self._needles = {group: needles_of(texts) for group, texts in patterns.items()}

    def __call__(self, group: str, ends: Sequence[int], text: str) -> list[int]:
        """The positions picked among the messages joined in ``text``, each ending at its
        ``ends``: only the candidates are sliced out of it and matched."""
        needles = self._needles.get(group)
        found = candidates(ends, text, needles) if needles else None
        if found is None:
            return self._select(group, pieces(text, ends, range(len(ends))))
        if not found:
            return []
        picked = self._select(group, pieces(text, ends, found))
        return [found[i] for i in picked]


def needles_of(patterns: Sequence[str]) -> tuple[str, ...] | None:
    """One literal per pattern that every event it matches contains (unescaped), or None when
    some pattern has none."""
    needles = []
    for text in patterns:
        needle = literal_of(text)
        if needle is None:
            return None
        needles.append(needle)
    return tuple(needles)


def literal_of(pattern_text: str) -> str | None:
    pattern = compile_pattern(pattern_text)
    if pattern.kind != "json":
        return None
    required = _required(pattern.ast.expr)  # type: ignore[union-attr]
    return max(sorted(required), key=len) if required else None


def candidates(ends: Sequence[int], text: str, needles: Sequence[str]) -> list[int] | None:
    """The positions of the messages joined in ``text`` (each ending at its ``ends``) that hold
    one of ``needles`` or a backslash, in order; None when they are so many that matching
    every message is as cheap."""
    most = len(ends) // 4 + 1
    found: set[int] = set()
    for needle in (*needles, "\\"):
        start = text.find(needle)
        while start >= 0:
            index = bisect_right(ends, start)
            found.add(index)
            if len(found) > most:
                return None
            # One find per message is enough: go on from the next one.
            start = text.find(needle, ends[index]) if index + 1 < len(ends) else -1
    return sorted(found)


def _required(expr: Expr) -> set[str]:
    if isinstance(expr, And):
        return set().union(*(_required(item) for item in expr.items))
    if isinstance(expr, Or):
        return set.intersection(*(_required(item) for item in expr.items))
    if not isinstance(expr.target, Selector):
        return set()
    if isinstance(expr, Check):
        return set() if expr.check == "NOT EXISTS" else _keys(expr.target)
    if isinstance(expr, Compare) and expr.op == "=":
        return _keys(expr.target) | _string(expr.value)
    return set()


def _keys(selector: Selector) -> set[str]:
    return {f'"{step}"' for step in selector.steps if type(step) is str and _plain(step)}


def _string(value: object) -> set[str]:
    if not isinstance(value, Text) or not _plain(value.value) or "*" in value.value:
        return set()
    text = value.value
    if text.lower() in ("true", "false", "null") or _number(text):
        return set()  # compared with a JSON number or keyword, it is not written in quotes
    return {f'"{text}"'}


def _plain(text: str) -> bool:
    """Written in JSON as it is: no quote, backslash or control character."""
    return bool(text) and '"' not in text and "\\" not in text and text.isprintable()


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return set(text) <= _NUMBER_TEXT
    return True


_NUMBER_TEXT = frozenset("0123456789.+-eE")
