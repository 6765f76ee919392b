"""Nothing in a task definition is silently ignored by the local engine: every member of botocore's
task and container definition shapes is either emulated or produces a warning."""

from __future__ import annotations

import botocore.session
import pytest

from hakobu.engines.local import coverage


def _members(shape: str) -> set[str]:
    model = botocore.session.get_session().get_service_model("ecs")
    return set(model.shape_for(shape).members)


@pytest.mark.parametrize(
    ("shape", "emulated", "warned"),
    [
        ("RegisterTaskDefinitionRequest", coverage.TASK_EMULATED, coverage.TASK_WARNED),
        ("ContainerDefinition", coverage.CONTAINER_EMULATED, coverage.CONTAINER_WARNED),
        ("LinuxParameters", coverage.LINUX_EMULATED, coverage.LINUX_WARNED),
    ],
)
def test_every_member_is_emulated_or_warned(
    shape: str, emulated: dict[str, str], warned: dict[str, str]
) -> None:
    members = _members(shape)
    assert set(emulated) & set(warned) == set()
    assert members - set(emulated) - set(warned) == set(), (
        "new ECS fields: decide how each runs locally"
    )
    assert set(emulated) | set(warned) <= members, "fields botocore no longer has"


def test_each_warned_field_that_is_set_is_named() -> None:
    container = {name: "x" for name in coverage.CONTAINER_WARNED}
    container["linuxParameters"] = {name: 1 for name in coverage.LINUX_WARNED}
    raw = {name: "x" for name in coverage.TASK_WARNED} | {
        "containerDefinitions": [container | {"name": "web"}]
    }
    warnings = coverage.unemulated_fields(raw)
    for name in coverage.TASK_WARNED:
        assert any(w.startswith(f"{name}:") for w in warnings), name
    for name in coverage.CONTAINER_WARNED:
        assert any(w.startswith(f"containerDefinitions[0] (web).{name}:") for w in warnings), name
    for name in coverage.LINUX_WARNED:
        assert any(f".linuxParameters.{name}:" in w for w in warnings), name


def test_fields_left_empty_are_not_warned() -> None:
    raw = {
        "volumes": [],
        "containerDefinitions": [{"name": "a", "mountPoints": [], "dockerLabels": {}}],
    }
    assert coverage.unemulated_fields(raw) == []
