"""Errors of the local load balancer, under hakobu's root error."""

from __future__ import annotations

from hakobu.errors import HakobuError, UsageError


class LoadBalancerError(HakobuError):
    """The load balancer could not do what was asked (bind a port, register a target, ...)."""


class TargetGroupSettingsError(LoadBalancerError, UsageError):
    """A target group or listener setting is outside what an ALB accepts.

    ``field`` is the setting's name as hakobu spells it (``health_check_interval_seconds``), so the
    code that read it from hakobu.toml can point at the line.
    """

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class TargetRegistrationError(LoadBalancerError, UsageError):
    """A target cannot be registered as asked (its ID is taken by another address, ...)."""

    exit_code = 2
