"""Space-delimited patterns: split an event into fields and bind them to the pattern's fields.

The documentation's rules: fields are separated by spaces; the characters between ``[]`` or
``""`` are one field (without the brackets or quotes); ``...`` stands for any number of fields.
Without an ellipsis the last field takes the rest of the event: that is why ``[w1=ERROR, w2]``
matches every event whose first word is ERROR, and why the documentation says a blank ``w2``
must follow ``w1=ERROR``.
"""

from __future__ import annotations

import re
from itertools import islice

from hakobu.logs.filter_ast import Check, Compare, Field, SpacePattern
from hakobu.logs.filter_eval import Test, expr_test, field_test
from hakobu.logs.filter_prefilter import lacks_any, space_literals

# A quoted or bracketed run is one field; an unterminated one is an ordinary word.
_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')


def _leaf(node: Compare | Check) -> Test:
    assert isinstance(node, Compare)  # the parser builds no IS / NOT EXISTS in brackets
    return field_test(node.op, node.value)


class SpaceMatcher:
    """Matches and extracts for one space-delimited pattern."""

    def __init__(self, ast: SpacePattern) -> None:
        fields = ast.fields
        ellipsis = next((i for i, field in enumerate(fields) if field.ellipsis), None)
        self.fields = fields
        self.prefix: tuple[Field, ...]
        self.suffix: tuple[Field, ...]
        self.rest: tuple[Field, ...]  # the last field, taking the rest of the event, if any
        if ellipsis is None:
            self.prefix, self.suffix, self.rest = fields[:-1], (), fields[-1:]
        else:
            self.prefix, self.suffix, self.rest = fields[:ellipsis], fields[ellipsis + 1 :], ()
        self.needed = len(self.prefix) + len(self.suffix) + len(self.rest)
        # Where each tested field is among the event's fields: counted from the start before
        # the ellipsis, from the end (a negative index) after it.
        self.tests = [
            (index, expr_test(field.condition, _leaf))
            for index, field in enumerate(self.prefix)
            if field.condition is not None
        ] + [
            (index - len(self.suffix), expr_test(field.condition, _leaf))
            for index, field in enumerate(self.suffix)
            if field.condition is not None
        ]
        condition = self.rest[0].condition if self.rest else None
        self.rest_test = None if condition is None else expr_test(condition, _leaf)
        self.lacks = lacks_any(space_literals(fields))

    def matches(self, message: str) -> bool:
        if self.lacks is not None and self.lacks(message):
            return False  # a field is a piece of the event: what a condition needs is in it
        tokens = None
        if self.rest_test is None and ('"' in message or "[" in message):
            # Splitting around quotes and brackets is the slow part: split only where needed.
            tokens = edge_fields(message, len(self.prefix), len(self.suffix))
        if tokens is None:
            tokens = split_fields(message)
            if len(tokens) < self.needed:
                return False
        for index, test in self.tests:
            if not test(tokens[index]):
                return False
        return self.rest_test is None or self.rest_test(self._rest_value(message, tokens))

    def _rest_value(self, message: str, tokens: list[str]) -> str:
        """The last field's value: the last event field, or all the event from there on."""
        if len(tokens) == self.needed:
            return tokens[-1]
        return _rest(message, len(self.prefix))

    def extract(self, message: str) -> dict[str, str] | None:
        """``$name`` for named fields, ``$N`` (1-based) for unnamed ones and what ``...`` takes."""
        if not self.matches(message):
            return None
        tokens = split_fields(message)
        count, prefix = len(tokens), len(self.prefix)
        values: dict[str, str] = {}
        for position, field in enumerate(self.prefix, start=1):
            values[_key(field, position)] = tokens[position - 1]
        if self.rest:
            values[_key(self.rest[0], prefix + 1)] = self._rest_value(message, tokens)
            return values
        first_suffix = count - len(self.suffix)
        for position in range(prefix + 1, first_suffix + 1):
            values[f"${position}"] = tokens[position - 1]
        for offset, field in enumerate(self.suffix):
            values[_key(field, first_suffix + offset + 1)] = tokens[first_suffix + offset]
        return values


def _key(field: Field, position: int) -> str:
    return f"${field.name}" if field.name else f"${position}"


def split_fields(message: str) -> list[str]:
    """The event's fields, without the quotes or brackets that make a run one field."""
    if '"' not in message and "[" not in message:
        return message.split()  # the common case, ten times faster than the regex
    return [word or quoted or bracketed for quoted, bracketed, word in _FIELD.findall(message)]


def edge_fields(message: str, first: int, last: int) -> list[str] | None:
    """The ``first`` fields and the ``last`` fields of an event holding a quote or a bracket,
    read from the plain text before its first and after its last quote or bracket; None when
    that text holds too few. Both sets exist and are distinct, as a quoted or bracketed run
    stands between them."""
    start = min(i for i in (message.find('"'), message.find("[")) if i >= 0)
    end = max(message.rfind('"'), message.rfind("["), message.rfind("]"))
    head = message[:start].split()
    if head and not message[start - 1].isspace():
        head.pop()  # glued to the quote: one word with it
    tail = message[end + 1 :].split()
    if tail and not message[end + 1].isspace():
        tail.pop(0)
    if len(head) < first or len(tail) < last:
        return None
    return head[:first] + tail[len(tail) - last :]


def _rest(message: str, skip: int) -> str:
    """The event from its field number ``skip`` (0-based) on, as written: quotes kept."""
    if '"' not in message and "[" not in message:
        return message.split(None, skip)[skip].rstrip()
    match = next(islice(_FIELD.finditer(message), skip, None))
    return message[match.start() :].rstrip()
