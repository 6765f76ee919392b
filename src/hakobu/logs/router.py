"""The log router of one task: each container line, masked, to the destinations its
``logConfiguration`` names, in batches, without loss.

    router = LogRouter.for_task(task_definition, root=app.root, task_id=..., task_arn=...,
                                family=..., revision=1, secret_values=[...])
    router.resume_offset("app")            # where to start reading the container's log file
    router.emit("app", "stdout", "2024-05-01T10:00:00.123456789Z", "hello", offset_after=83)
    router.close()                         # every line delivered, archives written

Events are written to the store in batches (every ``FLUSH_EVENTS`` events or
``flush_interval`` seconds), each batch in one transaction with the log-file offsets it covers
and the archive records it produces (the outbox), so a collector killed at any point resumes
from ``resume_offset`` without duplicating or dropping. Stored events go on to the metric and
subscription filters; a background thread flushes on time, and writes the archives when their
size or age bound is reached.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring as _json_string
from pathlib import Path
from typing import IO, Any

from hakobu.logs.awslogs import MultilineAssembler
from hakobu.logs.events import AWSLOGS_MAX_EVENT_BYTES, LogEvent, parse_rfc3339_ms
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.firelens import S3Output, TaskIdentity
from hakobu.logs.masking import MIN_SECRET_LENGTH, SecretMasker
from hakobu.logs.metrics import MetricCounter, MetricFilter
from hakobu.logs.routes import (
    AwslogsRoute,
    FirelensRoute,
    KeptRoute,
    LogPlan,
    plan_logs,
    validate_log_configuration,
)
from hakobu.logs.sinks.archive import (
    ArchiveError,
    ArchiveSink,
    FluentBitS3Layout,
    LocalFolderTarget,
    parse_duration,
    parse_size,
)
from hakobu.logs.store import STORE_FILE, LocalLogStore, WriteBatch
from hakobu.logs.subscriptions import SubscriptionDispatcher, SubscriptionFilter
from hakobu.spec.taskdef import TaskDefinition

__all__ = [
    "LogRouter",
    "archive_sink_name",
    "drain_archive",
    "validate_log_configuration",
]

log = logging.getLogger("hakobu.logs")

FLUSH_EVENTS = 2_000
BEHIND_FACTOR = 4  # a sink holding this many times its size bound is fed from the outbox
DEAD_LETTER_FILE = "logs-dead-letter.jsonl"
LOCAL_BUCKETS = "s3"  # FireLens s3 outputs write to <root>/.hakobu/s3/<bucket>/


@dataclass
class _Container:
    assembler: MultilineAssembler
    offset: int  # log-file offset after the last line received
    key: tuple[str, str]  # (task, container): where the store keeps the offset
    # (group, stream) when each line is one event of that stream, stored as it is (awslogs
    # without a multi-line pattern, kept lines): such lines skip the assembler.
    direct: tuple[str, str] | None = None


class LogRouter:
    """Routes one task's container lines; build it with ``for_task``."""

    def __init__(
        self,
        plan: LogPlan,
        store: LocalLogStore,
        *,
        masker: SecretMasker,
        dispatcher: SubscriptionDispatcher | None,
        sinks: Mapping[str, ArchiveSink],
        archive_sink: str | None,
        console: IO[str] | None,
        owns_store: bool,
        metrics: MetricCounter | None = None,
        flush_interval: float = 0.2,
    ) -> None:
        self.plan = plan
        self.store = store
        self.warnings = list(plan.warnings)
        self._masker = masker
        self._dispatcher = dispatcher
        self._subscribed = dispatcher.log_groups if dispatcher is not None else frozenset()
        # Only events some filter matches are read back from the store for the subscriptions.
        self._select = dispatcher.select if dispatcher is not None else None
        self._metrics = metrics
        self._sinks = dict(sinks)
        self._archive_sink = archive_sink
        self._console = console
        self._owns_store = owns_store
        self._width = max((len(name) for name in plan.routes), default=8)
        self._lock = threading.Lock()  # the pending batch and the containers' state
        self._flush_lock = threading.Lock()  # one store write at a time, in order
        self._pending = WriteBatch()
        self._read_upto = dict.fromkeys(self._sinks, 0)
        self._behind = set(self._sinks)  # every sink first reads what a crash may have left
        self._task_id = plan.identity.task_id
        self._mask = masker.mask if masker else None
        self._containers = {
            name: _Container(
                MultilineAssembler(_multiline(route)),
                self.resume_offset(name),
                (self._task_id, name),
                _direct(route),
            )
            for name, route in plan.routes.items()
        }
        self._closed = False
        self._stop = threading.Event()
        self._ticker = threading.Thread(
            target=self._tick, args=(flush_interval,), name="log-router", daemon=True
        )
        self._ticker.start()

    @classmethod
    def for_task(
        cls,
        task_definition: TaskDefinition | Mapping[str, Any],
        *,
        root: Path,
        task_id: str,
        task_arn: str,
        family: str,
        revision: int,
        cluster: str = "hakobu-local",
        secret_values: Sequence[str] = (),
        subscriptions: Sequence[SubscriptionFilter] = (),
        metric_filters: Sequence[MetricFilter] = (),
        archive: ArchiveSink | None = None,
        console: IO[str] | None = None,
        store: LocalLogStore | None = None,
        source: str | None = None,
    ) -> LogRouter:
        """Plan the routes (InputError when a logConfiguration is invalid) and start routing.

        ``store`` defaults to ``<root>/.hakobu/logs.db``; subscription deliveries that fail for
        good go to ``<root>/.hakobu/logs-dead-letter.jsonl``.
        """
        identity = TaskIdentity(task_id, task_arn, cluster, family, revision)
        plan = plan_logs(task_definition, root=root, identity=identity, source=source)
        owns_store = store is None
        store = store or LocalLogStore(root / ".hakobu" / STORE_FILE)
        for name, spec in plan.groups.items():
            store.create_group(name, retention_days=spec.retention_days)
        sinks = _firelens_sinks(plan, root, store.store_id)
        archive_sink = None
        if archive is not None:
            archive.origin = store.store_id
            archive_sink = archive_sink_name(task_id)
            sinks[archive_sink] = archive
        masker = SecretMasker(secret_values)
        router = cls(
            plan,
            store,
            masker=masker,
            dispatcher=_dispatcher(subscriptions, root, console),
            sinks=sinks,
            archive_sink=archive_sink,
            console=console,
            owns_store=owns_store,
            metrics=MetricCounter(metric_filters) if metric_filters else None,
        )
        if masker.skipped:
            router.warnings.append(
                f"{masker.skipped} secret value(s) shorter than {MIN_SECRET_LENGTH} characters "
                "are not masked in logs"
            )
        return router

    # -- input ---------------------------------------------------------------------------------

    def resume_offset(self, container: str) -> int:
        """Where reading the container's engine log file resumes: every line before is stored."""
        return self.store.resume_offset(self.plan.identity.task_id, container)

    def emit(
        self, container: str, stream: str, timestamp: str, message: str, offset_after: int
    ) -> None:
        """One line ``container`` wrote to ``stream`` (stdout/stderr) at ``timestamp``
        (RFC 3339), ending at byte ``offset_after`` of its engine log file."""
        state = self._containers.get(container)
        if state is None:
            raise ValueError(f"container {container} is not in the task definition")
        timestamp_ms = parse_rfc3339_ms(timestamp)
        text = message if self._mask is None else self._mask(message)
        with self._lock:
            if self._closed:
                raise RuntimeError("the log router is closed")
            if self._console is not None:
                self._console.write(f"{container:<{self._width}} | {text}\n")
                self._console.flush()
            pending = self._pending
            if state.direct is not None and len(text) <= _ONE_EVENT_CHARS:
                # The common case, once per line: what the assembler and _deliver would do
                # for a line that is one event, without building what they need in general.
                state.offset = offset_after
                event = _event(LogEvent, (timestamp_ms, text, container, self._task_id, stream))
                if self._archive_sink is not None:
                    pending.outbox.append((self._archive_sink, timestamp_ms, _archived(event)))
                pending.events.append((*state.direct, event))
                pending.offsets[state.key] = offset_after
            else:
                before, state.offset = state.offset, offset_after
                for ts, piece, source in state.assembler.add(
                    timestamp_ms, text, stream, before, time.monotonic()
                ):
                    self._deliver(LogEvent(ts, piece, container, self._task_id, source))
                self._note_offset(container, state)
            full = len(pending.events) + len(pending.outbox) >= FLUSH_EVENTS
        if full:
            self.flush()

    def _note_offset(self, container: str, state: _Container) -> None:
        pending = state.assembler.pending_offset
        offset = pending if pending is not None else state.offset
        self._pending.offsets[(self.plan.identity.task_id, container)] = offset

    def _deliver(self, event: LogEvent) -> None:
        if self._archive_sink is not None:
            self._pending.outbox.append((self._archive_sink, event.timestamp_ms, _archived(event)))
        route = self.plan.routes[event.container]
        if isinstance(route, AwslogsRoute | KeptRoute):
            self._pending.events.append((route.group, route.stream, event))
        elif isinstance(route, FirelensRoute) and self.plan.pipeline is not None:
            self.plan.pipeline.process(event, _FirelensDeliveries(self))

    # -- output --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what is pending to the store now, and hand it to the subscriptions."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, WriteBatch()
            if not batch:
                return
            if self._metrics:
                batch.metrics = self._metrics.increments(batch.events)
            try:
                result = self.store.write(batch, keep=self._subscribed, select=self._select)
            except Exception:
                log.exception("writing logs to %s failed; retrying", self.store.path)
                with self._lock:
                    self._pending = _merge(batch, self._pending)
                return
            self._feed_sinks(batch, result.outbox_first)
            if self._dispatcher is not None:  # under the lock: in the order they were stored
                self._dispatcher.offer(result.stored)
        if result.expired:
            log.warning("%d events older than their group's retention were refused", result.expired)

    def _feed_sinks(self, batch: WriteBatch, first: int) -> None:
        """Archive records just stored go to their sinks without being read back, unless a sink
        is behind (its target failing): it then catches up from the outbox when it can."""
        for index, (name, timestamp_ms, body) in enumerate(batch.outbox):
            sink, seq = self._sinks[name], first + index
            if name in self._behind or sink.pending_bytes >= BEHIND_FACTOR * sink.max_bytes:
                self._behind.add(name)
                continue
            sink.add(seq, timestamp_ms, body)
            self._read_upto[name] = seq

    def _tick(self, interval: float) -> None:
        while not self._stop.wait(interval):
            with self._lock:
                for name, state in self._containers.items():
                    stale = state.assembler.flush_if_stale(time.monotonic())
                    for ts, piece, source in stale:
                        task_id = self.plan.identity.task_id
                        self._deliver(LogEvent(ts, piece, name, task_id, source))
                    if stale:  # the open event is stored now: the offset may move past it
                        self._note_offset(name, state)
            self.flush()
            self._pump(force=False)

    def _pump(self, *, force: bool) -> None:
        """Write the sinks that are due (all with ``force``) and acknowledge them in the store."""
        with self._flush_lock:
            for name, sink in self._sinks.items():
                if name in self._behind:
                    self._catch_up(name, sink)
                if not (force or sink.due()):
                    continue
                try:
                    last = sink.flush()
                except ArchiveError as e:
                    log.warning("archive %s: %s; trying again later", sink.target.describe(), e)
                    continue
                if last is not None:
                    self.store.ack_outbox(name, last)

    def _catch_up(self, name: str, sink: ArchiveSink) -> None:
        """Outbox rows not yet in the sink (left by a crash, or while it was behind)."""
        while sink.pending_bytes < BEHIND_FACTOR * sink.max_bytes:
            rows = self.store.read_outbox(name, after=self._read_upto[name], limit=5_000)
            if not rows:
                self._behind.discard(name)
                return
            for row in rows:
                sink.add(row.seq, row.timestamp_ms, row.body)
            self._read_upto[name] = rows[-1].seq

    def close(self) -> None:
        """Deliver everything: pending multi-line events, the store, archives, subscriptions."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for name, state in self._containers.items():
                for ts, piece, source in state.assembler.flush():
                    task_id = self.plan.identity.task_id
                    self._deliver(LogEvent(ts, piece, name, task_id, source))
                self._note_offset(name, state)
        self._stop.set()
        self._ticker.join()
        self.flush()
        self._pump(force=True)
        if self._dispatcher is not None:
            self._dispatcher.close()
        if self._owns_store:
            self.store.close()


class _FirelensDeliveries:
    """Where the FireLens outputs put records: the router's pending batch (its lock is held)."""

    def __init__(self, router: LogRouter) -> None:
        self._router = router
        self._pending = router._pending

    def store_event(self, group: str, stream: str, event: LogEvent) -> None:
        self._pending.events.append((group, stream, event))

    def outbox(self, sink: str, timestamp_ms: int, body: str) -> None:
        self._pending.outbox.append((sink, timestamp_ms, body))

    def router_stdout(self, text: str, event: LogEvent) -> None:
        """What the stdout output prints is the log router container's own output."""
        plan = self._router.plan
        if plan.log_router is not None:
            task_id = plan.identity.task_id
            self._router._deliver(
                LogEvent(event.timestamp_ms, text, plan.log_router, task_id, "stdout")
            )


