"""Entry point of the detached supervisor: ``python -m hakobu.engines.local.supervisor_main``.

Arguments: the task folder and the engine binary. Secret values arrive as JSON on stdin, which is
read once and closed; everything else comes from the task folder's task.json.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from hakobu.containers.runtime import RUNTIMES
from hakobu.engines.local import state
from hakobu.engines.local.allocator import keep_freed_memory
from hakobu.engines.local.engine import TaskInputs, plan_task
from hakobu.engines.local.supervisor import TaskSupervisor, install_signal_handlers
from hakobu.logs.settings import load_log_settings


def main(argv: list[str]) -> int:
    keep_freed_memory()  # this process reads and routes every line the task's containers write
    task_dir, binary = Path(argv[0]), argv[1]
    secrets = json.loads(sys.stdin.read() or "{}")
    sys.stdin.close()
    inputs = TaskInputs.from_dict(json.loads((task_dir / state.TASK_FILE).read_text()))
    kind = "docker" if Path(binary).name.startswith("docker") else "podman"
    runtime = RUNTIMES[kind](binary)
    settings = load_log_settings(inputs.root / inputs.config_file)
    supervisor = TaskSupervisor(runtime, plan_task(inputs), secrets, log_settings=settings)
    install_signal_handlers(supervisor)
    secrets.clear()
    final = supervisor.run()
    return 0 if final.stop_code != "TaskFailedToStart" else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:  # the log is the only place this process can report to
        traceback.print_exc()
        sys.exit(1)
