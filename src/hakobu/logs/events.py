"""Log events as the router, the store and the sinks pass them, and the limits AWS puts on them."""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from operator import add, itemgetter
from typing import NamedTuple, Protocol

# The awslogs driver splits a message longer than CloudWatch's event limit (256 KiB) less the 26
# bytes PutLogEvents counts per event (moby daemon/logger/awslogs: maximumBytesPerEvent). It
# still does, although CloudWatch has taken events up to 1 MB since April 2025.
AWSLOGS_MAX_EVENT_BYTES = 262_144 - 26
OWNER = "000000000000"  # the account ID of everything local, as in local task ARNs
STDOUT = "stdout"
STDERR = "stderr"

_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:[.,](\d+))?(Z|z|[+-]\d\d:?\d\d)?")


class Matcher(Protocol):
    """A compiled CloudWatch filter pattern (``hakobu.logs.filter_pattern.compile_pattern``)."""

    def matches(self, message: str) -> bool: ...


class LogEvent(NamedTuple):
    """One event as a container produced it: ``stream`` is stdout or stderr.

    A named tuple rather than a frozen dataclass: collectors make one per line, and a tuple is
    several times cheaper to build.
    """

    timestamp_ms: int
    message: str
    container: str
    task_id: str
    stream: str


class StoredEvent(NamedTuple):
    """An event read back from the store, shaped like FilterLogEvents' output plus its origin."""

    sequence: int  # the store's row number: unique, in the order events were stored
    log_group: str
    log_stream: str
    timestamp_ms: int
    ingestion_time_ms: int
    message: str
    task_id: str
    container: str
    source: str  # stdout or stderr

    @property
    def event_id(self) -> str:
        return event_id(self.timestamp_ms, self.sequence)

    def to_dict(self) -> dict[str, object]:
        return {
            "eventId": self.event_id,
            "logGroupName": self.log_group,
            "logStreamName": self.log_stream,
            "timestamp": self.timestamp_ms,
            "ingestionTime": self.ingestion_time_ms,
            "message": self.message,
            "taskId": self.task_id,
            "container": self.container,
            "source": self.source,
        }


def event_id(timestamp_ms: int, sequence: int) -> str:
    """56 digits like CloudWatch's event IDs: unique, and sorted as the events are."""
    return f"{timestamp_ms:019d}{sequence:037d}"


