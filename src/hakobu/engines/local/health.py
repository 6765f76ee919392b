"""Container and task health as ECS computes it.

AWS (Task.healthStatus): "It's determined by the health of the essential containers in the task.
If all essential containers in the task are reporting as HEALTHY, the task status also reports as
HEALTHY. If any essential containers in the task are reporting as UNHEALTHY or UNKNOWN, the task
status also reports as UNHEALTHY or UNKNOWN" - with UNHEALTHY taking priority over UNKNOWN.
A container without a healthCheck reports UNKNOWN. The image's own HEALTHCHECK is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hakobu.spec.taskdef import HealthCheck

HEALTHY = "HEALTHY"
UNHEALTHY = "UNHEALTHY"
UNKNOWN = "UNKNOWN"


@dataclass
class HealthTracker:
    """Counts results the way Docker's health checker (which ECS drives) counts them.

    Failures inside ``startPeriod`` do not count toward ``retries``; a success at any time makes
    the container HEALTHY; ``retries`` consecutive counted failures make it UNHEALTHY.
    """

    check: HealthCheck
    started_at: float
    status: str = UNKNOWN
    failures: int = 0
    last_exit_code: int | None = None

    def record(self, exit_code: int, now: float) -> str:
        self.last_exit_code = exit_code
        if exit_code == 0:
            self.failures = 0
            self.status = HEALTHY
        elif now - self.started_at >= self.check.start_period:
            self.failures += 1
            if self.failures >= self.check.retries:
                self.status = UNHEALTHY
        return self.status

    def first_check_at(self) -> float:
        # Docker runs the first check one interval after the container starts.
        return self.started_at + self.check.interval


def task_health(essential_statuses: Iterable[str]) -> str:
    statuses = list(essential_statuses)
    if UNHEALTHY in statuses:
        return UNHEALTHY
    if not statuses or UNKNOWN in statuses:
        return UNKNOWN
    return HEALTHY
