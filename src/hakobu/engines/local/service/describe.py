"""Reading local services: which exist, and each as ``describe-services`` shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hakobu.engines.local.service import records, revisions
from hakobu.engines.local.service.records import INACTIVE, Desired, ServiceState


def service_names(app_root: Path) -> list[str]:
    root = records.services_root(app_root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / records.STATE_FILE).exists())


def active_services(app_root: Path) -> list[ServiceState]:
    found = []
    for name in service_names(app_root):
        state = records.read_state(records.service_dir(app_root, name))
        if state is not None and state.status != INACTIVE:
            found.append(state)
    return found


def describe(app_root: Path, state: ServiceState, *, events: int = 100) -> dict[str, Any]:
    """The service as ``describe-services`` shows it, plus what only hakobu knows."""
    directory = records.service_dir(app_root, state.service_name)
    desired = records.read_desired(directory)
    recent, _ = records.read_events(directory)
    primary = state.primary()
    config = desired.service.get("deploymentConfiguration") if desired else None
    return {
        "serviceName": state.service_name,
        "serviceArn": state.service_arn,
        "clusterArn": f"arn:aws:ecs:{records.REGION}:{records.ACCOUNT}:cluster/{state.cluster}",
        "status": state.status,
        "desiredCount": state.desired_count,
        "runningCount": state.running_count,
        "pendingCount": state.pending_count,
        "launchType": "FARGATE",
        "taskDefinition": revisions.ARN_PREFIX + primary.task_definition if primary else None,
        "loadBalancers": _load_balancers(state, desired),
        "deploymentConfiguration": config,
        "deployments": [_deployment(d) for d in state.deployments if d.status != INACTIVE],
        "events": [e.to_ecs() for e in reversed(recent[-events:])],
        "createdAt": state.created_at,
        "hakobu": {
            "controllerPid": state.controller_pid,
            "controllerRunning": records.controller_running(directory),
            "listener": state.listener,
            "steady": state.steady,
            "tasks": [t.__dict__ for t in state.tasks],
        },
    }


def _load_balancers(state: ServiceState, desired: Desired | None) -> list[dict[str, Any]]:
    if desired is None or state.target_group_arn is None:
        return []
    return [
        {**lb, "targetGroupArn": state.target_group_arn}
        for lb in desired.service.get("loadBalancers") or ()
    ]


def _deployment(d: records.Deployment) -> dict[str, Any]:
    return {
        "id": d.id,
        "status": d.status,
        "taskDefinition": revisions.ARN_PREFIX + d.task_definition,
        "desiredCount": d.desired_count,
        "pendingCount": d.pending_count,
        "runningCount": d.running_count,
        "failedTasks": d.failed_tasks,
        "createdAt": d.created_at,
        "updatedAt": d.updated_at,
        "launchType": "FARGATE",
        "rolloutState": d.rollout_state,
        "rolloutStateReason": d.rollout_state_reason,
    }
