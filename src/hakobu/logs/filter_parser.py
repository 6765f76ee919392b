"""Recursive-descent parser: filter pattern text to the syntax tree of filter_ast.

Grammar (FilterAndPatternSyntax.html; ``()`` binds tighter than ``&&``, which binds tighter than
``||``)::

    pattern    := terms | "{" expr "}" | "[" [field ("," field)*] "]"
    terms      := (["-" | "?"] (WORD | '"' phrase '"'))*  |  "%" regex "%"
    expr       := and ("||" and)*
    and        := unary ("&&" unary)*
    unary      := "(" expr ")" | condition
    condition  := SELECTOR (OP value | "IS" ("NULL" | "TRUE" | "FALSE") | "NOT" "EXISTS")   JSON
                | NAME OP value                                                   space-delimited
    field      := "" | "..." | NAME | expr      (every condition of a field tests that field)
    value      := STRING | REGEX | WORD          (a WORD that reads as a number is a number)
"""

from __future__ import annotations

import re
import string

from hakobu.logs import filter_errors as limits
from hakobu.logs.filter_ast import (
    And,
    Check,
    Compare,
    Expr,
    Field,
    JsonPattern,
    Number,
    Or,
    PatternAst,
    Regex,
    Selector,
    SpacePattern,
    TermsPattern,
    Text,
    Value,
    field_names_of,
)
from hakobu.logs.filter_errors import FilterPatternError, invalid_characters
from hakobu.logs.filter_lexer import Lexer, Token, read_quoted, read_regex
from hakobu.logs.filter_regex import compile_regex

# The documentation's NUMBER: an integer or decimal, optional sign, optional exponent.
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
TERM_CHARS = frozenset(string.ascii_letters + string.digits + "_")
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ORDERING = frozenset({"<", "<=", ">", ">="})
_KEYWORD_FIX = "write IS NULL, IS TRUE, IS FALSE or NOT EXISTS in upper case"


def parse(text: str) -> PatternAst:
    """Parse a whole filter pattern; raise FilterPatternError saying where and what."""
    if len(text) > limits.MAX_PATTERN_LENGTH:
        raise FilterPatternError(
            f"the pattern is {len(text)} characters long; CloudWatch takes at most "
            f"{limits.MAX_PATTERN_LENGTH}",
            column=limits.MAX_PATTERN_LENGTH + 1,
        )
    stripped = text.strip()
    start = len(text) - len(text.lstrip())
    if stripped.startswith("{"):
        return _BracketParser(text, start, json=True).json_pattern()
    if stripped.startswith("["):
        return _BracketParser(text, start, json=False).space_pattern()
    return _parse_terms(text, start)


def _parse_terms(text: str, i: int) -> TermsPattern:
    groups: dict[str, list[str]] = {"": [], "-": [], "?": []}
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        sign = text[i] if text[i] in "-?" else ""
        start = i
        i += len(sign)
        if i >= len(text) or text[i].isspace():
            raise FilterPatternError(
                f"'{sign}' must be followed by a term", column=start + 1, fix=f"write {sign}term"
            )
        if text[i] == "%":
            return _standalone_regex(text, start, sign)
        term, i = _read_term(text, i)
        groups[sign].append(term)
    return TermsPattern(tuple(groups[""]), tuple(groups["-"]), tuple(groups["?"]))


def _read_term(text: str, i: int) -> tuple[str, int]:
    if text[i] == '"':
        term, end = read_quoted(text, i)
        if end < len(text) and not text[end].isspace():
            raise FilterPatternError(
                "expected a space after the closing quote", column=end + 1, fix="separate terms"
            )
        return term, end
    end = i
    while end < len(text) and not text[end].isspace():
        if text[end] not in TERM_CHARS:
            raise invalid_characters(text, end, TERM_CHARS)
        end += 1
    return text[i:end], end


