"""Registration and Fargate rules.

Sources: "Task CPU and memory" and "Amazon ECS task definition differences for Fargate"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html), and
ContainerDefinition / HealthCheck in the ECS API reference.
"""

from __future__ import annotations

from typing import Any

import pytest

from hakobu.spec.fargate import (
    FARGATE_SIZES,
    check_task_definition,
    parse_cpu,
    parse_memory,
    uses_fargate,
)
from hakobu.spec.problem import Problem


def container(name: str = "web", **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", **fields}


def task(*containers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "family": "hello",
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": list(containers) or [container()],
        **fields,
    }


def problems(raw: dict[str, Any], *, fargate: bool = True) -> list[Problem]:
    return check_task_definition(raw, fargate=fargate)


def only(raw: dict[str, Any], *, fargate: bool = True) -> Problem:
    found = problems(raw, fargate=fargate)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("256", 256),
        ("1024", 1024),
        ("1 vCPU", 1024),
        ("1 vcpu", 1024),
        ("0.25 vCPU", 256),
        (".5 vcpu", 512),
        ("16 vCPU", 16384),
        (" 2vCPU ", 2048),
        ("1.1 vCPU", None),
        ("256.5", None),
        ("one", None),
        ("1 core", None),
        ("", None),
    ],
)
def test_parse_cpu(text: str, units: int | None) -> None:
    assert parse_cpu(text) == units


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("512", 512),
        ("2 GB", 2048),
        ("2GB", 2048),
        ("0.5 GB", 512),
        ("120 gb", 122880),
        ("1 GiB", None),
        ("512 MB", None),
        ("1.3 GB", None),
    ],
)
def test_parse_memory(text: str, mib: int | None) -> None:
    assert parse_memory(text) == mib


# The table of "Task CPU and memory" (Fargate), spot-checked at its edges.
VALID_SIZES = [
    ("256", "512"),
    ("256", "1024"),
    ("256", "2048"),
    ("512", "1024"),
    ("512", "4096"),
    ("1024", "2048"),
    ("1024", "8192"),
    ("2048", "4096"),
    ("2048", "16384"),
    ("4096", "8192"),
    ("4096", "30720"),
    ("8192", "16384"),
    ("8192", "20480"),
    ("8192", "61440"),
    ("16384", "32768"),
    ("16384", "40960"),
    ("16384", "122880"),
    ("1 vCPU", "2 GB"),
    ("0.25 vCPU", "0.5 GB"),
    ("8 vCPU", "60 GB"),
]
INVALID_SIZES = [
    ("256", "3072"),
    ("256", "256"),
    ("512", "512"),
    ("512", "5120"),
    ("1024", "1024"),
    ("1024", "9216"),
    ("2048", "3072"),
    ("2048", "17408"),
    ("4096", "31744"),
    ("8192", "17408"),  # 8 vCPU goes in 4 GB steps
    ("8192", "65536"),
    ("16384", "36864"),  # 16 vCPU goes in 8 GB steps
    ("16384", "131072"),
]


@pytest.mark.parametrize(("cpu", "memory"), VALID_SIZES)
def test_valid_fargate_sizes(cpu: str, memory: str) -> None:
    assert problems(task(cpu=cpu, memory=memory)) == []


@pytest.mark.parametrize(("cpu", "memory"), INVALID_SIZES)
def test_invalid_fargate_sizes(cpu: str, memory: str) -> None:
    problem = only(task(cpu=cpu, memory=memory))
    assert problem.field == "memory"
    assert f"for cpu {parse_cpu(cpu)}" in problem.message


def test_size_table_counts() -> None:
    assert [len(v) for v in FARGATE_SIZES.values()] == [3, 4, 7, 13, 23, 12, 12]


def test_invalid_task_cpu_lists_the_sizes() -> None:
    problem = only(task(cpu="300"))
    assert problem.field == "cpu"
    assert "256, 512, 1024, 2048, 4096, 8192, 16384" in (problem.fix or "")


def test_fargate_needs_task_cpu_and_memory() -> None:
    raw = task()
    del raw["memory"]
    assert only(raw).field == "memory"


def test_fargate_needs_awsvpc() -> None:
    problem = only(task(networkMode="bridge"))
    assert problem.field == "networkMode"
    raw = task()
    del raw["networkMode"]
    assert "not the default" in only(raw).message


def test_fargate_flag_and_requires_compatibilities() -> None:
    ec2 = task(networkMode="bridge", cpu="300", memory="100")
    assert problems(ec2, fargate=False) == []
    assert not uses_fargate(ec2)
    ec2["requiresCompatibilities"] = ["EC2", "FARGATE"]
    assert uses_fargate(ec2)
    assert problems(ec2, fargate=False)  # ECS would refuse it at registration


@pytest.mark.parametrize(("value", "ok"), [(2, True), (120, True), (1, False), (121, False)])
def test_stop_and_start_timeout_on_fargate(value: int, ok: bool) -> None:
    for field in ("stopTimeout", "startTimeout"):
        found = problems(task(container("web", **{field: value})))
        assert (found == []) is ok
        if not ok:
            assert found[0].field == f"containerDefinitions[0].{field}"
    assert problems(task(container(stopTimeout=300), networkMode="bridge"), fargate=False) == []


def test_host_port_must_equal_container_port() -> None:
    mapping = {"containerPort": 80, "hostPort": 8080}
    problem = only(task(container(portMappings=[mapping])))
    assert problem.field == "containerDefinitions[0].portMappings[0].hostPort"
    same = {"containerPort": 80, "hostPort": 80}
    assert problems(task(container(portMappings=[same, {"containerPort": 81}]))) == []
    bridge = task(container(portMappings=[mapping]), networkMode="bridge")
    assert problems(bridge, fargate=False) == []


