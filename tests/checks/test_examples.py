"""The example apps under `hakobu check`: hello passes clean, and each bad example reports exactly
the findings its expected-findings.txt lists (hadolint's included), nothing missing, nothing extra.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hakobu.checks import CheckConfig, CheckReport, Severity, default_registry, run_checks
from hakobu.checks.settings import check_settings, has_app_table, read_toml
from hakobu.config import load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BAD = sorted(p.name for p in EXAMPLES.iterdir() if p.name.startswith("bad-") and p.is_dir())
MANIFEST = "expected-findings.txt"


def check(root: Path) -> CheckReport:
    """As `hakobu -C root check` does: hakobu.toml's app and [check], hadolint on."""
    toml = root / "hakobu.toml"
    text, data = read_toml(toml)
    settings = check_settings(toml, text, data, lambda rule_id: rule_id in default_registry())
    app = load_config(toml) if has_app_table(data) else None
    return run_checks(root, CheckConfig(app=app, settings=settings))


def manifest(root: Path) -> list[tuple[str, str]]:
    lines = (root / MANIFEST).read_text().splitlines()
    entries = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    return sorted((rule_id, where) for rule_id, where in entries)


def test_hello_has_no_error_no_warning() -> None:
    report = check(EXAMPLES / "hello")
    assert report.count(Severity.ERROR) == report.count(Severity.WARNING) == 0, report.findings
    assert report.suppressed == () and report.baselined == ()


def test_every_bad_example_has_a_manifest() -> None:
    assert BAD, "no bad examples"
    for name in BAD:
        assert (EXAMPLES / name / MANIFEST).is_file(), f"examples/{name}/{MANIFEST} is missing"


@pytest.mark.parametrize("name", BAD)
def test_a_bad_example_reports_exactly_its_manifest(name: str) -> None:
    root = EXAMPLES / name
    report = check(root)
    found = sorted(
        (f.rule_id, f"{f.file}:{f.line}" if f.line else str(f.file)) for f in report.findings
    )
    expected = manifest(root)
    missing = [entry for entry in expected if entry not in found]
    extra = [entry for entry in found if entry not in expected]
    assert (missing, extra) == ([], []), f"missing {missing}, extra {extra}"
    assert found == expected  # the same counts, too