def _standalone_regex(text: str, start: int, sign: str) -> TermsPattern:
    begin = start + len(sign)
    source, end = read_regex(text, begin)
    if sign or text[:start].strip() or text[end:].strip():
        raise FilterPatternError(
            "a regular expression in a text pattern must be the whole pattern",
            column=start + 1,
            fix="use one %regex% alone, or a JSON or space-delimited pattern",
        )
    return TermsPattern(regex=Regex(source, *compile_regex(source, begin + 1)))


class _BracketParser:
    """JSON and space-delimited patterns, from the tokens of filter_lexer."""

    def __init__(self, text: str, start: int, *, json: bool) -> None:
        self.text = text
        self.json = json
        self.tokens = Lexer(text, start, len(text), json=json).tokens()
        self.at = 0
        self.regexes = 0
        self.wildcard_selectors = 0

    # -- token access ---------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        if self.peek().kind != kind:
            raise self.unexpected(what)
        return self.take()

    def unexpected(self, expected: str, fix: str | None = None) -> FilterPatternError:
        token = self.peek()
        found = "the end of the pattern" if token.kind == "EOF" else f"'{token.text}'"
        return FilterPatternError(
            f"expected {expected}, found {found}", column=token.start + 1, fix=fix
        )

    # -- JSON -----------------------------------------------------------------------------------

    def json_pattern(self) -> JsonPattern:
        self.expect("{", "'{'")
        if self.peek().kind == "}":
            raise self.unexpected("a condition such as $.field = value")
        expr = self.expression()
        self._reject_word_operators()
        self.expect("}", "'&&', '||' or the closing '}'")
        self.expect("EOF", "nothing after the closing '}'")
        return JsonPattern(expr)

    def expression(self) -> Expr:
        items = [self.conjunction()]
        while self.peek().kind == "||":
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Expr:
        items = [self.unary()]
        while self.peek().kind == "&&":
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Expr:
        if self.peek().kind == "(":
            self.take()
            expr = self.expression()
            self._reject_word_operators()
            self.expect(")", "'&&', '||' or ')'")
            return expr
        return self.json_condition() if self.json else self.field_condition()

    def _reject_word_operators(self) -> None:
        token = self.peek()
        if token.kind == "WORD" and token.text.upper() in ("AND", "OR"):
            raise FilterPatternError(
                f"'{token.text}' is not an operator", column=token.start + 1, fix="use && or ||"
            )

    def json_condition(self) -> Expr:
        token = self.peek()
        if token.kind != "SELECTOR":
            raise self.unexpected("a property selector such as $.field", fix="start it with $.")
        self.take()
        selector = token.value
        assert isinstance(selector, Selector)
        self._count_wildcards(selector, token)
        keyword = self.peek()
        if keyword.kind == "OP":
            op = self.take().text
            return Compare(selector, op, self.value(op))
        if keyword.kind == "WORD" and keyword.text in ("IS", "NOT"):
            return self._keyword_check(selector)
        if keyword.kind == "WORD" and keyword.text.upper() in ("IS", "NOT", "EXISTS"):
            fix = (
                "EXISTS alone is not supported: use NOT EXISTS"
                if keyword.text == "EXISTS"
                else None
            )
            raise self.unexpected("IS or NOT EXISTS", fix=fix or _KEYWORD_FIX)
        raise self.unexpected("=, !=, <, <=, >, >=, IS or NOT EXISTS after the selector")

    def _keyword_check(self, selector: Selector) -> Check:
        first = self.take().text
        second = self.peek()
        allowed = ("NULL", "TRUE", "FALSE") if first == "IS" else ("EXISTS",)
        if second.kind != "WORD" or second.text not in allowed:
            fix = (
                "IS NOT and EXISTS are not supported" if second.text in ("NOT", "EXISTS") else None
            )
            raise self.unexpected(" or ".join(allowed) + f" after {first}", fix=fix or _KEYWORD_FIX)
        self.take()
        return Check(selector, second.text if first == "IS" else "NOT EXISTS")

    def _count_wildcards(self, selector: Selector, token: Token) -> None:
        if selector.wildcards > limits.MAX_WILDCARDS_PER_SELECTOR:
            raise FilterPatternError(
                f"selector {selector.text} has {selector.wildcards} wildcards; CloudWatch takes "
                f"one per selector",
                column=token.start + 1,
            )
        self.wildcard_selectors += selector.wildcards
        if self.wildcard_selectors > limits.MAX_WILDCARD_SELECTORS:
            raise FilterPatternError(
                f"more than {limits.MAX_WILDCARD_SELECTORS} wildcard selectors in one pattern",
                column=token.start + 1,
            )

    # -- values ---------------------------------------------------------------------------------

    def value(self, op: str) -> Value:
        token = self.peek()
        if token.kind == "WORD" and NUMBER.fullmatch(token.text):
            self.take()
            number = float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
            return Number(number, token.text)
        if op in ORDERING:
            raise self.unexpected(f"a number after '{op}'", fix=f"'{op}' compares numbers")
        if token.kind == "STRING":
            self.take()
            assert isinstance(token.value, str)
            return Text(token.value)
        if token.kind == "WORD":
            return Text(self.take().text)
        if token.kind == "REGEX":
            return self._regex(self.take())
        raise self.unexpected(f"a value after '{op}'")

    def _regex(self, token: Token) -> Regex:
        self.regexes += 1
        if self.regexes > limits.MAX_REGEXES:
            raise FilterPatternError(
                f"more than {limits.MAX_REGEXES} regular expressions in one pattern",
                column=token.start + 1,
                fix="CloudWatch takes at most two per JSON or space-delimited pattern",
            )
        source = token.text[1:-1]
        return Regex(source, *compile_regex(source, token.start + 1))

    # -- space-delimited ------------------------------------------------------------------------

    def space_pattern(self) -> SpacePattern:
        self.expect("[", "'['")
        fields: list[Field] = []
        if self.peek().kind == "]":
            self.take()
        else:
            while True:
                start = self.peek()
                fields.append(self._check_field(self.field(), fields, start))
                if self.peek().kind != ",":
                    break
                self.take()
            self.expect("]", "',' or the closing ']'")
        self.expect("EOF", "nothing after the closing ']'")
        return SpacePattern(tuple(fields))

    def field(self) -> Field:
        token = self.peek()
        if token.kind in (",", "]"):
            return Field()
        if token.kind == "ELLIPSIS":
            self.take()
            return Field(ellipsis=True)
        if token.kind == "WORD" and self.peek(1).kind in (",", "]", "EOF"):
            return Field(self._field_name(self.take()))
        condition = self.expression()
        self._reject_word_operators()
        names = sorted(field_names_of(condition))
        if len(names) > 1:
            raise FilterPatternError(
                f"one field's conditions test {' and '.join(names)}",
                column=token.start + 1,
                fix="a condition can only test the field it stands in",
            )
        return Field(names[0], condition)

    def field_condition(self) -> Compare:
        token = self.peek()
        if token.kind != "WORD":
            raise self.unexpected("a field name")
        name = self._field_name(self.take())
        if self.peek().kind != "OP":
            raise self.unexpected(f"=, !=, <, <=, > or >= after {name}")
        op = self.take().text
        return Compare(name, op, self.value(op))

    def _field_name(self, token: Token) -> str:
        if not FIELD_NAME.fullmatch(token.text):
            raise FilterPatternError(
                f"invalid field name '{token.text}'",
                column=token.start + 1,
                fix="field names are letters, digits and _, not starting with a digit",
            )
        return token.text

    def _check_field(self, field: Field, before: list[Field], token: Token) -> Field:
        """One ellipsis and unique names: otherwise which event field is which is ambiguous."""
        if field.ellipsis and any(other.ellipsis for other in before):
            raise FilterPatternError(
                "more than one '...' in the pattern",
                column=token.start + 1,
                fix="an ellipsis stands for any number of fields: use one",
            )
        if field.name and any(other.name == field.name for other in before):
            raise FilterPatternError(
                f"field name '{field.name}' is used twice",
                column=token.start + 1,
                fix="name each field once",
            )
        return field
