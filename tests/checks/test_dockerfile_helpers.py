"""The pieces the Dockerfile rules share: image references, shell commands, .dockerignore."""

from __future__ import annotations

import pytest

from hakobu.checks.rules.dockerfile._dockerignore import excluded, parse_patterns
from hakobu.checks.rules.dockerfile._images import parse_image
from hakobu.checks.rules.dockerfile._shell import installed_packages, pip_installs
from hakobu.checks.secretwords import secret_name


@pytest.mark.parametrize(
    ("reference", "name", "tag", "digest", "official"),
    [
        ("python", "python", None, None, "python"),
        ("python:3.11-slim", "python", "3.11-slim", None, "python"),
        ("docker.io/library/node:20", "docker.io/library/node", "20", None, "node"),
        (
            "public.ecr.aws/docker/library/python:3.11",
            "public.ecr.aws/docker/library/python",
            "3.11",
            None,
            "python",
        ),
        ("localhost:5000/team/app", "localhost:5000/team/app", None, None, None),
        ("localhost:5000/app:1.0@sha256:ab", "localhost:5000/app", "1.0", "sha256:ab", None),
        ("gcr.io/distroless/static@sha256:ab", "gcr.io/distroless/static", None, "sha256:ab", None),
    ],
)
def test_parse_image(
    reference: str, name: str, tag: str | None, digest: str | None, official: str | None
) -> None:
    image = parse_image(reference)
    assert (image.name, image.tag, image.digest, image.official) == (name, tag, digest, official)


def test_installed_packages() -> None:
    script = (
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
        "--no-install-recommends -o Dpkg::Options::=--force-confnew gcc=4:12 libpq-dev; "
        "apk add --no-cache --virtual .build-deps make | tee log\n"
        "sudo yum install -y git"
    )
    assert installed_packages(script) == ["gcc", "libpq-dev", "make", "git"]


def test_pip_installs() -> None:
    script = "python3 -m pip install -U pip && /opt/venv/bin/pip install --no-cache-dir x"
    assert [words[-1] for words in pip_installs(script)] == ["pip", "x"]
    assert list(pip_installs("pip download x && pipx install y")) == []


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("NPM_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("STRIPE_API_KEY", True),
        ("apiKey", True),
        ("dbPassword", True),
        ("APIKEY", True),
        ("client-secret", True),
        ("DB_PASSWORD_FILE", False),
        ("SECRET_ARN", False),
        ("AWS_ACCESS_KEY_ID", False),
        ("PUBLIC_TOKEN", False),
        ("GPG_KEY", False),
        ("PWD", False),
        ("TOKEN_URL", False),
    ],
)
def test_secret_name(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


@pytest.mark.parametrize(
    ("patterns", "path", "out"),
    [
        (".git", ".git", True),
        (".git", ".git/HEAD", True),
        ("/.git/", ".git", True),
        ("**/.git", ".git", True),
        ("**/.git", "sub/.git", True),
        (".env*", ".env", True),
        (".env.*", ".env", False),
        ("*", ".env", True),
        ("*\n!app.py", "app.py", False),
        (".env\n!.env", ".env", False),
        ("# .git", ".git", False),
        ("[.]git", ".git", True),
        ("?git", ".git", True),
        ("sub/*.env", "sub/.env", True),
        ("", ".git", False),
    ],
)
def test_dockerignore_matching(patterns: str, path: str, out: bool) -> None:
    assert excluded(path, parse_patterns(patterns)) is out
