"""The talk's SIGTERM warning (slides 81-82), shown honestly on real podman tasks.

A service of one task behind hakobu's load balancer is scaled in to 0 while slow requests are in
flight. The requests outlast the drain (deregistration delay 1 s) but fit within the container's
``stopTimeout`` (8 s), so what happens to them depends only on the app
(tests/fixtures/sigterm_app/app.py), as on ECS:

- an app that finishes its in-flight work on SIGTERM completes every request, and its task
  stops as soon as they are done;
- an app with no SIGTERM handler behind ``initProcessEnabled`` ("an init process inside the
  container that forwards signals and reaps processes", podman's ``--init``: catatonit as PID 1)
  dies at once, SIGTERM's default action: its in-flight requests fail with the load balancer's
  502, as an ALB answers when a target closes the connection;
- an app that ignores SIGTERM (a handler that carries on, or no handler as PID 1 without an init
  process, where the kernel drops the signal) is killed only when ``stopTimeout`` runs out: the
  task stops late, and a request still in flight then fails.

In every case SIGTERM comes only after the drain: the load balancer stops sending the task new
requests, waits for the in-flight ones up to the deregistration delay ("If a deregistering target
has no in-flight requests and no active connections, Elastic Load Balancing immediately completes
the deregistration process"; otherwise it waits for the delay), and ECS stops the task once the
target is deregistered (its DEACTIVATING state: "the target group deregistration occurs during
this state", ECS Developer Guide, "Amazon ECS task lifecycle"). The requests here last longer than
the delay, so the drain ends when the delay runs out after the "has begun draining" event, and
the SIGTERM the app records, and the task's ``stoppingAt``, may not come earlier.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.engines.conftest import wait_for
from tests.services.conftest import MakeService, ServiceApp

from hakobu.engines.local import state
from hakobu.engines.local.service import records

pytestmark = [pytest.mark.podman, pytest.mark.slow]

APP_SOURCE = (Path(__file__).parents[1] / "fixtures" / "sigterm_app" / "app.py").read_text()
DELAY = 1  # the target group's deregistration delay, seconds
REQUEST = 5.0  # each slow request: longer than the drain, shorter than stopTimeout
STOP_TIMEOUT = 8
SLOW_REQUESTS = 3
# The "has begun draining" event is written in the scheduling round that starts the drain, just
# before the load balancer begins it; the slack only guards against the two trading places.
EVENT_SLACK = 0.1
EXIT_SIGTERM, EXIT_SIGKILL = 128 + 15, 128 + 9


def app_container(image: str, mode: str, *, init: bool) -> dict[str, Any]:
    return {
        "name": "web",
        "image": image,
        "essential": True,
        "command": ["python3", "-c", APP_SOURCE, mode],
        "portMappings": [{"containerPort": 8080}],
        "stopTimeout": STOP_TIMEOUT,
        "linuxParameters": {"initProcessEnabled": init},
    }


@dataclass
class Outcome:
    """One slow request as the client saw it through the load balancer."""

    seconds: float
    sent: float
    ended: float = 0.0
    status: int | None = None
    error: str | None = None

    @property
    def completed(self) -> bool:
        return self.status == 200


@dataclass
class Observed:
    outcomes: list[Outcome]
    drain_begun: float  # the "has begun draining connections" event
    task: state.TaskState  # the stopped task as its supervisor recorded it
    app_events: list[dict[str, Any]]  # what the app wrote, each with its own clock

    @property
    def drained_by(self) -> float:
        """The earliest the drain can have ended: the requests outlast the delay."""
        return self.drain_begun + DELAY - EVENT_SLACK

    def app_times(self, event: str) -> list[float]:
        return [float(e["time"]) for e in self.app_events if e["event"] == event]

    def timeline(self) -> str:
        """Every moment, in seconds after the drain began: what a failed assertion shows."""
        moments = [("stoppingAt", self.task.stopping_at), ("exited", self.exited_at)]
        moments += [(e["event"], float(e["time"])) for e in self.app_events]
        moments += [(f"request {o.status or o.error}", o.ended) for o in self.outcomes]
        ordered = sorted((t, name) for name, t in moments if t is not None)
        return ", ".join(f"{name} {t - self.drain_begun:+.2f}" for t, name in ordered)

    @property
    def exited_at(self) -> float:
        stopped_at = self.task.container("web").stopped_at
        assert stopped_at is not None
        return stopped_at

    @property
    def stopping_at(self) -> float:
        assert self.task.stopping_at is not None
        return self.task.stopping_at


@dataclass
class SlowClients:
    """One thread per request, each on its own connection to the load balancer."""

    port: int
    outcomes: list[Outcome] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def send(self, seconds: float) -> None:
        outcome = Outcome(seconds, sent=time.time())
        self.outcomes.append(outcome)
        thread = threading.Thread(target=self._one, args=(outcome,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _one(self, outcome: Outcome) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=outcome.seconds + 30)
        try:
            conn.request("GET", f"/slow?seconds={outcome.seconds}")
            response = conn.getresponse()
            response.read()
            outcome.status = response.status
        except (OSError, http.client.HTTPException) as e:
            outcome.error = f"{type(e).__name__}: {e}"
        finally:
            outcome.ended = time.time()
            conn.close()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=120)


def scale_in_while_busy(app: ServiceApp, *requests: float) -> Observed:
    """Deploy one task, start ``requests`` (seconds each), and scale in to 0 once the app has
    them all in flight; returns what the client, the service, the task and the app recorded."""
    deployed = app.hakobu("deploy", timeout=180)
    assert deployed.returncode == 0, deployed.stderr
    [task] = app.state().tasks
    clients = SlowClients(app.port)
    for seconds in requests:
        clients.send(seconds)
    assert wait_for(lambda: _in_flight(app.port) == len(requests), timeout=10)
    scaled = app.hakobu("scale", "0", timeout=120)
    assert scaled.returncode == 0, scaled.stderr
    clients.join()
    task_dir = state.tasks_root(app.root) / task.task_id
    final = state.load_state(task_dir)
    assert final is not None and final.last_status == state.STOPPED
    seen = Observed(clients.outcomes, _drain_begun(app), final, _app_events(app, task.task_id))
    print("after the drain began:", seen.timeline())  # pytest shows it when a check fails
    return seen


def _in_flight(port: int) -> int:
    """How many slow requests the app is serving, asked through the load balancer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/inflight")
        return int(conn.getresponse().read())
    finally:
        conn.close()


