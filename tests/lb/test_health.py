"""Target health as an ALB computes it: the counting rules alone, then real checks and states."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable

from tests.lb.conftest import FAST, Backend, LbLoop, dead_port, get, wait_until

from hakobu.lb import Reason, TargetState
from hakobu.lb.health import CheckResult, HealthCounter, check_target

FAIL = CheckResult(
    False, Reason.RESPONSE_CODE_MISMATCH, "Health checks failed with these codes: [500]"
)
OK = CheckResult(True)


def run(counter: HealthCounter, *results: CheckResult) -> TargetState:
    for result in results:
        counter.record(result, FAST)
    return counter.state


def test_new_target_is_initial_and_one_pass_makes_it_healthy() -> None:
    # AWS: "After your target is registered, it must pass one health check to be considered
    # healthy" - HealthyThresholdCount applies to bringing an unhealthy target back.
    counter = HealthCounter()
    assert (counter.state, counter.reason) == (TargetState.INITIAL, Reason.REGISTRATION_IN_PROGRESS)
    counter.checking()
    assert counter.reason is Reason.INITIAL_HEALTH_CHECKING
    assert run(counter, OK) is TargetState.HEALTHY and counter.reason is None


def test_initial_target_becomes_unhealthy_after_the_unhealthy_threshold() -> None:
    counter = HealthCounter()
    assert run(counter, FAIL) is TargetState.INITIAL
    assert run(counter, FAIL) is TargetState.UNHEALTHY
    assert counter.reason is Reason.RESPONSE_CODE_MISMATCH


def test_thresholds_move_between_healthy_and_unhealthy() -> None:
    counter = HealthCounter()
    run(counter, OK)
    assert run(counter, FAIL, OK, FAIL) is TargetState.HEALTHY  # not consecutive
    assert run(counter, FAIL) is TargetState.UNHEALTHY
    assert run(counter, OK, FAIL, OK) is TargetState.UNHEALTHY
    assert run(counter, OK) is TargetState.HEALTHY  # healthy_threshold_count (2) in a row


def check(port: int, timeout: float = 1.0) -> CheckResult:
    return asyncio.run(check_target("127.0.0.1", port, FAST, timeout))


def test_check_results_carry_albs_reason_codes(backends: Callable[[str], Backend]) -> None:
    backend = backends("a")
    assert check(backend.port).passed
    assert backend.requests[-1][2]["User-Agent"] == "ELB-HealthChecker/2.0"
    backend.health_status = 503
    result = check(backend.port)
    assert (result.reason, result.description) == (
        Reason.RESPONSE_CODE_MISMATCH,
        "Health checks failed with these codes: [503]",
    )
    backend.health_status, backend.health_delay = 200, 0.5
    started = time.monotonic()
    assert check(backend.port, timeout=0.1).reason is Reason.TIMEOUT
    assert time.monotonic() - started < 0.5  # the target would answer at 0.5 s
    assert check(dead_port()).reason is Reason.FAILED_HEALTH_CHECKS


def test_states_through_a_failure_and_recovery(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a, b = backends("a"), backends("b")
    lb = lb_loop.start_lb(targets=[a, b])
    group = lb.target_group
    a.health_status = 500
    lb_loop.wait_state(group, "a", TargetState.UNHEALTHY)
    health = {t.target_id: t for t in lb_loop.call(lb.targets)}
    assert health["a"].reason is Reason.RESPONSE_CODE_MISMATCH
    assert health["a"].description == "Health checks failed with these codes: [500]"
    assert health["b"].state is TargetState.HEALTHY and health["b"].reason is None
    # An unhealthy target gets no traffic while another is healthy.
    before = len(a.paths())
    assert {get(lb.port).text for _ in range(10)} == {"b"}
    assert len(a.paths()) == before
    a.health_status = 200
    lb_loop.wait_state(group, "a", TargetState.HEALTHY)
    assert {get(lb.port).text for _ in range(10)} == {"a", "b"}


def test_health_checks_use_the_interval(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb_loop.start_lb(targets=[a])  # interval 5 s at scale 0.02: one check per 0.1 s
    time.sleep(0.55)
    checks = sum(1 for _, path, _ in a.requests if path == "/health")
    assert 4 <= checks <= 8


def test_replaced_settings_apply_from_the_next_check(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    new = dataclasses.replace(FAST, health_check_path="/other")
    lb_loop.call(lambda: setattr(lb.target_group, "settings", new))  # as ModifyTargetGroup
    wait_until(lambda: any(path == "/other" for _, path, _ in list(a.requests)))
