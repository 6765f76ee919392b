"""Where each container's lines go, from the task definition's ``logConfiguration``s.

Planning reads and checks everything before a container starts: an unknown driver or option,
or one ECS or Fargate would refuse, is an InputError naming the container and the option; what
is valid but works differently locally is a warning.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hakobu.errors import InputError
from hakobu.logs import awslogs, firelens
from hakobu.logs.firelens import FirelensPipeline, TaskIdentity
from hakobu.logs.firelens_filters import RecordFilter, build_filters
from hakobu.logs.fluentbit import FluentBitConfig, Section, is_on, load_config
from hakobu.logs.store import STORE_FILE
from hakobu.spec.problem import suggest
from hakobu.spec.taskdef import TaskDefinition

FARGATE_DRIVERS = ("awslogs", "splunk", "awsfirelens")
OTHER_DRIVERS = ("json-file", "syslog", "journald", "gelf", "fluentd")
FIRELENS_OPTIONS = ("enable-ecs-log-metadata", "config-file-type", "config-file-value")
KEPT_GROUP = "/hakobu/{what}/{family}"  # where lines no emulated destination takes are kept


@dataclass(frozen=True)
class AwslogsRoute:
    config: awslogs.AwslogsConfig
    group: str
    stream: str


@dataclass(frozen=True)
class FirelensRoute:
    """The container's records go through the task's FireLens pipeline."""


@dataclass(frozen=True)
class KeptRoute:
    """No emulated destination: lines are kept in a hakobu group so ``hakobu logs`` shows them."""

    group: str
    stream: str


Route = AwslogsRoute | FirelensRoute | KeptRoute


@dataclass(frozen=True)
class GroupSpec:
    create: bool  # awslogs-create-group / auto_create_group
    retention_days: int | None
    where: str  # for the warning when it does not exist and would not be created


@dataclass
class LogPlan:
    identity: TaskIdentity
    routes: dict[str, Route] = field(default_factory=dict)
    pipeline: FirelensPipeline | None = None
    log_router: str | None = None  # the container with firelensConfiguration
    groups: dict[str, GroupSpec] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _raw(task_definition: TaskDefinition | Mapping[str, Any]) -> Mapping[str, Any]:
    return task_definition.raw if isinstance(task_definition, TaskDefinition) else task_definition


def plan_logs(
    task_definition: TaskDefinition | Mapping[str, Any],
    *,
    root: Path,
    identity: TaskIdentity,
    source: str | None = None,
) -> LogPlan:
    """The routes of every container; raises InputError (with ``source`` as its file)."""
    raw = _raw(task_definition)
    plan = LogPlan(identity)
    try:
        containers = list(raw.get("containerDefinitions") or ())
        plan.log_router = _log_router(containers, plan)
        for container in containers:
            plan.routes[container["name"]] = _route(container, raw, plan)
        if plan.log_router is not None:
            plan.pipeline = _pipeline(containers, plan, root)
    except InputError as e:
        if source is None or e.file is not None:
            raise
        raise InputError(e.detail, file=source, field=e.field, fix=e.fix) from e
    _warn_missing_groups(plan, root)
    return plan


def validate_log_configuration(
    task_definition: TaskDefinition | Mapping[str, Any],
    *,
    root: Path,
    source: str | None = None,
) -> list[str]:
    """Check every container's logConfiguration before anything starts; returns warnings."""
    family = str(_raw(task_definition).get("family", "task"))
    identity = TaskIdentity("0" * 32, "arn:aws:ecs:local:000000000000:task/0", "local", family, 1)
    return plan_logs(task_definition, root=root, identity=identity, source=source).warnings


def _where(container: Mapping[str, Any], *rest: str) -> str:
    return ".".join([f"containerDefinitions ({container['name']})", *rest])


def _log_router(containers: list[Mapping[str, Any]], plan: LogPlan) -> str | None:
    routers = [c for c in containers if c.get("firelensConfiguration")]
    if len(routers) > 1:
        raise InputError(
            "more than one container has firelensConfiguration: "
            + ", ".join(c["name"] for c in routers),
            field="containerDefinitions",
            fix="a task has one log router",
        )
    if not routers:
        return None
    if (routers[0].get("logConfiguration") or {}).get("logDriver") == "awsfirelens":
        raise InputError(
            "the log router cannot send its own output to itself",
            field=_where(routers[0], "logConfiguration.logDriver"),
            fix="use awslogs for the log router",
        )
    return str(routers[0]["name"])


