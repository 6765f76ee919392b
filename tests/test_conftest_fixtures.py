"""The shared fixtures of tests/conftest.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]


def test_hakobu_home_is_private_to_the_test(hakobu_home: Path, tmp_path: Path) -> None:
    assert os.environ["HAKOBU_HOME"] == str(hakobu_home)
    assert hakobu_home.is_dir()
    assert hakobu_home.is_relative_to(tmp_path)


def test_hakobu_home_applies_without_asking() -> None:
    home = Path(os.environ["HAKOBU_HOME"])
    assert not home.is_relative_to(Path.home() / ".local")


@pytest.mark.podman
def test_base_images_are_there(busybox_image: str, python_image: str) -> None:
    assert busybox_image == "localhost/hakobu/busybox:1.35"
    assert python_image == "docker.io/library/python:3.11-slim-bookworm"


def test_cli_returns_the_exit_code_and_output(cli: Cli) -> None:
    code, out, err = cli("--version")
    assert code == 0
    assert out.startswith("hakobu ")
    assert err == ""


def test_cli_turns_usage_errors_into_exit_code_2(cli: Cli) -> None:
    result = cli("no-such-command")
    assert result.code == 2
    assert "hakobu: error:" in result.err
    assert result.out == ""


def test_cli_restores_the_working_directory_after_dash_c(cli: Cli, tmp_path: Path) -> None:
    before = os.getcwd()
    cli("-C", str(tmp_path), "--version")
    cli("-C", str(tmp_path), "render")  # no hakobu.toml there: an error, after the chdir
    assert os.getcwd() == before


def test_cli_passes_stdin(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from hakobu.cli import main as cli_main

    seen: list[str] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(sys.stdin.read())
        print("done")
        return 3

    monkeypatch.setattr(cli_main, "main", fake_main)
    assert cli("x", stdin="secret value") == (3, "done\n", "")
    assert seen == ["secret value"]
