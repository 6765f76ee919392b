"""SARIF 2.1.0 that the official schema accepts, with what GitHub code scanning needs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hakobu.checks import CheckConfig, run_checks
from hakobu.checks.runner import CheckReport
from hakobu.output import SarifFormat

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def sarif(report: CheckReport) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(SarifFormat().format(report))
    errors = sorted(validator().iter_errors(log), key=str)
    assert errors == [], "\n".join(e.message for e in errors)
    return log


def test_the_vendored_schema_is_the_official_one() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")


def test_sarif_validates_and_describes_every_rule(report: CheckReport) -> None:
    log = sarif(report)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hakobu"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == {"HK-DF-001", "HK-PARSE", "HK-TD-901", "hadolint/DL3015"}
    base = rules["HK-DF-001"]
    assert base["shortDescription"]["text"] == "Base image not pinned to a version"
    assert base["helpUri"].endswith("docs/rules.md#hk-df-001")
    assert base["defaultConfiguration"]["level"] == "error"
    assert base["properties"]["tags"] == ["operational-excellence", "release-flow", "12factor-II"]
    assert rules["hadolint/DL3015"]["helpUri"] == "https://github.com/hadolint/hadolint/wiki/DL3015"
    assert rules["hadolint/DL3015"]["defaultConfiguration"]["level"] == "note"


def test_results_have_levels_and_locations(report: CheckReport) -> None:
    (run,) = sarif(report)["runs"]
    results = {r["ruleId"]: r for r in run["results"]}
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in results.values():
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    assert results["hadolint/DL3015"]["level"] == "note"
    assert results["HK-TD-901"]["level"] == "warning"
    secret = results["HK-TD-901"]["locations"][0]
    assert secret["physicalLocation"] == {
        "artifactLocation": {"uri": "ecs/task%20def.json", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 12, "startColumn": 9},
    }
    assert secret["logicalLocations"] == [
        {"fullyQualifiedName": "containerDefinitions[0].environment[1].name", "kind": "member"}
    ]
    # A finding about the whole file points at its first line, which GitHub requires.
    parse = results["HK-PARSE"]["locations"][0]["physicalLocation"]
    assert parse["region"] == {"startLine": 1}
    root = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert root.startswith("file:///") and root.endswith("/")


def test_an_empty_report_validates(clean: CheckReport) -> None:
    (run,) = sarif(clean)["runs"]
    assert run["results"] == []


@pytest.mark.parametrize("example", ["hello", "bad-hardcoded-secret", "bad-ignores-sigterm"])
def test_reports_of_the_examples_validate(example: str) -> None:
    sarif(run_checks(EXAMPLES / example, CheckConfig()))


def test_suppressed_findings_are_results_with_their_justification(left_out: CheckReport) -> None:
    (run,) = sarif(left_out)["runs"]
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"HK-DF-001", "hadolint/DL3015", "HK-TD-901"}  # not the baselined
    assert "suppressions" not in results["HK-DF-001"]
    assert results["hadolint/DL3015"]["suppressions"] == [
        {"kind": "inSource", "justification": "the slim image needs no cleanup"}
    ]
    assert results["HK-TD-901"]["suppressions"] == [
        {"kind": "external", "justification": "a dummy value the tests use"}
    ]
