"""Target tracking scaling, as Application Auto Scaling does it for an ECS service. Pure.

Each policy tracks one metric (``metrics.py``) with the two alarms target tracking manages: the
high one fires after 3 consecutive datapoints above the target value, the low one after 15
consecutive datapoints below 90 % of it (so it scales out fast and in slowly). The new desired
count is proportional, ``ceil(current * metric / target)``, kept within min and max capacity.

The alarms keep evaluating whatever the policy does: each new datapoint is one evaluation, and an
alarm that is (still) in ALARM invokes the policy again, as CloudWatch's alarms keep invoking a
target tracking policy. The cooldowns (ScaleOutCooldown, ScaleInCooldown; 300 s for ECS by
default) are what hold the repeated invocations back (Application Auto Scaling API Reference,
TargetTrackingScalingPolicyConfiguration):

- after a scale-out the policy "won't increase the desired capacity again unless either a larger
  scale out is triggered or the cooldown period ends", and meanwhile "the capacity added by the
  initiating scale-out activity is calculated as part of the desired capacity for the next
  scale-out activity": within the cooldown the proportional count is worked out from the count
  before that scale-out (whose new tasks the metric may not show yet), and only a count above
  the one it scaled out to is a larger scale-out;
- "scale-in activities are blocked until the cooldown period has expired";
- "if another alarm triggers a scale-out activity during the scale-in cooldown period,
  Application Auto Scaling scales out the target immediately. In this case, the scale-in cooldown
  period stops and doesn't complete."

Application Auto Scaling turns off scale-in while an ECS deployment is in progress, and so does
this.

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
    """One target tracking policy, its alarms' datapoints and its cooldowns."""

    policy: ScalingPolicyConfig
    min_capacity: int
    max_capacity: int
    datapoints: deque[float] = field(default_factory=lambda: deque(maxlen=LOW_DATAPOINTS))
    invoked: bool = False  # a datapoint arrived since the scalable target last looked
    _last_scale_out: float | None = None
    _scaled_out_from: int = 0
    _scaled_out_to: int = 0
    _last_scale_in: float | None = None

    def add(self, value: float | None) -> None:
        """One period's datapoint: an evaluation of the alarms, so an alarm in ALARM invokes the
        policy again. A missing datapoint breaks the alarms' runs of datapoints."""
        if value is None:
            self.datapoints.clear()
        else:
            self.datapoints.append(value)
            self.invoked = True

    @property
    def alarm_high(self) -> bool:
        points = list(self.datapoints)[-HIGH_DATAPOINTS:]
        return len(points) == HIGH_DATAPOINTS and all(p > self.policy.target_value for p in points)

    @property
    def alarm_low(self) -> bool:
        low = LOW_FACTOR * self.policy.target_value
        return len(self.datapoints) == LOW_DATAPOINTS and all(p < low for p in self.datapoints)

    def propose(self, now: float, current: int, *, deploying: bool) -> Decision | None:
        """What this policy asks for now, its alarms and cooldowns considered, changing nothing
        (see ``commit``)."""
        if not self.datapoints:
            return None
        metric = self.datapoints[-1]
        if self.alarm_high:
            return self._scale_out(now, current, metric)
        if self.alarm_low:
            return self._scale_in(now, current, metric, deploying)
        return None

    def commit(self, now: float, current: int, decision: Decision) -> None:
        """The scalable target went from ``current`` to ``decision`` on this policy's word. The
        datapoints stay: the alarms keep evaluating, the cooldowns hold them back."""
        if decision.alarm == "AlarmHigh":
            if not self._scale_out_cooling(now):  # a larger scale-out keeps the cooldown's base
                self._scaled_out_from = current
            self._last_scale_out, self._scaled_out_to = now, decision.desired_count
            self.end_scale_in_cooldown()
        else:
            self._last_scale_in = now

    def end_scale_in_cooldown(self) -> None:
        """A scale-out during the scale-in cooldown "stops" it: scale-in may follow at once."""
        self._last_scale_in = None

    def _proportional(self, current: int, metric: float) -> int:
        wanted = math.ceil(max(current, 1) * metric / self.policy.target_value)
        return min(max(wanted, self.min_capacity), self.max_capacity)

    def _scale_out_cooling(self, now: float) -> bool:
        return self._last_scale_out is not None and (
            now - self._last_scale_out < self.policy.scale_out_cooldown_seconds
        )

    def _scale_out(self, now: float, current: int, metric: float) -> Decision | None:
        if self._scale_out_cooling(now):
            wanted = self._proportional(self._scaled_out_from, metric)
            if wanted <= self._scaled_out_to:
                return None  # not a larger scale-out than the one that started the cooldown
        else:
            wanted = self._proportional(current, metric)
        if wanted <= current:
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
        # An alarm invokes its policy when it evaluates (a new datapoint), not at every tick; a
        # policy whose alarm is still in ALARM from an earlier evaluation joins in all the same.
        invoked = [p for p in self.policies if p.invoked]
        for policy in invoked:
            policy.invoked = False
        outs = [(p, d) for p, d in proposals if d is not None and d.desired_count > current]
        if outs:  # any policy may scale out; the largest capacity wins
            if not any(p in invoked for p, _ in outs):
                return None  # in ALARM, awaiting its next evaluation: no scale-in meanwhile
            policy, decision = max(outs, key=lambda pd: pd[1].desired_count)
            policy.commit(now, current, decision)
            for other in self.policies:
                other.end_scale_in_cooldown()
            return decision
        ins = [(p, d) for p, d in proposals if d is not None and d.desired_count < current]
        may_scale_in = [p for p in self.policies if not p.policy.disable_scale_in]
        if not ins or len(ins) < len(may_scale_in) or not any(p in invoked for p, _ in ins):
            return None  # scale in only when every policy that may scale in asks for it
        _, decision = max(ins, key=lambda pd: pd[1].desired_count)
        for policy, _ in ins:
            policy.commit(now, current, replace(decision, policy=policy.policy.policy_name))
        return decision
