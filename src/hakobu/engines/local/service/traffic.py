"""The load balancer's two target groups and its listeners' rules, kept in line with the service.

A rolling service uses one group; blue/green, canary and linear deployments put the new revision
(green) in the other one, and shift the production listener's weights between them, as ECS shifts
an ALB listener rule between the service's target group and its alternate target group. The test
listener (``[environments.ENV.service] test_port``) forwards to green from the test traffic
shift on, and to the primary otherwise. Every rule names both groups (the idle one with weight
0), so the health checks of both keep running.
"""

from __future__ import annotations

from hakobu.engines.local.service.bluegreen import GROUPS, TEST_ON_GREEN, other_group, weights
from hakobu.engines.local.service.records import ServiceState
from hakobu.lb import Listener, LoadBalancer, TargetGroup, TargetGroupSettings

Rules = list[tuple[TargetGroup, int]]


class Traffic:
    def __init__(self, lb: LoadBalancer, settings: TargetGroupSettings, arns: dict[str, str]):
        self.lb = lb
        self.arns = arns  # group -> target group ARN, for events
        self.groups = {
            GROUPS[0]: lb.target_group,
            GROUPS[1]: lb.create_target_group(GROUPS[1], settings),
        }
        self.test: Listener | None = None
        self._production: Rules = []
        self._test: Rules = []

    async def start(self, host: str, test_port: int | None) -> None:
        await self.lb.start()
        if test_port is not None:
            self.test = await self.lb.add_listener(host, test_port, self._pair(GROUPS[0]))

    def group(self, name: str) -> TargetGroup:
        return self.groups[name]

    def apply(self, state: ServiceState) -> None:
        """Set the listeners' rules for the deployments as they stand (idempotent)."""
        production, test = self._rules(state)
        if production != self._production:
            self.lb.listener.set_rules(production)
            self._production = production
        if self.test is not None and test != self._test:
            self.test.set_rules(test)
            self._test = test

    def _rules(self, state: ServiceState) -> tuple[Rules, Rules]:
        primary = state.primary()
        if primary is None:
            return self._pair(GROUPS[0]), self._pair(GROUPS[0])
        blue = state.deployment(primary.replaces) if primary.replaces else None
        if primary.stage is None or blue is None:
            return self._pair(primary.target_group), self._pair(primary.target_group)
        blue_weight, green_weight = weights(primary.traffic)
        production = [
            (self.groups[blue.target_group], blue_weight),
            (self.groups[primary.target_group], green_weight),
        ]
        on_green = primary.stage in TEST_ON_GREEN
        test = self._pair(primary.target_group if on_green else blue.target_group)
        return production, test

    def _pair(self, serving: str) -> Rules:
        return [(self.groups[serving], 1), (self.groups[other_group(serving)], 0)]


def target_group_arns(base: str) -> dict[str, str]:
    """The two groups' ARNs: the service's, and its alternate one (``-alt``)."""
    prefix, _, suffix = base.rpartition("/")
    group_prefix, _, name = prefix.rpartition("/")
    alternate = f"{group_prefix}/{(name[:28] + '-alt')}/{suffix}"
    return {GROUPS[0]: base, GROUPS[1]: alternate}
