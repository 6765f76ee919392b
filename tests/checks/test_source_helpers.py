"""The helpers source and dependency rules share: JavaScript comment blanking, requirements and
npm specs, environment names, and the credential detector's prefilter."""

from __future__ import annotations

import sys

import pytest

from hakobu.checks.credentials import find_credentials
from hakobu.checks.rules.dependencies._requirements import (
    npm_moving,
    parse_requirements,
    requirements_pinned,
)
from hakobu.checks.rules.source_node._js import code_only
from hakobu.checks.rules.source_python._envnames import names_environment


@pytest.mark.parametrize(
    ("source", "kept", "blanked"),
    [
        ("a(); // listen(3000)\nb();", "b();", "listen(3000)"),
        ("/* a\n listen(1) */ c();", "c();", "listen(1)"),
        ("const s = '// not a comment';", "'// not a comment'", None),
        ("const r = /\\/\\/ x/g; f(); // gone", "f();", "gone"),
        ("const t = `a ${ {b: 1}.b } // in template`; // gone", "// in template", "gone"),
        ("x = a / b; // gone\ny = 2 / 3;", "y = 2 / 3;", "gone"),
    ],
)
def test_code_only_blanks_comments_and_keeps_offsets(
    source: str, kept: str, blanked: str | None
) -> None:
    code = code_only(source)
    assert len(code) == len(source)
    assert code.count("\n") == source.count("\n")
    assert kept in code
    if blanked:
        assert blanked not in code


def test_requirements_are_parsed_with_continuations_markers_and_hashes() -> None:
    text = (
        "# comment\n-r base.txt\nflask==3.0.3 \\\n    --hash=sha256:aa\n"
        'attrs==23.2.0 ; python_version < "3.12"\nrequests>=2\n'
        "lib @ git+https://example.com/lib@0123456789abcdef0123456789abcdef01234567\n"
    )
    found = [(r.line, r.name, r.pinned) for r in parse_requirements(text)]
    assert found == [
        (3, "flask", True),
        (5, "attrs", True),
        (6, "requests", False),
        (7, "lib", True),
    ]
    assert not requirements_pinned(text)
    assert requirements_pinned("flask==3.0.3\n# only pins\n")


@pytest.mark.parametrize(
    ("spec", "moving"),
    [
        ("^1.2.3", False),
        ("~1.2", False),
        ("1.2.3", False),
        (">=1 <2", False),
        ("file:../x", False),
        ("github:org/repo#0a1b2c3", False),
        ("https://example.com/pkg-1.0.0.tgz", False),
        ("npm:lodash@^4.17.21", False),
        ("*", True),
        ("", True),
        ("latest", True),
        ("beta", True),
        (">=1.0.0", True),
        ("org/repo", True),
        ("git+https://github.com/org/repo.git#main", True),
    ],
)
def test_npm_specs_that_move(spec: str, moving: bool) -> None:
    assert (npm_moving(spec) is not None) is moving


@pytest.mark.parametrize(
    ("name", "environment"),
    [
        ("ENV", True),
        ("APP_ENV", True),
        ("appEnv", True),
        ("ENVIRONMENT", True),
        ("stage", True),
        ("deployEnv", True),
        ("NODE_ENV", True),
        ("ENV_FILE", False),
        ("environ", False),
        ("LOG_LEVEL", False),
        ("envelope", False),
    ],
)
def test_names_of_environments(name: str, environment: bool) -> None:
    assert names_environment(name) is environment


def test_no_candidate_line_no_detect_secrets_import(monkeypatch: pytest.MonkeyPatch) -> None:
    # A file with nothing that looks like a credential costs one regular expression search.
    monkeypatch.setitem(sys.modules, "detect_secrets", None)  # importing it would now fail
    assert find_credentials("app.py", "password = os.environ['PASSWORD']\nx = 1\n") == []


def test_credentials_are_reported_without_their_value() -> None:
    text = (
        'DB_PASSWORD = "P@ssw0rd!"\n'
        'SECRETS = "secrets"\n'  # only repeats its name
        'help = {"secret": "read from the secret store at start"}\n'  # prose
    )
    found = find_credentials("app.py", text)
    assert [(c.line, c.kind) for c in found] == [(1, "Secret Keyword")]
