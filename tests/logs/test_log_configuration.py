"""validate_log_configuration: what ECS, Fargate and Fluent Bit refuse is an error naming the
container and the option; what works differently locally is a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.logs.taskdefs import awslogs, container, firelens, log_router, task

from hakobu.errors import InputError
from hakobu.logs.routes import validate_log_configuration
from hakobu.logs.store import LocalLogStore

ROOT = Path(__file__).resolve().parents[2]


def check(definition: dict[str, Any], root: Path) -> list[str]:
    return validate_log_configuration(definition, root=root)


def refused(definition: dict[str, Any], root: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        validate_log_configuration(definition, root=root, source="taskdef.json")
    assert caught.value.file == "taskdef.json"
    return caught.value


def test_the_example_app_is_valid() -> None:
    text = (ROOT / "examples/hello/taskdef.json").read_text()
    definition = json.loads(text.replace("${LOG_GROUP}", "/ecs/hello-local"))
    assert check(definition, ROOT / "examples/hello") == []


def test_a_complete_awslogs_configuration_has_no_warning(tmp_path: Path) -> None:
    definition = task(container("app", awslogs(**{"awslogs-create-group": "true"})))
    assert check(definition, tmp_path) == []


@pytest.mark.parametrize(
    ("log", "field", "message"),
    [
        ({"logDriver": "json-file"}, "logDriver", "not supported on Fargate"),
        ({"logDriver": "awslog"}, "logDriver", "unknown"),
        (awslogs(**{"awslogs-grup": "x"}), "options.awslogs-grup", "unknown awslogs option"),
        (awslogs(prefix=None), "options.awslogs-stream-prefix", "required on Fargate"),
        (awslogs(group="bad group!"), "options.awslogs-group", "invalid log group name"),
        (awslogs(prefix="a:b"), "options.awslogs-stream-prefix", "':' or '*'"),
        (awslogs(**{"awslogs-create-group": "yes"}), "awslogs-create-group", "true or false"),
        (awslogs(mode="async"), "options.mode", "blocking or non-blocking"),
        (awslogs(**{"max-buffer-size": "big"}), "max-buffer-size", "invalid max-buffer-size"),
        (awslogs(**{"awslogs-multiline-pattern": "("}), "multiline-pattern", "invalid pattern"),
        (firelens(Name="cloudwatch_logs"), "logDriver", "needs a log router"),
    ],
)
def test_refusals_name_the_container_and_option(
    tmp_path: Path, log: dict[str, Any], field: str, message: str
) -> None:
    error = refused(task(container("app", log)), tmp_path)
    assert message in error.detail
    assert error.field is not None
    assert error.field.startswith("containerDefinitions (app).logConfiguration")
    assert error.field.endswith(field)


def test_an_unknown_option_comes_with_the_one_meant(tmp_path: Path) -> None:
    error = refused(task(container("app", awslogs(**{"awslogs-grup": "x"}))), tmp_path)
    assert error.fix == 'did you mean "awslogs-group"?'


def test_local_differences_are_warnings(tmp_path: Path) -> None:
    log = awslogs(mode="non-blocking", **{"awslogs-endpoint": "https://logs.example"})
    warnings = check(task(container("app", log), container("sidecar")), tmp_path)
    assert any("non-blocking may drop lines on AWS" in w for w in warnings)
    assert any("awslogs-endpoint" in w and "local store" in w for w in warnings)
    assert any("(sidecar) has no logConfiguration" in w for w in warnings)
    assert any("/ecs/hello does not exist" in w for w in warnings)  # create-group unset


def test_no_missing_group_warning_once_the_group_exists(tmp_path: Path) -> None:
    LocalLogStore(tmp_path / ".hakobu" / "logs.db").create_group("/ecs/hello")
    assert check(task(container("app", awslogs())), tmp_path) == []


def test_firelens_options_are_checked_as_fluent_bit_would(tmp_path: Path) -> None:
    router = log_router()
    good = firelens(
        Name="cloudwatch_logs",
        region="us-west-2",
        log_group_name="/ecs/app",
        log_stream_prefix="from-",
        auto_create_group="true",
    )
    assert check(task(router, container("app", good)), tmp_path) == []
    cases = [
        (firelens(region="x"), "need Name"),
        ({**good, "options": {**good["options"], "log_grup_name": "x"}}, "unknown key"),
        ({**good, "options": {**good["options"], "Match": "*"}}, "sets Match itself"),
        (firelens(Name="s3", region="x"), "bucket is required"),
        (firelens(Name="s3", bucket="../x"), "not an S3 bucket name"),
        (firelens(Name="cloudwatch_logs", region="x", log_group_name="g"), "log_stream_name"),
        ({**good, "options": {**good["options"], "log-driver-buffer-limit": "x"}}, "0 to"),
    ]
    for log, message in cases:
        with pytest.raises(InputError, match=message):
            check(task(router, container("app", log)), tmp_path)


def test_firelens_router_settings_are_checked(tmp_path: Path) -> None:
    app = container("app", firelens(Name="null"))
    with pytest.raises(InputError, match="unknown firelensConfiguration option"):
        check(task(log_router({"enable-metadata": "false"}), app), tmp_path)
    with pytest.raises(InputError, match="file type"):
        check(task(log_router({"config-file-type": "s3", "config-file-value": "x"}), app), tmp_path)
    looping = log_router()
    looping["logConfiguration"] = firelens(Name="null")
    with pytest.raises(InputError, match="its own output to itself"):
        check(task(looping, app), tmp_path)
    fluentd = log_router()
    fluentd["firelensConfiguration"]["type"] = "fluentd"
    [warning] = check(task(fluentd, app), tmp_path)
    assert "fluentd log routers are not emulated" in warning
    fluentd["firelensConfiguration"]["type"] = "vector"
    with pytest.raises(InputError, match="unknown FireLens type 'vector'"):
        check(task(fluentd, app), tmp_path)
    with pytest.raises(InputError, match="more than one"):
        other = {**log_router(), "name": "router2"}
        check(task(log_router(), other, app), tmp_path)


def test_outputs_hakobu_cannot_emulate_are_warned_about(tmp_path: Path) -> None:
    app = container("app", firelens(Name="firehose", region="x", delivery_stream="s"))
    [warning] = check(task(log_router(), app), tmp_path)
    assert "firehose is not emulated" in warning and "/hakobu/firelens/firehose" in warning


def test_a_config_file_is_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "extra.conf").write_text("[FILTER]\n    Name grep\n    Match *\n    Regx log x\n")
    router = log_router({"config-file-type": "file", "config-file-value": "/extra.conf"})
    with pytest.raises(InputError, match=r'unknown key regx.*did you mean "regex"'):
        check(task(router, container("app", firelens(Name="null"))), tmp_path)
