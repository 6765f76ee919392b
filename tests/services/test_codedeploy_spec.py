"""CODE_DEPLOY without containers: the AppSpec file, the deployment configurations, the
[service.codedeploy] settings, and the lifecycle events a deployment goes through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.engines.conftest import App, container

from hakobu.config import load_config
from hakobu.engines.local.service import codedeploy, records
from hakobu.engines.local.service.bluegreen import (
    BAKE_TIME,
    CLEAN_UP,
    POST_TEST_TRAFFIC_SHIFT,
    PRE_SCALE_UP,
    next_stage,
)
from hakobu.engines.local.service.codedeploy_appspec import load_appspec
from hakobu.engines.local.service.records import (
    ACTIVE,
    COMPLETED,
    PRIMARY,
    Deployment,
    Desired,
    ServiceState,
)
from hakobu.errors import ConfigError, SpecError
from hakobu.spec.appspec import LIFECYCLE_EVENTS, PREDEFINED_CONFIGS, TrafficRouting
from hakobu.spec.service import validate_service_definition
from hakobu.spec.taskdef import parse_task_definition

TASK = parse_task_definition(
    {
        "family": "web",
        "containerDefinitions": [
            {"name": "web", "image": "x", "portMappings": [{"containerPort": 8080}]},
        ],
    }
)

# The example of "AppSpec File example for an Amazon ECS deployment", for this task definition.
GOOD_YAML = """\
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:111222333444:task-definition/web:1"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 8080
        # Optional properties
        PlatformVersion: "LATEST"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-1234abcd","subnet-5678abcd"]
            SecurityGroups: ["sg-12345678"]
            AssignPublicIp: "ENABLED"
        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: "FARGATE_SPOT"
            Weight: 2
Hooks:
  - BeforeInstall: "LambdaFunctionToValidateBeforeInstall"
  - AfterInstall: "LambdaFunctionToValidateAfterInstall"
  - AfterAllowTestTraffic: "LambdaFunctionToValidateAfterTestTrafficStarts"
  - BeforeAllowTraffic: "LambdaFunctionToValidateBeforeAllowingProductionTraffic"
  - AfterAllowTraffic: "LambdaFunctionToValidateAfterAllowingProductionTraffic"
