"""A listener: one port, and a forward action to one or more weighted target groups.

As an ALB's weighted forward action (weights 0-999, "routes each request to a target group in
proportion to its weight"), which is how blue/green and canary deployments shift traffic. The
share is kept exact with smooth weighted round robin (as nginx's): 90/10 over 100 requests is 90
and 10, spread evenly, so a test or a canary sees the split it asked for.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

from hakobu.lb.errors import LoadBalancerError, TargetGroupSettingsError
from hakobu.lb.proxy import ClientConnection
from hakobu.lb.targets import Target, TargetGroup, Timing

MAX_WEIGHT = 999
BACKLOG = 1024

Rules = Sequence[tuple[TargetGroup, int]]


class Listener:
    """Accepts client connections on ``host:port`` and routes each request by the rules' weights."""

    def __init__(
        self, host: str, port: int, rules: Rules, timing: Timing, counts: Counter[int]
    ) -> None:
        self.host = host
        self._port = port
        self.timing = timing
        self.elb_status_counts = counts  # shared by the load balancer's listeners
        self.connections: set[ClientConnection] = set()
        self._groups: list[TargetGroup] = []
        self._weights: list[int] = []
        self._current: list[int] = []
        self._total = 0
        self._server: asyncio.Server | None = None
        self.set_rules(rules)

    @property
    def port(self) -> int:
        """The bound port (the one asked for, or the one the system chose for port 0)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def rules(self) -> list[tuple[TargetGroup, int]]:
        return list(zip(self._groups, self._weights, strict=True))

    def set_rules(self, rules: Rules) -> None:
        """Replace the forward action's groups and weights; takes effect with the next request."""
        _check_rules(rules)
        old = self._groups
        self._groups = [group for group, _ in rules]
        self._weights = [weight for _, weight in rules]
        self._current = [0] * len(rules)
        self._total = sum(self._weights)
        # Adding before removing: a group in both keeps its health checks running.
        for group in self._groups:
            group.add_user(1)
        for group in old:
            group.add_user(-1)

    def route(self) -> Target | None:
        groups = self._groups
        if len(groups) == 1:  # the common case, without weights to weigh
            group: TargetGroup | None = groups[0] if self._total else None
        else:
            group = self._pick_group()
        if group is None:
            return None
        group.request_count += 1
        return group.pick()

    def _pick_group(self) -> TargetGroup | None:
        groups = self._groups
        best = -1
        current = self._current
        for i, weight in enumerate(self._weights):
            current[i] += weight
            if weight and (best < 0 or current[i] > current[best]):
                best = i
        if best < 0:
            return None
        current[best] -= self._total
        return groups[best]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                lambda: ClientConnection(self), self.host, self._port, backlog=BACKLOG
            )
        except OSError as e:
            raise LoadBalancerError(
                f"cannot listen on {self.host}:{self._port}: {e.strerror or e} "
                "(is another process using the port? choose another, or 0 for any)"
            ) from e

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for conn in list(self.connections):
            conn.abort()
        if server is not None:
            await server.wait_closed()

    def detach(self) -> None:
        """Stop counting as a user of the rules' groups (the listener is being removed)."""
        for group in self._groups:
            group.add_user(-1)
        self._groups, self._weights, self._current, self._total = [], [], [], 0


def _check_rules(rules: Rules) -> None:
    if not rules:
        raise TargetGroupSettingsError("rules", "a listener forwards to at least one target group")
    names = [group.name for group, _ in rules]
    if len(set(names)) != len(names):
        raise TargetGroupSettingsError("rules", f"a target group appears twice in {names}")
    for group, weight in rules:
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
            raise TargetGroupSettingsError(
                "rules", f"weight {weight!r} of {group.name} must be a whole number 0-{MAX_WEIGHT}"
            )
