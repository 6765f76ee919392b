from __future__ import annotations

import dataclasses

import pytest

from hakobu.errors import InputError
from hakobu.secrets.valuefrom import SecretReference, parse_value_from, strip_random_suffix

SM = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
SSM = "arn:aws:ssm:eu-west-1:123456789012:parameter/"
VID = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"

# (valueFrom, service, name, json_key, version_stage, version_id)
VALID = [
    (SM + "hello/db-AbCdEf", "secretsmanager", "hello/db", None, None, None),
    (SM + "hello/db", "secretsmanager", "hello/db", None, None, None),  # partial ARN
    (SM + "hello/db-a1B2c3:password::", "secretsmanager", "hello/db", "password", None, None),
    (SM + "hello/db-a1B2c3:password", "secretsmanager", "hello/db", "password", None, None),
    (SM + "hello/db:password:", "secretsmanager", "hello/db", "password", None, None),
    (SM + "hello/db-AbCdEf::AWSPREVIOUS:", "secretsmanager", "hello/db", None, "AWSPREVIOUS", None),
    (SM + "hello/db-AbCdEf:::" + VID, "secretsmanager", "hello/db", None, None, VID),
    (
        SM + "hello/db-AbCdEf:user:AWSCURRENT:" + VID,
        "secretsmanager",
        "hello/db",
        "user",
        "AWSCURRENT",
        VID,
    ),
    # Names with slashes and hyphens: only '-' and exactly six letters or digits is a suffix.
    (SM + "team/hello/prod/db-AbCdEf", "secretsmanager", "team/hello/prod/db", None, None, None),
    (SM + "hello/db-prod1", "secretsmanager", "hello/db-prod1", None, None, None),
    (SM + "hello/db-prod1-XyZ123", "secretsmanager", "hello/db-prod1", None, None, None),
    (SM + "my-db-password", "secretsmanager", "my-db-password", None, None, None),
    (SM + "a_b+c=d.e@f-g", "secretsmanager", "a_b+c=d.e@f-g", None, None, None),
    # The documented ambiguity: read as a complete ARN, exactly as Secrets Manager reads it.
    (SM + "hello/db-prod12", "secretsmanager", "hello/db", None, None, None),
    ("my-param", "ssm", "my-param", None, None, None),
    ("/app/db/password", "ssm", "/app/db/password", None, None, None),
    ("my_param.v2", "ssm", "my_param.v2", None, None, None),
    (SSM + "my-param", "ssm", "my-param", None, None, None),
    (SSM + "app/db/password", "ssm", "/app/db/password", None, None, None),
]


@pytest.mark.parametrize(("value_from", "service", "name", "key", "stage", "vid"), VALID)
def test_valid_forms(
    value_from: str,
    service: str,
    name: str,
    key: str | None,
    stage: str | None,
    vid: str | None,
) -> None:
    ref = parse_value_from(value_from)
    assert (ref.service, ref.name, ref.json_key, ref.version_stage, ref.version_id) == (
        service,
        name,
        key,
        stage,
        vid,
    )
    assert ref.raw == value_from


def test_arn_region_and_account() -> None:
    ref = parse_value_from(SM + "hello/db-AbCdEf")
    assert (ref.region, ref.account) == ("us-east-1", "123456789012")
    assert parse_value_from("my-param").region is None


@pytest.mark.parametrize(
    "value_from",
    [
        "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:hello/db-AbCdEf",
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:hello/db",
        "arn:aws:secretsmanager:ap-southeast-2:210987654321:secret:hello/db",
    ],
)
def test_every_environment_maps_to_one_store_key(value_from: str) -> None:
    ref = parse_value_from(value_from)
    assert (ref.service, ref.name) == ("secretsmanager", "hello/db")


INVALID = [
    "",
    " my-param",
    "my param",
    "app/db/password",  # a hierarchy must start with '/', as SSM requires
    "/app//password",
    "/app/",
    "arn:aws",
    "arn:aws:s3:::hello-config/hello.env",
    SM,  # no name
    SM + "hello/db-AbCdEf:a:b:c:d",  # too many fields
    SM + "hello db",
    "arn:aws:secretsmanager:us-east-1:12345:secret:hello/db",
    "arn:aws:secretsmanager:US-EAST-1:123456789012:secret:hello/db",
    "arn:nope:secretsmanager:us-east-1:123456789012:secret:hello/db",
    "arn:aws:secretsmanager:us-east-1:123456789012:secrets:hello/db",
    SSM,
    SSM + "/app/db/password",  # the leading slash is not doubled in an ARN
    "arn:aws:ssm:eu-west-1:123456789012:param/x",
    SSM + "app//x",
]


@pytest.mark.parametrize("value_from", INVALID)
def test_invalid_forms(value_from: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_value_from(value_from)
    message = str(caught.value)
    assert "valueFrom" in message
    assert "expected" in message or "write" in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_doubled_slash_error_shows_the_right_arn() -> None:
    with pytest.raises(InputError, match=r"write \.\.\.:parameter/app/db/password"):
        parse_value_from(SSM + "/app/db/password")


def test_reference_is_frozen() -> None:
    ref = parse_value_from("my-param")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.name = "other"  # type: ignore[misc]


def test_strip_random_suffix() -> None:
    assert strip_random_suffix("db-AbCdEf") == "db"
    assert strip_random_suffix("db-AbCdE") == "db-AbCdE"
    assert strip_random_suffix("db-AbCdE_") == "db-AbCdE_"
    assert strip_random_suffix("-AbCdEf") == "-AbCdEf"


def test_describe() -> None:
    ref = SecretReference("secretsmanager", "hello/db", json_key="password", version_stage="X")
    assert ref.describe() == "hello/db (key password, stage X)"
    assert SecretReference("ssm", "/a/b").describe() == "ssm parameter /a/b"
