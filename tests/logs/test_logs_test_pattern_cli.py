"""``hakobu logs test-pattern``: the counterpart of ``aws logs test-metric-filter``; and plain
``hakobu logs`` keeps its options next to the new action."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hakobu.cli import main as cli

Run = Callable[..., tuple[int, str, str]]
APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.chdir(tmp_path)  # no hakobu.toml: test-pattern needs no app

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        try:
            code = cli.main(list(argv))
        except SystemExit as e:  # argparse errors and --help
            code = int(e.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_prints_matches_shaped_like_test_metric_filter(run: Run) -> None:
    code, out, err = run(
        "logs",
        "test-pattern",
        "--pattern",
        "[ip, user, ..., status_code = 4*, bytes > 1000]",
        "no match here",
        APACHE,
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "matches": [
            {
                "eventNumber": 2,
                "eventMessage": APACHE,
                "extractedValues": {
                    "$ip": "127.0.0.1",
                    "$user": "-",
                    "$3": "frank",
                    "$4": "10/Oct/2000:13:25:15 -0700",
                    "$5": "GET /index.html HTTP/1.0",
                    "$status_code": "404",
                    "$bytes": "1534",
                },
            }
        ]
    }


def test_json_patterns_extract_the_selected_fields(run: Run) -> None:
    code, out, _ = run(
        "logs",
        "test-pattern",
        "--pattern",
        '{ $.logType = "ErrorLog" && $.latency > 100 }',
        '{"logType": "ErrorLog", "latency": 250}',
        '{"logType": "AccessLog", "latency": 250}',
        '{"logType": "ErrorLog", "latency": 5}',
    )
    assert code == 0
    assert json.loads(out)["matches"] == [
        {
            "eventNumber": 1,
            "eventMessage": '{"logType": "ErrorLog", "latency": 250}',
            "extractedValues": {"$.logType": "ErrorLog", "$.latency": "250"},
        }
    ]


def test_text_patterns_number_events_from_one_and_extract_nothing(run: Run) -> None:
    code, out, _ = run(
        "logs", "test-pattern", "--pattern", "?ERROR ?WARN", "WARN a", "INFO", "ERROR"
    )
    assert code == 0
    matches = json.loads(out)["matches"]
    assert [(m["eventNumber"], m["extractedValues"]) for m in matches] == [(1, {}), (3, {})]


def test_no_match_is_an_empty_list_and_success(run: Run) -> None:
    assert run("logs", "test-pattern", "--pattern", "ERROR", "fine")[:2] == (
        0,
        '{\n  "matches": []\n}\n',
    )


def test_patterns_and_messages_that_start_with_a_dash(run: Run) -> None:
    code, out, _ = run("logs", "test-pattern", "--pattern=-ERROR", "--", "-x", "ERROR")
    assert code == 0
    assert [m["eventMessage"] for m in json.loads(out)["matches"]] == ["-x"]


def test_an_invalid_pattern_exits_2_with_the_reason_on_one_line(run: Run) -> None:
    code, out, err = run("logs", "test-pattern", "--pattern", "%a(b)%", "ab")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("hakobu: error: filter pattern: '(' is not supported")
    assert "at column 3" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("logs", "test-pattern", "ERROR"),  # no --pattern
        ("logs", "test-pattern", "--pattern", "ERROR"),  # no message
        ("logs", "test-patterns", "--pattern", "x", "y"),  # no such action
    ],
)
def test_usage_errors_exit_2(run: Run, argv: tuple[str, ...]) -> None:
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert err.startswith("hakobu: error:")


def test_help_lists_the_action_and_keeps_the_options(run: Run) -> None:
    code, out, _ = run("logs", "--help")
    assert code == 0
    for text in ("test-pattern", "--follow", "--container", "--task", "--json"):
        assert text in out


@pytest.mark.parametrize(
    "argv",
    [
        ("logs",),
        ("logs", "-f"),
        ("logs", "--follow", "--container", "app", "--task", "ab", "--json"),
    ],
)
def test_plain_logs_still_reads_the_app_output(
    run: Run, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    (tmp_path / "hakobu.toml").write_text('[app]\nname = "hello"\n')
    code, out, err = run(*argv)
    assert (code, out, err) == (0, "no task output yet (start a task with `hakobu up`)\n", "")


def test_plain_logs_outside_an_app_is_a_usage_error(run: Run) -> None:
    code, _, err = run("logs", "-f")
    assert code == 2
    assert "hakobu.toml" in err


def test_readable_lines_colour_streams_and_highlight_errors() -> None:
    from hakobu.cli.commands.logs import _readable
    from hakobu.logs.events import StoredEvent

    def event(message: str, source: str = "stdout") -> StoredEvent:
        return StoredEvent(1, "/g", "s", 0, 0, message, "t", "app", source)

    assert _readable(event("hi"), colour=False) == "app | hi"
    assert _readable(event("hi"), colour=True) == "\033[36mapp\033[0m | hi"
    assert _readable(event("oops", "stderr"), colour=True).startswith("\033[33mapp")
    error = _readable(event('{"logType": "ErrorLog", "message": "x"}'), colour=True)
    assert error.endswith('\033[1;31m{"logType": "ErrorLog", "message": "x"}\033[0m')