def parse_rfc3339_ms(text: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 time as conmon and docker write it.

    Those carry nanoseconds, which ``datetime.fromisoformat`` refuses, so the fraction is cut to
    milliseconds first. A time without an offset is UTC.
    """
    # Every line has a time, and lines come many to a second: a second already seen (its text
    # checked by the full parse below) costs a dict lookup and the fraction's digits.
    if text[19:20] == ".":
        if text[-1:] in ("Z", "z"):
            key, fraction = text[:19], text[20:-1]
        elif text[-6:] == "+00:00":
            key, fraction = text[:19], text[20:-6]
        else:
            key, fraction = text[:19] + text[-6:], text[20:-6]
        seconds = _SECONDS.get(key)
        if seconds is not None and fraction.isdecimal():
            return seconds * 1000 + int(fraction[:3].ljust(3, "0"))
    return _parse_rfc3339_ms(text)


_SECONDS: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM:SS" (+ offset unless UTC) -> epoch seconds
_SECONDS_KEPT = 4096


def _parse_rfc3339_ms(text: str) -> int:
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    fraction = (match[2] or "")[:3].ljust(3, "0")
    zone = match[3] or "Z"
    seconds = _epoch_seconds(match[1], zone)
    if match[2] is not None and match[0] == text and (zone in ("Z", "z") or len(zone) == 6):
        if len(_SECONDS) >= _SECONDS_KEPT:
            _SECONDS.clear()
        _SECONDS[match[1] if zone in ("Z", "z", "+00:00") else match[1] + zone] = seconds
    return seconds * 1000 + int(fraction)


def parse_rfc3339_ms_many(stamps: Sequence[str]) -> array[int]:
    """``parse_rfc3339_ms`` of each of ``stamps``, at a fraction of its cost per stamp when they
    share one layout, as a reader's batch of conmon's times do (``2024-05-01T10:00:00.123456789
    +00:00``: same length, same zone, at least milliseconds).

    Every character of every stamp is still checked: the stamps are joined, their digits made
    ``0``, and the result must be the first stamp so made, repeated (each zone, kept as it is,
    must be the first stamp's). Stamps of one day (``_one_day``) are then computed by columns,
    each field's range checked; otherwise a second not seen before is parsed, so checked, in
    full. A batch that does not fit is parsed one stamp at a time.
    """
    count = len(stamps)
    first = stamps[0] if count else ""
    zone = _zone(first) if count >= _MANY else None
    if zone is not None and first.isascii():
        times = _one_day(stamps, first, zone)
        if times is not None:
            return times
    if zone is None or not _same_layout(stamps, first, zone):
        return array("q", map(parse_rfc3339_ms, stamps))
    millis = _MILLIS_BY_ZONE.get(zone)
    if millis is None or len(millis) >= _SECONDS_KEPT:
        millis = _MILLIS_BY_ZONE[zone] = _SecondMillis(zone)
    seconds = map(millis.__getitem__, map(_SECOND, stamps))
    return array("q", map(add, seconds, map(_THOUSANDTHS.__getitem__, map(_MS, stamps))))


def _one_day(stamps: Sequence[str], first: str, zone: str) -> array[int] | None:
    """The stamps' milliseconds when they are of ``first``'s layout, day and zone (None when
    not, or when a field is out of range: the slower paths then say which stamp is wrong).

    No object per stamp: the stamps are joined one to a line, in ASCII, so each character
    position is a column (``data[position::width]``), checked by a few C calls; each digit
    column of the time of day that varies goes into a big integer with 8 bytes per stamp, and
    the times in milliseconds are the day's plus their sum, weighted, which no slot overflows.
    """
    count, width = len(stamps), len(first) + 1
    try:
        data = "\n".join([*stamps, ""]).encode("ascii")
    except UnicodeEncodeError:
        return None
    template = (first + "\n").encode("ascii")
    # The lines' ends fall where the template's do: every stamp has its length.
    if data.translate(_ZERO_DIGITS) != template.translate(_ZERO_DIGITS) * count:
        return None
    exact = [*range(10), *range(width - 1 - len(zone), width - 1)]  # the day and the zone
    if not all(data[p::width] == template[p : p + 1] * count for p in exact):
        return None
    if data[14::width].translate(None, b"012345") or data[17::width].translate(None, b"012345"):
        return None  # minutes or seconds past 59 (a leap second is refused too, as parsed)
    tens = data[11::width]
    if tens.translate(None, b"012") or (b"2" in tens and _past_23(tens, data[12::width])):
        return None
    day_ms = _epoch_seconds(first[:10] + "T00:00:00", zone) * 1000
    if day_ms < _ZERO_CHARS_MS:
        return None  # 1970's first weeks: not worth another path
    # The digits' characters are summed as they are ("0" is 48): 48 times the weights is
    # taken off each slot with the day. A column with one digit throughout (the hour, often
    # the minute: a batch spans seconds) is added to the day rather than summed.
    base, varying = day_ms - _ZERO_CHARS_MS, []
    for position, weight in _TIME_DIGITS:
        column = data[position::width]
        if column.count(column[0]) == count:
            base += weight * column[0]
        else:
            varying.append((column, weight))
    total = int.from_bytes(base.to_bytes(8, "little") * count, "little")
    slot = bytearray(8 * count)
    for column, weight in varying:
        slot[0::8] = column
        total += weight * int.from_bytes(slot, "little")
    times = array("q")
    times.frombytes(total.to_bytes(8 * count, "little"))
    if _SWAP:
        times.byteswap()
    return times


def _past_23(tens: bytes, units: bytes) -> bool:
    """Whether an hour, its digits in two columns, is past 23."""
    hours = 10 * int.from_bytes(tens.translate(_DIGIT_VALUES), "little")
    hours += int.from_bytes(units.translate(_DIGIT_VALUES), "little")
    return max(hours.to_bytes(len(tens), "little")) > 23  # 1 byte an hour: at most 99


_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_DIGIT_VALUES = bytes.maketrans(b"0123456789", bytes(range(10)))
# The digits of "YYYY-MM-DDTHH:MM:SS.fff" that vary within a day: (position, milliseconds).
_TIME_DIGITS = (
    (11, 36_000_000),
    (12, 3_600_000),
    (14, 600_000),
    (15, 60_000),
    (17, 10_000),
    (18, 1_000),
    (20, 100),
    (21, 10),
    (22, 1),
)
_ZERO_CHARS_MS = ord("0") * sum(weight for _, weight in _TIME_DIGITS)
_SWAP = sys.byteorder != "little"


_MANY = 8  # fewer stamps than this are parsed one by one: the checks would cost more
_SECOND = itemgetter(slice(0, 19))  # "YYYY-MM-DDTHH:MM:SS"
_MS = itemgetter(slice(20, 23))  # the fraction's first three digits
_THOUSANDTHS = {f"{n:03d}": n for n in range(1000)}  # a dict lookup is cheaper than int()
_ZEROED = str.maketrans("123456789", "000000000")


class _SecondMillis(dict[str, int]):
    """ "YYYY-MM-DDTHH:MM:SS" -> its epoch milliseconds in one zone; a new second is parsed (and
    so checked) once."""

    def __init__(self, zone: str) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, second: str) -> int:
        value = self[second] = _epoch_seconds(second, self.zone) * 1000
        return value


_MILLIS_BY_ZONE: dict[str, _SecondMillis] = {}


def _zone(first: str) -> str | None:
    """The zone of ``first`` when it is a full RFC 3339 time with at least milliseconds."""
    match = _RFC3339.fullmatch(first)
    if match is None or match[2] is None or len(match[2]) < 3 or match[3] is None:
        return None
    return match[3]


def _same_layout(stamps: Sequence[str], first: str, zone: str) -> bool:
    length = len(first)
    if len(set(map(len, stamps))) != 1:
        return False
    joined, count = "".join(stamps), len(stamps)
    if joined.translate(_ZEROED) != first.translate(_ZEROED) * count:
        return False  # the digits are ASCII digits where the first stamp has one; the rest is
    # the same, but the zone's digits: those must be the first stamp's too.
    return all(
        joined[position::length] == first[position] * count
        for position in range(length - len(zone), length)
    )


@lru_cache(maxsize=256)
def _epoch_seconds(moment: str, zone: str) -> int:
    zone = "+00:00" if zone in ("Z", "z") else zone
    return int(datetime.fromisoformat(moment + zone).timestamp())


def split_message(message: str, limit: int = AWSLOGS_MAX_EVENT_BYTES) -> list[str]:
    """``message`` cut into pieces of at most ``limit`` UTF-8 bytes, as awslogs splits it.

    Cuts fall between characters, never inside one, so every piece is valid UTF-8.
    """
    if len(message) * 4 <= limit or len(message.encode()) <= limit:
        return [message]
    pieces: list[str] = []
    data = message.encode()
    start = 0
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # back off a UTF-8 continuation byte
        pieces.append(data[start:end].decode())
        start = end
    return pieces
