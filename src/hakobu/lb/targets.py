"""Targets and target groups: registration, health, per-request selection, draining.

Selection follows the ALB: only healthy targets get requests, except that a group whose registered
targets are all unhealthy "fails open" and routes to all of them (AWS, "Health checks for
Application Load Balancer target groups"). Targets still in ``initial`` or ``draining`` never get
new requests; a group with nothing to route to answers 503.

Deregistration follows ``deregistration_delay.timeout_seconds``: the target drains (no new
requests; in-flight ones go on), and deregistration completes when it has no request in flight,
or when the delay has passed, whichever comes first. Requests still in flight then are not cut:
they end as the target ends them, which is what the caller's SIGTERM decides.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from hakobu.lb.errors import TargetRegistrationError
from hakobu.lb.health import DESCRIPTIONS, HealthCounter, Reason, TargetState, check_target
from hakobu.lb.settings import TargetGroupSettings
from hakobu.lb.upstream import UpstreamPool

MAX_IDLE_PER_TARGET = 128


@dataclass(frozen=True)
class Timing:
    """Turns AWS's durations (whole seconds) into real ones: each is multiplied by time_scale."""

    time_scale: float = 1.0
    idle_timeout_seconds: int = 60
    connect_timeout_seconds: int = 10  # ALB's fixed connection timeout to a target (then 504)

    def real(self, seconds: float) -> float:
        return seconds * self.time_scale


@dataclass(frozen=True)
class TargetHealth:
    """One target as describe-target-health shows it, with the load balancer's counters."""

    target_id: str
    host: str
    port: int
    state: TargetState
    reason: Reason | None
    description: str | None
    in_flight: int
    request_count: int  # requests routed to it so far (CloudWatch's RequestCountPerTarget sums)


@dataclass(frozen=True)
class DrainResult:
    """How a deregistration ended: drained (nothing in flight) or cut short by the delay."""

    target_id: str
    drained: bool
    in_flight_left: int
    seconds: float


