"""CloudWatch Logs filter patterns, as AWS documents them, for metric filters, subscription filters
and ``hakobu logs``.

Spec: "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
Tail" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
terms, quoted phrases, ``-`` and ``?`` terms, ``%regex%``, JSON patterns (``{ $.a.b[0] = "x" }``,
wildcards, ``IS NULL``, ``NOT EXISTS``, ``IS TRUE``/``IS FALSE``, ``&&``, ``||``, parentheses) and
space-delimited patterns (``[ip, user, ..., status = 4*, bytes > 1000]``). A pattern CloudWatch
would reject raises FilterPatternError saying where and what, including CloudWatch's limits that a
general engine would accept (its regex subset, two regexes per pattern, 1024 characters).

    pattern = compile_pattern('{ $.logType = "ErrorLog" }')
    pattern.matches('{"logType": "ErrorLog"}')   # True
    pattern.extract('{"logType": "ErrorLog"}')   # {"$.logType": "ErrorLog"}

Parsing is filter_lexer + filter_parser (to the tree of filter_ast); evaluation is filter_eval and
filter_space, compiled to closures once per pattern, and filter_codegen, a JSON pattern's
conditions as one generated function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from hakobu.logs.filter_ast import JsonPattern, PatternAst, SpacePattern, TermsPattern, selectors_of
from hakobu.logs.filter_codegen import json_test
from hakobu.logs.filter_errors import FilterPatternError
from hakobu.logs.filter_eval import (
    collector,
    getter,
    json_matcher,
    load_object,
    scalar_text,
    terms_matcher,
)
from hakobu.logs.filter_parser import parse
from hakobu.logs.filter_space import SpaceMatcher

__all__ = [
    "FilterPattern",
    "FilterPatternError",
    "Kind",
    "compile_pattern",
    "metric_filter_matches",
]

Kind = Literal["text", "json", "space-delimited"]
Extract = Callable[[str], dict[str, str] | None]


class FilterPattern:
    """A compiled pattern. ``matches`` and ``extract`` are plain attributes holding the compiled
    closures, so a call costs no extra indirection on the hot path.

    ``extract(message)`` is None when the event does not match; otherwise, for a space-delimited
    pattern, ``$name`` for each named field and ``$N`` for the others (as TestMetricFilter shows
    them); for a JSON pattern, ``$.selector`` for each selector that has a value; for text, ``{}``.
    """

    __slots__ = ("ast", "extract", "kind", "matches", "text")

    def __init__(
        self,
        text: str,
        kind: Kind,
        ast: PatternAst,
        matches: Callable[[str], bool],
        extract: Extract,
    ) -> None:
        self.text = text
        self.kind: Kind = kind
        self.ast = ast
        self.matches = matches
        self.extract = extract

    def __repr__(self) -> str:
        return f"FilterPattern({self.text!r}, kind={self.kind!r})"


def compile_pattern(
    text: str,
    *,
    file: Path | str | None = None,
    line: int | None = None,
    field: str | None = None,
) -> FilterPattern:
    """Parse and compile ``text``. ``file``, ``line`` and ``field`` say where the pattern came from
    (a hakobu.toml entry, ...) in the FilterPatternError an invalid pattern raises."""
    try:
        ast = parse(text)
    except FilterPatternError as e:
        if file is None and line is None and field is None:
            raise
        raise FilterPatternError(
            e.reason, column=e.pattern_column, fix=e.fix, file=file, line=line, field=field
        ) from e
    if isinstance(ast, JsonPattern):
        return FilterPattern(text, "json", ast, *_json(ast))
    if isinstance(ast, SpacePattern):
        matcher = SpaceMatcher(ast)
        return FilterPattern(text, "space-delimited", ast, matcher.matches, matcher.extract)
    return FilterPattern(text, "text", ast, *_text(ast))


def metric_filter_matches(pattern: FilterPattern, messages: Sequence[str]) -> dict[str, Any]:
    """What CloudWatch's TestMetricFilter returns for these messages: the matching ones, numbered
    from 1 as CloudWatch numbers them, with the values the pattern extracts."""
    matches = []
    for number, message in enumerate(messages, start=1):
        extracted = pattern.extract(message)
        if extracted is not None:
            matches.append(
                {"eventNumber": number, "eventMessage": message, "extractedValues": extracted}
            )
    return {"matches": matches}


def _text(ast: TermsPattern) -> tuple[Callable[[str], bool], Extract]:
    matches = terms_matcher(ast)
    return matches, lambda message: {} if matches(message) else None


def _json(ast: JsonPattern) -> tuple[Callable[[str], bool], Extract]:
    test = json_test(ast.expr)
    matches = json_matcher(ast.expr, test)
    readers = [
        (selector.text, collector(selector) if selector.wildcards else _as_list(getter(selector)))
        for selector in selectors_of(ast.expr)
    ]

    def extract(message: str) -> dict[str, str] | None:
        document = load_object(message)
        if document is None or not test(document):
            return None
        values: dict[str, str] = {}
        for key, read in readers:
            found = [text for value in read(document) if (text := scalar_text(value)) is not None]
            if found:
                values[key] = found[0]
        return values

    return matches, extract


def _as_list(
    get: Callable[[dict[str, object]], object],
) -> Callable[[dict[str, object]], list[object]]:
    return lambda document: [get(document)]
