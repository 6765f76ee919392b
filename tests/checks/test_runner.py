"""run_checks: every file parsed once, every rule run, hadolint once, nothing raised."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hakobu.checks import (
    CheckConfig,
    DockerfileTarget,
    Finding,
    RuleRegistry,
    Severity,
    TaskDefTarget,
    run_checks,
)
from hakobu.checks import hadolint as hadolint_module
from hakobu.checks.meta import META_RULES
from hakobu.checks.rules.dockerfile import DockerfileRule
from hakobu.checks.rules.dockerfile.base_image_unpinned import BaseImageUnpinned
from hakobu.checks.taxonomy import DesignPoint, TargetKind
from hakobu.config import load_config
from hakobu.errors import UsageError

GOOD = 'FROM python:3.11-slim\nUSER 10001\nCMD ["python", "app.py"]\n'
HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def ids(findings: tuple[Finding, ...]) -> list[tuple[str, str, int | None]]:
    return [(f.rule_id, f.file or "", f.line) for f in findings]


class Crash(DockerfileRule):
    id = "HK-DF-998"
    title = "Crashes"
    severity = Severity.WARNING
    design_point = DesignPoint.IMAGE_HYGIENE
    rationale = "To test the runner."
    fix = "None."

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        yield self.finding(target, "before the crash", line=1)
        raise KeyError("boom")


class SeesTaskDefinitions(DockerfileRule):
    id = "HK-DF-997"
    title = "Reports each task definition beside the Dockerfile"
    severity = Severity.INFO
    design_point = DesignPoint.RELEASE_FLOW
    rationale = "To test relations."
    fix = "None."

    def check(self, target: DockerfileTarget) -> Iterator[Finding]:
        for taskdef in target.repo.task_definitions_for(target):
            image = taskdef.containers()[0][1]["image"]
            path = ("containerDefinitions", 0, "image")
            yield self.finding(taskdef, f"{target.file} -> {image}", json_path=path)


def test_a_crashing_rule_is_an_internal_finding_and_the_others_run(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM python\n"})
    registry = RuleRegistry((*META_RULES, Crash, BaseImageUnpinned))
    report = run_checks(tmp_path, CheckConfig(hadolint=None, registry=registry))
    # File-level findings sort before those on a line; the crashed rule's findings are dropped.
    assert ids(report.findings) == [
        ("HK-INTERNAL", "Dockerfile", None),
        ("HK-DF-001", "Dockerfile", 1),
    ]
    internal = report.findings[0]
    assert internal.severity is Severity.ERROR
    assert "rule HK-DF-998 crashed (KeyError: 'boom' at test_runner.py:" in internal.message


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "message"),
    [
        ("Dockerfile", "FROM x\nRUNN y\n", 2, 1, 'invalid Dockerfile: unknown instruction "RUNN"'),
        ("taskdef.json", '{"family": "x",\n  "cpu": }', 2, 10, "invalid JSON: Expecting value"),
        ("taskdef.json", '{"a": 1,\n "a": 2}', 2, 2, 'duplicate key "a" (first on line 1)'),
        ("taskdef.json", "[1]", 1, 1, "expected a JSON object"),
        ("buildspec.yml", "phases:\n  build: [\n", 3, 1, "invalid YAML"),
        ("appspec.yaml", "a: b\n c: d: e\n", 2, 3, "invalid YAML"),
        ("package.json", "{", 1, 2, "invalid JSON"),
        ("pyproject.toml", "[project\n", 1, 9, "invalid TOML"),
        ("pnpm-lock.yaml", "a: [\n", 2, 1, "invalid YAML"),
        ("Dockerfile.latin1", "FROM caf\xe9\n", None, None, "not UTF-8 text"),
    ],
)
def test_a_file_that_does_not_parse_is_an_error_finding(
    tmp_path: Path, name: str, text: str, line: int | None, column: int | None, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1" if name.endswith("latin1") else "utf-8"))
    write(tmp_path, {"other/Dockerfile": "FROM python\n"})  # still checked
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    parse = [f for f in report.findings if f.rule_id == "HK-PARSE"]
    assert len(parse) == 1
    assert (parse[0].file, parse[0].line, parse[0].column) == (name, line, column)
    assert parse[0].message.startswith(message)
    assert ("HK-DF-001", "other/Dockerfile", 1) in ids(report.findings)


def test_python_sources_are_parsed_when_a_rule_reads_them(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "def broken(:\n"})
    no_source_rules = RuleRegistry(META_RULES)
    config = CheckConfig(hadolint=None, registry=no_source_rules)
    assert run_checks(tmp_path, config).findings == ()

    class ReadsPython(Crash):
        id = "HK-PY-999"
        targets = (TargetKind.SOURCE_PYTHON,)

        def check(self, target: Any) -> Iterator[Finding]:
            return iter(())

    registry = RuleRegistry((*META_RULES, ReadsPython))
    report = run_checks(tmp_path, CheckConfig(hadolint=None, registry=registry))
    assert ids(report.findings) == [("HK-PARSE", "app.py", 1)]
    assert "invalid Python (as Python 3." in report.findings[0].message


def test_task_definitions_with_placeholders_parse_and_findings_point_at_the_key(
    tmp_path: Path,
) -> None:
    taskdef = {
        "family": "${APP}",
        "containerDefinitions": [{"name": "app", "image": "<IMAGE1_NAME>"}],
    }
    wrapped = {"taskDefinition": taskdef, "tags": []}
    write(
        tmp_path,
        {
            "Dockerfile": GOOD,
            "taskdef.json": json.dumps(taskdef, indent=2),
            "describe.json": json.dumps(wrapped, indent=2),  # found by its content
        },
    )
    registry = RuleRegistry((*META_RULES, SeesTaskDefinitions))
    report = run_checks(tmp_path, CheckConfig(hadolint=None, registry=registry))
    assert [(f.file, f.line, f.column, f.message) for f in report.findings] == [
        ("describe.json", 7, 9, "Dockerfile -> <IMAGE1_NAME>"),
        ("taskdef.json", 6, 7, "Dockerfile -> <IMAGE1_NAME>"),
    ]
    assert report.findings[0].json_path == ("containerDefinitions", 0, "image")
    assert report.files[TargetKind.TASKDEF] == 2


def test_task_definitions_beside_a_dockerfile_belong_to_it(tmp_path: Path) -> None:
    taskdef = json.dumps({"containerDefinitions": [{"name": "a", "image": "<IMAGE1_NAME>"}]})
    write(
        tmp_path,
        {"web/Dockerfile": GOOD, "web/taskdef.json": taskdef, "worker/Dockerfile": GOOD},
    )
    registry = RuleRegistry((*META_RULES, SeesTaskDefinitions))
    report = run_checks(tmp_path, CheckConfig(hadolint=None, registry=registry))
    assert [f.message for f in report.findings] == ["web/Dockerfile -> <IMAGE1_NAME>"]


def test_the_only_dockerfile_goes_with_every_task_definition(tmp_path: Path) -> None:
    taskdef = json.dumps({"containerDefinitions": [{"name": "a", "image": "<IMAGE1_NAME>"}]})
    write(tmp_path, {"docker/Dockerfile": GOOD, "ecs/taskdef.json": taskdef})
    registry = RuleRegistry((*META_RULES, SeesTaskDefinitions))
    report = run_checks(tmp_path, CheckConfig(hadolint=None, registry=registry))
    assert [f.message for f in report.findings] == ["docker/Dockerfile -> <IMAGE1_NAME>"]


def test_hadolint_runs_once_for_every_dockerfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim\nUSER 1\nCMD python app.py\n",
            "svc/api.Dockerfile": "FROM python:3.11-slim\nUSER 1\nRUN cd /tmp\n",
            "broken/Dockerfile": "FORM x\n",
        },
    )
    calls: list[list[str]] = []
    real = hadolint_module.run_command

    def spy(argv: list[str], **kwargs: Any) -> Any:
        calls.append(list(argv))
        return real(argv, **kwargs)

    monkeypatch.setattr(hadolint_module, "run_command", spy)
    report = run_checks(tmp_path)
    assert len(calls) == 1
    assert [Path(a).name for a in calls[0][-2:]] == ["Dockerfile", "api.Dockerfile"]
    found = ids(report.findings)
    assert ("hadolint/DL3003", "svc/api.Dockerfile", 3) in found
    assert ("HK-PARSE", "broken/Dockerfile", 1) in found
    assert not [f for f in found if f[0] == "hadolint/DL1000"]  # not run on what did not parse
    dl3003 = report.rule("hadolint/DL3003")
    assert dl3003 is not None
    assert dl3003.help_uri == "https://github.com/hadolint/hadolint/wiki/DL3003"
    assert dl3003.design_point is DesignPoint.IMAGE_HYGIENE


def test_a_hakobu_rule_supersedes_hadolints_on_the_same_line(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM python:latest\nUSER 1\nFROM alpine:3.20\nUSER 1\n"})
    report = run_checks(tmp_path)
    found = ids(report.findings)
    assert ("HK-DF-001", "Dockerfile", 1) in found
    assert ("hadolint/DL3007", "Dockerfile", 1) not in found


def test_hadolint_levels_map_to_severities(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM python:3.11-slim\nRUN apt-get install -y curl\nUSER 1\n"})
    by_id = {f.rule_id: f.severity for f in run_checks(tmp_path).findings}
    assert by_id["hadolint/DL3008"] is Severity.WARNING  # hadolint: warning
    assert by_id["hadolint/DL3015"] is Severity.INFO  # hadolint: info


def test_hadolint_missing_is_a_tool_warning(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": GOOD})
    report = run_checks(tmp_path, CheckConfig(hadolint="no-such-hadolint-here"))
    assert [(f.rule_id, f.severity, f.file) for f in report.findings] == [
        ("HK-TOOL", Severity.WARNING, "Dockerfile")
    ]
    assert "no-such-hadolint-here not found" in report.findings[0].message


def test_the_repositorys_hadolint_config_applies(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"Dockerfile": "FROM python:3.11-slim\nRUN cd /tmp\nUSER 1\n", ".hadolint.yaml": ""},
    )
    assert "hadolint/DL3003" in {f.rule_id for f in run_checks(tmp_path).findings}
    (tmp_path / ".hadolint.yaml").write_text("ignored: [DL3003]\n")
    assert "hadolint/DL3003" not in {f.rule_id for f in run_checks(tmp_path).findings}


def test_report_counts_and_threshold(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM python\nUSER 1\n"})
    report = run_checks(tmp_path, CheckConfig(hadolint=None))
    assert report.count(Severity.ERROR) == 1
    assert report.failed(Severity.ERROR)
    assert report.failed(Severity.INFO)
    clean = run_checks(write(tmp_path / "clean", {"Dockerfile": GOOD}), CheckConfig(hadolint=None))
    assert not clean.failed(Severity.INFO)


def test_not_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a directory"):
        run_checks(tmp_path / "missing")


def test_the_example_app_has_no_finding_at_all() -> None:
    report = run_checks(HELLO)
    assert report.findings == ()
    assert report.files[TargetKind.TASKDEF] == 1
    assert report.rule("hadolint/DL3008") is None  # hadolint ran and found nothing


def test_hakobu_toml_pairs_its_files(tmp_path: Path) -> None:
    taskdef = json.dumps({"containerDefinitions": [{"name": "a", "image": "<IMAGE1_NAME>"}]})
    write(
        tmp_path,
        {
            "hakobu.toml": (
                '[app]\nname = "web"\ndockerfile = "docker/web"\ncontext = "src"\n'
                'task_definition = "deploy/ecs.json"\n'
            ),
            "docker/web": GOOD,
            "deploy/ecs.json": taskdef,
            "docker/taskdef.json": taskdef,  # beside the Dockerfile, but not the app's
            "other/Dockerfile": GOOD,
        },
    )
    app = load_config(tmp_path / "hakobu.toml")
    registry = RuleRegistry((*META_RULES, SeesTaskDefinitions))
    report = run_checks(tmp_path, CheckConfig(app=app, hadolint=None, registry=registry))
    # docker/taskdef.json is beside docker/web, but hakobu.toml names the app's; other/Dockerfile
    # has none beside it.
    assert [(f.file, f.message) for f in report.findings] == [
        ("deploy/ecs.json", "docker/web -> <IMAGE1_NAME>"),
    ]


def test_target_types() -> None:
    # TaskDefTarget and DockerfileTarget are what the families' rules receive.
    assert TaskDefTarget.kind is TargetKind.TASKDEF
    assert DockerfileTarget.kind is TargetKind.DOCKERFILE
