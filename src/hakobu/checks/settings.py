"""``[check]`` of hakobu.toml: which rules run, at what severity, and what is left out.

```toml
[check]
disable = ["HK-TD-008", "hadolint/DL3008"]     # never run (hadolint's: never reported)
ignore_paths = ["vendor/", "legacy/**/*.py"]   # not checked at all (gitignore-like globs)
fail_on = "warning"                            # the default of --fail-on

[check.severity]
HK-TD-004 = "info"

[[check.ignore]]                                # one rule, in one file, at one JSON path
rule = "HK-TD-001"
file = "taskdef.json"
json_path = "containerDefinitions[0].environment[2]"
reason = "a dummy password the integration tests need"
```

hakobu.toml is read here, not by ``hakobu.config``: ``[check]`` is only ``hakobu check``'s, and
a repository may hold a hakobu.toml with nothing else (the app's tables are optional for
``check``). Every error names the file, the line and the fix, as ``config.py``'s do.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hakobu.checks.globs import Glob
from hakobu.checks.taxonomy import Severity
from hakobu.config import find_key_line
from hakobu.errors import ConfigError
from hakobu.spec.jsonpos import format_path
from hakobu.spec.problem import suggest

_KEYS = ("disable", "ignore_paths", "fail_on", "severity", "ignore")
_IGNORE_KEYS = ("rule", "file", "json_path", "reason")
_HADOLINT = re.compile(r"hadolint/(?:DL|SC)[0-9]{4}")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class RuleIgnore:
    """``[[check.ignore]]``: ``rule`` is not reported in ``file`` at (or under) ``json_path``."""

    rule: str
    reason: str
    file: Glob | None = None
    json_path: str | None = None  # as format_path writes it: containerDefinitions[0].user

    def matches(
        self, rule_id: str, file: str | None, json_path: tuple[str | int, ...] | None
    ) -> bool:
        if rule_id != self.rule or (self.file is not None and not self.file.matches(file or "")):
            return False
        if self.json_path is None:
            return True
        if json_path is None:
            return False
        path = format_path(json_path)
        wanted = self.json_path
        return path == wanted or path.startswith((wanted + ".", wanted + "["))


@dataclass(frozen=True)
class CheckSettings:
    disable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    ignore_paths: tuple[Glob, ...] = ()
    ignores: tuple[RuleIgnore, ...] = ()
    fail_on: Severity | None = None
    # [service.target_group] exists: the load balancer health-checks the service's tasks.
    load_balancer_health_check: bool = False

    def path_ignored(self, relative: str) -> bool:
        return any(glob.matches(relative) for glob in self.ignore_paths)

    def ignored_by(
        self, rule_id: str, file: str | None, json_path: tuple[str | int, ...] | None
    ) -> RuleIgnore | None:
        return next((i for i in self.ignores if i.matches(rule_id, file, json_path)), None)


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """hakobu.toml's text and data; raises ``ConfigError`` with the line of a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", file=path) from e
    return text, _parse(path, text)


def check_settings(
    path: Path, text: str, data: dict[str, Any], known_rule: Callable[[str], bool]
) -> CheckSettings:
    """``[check]`` of hakobu.toml (``known_rule`` tells rule IDs); raises ``ConfigError``."""
    return _Reader(path, text, known_rule).settings(data)


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        match = _TOML_POSITION.search(str(e))
        message = _TOML_POSITION.sub("", str(e)).strip()
        line, column = (int(match[1]), int(match[2])) if match else (None, None)
        raise ConfigError(f"invalid TOML: {message}", file=path, line=line, column=column) from e


def has_app_table(data: Mapping[str, Any]) -> bool:
    """Whether hakobu.toml describes an app, or only configures ``hakobu check``."""
    return set(data) - {"check"} != set()


