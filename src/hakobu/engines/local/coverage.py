"""Which task-definition fields the local engine emulates, and which it can only warn about.

Nothing is silently ignored: every member of botocore's ``RegisterTaskDefinitionRequest``,
``ContainerDefinition`` and ``LinuxParameters`` shapes is listed here (a test walks the shapes),
and a field in WARNED that a task definition sets produces a warning naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Field -> how it is honoured locally (for docs and for reviewers).
TASK_EMULATED: Mapping[str, str] = {
    "family": "names the task and its resources",
    "executionRoleArn": "the local secret store and local images stand in for what it grants",
    "networkMode": "awsvpc: the containers of a task share one network namespace (a pod)",
    "containerDefinitions": "every container runs in the task's pod",
    "requiresCompatibilities": "Fargate's rules are applied",
    "cpu": "the task's hard CPU limit (pod --cpus)",
    "memory": "the task's hard memory limit (pod --memory)",
    "tags": "no effect on how containers run, on ECS either",
    "pidMode": "task: the containers share one PID namespace",
    "runtimePlatform": "checked against this machine's architecture",
}
TASK_WARNED: Mapping[str, str] = {
    "taskRoleArn": "containers get no IAM role credentials locally",
    "volumes": "volumes are not mounted locally yet",
    "placementConstraints": "there is no placement locally (nor on Fargate)",
    "ipcMode": "not supported on Fargate; ignored locally",
    "proxyConfiguration": "App Mesh proxies are not emulated",
    "inferenceAccelerators": "accelerators are not emulated",
    "ephemeralStorage": "local storage has no size limit",
    "enableFaultInjection": "fault injection endpoints are not emulated",
    "trustedExecutionConfiguration": "trusted execution (ECS Managed Instances) is not emulated",
}
CONTAINER_EMULATED: Mapping[str, str] = {
    "name": "names the container",
    "image": "run as given, or the built image for <IMAGE1_NAME>",
    "cpu": "relative CPU shares",
    "memory": "the container's hard memory limit",
    "memoryReservation": "the container's soft memory limit",
    "portMappings": "published on 127.0.0.1 at the container port (or the environment's port)",
    "essential": "an essential container's exit stops the task",
    "restartPolicy": "restarts as ECS does, after restartAttemptPeriod",
    "entryPoint": "replaces the image's ENTRYPOINT",
    "command": "replaces the image's CMD",
    "environment": "set in the container (over environmentFiles, as on ECS)",
    "environmentFiles": "each S3 ARN maps to a local file per environment in hakobu.toml",
    "linuxParameters": "capabilities, initProcessEnabled and tmpfs; other members warned",
    "secrets": "injected from the local secret store as engine secrets",
    "dependsOn": "START, COMPLETE, SUCCESS and HEALTHY, with startTimeout",
    "startTimeout": "bounds the wait for a dependency's condition",
    "stopTimeout": "SIGTERM, then SIGKILL after this many seconds",
    "user": "the user the process runs as",
    "workingDirectory": "the process's working directory",
    "readonlyRootFilesystem": "a read-only root with no extra tmpfs, as on Fargate",
    "ulimits": "passed to the engine (which may refuse to raise them)",
    "healthCheck": "run by hakobu inside the container, as ECS runs it",
    "dockerLabels": "set as container labels",
    "versionConsistency": "the local image is used exactly as built",
    "logConfiguration": "awslogs and awsfirelens: to the local store and archive (docs/logs.md)",
    "firelensConfiguration": "Fluent Bit config files read for their outputs and filters",
}
CONTAINER_WARNED: Mapping[str, str] = {
    "repositoryCredentials": "the engine's own registry login is used",
    "links": "not supported in awsvpc mode",
    "mountPoints": "volumes are not mounted locally yet",
    "volumesFrom": "volumes are not mounted locally yet",
    "hostname": "not supported in awsvpc mode",
    "disableNetworking": "not supported in awsvpc mode",
    "privileged": "not supported on Fargate; not applied locally",
    "dnsServers": "not supported in awsvpc mode",
    "dnsSearchDomains": "not supported in awsvpc mode",
    "extraHosts": "not supported in awsvpc mode",
    "dockerSecurityOptions": "not applied locally",
    "interactive": "no terminal is attached locally",
    "pseudoTerminal": "no terminal is attached locally",
    "systemControls": "sysctls are not applied locally",
    "resourceRequirements": "GPUs are not emulated",
    "credentialSpecs": "Windows credential specs are not emulated",
}
LINUX_EMULATED: Mapping[str, str] = {
    "capabilities": "--cap-add / --cap-drop",
    "initProcessEnabled": "an init process (catatonit) forwards signals and reaps zombies",
    "tmpfs": "tmpfs mounts of the given size",
}
LINUX_WARNED: Mapping[str, str] = {
    "devices": "not supported on Fargate",
    "sharedMemorySize": "not supported on Fargate",
    "maxSwap": "not supported on Fargate",
    "swappiness": "not supported on Fargate",
}


def _is_set(value: Any) -> bool:
    return value not in (None, [], {}, "")


def unemulated_fields(raw: Mapping[str, Any]) -> list[str]:
    """One warning per field the task definition sets that the local engine cannot honour."""
    warnings = [f"{key}: {TASK_WARNED[key]}" for key in TASK_WARNED if _is_set(raw.get(key))]
    for i, container in enumerate(raw.get("containerDefinitions", ())):
        where = f"containerDefinitions[{i}] ({container.get('name', '?')})"
        for key, why in CONTAINER_WARNED.items():
            if _is_set(container.get(key)):
                warnings.append(f"{where}.{key}: {why}")
        linux = container.get("linuxParameters") or {}
        for key, why in LINUX_WARNED.items():
            if _is_set(linux.get(key)):
                warnings.append(f"{where}.linuxParameters.{key}: {why}")
    if raw.get("ipcMode") is None and raw.get("pidMode") not in (None, "task"):
        warnings.append(f"pidMode: {raw['pidMode']!r} is not supported on Fargate; not applied")
    return warnings
