"""Waiting for a service to settle, as ``aws ecs wait services-stable`` does, with its events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hakobu.engines.local.service import records
from hakobu.engines.local.service.records import (
    COMPLETED,
    FAILED,
    INACTIVE,
    ServiceEvent,
    ServiceState,
)
from hakobu.errors import TaskFailedError

APPLY_TIMEOUT = 30.0  # a controller applies a new generation within a tick or two


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    state: ServiceState


EventSink = Callable[[ServiceEvent], None]


def wait(
    directory: Path,
    generation: int,
    *,
    on_event: EventSink | None = None,
    timeout: float = 600.0,
    poll: float = 0.2,
    events_from: int | None = None,
    revision: str | None = None,
) -> Outcome:
    """Until the service is steady at ``generation`` (or its deployment failed), printing events.

    Like ``aws ecs wait services-stable`` (which gives up after 10 minutes): a deployment that
    never settles is reported, not waited on forever.
    """
    offset = events_size(directory) if events_from is None else events_from
    deadline = time.monotonic() + timeout
    applied_by = time.monotonic() + APPLY_TIMEOUT
    while True:
        events, offset = records.read_events(directory, offset)
        for event in events:
            if on_event is not None:
                on_event(event)
        state = records.read_state(directory)
        if state is not None and state.applied_generation >= generation:
            outcome = _outcome(state, generation, revision)
            if outcome is not None:
                return outcome
        elif time.monotonic() > applied_by:
            raise TaskFailedError(
                f"the service controller did not take the change within {APPLY_TIMEOUT:g} s: "
                f"see {directory / records.CONTROLLER_LOG}; `hakobu down` then deploy restarts it"
            )
        if not records.controller_running(directory):
            raise TaskFailedError(
                f"the service controller stopped: see {directory / records.CONTROLLER_LOG}; "
                "`hakobu deploy` or `hakobu scale` starts it again and resumes"
            )
        if time.monotonic() > deadline:
            raise TaskFailedError(
                f"the service did not reach a steady state within {timeout:g} s "
                "(see `hakobu events`; it keeps trying)"
            )
        time.sleep(poll)


def events_size(directory: Path) -> int:
    try:
        return (directory / records.EVENTS_FILE).stat().st_size
    except FileNotFoundError:
        return 0


def _outcome(state: ServiceState, generation: int, revision: str | None) -> Outcome | None:
    """None while the service is on its way; else whether it got where ``generation`` asked."""
    mine = next((d for d in state.deployments if d.generation == generation), None)
    primary = state.primary()
    if mine is None or (mine is primary and mine.rollout_state == COMPLETED):
        if not state.steady or primary is None:
            return None
        if revision is not None and primary.task_definition != revision:
            # An earlier deployment of the same revision failed (see the events).
            message = f"the service is steady on {primary.task_definition}, not {revision}"
            return Outcome(False, message, state)
        return Outcome(True, f"service {state.service_name} has reached a steady state", state)
    if mine.rollout_state != FAILED:
        if mine.status == INACTIVE:
            return Outcome(False, f"deployment {mine.id} was replaced by a newer one", state)
        return None
    if primary is not None and primary.rolled_back_from == mine.id:
        if not state.steady:
            return None
        return Outcome(
            False,
            f"deployment {mine.id} ({mine.task_definition}) failed: {mine.rollout_state_reason} "
            f"Rolled back to {primary.task_definition} ({primary.id}).",
            state,
        )
    return Outcome(
        False,
        f"deployment {mine.id} ({mine.task_definition}) failed: {mine.rollout_state_reason} "
        "No rollback: the service keeps the tasks it has.",
        state,
    )
