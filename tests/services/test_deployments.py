"""Deployments as ECS keeps them, without an engine: created, failed, rolled back, completed."""

from __future__ import annotations

from typing import Any

from hakobu.engines.local.service import deployments
from hakobu.engines.local.service.records import Desired, ServiceState
from hakobu.engines.local.service.scheduler import Member, Phase
from hakobu.engines.local.service.waiting import _outcome
from hakobu.spec.service import CircuitBreaker

ROLLBACK = CircuitBreaker(enable=True, rollback=True)


def desired(generation: int, revision: str, count: int = 3, **extra: Any) -> Desired:
    return Desired(
        generation=generation,
        app="app",
        root="/app",
        environment="local",
        config_file="hakobu.toml",
        environment_files={},
        service={"serviceName": "web", "desiredCount": count},
        revision=revision,
        desired_count=count,
        definition_desired_count=count,
        listener_host="127.0.0.1",
        listener_port=8080,
        target_group={},
        **extra,
    )


def healthy(deployment: str, count: int) -> list[Member]:
    return [Member(f"{deployment}-{i}", deployment, Phase.HEALTHY) for i in range(count)]


def completed_service() -> ServiceState:
    state = ServiceState("web", "app", "local", "default")
    assert deployments.apply_desired(state, desired(1, "web:1"))
    first = state.deployments[0]
    assert deployments.settle(state, healthy(first.id, 3)) == [
        f"(service web) (deployment {first.id}) deployment completed.",
        "(service web) has reached a steady state.",
    ]
    return state


def test_a_new_revision_is_a_new_deployment_and_a_new_count_is_not() -> None:
    state = completed_service()
    first = state.deployments[0]
    assert not deployments.apply_desired(state, desired(2, "web:1", count=5))
    assert first.desired_count == 5 and state.desired_count == 5 and len(state.deployments) == 1
    assert deployments.apply_desired(state, desired(3, "web:2", count=5))
    second = state.primary()
    assert second is not None and second.task_definition == "web:2"
    assert second.rollout_state == "IN_PROGRESS" and first.status == "ACTIVE"
    assert deployments.apply_desired(state, desired(4, "web:2", force_new_deployment=True))


def test_the_breaker_fails_at_the_threshold_and_rolls_back_to_the_completed_deployment() -> None:
    state = completed_service()
    first = state.deployments[0]
    deployments.apply_desired(state, desired(2, "web:2"))
    second = state.deployments[0]
    for _ in range(2):
        deployments.record_failure(state, second.id)
    assert deployments.run_breaker(state, ROLLBACK) == []  # 2 < max(3, ceil(0.5 * 3))
    deployments.record_failure(state, second.id)
    events = deployments.run_breaker(state, ROLLBACK)
    assert events == [
        f"(service web) (deployment {second.id}) deployment failed: tasks failed to start.",
        f"(service web) rolling back to deployment {first.id}.",
    ]
    assert second.rollout_state == "FAILED" and second.failed_tasks == 3
    assert second.rollout_state_reason == "ECS deployment circuit breaker: tasks failed to start."
    assert state.primary() is first and first.rollout_state == "IN_PROGRESS"
    assert first.rollout_state_reason == (
        f"ECS deployment circuit breaker: rolling back to deploymentId {first.id}."
    )
    deployments.settle(state, healthy(first.id, 3))
    assert first.rollout_state == "COMPLETED" and second.status == "INACTIVE"
    outcome = _outcome(state, 2, "web:2")
    assert outcome is not None and not outcome.ok
    assert f"Rolled back to web:1 ({first.id})" in outcome.message


def test_a_healthy_task_resets_the_count_unless_told_not_to() -> None:
    state = completed_service()
    deployments.apply_desired(state, desired(2, "web:2"))
    second = state.deployments[0]
    deployments.record_failure(state, second.id)
    deployments.record_failure(state, second.id)
    deployments.record_healthy(state, second.id, ROLLBACK)
    assert second.breaker_failures == 0 and second.failed_tasks == 2
    deployments.record_failure(state, second.id)
    cumulative = CircuitBreaker(enable=True, reset_on_healthy_task=False)
    deployments.record_healthy(state, second.id, cumulative)
    assert second.breaker_failures == 1


def test_without_a_completed_deployment_a_failed_one_stalls() -> None:
    state = ServiceState("web", "app", "local", "default")
    deployments.apply_desired(state, desired(1, "web:1"))
    first = state.deployments[0]
    for _ in range(3):
        deployments.record_failure(state, first.id)
    events = deployments.run_breaker(state, ROLLBACK)
    assert len(events) == 1 and state.primary() is first and first.rollout_state == "FAILED"
    assert deployments.settle(state, healthy(first.id, 3)) == []  # a failed one never completes
    outcome = _outcome(state, 1, "web:1")
    assert outcome is not None and "No rollback" in outcome.message


def test_outcome_of_a_scale_is_the_steady_state() -> None:
    state = completed_service()
    deployments.apply_desired(state, desired(2, "web:1", count=1))
    assert deployments.settle(state, healthy(state.deployments[0].id, 3)) == []
    assert _outcome(state, 2, None) is None
    assert deployments.settle(state, healthy(state.deployments[0].id, 1)) == [
        "(service web) has reached a steady state."
    ]
    outcome = _outcome(state, 2, None)
    assert outcome is not None and outcome.ok