"""


def write(tmp_path: Path, text: str, name: str = "appspec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_documented_example_loads(tmp_path: Path) -> None:
    spec = load_appspec(write(tmp_path, GOOD_YAML), TASK).model
    assert (spec.container_name, spec.container_port) == ("web", 8080)
    assert spec.platform_version == "LATEST"
    assert list(spec.hooks) == [
        "BeforeInstall",
        "AfterInstall",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AfterAllowTraffic",
    ]
    assert spec.hooks["AfterAllowTestTraffic"] == "LambdaFunctionToValidateAfterTestTrafficStarts"


def test_json_appspecs_load_too(tmp_path: Path) -> None:
    doc = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": "<TASK_DEFINITION>",
                        "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 8080},
                    },
                }
            }
        ],
        "Hooks": [{"AfterAllowTestTraffic": "arn:aws:lambda:us-east-1:1:function:check"}],
    }
    path = write(tmp_path, json.dumps(doc, indent=2), "appspec.json")
    spec = load_appspec(path, TASK).model
    assert spec.hooks == {"AfterAllowTestTraffic": "arn:aws:lambda:us-east-1:1:function:check"}


def _bad(old: str, new: str) -> str:
    assert old in GOOD_YAML
    return GOOD_YAML.replace(old, new, 1)


BAD = [
    (_bad("version: 0.0", "version: 1.0"), 1, "version", "is not 0.0"),
    (_bad("Hooks:", "Hookz:"), 21, "Hookz", 'did you mean "Hooks"?'),
    (_bad("Type: AWS::ECS::Service", "Type: AWS::Lambda::Function"), 4, "Type", "not an Amazon"),
    (_bad('          ContainerName: "web"\n', ""), 8, "ContainerName", "required field missing"),
    (_bad("ContainerPort: 8080", "ContainerPort: 99999"), 9, "ContainerPort", "not a port"),
    (_bad("ContainerPort: 8080", "ContainerPort: 9090"), 9, "ContainerPort", "maps no"),
    (_bad('ContainerName: "web"', 'ContainerName: "api"'), 8, "ContainerName", "no container"),
    (_bad("task-definition/web:1", "task-definition/api:1"), 6, "TaskDefinition", "family"),
    (_bad("PlatformVersion", "PlatformVersio"), 11, "PlatformVersio", "PlatformVersion"),
    (
        _bad('            AssignPublicIp: "ENABLED"\n', ""),
        14,  # a missing field: the first line of the mapping it belongs in
        "AssignPublicIp",
        "all or none",
    ),
    (_bad("  - BeforeInstall:", "  - Install:"), 22, "Install", "run by CodeDeploy itself"),
    (_bad("  - AfterInstall:", "  - BeforeInstall:"), 23, "BeforeInstall", "a second"),
    (_bad("  - AfterAllowTraffic:", "  - AfterAllowTrafic:"), 26, "AfterAllowTrafic", "mean"),
    (_bad("Weight: 2", "Weight: 2\n            Wait: 1"), 21, "Wait", "unknown field"),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), BAD)
def test_bad_appspecs_name_the_line_the_field_and_the_fix(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        load_appspec(write(tmp_path, text), TASK)
    error = caught.value
    assert error.field is not None and error.field.endswith(field), str(error)
    assert words in str(error)
    assert error.line == line, str(error)
    assert f"appspec.yaml:{line}:" in str(error)


def test_yaml_syntax_errors_have_a_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="invalid YAML") as caught:
        load_appspec(write(tmp_path, GOOD_YAML + "  - [unclosed\n"), TASK)
    assert caught.value.line is not None and caught.value.line >= 27


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"version: 0.0\n\xff\xfe\n", "not UTF-8 text"),
        (b"version: 0.0\nResources: &r [*r]\n", "one name mapped"),  # a recursive alias
    ],
)
def test_unreadable_appspecs_are_errors_not_tracebacks(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "appspec.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError, match=words) as caught:
        load_appspec(path, TASK)
    assert "appspec.yaml" in str(caught.value)


def test_the_predefined_configurations_are_the_documented_ones() -> None:
    # CodeDeploy User Guide, "Predefined deployment configurations for an Amazon ECS compute
    # platform": the five, with their percentages and minutes.
    documented = {
        "CodeDeployDefault.ECSAllAtOnce": TrafficRouting("AllAtOnce"),
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": TrafficRouting(
            "TimeBasedLinear", 10, 1
        ),
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": TrafficRouting(
            "TimeBasedLinear", 10, 3
        ),
        "CodeDeployDefault.ECSCanary10Percent5Minutes": TrafficRouting("TimeBasedCanary", 10, 5),
        "CodeDeployDefault.ECSCanary10Percent15Minutes": TrafficRouting("TimeBasedCanary", 10, 15),
    }
    assert documented == PREDEFINED_CONFIGS


SETTINGS = {
    "traffic": ["TimeBasedCanary", 10, 5],
    "termination_wait_minutes": 2,
    "seconds_per_minute": 60.0,
    "container_name": "web",
    "container_port": 8080,
    "hooks": {},
}


@pytest.mark.parametrize(
    ("traffic", "steps"),
    [
        (["AllAtOnce", 100, 0], [(100.0, 2)]),
        (["TimeBasedCanary", 10, 5], [(10.0, 5), (100.0, 2)]),
        (["TimeBasedCanary", 10, 15], [(10.0, 15), (100.0, 2)]),
        (["TimeBasedLinear", 10, 3], [(float(p), 3) for p in range(10, 100, 10)] + [(100.0, 2)]),
        (["TimeBasedLinear", 30, 1], [(30.0, 1), (60.0, 1), (90.0, 1), (100.0, 2)]),
    ],
)
def test_configurations_shift_traffic_as_documented(
    traffic: list[Any], steps: list[tuple[float, int]]
) -> None:
    """Canary: "Traffic is shifted in two increments"; linear: "in equal increments with an
    equal number of minutes between each increment"; the last step is followed by the
    termination wait."""
    base = validate_and_parse()
    config = codedeploy.deployment_configuration({**SETTINGS, "traffic": traffic}, base)
    assert config.traffic_steps() == steps
    assert config.circuit_breaker.enable and config.circuit_breaker.rollback


def validate_and_parse() -> Any:
    from hakobu.spec.service import parse_service_definition

    return parse_service_definition(SERVICE).deployment


SERVICE: dict[str, Any] = {
    "serviceName": "web",
    "desiredCount": 3,
    "deploymentController": {"type": "CODE_DEPLOY"},
    "loadBalancers": [{"containerName": "web", "containerPort": 8080}],
}


def test_a_code_deploy_service_is_accepted_with_a_load_balancer() -> None:
    assert validate_service_definition(SERVICE, TASK) == []
    no_lb = {k: v for k, v in SERVICE.items() if k != "loadBalancers"}
    [problem] = validate_service_definition(no_lb, TASK)
    assert problem.field == "deploymentController.type" and "load balancer" in problem.message
    breaker = {
        **SERVICE,
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    }
    [problem] = validate_service_definition(breaker, TASK)
    assert problem.field == "deploymentConfiguration.deploymentCircuitBreaker"
    assert "ECS deployment controller only" in problem.message


TOML = """[app]
name = "web"