class Target:
    __slots__ = (
        "check_task",
        "drain_task",
        "draining",
        "health",
        "host",
        "idle",
        "in_flight",
        "pool",
        "port",
        "removed",
        "request_count",
        "target_id",
    )

    def __init__(self, target_id: str, host: str, port: int, timing: Timing) -> None:
        self.target_id = target_id
        self.host = host
        self.port = port
        self.health = HealthCounter()
        self.in_flight = 0
        self.request_count = 0
        self.draining = False
        self.removed = False
        self.pool = UpstreamPool(
            host, port, MAX_IDLE_PER_TARGET, timing.real(timing.idle_timeout_seconds)
        )
        self.check_task: asyncio.Task[None] | None = None
        self.drain_task: asyncio.Task[DrainResult] | None = None
        self.idle: asyncio.Future[None] | None = None  # resolved when a drain has nothing left

    def begin(self) -> None:
        self.in_flight += 1
        self.request_count += 1

    def end(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0 and self.idle is not None and not self.idle.done():
            self.idle.set_result(None)


class TargetGroup:
    """Targets behind one or more listener rules, with one set of settings."""

    def __init__(self, name: str, settings: TargetGroupSettings, timing: Timing) -> None:
        self.name = name
        self.settings = settings  # replaced by update_settings, as ModifyTargetGroup does
        self.request_count = 0
        self._timing = timing
        self._targets: dict[str, Target] = {}
        self._routable: list[Target] | None = None  # None: recompute on the next pick
        self._next = 0
        self._running = False
        self._users = 0  # listener rules forwarding here; none means "unused", as in an ALB
        self._changed: asyncio.Future[None] | None = None

    # -- registration ----------------------------------------------------------------------

    def register(self, target_id: str, host: str, port: int) -> None:
        """Add a target; it starts ``initial`` and gets requests once it passes a health check.

        Registering the same ID at the same address again does nothing, as RegisterTargets.
        """
        known = self._targets.get(target_id)
        if known is not None:
            if (known.host, known.port) == (host, port) and not known.draining:
                return
            raise TargetRegistrationError(
                f"target {target_id} is already registered at {known.host}:{known.port}"
                + (" and still draining" if known.draining else "")
                + ": deregister it and wait for the drain, or use another ID"
            )
        target = Target(target_id, host, port, self._timing)
        self._targets[target_id] = target
        if self._checking:
            self._start_checks(target)
        self._state_changed()

    def deregister(self, target_id: str) -> asyncio.Task[DrainResult]:
        """Start draining; the task ends when the target is removed (see the module's doc).

        Needs a running event loop. An unknown ID completes at once, as DeregisterTargets does.
        """
        loop = asyncio.get_running_loop()
        target = self._targets.get(target_id)
        if target is None:
            return loop.create_task(_not_registered(target_id))
        if target.drain_task is not None:
            return target.drain_task
        target.draining = True
        target.pool.accepting = False
        target.pool.close_idle()  # "no active connections" is part of being drained
        self._stop_checks(target)
        self._state_changed()
        target.drain_task = loop.create_task(self._drain(target))
        return target.drain_task

    async def _drain(self, target: Target) -> DrainResult:
        loop = asyncio.get_running_loop()
        started = loop.time()
        delay = self._timing.real(self.settings.deregistration_delay_seconds)
        if target.in_flight and delay > 0 and self._running:
            target.idle = loop.create_future()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await target.idle
        left = target.in_flight
        target.removed = True
        self._targets.pop(target.target_id, None)
        self._state_changed()
        return DrainResult(target.target_id, left == 0, left, loop.time() - started)

    # -- settings ----------------------------------------------------------------------------

    def update_settings(self, settings: TargetGroupSettings) -> None:
        """New health check settings and attributes for a live group, as ModifyTargetGroup and
        ModifyTargetGroupAttributes change them: no target is deregistered, no connection or
        request in flight is touched, and each target keeps its health state and counts.

        The next health check of each target uses the new path, port, matcher, timeout and
        thresholds; a new interval applies at once (each target is checked now, then every new
        interval), not after one more of the old interval. The new deregistration delay applies
        to deregistrations that start from now on; drains in progress keep the delay they began
        with. The algorithm applies from the next request.
        """
        old, self.settings = self.settings, settings
        if old.health_check_interval_seconds != settings.health_check_interval_seconds:
            for target in self._targets.values():
                if target.check_task is not None:
                    self._stop_checks(target)
                    self._start_checks(target, keep_health=True)
        self._state_changed()

    # -- health ------------------------------------------------------------------------------

    def targets(self) -> list[TargetHealth]:
        return [self._health_of(t) for t in self._targets.values()]

    def target(self, target_id: str) -> TargetHealth:
        """One target's health; an unknown ID is ``unused`` / Target.NotRegistered, as in AWS."""
        target = self._targets.get(target_id)
        if target is None:
            reason = Reason.NOT_REGISTERED
            return TargetHealth(
                target_id, "", 0, TargetState.UNUSED, reason, DESCRIPTIONS[reason], 0, 0
            )
        return self._health_of(target)

    async def wait_for(self, target_id: str, *states: TargetState) -> TargetHealth:
        """Wait until the target is in one of ``states`` (bound it with asyncio.timeout)."""
        while (health := self.target(target_id)).state not in states:
            if self._changed is None:
                self._changed = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._changed)
        return health

    def _health_of(self, t: Target) -> TargetHealth:
        reason: Reason | None
        description: str | None
        if t.draining:
            state, reason = TargetState.DRAINING, Reason.DEREGISTRATION_IN_PROGRESS
            description = DESCRIPTIONS[reason]
        elif not self._users:
            state, reason = TargetState.UNUSED, Reason.NOT_IN_USE
            description = DESCRIPTIONS[reason]
        else:
            state, reason, description = t.health.state, t.health.reason, t.health.description
        return TargetHealth(
            t.target_id, t.host, t.port, state, reason, description, t.in_flight, t.request_count
        )

    async def _check_loop(self, target: Target) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            settings = self.settings  # read each time: replaced settings apply from the next check
            target.health.checking()
            timeout = self._timing.real(settings.health_check_timeout_seconds)
            port = settings.health_check_port or target.port
            result = await check_target(target.host, port, settings, timeout)
            if target.health.record(result, settings):
                self._state_changed()
            # Checks start one interval apart, however long each took (AWS: "the time it takes
            # for the target to respond does not affect the interval for the next").
            next_at += self._timing.real(settings.health_check_interval_seconds)
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    @property
    def _checking(self) -> bool:
        return self._running and self._users > 0

    def _start_checks(self, target: Target, *, keep_health: bool = False) -> None:
        if target.check_task is None and not target.draining:
            if not keep_health:
                target.health = HealthCounter()
            target.check_task = asyncio.get_running_loop().create_task(self._check_loop(target))

    def _stop_checks(self, target: Target) -> None:
        if target.check_task is not None:
            target.check_task.cancel()
            target.check_task = None

    # -- selection ---------------------------------------------------------------------------

    def pick(self) -> Target | None:
        """The target for the next request, by the group's algorithm; None: nothing to route to."""
        routable = self._routable
        if routable is None:
            routable = self._routable = self._compute_routable()
        count = len(routable)
        if count == 0:
            return None
        start = self._next % count
        self._next = start + 1
        if self.settings.algorithm == "round_robin" or count == 1:
            return routable[start]
        # Least outstanding requests; ties go round robin, so idle targets share the load.
        best = routable[start]
        for i in range(1, count):
            candidate = routable[(start + i) % count]
            if candidate.in_flight < best.in_flight:
                best = candidate
        return best

    def _compute_routable(self) -> list[Target]:
        live = [t for t in self._targets.values() if not t.draining]
        healthy = [t for t in live if t.health.state is TargetState.HEALTHY]
        if healthy:
            return healthy
        return [t for t in live if t.health.state is TargetState.UNHEALTHY]  # fail open

    def _state_changed(self) -> None:
        self._routable = None
        changed, self._changed = self._changed, None
        if changed is not None and not changed.done():
            changed.set_result(None)

    # -- lifecycle, driven by the load balancer and its listeners ---------------------------

    def add_user(self, delta: int) -> None:
        was_checking = self._checking
        self._users += delta
        self._sync_checks(was_checking)

    def start(self) -> None:
        was_checking = self._checking
        self._running = True
        self._sync_checks(was_checking)

    def stop(self) -> None:
        self._running = False
        for target in list(self._targets.values()):
            self._stop_checks(target)
            target.pool.close_idle()
            if target.idle is not None and not target.idle.done():
                target.idle.set_result(None)  # pending deregistrations end now
        self._state_changed()

    def _sync_checks(self, was_checking: bool) -> None:
        if self._checking and not was_checking:
            for target in self._targets.values():
                self._start_checks(target)
        elif was_checking and not self._checking:
            for target in self._targets.values():
                self._stop_checks(target)
        self._state_changed()


async def _not_registered(target_id: str) -> DrainResult:
    return DrainResult(target_id, True, 0, 0.0)
