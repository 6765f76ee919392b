"""Glue between an app (hakobu.toml, its rendered task definition) and the local engine."""

from __future__ import annotations

from dataclasses import dataclass

from hakobu.config import AppConfig
from hakobu.engines.local.engine import Resolver, TaskInputs, new_task_id, plan_task
from hakobu.engines.local.plan import TaskPlan
from hakobu.logs.routes import validate_log_configuration
from hakobu.secrets import LocalSecretProvider, resolve_secrets
from hakobu.spec.load import LoadedTaskDefinition


def task_inputs(app: AppConfig, loaded: LoadedTaskDefinition, env_name: str) -> TaskInputs:
    env = app.environment(env_name)
    return TaskInputs(
        app=app.name,
        root=app.root,
        environment=env.name,
        task_definition=loaded.raw,
        ports=dict(env.ports),
        environment_files={arn: app.root / path for arn, path in env.environment_files.items()},
        config_file=str(app.path.name),
        task_id=new_task_id(),
    )


@dataclass(frozen=True)
class PreparedTask:
    inputs: TaskInputs
    plan: TaskPlan
    warnings: list[str]  # each prefixed with the task definition's file


def prepare_task(app: AppConfig, loaded: LoadedTaskDefinition, env_name: str) -> PreparedTask:
    """Plan a task of ``loaded`` for ``env_name``, checking everything that can be checked before
    a container starts: the plan (InputError when the engine cannot run it) and the log routes
    (an unknown driver or option is bad input, not a task that fails later)."""
    inputs = task_inputs(app, loaded, env_name)
    plan = plan_task(inputs)
    log_warnings = validate_log_configuration(loaded.raw, root=app.root, source=loaded.display)
    warnings = [f"{loaded.display}: {w}" for w in (*plan.warnings, *log_warnings)]
    return PreparedTask(inputs, plan, warnings)


def local_secret_resolver(app: AppConfig) -> Resolver:
    """Resolve every secret of a plan from the app's local store; engine secret name -> value."""

    def resolve(plan: TaskPlan) -> dict[str, str]:
        provider = LocalSecretProvider.for_app(app.name)
        keyed = {f"{b.container}.{b.env_name}": b for b in plan.secrets}
        values = resolve_secrets(((key, b.value_from) for key, b in keyed.items()), provider)
        return {keyed[key].engine_secret: value for key, value in values.items()}

    return resolve