[service.codedeploy]
deployment_config_name = "{name}"
termination_wait_time_in_minutes = 1
seconds_per_minute = 0.5

[service.codedeploy.hooks]
AfterAllowTestTraffic = "true"

[service.codedeploy.deployment_configs.Canary20Percent1Minute]
type = "TimeBasedCanary"
canary_percentage = 20
canary_interval = 1
"""


def app_dir(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "hakobu.toml").write_text(toml)
    (tmp_path / "appspec.yaml").write_text(GOOD_YAML.split("Hooks:")[0] + HOOKS)
    return tmp_path / "hakobu.toml"


HOOKS = "Hooks:\n  - AfterAllowTestTraffic: check-green\n"


def test_custom_configurations_and_settings_from_hakobu_toml(tmp_path: Path) -> None:
    app = load_config(app_dir(tmp_path, TOML.format(name="Canary20Percent1Minute")))
    settings = codedeploy.settings(app, TASK)
    assert settings["traffic"] == ["TimeBasedCanary", 20, 1]
    assert settings["seconds_per_minute"] == 0.5 and settings["termination_wait_minutes"] == 1
    assert settings["hooks"] == {"AfterAllowTestTraffic": ["check-green", "true"]}
    predefined = TOML.format(name="CodeDeployDefault.ECSLinear10PercentEvery3Minutes")
    app = load_config(app_dir(tmp_path, predefined))
    assert codedeploy.settings(app, TASK)["traffic"] == ["TimeBasedLinear", 10, 3]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("seconds_per_minute = 0.5", "seconds_per_minute = 0", "seconds_per_minute", "above 0"),
        (
            "termination_wait_time_in_minutes = 1",
            "termination_wait_time_in_minutes = 2881",
            "termination_wait_time_in_minutes",
            "0-2880",
        ),
        ('type = "TimeBasedCanary"', 'type = "Canary"', "type", "TimeBasedCanary or"),
        ("canary_interval = 1", "linear_interval = 1", "linear_interval", "unknown key"),
        ("canary_percentage = 20", "canary_percentage = 100", "canary_percentage", "1-99"),
    ],
)
def test_bad_codedeploy_settings_name_the_line(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    toml = TOML.format(name="Canary20Percent1Minute").replace(old, new)
    with pytest.raises(ConfigError) as caught:
        load_config(app_dir(tmp_path, toml))
    error = caught.value
    assert error.field is not None and error.field.endswith(field), str(error)
    assert words in str(error) and error.line == toml[: toml.index(new)].count("\n") + 1


CANARY_20 = TOML.format(name="Canary20Percent1Minute")
NO_SUCH = TOML.format(name="CodeDeployDefault.ECSCanary10Percent1Minutes")


@pytest.mark.parametrize(
    ("toml", "hooks", "field", "words"),
    [
        (NO_SUCH, HOOKS, "deployment_config_name", "neither"),
        (CANARY_20, "Hooks:\n  - BeforeInstall: x\n", "hooks.AfterAllowTestTraffic", "names no"),
        (CANARY_20, HOOKS + "  - AfterInstall: x\n", "hooks", "AfterInstall (x) has no local"),
    ],
)
def test_settings_that_disagree_with_the_appspec(
    tmp_path: Path, toml: str, hooks: str, field: str, words: str
) -> None:
    app = load_config(app_dir(tmp_path, toml))
    (tmp_path / "appspec.yaml").write_text(GOOD_YAML.split("Hooks:")[0] + hooks)
    with pytest.raises(ConfigError) as caught:
        codedeploy.settings(app, TASK)
    assert caught.value.field == f"service.codedeploy.{field}" and words in str(caught.value)
    assert caught.value.line is not None


def test_no_appspec_says_where_to_put_one(tmp_path: Path) -> None:
    app = load_config(app_dir(tmp_path, TOML.format(name="Canary20Percent1Minute")))
    (tmp_path / "appspec.yaml").unlink()
    with pytest.raises(ConfigError, match=r"appspec\.yaml beside hakobu\.toml"):
        codedeploy.settings(app, TASK)


def desired(settings: dict[str, Any]) -> Desired:
    return Desired(
        1, "web", "/", "local", "hakobu.toml", {}, SERVICE, "web:2", 3, 3, "127.0.0.1", 1, {},
        codedeploy=settings,
    )  # fmt: skip


def test_a_deployment_goes_through_codedeploys_lifecycle_events_in_order() -> None:
    """ "What happens during an Amazon ECS deployment": the events in the order they run, each
    hook once per deployment (not once per linear step), then the termination wait."""
    hooks = {e: [f"fn-{e}", "true"] for e in ("BeforeInstall", "BeforeAllowTraffic")}
    settings = {**SETTINGS, "traffic": ["TimeBasedLinear", 50, 1], "hooks": hooks}
    service = codedeploy.service_for(desired(settings))
    program = codedeploy.CodeDeployProgram(desired(settings))
    d = Deployment("ecs-svc/1", "PRIMARY", "web:2", 3, stage=PRE_SCALE_UP, replaces="ecs-svc/0")
    events: list[str] = []
    ran: list[str] = []
    now = 0.0
    while d.stage != CLEAN_UP:
        ran += [h.target_arn for h in program.hooks(d)]
        moved = next_stage(d, service.deployment, green_ready=True, now=now)
        if moved is None:
            now += 30  # half a configured minute
            continue
        events += program.moved(d, moved)
        d.stage, d.step, d.traffic, d.stage_since = moved.stage, moved.step, moved.traffic, now
    assert ran == ["fn-BeforeInstall", "fn-BeforeAllowTraffic"]
    succeeded = [e.split("lifecycle event ")[1] for e in events if "lifecycle event" in e]
    assert succeeded == [f"{e}: Succeeded." for e in LIFECYCLE_EVENTS]
    shifts = [e for e in events if "AllowTraffic: " in e and "production traffic" in e]
    assert ["50%" in shifts[0], "100%" in shifts[1]] == [True, True] and len(shifts) == 2
    assert "terminated in 2 minutes (terminationWaitTimeInMinutes)" in events[-2]
    assert events[-1].endswith("terminating the original task set.")
    assert now >= 60 + 2 * 60  # one linear interval, then the termination wait


def code_deploy_app(tmp_path: Path) -> App:
    """A CODE_DEPLOY app's files, ready for `hakobu deploy`."""
    app = App(tmp_path)
    toml = TOML.format(name="CodeDeployDefault.ECSCanary10Percent5Minutes")
    app_dir(tmp_path, toml)
    (tmp_path / "taskdef.json").write_text(
        json.dumps(
            {
                "family": "web",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [
                    container("web", "true", portMappings=[{"containerPort": 8080}])
                ],
            }
        )
    )
    (tmp_path / "servicedef.json").write_text(json.dumps(SERVICE))
    return app