def _drain_begun(app: ServiceApp) -> float:
    events, _ = records.read_events(app.service_dir)
    [begun] = [e for e in events if "has begun draining connections on 1 tasks." in e.message]
    return begun.created_at


def _app_events(app: ServiceApp, task_id: str) -> list[dict[str, Any]]:
    # The task's output is in the local log store; every line of the app is one JSON object.
    def logged() -> list[dict[str, Any]]:
        done = app.hakobu("logs", "--task", task_id, "--json")
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line)["message"] for line in done.stdout.splitlines()]
        return [json.loads(m) for m in lines if m.startswith("{")]

    assert wait_for(lambda: any(e["event"] == "listening" for e in logged()), timeout=10)
    return logged()


def test_an_app_that_finishes_its_work_on_sigterm_completes_every_request(
    make_service: MakeService, python_image: str
) -> None:
    app = make_service(delay=DELAY, desiredCount=1)
    app.write_task(app_container(python_image, "graceful", init=True))
    seen = scale_in_while_busy(app, *[REQUEST] * SLOW_REQUESTS)

    assert [o.status for o in seen.outcomes] == [200] * SLOW_REQUESTS, seen.outcomes
    [sigterm] = seen.app_times("sigterm")
    assert seen.drained_by <= seen.stopping_at <= sigterm  # drained first, then SIGTERM
    # The requests were still in flight at SIGTERM: the app finished them afterwards.
    assert all(o.ended > sigterm for o in seen.outcomes)
    assert all(end > sigterm for end in seen.app_times("end"))
    assert seen.task.container("web").exit_code == 0
    assert seen.app_times("exit")
    # The task stops as soon as its last request is done, well before stopTimeout.
    assert seen.exited_at - max(seen.app_times("end")) < 2.0
    assert seen.exited_at - sigterm < STOP_TIMEOUT - 1


def test_an_app_without_a_sigterm_handler_behind_an_init_process_drops_its_requests(
    make_service: MakeService, python_image: str
) -> None:
    app = make_service(delay=DELAY, desiredCount=1)
    app.write_task(app_container(python_image, "default", init=True))
    seen = scale_in_while_busy(app, *[REQUEST] * SLOW_REQUESTS)

    # Each request failed before it could finish: the load balancer's 502, as an ALB's when the
    # target closes the connection before answering.
    assert [o.status for o in seen.outcomes] == [502] * SLOW_REQUESTS, seen.outcomes
    assert all(o.ended - o.sent < REQUEST for o in seen.outcomes)
    # ... but only after the drain: SIGTERM (which the app cannot record) came after stoppingAt.
    assert all(o.ended >= seen.drained_by for o in seen.outcomes)
    assert seen.drained_by <= seen.stopping_at
    assert seen.app_times("sigterm") == [] and seen.app_times("end") == []
    # SIGTERM's default action ended it at once (exit status 128 + 15), not SIGKILL.
    assert seen.task.container("web").exit_code == EXIT_SIGTERM
    assert seen.exited_at - seen.stopping_at < 2.0


@pytest.mark.parametrize(
    ("mode", "init"),
    [("ignore", True), ("default", False)],
    ids=["handler-that-ignores-it", "no-handler-as-pid-1-without-init"],
)
def test_an_app_that_ignores_sigterm_is_killed_only_at_stop_timeout(
    make_service: MakeService, python_image: str, mode: str, init: bool
) -> None:
    app = make_service(delay=DELAY, desiredCount=1)
    app.write_task(app_container(python_image, mode, init=init))
    long_request = STOP_TIMEOUT + 20.0  # still in flight when SIGKILL comes
    seen = scale_in_while_busy(app, *[REQUEST] * SLOW_REQUESTS, long_request)

    *slow, cut = seen.outcomes
    # It went on serving after SIGTERM: the requests that fit within stopTimeout completed ...
    assert [o.status for o in slow] == [200] * SLOW_REQUESTS, slow
    # ... and the one still in flight at SIGKILL failed, stopTimeout after the task began stopping.
    assert cut.status == 502, cut
    assert seen.drained_by <= seen.stopping_at
    assert STOP_TIMEOUT - 0.5 <= cut.ended - seen.stopping_at <= STOP_TIMEOUT + 3
    if mode == "ignore":  # the handler saw SIGTERM; as PID 1 with no handler, nothing does
        [sigterm] = seen.app_times("sigterm")
        assert seen.stopping_at <= sigterm
        assert all(o.ended > sigterm for o in slow)
    else:
        assert seen.app_times("sigterm") == []
    assert seen.app_times("exit") == []
    # Killed, late: the task's stop took stopTimeout.
    assert seen.task.container("web").exit_code == EXIT_SIGKILL
    assert STOP_TIMEOUT - 0.5 <= seen.exited_at - seen.stopping_at <= STOP_TIMEOUT + 3
