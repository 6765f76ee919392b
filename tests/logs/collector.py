"""A collector as the supervisor runs one, for the crash tests: the supervisor's own reader
(K8sFileTail) reads a container's k8s-file log from the store's resume offset and emits each full
line with the offset after it.

    python collector.py ROOT LOG_FILE [--delay SECONDS] [--archive FOLDER]

Each k8s-file record is ``TIMESTAMP STREAM TAG MESSAGE``; TAG ``P`` marks part of a longer line
(joined with what follows), ``F`` its end. A line counts as read only once its ``F`` record is:
the offset emitted is the one after that record. ``--delay`` waits after each line, so a test can
kill the collector halfway.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.logs.taskdefs import TASK_ARN, TASK_ID, awslogs, container, task

from hakobu.engines.local.output import K8sFileTail, LineBatch
from hakobu.logs.router import LogRouter
from hakobu.logs.sinks.archive import open_archive

DEFINITION = task(container("app", awslogs(**{"awslogs-create-group": "true"})))


class _Slow:
    def __init__(self, router: LogRouter, delay: float) -> None:
        self.router = router
        self.delay = delay

    def emit_lines(self, container: str, lines: LineBatch) -> None:
        for line in lines:  # one at a time, so that a kill lands between two of them
            self.router.emit_lines(container, [line])
            time.sleep(self.delay)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("log_file", type=Path)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--archive")
    args = parser.parse_args()
    archive = open_archive(args.archive, root=args.root) if args.archive else None
    router = LogRouter.for_task(
        DEFINITION,
        root=args.root,
        task_id=TASK_ID,
        task_arn=TASK_ARN,
        family="hello",
        revision=1,
        secret_values=["hunter2-secret"],
        archive=archive,
    )
    sink = _Slow(router, args.delay) if args.delay else router
    K8sFileTail(args.log_file, "app", sink, router.resume_offset("app")).drain(final=True)
    router.close()


if __name__ == "__main__":
    main()