def _route(container: Mapping[str, Any], raw: Mapping[str, Any], plan: LogPlan) -> Route:
    config = container.get("logConfiguration")
    family = str(raw.get("family", "task"))
    stream = f"{container['name']}/{plan.identity.task_id}"
    if not config:
        plan.warnings.append(
            f"{_where(container)} has no logConfiguration: on Fargate its output is kept "
            f"nowhere; hakobu keeps it in {KEPT_GROUP.format(what='unrouted', family=family)}"
        )
        return KeptRoute(KEPT_GROUP.format(what="unrouted", family=family), stream)
    driver = config.get("logDriver")
    if config.get("secretOptions"):
        plan.warnings.append(
            f"{_where(container, 'logConfiguration.secretOptions')}: not resolved locally "
            "(no emulated destination needs credentials)"
        )
    if driver == "awslogs":
        return _awslogs_route(container, config.get("options") or {}, plan)
    if driver == "awsfirelens":
        if plan.log_router is None:
            raise InputError(
                "the awsfirelens driver needs a log router in the task",
                field=_where(container, "logConfiguration.logDriver"),
                fix="add a container with firelensConfiguration (type fluentbit)",
            )
        return FirelensRoute()
    if driver == "splunk":
        group = KEPT_GROUP.format(what="splunk", family=family)
        plan.warnings.append(
            f"{_where(container, 'logConfiguration')}: splunk is not emulated; lines are kept "
            f"in {group}"
        )
        return KeptRoute(group, stream)
    known = FARGATE_DRIVERS + OTHER_DRIVERS
    detail = "is not supported on Fargate" if driver in OTHER_DRIVERS else "is unknown"
    raise InputError(
        f"log driver {driver} {detail}",
        field=_where(container, "logConfiguration.logDriver"),
        fix="use " + ", ".join(FARGATE_DRIVERS) if driver in known else _did_you_mean(driver),
    )


def _did_you_mean(value: Any) -> str:
    close = suggest(str(value), FARGATE_DRIVERS)
    return f'did you mean "{close}"?' if close else "use " + ", ".join(FARGATE_DRIVERS)


def _awslogs_route(
    container: Mapping[str, Any], options: Mapping[str, str], plan: LogPlan
) -> AwslogsRoute:
    where = _where(container, "logConfiguration.options")
    config = awslogs.read_options(options, where=where, warnings=plan.warnings)
    _add_group(plan, config.group, GroupSpec(config.create_group, None, where))
    stream = config.stream_name(container["name"], plan.identity.task_id)
    return AwslogsRoute(config, config.group, stream)


def _add_group(plan: LogPlan, name: str, spec: GroupSpec) -> None:
    known = plan.groups.get(name)
    if known is None or (spec.create and not known.create):
        plan.groups[name] = spec


def _warn_missing_groups(plan: LogPlan, root: Path) -> None:
    existing = existing_groups(root / ".hakobu" / STORE_FILE)
    for name, spec in plan.groups.items():
        if not spec.create and name not in existing:
            plan.warnings.append(
                f"{spec.where}: log group {name} does not exist (locally, or maybe on AWS); "
                "ECS fails the task unless it exists, or awslogs-create-group (FireLens: "
                "auto_create_group) is true. hakobu creates it locally"
            )


def existing_groups(store: Path) -> set[str]:
    """The store's log groups, read without creating the store."""
    if not store.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return {row[0] for row in db.execute("SELECT name FROM log_groups")}
    except sqlite3.Error:
        return set()


# -- FireLens ------------------------------------------------------------------------------------


