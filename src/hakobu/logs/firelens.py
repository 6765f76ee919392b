"""FireLens emulated: the log router's Fluent Bit pipeline, without a Fluent Bit image.

ECS builds the router's configuration from the task definition (FireLens docs, "Creating a task
definition that uses a FireLens configuration"): records arrive tagged
``<container>-firelens-<task-id>`` as ``{"source", "log", "container_id", "container_name"}``;
a record_modifier adds ``ecs_cluster``, ``ecs_task_arn`` and ``ecs_task_definition`` unless
``enable-ecs-log-metadata`` is ``false``; the custom config file (``config-file-type`` ``file``)
is included; then each ``awsfirelens`` container's ``include-pattern``/``exclude-pattern`` become
grep filters and its other options one ``[OUTPUT]`` matching its tag. hakobu applies the same
filters and outputs, in that order, to each line.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from hakobu.errors import InputError
from hakobu.logs.events import LogEvent
from hakobu.logs.firelens_filters import (
    Record,
    RecordFilter,
    as_text,
    check_keys,
    lookup,
    record_modifier_filter,
)
from hakobu.logs.fluentbit import Section, is_on, section_matches

SPECIAL_OPTIONS = ("include-pattern", "exclude-pattern", "log-driver-buffer-limit")
MAX_BUFFER_LIMIT = 536_870_912  # log-driver-buffer-limit: 0 to 512 MiB
_OUTPUT_COMMON = ("name", "match", "match_regex", "alias", "retry_limit", "log_level", "workers")
_AWS_COMMON = ("region", "role_arn", "endpoint", "sts_endpoint", "external_id", "profile")
OUTPUT_KEYS: Mapping[str, tuple[str, ...]] = {
    "cloudwatch_logs": (
        *_AWS_COMMON,
        "log_group_name",
        "log_group_template",
        "log_stream_name",
        "log_stream_prefix",
        "log_stream_template",
        "log_key",
        "log_format",
        "auto_create_group",
        "log_group_class",
        "log_retention_days",
        "metric_namespace",
        "metric_dimensions",
        "auto_retry_requests",
        "port",
    ),
    "cloudwatch": (
        *_AWS_COMMON,
        "log_group_name",
        "default_log_group_name",
        "log_stream_name",
        "default_log_stream_name",
        "log_stream_prefix",
        "log_key",
        "log_format",
        "auto_create_group",
        "new_log_group_tags",
        "log_retention_days",
        "credentials_endpoint",
        "metric_namespace",
        "metric_dimensions",
    ),
    "s3": (
        *_AWS_COMMON,
        "bucket",
        "total_file_size",
        "upload_chunk_size",
        "upload_timeout",
        "store_dir",
        "store_dir_limit_size",
        "s3_key_format",
        "s3_key_format_tag_delimiters",
        "static_file_path",
        "use_put_object",
        "canned_acl",
        "compression",
        "content_type",
        "send_content_md5",
        "auto_retry_requests",
        "log_key",
        "preserve_data_ordering",
        "storage_class",
        "json_date_key",
        "json_date_format",
    ),
}
NOT_EMULATED_GROUP = "/hakobu/firelens/{plugin}"
_TEMPLATE = re.compile(r"\$\(([^)]*)\)")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")  # S3's bucket naming rules


@dataclass(frozen=True)
class TaskIdentity:
    task_id: str
    task_arn: str
    cluster: str
    family: str
    revision: int

    @property
    def task_definition(self) -> str:
        return f"{self.family}:{self.revision}"

    def tag(self, container: str) -> str:
        return f"{container}-firelens-{self.task_id}"

    def container_id(self, container: str) -> str:
        # Fargate's container IDs are "<task id>-<number>"; a stable number stands in.
        return f"{self.task_id}-{zlib.crc32(container.encode())}"


class Deliveries(Protocol):
    """Where outputs put what they produce; the router batches it."""

    def store_event(self, group: str, stream: str, event: LogEvent) -> None: ...

    def outbox(self, sink: str, timestamp_ms: int, body: str) -> None: ...

    def router_stdout(self, text: str, event: LogEvent) -> None: ...


def record_json(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _template(text: str, tag: str, record: Record, identity: TaskIdentity) -> str | None:
    """The cloudwatch plugin's ``$(...)`` templates; None when a variable has no value."""
    specials = {
        "ecs_task_id": identity.task_id,
        "ecs_cluster": identity.cluster,
        "ecs_task_arn": identity.task_arn,
        "tag": tag,
    }
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match[1].strip()
        indexed = re.fullmatch(r"tag\[(\d)\]", name)
        if indexed:
            parts = tag.split(".")
            return parts[int(indexed[1])] if int(indexed[1]) < len(parts) else ""
        found = specials.get(name, lookup(record, name))
        if found is None:
            missing = True
            return ""
        return as_text(found)

    rendered = _TEMPLATE.sub(value, text)
    return None if missing else rendered


