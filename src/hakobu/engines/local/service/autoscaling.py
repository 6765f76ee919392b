"""Target tracking scaling, as Application Auto Scaling does it for an ECS service. Pure.

Each policy tracks one metric (``metrics.py``) with the two alarms target tracking manages: the
high one fires after 3 consecutive datapoints above the target value, the low one after 15
consecutive datapoints below 90 % of it (so it scales out fast and in slowly). The new desired
count is proportional, ``ceil(current * metric / target)``, kept within min and max capacity.

Cooldowns (ScaleOutCooldown, ScaleInCooldown; 300 s for ECS by default): after a scale-out the
policy "won't increase the desired capacity again unless either a larger scale out is triggered
or the cooldown period ends"; scale-in waits for the scale-in cooldown, and a scale-out is never
blocked by it. Application Auto Scaling turns off scale-in while an ECS deployment is in
progress, and so does this.

Several policies on one scalable target (each on a different metric): "It will scale out the
scalable target if any of the target tracking policies are ready for scale out, but will scale in
only if all of the target tracking policies (with the scale-in portion enabled) are ready to
scale in", and "If multiple policies instruct the scalable target to scale out or in at the same
time, Application Auto Scaling scales based on the policy that provides the largest capacity"
(Application Auto Scaling User Guide, "How target tracking scaling works").
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

from hakobu.config import AutoscalingConfig, ScalingPolicyConfig

HIGH_DATAPOINTS = 3
LOW_DATAPOINTS = 15
LOW_FACTOR = 0.9
CAPACITY = "Capacity"


@dataclass(frozen=True)
class Decision:
    desired_count: int
    alarm: str  # "AlarmHigh", "AlarmLow", or "Capacity" (the count was outside min/max)
    metric: float | None
    policy: str = ""  # the policy whose alarm it was (events name it)


@dataclass
class TargetTracking:
    """One target tracking policy and its alarms' datapoints."""

    policy: ScalingPolicyConfig
    min_capacity: int
    max_capacity: int
    datapoints: deque[float] = field(default_factory=lambda: deque(maxlen=LOW_DATAPOINTS))
    _last_scale_out: float | None = None
    _scaled_out_to: int = 0
    _last_scale_in: float | None = None

    def add(self, value: float | None) -> None:
        """One period's datapoint; a missing one breaks the alarms' runs of datapoints."""
        if value is None:
            self.datapoints.clear()
        else:
            self.datapoints.append(value)

    def propose(self, now: float, current: int, *, deploying: bool) -> Decision | None:
        """What this policy's alarms ask for now, changing nothing (see ``commit``)."""
        points = list(self.datapoints)
        target = self.policy.target_value
        if len(points) >= HIGH_DATAPOINTS and all(p > target for p in points[-HIGH_DATAPOINTS:]):
            return self._scale_out(now, current, points[-1])
        if len(points) >= LOW_DATAPOINTS and all(p < LOW_FACTOR * target for p in points):
            return self._scale_in(now, current, points[-1], deploying)
        return None

    def commit(self, now: float, decision: Decision) -> None:
        """The scalable target took ``decision`` (or a larger one) on this policy's word."""
        if decision.alarm == "AlarmHigh":
            self._last_scale_out, self._scaled_out_to = now, decision.desired_count
        else:
            self._last_scale_in = now
        self.datapoints.clear()  # the alarms evaluate the new capacity from here on

    def _proportional(self, current: int, metric: float) -> int:
        wanted = math.ceil(max(current, 1) * metric / self.policy.target_value)
        return min(max(wanted, self.min_capacity), self.max_capacity)

    def _scale_out(self, now: float, current: int, metric: float) -> Decision | None:
        wanted = self._proportional(current, metric)
        if wanted <= current:
            return None
        cooling = self._last_scale_out is not None and (
            now - self._last_scale_out < self.policy.scale_out_cooldown_seconds
        )
        if cooling and wanted <= self._scaled_out_to:
            return None
        return Decision(wanted, "AlarmHigh", metric, self.policy.policy_name)

    def _scale_in(
        self, now: float, current: int, metric: float, deploying: bool
    ) -> Decision | None:
        if self.policy.disable_scale_in or deploying:
            return None
        if self._last_scale_in is not None and (
            now - self._last_scale_in < self.policy.scale_in_cooldown_seconds
        ):
            return None
        wanted = self._proportional(current, metric)
        if wanted >= current:
            return None
        return Decision(wanted, "AlarmLow", metric, self.policy.policy_name)


@dataclass
class ScalableTarget:
    """The service's desired count between min and max, and the policies that move it."""

    config: AutoscalingConfig
    policies: list[TargetTracking] = field(init=False)

    def __post_init__(self) -> None:
        c = self.config
        self.policies = [TargetTracking(p, c.min_capacity, c.max_capacity) for p in c.policies]

    def policy(self, metric: str) -> TargetTracking | None:
        return next((p for p in self.policies if p.policy.predefined_metric_type == metric), None)

    def decide(self, now: float, current: int, *, deploying: bool) -> Decision | None:
        config = self.config
        bounded = min(max(current, config.min_capacity), config.max_capacity)
        if bounded != current:
            return Decision(bounded, CAPACITY, None)
        proposals = [(p, p.propose(now, current, deploying=deploying)) for p in self.policies]
        outs = [(p, d) for p, d in proposals if d is not None and d.desired_count > current]
        if outs:  # any policy may scale out; the largest capacity wins
            policy, decision = max(outs, key=lambda pd: pd[1].desired_count)
            policy.commit(now, decision)
            return decision
        ins = [(p, d) for p, d in proposals if d is not None and d.desired_count < current]
        may_scale_in = [p for p in self.policies if not p.policy.disable_scale_in]
        if not ins or len(ins) < len(may_scale_in):
            return None  # scale in only when every policy that may scale in asks for it
        _, decision = max(ins, key=lambda pd: pd[1].desired_count)
        for policy, _ in ins:
            policy.commit(now, replace(decision, policy=policy.policy.policy_name))
        return decision
