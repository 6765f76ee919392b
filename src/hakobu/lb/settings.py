"""Target group settings as an Application Load Balancer has them: AWS's names, defaults, ranges.

Sources (AWS, Elastic Load Balancing, Application Load Balancers): "Health checks for Application
Load Balancer target groups" (HealthCheckPath "/", HealthCheckIntervalSeconds 30 in 5-300,
HealthCheckTimeoutSeconds 5 in 2-120, HealthyThresholdCount 5 in 2-10, UnhealthyThresholdCount 2
in 2-10), the Matcher API reference (HttpCode "200", codes 200-499 as values "200,202" or ranges
"200-299"), and the target group attributes ``deregistration_delay.timeout_seconds`` (300 in
0-3600) and ``load_balancing.algorithm.type`` (``round_robin`` by default, or
``least_outstanding_requests``). CreateTargetGroup refuses a timeout that is not smaller than the
interval. ``idle_timeout.timeout_seconds`` (60 in 1-4000) is a load balancer attribute.

Values are whole seconds, as AWS takes them: local runs that need a faster clock scale every
duration at once (``LoadBalancer(time_scale=...)``) instead of leaving AWS's ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from hakobu.lb.errors import TargetGroupSettingsError

Algorithm = Literal["round_robin", "least_outstanding_requests"]
ALGORITHMS: tuple[str, ...] = get_args(Algorithm)

MATCHER_MIN, MATCHER_MAX = 200, 499  # ALB's HttpCode bounds
IDLE_TIMEOUT_RANGE = (1, 4000)
MAX_PATH_LENGTH = 1024


@dataclass(frozen=True)
class Matcher:
    """The HTTP codes a health check must return, parsed from ALB's ``HttpCode`` string."""

    http_code: str = "200"
    ranges: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranges", _parse_http_codes(self.http_code))

    def matches(self, status: int) -> bool:
        return any(low <= status <= high for low, high in self.ranges)


def _parse_http_codes(text: str) -> tuple[tuple[int, int], ...]:
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low_text, dash, high_text = part.strip().partition("-")
        try:
            low = int(low_text)
            high = int(high_text) if dash else low
        except ValueError:
            raise TargetGroupSettingsError(
                "matcher", f'"{text}" is not codes or ranges (e.g. "200" or "200-299,302")'
            ) from None
        if not MATCHER_MIN <= low <= high <= MATCHER_MAX:
            raise TargetGroupSettingsError(
                "matcher",
                f'"{part.strip()}": codes must be between {MATCHER_MIN} and {MATCHER_MAX}, '
                "low before high",
            )
        ranges.append((low, high))
    return tuple(ranges)


@dataclass(frozen=True)
class TargetGroupSettings:
    """One target group's health check and attributes; defaults are AWS's for ``ip`` targets."""

    health_check_path: str = "/"
    health_check_port: int | None = None  # None: the target's traffic port, as AWS's default
    health_check_interval_seconds: int = 30
    health_check_timeout_seconds: int = 5
    healthy_threshold_count: int = 5
    unhealthy_threshold_count: int = 2
    matcher: str = "200"
    deregistration_delay_seconds: int = 300
    algorithm: Algorithm = "round_robin"
    parsed_matcher: Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parsed_matcher", Matcher(self.matcher))
        _check_range("health_check_interval_seconds", self.health_check_interval_seconds, 5, 300)
        _check_range("health_check_timeout_seconds", self.health_check_timeout_seconds, 2, 120)
        _check_range("healthy_threshold_count", self.healthy_threshold_count, 2, 10)
        _check_range("unhealthy_threshold_count", self.unhealthy_threshold_count, 2, 10)
        _check_range("deregistration_delay_seconds", self.deregistration_delay_seconds, 0, 3600)
        if self.health_check_port is not None:
            _check_range("health_check_port", self.health_check_port, 1, 65535)
        if self.health_check_timeout_seconds >= self.health_check_interval_seconds:
            raise TargetGroupSettingsError(
                "health_check_timeout_seconds",
                f"{self.health_check_timeout_seconds} must be smaller than "
                f"health_check_interval_seconds ({self.health_check_interval_seconds})",
            )
        path = self.health_check_path
        if not path.startswith("/") or len(path) > MAX_PATH_LENGTH or not _printable(path):
            raise TargetGroupSettingsError(
                "health_check_path",
                f"{path!r} must start with /, have no space, and be at most {MAX_PATH_LENGTH} "
                "printable characters",
            )
        if self.algorithm not in ALGORITHMS:
            raise TargetGroupSettingsError(
                "algorithm", f'"{self.algorithm}" is not one of {", ".join(ALGORITHMS)}'
            )


def _printable(text: str) -> bool:
    # No space either: the path goes into the request line as it is.
    return text.isprintable() and " " not in text


def check_idle_timeout(seconds: int) -> int:
    """ALB's ``idle_timeout.timeout_seconds``: also how long a target may take to answer."""
    _check_range("idle_timeout_seconds", seconds, *IDLE_TIMEOUT_RANGE)
    return seconds


def _check_range(name: str, value: object, low: int, high: int) -> None:
    # bool is an int to Python, but `true` for a number of seconds is a mistake in a config file.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TargetGroupSettingsError(name, f"{value!r} is not a whole number")
    if not low <= value <= high:
        raise TargetGroupSettingsError(name, f"{value} is outside AWS's range {low}-{high}")
