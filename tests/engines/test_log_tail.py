"""K8sFileTail, the reader of a container's k8s-file log, on real files: records, partial lines,
offsets a restart resumes from, and a backlog read in one go (no engine needed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hakobu.engines.local import output
from hakobu.engines.local.output import K8sFileTail, LineBatch

STAMP = "2026-11-27T08:07:53.994778000+00:00"


class Lines:
    """A sink that keeps what it gets; it raises on the line ``fail_on`` when that is set."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.got: list[tuple[str, str, str, int]] = []
        self.fail_on = fail_on

    def emit_lines(self, container: str, lines: LineBatch) -> None:
        # As a sink must: all the lines taken, or an error before any is.
        if any(message == self.fail_on for _, _, message, _ in lines):
            if len(lines) == 1:
                self.fail_on = None
            raise RuntimeError("sink failed")
        self.got += lines


def record(message: str, stream: str = "stdout", tag: str = "F", stamp: str = STAMP) -> bytes:
    return f"{stamp} {stream} {tag} {message}\n".encode()


def reference(data: bytes) -> list[tuple[str, str, str, int]]:
    """The records of a whole file, read the plain way: each line decoded, then split."""
    got: list[tuple[str, str, str, int]] = []
    partial: dict[str, tuple[str, str]] = {}
    offset = 0
    for raw in data.split(b"\n")[:-1]:
        offset += len(raw) + 1
        parts = raw.decode("utf-8", errors="replace").split(" ", 3)
        if len(parts) < 3:
            continue
        stamp, stream, tag = parts[:3]
        first, text = partial.pop(stream, (stamp, ""))
        text += parts[3] if len(parts) > 3 else ""
        if tag.startswith("P"):
            partial[stream] = (first, text)
        else:
            got.append((stream, first, text, offset))
    return got


def test_full_and_partial_records_with_the_offset_after_each_line(tmp_path: Path) -> None:
    records = [
        record("one"),
        record("long-", tag="P", stamp="2026-11-27T08:07:54.000000001+00:00"),
        record("oops", stream="stderr"),
        record("line", tag="F"),
        record(""),
        b"garbage\n",
        record("héllo ✓"),
    ]
    path = tmp_path / "ctr.log"
    path.write_bytes(b"".join(records))
    ends = [sum(len(r) for r in records[: i + 1]) for i in range(len(records))]
    sink = Lines()
    K8sFileTail(path, "app", sink).drain()
    assert sink.got == [
        ("stdout", STAMP, "one", ends[0]),
        ("stderr", STAMP, "oops", ends[2]),
        # A partial line is joined with the rest of its stream's line and keeps its first time.
        ("stdout", "2026-11-27T08:07:54.000000001+00:00", "long-line", ends[3]),
        ("stdout", STAMP, "", ends[4]),
        ("stdout", STAMP, "héllo ✓", ends[6]),
    ]


def test_an_unfinished_record_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "ctr.log"
    first, second = record("first"), record("second")
    path.write_bytes(first + second[:20])
    sink = Lines()
    tail = K8sFileTail(path, "app", sink)
    tail.drain()
    assert [m for _, _, m, _ in sink.got] == ["first"]
    with path.open("ab") as f:
        f.write(second[20:])
    tail.drain()
    assert sink.got[1] == ("stdout", STAMP, "second", len(first) + len(second))


def test_a_restart_resumes_at_an_offset_and_a_dead_container_keeps_its_last_part(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ctr.log"
    head = record("stored already")
    path.write_bytes(head + record("next") + record("cut sho", tag="P"))
    sink = Lines()
    K8sFileTail(path, "app", sink, offset=len(head)).drain(final=True)
    assert [m for _, _, m, _ in sink.got] == ["next", "cut sho"]


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_chunk_boundaries_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    path = tmp_path / "ctr.log"
    data = b"".join(
        record(f"line {n} é✓", tag="P" if n % 5 == 1 else "F", stream=("stdout", "stderr")[n % 2])
        for n in range(200)
    )
    path.write_bytes(data + f"{STAMP} stdout F ".encode() + b"\xff\xfe broken\n")
    monkeypatch.setattr(output, "READ_BYTES", chunk)
    sink = Lines()
    K8sFileTail(path, "app", sink).drain()
    assert sink.got == reference(path.read_bytes())
    assert len(sink.got) == 161  # every fifth line is a part of the next one of its stream
    assert sink.got[-1][2:] == ("\ufffd\ufffd broken", path.stat().st_size)


def test_a_sink_that_fails_does_not_get_the_line_again(tmp_path: Path) -> None:
    """As before the rewrite: the record being emitted counts as read, so a retry goes on after
    it, and every other line comes exactly once."""
    path = tmp_path / "ctr.log"
    path.write_bytes(b"".join(record(m) for m in ("a", "b", "c", "d")))
    sink = Lines(fail_on="b")
    tail = K8sFileTail(path, "app", sink)
    with pytest.raises(RuntimeError):
        tail.drain()
    tail.drain()
    assert [m for _, _, m, _ in sink.got] == ["a", "c", "d"]


def test_a_backlog_is_read_in_linear_time(tmp_path: Path) -> None:
    """A restart after a crash reads everything written meanwhile in one drain. Cutting each
    record off the front of one buffer made that quadratic: about a minute for these 15 MB."""
    path = tmp_path / "ctr.log"
    line = record("x" * 250)
    path.write_bytes(line * 50_000)
    sink = Lines()
    started = time.perf_counter()
    K8sFileTail(path, "app", sink).drain()
    assert len(sink.got) == 50_000
    assert time.perf_counter() - started < 10  # about 0.2 s; generous for a busy machine