def _accessor_template(text: str, tag: str, record: Record) -> str | None:
    """cloudwatch_logs' record_accessor templates (``$key['sub']``, ``$TAG``, ``$TAG[n]``)."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match[0]
        if name.startswith("$TAG"):
            index = re.search(r"\[(\d+)\]", name)
            return tag.split(".")[int(index[1])] if index else tag
        found = lookup(record, name)
        if found is None:
            missing = True
            return ""
        return as_text(found)

    rendered = re.sub(r"\$[A-Za-z_][\w.-]*?(?:\[[^\]]*\])*(?=[.,]|$)", value, text)
    return None if missing else rendered


@dataclass
class CloudWatchOutput:
    section: Section
    identity: TaskIdentity
    dropped: int = 0

    @property
    def plugin(self) -> str:
        return self.section.name

    def group_and_stream(self, tag: str, record: Record) -> tuple[str, str] | None:
        get = self.section.get
        if self.plugin == "cloudwatch":
            group = _template(get("log_group_name") or "", tag, record, self.identity)
            group = group or get("default_log_group_name")
            stream = _template(get("log_stream_name") or "", tag, record, self.identity)
            if get("log_stream_prefix") and not get("log_stream_name"):
                stream = (
                    _template(get("log_stream_prefix") or "", tag, record, self.identity) or ""
                ) + tag
            stream = stream or get("default_log_stream_name")
        else:
            group = _accessor_template(get("log_group_template") or "", tag, record)
            group = group or get("log_group_name")
            stream = _accessor_template(get("log_stream_template") or "", tag, record)
            stream = stream or get("log_stream_name") or (get("log_stream_prefix") or "") + tag
        return (group, stream) if group and stream else None

    def deliver(self, tag: str, record: Record, event: LogEvent, out: Deliveries) -> None:
        names = self.group_and_stream(tag, record)
        key = self.section.get("log_key")
        if names is None or (key is not None and key not in record):
            self.dropped += 1  # Fluent Bit logs an error and drops the record
            return
        message = as_text(record[key]) if key is not None else record_json(record)
        out.store_event(*names, _with_message(event, message))


@dataclass
class S3Output:
    section: Section
    sink: str  # outbox sink name

    def deliver(self, tag: str, record: Record, event: LogEvent, out: Deliveries) -> None:
        key = self.section.get("log_key")
        if key is not None:
            if key not in record:
                return
            line = as_text(record[key])
        else:
            date_key = self.section.get("json_date_key", "date") or "date"
            line = record_json(record)
            if date_key.lower() != "false":
                stamp = _date(event.timestamp_ms, self.section.get("json_date_format"))
                line = record_json({date_key: stamp, **record})
        out.outbox(self.sink, event.timestamp_ms, json.dumps({"tag": tag, "line": line}))


@dataclass
class StdoutOutput:
    """Fluent Bit's stdout output prints to the log router's own stdout."""

    def deliver(self, tag: str, record: Record, event: LogEvent, out: Deliveries) -> None:
        out.router_stdout(
            f"[0] {tag}: [{event.timestamp_ms / 1000:.9f}, {record_json(record)}]", event
        )


@dataclass
class NotEmulatedOutput:
    """An output plugin with no local counterpart: records are kept in a hakobu log group."""

    plugin: str

    def deliver(self, tag: str, record: Record, event: LogEvent, out: Deliveries) -> None:
        group = NOT_EMULATED_GROUP.format(plugin=self.plugin)
        out.store_event(group, tag, _with_message(event, record_json(record)))


Output = CloudWatchOutput | S3Output | StdoutOutput | NotEmulatedOutput | None


def _with_message(event: LogEvent, message: str) -> LogEvent:
    return LogEvent(event.timestamp_ms, message, event.container, event.task_id, event.stream)


def _date(timestamp_ms: int, fmt: str | None) -> Any:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    kind = (fmt or "iso8601").lower()
    if kind == "double":
        return timestamp_ms / 1000
    if kind == "epoch":
        return timestamp_ms // 1000
    if kind == "epoch_ms":
        return timestamp_ms
    if kind == "java_sql_timestamp":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class FirelensPipeline:
    """Filters then outputs, each selected by the record's tag, for one task."""

    identity: TaskIdentity
    filters: list[RecordFilter] = field(default_factory=list)
    outputs: list[tuple[Section, Output]] = field(default_factory=list)

    def record(self, event: LogEvent) -> Record:
        return {
            "source": event.stream,
            "log": event.message,
            "container_id": self.identity.container_id(event.container),
            "container_name": event.container,
        }

    def process(self, event: LogEvent, out: Deliveries) -> None:
        tag = self.identity.tag(event.container)
        record: Record | None = self.record(event)
        for record_filter in self.filters:
            assert record is not None
            record = record_filter.apply(tag, record)
            if record is None:
                return
        assert record is not None
        for section, output in self.outputs:
            if output is not None and section_matches(section, tag):
                output.deliver(tag, record, event, out)