class _Reader:
    def __init__(self, path: Path, text: str, known_rule: Callable[[str], bool]) -> None:
        self.path = path
        self.text = text
        self.known_rule = known_rule

    def error(self, keys: tuple[str, ...], message: str, fix: str | None = None) -> ConfigError:
        line = find_key_line(self.text, keys)
        return ConfigError(message, file=self.path, line=line, field=".".join(keys), fix=fix)

    def settings(self, data: dict[str, Any]) -> CheckSettings:
        service = data.get("service")
        balanced = isinstance(service, dict) and isinstance(service.get("target_group"), dict)
        table = data.get("check", {})
        if not isinstance(table, dict):
            raise self.error(("check",), "expected a table", fix="write [check]")
        for key in table:
            if key not in _KEYS:
                close = suggest(key, list(_KEYS))
                fix = f'did you mean "{close}"?' if close else "known: " + ", ".join(_KEYS)
                raise self.error(("check", key), f'unknown key "{key}"', fix=fix)
        return CheckSettings(
            disable=frozenset(self.rules(table, "disable")),
            severity=MappingProxyType(self.severities(table)),
            ignore_paths=tuple(self.globs(table)),
            ignores=tuple(self.ignores(table)),
            fail_on=self.fail_on(table),
            load_balancer_health_check=balanced,
        )

    def strings(self, table: dict[str, Any], key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(("check", key), "expected an array of non-empty strings")
        return value

    def rules(self, table: dict[str, Any], key: str) -> list[str]:
        return [self.rule_id(("check", key), value) for value in self.strings(table, key)]

    def rule_id(self, keys: tuple[str, ...], value: str) -> str:
        normalized = normalize_rule_id(value)
        if self.known_rule(normalized) or _HADOLINT.fullmatch(normalized):
            return normalized
        raise self.error(keys, f'unknown rule "{value}"', fix="`hakobu rules` lists them")

    def severities(self, table: dict[str, Any]) -> dict[str, Severity]:
        levels = table.get("severity", {})
        if not isinstance(levels, dict):
            raise self.error(("check", "severity"), 'expected a table: RULE-ID = "warning"')
        result: dict[str, Severity] = {}
        for rule, level in levels.items():
            keys = ("check", "severity", rule)
            if level not in {s.value for s in Severity}:
                raise self.error(keys, f"invalid severity {level!r}", fix="error, warning or info")
            result[self.rule_id(keys, rule)] = Severity(level)
        return result

    def globs(self, table: dict[str, Any]) -> list[Glob]:
        return [Glob(pattern) for pattern in self.strings(table, "ignore_paths")]

    def fail_on(self, table: dict[str, Any]) -> Severity | None:
        value = table.get("fail_on")
        if value is None:
            return None
        if value not in {s.value for s in Severity}:
            raise self.error(
                ("check", "fail_on"), f"invalid severity {value!r}", "error, warning or info"
            )
        return Severity(value)

    def ignores(self, table: dict[str, Any]) -> list[RuleIgnore]:
        entries = table.get("ignore", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self.error(("check", "ignore"), "expected [[check.ignore]] tables")
        return [self.ignore(entry, index) for index, entry in enumerate(entries)]

    def ignore(self, entry: dict[str, Any], index: int) -> RuleIgnore:
        line = self.entry_line(index)

        def fail(message: str, fix: str | None = None) -> ConfigError:
            field = f"check.ignore[{index}]"
            return ConfigError(message, file=self.path, line=line, field=field, fix=fix)

        for key in entry:
            if key not in _IGNORE_KEYS:
                raise fail(f'unknown key "{key}"', "known: " + ", ".join(_IGNORE_KEYS))
        values = {key: entry.get(key) for key in _IGNORE_KEYS}
        for key, value in values.items():
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise fail(f"{key}: expected a non-empty string")
        if values["rule"] is None or values["reason"] is None:
            raise fail("rule and reason are required", 'e.g. rule = "HK-TD-001", reason = "why"')
        rule = normalize_rule_id(values["rule"])
        if not self.known_rule(rule) and not _HADOLINT.fullmatch(rule):
            raise fail(f'unknown rule "{values["rule"]}"', "`hakobu rules` lists them")
        file = Glob(values["file"]) if values["file"] else None
        return RuleIgnore(rule, values["reason"].strip(), file, values["json_path"])

    def entry_line(self, index: int) -> int | None:
        """The line of the ``index``-th ``[[check.ignore]]`` header."""
        headers = list(re.finditer(r"^[ \t]*\[\[[ \t]*check\.ignore[ \t]*\]\]", self.text, re.M))
        if index < len(headers):
            return self.text.count("\n", 0, headers[index].start()) + 1
        return find_key_line(self.text, ("check", "ignore"))


def normalize_rule_id(value: str) -> str:
    """``hk-td-001`` -> ``HK-TD-001``; ``DL3008`` and ``hadolint/dl3008`` -> ``hadolint/DL3008``."""
    text = value.strip()
    code = text.removeprefix("hadolint/").upper()
    if text.lower().startswith("hadolint/") or re.fullmatch(r"(?:DL|SC)[0-9]{4}", code):
        return "hadolint/" + code
    return text.upper()
