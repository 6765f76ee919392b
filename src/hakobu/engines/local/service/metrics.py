"""The two metrics target tracking follows locally, one datapoint per period. Pure.

``ALBRequestCountPerTarget``: the requests the target group received in one period (the Sum over
CloudWatch's 60 s), divided by its healthy targets.

``ECSServiceAverageCPUUtilization``: the service's CPUUtilization, Average statistic. AWS
("Amazon ECS service utilization metrics")::

    Service CPU utilization = (Total CPU units used by tasks in service) x 100
                              / ((CPU units specified in the task definition) x (tasks in service))

and "When Amazon ECS collects metrics, it collects multiple data points every minute. It then
aggregates them to one data point before sending the data to CloudWatch" (every 20 s for the
high-resolution metrics). Locally: the engine's cumulative CPU time of each running task's
containers is read three times a period; each sample is the CPU the tasks used since the last
one over what they reserved in that time (task ``cpu`` units, 1024 to a vCPU), the time being
the engine's own for each reading (when it read the cgroup, not when its command returned), and
the period's datapoint is the average of its samples. A period without a sample (no running
task, or no figures from the engine) has no datapoint, as CloudWatch has none for a service with
no running task: target tracking's alarms then do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hakobu.containers.runtime import CpuReading

CPU_UNITS_PER_VCPU = 1024
SAMPLES_PER_PERIOD = 3  # ECS's 20 s samples in CloudWatch's 60 s period


@dataclass
class RequestCountPerTarget:
    period_seconds: float
    _period_start: float | None = None
    _requests_at_start: int = 0

    def observe(self, now: float, total_requests: int, healthy_targets: int) -> float | None:
        """Feed the groups' request counter often; returns a datapoint when a period closes."""
        if self._period_start is None:
            self._period_start, self._requests_at_start = now, total_requests
            return None
        if now - self._period_start < self.period_seconds:
            return None
        requests = total_requests - self._requests_at_start
        self._period_start, self._requests_at_start = now, total_requests
        # No healthy target: CloudWatch has no per-target value; count against one target.
        return requests / max(1, healthy_targets)


@dataclass(frozen=True)
class TaskCpu:
    """A running task of the service, as the CPU metric needs it."""

    task_id: str
    containers: tuple[str, ...]  # the engine's container names
    reserved_units: int  # the task definition's cpu, in CPU units


@dataclass
class CpuUtilization:
    period_seconds: float
    _period_start: float | None = None
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)  # task -> (used s, at)
    _samples: list[float] = field(default_factory=list)  # percent, in the current period

    @property
    def sample_every(self) -> float:
        return self.period_seconds / SAMPLES_PER_PERIOD

    def record(self, readings: Mapping[str, CpuReading], tasks: Sequence[TaskCpu]) -> None:
        """One reading: each container's cumulative CPU seconds and when the engine read it."""
        used_seconds = reserved_seconds = 0.0
        last: dict[str, tuple[float, float]] = {}
        for task in tasks:
            if not task.containers or any(name not in readings for name in task.containers):
                continue  # not running yet, or gone: not a task of this sample
            total = sum(readings[name].seconds for name in task.containers)
            at = max(readings[name].at for name in task.containers)  # read within a moment
            last[task.task_id] = (total, at)
            previous = self._last.get(task.task_id)
            if previous is None or total < previous[0] or at <= previous[1]:
                continue  # first reading, or a container restarted and its counter with it
            used_seconds += total - previous[0]
            reserved_seconds += task.reserved_units / CPU_UNITS_PER_VCPU * (at - previous[1])
        self._last = last
        if reserved_seconds > 0:
            self._samples.append(100 * used_seconds / reserved_seconds)

    def due(self, now: float) -> bool:
        """Whether a period has passed (the first call starts the first period)."""
        if self._period_start is None:
            self._period_start = now
        return now - self._period_start >= self.period_seconds

    def close(self, now: float) -> float | None:
        """The period's datapoint: the average of its samples, None if it had none."""
        samples, self._samples = self._samples, []
        self._period_start = now
        return sum(samples) / len(samples) if samples else None
