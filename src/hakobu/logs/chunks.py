"""Events as the store keeps them: a run of one log stream in one row (a chunk), by columns.

A chunk holds the events one write stored into one stream, in the order they came: their
times and messages in one zlib-compressed body (the times and the messages' lengths as 64-bit
integers, then the messages' text in UTF-8), and task, container and source as one value each
when, as usual, every event of the run has the same (else as JSON arrays in ``varying``). Its
row ID is the sequence number of its first event; the others follow in order, unless retention
cut part of the chunk away, in which case ``seqs`` lists the numbers of the events kept.

Encoding and decoding are a few C calls per chunk (join, ``array``, zlib, slicing), whatever the
number of events: what a million one-row-per-event inserts cost, a chunk costs once.
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import itemgetter
from typing import Any

from hakobu.logs.events import LogEvent, StoredEvent

# zlib's fastest level: JSON log lines shrink 5 to 30 times at some 500 MB/s, so the database
# writes (and checkpoints) a fraction of the bytes, for less than writing them would cost.
_LEVEL = 1
_SWAP = sys.byteorder != "little"  # bodies are little-endian wherever they were written
_COLUMNS = ("task_id", "container", "source")

Column = str | list[str]  # one value for every event of the run, or one per event
Row = tuple[Any, ...]  # a chunks row, its columns in the order of CHUNK_COLUMNS


@dataclass
class EventRun:
    """Events of one (group, stream) in the order they came, by columns: their times, the
    lengths of their messages and the messages' text joined. No object per event is kept, so
    a reader's lines and strings die when it has handed them over; a message is sliced out of
    the text only where one is needed (``messages``)."""

    group: str
    stream: str
    times: array[int] = field(default_factory=lambda: array("q"))
    lengths: array[int] = field(default_factory=lambda: array("q"))
    task_id: Column = ""
    container: Column = ""
    source: Column = ""
    # The messages' text, in the pieces it was added in: joining a few pieces once is cheaper
    # than joining thousands of messages again.
    pieces: list[str] = field(default_factory=list)
    # The body being compressed on another thread (compress_with), while it is still valid.
    compressed: Future[bytes] | None = None

    def __len__(self) -> int:
        return len(self.times)

    def extend(
        self,
        times: Sequence[int],
        text: str,
        lengths: Sequence[int],
        *,
        task_id: str,
        container: str,
        sources: Sequence[str],
    ) -> None:
        """Add events of one task and container: ``text`` is their messages joined,
        ``lengths`` the messages' lengths and ``sources`` their stream names, one per event."""
        if not times:
            return
        before = len(self.times)
        self.compressed = None
        self.pieces.append(text)
        self.times.extend(times)
        self.lengths.extend(lengths)
        if sources.count(sources[0]) != len(sources):
            self.source = _values(self.source, before) + list(sources)
            self.task_id = _merged(self.task_id, before, task_id, len(times))
            self.container = _merged(self.container, before, container, len(times))
            return
        for name, value in zip(_COLUMNS, (task_id, container, sources[0]), strict=True):
            setattr(self, name, _merged(getattr(self, name), before, value, len(times)))

    def extend_messages(
        self,
        times: Sequence[int],
        messages: Sequence[str],
        *,
        task_id: str,
        container: str,
        sources: Sequence[str],
    ) -> None:
        """``extend`` with the messages one by one."""
        lengths = array("q", map(len, messages))
        self.extend(
            times,
            "".join(messages),
            lengths,
            task_id=task_id,
            container=container,
            sources=sources,
        )

    def append(self, event: LogEvent) -> None:
        self.extend(
            (event.timestamp_ms,),
            event.message,
            (len(event.message),),
            task_id=event.task_id,
            container=event.container,
            sources=(event.stream,),
        )

    @property
    def messages(self) -> list[str]:
        """The messages, sliced out of the text."""
        return slices(self.text(), self.lengths)

    def compress_with(self, executor: Executor) -> None:
        """Start compressing the run's body on ``executor``: zlib releases the GIL, so it goes
        on while this thread does other work. Packing it is left here, as it needs the GIL."""
        self.compressed = executor.submit(
            zlib.compress, pack(self.times, self.lengths, self.text()), _LEVEL
        )

    def body(self) -> bytes:
        if self.compressed is not None:
            return self.compressed.result()
        return zlib.compress(pack(self.times, self.lengths, self.text()), _LEVEL)

    def text(self) -> str:
        """The messages joined."""
        if len(self.pieces) != 1:
            self.pieces = ["".join(self.pieces)]
        return self.pieces[0]

    def kept(self, wanted: Sequence[bool]) -> EventRun:
        """The run without the events whose ``wanted`` is false."""
        run = EventRun(self.group, self.stream)
        run.times = array("q", compress(self.times, wanted))
        run.lengths = array("q", compress(self.lengths, wanted))
        run.pieces = ["".join(compress(self.messages, wanted))]
        for name in _COLUMNS:
            value = getattr(self, name)
            setattr(run, name, value if isinstance(value, str) else list(compress(value, wanted)))
        return run

    def value(self, name: str, index: int) -> str:
        column: Column = getattr(self, name)
        return column if isinstance(column, str) else column[index]

    def events(self) -> Iterator[LogEvent]:
        for i, (ms, message) in enumerate(zip(self.times, self.messages, strict=True)):
            yield LogEvent(
                ms,
                message,
                self.value("container", i),
                self.value("task_id", i),
                self.value("source", i),
            )


