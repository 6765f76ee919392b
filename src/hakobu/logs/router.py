"""The log router of one task: each container line, masked, to the destinations its
``logConfiguration`` names, in batches, without loss.

    router = LogRouter.for_task(task_definition, root=app.root, task_id=..., task_arn=...,
                                family=..., revision=1, secret_values=[...])
    router.resume_offset("app")            # where to start reading the container's log file
    router.emit_lines("app", [("stdout", "2024-05-01T10:00:00.123456789Z", "hello", 83), ...])
    router.emit("app", "stdout", "2024-05-01T10:00:00.123456789Z", "hello", offset_after=83)
    router.close()                         # every line delivered, archives written

Events are written to the store in batches (every ``FLUSH_EVENTS`` events or
``flush_interval`` seconds), each batch in one transaction with the log-file offsets it covers
and the archive records it produces (the outbox), so a collector killed at any point resumes
from ``resume_offset`` without duplicating or dropping. Stored events go on to the metric and
subscription filters; a background thread flushes on time, and writes the archives when their
size or age bound is reached.

A reader hands over the lines of a whole read at once (``emit_lines``). For the usual route,
awslogs without a multi-line pattern, a batch is handled by columns: its times parsed together
(``parse_rfc3339_ms_many``), masking searched for once in its whole text, its events appended
to the pending run of their stream with no object per event, and the subscription filters
evaluated only on the few events a literal search lets through (hakobu.logs.candidates).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from array import array
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring as _json_string
from pathlib import Path
from typing import IO, Any

from hakobu.logs.awslogs import MultilineAssembler
from hakobu.logs.candidates import CandidateSelect
from hakobu.logs.chunks import EventRun
from hakobu.logs.events import (
    AWSLOGS_MAX_EVENT_BYTES,
    LogEvent,
    parse_rfc3339_ms_many,
)
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.firelens import S3Output, TaskIdentity
from hakobu.logs.lines import Line, LineBatch
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
CLOSE_ATTEMPTS = 6  # tries to write the last batch when the router closes (about 6 s in all)
HELD_BATCHES = 2  # full batches compressing before the reader waits for the oldest
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
        patterns: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``patterns``: the filter patterns of the dispatcher's filters, by log group."""
        self.plan = plan
        self.store = store
        self.warnings = list(plan.warnings)
        self._masker = masker
        self._dispatcher = dispatcher
        self._subscribed = dispatcher.log_groups if dispatcher is not None else frozenset()
        # Only events some filter matches are read back from the store for the subscriptions,
        # and only the candidates a literal search finds are matched.
        self._select = (
            CandidateSelect(dispatcher.select, patterns or {}) if dispatcher is not None else None
        )
        self._metrics = metrics
        self._sinks = dict(sinks)
        self._archive_sink = archive_sink
        self._console = console
        self._owns_store = owns_store
        self._width = max((len(name) for name in plan.routes), default=8)
        self._lock = threading.Lock()  # the pending batch and the containers' state
        self._flush_lock = threading.Lock()  # one store write at a time, in order
        # Full batches being compressed, oldest first, written in order (at most HELD_BATCHES).
        self._held: list[WriteBatch] = []
        self._compressor = ThreadPoolExecutor(1, thread_name_prefix="log-compress")
        self._pending = WriteBatch()
        self._pending_events = 0
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
        self._due = threading.Event()  # wakes the router's thread (to stop)
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
            patterns=_patterns_by_group(subscriptions),
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
        self.emit_lines(container, [(stream, timestamp, message, offset_after)])

    def emit_lines(self, container: str, lines: LineBatch | Sequence[Line]) -> None:
        """Lines ``container`` wrote, in order: by columns, or each as (stream, RFC 3339 time,
        text, byte offset of its engine log file after it)."""
        state = self._containers.get(container)
        if state is None:
            raise ValueError(f"container {container} is not in the task definition")
        if not lines:
            return
        batch = lines if isinstance(lines, LineBatch) else LineBatch.of(lines)
        streams, messages = batch.streams, batch.texts
        times = parse_rfc3339_ms_many(batch.stamps)
        joined = "".join(messages)  # searched for secrets, then stored as it is
        if self._mask is not None:
            texts = self._masker.mask_all(messages, joined)
            if texts is not messages:
                joined = "".join(texts)
        else:
            texts = messages
        sizes = list(map(len, texts))
        lengths = array("q", sizes)  # from a list: sized at once
        with self._lock:
            if self._closed:
                raise RuntimeError("the log router is closed")
            if self._console is not None:
                self._console.write(
                    "".join(f"{container:<{self._width}} | {text}\n" for text in texts)
                )
                self._console.flush()
            # max of the list: its ints exist, where the array's would be made one by one
            if state.direct is not None and max(sizes) <= _ONE_EVENT_CHARS:
                # The common case: each line is one event of one stream, as it is.
                self._add_direct(
                    container, state, (times, texts, lengths, streams), batch.offsets[-1], joined
                )
            else:
                offsets = batch.offsets
                for ms, text, stream, offset in zip(times, texts, streams, offsets, strict=True):
                    before, state.offset = state.offset, offset
                    for ts, piece, source in state.assembler.add(
                        ms, text, stream, before, time.monotonic()
                    ):
                        self._deliver(LogEvent(ts, piece, container, self._task_id, source))
                self._note_offset(container, state)
            pending = self._pending_events + len(self._pending.outbox)
        if pending >= FLUSH_EVENTS:
            self._flush_behind()

    def _add_direct(
        self,
        container: str,
        state: _Container,
        columns: tuple[array[int], Sequence[str], array[int], Sequence[str]],
        offset: int,
        joined: str,
    ) -> None:
        """Lines that are events as they are, to the pending run of their stream (lock held).
        ``columns``: their times, texts, texts' lengths and sources; the run keeps only the
        joined text, the lengths and the times, so the lines die when this returns."""
        assert state.direct is not None
        times, texts, lengths, streams = columns
        group, stream = state.direct
        if self._archive_sink is not None:
            sink, task_id = self._archive_sink, self._task_id
            self._pending.outbox += [
                (sink, ms, _archived(LogEvent(ms, text, container, task_id, source)))
                for ms, text, source in zip(times, texts, streams, strict=True)
            ]
        run = self._run(group, stream)
        run.extend(
            times, joined, lengths, task_id=self._task_id, container=container, sources=streams
        )
        self._pending_events += len(times)
        self._pending.offsets[state.key] = state.offset = offset

    def _run(self, group: str, stream: str) -> EventRun:
        """The pending run events of ``stream`` join: the last one, unless another stream's
        events came after it (runs keep the order events came in)."""
        runs = self._pending.runs
        if not runs or runs[-1].group != group or runs[-1].stream != stream:
            runs.append(EventRun(group, stream))
        return runs[-1]

    def _add_event(self, group: str, stream: str, event: LogEvent) -> None:
        self._run(group, stream).append(event)
        self._pending_events += 1

    def _note_offset(self, container: str, state: _Container) -> None:
        pending = state.assembler.pending_offset
        offset = pending if pending is not None else state.offset
        self._pending.offsets[(self.plan.identity.task_id, container)] = offset

    def _deliver(self, event: LogEvent) -> None:
        if self._archive_sink is not None:
            self._pending.outbox.append((self._archive_sink, event.timestamp_ms, _archived(event)))
        route = self.plan.routes[event.container]
        if isinstance(route, AwslogsRoute | KeptRoute):
            self._add_event(route.group, route.stream, event)
        elif isinstance(route, FirelensRoute) and self.plan.pipeline is not None:
            self.plan.pipeline.process(event, _FirelensDeliveries(self))

    # -- output --------------------------------------------------------------------------------

    def flush(self) -> bool:
        """Write what is pending to the store now, and hand it to the subscriptions; False when
        the store failed (what it refused waits for the next flush)."""
        with self._flush_lock:
            held, self._held = self._held, []
            batch = self._take_pending()
            batches = [b for b in (*held, batch) if b]
            for index, each in enumerate(batches):
                if not self._write(each):
                    self._restore(batches[index:])
                    return False
        return True

    def _flush_behind(self) -> None:
        """A full batch: its runs are compressed on the compression thread while the reader
        reads on, and written on the reader's thread once compressed, or once HELD_BATCHES
        later ones wait too (or on the next flush). Only compression moves: it releases the
        GIL once for a whole chunk, where a thread doing the SQLite work would wait for the
        GIL after every statement and fall behind. Writing a batch only when its compression
        is done, or when the compression thread is that far behind, spares the reader waiting
        for a thread that a busy machine has not run yet."""
        with self._flush_lock:
            batch = self._take_pending()
            for run in batch.runs:
                run.compress_with(self._compressor)
            self._held.append(batch)
            while self._held and (len(self._held) > HELD_BATCHES or _compressed(self._held[0])):
                if not self._write(self._held[0]):
                    held, self._held = self._held, []
                    self._restore(held)
                    return
                del self._held[0]

    def _take_pending(self) -> WriteBatch:
        with self._lock:
            batch, self._pending = self._pending, WriteBatch()
            self._pending_events = 0
        return batch

    def _restore(self, batches: list[WriteBatch]) -> None:
        """Batches the store refused go back before what is pending, in order, for the next
        flush to try again: offsets must never be written out of order."""
        with self._lock:
            for batch in reversed(batches):
                self._pending = _merge(batch, self._pending)
                self._pending_events += sum(map(len, batch.all_runs()))

    def _write(self, batch: WriteBatch) -> bool:
        """``batch`` to the store, the sinks and the subscriptions (``_flush_lock`` held);
        False when the store failed."""
        if self._metrics:
            batch.metrics = self._metrics.increments(batch.all_events())
        try:
            result = self.store.write(batch, keep=self._subscribed, select=self._select)
        except Exception:
            log.exception("writing logs to %s failed; retrying", self.store.path)
            return False
        self._feed_sinks(batch, result.outbox_first)
        if self._dispatcher is not None:  # under the lock: in the order they were stored
            self._dispatcher.offer(result.stored, selected=self._select is not None)
        if result.expired:
            log.warning("%d events older than their group's retention were refused", result.expired)
        return True

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
        while True:
            self._due.wait(interval)
            self._due.clear()
            if self._stop.is_set():
                return
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
        self._due.set()
        self._ticker.join()
        # The last lines have no later flush to retry them: a store busy for a moment (another
        # writer's lock) gets a few tries, as the engine may delete the log file after this.
        for attempt in range(CLOSE_ATTEMPTS):
            if self.flush():
                break
            time.sleep(0.1 * 2**attempt)
        self._compressor.shutdown()
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
        self._router._add_event(group, stream, event)

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


def _patterns_by_group(subscriptions: Sequence[SubscriptionFilter]) -> dict[str, list[str]]:
    patterns: dict[str, list[str]] = {}
    for subscription in subscriptions:
        patterns.setdefault(subscription.log_group, []).append(subscription.pattern)
    return patterns


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


def _compressed(batch: WriteBatch) -> bool:
    return all(run.compressed is None or run.compressed.done() for run in batch.runs)


def _merge(first: WriteBatch, then: WriteBatch) -> WriteBatch:
    return WriteBatch(
        runs=first.all_runs() + then.all_runs(),
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