def archive_sink_name(task_id: str) -> str:
    """The outbox rows of a task's archive records carry this sink name."""
    return f"archive:{task_id}"


def drain_archive(store: LocalLogStore, task_id: str, archive: ArchiveSink) -> int:
    """Write the archive records a task left in the outbox (its router stopped while the
    archive could not be written) to ``archive``; returns how many. ArchiveError when it still
    cannot be written: the records stay for another try."""
    name = archive_sink_name(task_id)
    archive.origin = store.store_id
    count, after = 0, 0
    while rows := store.read_outbox(name, after=after, limit=5_000):
        for row in rows:
            archive.add(row.seq, row.timestamp_ms, row.body)
        after, count = rows[-1].seq, count + len(rows)
        if archive.due():
            store.ack_outbox(name, archive.flush() or after)
    last = archive.flush()
    if last is not None:
        store.ack_outbox(name, last)
    return count


def _dispatcher(
    subscriptions: Sequence[SubscriptionFilter], root: Path, console: IO[str] | None
) -> SubscriptionDispatcher | None:
    if not subscriptions:
        return None
    return SubscriptionDispatcher(
        subscriptions,
        dead_letter=root / ".hakobu" / DEAD_LETTER_FILE,
        compile_pattern=compile_pattern,
        console=console,
    )