def slices(text: str, lengths: Iterable[int], wanted: Iterable[int] | None = None) -> list[str]:
    """The pieces of ``text`` of the given ``lengths``, one after the other (only those at the
    positions ``wanted``, when given)."""
    ends = list(accumulate(lengths))
    if wanted is not None:
        return pieces(text, ends, wanted)
    return list(map(text.__getitem__, map(slice, [0, *ends[:-1]], ends)))


def pieces(text: str, ends: Sequence[int], wanted: Iterable[int]) -> list[str]:
    """The pieces of ``text`` at the positions ``wanted``, each ending at its ``ends``, the
    next starting there."""
    return [text[ends[i - 1] if i else 0 : ends[i]] for i in wanted]


def _values(column: Column, count: int) -> list[str]:
    return list(repeat(column, count)) if isinstance(column, str) else column


def _merged(column: Column, before: int, value: str, added: int) -> Column:
    if before == 0:
        return value
    if isinstance(column, str) and column == value:
        return column
    return _values(column, before) + list(repeat(value, added))


def runs_of(events: Iterable[tuple[str, str, LogEvent]]) -> list[EventRun]:
    """(group, stream, event) triples as runs: consecutive events of one stream share one."""
    runs: list[EventRun] = []
    for group, stream, event in events:
        if not runs or runs[-1].group != group or runs[-1].stream != stream:
            runs.append(EventRun(group, stream))
        runs[-1].append(event)
    return runs


# -- rows ------------------------------------------------------------------------------------------

CHUNK_COLUMNS = (
    "id, group_id, stream_id, first_ms, last_ms, count, seq_last, ingestion_ms, "
    "task_id, container, source, varying, seqs, body"
)


def pack(times: array[int], lengths: array[int], text: str) -> bytes:
    """A chunk's body before compression: ``text`` is the messages joined, ``lengths`` their
    lengths."""
    if _SWAP:
        times, lengths = array("q", times), array("q", lengths)
        times.byteswap()
        lengths.byteswap()
    return b"".join((times, lengths, text.encode("utf-8", "surrogatepass")))


def decode_columns(body: bytes, count: int) -> tuple[array[int], array[int], str]:
    """The times, the messages' lengths and the messages joined of a chunk's body."""
    raw = zlib.decompress(body)
    stamps, lengths = array("q"), array("q")
    stamps.frombytes(raw[: 8 * count])
    lengths.frombytes(raw[8 * count : 16 * count])
    if _SWAP:
        stamps.byteswap()
        lengths.byteswap()
    return stamps, lengths, raw[16 * count :].decode("utf-8", "surrogatepass")


