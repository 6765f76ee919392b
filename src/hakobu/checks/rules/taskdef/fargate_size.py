"""HK-TD-010: task cpu and memory that Fargate does not offer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hakobu.checks.rule import Finding
from hakobu.checks.rules.taskdef import TaskDefRule, is_placeholder, runs_on_fargate
from hakobu.checks.targets import TaskDefTarget
from hakobu.checks.taxonomy import DesignPoint, Factor, Severity
from hakobu.spec.fargate import FARGATE_SIZES, parse_cpu, parse_memory


class FargateTaskSize(TaskDefRule):
    id = "HK-TD-010"
    title = "Task cpu and memory are not a Fargate size"
    severity = Severity.ERROR
    design_point = DesignPoint.DEMAND_CHANGE
    factor = Factor.VIII
    rationale = (
        "Scaling out starts from one task's CPU and memory, the size the app runs steadily "
        "with (slide 83). Fargate runs a task only at the sizes it offers, given at task "
        "level: without cpu and memory, or with a pair it does not offer (512 MiB with 1 vCPU), "
        "the task definition is refused when it is registered, at the end of the pipeline."
    )
    fix = (
        'Set task-level `"cpu"` and `"memory"` to a Fargate pair: 256 with 512-2048, 512 with '
        "1024-4096, 1024 with 2048-8192, 2048 with 4096-16384, 4096 with 8192-30720 (MiB; "
        "larger sizes in the ECS Developer Guide)."
    )

    def check(self, target: TaskDefTarget) -> Iterator[Finding]:
        data = target.data
        if not runs_on_fargate(data):
            return
        cpu_value, memory_value = data.get("cpu"), data.get("memory")
        if is_placeholder(cpu_value) or is_placeholder(memory_value):
            return
        if cpu_value is None or memory_value is None:
            missing, given = ("cpu", "memory") if cpu_value is None else ("memory", "cpu")
            message = f"no task-level {missing}: Fargate requires cpu and memory"
            # Reported at the one that is there (else the top of the file).
            line, column = target.locate((given,)) if data.get(given) else (1, 1)
            yield self.finding(target, message, json_path=(missing,), line=line, column=column)
            return
        cpu, memory = parse_cpu(_text(cpu_value)), parse_memory(_text(memory_value))
        if cpu is None or cpu not in FARGATE_SIZES:
            sizes = ", ".join(map(str, FARGATE_SIZES))
            message = f"cpu {cpu_value!r} is not a Fargate size ({sizes})"
            yield self.finding(target, message, json_path=("cpu",))
        elif memory is None or memory not in FARGATE_SIZES[cpu]:
            valid = FARGATE_SIZES[cpu]
            message = (
                f"memory {memory_value!r} does not go with cpu {cpu} on Fargate "
                f"({valid[0]} to {valid[-1]} MiB)"
            )
            yield self.finding(target, message, json_path=("memory",))


def _text(value: Any) -> str:
    return str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
