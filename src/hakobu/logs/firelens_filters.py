"""The Fluent Bit filters and parsers FireLens emulation applies: grep, modify, record_modifier
and parser (json and regex parsers), with the keys Fluent Bit documents for them.

A filter plugin hakobu does not emulate leaves records unchanged, with a warning; a key an
emulated plugin does not know is an error, as Fluent Bit refuses it at startup.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hakobu.logs.filter_eval import parse_object
from hakobu.logs.fluentbit import FluentBitConfig, Section, is_on, section_matches
from hakobu.spec.problem import suggest

Record = dict[str, Any]
_COMMON_KEYS = ("name", "match", "match_regex", "alias", "log_level")
_ACCESSOR = re.compile(r"\['([^']*)'\]|\[\"([^\"]*)\"\]|\[(\d+)\]")
_MODIFY_RULES = (
    "set",
    "add",
    "remove",
    "remove_wildcard",
    "remove_regex",
    "rename",
    "hard_rename",
    "copy",
    "hard_copy",
)
_CONDITIONS = (
    "key_exists",
    "key_does_not_exist",
    "key_value_equals",
    "key_value_does_not_equal",
    "key_value_matches",
    "key_value_does_not_match",
)
FILTER_KEYS: Mapping[str, tuple[str, ...]] = {
    "grep": ("regex", "exclude", "logical_op"),
    "modify": (*_MODIFY_RULES, "condition"),
    "record_modifier": ("record", "remove_key", "allowlist_key", "whitelist_key", "uuid_key"),
    "parser": ("key_name", "parser", "reserve_data", "preserve_key", "unescape_key"),
}


def lookup(record: Mapping[str, Any], accessor: str) -> Any:
    """A record accessor (``log``, ``$log``, ``$kubernetes['labels']['app']``); None if absent."""
    text = accessor.lstrip("$")
    head = re.split(r"\[", text, maxsplit=1)[0]
    value: Any = record.get(head)
    for match in _ACCESSOR.finditer(text[len(head) :]):
        key = match[1] if match[1] is not None else match[2]
        if isinstance(value, dict) and key is not None:
            value = value.get(key)
        elif isinstance(value, list) and match[3] is not None and int(match[3]) < len(value):
            value = value[int(match[3])]
        else:
            return None
    return value


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


@dataclass
class RecordFilter:
    """One ``[FILTER]``: applies to records whose tag its Match selects."""

    section: Section
    apply_fn: Callable[[Record], Record | None]

    def apply(self, tag: str, record: Record) -> Record | None:
        if not section_matches(self.section, tag):
            return record
        return self.apply_fn(record)


def check_keys(section: Section, known: tuple[str, ...]) -> None:
    allowed = (*_COMMON_KEYS, *known)
    for key, _ in section.entries:
        if key not in allowed and not key.startswith(("tls", "net.")):
            close = suggest(key, allowed)
            raise section.error(
                f"unknown key {key}",
                fix=f'did you mean "{close}"?' if close else "see the plugin's documentation",
                key=key,
            )


def _pair(value: str, section: Section) -> tuple[str, str]:
    key, _, rest = value.strip().partition(" ")
    if not key:
        raise section.error(f"expected KEY VALUE, got '{value}'")
    return key, rest.strip()


# -- grep ----------------------------------------------------------------------------------------


def grep_filter(section: Section) -> Callable[[Record], Record | None]:
    rules = [(True, *_pair(v, section)) for v in section.all("regex")]
    rules += [(False, *_pair(v, section)) for v in section.all("exclude")]
    compiled = [(keep, key, re.compile(pattern)) for keep, key, pattern in rules]
    op = (section.get("logical_op") or "legacy").lower()

    def hits(key: str, pattern: re.Pattern[str], record: Record) -> bool:
        value = lookup(record, key)
        return value is not None and pattern.search(as_text(value)) is not None

    def apply(record: Record) -> Record | None:
        results = [(keep, hits(key, p, record)) for keep, key, p in compiled]
        if op == "and":
            ok = all(hit == keep for keep, hit in results)
        elif op == "or":
            ok = any(hit == keep for keep, hit in results)
        else:  # legacy: every Regex matches and no Exclude does
            ok = all(hit for keep, hit in results if keep) and not any(
                hit for keep, hit in results if not keep
            )
        return record if ok else None

    return apply


# -- modify and record_modifier ------------------------------------------------------------------


def _condition(value: str, section: Section) -> Callable[[Record], bool]:
    name, _, rest = value.strip().partition(" ")
    name = name.lower()
    key, _, operand = rest.strip().partition(" ")
    if name not in _CONDITIONS:
        raise section.error(
            f"condition {name} is not emulated by hakobu",
            fix="supported: " + ", ".join(_CONDITIONS),
        )
    if name == "key_exists":
        return lambda r: key in r
    if name == "key_does_not_exist":
        return lambda r: key not in r
    if name == "key_value_equals":
        return lambda r: key in r and as_text(r[key]) == operand.strip()
    if name == "key_value_does_not_equal":
        return lambda r: key in r and as_text(r[key]) != operand.strip()
    pattern = re.compile(operand.strip())
    if name == "key_value_matches":
        return lambda r: key in r and pattern.fullmatch(as_text(r[key])) is not None
    return lambda r: key in r and pattern.fullmatch(as_text(r[key])) is None


def _modify_rule(rule: str, value: str, record: Record) -> None:
    key, _, arg = value.strip().partition(" ")
    arg = arg.strip()
    if rule == "set":
        record[key] = arg
    elif rule == "add":
        record.setdefault(key, arg)
    elif rule == "remove":
        record.pop(key, None)
    elif rule == "remove_wildcard":
        for name in [k for k in record if k.startswith(key)]:
            del record[name]
    elif rule == "remove_regex":
        pattern = re.compile(key)
        for name in [k for k in record if pattern.search(k)]:
            del record[name]
    elif key in record and (rule.startswith("hard_") or arg not in record):
        if rule.endswith("rename"):
            record[arg] = record.pop(key)
        else:
            record[arg] = record[key]


def modify_filter(section: Section) -> Callable[[Record], Record | None]:
    conditions = [_condition(v, section) for v in section.all("condition")]
    rules = [(k, v) for k, v in section.entries if k in _MODIFY_RULES]

    def apply(record: Record) -> Record | None:
        if not all(condition(record) for condition in conditions):
            return record
        record = dict(record)
        for rule, value in rules:
            _modify_rule(rule, value, record)
        return record

    return apply


def record_modifier_filter(section: Section) -> Callable[[Record], Record | None]:
    additions = [_pair(v, section) for v in section.all("record")]
    removals = set(section.all("remove_key"))
    allowed = set(section.all("allowlist_key") + section.all("whitelist_key"))
    uuid_key = section.get("uuid_key")

    def apply(record: Record) -> Record | None:
        out = {k: v for k, v in record.items() if k not in removals}
        if allowed:
            out = {k: v for k, v in out.items() if k in allowed}
        for key, value in additions:
            out[key] = value
        if uuid_key:
            out[uuid_key] = str(uuid.uuid4())
        return out

    return apply


# -- parser --------------------------------------------------------------------------------------

Parser = Callable[[str], Record | None]


def json_parser(text: str) -> Record | None:
    """The line as a JSON object, or None: the question filter patterns ask of every event, so
    one helper (orjson where it gives json's answer) answers both."""
    return parse_object(text)


def regex_parser(section: Section) -> Parser:
    source = section.get("regex") or ""
    # Fluent Bit's Onigmo writes named groups (?<name>...); Python wants (?P<name>...).
    pattern = re.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", source))

    def parse(text: str) -> Record | None:
        match = pattern.search(text)
        return {k: v for k, v in match.groupdict().items() if v is not None} if match else None

    return parse


def parsers_of(config: FluentBitConfig, warnings: list[str]) -> dict[str, Parser]:
    """Named parsers from ``[PARSER]`` sections: json and regex formats are emulated."""
    parsers: dict[str, Parser] = {}
    for section in config.of_kind("parser"):
        name = section.get("name") or ""
        fmt = (section.get("format") or "").lower()
        if fmt == "json":
            parsers[name] = json_parser
        elif fmt == "regex":
            parsers[name] = regex_parser(section)
        else:
            warnings.append(f"{section.where()}: format {fmt} is not emulated; it never matches")
    return parsers


def parser_filter(section: Section, parsers: Mapping[str, Parser]) -> Callable[[Record], Any]:
    key = section.get("key_name")
    if not key:
        raise section.error("Key_Name is required")
    chosen = []
    for name in section.all("parser"):
        if name not in parsers:
            raise section.error(f"no [PARSER] named {name}")
        chosen.append(parsers[name])
    reserve = is_on(section.get("reserve_data"))
    preserve = is_on(section.get("preserve_key"))

    def apply(record: Record) -> Record | None:
        value = record.get(key)
        if not isinstance(value, str):
            return record
        for parse in chosen:
            parsed = parse(value)
            if parsed is not None:
                kept = {k: v for k, v in record.items() if k != key} if reserve else {}
                if preserve:
                    kept[key] = value
                return {**kept, **parsed}
        return record

    return apply


def build_filters(config: FluentBitConfig, warnings: list[str]) -> list[RecordFilter]:
    parsers = {"json": json_parser, "docker": json_parser, **parsers_of(config, warnings)}
    filters = []
    for section in config.of_kind("filter"):
        kind = section.name
        if kind not in FILTER_KEYS:
            warnings.append(f"{section.where()}: filter {kind} is not emulated; records pass")
            continue
        check_keys(section, FILTER_KEYS[kind])
        if kind == "grep":
            filters.append(RecordFilter(section, grep_filter(section)))
        elif kind == "modify":
            filters.append(RecordFilter(section, modify_filter(section)))
        elif kind == "record_modifier":
            filters.append(RecordFilter(section, record_modifier_filter(section)))
        else:
            filters.append(RecordFilter(section, parser_filter(section, parsers)))
    return filters