def test_container_names_unique_and_well_formed() -> None:
    assert only(task(container("web"), container("web"))).field == "containerDefinitions[1].name"
    assert "invalid container name" in only(task(container("web app"))).message
    nameless = {"image": "nginx"}
    assert only(task(nameless)).field == "containerDefinitions[0].name"


def test_every_container_needs_an_image() -> None:
    problem = only(task({"name": "web"}))
    assert problem.field == "containerDefinitions[0].image"
    assert only(task(container(image=""))).field == "containerDefinitions[0].image"


def test_at_least_one_essential_container() -> None:
    problem = only(task(container(essential=False)))
    assert problem.field == "containerDefinitions"
    assert problems(task(container(essential=False), container("main"))) == []


def dep(name: str, condition: str = "START") -> dict[str, str]:
    return {"containerName": name, "condition": condition}


def test_depends_on_unknown_container() -> None:
    problem = only(task(container(dependsOn=[dep("db")])))
    assert problem.field == "containerDefinitions[0].dependsOn[0].containerName"
    assert "containers: web" in (problem.fix or "")


def test_depends_on_itself() -> None:
    assert "itself" in only(task(container(dependsOn=[dep("web")]))).message


def test_depends_on_cycle_names_the_cycle() -> None:
    raw = task(
        container("a", dependsOn=[dep("b")]),
        container("b", dependsOn=[dep("c")]),
        container("c", dependsOn=[dep("a")]),
        container("d", dependsOn=[dep("a")]),
    )
    problem = only(raw)
    assert problem.message == "dependsOn cycle: a -> b -> c -> a"
    assert problem.field == "containerDefinitions[2].dependsOn[0].containerName"


def test_diamond_is_not_a_cycle() -> None:
    raw = task(
        container("a", dependsOn=[dep("b"), dep("c")]),
        container("b", dependsOn=[dep("d")]),
        container("c", dependsOn=[dep("d")]),
        container("d"),
    )
    assert problems(raw) == []


def test_healthy_needs_a_health_check() -> None:
    raw = task(container(dependsOn=[dep("db", "HEALTHY")]), container("db"))
    assert only(raw).field == "containerDefinitions[0].dependsOn[0].condition"
    check = {"command": ["CMD", "pg_isready"]}
    raw = task(container(dependsOn=[dep("db", "HEALTHY")]), container("db", healthCheck=check))
    assert problems(raw) == []


@pytest.mark.parametrize("condition", ["COMPLETE", "SUCCESS"])
def test_complete_and_success_need_a_non_essential_dependency(condition: str) -> None:
    raw = task(container(dependsOn=[dep("init", condition)]), container("init"))
    assert "essential" in only(raw).message
    raw = task(container(dependsOn=[dep("init", condition)]), container("init", essential=False))
    assert problems(raw) == []


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("interval", 5, 300), ("timeout", 2, 60), ("retries", 1, 10), ("startPeriod", 0, 300)],
)
def test_health_check_ranges(field: str, low: int, high: int) -> None:
    def check(value: int) -> list[Problem]:
        health = {"command": ["CMD", "true"], field: value}
        return problems(task(container(healthCheck=health)))

    assert check(low) == [] and check(high) == []
    for bad in (low - 1, high + 1):
        (problem,) = check(bad)
        assert problem.field == f"containerDefinitions[0].healthCheck.{field}"


def test_empty_health_check_command() -> None:
    found = only(task(container(healthCheck={"command": []})))
    assert found.field == "containerDefinitions[0].healthCheck.command"


def test_container_memory_and_cpu_fit_in_the_task() -> None:
    raw = task(container(memory=256), container("b", memoryReservation=256))
    assert problems(raw) == []
    raw = task(container(memory=256), container("b", memoryReservation=257))
    assert only(raw).field == "memory"
    raw = task(container(cpu=128), container("b", cpu=129))
    assert only(raw).field == "cpu"


def test_memory_reservation_above_memory() -> None:
    found = only(task(container(memory=128, memoryReservation=256)))
    assert found.field == "containerDefinitions[0].memoryReservation"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"privileged": True}, "containerDefinitions[0].privileged"),
        ({"links": ["db"]}, "containerDefinitions[0].links"),
        ({"dnsServers": ["10.0.0.2"]}, "containerDefinitions[0].dnsServers"),
        (
            {"linuxParameters": {"tmpfs": [{"containerPath": "/t", "size": 64}]}},
            "containerDefinitions[0].linuxParameters.tmpfs",
        ),
        (
            {"linuxParameters": {"capabilities": {"add": ["NET_ADMIN"]}}},
            "containerDefinitions[0].linuxParameters.capabilities.add[0]",
        ),
    ],
)
def test_parameters_fargate_does_not_support(fields: dict[str, Any], field: str) -> None:
    assert only(task(container(**fields))).field == field


def test_fargate_task_level_unsupported() -> None:
    assert only(task(ipcMode="task")).field == "ipcMode"
    volume = {"name": "v", "dockerVolumeConfiguration": {"scope": "task"}}
    assert only(task(volumes=[volume])).field == "volumes[0].dockerVolumeConfiguration"
    ptrace = {"capabilities": {"add": ["SYS_PTRACE"]}}
    assert problems(task(container(linuxParameters=ptrace))) == []


def test_windows_needs_one_vcpu() -> None:
    windows = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
    assert only(task(runtimePlatform=windows)).field == "cpu"
    assert problems(task(runtimePlatform=windows, cpu="1024", memory="2048")) == []


def test_invalid_family() -> None:
    assert only(task(family="my app")).field == "family"


def test_environment_variable_needs_a_name() -> None:
    found = only(task(container(environment=[{"value": "x"}])))
    assert found.field == "containerDefinitions[0].environment[0].name"
