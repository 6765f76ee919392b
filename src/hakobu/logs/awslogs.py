"""The ``awslogs`` log driver: its options as ECS documents them, stream names, multi-line events.

Options (ECS "Send Amazon ECS logs to CloudWatch", Docker's awslogs driver):

- ``awslogs-group`` (required), ``awslogs-region`` (required), ``awslogs-stream-prefix``
  (required on Fargate): the stream is ``prefix/container-name/ecs-task-id``;
- ``awslogs-create-group`` (default false): locally the group is created either way, with a
  warning when ECS would have failed the task because the group does not exist;
- ``awslogs-datetime-format`` / ``awslogs-multiline-pattern``: a line matching the pattern
  starts an event and the lines after it join it (the datetime format wins when both are set,
  as Docker does, although ECS asks for only one);
- ``mode`` (``blocking`` default, ``non-blocking``) and ``max-buffer-size`` (default ``1m``,
  with non-blocking only): checked; locally nothing blocks and nothing is dropped, since lines
  are read from the engine's log file, which the warnings say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hakobu.errors import InputError
from hakobu.logs.events import AWSLOGS_MAX_EVENT_BYTES, split_message
from hakobu.spec.problem import suggest

GROUP_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]{1,512}")  # CreateLogGroup's logGroupName
STREAM_NAME_FORBIDDEN = re.compile(r"[:*]")  # CreateLogStream: [^:*]{1,512}
MODES = ("blocking", "non-blocking")
BUFFER_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?", re.IGNORECASE)

REQUIRED = ("awslogs-group", "awslogs-region")
EMULATED = (
    *REQUIRED,
    "awslogs-stream-prefix",
    "awslogs-create-group",
    "awslogs-datetime-format",
    "awslogs-multiline-pattern",
    "mode",
    "max-buffer-size",
)
# Options the driver takes that change nothing locally: each gets a warning saying why.
IGNORED: Mapping[str, str] = {
    "awslogs-endpoint": "events go to the local store, not to an endpoint",
    "awslogs-credentials-endpoint": "the local store needs no credentials",
    "awslogs-force-flush-interval-seconds": "the local store is written within a second",
    "awslogs-max-buffered-events": "lines are read from the engine's log file, never dropped",
    "awslogs-format": "embedded metric format (json/emf) is not extracted locally",
    "awslogs-create-stream": "the local store creates streams as needed",
    "awslogs-stream": "ECS names the stream prefix/container-name/ecs-task-id",
    "tag": "ECS names the stream prefix/container-name/ecs-task-id",
}

# Docker's strftime-to-regex table for awslogs-datetime-format (moby daemon/logger/awslogs).
_STRFTIME: Mapping[str, str] = {
    "%a": r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
    "%A": r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
    "%w": r"[0-6]",
    "%d": r"(?:0[1-9]|[1,2][0-9]|3[0,1])",
    "%b": r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
    "%B": r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)",
    "%m": r"(?:0[1-9]|1[0-2])",
    "%Y": r"\d{4}",
    "%y": r"\d{2}",
    "%H": r"(?:[0,1][0-9]|2[0-3])",
    "%I": r"(?:0[0-9]|1[0-2])",
    "%p": r"[A,P]M",
    "%M": r"[0-5][0-9]",
    "%S": r"[0-5][0-9]",
    "%f": r"\d{6}",
    "%z": r"[+-]\d{4}",
    "%Z": r"[A-Z]{1,4}T",
    "%j": r"(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])",
    "%L": r"\.\d{3}",
}
# Docker flushes a multi-line event nobody continued after one batch period (5 s).
MULTILINE_FLUSH_SECONDS = 5.0


@dataclass(frozen=True)
class AwslogsConfig:
    group: str
    region: str
    stream_prefix: str | None
    create_group: bool
    multiline: re.Pattern[str] | None
    non_blocking: bool

    def stream_name(self, container: str, task_id: str) -> str:
        """``prefix/container-name/ecs-task-id``; without a prefix the Docker container ID is
        used on EC2, which does not exist locally, so the task ID stands in."""
        if self.stream_prefix:
            return f"{self.stream_prefix}/{container}/{task_id}"
        return task_id


def strftime_regex(fmt: str) -> str:
    """``awslogs-datetime-format`` as the regex Docker builds from it (unknown codes vanish)."""
    return re.sub(r"%.", lambda m: _STRFTIME.get(m[0], ""), fmt)


def buffer_size_bytes(text: str) -> int | None:
    """``max-buffer-size`` as Docker reads it (``1m``, ``4MB``, ``512k``); None when invalid."""
    match = BUFFER_SIZE.fullmatch(text.strip())
    if match is None:
        return None
    power: int = " kmgt".index((match[2] or " ").lower())
    return int(float(match[1]) * (1 << (10 * power)))


def multiline_pattern(options: Mapping[str, str]) -> str | None:
    if options.get("awslogs-datetime-format"):
        return strftime_regex(options["awslogs-datetime-format"])
    return options.get("awslogs-multiline-pattern") or None


def read_options(options: Mapping[str, str], *, where: str, warnings: list[str]) -> AwslogsConfig:
    """The driver's ``options`` checked as ECS and Docker check them; ``where`` is their JSON
    path (errors name ``where.option``); local differences are appended to ``warnings``."""
    return _OptionsReader(options, where, warnings).config()


class _OptionsReader:
    def __init__(self, options: Mapping[str, str], where: str, warnings: list[str]) -> None:
        self.options = options
        self.where = where
        self.warnings = warnings

    def error(self, name: str, message: str, fix: str | None = None) -> InputError:
        return InputError(message, field=f"{self.where}.{name}", fix=fix)

    def config(self) -> AwslogsConfig:
        self.check_names()
        options = self.options
        group, prefix = options["awslogs-group"], options["awslogs-stream-prefix"]
        if not GROUP_NAME.fullmatch(group):
            raise self.error(
                "awslogs-group",
                f"invalid log group name {group!r}",
                fix="use 1-512 of letters, digits, _ - / . #",
            )
        if STREAM_NAME_FORBIDDEN.search(prefix):
            raise self.error("awslogs-stream-prefix", "a stream name cannot contain ':' or '*'")
        for name in options:
            if name in IGNORED:
                self.warnings.append(f"{self.where}.{name}: {IGNORED[name]}")
        return AwslogsConfig(
            group=group,
            region=options["awslogs-region"],
            stream_prefix=prefix,
            create_group=self.boolean("awslogs-create-group"),
            multiline=self.multiline(),
            non_blocking=self.mode(),
        )

    def check_names(self) -> None:
        known = (*EMULATED, *IGNORED)
        for name in self.options:
            if name not in known:
                close = suggest(name, known)
                fix = f'did you mean "{close}"?' if close else "see docs/logs.md"
                raise self.error(name, f"unknown awslogs option {name}", fix)
        for name in (*REQUIRED, "awslogs-stream-prefix"):
            if not self.options.get(name):
                why = "required on Fargate" if name == "awslogs-stream-prefix" else "required"
                raise self.error(name, f"{name} is {why}")

    def boolean(self, name: str) -> bool:
        value = self.options.get(name, "false")
        # Go's strconv.ParseBool, which Docker's awslogs driver uses.
        if value in ("1", "t", "T", "TRUE", "true", "True"):
            return True
        if value in ("0", "f", "F", "FALSE", "false", "False"):
            return False
        raise self.error(name, f"{name} must be true or false, got {value!r}")

    def multiline(self) -> re.Pattern[str] | None:
        datetime_format = self.options.get("awslogs-datetime-format")
        if datetime_format and self.options.get("awslogs-multiline-pattern"):
            self.warnings.append(
                f"{self.where}: ECS says not to set both awslogs-datetime-format and "
                "awslogs-multiline-pattern; the driver uses awslogs-datetime-format"
            )
        pattern = multiline_pattern(self.options)
        if pattern is None:
            return None
        try:
            return re.compile(pattern)
        except re.error as e:
            name = "awslogs-datetime-format" if datetime_format else "awslogs-multiline-pattern"
            raise self.error(name, f"invalid pattern: {e}") from e

    def mode(self) -> bool:
        mode = self.options.get("mode", "blocking")
        if mode not in MODES:
            raise self.error("mode", f"mode must be blocking or non-blocking, got {mode!r}")
        size = self.options.get("max-buffer-size")
        if size is not None and buffer_size_bytes(size) is None:
            raise self.error("max-buffer-size", f"invalid max-buffer-size {size!r}", "e.g. 25m")
        if size is not None and mode == "blocking":
            self.warnings.append(f"{self.where}.max-buffer-size: used only in non-blocking mode")
        if mode == "non-blocking":
            self.warnings.append(
                f"{self.where}.mode: non-blocking may drop lines on AWS when its buffer "
                f"({size or '1m'}) is full; locally lines are read from the engine's log file "
                "and none is dropped"
            )
        return mode == "non-blocking"


@dataclass
class _Pending:
    timestamp_ms: int
    source: str
    lines: list[str]
    size: int
    started: float  # monotonic, for the flush timeout
    offset_before: int


class MultilineAssembler:
    """Joins lines into events as the awslogs driver does with a multi-line start pattern.

    ``add`` returns the events completed by a line; ``pending_offset`` is the log-file offset
    before the first line still buffered (None when nothing is), which is as far as a collector
    may record lines as stored.
    """

    def __init__(self, pattern: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self._pending: _Pending | None = None

    @property
    def pending_offset(self) -> int | None:
        return self._pending.offset_before if self._pending else None

    def add(
        self, timestamp_ms: int, line: str, source: str, offset_before: int, now: float
    ) -> list[tuple[int, str, str]]:
        """Events completed by ``line``: (timestamp, message, source of its first line)."""
        if self.pattern is None:
            return [(timestamp_ms, piece, source) for piece in split_message(line)]
        done: list[tuple[int, str, str]] = []
        starts = self.pattern.search(line) is not None
        size = len(line.encode()) + 1
        pending = self._pending
        if pending and (starts or pending.size + size > AWSLOGS_MAX_EVENT_BYTES):
            done += self.flush()
            pending = None
        if pending is None:
            self._pending = _Pending(timestamp_ms, source, [line], size, now, offset_before)
        else:
            pending.lines.append(line)
            pending.size += size
        return done

    def flush_if_stale(self, now: float) -> list[tuple[int, str, str]]:
        pending = self._pending
        if pending and now - pending.started >= MULTILINE_FLUSH_SECONDS:
            return self.flush()
        return []

    def flush(self) -> list[tuple[int, str, str]]:
        pending, self._pending = self._pending, None
        if pending is None:
            return []
        # Docker appends "\n" to every line of a multi-line event, the last one included.
        text = "".join(line + "\n" for line in pending.lines)
        return [(pending.timestamp_ms, piece, pending.source) for piece in split_message(text)]
