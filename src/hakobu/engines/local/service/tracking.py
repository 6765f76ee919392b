"""The controller's bookkeeping of its tasks, the events it batches, and how it saves state."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hakobu.engines.local.service import messages, records
from hakobu.engines.local.service.records import EventLog, ServiceState, TaskRecord
from hakobu.engines.local.service.scheduler import Member, Phase
from hakobu.engines.local.service.tasks import ServiceTask

PENDING = ("PROVISIONING", "PENDING")


@dataclass
class Tracked:
    """One task as the controller follows it."""

    task: ServiceTask
    phase: Phase = Phase.STARTING
    last_status: str = "PROVISIONING"
    registered: bool = False
    group: str = "default"  # the target group it is registered with
    address: str | None = None
    target_state: str | None = None
    failure: str | None = None  # why it failed: its stopped reason
    ended_by_itself: bool = False
    stopper: asyncio.Task[None] | None = None

    def member(self) -> Member:
        t = self.task
        return Member(t.task_id, t.deployment_id, self.phase, t.adopted, t.created_at)

    def record(self) -> TaskRecord:
        return TaskRecord(
            task_id=self.task.task_id,
            deployment_id=self.task.deployment_id,
            revision=self.task.revision,
            phase=self.phase.value,
            last_status=self.last_status,
            target_state=self.target_state,
            address=self.address,
            adopted=self.task.adopted,
            started_at=self.task.created_at,
        )


@dataclass
class Batch:
    """Events ECS reports once per scheduling round, counting the tasks they concern."""

    started: list[str] = field(default_factory=list)
    registered: Counter[str] = field(default_factory=Counter)  # by target group ARN
    draining: Counter[str] = field(default_factory=Counter)
    stopped: list[str] = field(default_factory=list)

    def flush(self, events: EventLog, service: str) -> None:
        if self.started:
            events.add(messages.started(service, self.started))
        for arn, count in self.registered.items():
            events.add(messages.registered(service, count, arn))
        if self.draining:
            events.add(messages.draining(service, self.draining.total()))
        for arn, count in self.draining.items():
            events.add(messages.deregistered(service, count, arn))
        if self.stopped:
            events.add(messages.stopped(service, self.stopped))
        self.started, self.stopped = [], []
        self.registered, self.draining = Counter(), Counter()


class StateWriter:
    """Counts the tasks into the state and writes state.json when anything changed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._last = ""

    def save(self, state: ServiceState, tracked: Iterable[Tracked]) -> None:
        live = [t for t in tracked if t.phase is not Phase.STOPPED]
        state.tasks = [t.record() for t in live]
        state.running_count = sum(1 for t in live if t.last_status == "RUNNING")
        state.pending_count = sum(1 for t in live if t.last_status in PENDING)
        for d in state.deployments:
            mine = [t for t in live if t.task.deployment_id == d.id]
            d.running_count = sum(1 for t in mine if t.last_status == "RUNNING")
            d.pending_count = sum(1 for t in mine if t.last_status in PENDING)
        data = state.to_dict()
        data.pop("updated_at")
        fingerprint = json.dumps(data, sort_keys=True)
        if fingerprint != self._last:
            self._last = fingerprint
            records.write_state(self.directory, state)
