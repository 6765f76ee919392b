"""Deregistration: draining, in-flight requests finishing, and the deregistration delay."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from tests.lb.conftest import FAST, Backend, LbLoop, Reply, get, wait_until

from hakobu.lb import DrainResult, LoadBalancer, Reason, TargetState


def start_slow(lb: LoadBalancer, seconds: float) -> tuple[threading.Thread, list[Reply]]:
    replies: list[Reply] = []
    thread = threading.Thread(target=lambda: replies.append(get(lb.port, f"/slow/{seconds}")))
    thread.start()
    return thread, replies


def test_draining_target_finishes_in_flight_and_gets_nothing_new(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a, b = backends("a"), backends("b")
    lb = lb_loop.start_lb(targets=[a])  # deregistration delay 30 s at scale 0.02: 0.6 s
    settings = dataclasses.replace(FAST, deregistration_delay_seconds=300)  # 6 s: not reached
    lb.target_group.settings = settings
    slow, replies = start_slow(lb, 1.5)
    wait_until(lambda: lb_loop.call(lambda: lb.target_group.target("a")).in_flight == 1)
    lb_loop.call(lambda: lb.register("b", "127.0.0.1", b.port))
    lb_loop.wait_state(lb.target_group, "b", TargetState.HEALTHY)

    started = time.monotonic()
    drain = lb_loop.submit(_deregister(lb, "a"))
    health = lb_loop.call(lambda: lb.target_group.target("a"))
    assert (health.state, health.reason) == (
        TargetState.DRAINING,
        Reason.DEREGISTRATION_IN_PROGRESS,
    )
    assert health.in_flight == 1
    assert {get(lb.port).text for _ in range(10)} == {"b"}  # nothing new reaches a
    result = drain.result(5)
    slow.join()
    assert replies[0].status == 200 and replies[0].text == "a"  # the in-flight one finished
    assert result.drained and result.in_flight_left == 0
    assert time.monotonic() - started < 5.0  # when it finished, not at the delay (6 s)
    assert [t.target_id for t in lb_loop.call(lb.targets)] == ["b"]
    assert lb_loop.call(lambda: lb.target_group.target("a")).state is TargetState.UNUSED


def test_deregistration_delay_ends_the_drain_but_does_not_cut_requests(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])  # delay 0.6 s
    slow, replies = start_slow(lb, 1.5)
    wait_until(lambda: lb_loop.call(lambda: lb.target_group.target("a")).in_flight == 1)
    started = time.monotonic()
    result = lb_loop.run(_deregister(lb, "a"))
    assert time.monotonic() - started > 0.5
    assert not result.drained and result.in_flight_left == 1  # ended by the delay, at 0.6 s
    # The caller would now send SIGTERM; the load balancer does not cut the request itself.
    slow.join()
    assert replies[0].status == 200 and replies[0].text == "a"


def test_idle_target_deregisters_at_once(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    a = backends("a")
    lb = lb_loop.start_lb(targets=[a])
    get(lb.port)  # leaves a pooled keep-alive connection, which the drain closes
    started = time.monotonic()
    result = lb_loop.run(_deregister(lb, "a"))
    assert result.drained and time.monotonic() - started < 0.55  # not the 0.6 s delay
    assert get(lb.port).status == 503
    assert lb_loop.run(_deregister(lb, "unknown")).drained  # as DeregisterTargets: no error


async def _deregister(lb: LoadBalancer, target_id: str) -> DrainResult:
    return await lb.deregister(target_id)
