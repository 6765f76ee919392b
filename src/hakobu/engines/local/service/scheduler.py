"""The service scheduler's decisions, kept pure: what to start, what to stop, when a deployment is
done. No engine and no clock: the controller passes what it observed, and acts on the ``Step``.

Rolling update (AWS, DeploymentConfiguration): tasks "in the RUNNING or PENDING state" stay at
most ``maximumPercent`` of the desired count (rounded down), and healthy tasks at least
``minimumHealthyPercent`` (rounded up). Here a task that the scheduler is stopping (draining) no
longer counts toward either: like ECS, which counts tasks by their desired status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hakobu.spec.service import CircuitBreaker, DeploymentConfiguration


class Phase(StrEnum):
    STARTING = "STARTING"  # provisioning, pending, or running and not yet healthy
    HEALTHY = "HEALTHY"  # counts toward minimumHealthyPercent
    FAILED = "FAILED"  # will never serve: exited, failed to start, failed health checks
    STOPPING = "STOPPING"  # the scheduler is draining it or stopping it
    STOPPED = "STOPPED"


LIVE = (Phase.STARTING, Phase.HEALTHY)


@dataclass(frozen=True)
class Member:
    """A task of the service as the scheduler sees it."""

    task_id: str
    deployment_id: str
    phase: Phase
    adopted: bool = False  # found after a controller crash: always replaced
    started_at: float = 0.0


@dataclass(frozen=True)
class Stop:
    task_id: str
    why: str  # "failed", "replaced" or "scale-in"


@dataclass(frozen=True)
class Step:
    start: int
    stops: tuple[Stop, ...]


def rolling_step(
    members: Sequence[Member],
    *,
    primary: str,
    desired: int,
    config: DeploymentConfiguration,
    may_launch: bool = True,
) -> Step:
    """One scheduling decision of a rolling update toward ``desired`` tasks of ``primary``."""
    stops = [Stop(m.task_id, "failed") for m in members if m.phase is Phase.FAILED]
    live = [m for m in members if m.phase in LIVE]
    current = [m for m in live if m.deployment_id == primary and not m.adopted]
    others = [m for m in live if m.deployment_id != primary or m.adopted]
    # Scale-in: tasks that are not serving yet go first, then the newest.
    excess = sorted(current, key=lambda m: (m.phase is Phase.HEALTHY, -m.started_at))
    excess = excess[: max(0, len(current) - desired)]
    stops += [Stop(m.task_id, "scale-in") for m in excess]
    healthy = sum(1 for m in live if m.phase is Phase.HEALTHY and m not in excess)
    floor = config.minimum_healthy_tasks(desired)
    replaced = 0
    # Old tasks: the ones not serving go at once, then the oldest healthy ones while the
    # healthy count stays at or above the floor.
    for m in sorted(others, key=lambda m: (m.phase is Phase.HEALTHY, m.started_at)):
        if m.adopted and m.phase is Phase.STARTING:
            continue  # may well be serving: wait for the load balancer's first verdict
        if m.phase is Phase.HEALTHY:
            if healthy - 1 < floor:
                break
            healthy -= 1
        stops.append(Stop(m.task_id, "replaced"))
        replaced += 1
    remaining = len(live) - len(excess) - replaced
    start = min(desired - (len(current) - len(excess)), config.maximum_tasks(desired) - remaining)
    return Step(start=max(0, start) if may_launch else 0, stops=tuple(stops))


def is_steady(members: Sequence[Member], *, primary: str, desired: int) -> bool:
    """Exactly ``desired`` healthy tasks, all of the primary deployment, nothing else left."""
    left = [m for m in members if m.phase is not Phase.STOPPED]
    return len(left) == desired and all(
        m.phase is Phase.HEALTHY and m.deployment_id == primary and not m.adopted for m in left
    )


def breaker_tripped(breaker: CircuitBreaker, failures: int, desired: int) -> bool:
    return breaker.enable and failures >= breaker.threshold(desired)
