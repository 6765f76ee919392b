"""Which target gets each request: round robin, least outstanding requests, fail-open, 503."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable

from tests.lb.conftest import FAST, Backend, LbLoop, dead_port, get, wait_until

from hakobu.lb import Reason, TargetState


def test_round_robin_spreads_requests_evenly(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    targets = [backends(name) for name in "abc"]
    lb = lb_loop.start_lb(targets=targets)
    answers = [get(lb.port).text for _ in range(30)]
    assert Counter(answers) == {"a": 10, "b": 10, "c": 10}
    assert answers[:3] == answers[3:6]  # a fixed rotation
    counts = {t.target_id: t.request_count for t in lb_loop.call(lb.targets)}
    assert counts == {"a": 10, "b": 10, "c": 10}
    assert lb.target_group.request_count == 30


def test_least_outstanding_requests_avoids_the_busy_target(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a, b = backends("a"), backends("b")
    settings = dataclasses.replace(FAST, algorithm="least_outstanding_requests")
    lb = lb_loop.start_lb(settings, [a, b])
    slow = threading.Thread(target=get, args=(lb.port, "/slow/2.0"))
    slow.start()
    wait_until(lambda: sum(t.in_flight for t in lb_loop.call(lb.targets)) > 0)
    busy = next(t.target_id for t in lb_loop.call(lb.targets) if t.in_flight)
    answers = {get(lb.port).text for _ in range(6)}
    assert answers == {"a", "b"} - {busy}  # round robin would have sent three of them to busy
    slow.join()


def test_round_robin_ignores_outstanding_requests(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a, b = backends("a"), backends("b")
    lb = lb_loop.start_lb(targets=[a, b])
    slow = threading.Thread(target=get, args=(lb.port, "/slow/0.5"))
    slow.start()
    wait_until(lambda: sum(t.in_flight for t in lb_loop.call(lb.targets)) > 0)
    assert Counter(get(lb.port).text for _ in range(6)) == {"a": 3, "b": 3}
    slow.join()


def test_all_unhealthy_fails_open(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    # AWS: "If a target group contains only unhealthy registered targets, the load balancer
    # routes requests to all those targets, regardless of their health status."
    a, b = backends("a"), backends("b")
    lb = lb_loop.start_lb(targets=[a, b])
    a.health_status = b.health_status = 500
    lb_loop.wait_state(lb.target_group, "a", TargetState.UNHEALTHY)
    lb_loop.wait_state(lb.target_group, "b", TargetState.UNHEALTHY)
    assert Counter(get(lb.port).text for _ in range(4)) == {"a": 2, "b": 2}


def test_fail_open_to_a_dead_target_is_502(lb_loop: LbLoop) -> None:
    lb = lb_loop.start_lb(healthy=False)
    lb_loop.call(lambda: lb.register("dead", "127.0.0.1", dead_port()))
    lb_loop.wait_state(lb.target_group, "dead", TargetState.UNHEALTHY)
    assert lb_loop.call(lambda: lb.target_group.target("dead")).reason is (
        Reason.FAILED_HEALTH_CHECKS
    )
    reply = get(lb.port)
    assert reply.status == 502 and b"502 Bad Gateway" in reply.body
    assert lb.elb_status_counts[502] == 1


def test_empty_group_is_503(lb_loop: LbLoop) -> None:
    lb = lb_loop.start_lb()
    reply = get(lb.port)
    assert reply.status == 503
    assert reply.headers["connection"] == "keep-alive"
    assert b"503 Service Temporarily Unavailable" in reply.body


def test_initial_targets_get_no_traffic(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    a.health_status = 500  # stays initial until unhealthy_threshold_count failures
    settings = dataclasses.replace(FAST, unhealthy_threshold_count=10)
    lb = lb_loop.start_lb(settings, [a], healthy=False)
    health = lb_loop.call(lambda: lb.target_group.target("a"))
    assert health.state is TargetState.INITIAL
    assert health.reason in (Reason.REGISTRATION_IN_PROGRESS, Reason.INITIAL_HEALTH_CHECKING)
    assert get(lb.port).status == 503
    assert a.paths() == []
