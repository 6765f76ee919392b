"""A local HTTP/1.1 load balancer that behaves like an ALB target group in front of a service.

See ``docs/lb.md``. Everything a caller needs is re-exported here, lazily: reading settings from
hakobu.toml (``TargetGroupSettings``) must not pay for importing asyncio and the data path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hakobu.lb.balancer import LoadBalancer
    from hakobu.lb.errors import (
        LoadBalancerError,
        TargetGroupSettingsError,
        TargetRegistrationError,
    )
    from hakobu.lb.health import Reason, TargetState
    from hakobu.lb.listener import Listener
    from hakobu.lb.settings import Algorithm, Matcher, TargetGroupSettings
    from hakobu.lb.targets import DrainResult, TargetGroup, TargetHealth

_HOMES = {
    "Algorithm": "settings",
    "DrainResult": "targets",
    "Listener": "listener",
    "LoadBalancer": "balancer",
    "LoadBalancerError": "errors",
    "Matcher": "settings",
    "Reason": "health",
    "TargetGroup": "targets",
    "TargetGroupSettings": "settings",
    "TargetGroupSettingsError": "errors",
    "TargetHealth": "targets",
    "TargetRegistrationError": "errors",
    "TargetState": "health",
}

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


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hakobu.lb' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hakobu.lb.{home}"), name)
    globals()[name] = value  # found once, then an ordinary attribute
    return value