def _pipeline(containers: list[Mapping[str, Any]], plan: LogPlan, root: Path) -> FirelensPipeline:
    router = next(c for c in containers if c["name"] == plan.log_router)
    settings = router["firelensConfiguration"]
    path = "firelensConfiguration"
    if settings.get("type") == "fluentd":
        return _fluentd_pipeline(router, plan)
    if settings.get("type") != "fluentbit":
        raise InputError(
            f"unknown FireLens type {settings.get('type')!r}",
            field=_where(router, path, "type"),
            fix="fluentbit or fluentd",
        )
    options = settings.get("options") or {}
    for name in options:
        if name not in FIRELENS_OPTIONS:
            close = suggest(name, FIRELENS_OPTIONS)
            raise InputError(
                f"unknown firelensConfiguration option {name}",
                field=_where(router, path, "options", name),
                fix=f'did you mean "{close}"?' if close else ", ".join(FIRELENS_OPTIONS),
            )
    pipeline = FirelensPipeline(plan.identity)
    if is_on(options.get("enable-ecs-log-metadata"), default=True):
        pipeline.filters.append(firelens.metadata_filter(plan.identity))
    outputs = _custom_config(router, options, root, pipeline.filters, plan)
    for container in containers:
        config = container.get("logConfiguration") or {}
        if config.get("logDriver") == "awsfirelens":
            where = _where(container, "logConfiguration.options")
            greps, output = firelens.container_sections(
                container["name"], config.get("options") or {}, where
            )
            pipeline.filters += build_filters(FluentBitConfig(greps), plan.warnings)
            if output is not None:
                outputs.append(output)
    for index, section in enumerate(outputs):
        pipeline.outputs.append((section, _output(section, index, plan)))
    return pipeline


def _fluentd_pipeline(router: Mapping[str, Any], plan: LogPlan) -> FirelensPipeline:
    """Fluentd routers are not emulated: their records are kept where hakobu logs shows them."""
    group = firelens.NOT_EMULATED_GROUP.format(plugin="fluentd")
    plan.warnings.append(
        f"{_where(router, 'firelensConfiguration.type')}: fluentd log routers are not emulated; "
        f"the records they would receive are kept in {group}"
    )
    section = Section("output", [("name", "fluentd"), ("match", "*")])
    return FirelensPipeline(
        plan.identity, outputs=[(section, firelens.NotEmulatedOutput("fluentd"))]
    )


def _custom_config(
    router: Mapping[str, Any],
    options: Mapping[str, str],
    root: Path,
    filters: list[RecordFilter],
    plan: LogPlan,
) -> list[Section]:
    kind, value = options.get("config-file-type"), options.get("config-file-value")
    where = _where(router, "firelensConfiguration.options")
    if kind is None and value is None:
        return []
    if kind != "file" or not value:
        raise InputError(
            "a custom config needs config-file-type file and config-file-value",
            field=f"{where}.config-file-type",
            fix="Fargate supports only the file type (a path in the log router image)",
        )
    config = load_config(value, root)
    for service in config.of_kind("service"):
        for parsers_file in service.all("parsers_file"):
            config.sections += load_config(parsers_file, root).of_kind("parser")
    filters += build_filters(config, plan.warnings)
    for section in config.sections:
        if section.kind == "input" and section.name != "forward":
            plan.warnings.append(f"{section.where()}: input {section.name} is not emulated")
        elif section.kind not in ("service", "input", "filter", "output", "parser"):
            plan.warnings.append(f"{section.where()}: not emulated")
    return config.of_kind("output")


def _output(section: Section, index: int, plan: LogPlan) -> firelens.Output:
    firelens.check_output(section)
    name = section.name
    if name in ("cloudwatch_logs", "cloudwatch"):
        group = section.get("log_group_name") or ""
        if group and "$" not in group:
            retention = section.get("log_retention_days")
            days = int(retention) if retention and int(retention) else None
            spec = GroupSpec(firelens.auto_create(section), days, section.where())
            _add_group(plan, group, spec)
        return firelens.CloudWatchOutput(section, plan.identity)
    if name == "s3":
        return firelens.S3Output(section, f"firelens-s3-{index}:{plan.identity.task_id}")
    if name == "stdout":
        return firelens.StdoutOutput()
    if name == "null":
        return None
    plan.warnings.append(
        f"{section.where()}: output {name} is not emulated; its records are kept in "
        + firelens.NOT_EMULATED_GROUP.format(plugin=name)
    )
    return firelens.NotEmulatedOutput(name)