def decode(body: bytes, count: int) -> tuple[array[int], list[str]]:
    """The times and messages of a chunk's body."""
    stamps, lengths, text = decode_columns(body, count)
    return stamps, slices(text, lengths)


def row(seq_first: int, group_id: int, stream_id: int, now: int, run: EventRun) -> Row:
    """The chunks row of ``run``, its events numbered from ``seq_first``."""
    count = len(run.times)
    constants = [getattr(run, name) for name in _COLUMNS]
    varying = None
    if not all(isinstance(value, str) for value in constants):
        varying = json.dumps({n: v for n, v in zip(_COLUMNS, constants, strict=True)})
        constants = [None, None, None]
    return (
        seq_first,
        group_id,
        stream_id,
        min(run.times),
        max(run.times),
        count,
        seq_first + count - 1,
        now,
        *constants,
        varying,
        None,
        run.body(),
    )


@dataclass(frozen=True)
class Chunk:
    """A chunks row as a query reads it, joined with its group's and stream's names."""

    id: int
    group: str
    stream: str
    first_ms: int
    last_ms: int
    count: int
    seq_last: int
    ingestion_ms: int
    task_id: str | None
    container: str | None
    source: str | None
    varying: str | None
    seqs: bytes | None
    body: bytes

    def sequences(self) -> Sequence[int]:
        if self.seqs is None:
            return range(self.id, self.id + self.count)
        numbers = array("q")
        numbers.frombytes(self.seqs)
        if _SWAP:
            numbers.byteswap()
        return numbers

    def columns(self) -> list[Iterable[str]]:
        """Task IDs, containers and sources, one iterable each."""
        if self.varying is None:
            return [repeat(value or "") for value in (self.task_id, self.container, self.source)]
        values = json.loads(self.varying)
        return [_column_values(values[name], self.count) for name in _COLUMNS]

    def events(self) -> list[StoredEvent]:
        """The chunk's events, in (time, sequence) order."""
        times, messages = decode(self.body, self.count)
        tasks, containers, sources = self.columns()
        events: list[StoredEvent] = list(
            map(
                tuple.__new__,
                repeat(StoredEvent),
                zip(
                    self.sequences(),
                    repeat(self.group),
                    repeat(self.stream),
                    times,
                    repeat(self.ingestion_ms),
                    messages,
                    tasks,
                    containers,
                    sources,
                ),
            )
        )
        if not _ascending(times):
            events.sort(key=TIME_ORDER)
        return events


def _column_values(value: Column, count: int) -> Iterable[str]:
    return repeat(value, count) if isinstance(value, str) else value


def _ascending(times: Sequence[int]) -> bool:
    return all(map(int.__le__, times[:-1], times[1:])) if len(times) > 1 else True


TIME_ORDER = itemgetter(3, 0)  # a StoredEvent's (timestamp, sequence): the order of queries
TIME = itemgetter(3)


def kept_row(chunk: Chunk, oldest: int) -> Row | None:
    """The columns from ``first_ms`` on of the chunk without its events older than ``oldest``
    (None: nothing is left); the events kept keep their sequence numbers."""
    times, lengths, text = decode_columns(chunk.body, chunk.count)
    wanted = list(map(oldest.__le__, times))
    if not any(wanted):
        return None
    run = EventRun(chunk.group, chunk.stream, times, lengths, pieces=[text])
    if chunk.varying is None:
        run.task_id = chunk.task_id or ""
        run.container = chunk.container or ""
        run.source = chunk.source or ""
    else:
        values = json.loads(chunk.varying)
        run.task_id, run.container, run.source = (values[name] for name in _COLUMNS)
    numbers = array("q", compress(chunk.sequences(), wanted))
    fields = list(row(chunk.id, 0, 0, chunk.ingestion_ms, run.kept(wanted)))
    fields[6] = max(numbers)  # seq_last
    if _SWAP:
        numbers.byteswap()
    fields[12] = numbers.tobytes()  # seqs
    return tuple(fields[3:])
