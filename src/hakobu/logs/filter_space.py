"""Space-delimited patterns: split an event into fields and bind them to the pattern's fields.

The documentation's rules: fields are separated by spaces; the characters between ``[]`` or
``""`` are one field (without the brackets or quotes); ``...`` stands for any number of fields.
Without an ellipsis the last field takes the rest of the event: that is why ``[w1=ERROR, w2]``
matches every event whose first word is ERROR, and why the documentation says a blank ``w2``
must follow ``w1=ERROR``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from itertools import islice

from hakobu.logs.filter_ast import Check, Compare, Field, SpacePattern
from hakobu.logs.filter_eval import Test, expr_test, field_test
from hakobu.logs.filter_prefilter import AnchoredField, Refusal, space_refusal_parts

# A quoted or bracketed run is one field; an unterminated one is an ordinary word.
_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')


def _leaf(node: Compare | Check) -> Test:
    assert isinstance(node, Compare)  # the parser builds no IS / NOT EXISTS in brackets
    return field_test(node.op, node.value)


_NO_REFUSAL: Refusal = ("", "", "", None, None)  # every event holds ""


def _starts_to_read(anchor: AnchoredField | None, first: int) -> dict[int, str]:
    """{field index: text} when the refusal's text must start one of the ``first`` fields and
    quoted_reader can look for it there (no space, quote or bracket in it); else {}."""
    if anchor is None:
        return {}
    text, start, _, place = anchor
    if not start or not 0 <= place < first or not text or _NOT_IN_A_START.search(text):
        return {}
    return {place: text}


_NOT_IN_A_START = re.compile(r'[\s"\[\]]')

# An event ending in one of these ends in a quoted or bracketed run, or in a JSON object: its last
# fields are not plain words, and edge_reader would find so, slowly; the regex reads them.
_CLOSING = '"]}'


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
        self.matches = self._matcher()

    def _matcher(self) -> Callable[[str], bool]:
        """``matches``, as a closure over what it reads: it runs for every event of the group."""
        # space_refusal, inlined: a call less on every event of the group.
        refusal = space_refusal_parts(self.fields) or _NO_REFUSAL
        first_text, second_text, third_text, find, anchor = refusal
        tests, rest_test, needed = tuple(self.tests), self.rest_test, self.needed
        first, last = len(self.prefix), len(self.suffix)
        # The regex reads only the first fields a condition tests: their tests index its list.
        tested = sorted({index for index, _ in tests if index >= 0})
        # The refusal's text, when it starts one of the first fields, is looked for by the
        # reading of events with quotes or brackets too: one regex, not the refusal's and then
        # the reader's, which would read the same first fields again (access-log lines).
        starts = _starts_to_read(anchor, first)
        read_quoted = quoted_reader(first, last, bool(self.rest), tested, starts)
        read_edges = edge_reader(first, last)
        read_tests = tuple((tested.index(i) if i >= 0 else i, test) for i, test in tests)
        find_first = None if starts else find  # before anything else
        find_unless_read = find if starts else None  # where read_quoted does not look for it

        def matches(message: str) -> bool:
            if (
                first_text not in message
                or second_text not in message
                or third_text not in message
                or (find_first is not None and find_first(message) is None)
            ):
                return False  # a field is a piece of the event: what a condition needs is in it
            checks, rest = tests, None
            if '"' not in message and "[" not in message:
                if find_unless_read is not None and find_unless_read(message) is None:
                    return False
                tokens = message.split()  # the common case, ten times faster than the regex
                if len(tokens) < needed:
                    return False
            else:
                # Splitting around quotes and brackets is the slow part: read only what the
                # pattern tests, from the plain text at the edges when it is there.
                edges = None
                if rest_test is None and not (last and message.rstrip()[-1:] in _CLOSING):
                    edges = read_edges(message)
                if edges is not None:
                    if find_unless_read is not None and find_unless_read(message) is None:
                        return False
                    tokens = edges
                else:
                    read = read_quoted(message)
                    if read is None:
                        return False  # too few fields
                    (tokens, rest), checks = read, read_tests
            for index, test in checks:
                if not test(tokens[index]):
                    return False
            if rest_test is None:
                return True
            if rest is None:  # a plain event
                rest = tokens[-1] if len(tokens) == needed else _rest(message, first)
            return rest_test(rest)

        return matches

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


# One field, as _FIELD finds them but atomic: once a run is read as a field, no other reading of
# it is tried, so a regex made of them reads the fields _FIELD reads, in order.
_RUN = r'(?>"[^"]*+"|\[[^\]]*+\]|\S++)'
_CAPTURED_RUN = rf"({_RUN})\s*+"  # the run as written: _unwrap gives the field's text

QuotedRead = tuple[list[str], str | None]


def quoted_reader(
    first: int,
    last: int,
    rest: bool,
    tested: Sequence[int] | None = None,
    starts: dict[int, str] | None = None,
) -> Callable[[str], QuotedRead | None]:
    """What a pattern reads of an event holding a quote or a bracket: of its ``first`` fields
    the ``tested`` ones (all when None), and its ``last`` fields (which ``...`` separates), or
    the rest (the pattern's last field: the event's last field, or all the event from there on
    as written). One regex match, which builds no other field: splitting the whole event
    (split_fields) costs several times as much. None when the event has too few fields, or
    when one of the first fields does not start with the text ``starts`` gives for it (a text
    without spaces, quotes or brackets)."""
    wanted = range(first) if tested is None else tested
    starts = starts or {}
    runs = [_starting_run(starts[i]) if i in starts else _RUN for i in range(first)]
    regex = r"\s*+" + "".join(
        rf"({run})\s*+" if i in wanted else rf"{run}\s*+" for i, run in enumerate(runs)
    )
    if rest:
        # One field left: its text; more: the event from there on, quotes kept, spaces trimmed.
        regex += rf"(?:{_CAPTURED_RUN}\Z|(.*\S)\s*+\Z)"
    elif last:
        # The fields after the prefix, ``last`` at a time, to the end, never backtracking (which
        # would cost more than the reading). A group repeated keeps its last match, so the
        # ``last`` groups end up holding the last fields, rotated when the count is not a
        # multiple of ``last``: the final round fills the first groups only.
        rounds = ""
        for _ in range(last):
            rounds = rf"({_RUN})\s*+" + (f"(?:{rounds})?" if rounds else "")
        regex += rf"(?:{rounds})*+\Z"
    match = re.compile(regex, re.DOTALL).match
    captured = len(wanted)
    slots = tuple(range(captured + 1, captured + last + 1))

    def read_rest(message: str) -> QuotedRead | None:
        found = match(message)
        if found is None:
            return None
        groups = found.groups()
        fields = list(map(_unwrap, groups[:captured]))
        run = groups[captured]
        return fields, groups[captured + 1] if run is None else _unwrap(run)

    def read_edges(message: str) -> QuotedRead | None:
        found = match(message)
        if found is None or found.start(slots[-1]) < 0:
            return None  # fewer than ``last`` fields after the first ones
        fields = list(map(_unwrap, found.groups()[:captured])) if captured else []
        if last == 1:
            fields.append(_unwrap(found[slots[0]]))
            return fields, None
        if last == 2:  # the usual [..., a, b]: the later of the two groups is the last field
            one, two = found.group(*slots)
            if found.start(slots[0]) > found.start(slots[1]):
                one, two = two, one
            fields += (_unwrap(one), _unwrap(two))
            return fields, None
        # The groups the final round filled start after the first group's start: they hold the
        # last fields, the others the ones before them.
        runs = list(found.group(*slots))
        starts = list(map(found.start, slots))
        filled = sum(start >= starts[0] for start in starts)
        return fields + list(map(_unwrap, runs[filled:] + runs[:filled])), None

    def read_prefix(message: str) -> QuotedRead | None:
        found = match(message)
        return None if found is None else (list(map(_unwrap, found.groups()[:captured])), None)

    return read_rest if rest else read_edges if last else read_prefix


def _starting_run(text: str) -> str:
    """_RUN for a field whose text starts with ``text``: the same reading (the first of the
    three that fits), with the text looked for after the quote or bracket that opens it. A
    word cannot start with a quote or a bracket where the field fails: then no closing one
    follows, and the text, which has none, cannot be there."""
    escaped = re.escape(text)
    return rf'(?>"(?={escaped})[^"]*+"|\[(?={escaped})[^\]]*+\]|(?={escaped})\S++)'


def _unwrap(run: str) -> str:
    """A field's text from its run as written: a closed quoted or bracketed run without its
    quotes or brackets. A word cannot look closed: it starts with a quote or a bracket only when
    no closing one follows anywhere in the event."""
    if len(run) > 1 and (run[0], run[-1]) in (('"', '"'), ("[", "]")):
        return run[1:-1]
    return run


def edge_fields(message: str, first: int, last: int) -> list[str] | None:
    """The ``first`` fields and the ``last`` fields of an event holding a quote or a bracket,
    when they are plain words: the event's first and last words, without a quote or a bracket.
    No run can then reach into them, and the quote or bracket is in between: the event has more
    than ``first + last`` fields. None when that is not so (the regex reads the event then)."""
    return edge_reader(first, last)(message)


@functools.cache
def edge_reader(first: int, last: int) -> Callable[[str], list[str] | None]:
    """edge_fields for one shape, as one regex match: a word without a quote or a bracket,
    ``first`` of them from the start, each ended by a space, and ``last`` of them at the end
    (the greedy ``.*`` leaves the fewest), each after a space."""
    word = r'([^\s"\[\]]++)'
    regex = r"\s*+" + (word + r"\s++") * first
    if last:
        regex += r"(?:.*\s)?" + r"\s++".join([word] * last) + r"\s*+\Z"
    match = re.compile(regex, re.DOTALL).match

    def read(message: str) -> list[str] | None:
        found = match(message)
        return None if found is None else list(found.groups())

    return read


def _rest(message: str, skip: int) -> str:
    """The event from its field number ``skip`` (0-based) on, as written: quotes kept."""
    if '"' not in message and "[" not in message:
        return message.split(None, skip)[skip].rstrip()
    match = next(islice(_FIELD.finditer(message), skip, None))
    return message[match.start() :].rstrip()
