"""awslogs naming and multi-line events; Fluent Bit configuration files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hakobu.errors import InputError
from hakobu.logs.awslogs import (
    AWSLOGS_MAX_EVENT_BYTES,
    MULTILINE_FLUSH_SECONDS,
    AwslogsConfig,
    MultilineAssembler,
    buffer_size_bytes,
    strftime_regex,
)
from hakobu.logs.fluentbit import is_on, load_config, resolve_image_path, tag_matches


def test_stream_name_is_prefix_container_task() -> None:
    config = AwslogsConfig("/ecs/app", "ap-northeast-1", "web", False, None, False)
    assert config.stream_name("app", "0123abcd") == "web/app/0123abcd"


def test_datetime_format_becomes_dockers_regex() -> None:
    regex = re.compile(strftime_regex(r"\[%b %d, %Y %H:%M:%S\]"))
    assert regex.search("[May 01, 2017 19:00:01] A message was logged")
    assert not regex.search("Some random message")
    assert strftime_regex("%Y-%m-%dT%H:%M:%S%L") == (
        r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[1,2][0-9]|3[0,1])T(?:[0,1][0-9]|2[0-3]):[0-5][0-9]:"
        r"[0-5][0-9]\.\d{3}"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1m", 1 << 20), ("25m", 25 << 20), ("512k", 512 << 10), ("4MB", 4 << 20)],
)
def test_max_buffer_size_as_docker_reads_it(text: str, expected: int) -> None:
    assert buffer_size_bytes(text) == expected
    assert buffer_size_bytes("lots") is None


def test_multiline_events_join_lines_until_the_next_start_as_dockers_docs_show() -> None:
    assembler = MultilineAssembler(re.compile("^INFO"))
    lines = [
        "INFO A message was logged",
        "INFO Another multi-line message was logged",
        "     Some random message",
        "INFO Another message was logged",
    ]
    events = []
    for offset, line in enumerate(lines):
        events += assembler.add(1000 + offset, line, "stdout", offset * 100, now=0.0)
    assert assembler.pending_offset == 300  # the last event is still open
    events += assembler.flush()
    assert [(ts, text) for ts, text, _ in events] == [
        (1000, "INFO A message was logged\n"),
        (1001, "INFO Another multi-line message was logged\n     Some random message\n"),
        (1003, "INFO Another message was logged\n"),
    ]
    assert assembler.pending_offset is None


def test_an_open_multiline_event_is_flushed_after_dockers_period() -> None:
    assembler = MultilineAssembler(re.compile("^START"))
    assembler.add(1, "START", "stderr", 0, now=10.0)
    assert assembler.flush_if_stale(10.0 + MULTILINE_FLUSH_SECONDS - 0.1) == []
    assert assembler.flush_if_stale(10.0 + MULTILINE_FLUSH_SECONDS) == [(1, "START\n", "stderr")]


def test_a_multiline_event_never_grows_past_the_event_limit() -> None:
    assembler = MultilineAssembler(re.compile("^START"))
    chunk = "x" * (AWSLOGS_MAX_EVENT_BYTES // 3)
    done = assembler.add(1, "START " + chunk, "stdout", 0, now=0)
    for offset in range(1, 4):
        done += assembler.add(1 + offset, chunk, "stdout", offset, now=0)
    done += assembler.flush()
    assert len(done) == 2
    assert all(len(text.encode()) <= AWSLOGS_MAX_EVENT_BYTES for _, text, _ in done)


def test_without_a_pattern_long_lines_are_split_and_nothing_waits() -> None:
    assembler = MultilineAssembler(None)
    done = assembler.add(1, "y" * (AWSLOGS_MAX_EVENT_BYTES + 1), "stdout", 0, now=0)
    assert [len(text) for _, text, _ in done] == [AWSLOGS_MAX_EVENT_BYTES, 1]
    assert assembler.pending_offset is None


# -- Fluent Bit files ------------------------------------------------------------------------


def test_config_sections_include_set_and_repeated_keys(tmp_path: Path) -> None:
    conf = tmp_path / "fluent-bit" / "etc"
    conf.mkdir(parents=True)
    (conf / "extra.conf").write_text(
        "# comment\n@SET GROUP=/ecs/app\n[SERVICE]\n    Flush 1\n@INCLUDE outputs.conf\n"
        "[FILTER]\n    Name   modify\n    Match  *\n    Add a 1\n    Add b 2\n"
    )
    (conf / "outputs.conf").write_text(
        "[OUTPUT]\n    Name cloudwatch_logs\n    Match *\n    log_group_name ${GROUP}\n"
    )
    config = load_config("/fluent-bit/etc/extra.conf", tmp_path)
    assert [s.kind for s in config.sections] == ["service", "output", "filter"]
    output, modify = config.of_kind("output")[0], config.of_kind("filter")[0]
    assert output.get("log_group_name") == "/ecs/app"
    assert modify.all("add") == ["a 1", "b 2"] and modify.name == "modify"


def test_image_paths_resolve_under_the_app_root_or_by_name(tmp_path: Path) -> None:
    (tmp_path / "extra.conf").write_text("[SERVICE]\n")
    assert resolve_image_path("/etc/fluent/extra.conf", tmp_path) == tmp_path / "extra.conf"
    builtin = "/fluent-bit/configs/parse-json.conf"
    assert resolve_image_path(builtin, tmp_path) == builtin
    with pytest.raises(InputError, match=r"missing\.conf is not in the app"):
        resolve_image_path("/fluent-bit/etc/missing.conf", tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Name x\n", "outside any"),
        ("@FOO bar\n", "unknown directive"),
        ("@SET novalue\n", "NAME=VALUE"),
        ("@INCLUDE self.conf\n", "nests too deep"),
    ],
)
def test_bad_config_files_are_located(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "self.conf").write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        load_config("/self.conf", tmp_path)
    assert caught.value.file is not None


def test_yaml_configs_are_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "fluent.yaml").write_text("pipeline: {}\n")
    with pytest.raises(InputError, match="YAML"):
        load_config("/fluent.yaml", tmp_path)


def test_match_wildcards_and_booleans() -> None:
    assert tag_matches("app-firelens*", "app-firelens-0123")
    assert tag_matches("*", "anything")
    assert not tag_matches("app-firelens*", "db-firelens-0123")
    assert not tag_matches("app", "app2")
    assert is_on("On") and is_on("true") and not is_on("off") and is_on(None, default=True)
