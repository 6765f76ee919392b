"""Drives a blue/green, canary or linear deployment through its lifecycle stages, running the
lifecycle hooks of each stage (``hooks.py``) before the next one (``bluegreen.next_stage``).

Which hooks run at a stage, and how stages are named in events, is the deployment controller's:
ECS's own (``NativeProgram``) or CodeDeploy's (``codedeploy.CodeDeployProgram``)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from hakobu.engines.local.service import deployments, messages
from hakobu.engines.local.service.bluegreen import CLEAN_UP, Transition, next_stage
from hakobu.engines.local.service.codedeploy import CODE_DEPLOY, CodeDeployProgram
from hakobu.engines.local.service.hooks import HookResult, hooks_for, run_hooks
from hakobu.engines.local.service.records import (
    IN_PROGRESS,
    Deployment,
    Desired,
    EventLog,
    ServiceState,
)
from hakobu.spec.service import LifecycleHook, ServiceDefinition


class Program(Protocol):
    def hooks(self, d: Deployment) -> list[LifecycleHook]: ...
    def commands(self, d: Deployment) -> Mapping[str, str]: ...
    def stage_name(self, d: Deployment) -> str: ...
    def moved(self, d: Deployment, moved: Transition) -> list[str]: ...
    def failed(self, d: Deployment) -> list[str]: ...


class NativeProgram:
    """ECS's ``lifecycleHooks``, each run at the stages it names; an event per stage."""

    def __init__(self, service: ServiceDefinition, desired: Desired) -> None:
        self.service, self.desired = service, desired

    def hooks(self, d: Deployment) -> list[LifecycleHook]:
        return hooks_for(self.service.deployment.hooks, d.stage or "")

    def commands(self, d: Deployment) -> Mapping[str, str]:
        return self.desired.hooks

    def stage_name(self, d: Deployment) -> str:
        return d.stage or ""

    def moved(self, d: Deployment, moved: Transition) -> list[str]:
        return [messages.lifecycle_stage(self.desired.name, d.id, moved.stage, moved.traffic)]

    def failed(self, d: Deployment) -> list[str]:
        return []  # the hook's own event says it


def program_for(service: ServiceDefinition, desired: Desired) -> Program:
    if service.controller == CODE_DEPLOY:
        return CodeDeployProgram(desired)
    return NativeProgram(service, desired)


class Lifecycle:
    def __init__(self, events: EventLog, root: Path) -> None:
        self.events = events
        self.root = root
        self._hooks: asyncio.Task[list[HookResult]] | None = None
        self._cancel = threading.Event()  # ends the running hooks' commands (hooks.py)
        self._hooks_of: str | None = None  # the deployment the running hooks belong to
        self._refused_stop: str | None = None  # the deployment a too-late stop was refused for

    def advance(
        self, state: ServiceState, service: ServiceDefinition, desired: Desired, green_healthy: int
    ) -> None:
        """One step: wait for running hooks, start the stage's hooks, or move to the next stage."""
        d = state.primary()
        if self._hooks is not None and (d is None or d.id != self._hooks_of):
            # A newer deployment (or a rollback) took over: the old hooks' verdict is not its.
            self.cancel()
            self._hooks = None
        if d is None or d.stage is None or d.rollout_state != IN_PROGRESS:
            return
        if desired.stop_deployment == d.id and self._may_stop(state, d):
            self._stop(state)
            return
        program = program_for(service, desired)
        if self._hooks is not None:
            if not self._hooks.done():
                return
            results, self._hooks = self._hooks.result(), None
            if not self._hook_outcome(state, d, results, program):
                return
        if d.hooks_done != d.stage:
            hooks = program.hooks(d)
            if hooks:
                self._cancel, self._hooks_of = threading.Event(), d.id
                run = self._run(
                    d, hooks, program.commands(d), program.stage_name(d), desired, self._cancel
                )
                self._hooks = asyncio.create_task(run)
                return
            d.hooks_done = d.stage
        ready = green_healthy >= state.desired_count
        moved = next_stage(d, service.deployment, green_ready=ready, now=time.time())
        if moved is None:
            return
        events = program.moved(d, moved)
        d.stage, d.step, d.traffic = moved.stage, moved.step, moved.traffic
        d.stage_since, d.hooks_done, d.updated_at = time.time(), None, time.time()
        for event in events:
            self.events.add(event)

    async def _run(
        self,
        d: Deployment,
        hooks: list[LifecycleHook],
        commands: Mapping[str, str],
        stage: str,
        desired: Desired,
        cancel: threading.Event,
    ) -> list[HookResult]:
        test = desired.test_listener_port
        env = {
            "HAKOBU_LIFECYCLE_STAGE": stage,
            "HAKOBU_SERVICE": desired.name,
            "HAKOBU_DEPLOYMENT": d.id,
            "HAKOBU_PRODUCTION_URL": f"http://{desired.listener_host}:{desired.listener_port}/",
            "HAKOBU_TEST_URL": f"http://{desired.listener_host}:{test}/" if test else "",
        }
        return await asyncio.to_thread(
            run_hooks, hooks, commands, cwd=self.root, env=env, cancel=cancel
        )

    def _hook_outcome(
        self, state: ServiceState, d: Deployment, results: list[HookResult], program: Program
    ) -> bool:
        """Record the hooks' results; a failed one fails the deployment and rolls it back."""
        stage = program.stage_name(d)
        for r in results:
            self.events.add(messages.hook_result(state.service_name, d.id, r.arn, stage, r.detail))
        if all(r.succeeded for r in results):
            d.hooks_done = d.stage
            return True
        for event in program.failed(d):
            self.events.add(event)
        reason = messages.ROLLOUT_HOOK_FAILED.format(stage=stage)
        for event in deployments.fail(state, reason, rollback=True, why="lifecycle hook failed"):
            self.events.add(event)
        return False

    def _may_stop(self, state: ServiceState, d: Deployment) -> bool:
        """Not once the original tasks are being terminated: traffic has nowhere to go back to
        (CodeDeploy refuses to stop a deployment that has completed). ``deploy --stop`` checks
        this too, but the stage may move on before the controller reads the request."""
        if d.stage != CLEAN_UP:
            return True
        if self._refused_stop != d.id:
            self._refused_stop = d.id
            self.events.add(
                f"(service {state.service_name}) (deployment {d.id}) not stopped: the original "
                "tasks are already being terminated."
            )
        return False

    def _stop(self, state: ServiceState) -> None:
        """Stopped on request (``hakobu deploy --stop``): a running hook's command is ended, and
        the deployment rolls back as a failed one does."""
        self.cancel()
        self._hooks = None
        why = "stopped on request"
        for event in deployments.fail(state, messages.ROLLOUT_STOPPED, rollback=True, why=why):
            self.events.add(event)

    def cancel(self) -> None:
        """End the running hooks: their commands are killed, their thread returns."""
        self._cancel.set()
        if self._hooks is not None:
            self._hooks.cancel()
