"""Subscription filters: events of a log group that match a filter pattern, delivered in batches.

As CloudWatch allows, a log group has at most two subscription filters. Each batch is shaped
like the data CloudWatch sends a subscription's destination (``messageType`` DATA_MESSAGE,
``owner``, ``logGroup``, ``logStream``, ``subscriptionFilters``, ``logEvents``), uncompressed:

- a webhook gets it as an HTTP POST of JSON;
- a command gets it as JSON on stdin (its argument list is run without a shell);
- the console gets one readable line per event.

Delivery never holds up the log pipeline: each filter has a bounded queue and a worker thread
that retries with exponential backoff (bounded attempts); a batch that runs out of attempts, and
an event that finds its queue full, go to the dead-letter file (JSON lines) and are counted.
"""

from __future__ import annotations

import contextlib
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from pathlib import Path
from typing import IO, Any

from hakobu.containers.process import run_command
from hakobu.errors import HakobuError, UsageError
from hakobu.logs.events import OWNER, Matcher, StoredEvent

MAX_FILTERS_PER_GROUP = 2  # PutSubscriptionFilter: "Each log group can have up to two"


@dataclass(frozen=True)
class WebhookDestination:
    url: str
    timeout: float = 5.0

    def describe(self) -> str:
        return self.url


@dataclass(frozen=True)
class CommandDestination:
    argv: tuple[str, ...]
    timeout: float = 30.0

    def describe(self) -> str:
        return "command " + " ".join(self.argv)


@dataclass(frozen=True)
class ConsoleDestination:
    def describe(self) -> str:
        return "console"


Destination = WebhookDestination | CommandDestination | ConsoleDestination


@dataclass(frozen=True)
class SubscriptionFilter:
    name: str
    log_group: str
    pattern: str  # CloudWatch filter pattern text; "" matches every event
    destination: Destination


def check_filters(filters: Sequence[SubscriptionFilter]) -> None:
    """CloudWatch's rules: at most two filters per log group, names unique within a group."""
    by_group: dict[str, list[str]] = {}
    for f in filters:
        names = by_group.setdefault(f.log_group, [])
        if f.name in names:
            raise UsageError(f"log group {f.log_group} has two subscription filters named {f.name}")
        names.append(f.name)
        if len(names) > MAX_FILTERS_PER_GROUP:
            raise UsageError(
                f"log group {f.log_group} has {len(names)} subscription filters "
                f"({', '.join(names)}); CloudWatch allows {MAX_FILTERS_PER_GROUP} per log group"
            )


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def payload(filter_name: str, group: str, stream: str, events: Sequence[StoredEvent]) -> str:
    return json.dumps(
        {
            "messageType": "DATA_MESSAGE",
            "owner": OWNER,
            "logGroup": group,
            "logStream": stream,
            "subscriptionFilters": [filter_name],
            "logEvents": [
                {"id": e.event_id, "timestamp": e.timestamp_ms, "message": e.message}
                for e in events
            ],
        }
    )


