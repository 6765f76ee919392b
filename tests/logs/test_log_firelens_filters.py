"""The Fluent Bit filters FireLens emulation applies, against the behaviour Fluent Bit documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hakobu.errors import InputError
from hakobu.logs.firelens_filters import build_filters, lookup
from hakobu.logs.fluentbit import load_config

TAG = "app-firelens-0123"


def run(
    tmp_path: Path, conf: str, record: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[str]]:
    (tmp_path / "f.conf").write_text(conf)
    warnings: list[str] = []
    filters = build_filters(load_config("/f.conf", tmp_path), warnings)
    out: dict[str, Any] | None = record
    for f in filters:
        assert out is not None
        out = f.apply(TAG, out)
        if out is None:
            break
    return out, warnings


def test_record_accessors() -> None:
    record = {"log": "x", "k8s": {"labels": {"app": "web"}}, "list": [1, 2]}
    assert lookup(record, "$k8s['labels']['app']") == "web"
    assert lookup(record, "log") == "x"
    assert lookup(record, "$list[1]") == 2
    assert lookup(record, "$k8s['missing']['x']") is None


@pytest.mark.parametrize(
    ("rules", "log", "kept"),
    [
        ("Regex log ^ERROR", "ERROR boom", True),
        ("Regex log ^ERROR", "INFO fine", False),
        ("Exclude log health", "GET /health", False),
        ("Regex log a\n    Regex log b", "only a", False),
        ("Logical_Op or\n    Regex log a\n    Regex log b", "only a", True),
        ("Regex missing x", "anything", False),
        ("Exclude missing x", "anything", True),
    ],
)
def test_grep(tmp_path: Path, rules: str, log: str, kept: bool) -> None:
    out, _ = run(tmp_path, f"[FILTER]\n    Name grep\n    Match *\n    {rules}\n", {"log": log})
    assert (out is not None) == kept


def test_modify_rules_and_conditions(tmp_path: Path) -> None:
    conf = """[FILTER]
    Name modify
    Match app-*
    Condition Key_value_equals level error
    Set alert true
    Add team ops
    Rename msg message
    Copy level severity
    Remove debug
"""
    record = {"level": "error", "msg": "m", "debug": 1, "team": "dev"}
    out, _ = run(tmp_path, conf, record)
    assert out == {
        "level": "error",
        "team": "dev",
        "alert": "true",
        "message": "m",
        "severity": "error",
    }
    untouched, _ = run(tmp_path, conf, {"level": "info"})
    assert untouched == {"level": "info"}


def test_record_modifier(tmp_path: Path) -> None:
    conf = """[FILTER]
    Name record_modifier
    Match *
    Record hostname local
    Allowlist_key log
"""
    out, _ = run(tmp_path, conf, {"log": "x", "noise": 1})
    assert out == {"log": "x", "hostname": "local"}


def test_parser_json_without_reserve_data_keeps_only_the_parsed_fields(tmp_path: Path) -> None:
    conf = "[FILTER]\n    Name parser\n    Match *\n    Key_Name log\n    Parser json\n"
    out, _ = run(tmp_path, conf, {"log": '{"a": 1}', "source": "stdout"})
    assert out == {"a": 1}
    not_json, _ = run(tmp_path, conf, {"log": "plain", "source": "stdout"})
    assert not_json == {"log": "plain", "source": "stdout"}


def test_parser_regex_with_preserve_key(tmp_path: Path) -> None:
    conf = """[PARSER]
    Name   access
    Format regex
    Regex  ^(?<method>\\S+) (?<path>\\S+)$

[FILTER]
    Name parser
    Match *
    Key_Name log
    Parser access
    Preserve_Key On
    Reserve_Data On
"""
    out, _ = run(tmp_path, conf, {"log": "GET /x", "source": "stdout"})
    assert out == {"source": "stdout", "log": "GET /x", "method": "GET", "path": "/x"}


def test_filters_not_emulated_warn_and_pass_records(tmp_path: Path) -> None:
    out, warnings = run(tmp_path, "[FILTER]\n    Name lua\n    Match *\n", {"log": "x"})
    assert out == {"log": "x"}
    assert "filter lua is not emulated" in warnings[0]


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ("[FILTER]\n    Name parser\n    Match *\n    Parser json\n", "Key_Name is required"),
        (
            "[FILTER]\n    Name parser\n    Match *\n    Key_Name log\n    Parser nope\n",
            r"no \[PARSER\] named nope",
        ),
        (
            "[FILTER]\n    Name modify\n    Match *\n    Condition A_key_matches x y\n",
            "not emulated",
        ),
        ("[FILTER]\n    Name grep\n    Match *\n    Regex\n", "expected KEY VALUE"),
    ],
)
def test_invalid_filters_are_errors(tmp_path: Path, conf: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        run(tmp_path, conf, {})
    assert caught.value.file == str(tmp_path / "f.conf") and caught.value.line == 1
