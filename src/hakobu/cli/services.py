"""What the service commands (deploy, scale, events, and ps for services) share."""

from __future__ import annotations

import time
from pathlib import Path

from hakobu.cli import common
from hakobu.config import AppConfig
from hakobu.engines.local.service import api, codedeploy
from hakobu.engines.local.service.records import ServiceEvent
from hakobu.errors import UsageError
from hakobu.spec.load import LoadedTaskDefinition
from hakobu.spec.service import LoadedServiceDefinition, load_service_definition


def load_definitions(
    app: AppConfig, env_name: str, image: str | None = None
) -> tuple[LoadedTaskDefinition, LoadedServiceDefinition]:
    """The task definition and the service definition, both rendered for ``env_name``."""
    task = common.load_rendered_task_definition(app, env_name, image)
    env = app.environment(env_name)
    service = load_service_definition(
        app.service_definition, values=app.values_for(env.name), env=env.name, task=task.model
    )
    return task, service


def service_name(app: AppConfig, given: str | None) -> str:
    """``--service``, else the only service the app has run, else the service definition's."""
    if given:
        return given
    names = api.service_names(app.root)
    if len(names) == 1:
        return names[0]
    if app.service_definition.exists():
        env = app.environment("local")
        loaded = load_service_definition(app.service_definition, values=app.values_for(env.name))
        return loaded.model.name
    if not names:
        raise UsageError("no service yet: start one with `hakobu deploy`")
    raise UsageError(f"the app has several services ({', '.join(names)}): name one with --service")


def format_event(event: ServiceEvent) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(event.created_at))
    return f"{stamp}  {event.message}"


def print_event(event: ServiceEvent) -> None:
    common.note(format_event(event))


def directory(app: AppConfig, name: str) -> Path:
    return api.service_directory(app, name)


def summary_lines(app_root: Path) -> list[str]:
    """The app's services for ``hakobu ps``: counts, deployments, and a dead controller."""
    lines = []
    for state in api.active_services(app_root):
        described = api.describe(app_root, state, events=0)
        steady = "steady" if state.steady else "not steady"
        listener = f"  http://{state.listener}/" if state.target_group_arn else ""
        lines.append(
            f"service {state.service_name} {state.status} desired={state.desired_count} "
            f"running={state.running_count} pending={state.pending_count} {steady}{listener}"
        )
        for d in state.deployments:
            if d.status == "INACTIVE":
                continue
            label = codedeploy.stage_label(d)
            stage = f"  {label} ({d.traffic:g}% of traffic)" if label else ""
            lines.append(
                f"  {d.status:<8} {d.id}  {d.task_definition}  {d.rollout_state}  "
                f"running={d.running_count} pending={d.pending_count} failed={d.failed_tasks}"
                f"{stage}"
            )
        if not described["hakobu"]["controllerRunning"]:
            lines.append(
                f"  controller not running (pid {state.controller_pid} is gone): `hakobu deploy` "
                "or `hakobu scale` resumes the service, `hakobu down` removes it"
            )
    return lines


def task_service(labels: dict[str, str]) -> dict[str, str | None]:
    """The service fields of a task, from its containers' labels."""
    from hakobu.engines.local.service.tasks import DEPLOYMENT, REVISION, SERVICE

    return {
        "service": labels.get(SERVICE),
        "deployment": labels.get(DEPLOYMENT),
        "revision": labels.get(REVISION),
    }
