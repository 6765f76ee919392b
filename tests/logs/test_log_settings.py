"""``[logs]`` in hakobu.toml: settings, and errors that name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.errors import ConfigError, InputError
from hakobu.logs.settings import LogSettings, load_log_settings
from hakobu.logs.subscriptions import CommandDestination, ConsoleDestination, WebhookDestination

GOOD = """\
[app]
name = "hello"

[logs]
archive = "archive"
archive_flush_seconds = 30

[[logs.subscriptions]]
name = "errors"
log_group = "/ecs/hello-local"
pattern = '{ $.logType = "ErrorLog" }'
destination = "http://127.0.0.1:9000/alerts"

[[logs.subscriptions]]
name = "audit"
log_group = "/ecs/hello-local"
destination = { command = ["./notify.sh", "--channel", "ops"] }

[[logs.subscriptions]]
name = "everything"
log_group = "/ecs/other"
pattern = ""
destination = "console"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hakobu.toml"
    path.write_text(text)
    return path


def test_settings_are_read(tmp_path: Path) -> None:
    settings = load_log_settings(write(tmp_path, GOOD))
    assert settings.archive == str(tmp_path / "archive")
    assert settings.archive_flush_seconds == 30
    errors, audit, everything = settings.subscriptions
    assert errors.pattern == '{ $.logType = "ErrorLog" }'
    assert errors.destination == WebhookDestination("http://127.0.0.1:9000/alerts")
    assert audit.destination == CommandDestination(("./notify.sh", "--channel", "ops"))
    assert audit.pattern == ""
    assert everything.destination == ConsoleDestination()


def test_no_logs_table_means_defaults(tmp_path: Path) -> None:
    assert load_log_settings(write(tmp_path, '[app]\nname = "x"\n')) == LogSettings()


def test_an_s3_archive_is_kept_as_is(tmp_path: Path) -> None:
    path = write(tmp_path, '[logs]\narchive = "s3://audit-logs/hello"\n')
    assert load_log_settings(path).archive == "s3://audit-logs/hello"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[logs]\narchiv = "x"\n', 2, 'unknown key "archiv"'),
        ('[logs]\narchive = "s3://"\n', 2, "no bucket"),
        ("[logs]\narchive_flush_seconds = 0\n", 2, "positive number"),
        (
            '[logs]\n[[logs.subscriptions]]\nname = "a"\nlog_group = "/g"\n'
            'destination = "console"\nwhat = 1\n',
            6,
            'unknown key "what"',
        ),
        ('[[logs.subscriptions]]\nname = "a"\ndestination = "console"\n', 1, 'missing "log_group"'),
        (
            '[[logs.subscriptions]]\nname = "a"\nlog_group = "bad group"\n'
            'destination = "console"\n',
            3,
            "invalid log group name",
        ),
        (
            '[[logs.subscriptions]]\nname = "a:b"\nlog_group = "/g"\ndestination = "console"\n',
            2,
            "no ':' or '*'",
        ),
        (
            '[[logs.subscriptions]]\nname = "a"\nlog_group = "/g"\ndestination = "mailto:x"\n',
            4,
            "invalid destination",
        ),
        (
            '[[logs.subscriptions]]\nname = "a"\nlog_group = "/g"\n'
            "destination = { command = [] }\n",
            4,
            "invalid destination",
        ),
    ],
)
def test_errors_name_the_line_and_key(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_log_settings(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line


def test_a_third_filter_on_a_group_is_refused_where_it_is(tmp_path: Path) -> None:
    text = GOOD + (
        '\n[[logs.subscriptions]]\nname = "third"\nlog_group = "/ecs/hello-local"\n'
        'destination = "console"\n'
    )
    with pytest.raises(ConfigError, match="already has 2 subscription filters") as caught:
        load_log_settings(write(tmp_path, text))
    assert caught.value.line == text.splitlines().index('name = "third"') + 2


def test_an_invalid_pattern_is_located(tmp_path: Path) -> None:
    text = '[[logs.subscriptions]]\nname = "a"\nlog_group = "/g"\npattern = "{ $.x = }"\n'
    text += 'destination = "console"\n'
    with pytest.raises(InputError) as caught:
        load_log_settings(write(tmp_path, text))
    assert caught.value.line == 4
    assert caught.value.field == "logs.subscriptions[0].pattern"


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_log_settings(write(tmp_path, "[logs\n"))