def test_deploy_dry_run_shows_the_configuration_and_refuses_a_bad_appspec(tmp_path: Path) -> None:
    app = code_deploy_app(tmp_path)
    planned = app.hakobu("deploy", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "CODE_DEPLOY CodeDeployDefault.ECSCanary10Percent5Minutes, one minute = 0.5 s" in (
        planned.stdout
    )
    assert "production traffic 10% then 5 min, 100% then 1 min" in planned.stdout
    assert "appspec.yaml: PlatformVersion: no effect locally" in planned.stderr
    spec = (tmp_path / "appspec.yaml").read_text()
    (tmp_path / "appspec.yaml").write_text(spec.replace("ContainerPort: 8080", "ContainerPort: 9"))
    refused = app.hakobu("deploy", "--dry-run")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert (
        "appspec.yaml:9:" in refused.stderr and "LoadBalancerInfo.ContainerPort" in refused.stderr
    )


def in_progress(tmp_path: Path, strategy: str, revision: str = "web:7") -> None:
    """The service's state: a blue/green deployment of ``revision`` at AfterAllowTestTraffic."""
    directory = records.service_dir(tmp_path, "web")
    directory.mkdir(parents=True, exist_ok=True)
    blue = Deployment("ecs-svc/1", ACTIVE, "web:6", 3, rollout_state=COMPLETED)
    green = Deployment(
        "ecs-svc/2", PRIMARY, revision, 3, stage=POST_TEST_TRAFFIC_SHIFT, replaces=blue.id,
        strategy=strategy,
    )  # fmt: skip
    state = ServiceState("web", "web", "local", "default", desired_count=3)
    state.deployments = [green, blue]
    records.write_state(directory, state)


def test_one_code_deploy_deployment_at_a_time_per_deployment_group(tmp_path: Path) -> None:
    """CreateDeployment refuses a second deployment while one is in progress (CodeDeploy's
    DeploymentLimitExceededException); ECS's own blue/green replaces the one in progress."""
    app = code_deploy_app(tmp_path)
    in_progress(tmp_path, codedeploy.CODE_DEPLOY)
    for extra in ((), ("--force-new-deployment",)):
        refused = app.hakobu("deploy", "--dry-run", *extra)
        assert refused.returncode == 2 and refused.stdout == ""
        [line] = [e for e in refused.stderr.splitlines() if "warning:" not in e]
        assert (
            "DeploymentLimitExceededException: The Deployment Group 'web' already has an " in line
        )
        assert "active Deployment 'ecs-svc/2' (web:7, at AfterAllowTestTraffic)" in line
        assert "`hakobu deploy --stop`" in line
    # The revision in progress again, not forced: no new deployment, nothing refused (a
    # controller that died mid-deployment is restarted this way and resumes it).
    in_progress(tmp_path, codedeploy.CODE_DEPLOY, revision="web:1")
    resumed = app.hakobu("deploy", "--dry-run")
    assert resumed.returncode == 0 and "would keep web:1" in resumed.stdout, resumed.stderr
    in_progress(tmp_path, "BLUE_GREEN")  # ECS's own: replaced, as ECS does
    native = app.hakobu("deploy", "--dry-run")
    assert native.returncode == 0 and "would deploy web:1" in native.stdout, native.stderr


def test_ps_names_the_stage_by_codedeploys_lifecycle_event() -> None:
    d = Deployment("ecs-svc/1", "PRIMARY", "web:2", 3, strategy="CODE_DEPLOY")
    d.stage = POST_TEST_TRAFFIC_SHIFT
    assert codedeploy.stage_label(d) == "AfterAllowTestTraffic"
    d.stage = BAKE_TIME
    assert codedeploy.stage_label(d) == "waiting to terminate the original task set"
    d.strategy = "CANARY"  # ECS's own canary keeps ECS's stage names
    assert codedeploy.stage_label(d) == BAKE_TIME
