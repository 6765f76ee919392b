"""The local log store at a million events: ingest rate, and query rates for a time window, a
whole group, and a JSON filter pattern over the whole group.

Ingest goes as the router writes: batches of 2,000 events (its FLUSH_EVENTS), each one run of
one stream (one chunk) and one transaction with the offsets, into four streams of one group.
Set BENCH_EVENTS to change the count. The last line is the size of the database file.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from hakobu.logs.chunks import EventRun
from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.router import FLUSH_EVENTS
from hakobu.logs.store import LocalLogStore, WriteBatch

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
GROUP = "/ecs/bench"


def batches(start_ms: int) -> list[WriteBatch]:
    out = []
    for first in range(0, EVENTS, FLUSH_EVENTS):
        numbers = range(first, min(first + FLUSH_EVENTS, EVENTS))
        run = EventRun(GROUP, f"web/app/task{first // FLUSH_EVENTS % 4}")
        run.extend_messages(
            [start_ms + n for n in numbers],
            [f'{{"logType": "{_kind(n)}", "n": {n}}}' for n in numbers],
            task_id="t",
            container="app",
            sources=["stdout"] * len(numbers),
        )
        out.append(WriteBatch(runs=[run], offsets={("t", "app"): first}))
    return out


def _kind(n: int) -> str:
    return "ErrorLog" if n % 100 == 0 else "AccessLog"


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} events/s ({count:,} in {seconds:.2f} s)"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalLogStore(Path(tmp) / "logs.db")
        start_ms = int(time.time() * 1000) - EVENTS
        work = batches(start_ms)
        began = time.perf_counter()
        for batch in work:
            store.write(batch, keep=())
        print(f"log_store ingest: {rate(EVENTS, time.perf_counter() - began)} (target ≥ 100,000)")
        began = time.perf_counter()
        window = sum(
            1 for _ in store.filter_events(GROUP, start_ms=start_ms, end_ms=start_ms + 10_000)
        )
        print(f"log_store query 10k-event window: {rate(window, time.perf_counter() - began)}")
        began = time.perf_counter()
        total = sum(1 for _ in store.filter_events(GROUP))
        print(f"log_store query whole group: {rate(total, time.perf_counter() - began)}")
        errors = compile_pattern('{ $.logType = "ErrorLog" }')
        began = time.perf_counter()
        matched = sum(1 for _ in store.filter_events(GROUP, pattern=errors))
        seconds = time.perf_counter() - began
        print(f"log_store query with a JSON pattern: {rate(EVENTS, seconds)}, {matched:,} matched")
        store.close()
        size = sum(f.stat().st_size for f in Path(tmp).glob("logs.db*"))
        print(f"log_store file size: {size / EVENTS:.1f} bytes an event ({size:,} bytes)")


if __name__ == "__main__":
    main()
