"""Blue/green, canary and linear deployments as ECS runs them natively (deploymentConfiguration
``strategy``). Pure: the controller observes, this decides the next lifecycle stage.

AWS, "Amazon ECS blue/green deployments": the green service revision is scaled up beside the
blue one in the alternate target group, gets the test listener's traffic, then the production
listener's (all at once, in a canary step, or in linear steps, baking between steps), both run for
``bakeTimeInMinutes``, and only then is blue scaled down. Until that clean-up, a rollback is a
traffic shift back to blue. Lifecycle hooks run at the stages they name; a failed hook rolls the
deployment back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hakobu.engines.local.service.records import Deployment
from hakobu.engines.local.service.scheduler import LIVE, Member, Phase, Step, Stop
from hakobu.spec.service import DeploymentConfiguration

PRE_SCALE_UP = "PRE_SCALE_UP"
SCALE_UP = "SCALE_UP"
POST_SCALE_UP = "POST_SCALE_UP"
TEST_TRAFFIC_SHIFT = "TEST_TRAFFIC_SHIFT"
POST_TEST_TRAFFIC_SHIFT = "POST_TEST_TRAFFIC_SHIFT"
PRE_PRODUCTION_TRAFFIC_SHIFT = "PRE_PRODUCTION_TRAFFIC_SHIFT"
PRODUCTION_TRAFFIC_SHIFT = "PRODUCTION_TRAFFIC_SHIFT"
POST_PRODUCTION_TRAFFIC_SHIFT = "POST_PRODUCTION_TRAFFIC_SHIFT"
BAKE_TIME = "BAKE_TIME"
CLEAN_UP = "CLEAN_UP"

# Stages whose traffic is already on green for the test listener.
TEST_ON_GREEN = (
    TEST_TRAFFIC_SHIFT,
    POST_TEST_TRAFFIC_SHIFT,
    PRE_PRODUCTION_TRAFFIC_SHIFT,
    PRODUCTION_TRAFFIC_SHIFT,
    POST_PRODUCTION_TRAFFIC_SHIFT,
    BAKE_TIME,
    CLEAN_UP,
)
GROUPS = ("default", "alternate")  # the load balancer's two target groups
MAX_WEIGHT = 999


def other_group(group: str) -> str:
    return GROUPS[1] if group == GROUPS[0] else GROUPS[0]


@dataclass(frozen=True)
class Transition:
    stage: str
    step: int
    traffic: float  # green's share of production traffic, in percent


def next_stage(
    d: Deployment, config: DeploymentConfiguration, *, green_ready: bool, now: float
) -> Transition | None:
    """The stage after ``d.stage`` once its work is done (its hooks are the caller's), or None."""
    steps = config.traffic_steps()
    waited = now - d.stage_since
    simple = {
        PRE_SCALE_UP: SCALE_UP,
        POST_SCALE_UP: TEST_TRAFFIC_SHIFT,
        TEST_TRAFFIC_SHIFT: POST_TEST_TRAFFIC_SHIFT,
        POST_TEST_TRAFFIC_SHIFT: PRE_PRODUCTION_TRAFFIC_SHIFT,
        POST_PRODUCTION_TRAFFIC_SHIFT: BAKE_TIME,
    }
    if d.stage in simple:
        return Transition(simple[d.stage], d.step, d.traffic)
    if d.stage == SCALE_UP:
        return Transition(POST_SCALE_UP, d.step, d.traffic) if green_ready else None
    if d.stage == PRE_PRODUCTION_TRAFFIC_SHIFT:
        return Transition(PRODUCTION_TRAFFIC_SHIFT, d.step, steps[d.step][0])
    if d.stage == PRODUCTION_TRAFFIC_SHIFT:
        share, bake = steps[d.step]
        if share >= 100:
            return Transition(POST_PRODUCTION_TRAFFIC_SHIFT, d.step, 100.0)
        if waited >= bake * config.minute_seconds:
            return Transition(PRE_PRODUCTION_TRAFFIC_SHIFT, d.step + 1, d.traffic)
        return None
    if d.stage == BAKE_TIME and waited >= config.bake_time_minutes * config.minute_seconds:
        return Transition(CLEAN_UP, d.step, d.traffic)
    return None


def weights(green_share: float) -> tuple[int, int]:
    """(blue, green) listener weights for green's share in percent (0.1 % steps, as ECS)."""
    if green_share <= 0:
        return 1, 0
    if green_share >= 100:
        return 0, 1
    green = max(1, min(MAX_WEIGHT, round(green_share * 10)))
    return max(1, min(MAX_WEIGHT, 1000 - green)), green


def blue_green_step(
    members: Sequence[Member], *, green: str, blue: str | None, stage: str, desired: int
) -> Step:
    """Green scales up to the desired count beside blue (no maximumPercent: ECS's blue/green
    needs room for both); blue is scaled down only at CLEAN_UP; anything else goes."""
    stops = [Stop(m.task_id, "failed") for m in members if m.phase is Phase.FAILED]
    live = [m for m in members if m.phase in LIVE]
    greens = [m for m in live if m.deployment_id == green and not m.adopted]
    for m in live:
        if m in greens:
            continue
        if m.deployment_id == blue and stage != CLEAN_UP:
            continue  # blue keeps serving until the clean-up
        if m.adopted and m.phase is Phase.STARTING:
            continue  # wait for the load balancer's first verdict
        stops.append(Stop(m.task_id, "replaced"))
    excess = max(0, len(greens) - desired)
    stops += [Stop(m.task_id, "scale-in") for m in greens[len(greens) - excess :]]
    return Step(start=max(0, desired - len(greens)), stops=tuple(stops))