def send_webhook(destination: WebhookDestination, body: str) -> None:
    request = urllib.request.Request(
        destination.url,
        data=body.encode(),
        headers={"Content-Type": "application/json", "User-Agent": "hakobu"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=destination.timeout) as response:
            response.read()
    except urllib.error.HTTPError as e:
        # A client error other than timeout or throttling will not get better by retrying.
        permanent = 400 <= e.code < 500 and e.code not in (408, 429)
        raise DeliveryError(f"HTTP {e.code} {e.reason}", permanent=permanent) from e
    except (urllib.error.URLError, OSError) as e:
        raise DeliveryError(f"cannot reach {destination.url}: {e}") from e


def send_command(destination: CommandDestination, body: str) -> None:
    try:
        done = run_command(destination.argv, input=body, timeout=destination.timeout, check=False)
    except HakobuError as e:
        raise DeliveryError(str(e)) from e
    if done.returncode != 0:
        raise DeliveryError(f"exited {done.returncode}: {done.stderr.strip()[:300]}")


@dataclass
class DispatchStats:
    matched: int = 0
    delivered: int = 0  # events
    failed_attempts: int = 0
    dead_lettered: int = 0  # events whose batch ran out of attempts
    spilled: int = 0  # events that found the queue full


@dataclass
class _Worker:
    filter: SubscriptionFilter
    matcher: Matcher
    queue: queue.Queue[StoredEvent | None]  # None: close() wakes the worker
    thread: threading.Thread | None = None
    stats: DispatchStats = field(default_factory=DispatchStats)


class SubscriptionDispatcher:
    """Matches stored events against the filters and delivers them from background workers."""

    def __init__(
        self,
        filters: Sequence[SubscriptionFilter],
        *,
        dead_letter: Path,
        compile_pattern: Callable[[str], Matcher],
        console: IO[str] | None = None,
        queue_size: int = 10_000,
        batch_size: int = 1_000,
        linger: float = 0.5,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        check_filters(filters)
        self.dead_letter = dead_letter
        self._console = console
        self._batch_size, self._linger = batch_size, linger
        self._max_attempts, self._backoff, self._max_backoff = max_attempts, backoff, max_backoff
        self._closing = threading.Event()
        self._deadline = float("inf")
        self._dlq_lock = threading.Lock()
        self._workers = [
            _Worker(f, compile_pattern(f.pattern), queue.Queue(maxsize=queue_size)) for f in filters
        ]
        self._by_group: dict[str, list[tuple[int, _Worker]]] = {}
        for index, worker in enumerate(self._workers):
            self._by_group.setdefault(worker.filter.log_group, []).append((index, worker))
            worker.thread = threading.Thread(
                target=self._run, args=(worker,), name=f"subscription-{worker.filter.name}"
            )
            worker.thread.daemon = True
            worker.thread.start()

    @property
    def log_groups(self) -> frozenset[str]:
        """The groups some filter subscribes to: only their events need offering."""
        return frozenset(self._by_group)

    @property
    def stats(self) -> DispatchStats:
        total = DispatchStats()
        for worker in self._workers:
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(worker.stats, name))
        return total

    def select(self, group: str, messages: Sequence[str]) -> list[int]:
        """The positions of the messages of ``group`` that some filter matches: the store reads
        back only those for ``offer``, which is most of the saving when few events match."""
        workers = self._by_group.get(group)
        if not workers:
            return []
        positions = range(len(messages))
        if len(workers) == 1:
            # compress and map iterate in C: the only Python code per message is the matcher.
            return list(compress(positions, map(workers[0][1].matcher.matches, messages)))
        # Each message meets the filters one after the other, so that what a pattern derives
        # from it (its JSON object) serves the next (filter_eval.load_object).
        matchers = [worker.matcher.matches for _, worker in workers]
        return [i for i, message in enumerate(messages) if any(m(message) for m in matchers)]

    def offer(self, events: Iterable[StoredEvent], *, selected: bool = False) -> None:
        """Queue the events that match; never blocks (a full queue spills to the dead letters).

        ``selected``: the events are what ``select`` picked, each matched by some filter of its
        group, so a group's only filter is not asked again (a JSON pattern would parse the
        event a second time)."""
        spilled: dict[int, list[StoredEvent]] = {}
        for event in events:
            workers = self._by_group.get(event.log_group, ())
            known = selected and len(workers) == 1
            for index, worker in workers:
                if not known and not worker.matcher.matches(event.message):
                    continue
                worker.stats.matched += 1
                try:
                    worker.queue.put_nowait(event)
                except queue.Full:
                    worker.stats.spilled += 1
                    spilled.setdefault(index, []).append(event)
        for index, lost in spilled.items():
            for group_events in _by_stream(lost).values():
                self._dead_letter(self._workers[index], group_events, "queue full", 0)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued within ``timeout``; what is left goes to the dead letters."""
        self._deadline = time.monotonic() + timeout
        self._closing.set()
        for worker in self._workers:
            # Wakes a worker waiting for events now, not at its next poll: a task's stop waits
            # for this. After every event offered, so it comes last (a full queue needs none).
            with contextlib.suppress(queue.Full):
                worker.queue.put_nowait(None)
        for worker in self._workers:
            if worker.thread is not None:
                worker.thread.join(max(0.0, self._deadline - time.monotonic()) + 1.0)

    # -- workers -------------------------------------------------------------------------------

    def _run(self, worker: _Worker) -> None:
        while True:
            batch = self._next_batch(worker)
            if not batch:
                if self._closing.is_set():
                    return
                continue
            for (group, stream), events in _by_stream(batch).items():
                self._deliver(worker, group, stream, events)

    def _next_batch(self, worker: _Worker) -> list[StoredEvent]:
        try:
            first = (
                worker.queue.get_nowait()
                if self._closing.is_set()
                else worker.queue.get(timeout=0.1)
            )
        except queue.Empty:
            return []
        if first is None:
            return []
        batch = [first]
        until = time.monotonic() + self._linger
        while len(batch) < self._batch_size:
            # Wait for more in short steps, and not at all once closing: a stop must not wait
            # for a batch to fill.
            wait = 0.0 if self._closing.is_set() else min(0.05, until - time.monotonic())
            try:
                event = worker.queue.get(timeout=wait) if wait > 0 else worker.queue.get_nowait()
            except queue.Empty:
                if wait <= 0 or time.monotonic() >= until:
                    break
                continue
            if event is None:  # closing: what is queued was before it
                break
            batch.append(event)
        return batch

    def _deliver(self, worker: _Worker, group: str, stream: str, events: list[StoredEvent]) -> None:
        body = payload(worker.filter.name, group, stream, events)
        for attempt in range(1, self._max_attempts + 1):
            if time.monotonic() > self._deadline:
                self._dead_letter(worker, events, "shutdown", attempt - 1, body)
                return
            try:
                self._send(worker.filter, body, events)
                worker.stats.delivered += len(events)
                return
            except DeliveryError as e:
                worker.stats.failed_attempts += 1
                if e.permanent or attempt == self._max_attempts:
                    self._dead_letter(worker, events, str(e), attempt, body)
                    return
                pause = min(self._max_backoff, self._backoff * 2 ** (attempt - 1))
                time.sleep(max(0.0, min(pause, self._deadline - time.monotonic())))

    def _send(self, target: SubscriptionFilter, body: str, events: list[StoredEvent]) -> None:
        destination = target.destination
        if isinstance(destination, WebhookDestination):
            send_webhook(destination, body)
        elif isinstance(destination, CommandDestination):
            send_command(destination, body)
        else:
            out = self._console or sys.stderr
            for event in events:
                out.write(
                    f"[{target.name}] {event.log_group} {event.log_stream}: {event.message}\n"
                )
            out.flush()

    def _dead_letter(
        self,
        worker: _Worker,
        events: list[StoredEvent],
        reason: str,
        attempts: int,
        body: str | None = None,
    ) -> None:
        if reason != "queue full":
            worker.stats.dead_lettered += len(events)
        group, stream = events[0].log_group, events[0].log_stream
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "subscriptionFilter": worker.filter.name,
            "destination": worker.filter.destination.describe(),
            "reason": reason,
            "attempts": attempts,
            "payload": json.loads(body or payload(worker.filter.name, group, stream, events)),
        }
        line = json.dumps(record) + "\n"
        with self._dlq_lock, contextlib.suppress(OSError):
            self.dead_letter.parent.mkdir(parents=True, exist_ok=True)
            with self.dead_letter.open("a", encoding="utf-8") as f:
                f.write(line)


def _by_stream(batch: list[StoredEvent]) -> dict[tuple[str, str], list[StoredEvent]]:
    grouped: dict[tuple[str, str], list[StoredEvent]] = {}
    for event in batch:
        grouped.setdefault((event.log_group, event.log_stream), []).append(event)
    return grouped


def dead_letters(path: Path) -> list[dict[str, Any]]:
    """The dead-letter file's records (a line cut short by a crash is skipped)."""
    records = []
    with contextlib.suppress(FileNotFoundError), path.open(encoding="utf-8") as f:
        for line in f:
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
    return records
