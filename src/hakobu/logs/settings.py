"""``[logs]`` in hakobu.toml: the archive and the subscription filters (format: docs/logs.md).

    [logs]
    archive = "archive"                  # a folder (relative to hakobu.toml) or s3://bucket/prefix
    archive_flush_seconds = 60           # write an object at least this often...
    archive_flush_bytes = 5242880        # ...or when this much is buffered

    [[logs.subscriptions]]
    name = "errors"
    log_group = "/ecs/hello-local"
    pattern = '{ $.logType = "ErrorLog" }'
    destination = "http://127.0.0.1:9000/alerts"   # or "console", or { command = ["./notify"] }

    [[logs.metric_filters]]
    name = "latency"
    log_group = "/ecs/hello-local"
    pattern = '{ $.logType = "AccessLog" }'
    metric_name = "Latency"
    metric_namespace = "Hello"
    metric_value = "$.latency"       # default "1": count the matches

Every problem is a ConfigError naming the file, the line and the key, as config.py reports.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hakobu.config import find_key_line
from hakobu.errors import ConfigError
from hakobu.logs.awslogs import GROUP_NAME
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.metrics import MAX_FILTERS_PER_GROUP as MAX_METRIC_FILTERS
from hakobu.logs.metrics import METRIC_VALUE, MetricFilter
from hakobu.logs.sinks.archive import DEFAULT_MAX_BYTES, DEFAULT_MAX_SECONDS
from hakobu.logs.subscriptions import (
    MAX_FILTERS_PER_GROUP,
    CommandDestination,
    ConsoleDestination,
    Destination,
    SubscriptionFilter,
    WebhookDestination,
)
from hakobu.spec.problem import suggest

_LOGS_KEYS = (
    "archive",
    "archive_flush_seconds",
    "archive_flush_bytes",
    "subscriptions",
    "metric_filters",
)
_SUBSCRIPTION_KEYS = ("name", "log_group", "pattern", "destination")
_METRIC_KEYS = (
    "name",
    "log_group",
    "pattern",
    "metric_name",
    "metric_namespace",
    "metric_value",
    "default_value",
)
_METRIC_FORBIDDEN = re.compile(r"[:*$]")  # PutMetricFilter: metricName, metricNamespace
_FILTER_NAME = re.compile(r"[^:*]{1,512}")  # PutSubscriptionFilter's filterName
_URL = re.compile(r"https?://[^\s/]+\S*")


@dataclass(frozen=True)
class LogSettings:
    archive: str | None = None  # an absolute folder, or s3://bucket/prefix
    archive_flush_seconds: float = DEFAULT_MAX_SECONDS
    archive_flush_bytes: int = DEFAULT_MAX_BYTES
    subscriptions: tuple[SubscriptionFilter, ...] = ()
    metric_filters: tuple[MetricFilter, ...] = ()


def load_log_settings(path: Path) -> LogSettings:
    """``[logs]`` of the hakobu.toml at ``path`` (defaults when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", file=path) from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"invalid TOML: {e}", file=path) from e
    return parse_log_settings(data, path=path, text=text)


def parse_log_settings(data: Mapping[str, Any], *, path: Path, text: str) -> LogSettings:
    """The same, from a file already parsed (``text`` locates errors)."""
    return _Reader(path, text).settings(data.get("logs"))


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def error(self, keys: tuple[str, ...], message: str, fix: str | None = None) -> ConfigError:
        return self.located_error(find_key_line(self.text, keys), ".".join(keys), message, fix)

    def located_error(
        self, line: int | None, where: str, message: str, fix: str | None
    ) -> ConfigError:
        return ConfigError(message, file=self.path, line=line, field=where, fix=fix)

    def settings(self, logs: Any) -> LogSettings:
        if logs is None:
            return LogSettings()
        if not isinstance(logs, dict):
            raise self.error(("logs",), "expected a table", fix="write [logs]")
        self.known(logs, _LOGS_KEYS, ("logs",))
        return LogSettings(
            archive=self.archive(logs.get("archive")),
            archive_flush_seconds=self.number(logs, "archive_flush_seconds", DEFAULT_MAX_SECONDS),
            archive_flush_bytes=int(self.number(logs, "archive_flush_bytes", DEFAULT_MAX_BYTES)),
            subscriptions=self.subscriptions(logs),
            metric_filters=self.metric_filters(logs),
        )

    def known(
        self, table: Mapping[str, Any], allowed: tuple[str, ...], keys: tuple[str, ...]
    ) -> None:
        for key in table:
            if key not in allowed:
                close = suggest(key, allowed)
                fix = f'did you mean "{close}"?' if close else "known: " + ", ".join(allowed)
                raise self.error((*keys, key), f'unknown key "{key}"', fix=fix)

    def archive(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(("logs", "archive"), "expected a folder or s3://bucket/prefix")
        if value.startswith("s3://"):
            if not value[5:].split("/")[0]:
                raise self.error(("logs", "archive"), "no bucket", fix='e.g. "s3://my-logs/app"')
            return value
        return str((self.path.parent / value).resolve())

    def number(self, table: Mapping[str, Any], key: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(("logs", key), f"expected a positive number, got {value!r}")
        return float(value)

    def entries(self, logs: Mapping[str, Any], table: str) -> list[_Entry]:
        value = logs.get(table)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(("logs", table), f"expected [[logs.{table}]] tables")
        return [_Entry(self, table, index, entry) for index, entry in enumerate(value)]

    def subscriptions(self, logs: Mapping[str, Any]) -> tuple[SubscriptionFilter, ...]:
        filters: list[SubscriptionFilter] = []
        for entry in self.entries(logs, "subscriptions"):
            name, group, pattern = entry.common(_SUBSCRIPTION_KEYS, "destination")
            new = SubscriptionFilter(name, group, pattern, entry.destination())
            same = [f.name for f in filters if f.log_group == group]
            entry.check_limit(new.name, group, same, MAX_FILTERS_PER_GROUP, "subscription")
            filters.append(new)
        return tuple(filters)

    def metric_filters(self, logs: Mapping[str, Any]) -> tuple[MetricFilter, ...]:
        filters: list[MetricFilter] = []
        for entry in self.entries(logs, "metric_filters"):
            name, group, pattern = entry.common(_METRIC_KEYS, "metric_name", "metric_namespace")
            new = MetricFilter(
                name,
                group,
                pattern,
                entry.metric_name("metric_name"),
                entry.metric_name("metric_namespace"),
                entry.metric_value(),
                entry.default_value(),
            )
            same = [f.name for f in filters if f.log_group == group]
            entry.check_limit(name, group, same, MAX_METRIC_FILTERS, "metric")
            filters.append(new)
        return tuple(filters)


class _Entry:
    """One ``[[logs.TABLE]]`` entry, and errors located at its keys."""

    def __init__(self, reader: _Reader, table: str, index: int, data: Mapping[str, Any]) -> None:
        self.reader, self.table, self.index, self.data = reader, table, index, data

    def error(self, key: str | None, message: str, fix: str | None = None) -> ConfigError:
        where = f"logs.{self.table}[{self.index}]" + (f".{key}" if key else "")
        return self.reader.located_error(self.line(key), where, message, fix)

    def line(self, key: str | None) -> int | None:
        """The line of ``key`` in this entry's table (its header line without a key)."""
        text = self.reader.text
        header = rf"^\s*\[\[\s*logs\.{self.table}\s*\]\]"
        starts = [m.start() for m in re.finditer(header, text, re.M)]
        if self.index >= len(starts):
            return find_key_line(text, ("logs", self.table))
        start = starts[self.index]
        header_line = text.count("\n", 0, start) + 1
        if key is None:
            return header_line
        end = starts[self.index + 1] if self.index + 1 < len(starts) else len(text)
        found = find_key_line(text[start:end], (key,))
        return header_line + found - 1 if found else header_line

    def common(self, allowed: tuple[str, ...], *required: str) -> tuple[str, str, str]:
        """Checks the keys; returns the filter's name, log group and (compiled, so checked)
        pattern."""
        for key in self.data:
            if key not in allowed:
                close = suggest(key, allowed)
                fix = f'did you mean "{close}"?' if close else "known: " + ", ".join(allowed)
                raise self.error(key, f'unknown key "{key}"', fix)
        for key in ("name", "log_group", *required):
            if key not in self.data:
                raise self.error(None, f'missing "{key}"', f"add {key} = ...")
        name, group = self.text("name"), self.text("log_group")
        if not _FILTER_NAME.fullmatch(name):
            raise self.error("name", "a filter name is 1-512 characters, no ':' or '*'")
        if not GROUP_NAME.fullmatch(group):
            raise self.error(
                "log_group", f"invalid log group name {group!r}", "letters, digits, _ - / . #"
            )
        pattern = self.data.get("pattern", "")
        if not isinstance(pattern, str):
            raise self.error("pattern", "expected a string", "quote it with '...'")
        field = f"logs.{self.table}[{self.index}].pattern"
        compile_pattern(pattern, file=self.reader.path, line=self.line("pattern"), field=field)
        return name, group, pattern

    def text(self, key: str) -> str:
        value = self.data[key]
        if not isinstance(value, str) or not value:
            raise self.error(key, "expected a non-empty string")
        return value

    def destination(self) -> Destination:
        value = self.data["destination"]
        fix = 'a URL ("http://..."), "console", or { command = ["program", "arg"] }'
        if value == "console":
            return ConsoleDestination()
        if isinstance(value, str) and _URL.fullmatch(value):
            return WebhookDestination(value)
        if isinstance(value, dict) and set(value) == {"command"}:
            argv = value["command"]
            if isinstance(argv, list) and argv and all(isinstance(a, str) and a for a in argv):
                return CommandDestination(tuple(argv))
            fix = 'command is a list of strings, e.g. { command = ["./notify.sh", "ops"] }'
        raise self.error("destination", f"invalid destination {value!r}", fix)

    def metric_name(self, key: str) -> str:
        value = self.text(key)
        if len(value) > 255 or _METRIC_FORBIDDEN.search(value):
            raise self.error(key, "up to 255 characters, none of : * $")
        return value

    def metric_value(self) -> str:
        value = self.data.get("metric_value", "1")
        if not isinstance(value, str) or not METRIC_VALUE.fullmatch(value):
            raise self.error(
                "metric_value",
                f"invalid metric value {value!r}",
                'a number in quotes ("1"), a JSON selector ("$.latency") or a field ("$size")',
            )
        return value

    def default_value(self) -> float | None:
        value = self.data.get("default_value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise self.error("default_value", f"expected a number, got {value!r}")
        return None if value is None else float(value)

    def check_limit(self, name: str, group: str, same: list[str], limit: int, kind: str) -> None:
        if name in same:
            raise self.error("name", f"log group {group} already has a {kind} filter named {name}")
        if len(same) >= limit:
            raise self.error(
                "log_group",
                f"log group {group} already has {len(same)} {kind} filters "
                f"({', '.join(same)}); CloudWatch allows {limit} per log group",
                "remove one, or combine their patterns with ?term or ||",
            )
