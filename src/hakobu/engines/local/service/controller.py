"""The service controller: ECS's service scheduler for one local service, in one process.

It runs detached (``controller_main``), holds ``controller.lock`` while it lives, and every tick:
applies a new generation of ``service.json`` (a new revision starts a deployment), observes its
tasks, runs the circuit breaker, lets the scheduler decide what to start and stop, and records
the outcome in ``state.json`` and ``events.jsonl``. The load balancer runs on the same event loop;
everything that blocks (the engine's CLI, task supervisors) runs in threads.

A task serves only once it is healthy: registered with the load balancer when its containers
are, counted healthy when the load balancer says so. A task is stopped the way the talk asks:
deregistered, drained (no new requests, in-flight ones finish, within the deregistration
delay), and only then sent SIGTERM by its supervisor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import traceback
from pathlib import Path
from typing import Any

from hakobu.config import AutoscalingConfig
from hakobu.containers.runtime import ContainerRuntime, ContainerState
from hakobu.engines.local import labels
from hakobu.engines.local.service import codedeploy, deployments, messages, records, revisions
from hakobu.engines.local.service.autoscaler import Autoscaler
from hakobu.engines.local.service.bluegreen import GROUPS, blue_green_step
from hakobu.engines.local.service.lifecycle import Lifecycle
from hakobu.engines.local.service.records import (
    ACTIVE,
    DRAINING,
    FAILED,
    IN_PROGRESS,
    INACTIVE,
    Deployment,
    Desired,
    ServiceState,
)
from hakobu.engines.local.service.scheduler import Phase, Step, rolling_step
from hakobu.engines.local.service.settings import target_group_settings
from hakobu.engines.local.service.tasks import (
    SERVICE,
    AdoptedTask,
    SupervisedTask,
    new_inputs,
)
from hakobu.engines.local.service.tracking import Batch, StateWriter, Tracked
from hakobu.engines.local.service.traffic import Traffic, target_group_arns
from hakobu.errors import HakobuError
from hakobu.lb import LoadBalancer, TargetState
from hakobu.spec.service import ServiceDefinition

TICK = 0.25
# DeploymentConfiguration.minimumHealthyPercent: without a load balancer or a health check, "the
# service scheduler will wait for 40 seconds after a task reaches a RUNNING state before the
# task is counted towards the minimum healthy percent total".
NO_HEALTH_CHECK_WAIT = 40.0


class ServiceController:
    def __init__(self, runtime: ContainerRuntime, directory: Path, desired: Desired) -> None:
        self.runtime = runtime
        self.dir = directory
        self.desired = desired
        self.service: ServiceDefinition = codedeploy.service_for(desired)
        self.root = Path(desired.root)
        self.name = desired.name
        self.events = records.EventLog(directory)
        self.target_group_arn = _target_group_arn(self.root, self.service)
        self.state = self._initial_state()
        self.arns = target_group_arns(self.target_group_arn)
        self.lb = self._load_balancer()
        self.traffic = self._traffic()
        self.tracked: dict[str, Tracked] = {}
        self._batch = Batch()
        self._revisions: dict[str, revisions.Revision] = {}
        self._writer = StateWriter(directory)
        self._shutdown: asyncio.Event | None = None
        self.tracking: Autoscaler | None = None
        self.lifecycle = Lifecycle(self.events, self.root)

    def _initial_state(self) -> ServiceState:
        previous = records.read_state(self.dir)
        if previous is not None and previous.status == ACTIVE:
            state = previous  # a controller died: carry on with its deployments
        else:
            state = ServiceState(self.name, self.desired.app, self.desired.environment, "")
        state.cluster = self.desired.cluster
        state.controller_pid = os.getpid()
        state.target_group_arn = self.target_group_arn if self.service.load_balancer else None
        state.listener = f"{self.desired.listener_host}:{self.desired.listener_port}"
        return state

    def _load_balancer(self) -> LoadBalancer | None:
        if self.service.load_balancer is None:
            return None
        settings = target_group_settings(self.desired.target_group)
        return LoadBalancer(self.desired.listener_host, self.desired.listener_port, settings)

    def _traffic(self) -> Traffic | None:
        if self.lb is None:
            return None
        return Traffic(self.lb, self.lb.target_group.settings, self.arns)

    # -- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        self._shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, self._shutdown.set)
        if self.traffic is not None:
            await self.traffic.start(self.desired.listener_host, self.desired.test_listener_port)
        try:
            await self._adopt()
            while not self._shutdown.is_set():
                await self._safe_tick()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._shutdown.wait(), TICK)
        finally:
            await self._delete()

    async def _safe_tick(self) -> None:
        try:
            await self._tick()
        except Exception:  # a bug must not leave tasks unsupervised: log it, keep going
            traceback.print_exc()
            await asyncio.sleep(1)

    async def _tick(self) -> None:
        self._apply_desired()
        await self._observe()
        self._autoscale()
        self._circuit_breaker()
        self._blue_green()
        if self.traffic is not None:
            self.traffic.apply(self.state)
        primary = self.state.primary()
        if primary is not None:
            step = self._step(primary)
            for stop in step.stops:
                self._begin_stop(self.tracked[stop.task_id], stop.why, primary)
            await self._start(step.start, primary)
        self._settle()
        self._batch.flush(self.events, self.name)
        self._writer.save(self.state, self.tracked.values())
        self.tracked = {k: t for k, t in self.tracked.items() if t.phase is not Phase.STOPPED}

    def _step(self, primary: Deployment) -> Step:
        members = [t.member() for t in self.tracked.values()]
        if primary.stage is not None:
            return blue_green_step(
                members,
                green=primary.id,
                blue=primary.replaces,
                stage=primary.stage,
                desired=self.state.desired_count,
            )
        return rolling_step(
            members,
            primary=primary.id,
            desired=self.state.desired_count,
            config=self.service.deployment,
            may_launch=primary.rollout_state != FAILED,
        )

    # -- desired state ---------------------------------------------------------------------------

    def _apply_desired(self) -> None:
        desired = records.read_desired(self.dir) or self.desired
        if desired.generation <= self.state.applied_generation:
            return
        self.desired = desired
        self.service = codedeploy.service_for(desired)
        deployments.apply_desired(self.state, desired, codedeploy.strategy(self.service))
        self._apply_target_group(desired.target_group)
        policy = AutoscalingConfig.from_dict(desired.autoscaling) if desired.autoscaling else None
        if policy is None or self.tracking is None or self.tracking.config != policy:
            if self.tracking is not None:
                self.tracking.close()
            self.tracking = Autoscaler(policy, self.runtime, self.name) if policy else None

    def _apply_target_group(self, values: dict[str, Any]) -> None:
        """A redeploy's [service.target_group] applies to the running load balancer, as
        ModifyTargetGroup and ModifyTargetGroupAttributes do: targets stay registered."""
        if self.traffic is None:
            return
        settings = target_group_settings(values)
        if settings == self.traffic.group(GROUPS[0]).settings:
            return
        for group in self.traffic.groups.values():
            group.update_settings(settings)
        self.events.add(
            f"(service {self.name}) modified (target-group {self.target_group_arn}): its "
            "health check and attributes apply from now on; registered targets stay."
        )

    def _autoscale(self) -> None:
        """Target tracking (autoscaler.py): the desired count follows the load."""
        if self.tracking is None:
            return
        now = time.time()
        if self.lb is not None:
            healthy = sum(1 for t in self.tracked.values() if t.phase is Phase.HEALTHY)
            requests = sum(group.request_count for group in self.lb.target_groups.values())
            self.tracking.observe_requests(now, requests, healthy)
        running = [
            t.task
            for t in self.tracked.values()
            if t.phase in (Phase.STARTING, Phase.HEALTHY) and t.last_status == "RUNNING"
        ]
        self.tracking.sample_cpu(now, running)
        for warning in self.tracking.take_warnings():
            self.events.add(warning)
        primary = self.state.primary()
        deploying = primary is not None and primary.rollout_state == IN_PROGRESS
        decision = self.tracking.decide(now, self.state.desired_count, deploying=deploying)
        if decision is None:
            return
        bound = None
        if decision.alarm == "Capacity":
            bound = "minimum" if decision.desired_count > self.state.desired_count else "maximum"
        self.state.desired_count = decision.desired_count
        if primary is not None:
            primary.desired_count = decision.desired_count
        self.events.add(
            messages.scaling_activity(
                self.name, self.state.cluster, decision.desired_count, decision.alarm,
                decision.policy, bound,
            )
        )  # fmt: skip

    # -- observing tasks -------------------------------------------------------------------------

    async def _observe(self) -> None:
        for t in list(self.tracked.values()):
            if t.phase in (Phase.STARTING, Phase.HEALTHY):
                await self._observe_task(t)

    async def _observe_task(self, t: Tracked) -> None:
        snap = t.task.snapshot()
        t.last_status = snap.last_status
        task_id = t.task.task_id
        if snap.ended:
            t.ended_by_itself = True
            reason = snap.stopped_reason or "stopped"
            self._fail(t, reason, messages.task_stopped_early(self.name, task_id, reason))
            return
        in_grace = self._in_grace(t, snap.running_since)
        if snap.unhealthy and not in_grace:
            event = messages.failed_container_health_checks(self.name, task_id)
            self._fail(t, messages.FAILED_CONTAINER_HEALTH, event)
            return
        if not snap.ready:
            t.phase = Phase.STARTING
            return
        if self.lb is None:
            waited = time.time() - (snap.running_since or time.time())
            healthy = snap.has_health_check or waited >= NO_HEALTH_CHECK_WAIT
            self._set_phase(t, Phase.HEALTHY if healthy else Phase.STARTING)
            return
        if not t.registered:
            await self._register(t)
            return
        self._judge_target(t, in_grace)

    def _judge_target(self, t: Tracked, in_grace: bool) -> None:
        assert self.traffic is not None and self.service.load_balancer is not None
        health = self.traffic.group(t.group).target(t.task.task_id)
        t.target_state = health.state.value
        if health.state is TargetState.HEALTHY:
            self._set_phase(t, Phase.HEALTHY)
        elif health.state is TargetState.UNHEALTHY and not in_grace:
            port = self.service.load_balancer.container_port
            arn = self.arns[t.group]
            event = messages.unhealthy_target(
                self.name, t.task.task_id, port, arn, health.description
            )
            reason = messages.FAILED_ELB_HEALTH.format(target_group=arn)
            self._fail(t, reason, event)
        else:
            self._set_phase(t, Phase.STARTING)

    def _in_grace(self, t: Tracked, running_since: float | None) -> bool:
        # healthCheckGracePeriodSeconds: unhealthy checks are ignored "after a task has first
        # started" for this long.
        started = running_since or t.task.created_at
        return time.time() - started < self.service.health_check_grace_period

    async def _register(self, t: Tracked) -> None:
        assert self.traffic is not None and self.service.load_balancer is not None
        address = await asyncio.to_thread(t.task.address)
        if address is None:
            return  # the pod has no address yet: next tick
        port = self.service.load_balancer.container_port
        deployment = self.state.deployment(t.task.deployment_id)
        t.group = deployment.target_group if deployment is not None else GROUPS[0]
        self.traffic.group(t.group).register(t.task.task_id, address, port)
        t.registered, t.address = True, f"{address}:{port}"
        self._batch.registered[self.arns[t.group]] += 1

    def _set_phase(self, t: Tracked, phase: Phase) -> None:
        if phase is Phase.HEALTHY and t.phase is not Phase.HEALTHY:
            breaker = self.service.deployment.circuit_breaker
            deployments.record_healthy(self.state, t.task.deployment_id, breaker)
        t.phase = phase

    def _fail(self, t: Tracked, reason: str, event: str) -> None:
        t.phase, t.failure = Phase.FAILED, reason
        self.events.add(event)
        if not t.task.adopted:  # a dead controller's task says nothing of the new revision
            deployments.record_failure(self.state, t.task.deployment_id)

    # -- deployments -----------------------------------------------------------------------------

    def _circuit_breaker(self) -> None:
        for event in deployments.run_breaker(self.state, self.service.deployment.circuit_breaker):
            self.events.add(event)

    def _settle(self) -> None:
        members = [t.member() for t in self.tracked.values()]
        events = deployments.settle(self.state, members)
        if events:  # what led to the steady state comes before it
            self._batch.flush(self.events, self.name)
        for event in events:
            self.events.add(event)

    def _blue_green(self) -> None:
        primary = self.state.primary()
        greens = [
            t for t in self.tracked.values() if primary and t.task.deployment_id == primary.id
        ]
        healthy = sum(1 for t in greens if t.phase is Phase.HEALTHY)
        self.lifecycle.advance(self.state, self.service, self.desired, healthy)

    # -- starting and stopping -------------------------------------------------------------------

    def _revision(self, name: str) -> revisions.Revision:
        if name not in self._revisions:
            self._revisions[name] = revisions.load(self.root, name)
        return self._revisions[name]

    async def _start(self, count: int, deployment: Deployment) -> None:
        for _ in range(count):
            try:
                task = await asyncio.to_thread(self._new_task, deployment)
            except HakobuError as e:
                # Nothing was created (a secret is missing now, ...): a task that failed to start.
                deployments.record_failure(self.state, deployment.id)
                self.events.add(f"(service {self.name}) was unable to start a task: {e}")
                return
            task.start()
            self.tracked[task.task_id] = Tracked(task)
            self._batch.started.append(task.task_id)

    def _new_task(self, deployment: Deployment) -> SupervisedTask:
        desired = self.desired
        inputs = new_inputs(
            app=desired.app,
            root=self.root,
            environment=desired.environment,
            task_definition=self._revision(deployment.task_definition).task_definition,
            environment_files={k: Path(v) for k, v in desired.environment_files.items()},
            config_file=desired.config_file,
        )
        return SupervisedTask(
            self.runtime, inputs, self.name, deployment.id, deployment.task_definition
        )

    def _begin_stop(self, t: Tracked, why: str, primary: Deployment) -> None:
        reason = t.failure if why == "failed" and t.failure else None
        reason = reason or messages.SCALING_ACTIVITY.format(deployment=primary.id)
        t.phase = Phase.STOPPING
        if t.registered:
            self._batch.draining[self.arns[t.group]] += 1
        t.stopper = asyncio.create_task(self._stop(t, messages.STOP_CODE, reason))

    async def _stop(self, t: Tracked, code: str, reason: str) -> None:
        """Deregister and drain first; only then SIGTERM (the task's supervisor stops it)."""
        try:
            if t.registered and self.traffic is not None:
                await self.traffic.group(t.group).deregister(t.task.task_id)
                t.registered = False
            await asyncio.to_thread(t.task.stop, code, reason)
        except Exception:
            traceback.print_exc()
        finally:
            if not t.ended_by_itself:
                self._batch.stopped.append(t.task.task_id)
            t.phase = Phase.STOPPED

    # -- crash recovery and deletion -------------------------------------------------------------

    async def _adopt(self) -> None:
        """Tasks a crashed controller left: found by their labels, served, then replaced."""
        project = labels.project_id(self.root)
        found = await asyncio.to_thread(self.runtime.list_containers, f"{SERVICE}={self.name}")
        by_task: dict[str, list[ContainerState]] = {}
        for c in found:
            if c.labels.get(labels.PROJECT) == project and labels.CONTAINER in c.labels:
                by_task.setdefault(c.labels[labels.TASK], []).append(c)
        for containers in by_task.values():
            task = await asyncio.to_thread(AdoptedTask, self.runtime, self.root, containers)
            self.tracked[task.task_id] = Tracked(task)
        if by_task:
            ids = " ".join(f"(task {t})" for t in by_task)
            self.events.add(
                f"(service {self.name}) found {len(by_task)} tasks left by a controller that "
                f"stopped unexpectedly: {ids}; they serve until replaced."
            )

    async def _delete(self) -> None:
        """SIGTERM: stop every task (as delete-service --force does) and mark it INACTIVE."""
        # A hook's command or a CPU reading left running would keep this process alive: asyncio
        # waits for its threads before the process exits (and releases controller.lock).
        self.lifecycle.cancel()
        if self.tracking is not None:
            self.tracking.close()
        self.state.status = DRAINING
        self._writer.save(self.state, self.tracked.values())
        if self.lb is not None:
            await self.lb.stop()  # pending drains complete at once
        pending = []
        for t in self.tracked.values():
            if t.stopper is not None:
                pending.append(t.stopper)
            elif t.phase is not Phase.STOPPED:
                t.phase = Phase.STOPPING
                t.stopper = asyncio.create_task(
                    self._stop(t, messages.STOP_CODE, messages.SERVICE_DELETED)
                )
                pending.append(t.stopper)
        await asyncio.gather(*pending, return_exceptions=True)
        self._batch.flush(self.events, self.name)
        self.state.status = INACTIVE
        self.state.desired_count = self.state.running_count = self.state.pending_count = 0
        self.state.steady = False
        self.tracked.clear()
        self._writer.save(self.state, self.tracked.values())
        self.events.close()

    # -- records ---------------------------------------------------------------------------------


def _target_group_arn(root: Path, service: ServiceDefinition) -> str:
    given = service.load_balancer.target_group_arn if service.load_balancer else None
    name = given.split("/")[-2] if given and given.count("/") >= 2 else f"hakobu-{service.name}"
    return (
        f"arn:aws:elasticloadbalancing:{records.REGION}:{records.ACCOUNT}:targetgroup/"
        f"{name[:32]}/{labels.project_id(root)}"
    )
