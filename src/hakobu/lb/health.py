"""Target health as an ALB computes it: states, reason codes, and the check itself.

AWS ("Health checks for Application Load Balancer target groups", TargetHealth API reference):
a newly registered target is ``initial`` and "must pass one health check to be considered
healthy"; UnhealthyThresholdCount consecutive failures take a target out of service, and an
unhealthy target needs HealthyThresholdCount consecutive successes to be put back. Each check is
an HTTP GET of the health check path that must answer a code in the matcher within the timeout;
"after each health check is completed, the load balancer node closes the connection".
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from enum import StrEnum

from hakobu.lb.settings import TargetGroupSettings

USER_AGENT = "ELB-HealthChecker/2.0"  # what an ALB sends, so apps that special-case it still do


class TargetState(StrEnum):
    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNUSED = "unused"
    DRAINING = "draining"


class Reason(StrEnum):
    """ALB's reason codes (TargetHealth.Reason) for the states other than healthy."""

    REGISTRATION_IN_PROGRESS = "Elb.RegistrationInProgress"
    INITIAL_HEALTH_CHECKING = "Elb.InitialHealthChecking"
    RESPONSE_CODE_MISMATCH = "Target.ResponseCodeMismatch"
    TIMEOUT = "Target.Timeout"
    FAILED_HEALTH_CHECKS = "Target.FailedHealthChecks"
    DEREGISTRATION_IN_PROGRESS = "Target.DeregistrationInProgress"
    NOT_REGISTERED = "Target.NotRegistered"
    NOT_IN_USE = "Target.NotInUse"


DESCRIPTIONS = {
    Reason.REGISTRATION_IN_PROGRESS: "Target registration is in progress",
    Reason.INITIAL_HEALTH_CHECKING: "Initial health checks in progress",
    Reason.TIMEOUT: "Request timed out",
    Reason.DEREGISTRATION_IN_PROGRESS: "Target deregistration is in progress",
    Reason.NOT_REGISTERED: "Target is not registered to the target group",
    Reason.NOT_IN_USE: "Target group is not configured to receive traffic from the load balancer",
}


@dataclass(frozen=True)
class CheckResult:
    """One health check: passed, or why not (reason code and ALB's description)."""

    passed: bool
    reason: Reason | None = None
    description: str | None = None


PASSED = CheckResult(True)


@dataclass
class HealthCounter:
    """Consecutive results and the state they put a target in."""

    state: TargetState = TargetState.INITIAL
    reason: Reason | None = Reason.REGISTRATION_IN_PROGRESS
    description: str | None = DESCRIPTIONS[Reason.REGISTRATION_IN_PROGRESS]
    successes: int = 0
    failures: int = 0

    def checking(self) -> None:
        """The first check has started: ALB's reason changes, the state does not."""
        if self.state is TargetState.INITIAL:
            self.reason = Reason.INITIAL_HEALTH_CHECKING
            self.description = DESCRIPTIONS[self.reason]

    def record(self, result: CheckResult, settings: TargetGroupSettings) -> bool:
        """Count one result; return whether the state changed."""
        if result.passed:
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.successes, self.failures = 0, self.failures + 1
        before = self.state
        if result.passed and self._may_become_healthy(settings):
            self.state, self.reason, self.description = TargetState.HEALTHY, None, None
        elif not result.passed and self.failures >= settings.unhealthy_threshold_count:
            self.state, self.reason, self.description = (
                TargetState.UNHEALTHY,
                result.reason,
                result.description,
            )
        return self.state is not before

    def _may_become_healthy(self, settings: TargetGroupSettings) -> bool:
        if self.state is TargetState.INITIAL:
            return True  # "it must pass one health check to be considered healthy"
        if self.state is TargetState.UNHEALTHY:
            return self.successes >= settings.healthy_threshold_count
        return self.state is TargetState.HEALTHY


async def check_target(
    host: str, port: int, settings: TargetGroupSettings, timeout: float
) -> CheckResult:
    """One HTTP health check of ``host:port``, answered within ``timeout`` seconds or failed."""
    try:
        async with asyncio.timeout(timeout):
            status = await _get_status(host, port, settings.health_check_path)
    except TimeoutError:
        return CheckResult(False, Reason.TIMEOUT, DESCRIPTIONS[Reason.TIMEOUT])
    except (OSError, ValueError) as e:
        return CheckResult(False, Reason.FAILED_HEALTH_CHECKS, f"Health checks failed: {e}")
    if settings.parsed_matcher.matches(status):
        return PASSED
    return CheckResult(
        False,
        Reason.RESPONSE_CODE_MISMATCH,
        f"Health checks failed with these codes: [{status}]",
    )


async def _get_status(host: str, port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n".encode()
        )
        line = await reader.readline()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    parts = line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ValueError(f"malformed response {line[:60]!r}")
    return int(parts[1])
