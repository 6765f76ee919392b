"""TargetGroup.update_settings: ModifyTargetGroup on a live group keeps targets and requests."""

from __future__ import annotations

import dataclasses
import http.client
from collections.abc import Callable

from tests.lb.conftest import FAST, Backend, LbLoop, get, wait_until
from tests.lb.test_draining import start_slow

from hakobu.lb import LoadBalancer, Reason, TargetGroupSettings, TargetState
from hakobu.lb.health import USER_AGENT

# At the tests' time scale (0.02): interval 300 s -> 6 s, so a check that comes sooner than that
# after the change comes from the new interval (5 s -> 0.1 s).
SLOW_CHECKS = dataclasses.replace(
    FAST, health_check_interval_seconds=300, deregistration_delay_seconds=30
)
NEW = dataclasses.replace(
    FAST,
    health_check_path="/ready",
    health_check_interval_seconds=5,
    healthy_threshold_count=3,
    unhealthy_threshold_count=3,
    matcher="200-299",
    deregistration_delay_seconds=300,  # 6 s: longer than the slow request below
    algorithm="least_outstanding_requests",
)


def checks_of(backend: Backend, path: str) -> int:
    with backend.lock:
        return sum(1 for _, p, h in backend.requests if p == path and h["User-Agent"] == USER_AGENT)


def update(lb_loop: LbLoop, lb: LoadBalancer, settings: TargetGroupSettings) -> None:
    lb_loop.call(lambda: lb.target_group.update_settings(settings))


def test_new_settings_keep_targets_connections_and_requests_in_flight(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a, b = backends("a"), backends("b")
    lb = lb_loop.start_lb(SLOW_CHECKS, targets=[a, b])
    conn = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=10)
    assert get(lb.port, conn=conn).status == 200  # a keep-alive connection, open across it
    slow, replies = start_slow(lb, 1.0)
    wait_until(lambda: sum(t.in_flight for t in lb_loop.call(lb.targets)) == 1)

    update(lb_loop, lb, NEW)

    # Nothing was deregistered or reset: both targets are healthy at once, not `initial`.
    states = {t.target_id: t.state for t in lb_loop.call(lb.targets)}
    assert states == {"a": TargetState.HEALTHY, "b": TargetState.HEALTHY}
    assert get(lb.port, conn=conn).status == 200
    slow.join()
    assert replies[0].status == 200  # the request in flight during the change finished
    # The new path and interval apply now, not one old interval (6 s) later.
    wait_until(lambda: checks_of(a, "/ready") >= 2 and checks_of(b, "/ready") >= 2, timeout=3)
    assert lb_loop.call(lambda: lb.target_group.settings) == NEW
    conn.close()


def test_new_matcher_and_thresholds_judge_the_next_checks(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    update(lb_loop, lb, dataclasses.replace(FAST, matcher="204", unhealthy_threshold_count=3))
    lb_loop.wait_state(lb.target_group, "a", TargetState.UNHEALTHY)
    health = lb_loop.call(lambda: lb.target_group.target("a"))
    assert health.reason is Reason.RESPONSE_CODE_MISMATCH
    assert "[200]" in (health.description or "")
    update(lb_loop, lb, dataclasses.replace(FAST, matcher="200-204"))
    lb_loop.wait_state(lb.target_group, "a", TargetState.HEALTHY)


def test_a_new_deregistration_delay_applies_to_the_next_drain(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(SLOW_CHECKS, targets=[a])  # delay 30 s -> 0.6 s
    update(lb_loop, lb, NEW)  # delay 300 s -> 6 s
    slow, replies = start_slow(lb, 1.5)
    wait_until(lambda: lb_loop.call(lambda: lb.target_group.target("a")).in_flight == 1)

    async def deregister() -> object:
        return await lb.deregister("a")

    result = lb_loop.run(deregister())
    slow.join()
    # Under the old 0.6 s delay the drain would have ended with the request still in flight.
    assert result.drained and result.in_flight_left == 0  # type: ignore[attr-defined]
    assert replies[0].status == 200
