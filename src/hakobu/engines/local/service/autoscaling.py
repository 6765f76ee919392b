"""Target tracking scaling on requests per target, as Application Auto Scaling does it. Pure.

The metric is ALBRequestCountPerTarget: the requests the target group received in one period (the
Sum over CloudWatch's 60 s), divided by its healthy targets. Target tracking manages two alarms:
the high one fires after 3 consecutive datapoints above the target value, the low one after 15
consecutive datapoints below 90 % of it (so it scales out fast and in slowly). The new desired
count is proportional, ``ceil(current * metric / target)``, kept within min and max capacity.

Cooldowns (ScaleOutCooldown, ScaleInCooldown; 300 s for ECS by default): after a scale-out the
policy "won't increase the desired capacity again unless either a larger scale out is triggered
or the cooldown period ends"; scale-in waits for the scale-in cooldown, and a scale-out is never
blocked by it. Application Auto Scaling turns off scale-in while an ECS deployment is in
progress, and so does this.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from hakobu.config import AutoscalingConfig

HIGH_DATAPOINTS = 3
LOW_DATAPOINTS = 15
LOW_FACTOR = 0.9


@dataclass(frozen=True)
class Decision:
    desired_count: int
    alarm: str  # "AlarmHigh", "AlarmLow", or "Capacity" (the count was outside min/max)
    metric: float | None


@dataclass
class TargetTracking:
    config: AutoscalingConfig
    datapoints: deque[float] = field(default_factory=lambda: deque(maxlen=LOW_DATAPOINTS))
    _period_start: float | None = None
    _requests_at_start: int = 0
    _last_scale_out: float | None = None
    _scaled_out_to: int = 0
    _last_scale_in: float | None = None

    def observe(self, now: float, total_requests: int, healthy_targets: int) -> None:
        """Feed the group's request counter often; every period closes one datapoint."""
        if self._period_start is None:
            self._period_start, self._requests_at_start = now, total_requests
            return
        if now - self._period_start < self.config.metric_period_seconds:
            return
        requests = total_requests - self._requests_at_start
        # No healthy target: CloudWatch has no per-target value; count against one target.
        self.datapoints.append(requests / max(1, healthy_targets))
        self._period_start, self._requests_at_start = now, total_requests

    def decide(self, now: float, current: int, *, deploying: bool) -> Decision | None:
        config = self.config
        bounded = min(max(current, config.min_capacity), config.max_capacity)
        if bounded != current:
            return Decision(bounded, "Capacity", None)
        points = list(self.datapoints)
        if len(points) >= HIGH_DATAPOINTS and all(
            p > config.target_value for p in points[-HIGH_DATAPOINTS:]
        ):
            return self._scale_out(now, current, points[-1])
        if len(points) >= LOW_DATAPOINTS and all(
            p < LOW_FACTOR * config.target_value for p in points
        ):
            return self._scale_in(now, current, points[-1], deploying)
        return None

    def _proportional(self, current: int, metric: float) -> int:
        wanted = math.ceil(max(current, 1) * metric / self.config.target_value)
        return min(max(wanted, self.config.min_capacity), self.config.max_capacity)

    def _scale_out(self, now: float, current: int, metric: float) -> Decision | None:
        wanted = self._proportional(current, metric)
        if wanted <= current:
            return None
        cooling = self._last_scale_out is not None and (
            now - self._last_scale_out < self.config.scale_out_cooldown_seconds
        )
        if cooling and wanted <= self._scaled_out_to:
            return None
        self._last_scale_out, self._scaled_out_to = now, wanted
        self.datapoints.clear()  # the alarm evaluates the new capacity from here on
        return Decision(wanted, "AlarmHigh", metric)

    def _scale_in(
        self, now: float, current: int, metric: float, deploying: bool
    ) -> Decision | None:
        if self.config.disable_scale_in or deploying:
            return None
        if self._last_scale_in is not None and (
            now - self._last_scale_in < self.config.scale_in_cooldown_seconds
        ):
            return None
        wanted = self._proportional(current, metric)
        if wanted >= current:
            return None
        self._last_scale_in = now
        self.datapoints.clear()
        return Decision(wanted, "AlarmLow", metric)
