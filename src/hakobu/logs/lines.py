"""Container output lines as a reader hands them to the log router: a batch by columns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Line = tuple[str, str, str, int]  # (stream, RFC 3339 time, text, file offset after the line)


class LineBatch:
    """Lines by columns: ``streams`` (stdout/stderr), ``stamps`` (RFC 3339 times), ``texts``
    and ``offsets`` (of the log file, after each line). Iterating gives each line as a ``Line``.
    """

    __slots__ = ("offsets", "stamps", "streams", "texts")

    def __init__(self) -> None:
        self.streams: list[str] = []
        self.stamps: list[str] = []
        self.texts: list[str] = []
        self.offsets: list[int] = []

    @classmethod
    def of(cls, lines: Iterable[Line]) -> LineBatch:
        batch = cls()
        for stream, stamp, text, offset in lines:
            batch.add(stream, stamp, text, offset)
        return batch

    def add(self, stream: str, stamp: str, text: str, offset: int) -> None:
        self.streams.append(stream)
        self.stamps.append(stamp)
        self.texts.append(text)
        self.offsets.append(offset)

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[Line]:
        return zip(self.streams, self.stamps, self.texts, self.offsets, strict=True)
