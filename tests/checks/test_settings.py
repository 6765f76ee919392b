"""[check] of hakobu.toml: parsed with every mistake located, and applied by the runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.checks import CheckConfig, Severity, default_registry, run_checks
from hakobu.checks.globs import Glob
from hakobu.checks.settings import (
    CheckSettings,
    check_settings,
    has_app_table,
    normalize_rule_id,
    read_toml,
)
from hakobu.errors import ConfigError

ROOT_DOCKERFILE = 'FROM python:3.11-slim\nCMD ["python", "app.py"]\n'  # HK-DF-002: no USER


def load(tmp_path: Path, text: str) -> CheckSettings:
    path = tmp_path / "hakobu.toml"
    path.write_text(text)
    source, data = read_toml(path)
    return check_settings(path, source, data, lambda rule_id: rule_id in default_registry())


def test_a_full_check_table(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
[check]
disable = ["hk-td-008", "DL3008"]
ignore_paths = ["vendor/", "**/*.min.js"]
fail_on = "warning"

[check.severity]
HK-TD-004 = "info"
"hadolint/DL3003" = "error"

[[check.ignore]]
rule = "HK-TD-001"
file = "ecs/*.json"
json_path = "containerDefinitions[0].environment"
reason = "a dummy password the integration tests need"

[service.target_group]
health_check_path = "/health"
""",
    )
    assert settings.disable == {"HK-TD-008", "hadolint/DL3008"}
    assert settings.severity == {"HK-TD-004": Severity.INFO, "hadolint/DL3003": Severity.ERROR}
    assert settings.fail_on is Severity.WARNING
    assert settings.load_balancer_health_check
    assert settings.path_ignored("vendor/lib/x.py")
    assert settings.path_ignored("web/static/app.min.js")
    assert not settings.path_ignored("src/app.py")
    [ignore] = settings.ignores
    env = ("containerDefinitions", 0, "environment", 2, "value")
    assert settings.ignored_by("HK-TD-001", "ecs/web.json", env) is ignore
    assert settings.ignored_by("HK-TD-001", "ecs/web.json", ("containerDefinitions", 1)) is None
    assert settings.ignored_by("HK-TD-001", "taskdef.json", env) is None
    assert settings.ignored_by("HK-TD-002", "ecs/web.json", env) is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[check]\ndisabel = []\n", 2, 'unknown key "disabel" (did you mean "disable"?)'),
        ('[check]\ndisable = ["HK-TD-099"]\n', 2, 'unknown rule "HK-TD-099"'),
        ('[check]\ndisable = "HK-TD-001"\n', 2, "expected an array of non-empty strings"),
        ('[check]\nfail_on = "fatal"\n', 2, "invalid severity 'fatal'"),
        ('[check.severity]\nHK-TD-004 = "low"\n', 2, "invalid severity 'low'"),
        ('[check]\n\n[[check.ignore]]\nrule = "HK-TD-001"\n', 3, "rule and reason are required"),
        (
            '[[check.ignore]]\nrule = "HK-TD-001"\nreason = "x"\n\n[[check.ignore]]\nrul = "a"\n',
            5,
            'unknown key "rul"',
        ),
        ("[check\n", 1, "invalid TOML"),
    ],
)
def test_mistakes_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "hakobu.toml"))


def test_rule_ids_are_normalized() -> None:
    assert normalize_rule_id(" hk-df-001 ") == "HK-DF-001"
    assert normalize_rule_id("DL3008") == "hadolint/DL3008"
    assert normalize_rule_id("hadolint/sc2086") == "hadolint/SC2086"


def test_a_check_only_hakobu_toml_describes_no_app() -> None:
    assert not has_app_table({"check": {}})
    assert not has_app_table({})
    assert has_app_table({"app": {}, "check": {}})


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("vendor", "vendor/a/b.py", True),
        ("vendor", "src/vendor/b.py", True),  # no slash: at any depth
        ("/vendor", "src/vendor/b.py", False),
        ("src/*.py", "src/app.py", True),
        ("src/*.py", "src/sub/app.py", False),
        ("src/**/*.py", "src/sub/deep/app.py", True),
        ("**/fixtures/", "tests/checks/fixtures/bad/x", True),
        ("*.min.js", "a/b.min.js", True),
        ("Dockerfile.?", "Dockerfile.a", True),
    ],
)
def test_globs_work_as_gitignore(pattern: str, path: str, matches: bool) -> None:
    assert Glob(pattern).matches(path) is matches


def test_the_runner_applies_the_settings(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(ROOT_DOCKERFILE)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "Dockerfile").write_text("FROM python\n")
    settings = load(
        tmp_path,
        '[check]\nignore_paths = ["legacy"]\n[check.severity]\nHK-DF-002 = "info"\n',
    )
    report = run_checks(tmp_path, CheckConfig(hadolint=None, settings=settings))
    assert [(f.rule_id, f.file, f.severity) for f in report.findings] == [
        ("HK-DF-002", "Dockerfile", Severity.INFO)
    ]
    assert report.rule("HK-DF-002") is not None
    assert report.rule("HK-DF-002").severity is Severity.INFO  # type: ignore[union-attr]
    disabled = load(tmp_path, '[check]\ndisable = ["HK-DF-002"]\nignore_paths = ["legacy/"]\n')
    report = run_checks(tmp_path, CheckConfig(hadolint=None, settings=disabled))
    assert report.findings == ()
    assert report.rule("HK-DF-002") is None  # a disabled rule does not run


def test_a_json_path_ignore_keeps_the_finding_as_suppressed(tmp_path: Path) -> None:
    (tmp_path / "taskdef.json").write_text(
        '{"containerDefinitions": [{"name": "a", "image": "nginx:latest"},'
        ' {"name": "b", "image": "redis:latest"}]}'
    )
    settings = load(
        tmp_path,
        '[[check.ignore]]\nrule = "HK-TD-003"\nfile = "taskdef.json"\n'
        'json_path = "containerDefinitions[1]"\nreason = "the cache is rebuilt every day"\n',
    )
    report = run_checks(tmp_path, CheckConfig(hadolint=None, settings=settings))
    images = [f.message for f in report.findings if f.rule_id == "HK-TD-003"]
    assert images == [
        "image nginx:latest: `latest` moves: tasks of one revision can run different images"
    ]
    [suppressed] = report.suppressed
    assert (suppressed.finding.rule_id, suppressed.source) == ("HK-TD-003", "config")
    assert suppressed.reason == "the cache is rebuilt every day"
