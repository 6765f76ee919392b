"""Literals every matching event must contain, derived from the syntax tree: a cheap refusal before
the expensive part (``json.loads``, splitting into fields) for most events that cannot match.

The semantics stay the parser's and the evaluator's; this only skips work, so it must never
refuse an event that would match. Why each rule is sound:

- A space-delimited field is a piece of the event, so the text a condition requires of a field
  (an exact string, or the part of a glob around its ``*``) is in the event.
- In JSON without a backslash, no string is escaped, so a key ``k`` is written ``"k"`` and a
  string value ``v`` is written ``"v"``. An event with a backslash skips the pre-filter.
- Numbers are left out: ``1e3`` equals ``1000``, and a string literal that could be a number's
  text (``"3.0"`` equals ``3e0``) is left out too.
- ``&&`` needs what each side needs; ``||`` only what every side needs.
- A space-delimited field starts where the event does, after a space, after the ``"`` or ``[``
  that opens it, or right after the ``"`` or ``]`` that closes the field before it; it ends where
  the event does, before a space, or before the ``"`` or ``]`` that closes it. So the text an
  exact condition requires is at such a start and such an end, and ``ERR*`` has ``ERR`` at such
  a start: a digit that is only ever inside a word (``worker-5``) cannot begin ``[..., code = 5*]``.
- A field after ``...`` is counted from the end: exactly as many fields follow it as the pattern
  has after it. From where a field starts, the event's fields are the tokenizer's (a regex of
  atomic runs reads them as filter_space does), so the text found there must be followed by the
  rest of its field and then that many fields: ``5*`` at the start of a JSON value in the middle
  of a line is not the last field but one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from hakobu.logs.filter_ast import (
    And,
    Check,
    Compare,
    Expr,
    Field,
    Or,
    Selector,
    Text,
    selectors_of,
)

# Characters a number's text can hold (repr of int and float, inf and nan included).
_NUMBER_TEXT = frozenset("0123456789.+-eEinfa")


def json_literals(expr: Expr) -> frozenset[str]:
    return _required(expr, _json_leaf)


def space_literals(fields: Iterable[Field]) -> frozenset[str]:
    needed: set[str] = set()
    for field in fields:
        if field.condition is not None:
            needed |= _required(field.condition, _space_leaf)
    return frozenset(needed)


def space_refusal(fields: Sequence[Field]) -> Callable[[str], bool] | None:
    """A test that is true for an event no space-delimited pattern with these fields can match:
    it lacks a text a condition requires (space_literals), or lacks it at a field's start or end
    where the condition requires it there (the longest such text, by a regex), or at that
    field's place: so many fields before it, or after it when it follows ``...``. None when no
    condition requires a text. filter_space inlines its parts (space_refusal_parts)."""
    parts = space_refusal_parts(fields)
    if parts is None:
        return None
    first, second, third, find, _ = parts
    if find is None:
        return lambda message: first not in message or second not in message or third not in message
    return lambda message: (
        first not in message
        or second not in message
        or third not in message
        or find(message) is None
    )


Finder = Callable[[str], "re.Match[str] | None"]
Refusal = tuple[str, str, str, Finder | None, "AnchoredField | None"]


def space_refusal_parts(fields: Sequence[Field]) -> Refusal | None:
    """space_refusal's parts: texts the event must hold, the longest first (a substring test
    refuses most events for less than the regex costs; "" where there are fewer, which every
    event holds), and what finds the longest text a condition requires at a field's start or
    end, at the field's place (None when no condition requires one there), and that text with
    where (_anchored_texts). None when no condition requires a text."""
    literals = space_literals(fields)
    anchored = _anchored_texts(fields)
    if not literals and not anchored:
        return None
    ordered = sorted(literals, key=lambda literal: (-len(literal), literal))
    if not anchored:
        first, second, third = (*ordered[:3], "", "", "")[:3]
        return first, second, third, None, None
    longest = max(anchored, key=lambda a: (len(a[0]), a[1] + a[2], a[0], a[3]))
    literal, start, end, place = longest
    find = _anchored_finder(re.escape(literal), start, end, place)
    first, second = (*ordered[:2], "", "")[:2]
    return first, second, "", find, longest


# One field as filter_space reads it: the first that fits of a quoted run, a bracketed run and a
# word, never read otherwise (atomic), so a regex of them reads the fields the tokenizer reads.
_FIELD_RUN = r'(?>"[^"]*+"|\[[^\]]*+\]|\S++)'


def _anchored_texts(fields: Sequence[Field]) -> set[AnchoredField]:
    """Every text a condition requires at a field's start or end, with the field's place: the
    number of fields before it (0 or more), or when it follows ``...``, -1 minus the number of
    fields after it."""
    ellipsis = next((i for i, field in enumerate(fields) if field.ellipsis), None)
    found: set[AnchoredField] = set()
    for position, field in enumerate(fields):
        if field.condition is None:
            continue
        place = position if ellipsis is None or position < ellipsis else position - len(fields)
        found |= {(*text, place) for text in _required(field.condition, _anchored_leaf)}
    return found


def _anchored_finder(
    escaped: str, start: bool, end: bool, place: int
) -> Callable[[str], re.Match[str] | None]:
    """What finds the text (a regex, escaped) where a field starts or ends, at the field's
    place. A field counted from the start with the text at its start: the fields before
    it, then, after the quote or bracket that may open it, the text (one anchored match). Else
    the text is looked for first, so that the regex engine scans for it, and the boundaries are
    checked around each occurrence; a lookbehind that does not fit (the event's start) is a
    start. A field after ``...``: then the rest of it and the fields after it (_tail)."""
    boundary = r'(?![^\s"\]])' if end else ""
    if start and place >= 0:
        regex = r"\s*+" + rf"(?:{_FIELD_RUN}\s*+)" * place + r'["\[]?' + escaped + boundary
        return re.compile(regex).match
    regex = escaped + (rf'(?<![^\s"\[\]]{escaped})' if start else "") + boundary
    if place < 0:
        regex += _tail(escaped, end, -1 - place)
    return re.compile(regex).search


def _tail(escaped: str, end: bool, after: int) -> str:
    """The rest of a regex that found the text at a field's start or end: the rest of that
    field, then exactly ``after`` fields to the event's end. The field holding a text at its
    start is a quoted run when a quote opens it, a bracketed run when a bracket does, else the
    word to the next space; one holding it at its end ends there, or with the quote or bracket
    that closes it. From there on, the fields are read as the tokenizer reads them: in
    ``[..., code = 5*, bytes]``, a 5 starting a JSON value in the middle of a line is refused."""
    if end:
        field_rest = r'["\]]?+'
    else:
        field_rest = rf'(?:(?<="{escaped})[^"]*+"|(?<=\[{escaped})[^\]]*+\]|\S*+)'
    return field_rest + r"\s*+" + rf"(?:{_FIELD_RUN}\s*+)" * after + r"\Z"


def json_keys(expr: Expr) -> frozenset[str]:
    """The keys of every selector, as json_literals writes them."""
    return frozenset().union(*(_keys(selector) for selector in selectors_of(expr)))


def lacks_any(
    literals: frozenset[str], common: frozenset[str] = frozenset()
) -> Callable[[str], bool] | None:
    """A test that is true when the event lacks one of ``literals``; None when there are none.
    The ``common`` ones (likely in most events) are looked for last."""
    if not literals:
        return None
    # The longest is usually the rarest; three scans are enough to refuse most events.
    ordered = sorted(literals, key=lambda literal: (literal in common, -len(literal), literal))[:3]
    first = ordered[0]
    if len(ordered) == 1:
        return lambda message: first not in message
    second = ordered[1]
    if len(ordered) == 2:
        return lambda message: first not in message or second not in message
    third = ordered[2]
    return lambda message: first not in message or second not in message or third not in message


Anchored = tuple[str, bool, bool]  # text, at a field's start, at a field's end
AnchoredField = tuple[str, bool, bool, int]  # and the field's place (_anchored_texts)
T = TypeVar("T")


def _required(expr: Expr, leaf: Callable[[Compare | Check], set[T]]) -> frozenset[T]:
    if isinstance(expr, And):
        return frozenset().union(*(_required(item, leaf) for item in expr.items))
    if isinstance(expr, Or):
        return frozenset.intersection(*(_required(item, leaf) for item in expr.items))
    return frozenset(leaf(expr))


def _json_leaf(node: Compare | Check) -> set[str]:
    assert isinstance(node.target, Selector)
    if isinstance(node, Check):
        if node.check == "NOT EXISTS":
            return set()
        return _keys(node.target) | {node.check.lower()}  # null, true, false: never escaped
    needed = _keys(node.target)  # every comparison needs the field to exist
    if node.op == "=" and isinstance(node.value, Text):
        needed |= _text_literal(node.value, quote='"', json=True)
    return needed


def _keys(selector: Selector) -> set[str]:
    return {f'"{step}"' for step in selector.steps if type(step) is str}


def _space_leaf(node: Compare | Check) -> set[str]:
    if isinstance(node, Compare) and node.op == "=" and isinstance(node.value, Text):
        return _text_literal(node.value, quote="", json=False)
    return set()


def _text_literal(value: Text, *, quote: str, json: bool) -> set[str]:
    text = value.value
    core = text.strip("*")
    if not core or '"' in core or "\\" in core:
        return set()
    if json and set(core) <= _NUMBER_TEXT:
        return set()  # a number's text compares too, and it may be written otherwise
    leading = quote if not text.startswith("*") else ""
    trailing = quote if not text.endswith("*") else ""
    return {leading + core + trailing}


def _anchored_leaf(node: Compare | Check) -> set[Anchored]:
    if not (isinstance(node, Compare) and node.op == "=" and isinstance(node.value, Text)):
        return set()
    text = node.value.value
    if not node.value.glob:
        return {(text, True, True)} if text else set()
    core = text.strip("*")
    start, end = not text.startswith("*"), not text.endswith("*")
    if not core or not (start or end):
        return set()  # *x* is anywhere in a field: lacks_any covers it
    return {(core, start, end)}
