"""Every example of the AWS documentation's filter pattern pages, with the answer the pages give.

Spec: "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
Tail", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, and
the earlier versions of that page; tests/logs/aws_doc_examples.py lists the rows and says which
page section each comes from.
"""

from __future__ import annotations

import pytest
from tests.logs.aws_doc_examples import (
    DOC_CASES,
    EXTRACTED,
    EXTRACTION_EVENT,
    EXTRACTION_PATTERN,
    JSON_CASES,
    NUMERIC_CASES,
    REGEX_CASES,
    REJECTED,
    SPACE_CASES,
    TERM_CASES,
    Case,
    Rejected,
)

from hakobu.logs.filter_pattern import FilterPatternError, compile_pattern


def _id(case: Case) -> str:
    verdict = "matches" if case.matches else "misses"
    return f"{case.source}: {case.pattern[:60]} {verdict} {case.message[:40]!r}"


@pytest.mark.parametrize("case", DOC_CASES, ids=_id)
def test_documented_example(case: Case) -> None:
    assert compile_pattern(case.pattern).matches(case.message) is case.matches


@pytest.mark.parametrize("case", DOC_CASES, ids=_id)
def test_extract_agrees_with_matches(case: Case) -> None:
    extracted = compile_pattern(case.pattern).extract(case.message)
    assert (extracted is not None) is case.matches


@pytest.mark.parametrize("rejected", REJECTED, ids=lambda r: r.pattern[:60])
def test_documented_rejection(rejected: Rejected) -> None:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern(rejected.pattern)
    assert raised.value.exit_code == 2
    assert raised.value.pattern_column is not None
    assert "\n" not in str(raised.value)


def test_documented_extraction() -> None:
    assert compile_pattern(EXTRACTION_PATTERN).extract(EXTRACTION_EVENT) == EXTRACTED


def test_every_documented_form_is_covered() -> None:
    """The table has examples of every form the issue lists, so none is silently untested."""
    patterns = " ".join(case.pattern for case in DOC_CASES)
    forms = ("?", " -", '"', "{ $.", "[0]", "[*]", "$.*", "!=", " < ", "<=", " > ", ">=", "&&")
    forms += ("||", "(", "IS NULL", "NOT EXISTS", "IS TRUE", "IS FALSE", "...", "%", "e+3", "4*")
    for form in forms:
        assert form in patterns, form
    assert all(group for group in (REGEX_CASES, TERM_CASES, JSON_CASES, NUMERIC_CASES, SPACE_CASES))
    assert any(not case.matches for case in DOC_CASES)