def metadata_filter(identity: TaskIdentity) -> RecordFilter:
    section = Section("filter", [("name", "record_modifier"), ("match", "*")])
    section.entries += [
        ("record", f"ecs_cluster {identity.cluster}"),
        ("record", f"ecs_task_arn {identity.task_arn}"),
        ("record", f"ecs_task_definition {identity.task_definition}"),
    ]
    return RecordFilter(section, record_modifier_filter(section))


def container_sections(
    container: str, options: Mapping[str, str], field_path: str
) -> tuple[list[Section], Section | None]:
    """The grep filters and the ``[OUTPUT]`` ECS generates from an awsfirelens ``options``
    (none without options: the custom config's outputs take the container's records)."""
    match = ("match", f"{container}-firelens*")
    greps = []
    for option, rule in (("include-pattern", "regex"), ("exclude-pattern", "exclude")):
        if options.get(option):
            greps.append(
                Section("filter", [("name", "grep"), match, (rule, f"log {options[option]}")])
            )
    limit = options.get("log-driver-buffer-limit")
    if limit is not None and (not limit.isdigit() or int(limit) > MAX_BUFFER_LIMIT):
        raise InputError(
            f"log-driver-buffer-limit must be 0 to {MAX_BUFFER_LIMIT}, got {limit!r}",
            field=f"{field_path}.log-driver-buffer-limit",
        )
    entries = [(k.lower(), v) for k, v in options.items() if k not in SPECIAL_OPTIONS]
    if not entries:
        return greps, None
    if any(k == "match" for k, _ in entries):
        raise InputError(
            "FireLens sets Match itself", field=f"{field_path}.Match", fix="remove Match"
        )
    output = Section("output", [*entries, match], file=field_path)
    if not output.name:
        raise InputError(
            "awsfirelens options need Name (the Fluent Bit output plugin)",
            field=f"{field_path}.Name",
            fix='e.g. "Name": "cloudwatch_logs"',
        )
    return greps, output


def check_output(section: Section) -> None:
    """Fluent Bit refuses unknown keys; so does hakobu for the plugins it emulates."""
    known = OUTPUT_KEYS.get(section.name)
    if known is None:
        return
    check_keys(section, (*_OUTPUT_COMMON, *known))
    if section.name in ("cloudwatch_logs", "cloudwatch"):
        _require(section, "region")
        if not (section.get("log_group_name") or section.get("default_log_group_name")):
            _require(section, "log_group_name")
        if not any(section.get(k) for k in ("log_stream_name", "log_stream_prefix")):
            raise section.error("set log_stream_name or log_stream_prefix")
        if section.get("log_retention_days") is not None:
            from hakobu.logs.store import RETENTION_DAYS

            days = section.get("log_retention_days") or ""
            if not days.isdigit() or (int(days) and int(days) not in RETENTION_DAYS):
                raise section.error(f"log_retention_days {days} is not allowed")
    if section.name == "s3":
        _require(section, "bucket")
        if not _BUCKET.fullmatch(section.get("bucket") or ""):
            raise section.error("not an S3 bucket name", "3-63 of a-z 0-9 . -", key="bucket")


def _require(section: Section, key: str) -> None:
    if not section.get(key):
        raise section.error(f"{key} is required", key=key)


def auto_create(section: Section) -> bool:
    return is_on(section.get("auto_create_group"))
