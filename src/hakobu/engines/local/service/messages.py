"""Service event messages in ECS's own wording, as ``describe-services`` shows them.

AWS, "Amazon ECS service event messages": scheduler events carry the prefix
``(service service-name)``; tasks are named ``(task ID)``, target groups ``(target-group ARN)``
and deployments ``(deployment ecs-svc/ID)``. Stopped reasons and rollout reasons are ECS's too.
"""

from __future__ import annotations

from collections.abc import Sequence


def _tasks(task_ids: Sequence[str]) -> str:
    return " ".join(f"(task {t})" for t in task_ids)


def started(service: str, task_ids: Sequence[str]) -> str:
    return f"(service {service}) has started {len(task_ids)} tasks: {_tasks(task_ids)}."


def stopped(service: str, task_ids: Sequence[str]) -> str:
    return f"(service {service}) has stopped {len(task_ids)} running tasks: {_tasks(task_ids)}."


def draining(service: str, count: int) -> str:
    return f"(service {service}) has begun draining connections on {count} tasks."


def registered(service: str, count: int, target_group: str) -> str:
    return f"(service {service}) registered {count} targets in (target-group {target_group})"


def deregistered(service: str, count: int, target_group: str) -> str:
    return f"(service {service}) deregistered {count} targets in (target-group {target_group})"


def steady_state(service: str) -> str:
    return f"(service {service}) has reached a steady state."


def deployment_completed(service: str, deployment: str) -> str:
    return f"(service {service}) (deployment {deployment}) deployment completed."


def deployment_failed(service: str, deployment: str, why: str = "tasks failed to start") -> str:
    prefix = f"(service {service}) (deployment {deployment})"
    return f"{prefix} deployment failed: {why}."


def lifecycle_stage(service: str, deployment: str, stage: str, traffic: float) -> str:
    # hakobu's own: describe-service-deployments shows the stage; here the event log does.
    return (
        f"(service {service}) (deployment {deployment}) is in lifecycle stage {stage}: "
        f"{traffic:g}% of production traffic on the new revision."
    )


def hook_result(service: str, deployment: str, arn: str, stage: str, outcome: str) -> str:
    return (
        f"(service {service}) (deployment {deployment}) lifecycle hook {arn} at {stage}: {outcome}"
    )


def rolling_back(service: str, deployment: str) -> str:
    return f"(service {service}) rolling back to deployment {deployment}."


def failed_container_health_checks(service: str, task_id: str) -> str:
    return f"(service {service}) (task {task_id}) failed container health checks."


def unhealthy_target(
    service: str, task_id: str, port: int, target_group: str, reason: str | None
) -> str:
    return (
        f"(service {service}) (task {task_id}) (port {port}) is unhealthy in "
        f"(target-group {target_group}) due to (reason {reason or 'Health checks failed'})."
    )


def task_stopped_early(service: str, task_id: str, reason: str) -> str:
    # ECS shows why a task stopped in describe-tasks; locally the event log says it too, so that
    # `hakobu events` alone explains a failed deployment.
    return f"(service {service}) (task {task_id}) stopped: {reason}"


def scaling_activity(
    service: str, cluster: str, desired: int, alarm: str, policy: str, bound: str | None
) -> str:
    """An Application Auto Scaling activity, as the ECS console lists it with the events."""
    if bound is not None:
        cause = f"{bound} capacity was set to {desired}"
    else:
        cause = (
            f"monitor alarm TargetTracking-service/{cluster}/{service}-{alarm} in state ALARM "
            f"triggered policy {policy}"
        )
    return (
        f"Message: Successfully set desired count to {desired}. Change successfully fulfilled "
        f"by ecs. Cause: {cause}"
    )


# Deployment rollout reasons (Deployment.rolloutStateReason).
ROLLOUT_STARTED = "ECS deployment {deployment} in progress."
ROLLOUT_COMPLETED = "ECS deployment {deployment} completed."
ROLLOUT_FAILED = "ECS deployment circuit breaker: tasks failed to start."
ROLLOUT_HOOK_FAILED = "ECS deployment lifecycle hook failed at {stage}."
ROLLOUT_STOPPED = "Deployment stopped by request; rolling back."  # hakobu's own
ROLLOUT_ROLLING_BACK = "ECS deployment circuit breaker: rolling back to deploymentId {deployment}."

# Stopped reasons of the tasks the service scheduler stops (stop code ServiceSchedulerInitiated).
SCALING_ACTIVITY = "Scaling activity initiated by (deployment {deployment})"
FAILED_CONTAINER_HEALTH = "Task failed container health checks"
FAILED_ELB_HEALTH = "Task failed ELB health checks in (target-group {target_group})"
SERVICE_DELETED = "Service deleted"
STOP_CODE = "ServiceSchedulerInitiated"
