"""Which service-definition fields a local service honours, and which it can only warn about.

Every member of botocore's ``CreateServiceRequest`` and ``DeploymentConfiguration`` is listed
here (a test walks the shapes); a field in a WARNED table that a definition sets is named in a
warning by ``hakobu deploy``. Fields the local service refuses (another deployment controller,
DAEMON, EC2) are refused by ``spec/service.py`` with the reason. A CODE_DEPLOY service's AppSpec
properties with no local effect (PlatformVersion, NetworkConfiguration, CapacityProviderStrategy)
are named by ``APPSPEC_WARNED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVICE_EMULATED: Mapping[str, str] = {
    "serviceName": "names the service, its folder and its labels",
    "cluster": "appears in the service's ARN",
    "taskDefinition": "hakobu registers the task definition and fills in the revision",
    "desiredCount": "tasks kept running; `hakobu scale` changes it",
    "loadBalancers": "one local load balancer reaches the container port of each task",
    "deploymentConfiguration": "rolling update with minimum/maximum percent and circuit breaker",
    "healthCheckGracePeriodSeconds": "unhealthy checks ignored for this long after a task starts",
    "deploymentController": (
        "ECS (rolling update, or its blue/green, canary and linear strategies); CODE_DEPLOY "
        "(the AppSpec's hooks and [service.codedeploy]'s deployment configuration)"
    ),
    "launchType": "FARGATE",
    "schedulingStrategy": "REPLICA",
    "platformVersion": "no effect locally (Fargate's platform)",
    "networkConfiguration": "tasks join the engine's network; the load balancer reaches them",
    "tags": "no effect on how the service runs",
    "propagateTags": "no effect on how the service runs",
    "enableECSManagedTags": "no effect on how the service runs",
    "clientToken": "idempotency of the API call; nothing to do locally",
}
SERVICE_WARNED: Mapping[str, str] = {
    "serviceRegistries": "Cloud Map service discovery is not emulated",
    "capacityProviderStrategy": "capacity providers are not emulated (tasks run as FARGATE)",
    "placementConstraints": "there is no placement locally (nor on Fargate)",
    "placementStrategy": "there is no placement locally (nor on Fargate)",
    "role": "no IAM role is needed locally",
    "enableExecuteCommand": "use `podman exec` locally",
    "serviceConnectConfiguration": "Service Connect is not emulated",
    "volumeConfigurations": "volumes are not mounted locally yet",
    "vpcLatticeConfigurations": "VPC Lattice is not emulated",
    "availabilityZoneRebalancing": "there is one zone locally",
    "gatewayConnectors": "gateway connectors are not emulated",
    "monitoring": "service monitoring is not emulated",
}
DEPLOYMENT_EMULATED: Mapping[str, str] = {
    "minimumHealthyPercent": "the floor of healthy tasks during a deployment",
    "maximumPercent": "the ceiling of running tasks during a deployment",
    "deploymentCircuitBreaker": "threshold, resetOnHealthyTask and rollback as ECS counts them",
    "strategy": "ROLLING; BLUE_GREEN, CANARY and LINEAR shift traffic between target groups",
    "bakeTimeInMinutes": "both revisions run this long after the production traffic shift",
    "lifecycleHooks": "AWS_LAMBDA hooks run as local commands ([service.hooks] in hakobu.toml)",
    "linearConfiguration": "the LINEAR strategy's steps and bake time",
    "canaryConfiguration": "the CANARY strategy's share and bake time",
}
DEPLOYMENT_WARNED: Mapping[str, str] = {
    "alarms": "CloudWatch alarms are not evaluated locally",
    "earlySuccessCriteria": "early success criteria are not applied locally",
}


APPSPEC_WARNED: Mapping[str, str] = {
    "PlatformVersion": "no effect locally (Fargate's platform)",
    "NetworkConfiguration": "tasks join the engine's network; the load balancer reaches them",
    "CapacityProviderStrategy": "capacity providers are not emulated (tasks run as FARGATE)",
}


def unemulated_service_fields(raw: Mapping[str, Any]) -> list[str]:
    """One warning per field the definition sets that the local service does not honour."""
    warnings = [f"{name}: {why}" for name, why in SERVICE_WARNED.items() if name in raw]
    config = raw.get("deploymentConfiguration") or {}
    warnings += [
        f"deploymentConfiguration.{name}: {why}"
        for name, why in DEPLOYMENT_WARNED.items()
        if name in config
    ]
    if len(raw.get("loadBalancers") or ()) > 1:
        warnings.append("loadBalancers: only the first one is run locally")
    return warnings
