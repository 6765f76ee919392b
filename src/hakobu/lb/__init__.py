"""A local HTTP/1.1 load balancer that behaves like an ALB target group in front of a service.

See ``docs/lb.md``. Everything a caller needs is re-exported here.
"""

from __future__ import annotations

from hakobu.lb.balancer import LoadBalancer
from hakobu.lb.errors import LoadBalancerError, TargetGroupSettingsError, TargetRegistrationError
from hakobu.lb.health import Reason, TargetState
from hakobu.lb.listener import Listener
from hakobu.lb.settings import Algorithm, Matcher, TargetGroupSettings
from hakobu.lb.targets import DrainResult, TargetGroup, TargetHealth

__all__ = [
    "Algorithm",
    "DrainResult",
    "Listener",
    "LoadBalancer",
    "LoadBalancerError",
    "Matcher",
    "Reason",
    "TargetGroup",
    "TargetGroupSettings",
    "TargetGroupSettingsError",
    "TargetHealth",
    "TargetRegistrationError",
    "TargetState",
]
