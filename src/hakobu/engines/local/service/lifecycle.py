"""Drives a blue/green, canary or linear deployment through its lifecycle stages, running the
lifecycle hooks of each stage (``hooks.py``) before the next one (``bluegreen.next_stage``)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from hakobu.engines.local.service import deployments, messages
from hakobu.engines.local.service.bluegreen import next_stage
from hakobu.engines.local.service.hooks import HookResult, hooks_for, run_hooks
from hakobu.engines.local.service.records import (
    IN_PROGRESS,
    Deployment,
    Desired,
    EventLog,
    ServiceState,
)
from hakobu.spec.service import LifecycleHook, ServiceDefinition


class Lifecycle:
    def __init__(self, events: EventLog, root: Path) -> None:
        self.events = events
        self.root = root
        self._hooks: asyncio.Task[list[HookResult]] | None = None

    def advance(
        self, state: ServiceState, service: ServiceDefinition, desired: Desired, green_healthy: int
    ) -> None:
        """One step: wait for running hooks, start the stage's hooks, or move to the next stage."""
        d = state.primary()
        if d is None or d.stage is None or d.rollout_state != IN_PROGRESS:
            return
        if self._hooks is not None:
            if not self._hooks.done():
                return
            results, self._hooks = self._hooks.result(), None
            if not self._hook_outcome(state, d, results):
                return
        if d.hooks_done != d.stage:
            hooks = hooks_for(service.deployment.hooks, d.stage)
            if hooks:
                self._hooks = asyncio.create_task(self._run(d, hooks, desired))
                return
            d.hooks_done = d.stage
        ready = green_healthy >= state.desired_count
        moved = next_stage(d, service.deployment, green_ready=ready, now=time.time())
        if moved is None:
            return
        d.stage, d.step, d.traffic = moved.stage, moved.step, moved.traffic
        d.stage_since, d.hooks_done, d.updated_at = time.time(), None, time.time()
        self.events.add(messages.lifecycle_stage(state.service_name, d.id, d.stage, d.traffic))

    async def _run(
        self, d: Deployment, hooks: list[LifecycleHook], desired: Desired
    ) -> list[HookResult]:
        test = desired.test_listener_port
        env = {
            "HAKOBU_LIFECYCLE_STAGE": d.stage or "",
            "HAKOBU_SERVICE": desired.name,
            "HAKOBU_DEPLOYMENT": d.id,
            "HAKOBU_PRODUCTION_URL": f"http://{desired.listener_host}:{desired.listener_port}/",
            "HAKOBU_TEST_URL": f"http://{desired.listener_host}:{test}/" if test else "",
        }
        return await asyncio.to_thread(run_hooks, hooks, desired.hooks, cwd=self.root, env=env)

    def _hook_outcome(self, state: ServiceState, d: Deployment, results: list[HookResult]) -> bool:
        """Record the hooks' results; a failed one fails the deployment and rolls it back."""
        stage = d.stage or ""
        for r in results:
            self.events.add(messages.hook_result(state.service_name, d.id, r.arn, stage, r.detail))
        if all(r.succeeded for r in results):
            d.hooks_done = d.stage
            return True
        reason = messages.ROLLOUT_HOOK_FAILED.format(stage=stage)
        for event in deployments.fail(state, reason, rollback=True, why="lifecycle hook failed"):
            self.events.add(event)
        return False

    def cancel(self) -> None:
        if self._hooks is not None:
            self._hooks.cancel()
