"""The controller's side of target tracking: metrics in, a desired count out.

The request counter comes from the load balancer on the controller's loop. CPU figures come from
the engine (``ContainerRuntime.cpu_seconds``), read in a thread a few times a period so the
controller's tick never waits for the engine. When the engine cannot report CPU, the CPU policy
gets no datapoints, so it never scales, and the service's events say why, once.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable

from hakobu.config import CPU_UTILIZATION, REQUESTS_PER_TARGET, AutoscalingConfig
from hakobu.containers.runtime import ContainerRuntime, StatsNotReported
from hakobu.engines.local.service.autoscaling import Decision, ScalableTarget
from hakobu.engines.local.service.metrics import (
    SAMPLES_PER_PERIOD,
    CpuUtilization,
    RequestCountPerTarget,
    TaskCpu,
)
from hakobu.engines.local.service.tasks import ServiceTask
from hakobu.errors import HakobuError


class Autoscaler:
    def __init__(self, config: AutoscalingConfig, runtime: ContainerRuntime, service: str):
        self.config = config
        self.service = service
        self.target = ScalableTarget(config)
        period = config.metric_period_seconds
        self._requests = RequestCountPerTarget(period)
        self._cpu = CpuUtilization(period) if self.target.policy(CPU_UTILIZATION) else None
        self._runtime = runtime
        self._sampling: asyncio.Task[None] | None = None
        self._next_sample = 0.0
        self._warned: set[str] = set()
        self.warnings: list[str] = []  # events for the controller to record
        self.not_reported: str | None = None  # why the engine reports no CPU, once known
        self._failed_readings = 0  # in a row

    def observe_requests(self, now: float, total_requests: int, healthy_targets: int) -> None:
        policy = self.target.policy(REQUESTS_PER_TARGET)
        if policy is not None:
            value = self._requests.observe(now, total_requests, healthy_targets)
            if value is not None:
                policy.add(value)

    def sample_cpu(self, now: float, running: Iterable[ServiceTask]) -> None:
        """Start reading the running tasks' CPU when a sample is due (needs the event loop)."""
        cpu = self._cpu
        if cpu is None or self.not_reported is not None or now < self._next_sample:
            return
        if self._sampling is not None and not self._sampling.done():
            return
        self._next_sample = now + cpu.sample_every
        tasks = [TaskCpu(t.task_id, t.container_names, t.cpu_units) for t in running]
        for task in tasks:
            if task.reserved_units <= 0:
                self._warn(
                    f"task {task.task_id} reserves no CPU units (no cpu in its task "
                    "definition): ECSServiceAverageCPUUtilization leaves it out"
                )
        counted = [t for t in tasks if t.reserved_units > 0]
        self._sampling = asyncio.get_running_loop().create_task(self._sample(counted))

    async def _sample(self, tasks: list[TaskCpu]) -> None:
        assert self._cpu is not None
        names = [name for task in tasks for name in task.containers]
        try:
            used = await asyncio.to_thread(self._runtime.cpu_seconds, names) if names else {}
        except StatsNotReported as e:
            self.not_reported = str(e)
            self._warn(
                f"{self._runtime.name} does not report CPU use ({e}): the policy on "
                f"{CPU_UTILIZATION} gets no datapoints and does not scale the service"
            )
            return
        except HakobuError as e:  # one failed reading: a sample fewer, not the end of the policy
            print(f"hakobu: CPU reading failed: {e}", file=sys.stderr)
            self._failed_readings += 1
            if self._failed_readings == SAMPLES_PER_PERIOD:
                self._warn(
                    f"{self._runtime.name} failed to report CPU use for a whole period ({e}): "
                    f"the policy on {CPU_UTILIZATION} gets no datapoint until it does"
                )
            return
        self._failed_readings = 0
        self._cpu.record(used, tasks)  # each reading at the engine's time, not ours on return

    def decide(self, now: float, current: int, *, deploying: bool) -> Decision | None:
        policy = self.target.policy(CPU_UTILIZATION)
        if self._cpu is not None and policy is not None and self._cpu.due(now):
            policy.add(self._cpu.close(now))
        return self.target.decide(now, current, deploying=deploying)

    def take_warnings(self) -> list[str]:
        warnings, self.warnings = self.warnings, []
        return warnings

    def close(self) -> None:
        if self._sampling is not None:
            self._sampling.cancel()

    def _warn(self, text: str) -> None:
        if text not in self._warned:
            self._warned.add(text)
            self.warnings.append(f"(service {self.service}) {text}.")
