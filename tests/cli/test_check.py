"""`hakobu check`, `hakobu rules` and `hakobu explain` through main(): output and exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from hakobu.cli import main as cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Run = Callable[..., tuple[int, str, str]]
UNPINNED = 'FROM python:slim\nUSER 10001\nCMD ["python", "app.py"]\n'


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    monkeypatch.chdir(tmp_path)  # restored after the test, though -C changes directory

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(argv))
        except SystemExit as e:  # argparse errors
            code = int(e.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_example_app_passes(run: Run, tmp_path: Path) -> None:
    ignore = shutil.ignore_patterns(".hakobu")
    shutil.copytree(EXAMPLES / "hello", tmp_path / "hello", ignore=ignore)
    code, out, err = run("-C", str(tmp_path / "hello"), "check")
    assert (code, err) == (0, "")
    assert out.startswith("0 errors, 0 warnings, 0 info in ")


def test_a_repository_without_hakobu_toml_is_checked(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": UNPINNED})
    code, out, _ = run("-C", str(root), "check")
    assert code == 1
    assert "Dockerfile:1:1  error    HK-DF-001  FROM python:slim: `slim` names no python" in out


def test_fail_on_sets_the_threshold(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": 'FROM python:3.11-slim\nUSER 1\nCMD ["a"]\nRUN cd /x\n'})
    assert run("-C", str(root), "check")[0] == 0  # DL3003 is a warning
    assert run("-C", str(root), "check", "--fail-on", "warning")[0] == 1
    assert run("-C", str(root), "check", "--fail-on", "info")[0] == 1


@pytest.mark.parametrize("form", ["json", "sarif", "junit"])
def test_formats(run: Run, tmp_path: Path, form: str) -> None:
    root = repo(tmp_path, {"Dockerfile": UNPINNED})
    code, out, _ = run("-C", str(root), "check", "--format", form)
    assert code == 1
    if form == "junit":
        assert ET.fromstring(out).get("failures") == "1"
        return
    data = json.loads(out)
    if form == "json":
        assert [f["rule_id"] for f in data["findings"]] == ["HK-DF-001"]
    else:
        assert [r["ruleId"] for r in data["runs"][0]["results"]] == ["HK-DF-001"]


def test_output_writes_the_report_to_a_file(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": UNPINNED})
    target = tmp_path / "report.sarif"
    code, out, err = run("-C", str(root), "check", "--format", "sarif", "--output", str(target))
    assert (code, out) == (1, "")
    assert "wrote" in err and "(1 error, 0 warnings, 0 info)" in err
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_a_file_that_does_not_parse_is_a_finding_not_a_usage_error(
    run: Run, tmp_path: Path
) -> None:
    root = repo(tmp_path, {"taskdef.json": "{", "Dockerfile": UNPINNED})
    code, out, err = run("-C", str(root), "check")
    assert (code, err) == (1, "")
    assert "taskdef.json:1:2  error    HK-PARSE  invalid JSON" in out
    assert "HK-DF-001" in out


def test_hakobu_toml_names_the_files_and_the_root(run: Run, tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {
            "hakobu.toml": '[app]\nname = "web"\ndockerfile = "docker/web"\n',
            "docker/web": UNPINNED,
            "src/app.py": "",
        },
    )
    code, out, _ = run("-C", str(root / "src"), "check")  # found in a parent, as git does
    assert code == 1
    assert "docker/web:1:1" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--format", "xml"], "invalid choice: 'xml'"),
        (["check", "--fail-on", "fatal"], "invalid choice: 'fatal'"),
        (["check", "--bogus"], "unrecognized arguments"),
        (["-C", "/no/such/directory", "check"], "-C /no/such/directory"),
    ],
)
def test_usage_errors_exit_2(run: Run, argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err


def test_an_invalid_hakobu_toml_exits_2(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"hakobu.toml": "[app]\nnmae = 'x'\n", "Dockerfile": UNPINNED})
    code, out, err = run("-C", str(root), "check")
    assert (code, out) == (2, "")
    assert 'unknown key "nmae"' in err


def test_an_unwritable_output_exits_2(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": UNPINNED})
    code, _, err = run("-C", str(root), "check", "-o", str(tmp_path / "no" / "dir" / "r.json"))
    assert code == 2
    assert "--output" in err


def test_rules_lists_every_rule(run: Run) -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["ID", "SEVERITY"]
    assert any(line.startswith("HK-DF-001 ") for line in out.splitlines())
    assert "hadolint/*" in out
    code, out, _ = run("rules", "--json")
    rules = {rule["id"]: rule for rule in json.loads(out)}
    assert rules["HK-DF-001"]["design_point"] == "release-flow"
    assert rules["HK-DF-001"]["factor"] == "II"


def test_explain(run: Run) -> None:
    code, out, _ = run("explain", "hk-df-001")
    assert code == 0
    assert out.startswith("HK-DF-001  Base image not pinned to a version\n")
    assert "  design point  Development to release (slides 55-65)" in out
    code, out, _ = run("explain", "hadolint/DL3008", "--json")
    assert json.loads(out)["help_uri"] == "https://github.com/hadolint/hadolint/wiki/DL3008"


def test_explain_an_unknown_rule_suggests_one(run: Run) -> None:
    code, _, err = run("explain", "HK-DF-01")
    assert code == 2
    assert 'did you mean "HK-DF-001"?' in err


def test_write_baseline_then_fail_only_on_new_findings(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": UNPINNED})
    code, out, err = run("-C", str(root), "check", "--write-baseline")
    assert (code, out) == (0, "")
    assert "wrote 1 finding to .hakobu-baseline.json" in err
    data = json.loads((root / ".hakobu-baseline.json").read_text())
    assert [f["rule_id"] for f in data["findings"]] == ["HK-DF-001"]

    code, out, _ = run("-C", str(root), "check")  # the default baseline is picked up
    assert code == 0
    assert "(1 in the baseline)" in out
    (root / "Dockerfile").write_text("# a new line on top\n" + UNPINNED + "FROM node\nUSER 1\n")
    code, out, _ = run("-C", str(root), "check")
    assert code == 1
    assert "Dockerfile:5:1  error    HK-DF-001  FROM node" in out
    assert "FROM python:slim" not in out  # moved down a line, still baselined
    assert run("-C", str(root), "check", "--no-baseline")[0] == 1


def test_an_explicit_baseline_that_is_missing_exits_2(run: Run, tmp_path: Path) -> None:
    root = repo(tmp_path, {"Dockerfile": UNPINNED})
    code, _, err = run("-C", str(root), "check", "--baseline", "nope.json")
    assert code == 2
    assert "baseline nope.json" in err


def test_check_settings_apply_and_a_check_only_hakobu_toml_is_enough(
    run: Run, tmp_path: Path
) -> None:
    toml = '[check]\nfail_on = "info"\n[check.severity]\nHK-DF-001 = "info"\n'
    root = repo(tmp_path, {"Dockerfile": UNPINNED, "hakobu.toml": toml})
    code, out, _ = run("-C", str(root), "check")
    assert code == 1  # fail_on = "info" from hakobu.toml
    assert "info     HK-DF-001" in out
    assert run("-C", str(root), "check", "--fail-on", "error")[0] == 0  # the flag wins


def test_an_invalid_check_table_exits_2_naming_the_line(run: Run, tmp_path: Path) -> None:
    toml = '[app]\nname = "web"\n\n[check]\ndisable = ["HK-DF-999"]\n'
    root = repo(tmp_path, {"Dockerfile": UNPINNED, "hakobu.toml": toml})
    code, out, err = run("-C", str(root), "check")
    assert (code, out) == (2, "")
    assert 'hakobu.toml:5: check.disable: unknown rule "HK-DF-999"' in err


def test_the_cli_choices_are_the_libraries() -> None:
    # check.py writes them out so that the CLI starts without importing hakobu.checks.
    from hakobu.checks import Severity
    from hakobu.checks.baseline import DEFAULT_BASELINE
    from hakobu.cli.commands import check
    from hakobu.output import FORMATS

    assert tuple(FORMATS) == check.FORMAT_NAMES
    assert tuple(s.value for s in Severity) == check.SEVERITIES
    assert check.DEFAULT_BASELINE == DEFAULT_BASELINE
