"""Entry point of a service controller: ``python -m hakobu.engines.local.service.controller_main``.

Arguments: the service folder (``.hakobu/services/<name>``) and the engine binary. Everything else
comes from the folder's service.json; no secret value ever passes here (the controller reads each
task's secrets from the local store when it starts the task).
"""

from __future__ import annotations

import asyncio
import fcntl
import sys
import traceback
from pathlib import Path

from hakobu.containers.runtime import RUNTIMES
from hakobu.engines.local.service import records
from hakobu.engines.local.service.controller import ServiceController


def main(argv: list[str]) -> int:
    directory, binary = Path(argv[0]), argv[1]
    directory.mkdir(parents=True, exist_ok=True)
    lock = (directory / records.CONTROLLER_LOCK).open("a")
    try:
        # Held until this process ends, however it ends: the next command knows it is gone.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another controller runs the service in {directory}", flush=True)
        return 0
    desired = records.read_desired(directory)
    if desired is None:
        print(f"no {records.SERVICE_FILE} in {directory}", flush=True)
        return 1
    kind = "docker" if Path(binary).name.startswith("docker") else "podman"
    controller = ServiceController(RUNTIMES[kind](binary), directory, desired)
    asyncio.run(controller.run())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:  # the log is the only place this process can report to
        traceback.print_exc()
        sys.exit(1)
