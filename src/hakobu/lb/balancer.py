"""The load balancer: listeners and target groups, started and stopped together.

The simple case is one listener in front of one target group::

    lb = LoadBalancer("127.0.0.1", 8080, TargetGroupSettings(health_check_path="/health"))
    await lb.start()
    lb.register("task-1", "10.88.0.5", 8080)
    await lb.target_group.wait_for("task-1", TargetState.HEALTHY)
    ...
    await lb.deregister("task-1")  # drained (or the delay passed): now SIGTERM the task

Blue/green adds a second group, weights on the main listener, and a test listener::

    green = lb.create_target_group("green", settings)
    test = await lb.add_listener("127.0.0.1", 9090, [(green, 1)])
    lb.listener.set_rules([(lb.target_group, 90), (green, 10)])
"""

from __future__ import annotations

import asyncio
from collections import Counter

from hakobu.lb.errors import TargetGroupSettingsError, TargetRegistrationError
from hakobu.lb.listener import Listener, Rules
from hakobu.lb.settings import TargetGroupSettings, check_idle_timeout
from hakobu.lb.targets import DrainResult, TargetGroup, TargetHealth, Timing

DEFAULT_GROUP = "default"


class LoadBalancer:
    """An ALB in miniature: see the module's doc for use, ``docs/lb.md`` for the behaviour.

    ``time_scale`` multiplies every duration (health check interval and timeout, deregistration
    delay, idle timeout): settings stay within AWS's ranges while tests run a 30 s interval in
    0.3 s with ``time_scale=0.01``.
    """

    def __init__(
        self,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        settings: TargetGroupSettings | None = None,
        *,
        idle_timeout_seconds: int = 60,
        time_scale: float = 1.0,
    ) -> None:
        if not time_scale > 0:
            raise TargetGroupSettingsError("time_scale", f"{time_scale} is not a positive number")
        self.timing = Timing(time_scale, check_idle_timeout(idle_timeout_seconds))
        self.elb_status_counts: Counter[int] = Counter()  # the LB's own 5xx/4xx answers, by code
        self._groups: dict[str, TargetGroup] = {}
        self._listeners: list[Listener] = []
        self._started = False
        self.target_group = self.create_target_group(DEFAULT_GROUP, settings)
        self.listener = self._new_listener(listen_host, listen_port, [(self.target_group, 1)])

    # -- the default group, for the one-group case ------------------------------------------

    @property
    def port(self) -> int:
        return self.listener.port

    def register(self, target_id: str, host: str, port: int) -> None:
        self.target_group.register(target_id, host, port)

    def deregister(self, target_id: str) -> asyncio.Task[DrainResult]:
        return self.target_group.deregister(target_id)

    def targets(self) -> list[TargetHealth]:
        return self.target_group.targets()

    # -- groups and listeners --------------------------------------------------------------

    @property
    def target_groups(self) -> dict[str, TargetGroup]:
        return dict(self._groups)

    def create_target_group(
        self, name: str, settings: TargetGroupSettings | None = None
    ) -> TargetGroup:
        if name in self._groups:
            raise TargetRegistrationError(f"target group {name} exists: choose another name")
        group = TargetGroup(name, settings or TargetGroupSettings(), self.timing)
        self._groups[name] = group
        if self._started:
            group.start()
        return group

    async def add_listener(self, host: str, port: int, rules: Rules) -> Listener:
        """Another listener, e.g. the test listener of a blue/green deployment.

        Its port opens now if the load balancer is running, else with ``start()``.
        """
        listener = self._new_listener(host, port, rules)
        if self._started:
            try:
                await listener.start()
            except BaseException:
                self._listeners.remove(listener)
                listener.detach()
                raise
        return listener

    def _new_listener(self, host: str, port: int, rules: Rules) -> Listener:
        listener = Listener(host, port, rules, self.timing, self.elb_status_counts)
        self._listeners.append(listener)
        return listener

    async def remove_listener(self, listener: Listener) -> None:
        """Close a listener (its open connections too) and stop using its groups."""
        self._listeners.remove(listener)
        await listener.stop()
        listener.detach()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open every listener's port and start health checks (of groups a listener uses)."""
        self._started = True
        for group in self._groups.values():
            group.start()
        try:
            for listener in self._listeners:
                await listener.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close the ports and every connection; pending deregistrations complete at once."""
        self._started = False
        for listener in self._listeners:
            await listener.stop()
        for group in self._groups.values():
            group.stop()
        await asyncio.sleep(0)  # let cancelled health checks and closing transports finish

    async def __aenter__(self) -> LoadBalancer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
