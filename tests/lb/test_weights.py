"""Blue/green: two target groups behind one listener with weights, and a test listener."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from tests.lb.conftest import FAST, Backend, LbLoop, get

from hakobu.lb import LoadBalancer, Reason, TargetGroup, TargetGroupSettingsError, TargetState
from hakobu.lb.listener import Listener


def blue_green(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> tuple[LoadBalancer, TargetGroup, Listener]:
    blue, green = backends("blue"), backends("green")
    lb = lb_loop.start_lb(targets=[blue])
    group = lb_loop.call(lambda: lb.create_target_group("green", FAST))
    lb_loop.call(lambda: group.register("green", "127.0.0.1", green.port))
    test = lb_loop.run(lb.add_listener("127.0.0.1", 0, [(group, 1)]))
    lb_loop.wait_state(group, "green", TargetState.HEALTHY)
    return lb, group, test


def test_weights_split_traffic_exactly(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    lb, green, _ = blue_green(lb_loop, backends)
    lb_loop.call(lambda: lb.listener.set_rules([(lb.target_group, 90), (green, 10)]))
    answers = [get(lb.port).text for _ in range(100)]
    assert Counter(answers) == {"blue": 90, "green": 10}
    assert "green" not in answers[:5]  # spread out, not in a burst at the start
    lb_loop.call(lambda: lb.listener.set_rules([(lb.target_group, 0), (green, 100)]))
    assert {get(lb.port).text for _ in range(10)} == {"green"}
    lb_loop.call(lambda: lb.listener.set_rules([(lb.target_group, 1), (green, 1)]))
    assert Counter(get(lb.port).text for _ in range(10)) == {"blue": 5, "green": 5}


def test_test_listener_routes_only_to_its_group(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    lb, _, test = blue_green(lb_loop, backends)
    assert test.port != lb.port
    assert {get(test.port).text for _ in range(5)} == {"green"}
    assert {get(lb.port).text for _ in range(5)} == {"blue"}
    lb_loop.run(lb.remove_listener(test))
    with pytest.raises(ConnectionRefusedError):
        get(test.port)


def test_group_without_listener_is_unused(
    lb_loop: LbLoop, backends: Callable[[str], Backend]
) -> None:
    green = backends("green")
    lb = lb_loop.start_lb()
    group = lb_loop.call(lambda: lb.create_target_group("green", FAST))
    lb_loop.call(lambda: group.register("green", "127.0.0.1", green.port))
    health = lb_loop.call(lambda: group.target("green"))
    assert (health.state, health.reason) == (TargetState.UNUSED, Reason.NOT_IN_USE)
    assert green.requests == []  # no health checks for a group no listener uses
    lb_loop.call(lambda: lb.listener.set_rules([(lb.target_group, 1), (group, 0)]))
    lb_loop.wait_state(group, "green", TargetState.HEALTHY)  # in a rule, even at weight 0


def test_all_weights_zero_is_503(lb_loop: LbLoop, backends: Callable[[str], Backend]) -> None:
    lb = lb_loop.start_lb(targets=[backends("blue")])
    lb_loop.call(lambda: lb.listener.set_rules([(lb.target_group, 0)]))
    assert get(lb.port).status == 503


@pytest.mark.parametrize("weight", [-1, 1000, 1.5, True])
def test_weights_are_albs_0_to_999(lb_loop: LbLoop, weight: object) -> None:
    lb = lb_loop.start_lb()
    with pytest.raises(TargetGroupSettingsError):
        lb_loop.call(lambda: lb.listener.set_rules([(lb.target_group, weight)]))  # type: ignore[list-item]
