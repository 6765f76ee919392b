"""A collector as the supervisor runs one, for the crash tests: it reads a container's k8s-file
log from the store's resume offset and emits each full line with the offset after it.

    python collector.py ROOT LOG_FILE [--delay SECONDS] [--archive FOLDER]

Each k8s-file record is ``TIMESTAMP STREAM TAG MESSAGE``; TAG ``P`` marks part of a longer line
(joined with what follows), ``F`` its end. A line counts as read only once its ``F`` record is:
the offset emitted is the one after that record.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.logs.taskdefs import TASK_ARN, TASK_ID, awslogs, container, task

from hakobu.logs.router import LogRouter
from hakobu.logs.sinks.archive import open_archive

DEFINITION = task(container("app", awslogs(**{"awslogs-create-group": "true"})))


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
    offset = router.resume_offset("app")
    partial = ""
    with args.log_file.open("rb") as f:
        f.seek(offset)
        for raw in f:
            offset += len(raw)
            timestamp, stream, tag, message = raw.decode().rstrip("\n").split(" ", 3)
            if tag == "P":
                partial += message
                continue
            router.emit("app", stream, timestamp, partial + message, offset)
            partial = ""
            time.sleep(args.delay)
    router.close()


if __name__ == "__main__":
    main()
