"""A service's deployments as ECS keeps them: created, failed by the circuit breaker, rolled
back, completed. Pure functions over ``ServiceState``: each returns the events it caused.

AWS, "How the Amazon ECS deployment circuit breaker detects failures": "When the deployment
circuit breaker determines that a deployment failed, it looks for the most recent deployment that
is in a COMPLETED state. [...] When the rollback starts, the deployment changes from a COMPLETED
to IN_PROGRESS. [...] When the deployment circuit breaker does not find a deployment that is in a
COMPLETED state, the circuit breaker does not launch new tasks and the deployment is stalled."
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from hakobu.engines.local.service import messages, records
from hakobu.engines.local.service.bluegreen import CLEAN_UP, GROUPS, PRE_SCALE_UP, other_group
from hakobu.engines.local.service.records import (
    ACTIVE,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    INACTIVE,
    PRIMARY,
    Deployment,
    Desired,
    ServiceState,
)
from hakobu.engines.local.service.scheduler import Member, breaker_tripped, is_steady
from hakobu.spec.service import CircuitBreaker

KEPT_INACTIVE = 10  # finished deployments kept in state.json for `events --json` and `deploy`


def apply_desired(state: ServiceState, desired: Desired, strategy: str = "ROLLING") -> bool:
    """Take a new generation of service.json; True when it started a deployment.

    A new revision (or --force-new-deployment) is a new deployment; a new count alone is not,
    as ``update-service --desired-count`` creates none. A blue/green, canary or linear one
    starts beside the last completed deployment (blue), in the other target group.
    """
    state.desired_count = desired.desired_count
    state.applied_generation = desired.generation
    primary = state.primary()
    same = primary is not None and primary.task_definition == desired.revision
    if same and primary is not None and not desired.force_new_deployment:
        primary.desired_count = desired.desired_count
        return False
    blue = _last_completed(state)
    group = primary.target_group if primary is not None else GROUPS[0]
    for d in state.deployments:
        if d.status == PRIMARY:
            d.status = ACTIVE
    deployment = Deployment(
        id=records.new_deployment_id(),
        status=PRIMARY,
        task_definition=desired.revision,
        desired_count=desired.desired_count,
        generation=desired.generation,
        strategy=strategy,
        target_group=group,
        stage_since=time.time(),
    )
    if strategy != "ROLLING" and blue is not None:
        deployment.target_group = other_group(blue.target_group)
        deployment.stage, deployment.replaces = PRE_SCALE_UP, blue.id
    deployment.rollout_state_reason = messages.ROLLOUT_STARTED.format(deployment=deployment.id)
    state.deployments.insert(0, deployment)
    return True


def _last_completed(state: ServiceState) -> Deployment | None:
    live = (d for d in state.deployments if d.status in (PRIMARY, ACTIVE))
    return next((d for d in live if d.rollout_state == COMPLETED), None)


def record_failure(state: ServiceState, deployment_id: str) -> None:
    """A task of ``deployment_id`` failed: counted, and by the breaker while it is rolling out."""
    deployment = state.deployment(deployment_id)
    if deployment is None:
        return
    deployment.failed_tasks += 1
    if deployment.status == PRIMARY and deployment.rollout_state == IN_PROGRESS:
        deployment.breaker_failures += 1


def record_healthy(state: ServiceState, deployment_id: str, breaker: CircuitBreaker) -> None:
    # resetOnHealthyTask (default true): "a task that reaches a healthy state resets the failure
    # count to 0".
    deployment = state.deployment(deployment_id)
    if deployment and deployment.rollout_state == IN_PROGRESS and breaker.reset_on_healthy_task:
        deployment.breaker_failures = 0


def run_breaker(state: ServiceState, breaker: CircuitBreaker) -> list[str]:
    """Fail the rolling-out deployment past the threshold; roll back when asked to."""
    primary = state.primary()
    if primary is None or primary.rollout_state != IN_PROGRESS:
        return []
    if not breaker_tripped(breaker, primary.breaker_failures, state.desired_count):
        return []
    return fail(state, messages.ROLLOUT_FAILED, rollback=breaker.rollback)


def fail(state: ServiceState, reason: str, *, rollback: bool, why: str | None = None) -> list[str]:
    """The primary deployment FAILED; with ``rollback``, the last completed one takes over.

    Without a completed one, or without rollback, the failed deployment launches no more tasks.
    """
    primary = state.primary()
    if primary is None:
        return []
    name = state.service_name
    primary.rollout_state, primary.rollout_state_reason = FAILED, reason
    primary.updated_at, primary.stage = time.time(), None
    events = [messages.deployment_failed(name, primary.id, *([why] if why else []))]
    if not rollback:
        return events  # the deployment stops launching tasks
    completed = [d for d in state.deployments if d.rollout_state == COMPLETED]
    target = next((d for d in completed if d.status == ACTIVE), None)
    if target is None:
        return events  # nothing to roll back to: stalled
    primary.status = ACTIVE
    target.status, target.rollout_state = PRIMARY, IN_PROGRESS
    target.rollout_state_reason = messages.ROLLOUT_ROLLING_BACK.format(deployment=target.id)
    target.rolled_back_from, target.desired_count = primary.id, state.desired_count
    target.breaker_failures, target.updated_at = 0, time.time()
    state.deployments.remove(target)
    state.deployments.insert(0, target)
    return [*events, messages.rolling_back(name, target.id)]


def settle(state: ServiceState, members: Sequence[Member]) -> list[str]:
    """Complete the primary deployment once steady; report a newly reached steady state."""
    primary = state.primary()
    steady = (
        primary is not None
        and primary.rollout_state != FAILED
        and primary.stage in (None, CLEAN_UP)
        and is_steady(members, primary=primary.id, desired=state.desired_count)
    )
    events = []
    if steady and primary is not None and primary.rollout_state == IN_PROGRESS:
        primary.rollout_state = COMPLETED
        primary.rollout_state_reason = messages.ROLLOUT_COMPLETED.format(deployment=primary.id)
        primary.updated_at, primary.stage = time.time(), None
        events.append(messages.deployment_completed(state.service_name, primary.id))
        for d in state.deployments:
            if d is not primary and d.status == ACTIVE:
                d.status, d.updated_at = INACTIVE, time.time()
        _prune_inactive(state)
    if steady and not state.steady:
        events.append(messages.steady_state(state.service_name))
    state.steady = steady
    return events


def _prune_inactive(state: ServiceState) -> None:
    inactive = [d for d in state.deployments if d.status == INACTIVE]
    for d in inactive[KEPT_INACTIVE:]:
        state.deployments.remove(d)