def _multiline(route: object) -> re.Pattern[str] | None:
    return route.config.multiline if isinstance(route, AwslogsRoute) else None


def _direct(route: object) -> tuple[str, str] | None:
    if isinstance(route, KeptRoute) or (
        isinstance(route, AwslogsRoute) and route.config.multiline is None
    ):
        return route.group, route.stream
    return None


# A line of at most this many characters is at most AWSLOGS_MAX_EVENT_BYTES in UTF-8 (4 bytes a
# character at most): one event, which awslogs does not split.
_ONE_EVENT_CHARS = AWSLOGS_MAX_EVENT_BYTES // 4
# LogEvent from a tuple in one C call: a named tuple's own constructor is a Python function.
_event = tuple.__new__


def _archived(event: LogEvent) -> str:
    """The archive's JSON line for ``event``, written by hand: this runs for every line."""
    ms = event.timestamp_ms
    return (
        f'{{"time":"{_iso_second(ms // 1000)}.{ms % 1000:03d}Z","timestamp":{ms},'
        f'"task_id":{_json_string(event.task_id)},"container":{_json_string(event.container)},'
        f'"source":{_json_string(event.stream)},"message":{_json_string(event.message)}}}'
    )


@lru_cache(maxsize=64)
def _iso_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _merge(first: WriteBatch, then: WriteBatch) -> WriteBatch:
    return WriteBatch(
        events=first.events + then.events,
        outbox=first.outbox + then.outbox,
        offsets={**first.offsets, **then.offsets},
    )  # metrics are counted again from the events on the next try


def _firelens_sinks(plan: LogPlan, root: Path, origin: str) -> dict[str, ArchiveSink]:
    """An archive sink per FireLens ``s3`` output: a local bucket under ``.hakobu/s3/``."""
    sinks: dict[str, ArchiveSink] = {}
    if plan.pipeline is None:
        return sinks
    for section, output in plan.pipeline.outputs:
        if not isinstance(output, S3Output):
            continue
        get = section.get
        layout = FluentBitS3Layout(
            key_format=get("s3_key_format") or FluentBitS3Layout.key_format,
            tag_delimiters=get("s3_key_format_tag_delimiters") or ".",
            compress=(get("compression") or "").lower() == "gzip",
            static=(get("static_file_path") or "").lower() in ("on", "true"),
        )
        bucket = root / ".hakobu" / LOCAL_BUCKETS / (get("bucket") or "bucket")
        sink = ArchiveSink(
            LocalFolderTarget(bucket),
            layout,
            max_bytes=parse_size(get("total_file_size") or "100000000"),
            max_seconds=parse_duration(get("upload_timeout") or "10m"),
        )
        sink.origin = origin
        sinks[output.sink] = sink
    return sinks
