"""The Dockerfile parser: instructions with lines, continuations, stages, forms, heredocs."""

from __future__ import annotations

import pytest

from hakobu.checks.dockerfile import (
    DockerfileSyntaxError,
    expand,
    parse_assignments,
    parse_dockerfile,
    split_words,
)

MULTI_STAGE = """\
# syntax=docker/dockerfile:1
# escape=\\
ARG PY=3.11
FROM --platform=$BUILDPLATFORM python:${PY}-slim AS Build
RUN apt-get update \\
    # a comment inside a continuation is dropped
    && apt-get install -y gcc

RUN pip install --no-cache-dir -r requirements.txt
FROM python:${PY}-slim
COPY --from=build --chown=app:app /opt/venv /opt/venv
ENV A=1 B="two words"
USER 10001
CMD ["python", "app.py"]
"""


def test_instructions_carry_keyword_args_and_lines() -> None:
    df = parse_dockerfile(MULTI_STAGE)
    assert [(i.keyword, i.line) for i in df.instructions] == [
        ("ARG", 3),
        ("FROM", 4),
        ("RUN", 5),
        ("RUN", 9),
        ("FROM", 10),
        ("COPY", 11),
        ("ENV", 12),
        ("USER", 13),
        ("CMD", 14),
    ]
    run = df.instructions[2]
    assert run.end_line == 7
    assert run.args == "apt-get update     && apt-get install -y gcc"


def test_directives_are_read_only_at_the_top() -> None:
    df = parse_dockerfile(MULTI_STAGE)
    assert df.directives == {"syntax": "docker/dockerfile:1", "escape": "\\"}
    later = parse_dockerfile("FROM x\n# syntax=ignored\n")
    assert later.directives == {}


def test_stages_names_and_bases() -> None:
    df = parse_dockerfile(MULTI_STAGE)
    assert [(s.index, s.base, s.name) for s in df.stages] == [
        (0, "python:${PY}-slim", "build"),  # names compare in lower case, as in BuildKit
        (1, "python:${PY}-slim", None),
    ]
    assert df.stage("BUILD") is df.stages[0]
    assert df.stage("1") is df.stages[1]
    assert df.final_stage.last("USER") is not None
    assert df.global_args == {"PY": "3.11"}
    assert df.stages[0].from_.flag("platform") == "$BUILDPLATFORM"


def test_flags_exec_form_and_shell_form() -> None:
    df = parse_dockerfile(MULTI_STAGE)
    copy = df.final_stage.instructions[0]
    assert copy.flags == (("from", "build"), ("chown", "app:app"))
    assert copy.rest == "/opt/venv /opt/venv"
    cmd = df.final_stage.last("CMD")
    assert cmd is not None and cmd.exec_form == ("python", "app.py")
    shell = parse_dockerfile("FROM x\nCMD python app.py\n").final_stage.last("CMD")
    assert shell is not None and shell.exec_form is None
    # Not valid JSON: BuildKit runs it in a shell.
    broken = parse_dockerfile("FROM x\nCMD [python, app.py]\n").final_stage.last("CMD")
    assert broken is not None and broken.exec_form is None


def test_escape_directive_backtick() -> None:
    df = parse_dockerfile("# escape=`\nFROM x\nRUN a `\n  b\n")
    assert df.escape == "`"
    assert df.instructions[1].args == "a   b"


def test_heredocs_are_bodies_not_instructions() -> None:
    text = (
        "FROM x\nRUN <<EOF\nset -e\nFROM not-an-instruction\nEOF\n"
        "COPY <<-CONF /etc/app\n\tk=v\n\tCONF\nUSER 1\n"
    )
    df = parse_dockerfile(text)
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "COPY", "USER"]
    run = df.instructions[1]
    assert run.heredocs[0].name == "EOF"
    assert run.heredocs[0].body == "set -e\nFROM not-an-instruction"
    assert run.heredocs[0].line == 3
    assert df.instructions[2].heredocs[0].body == "\tk=v"
    assert df.instructions[3].line == 9


def test_an_unterminated_heredoc_marker_is_plain_text() -> None:
    df = parse_dockerfile("FROM x\nRUN echo $((1<<n))\nUSER 1\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "USER"]
    assert df.instructions[1].heredocs == ()


def test_comments_blank_lines_and_lowercase_keywords() -> None:
    df = parse_dockerfile("\n# hello\nfrom alpine:3.20\n\n  run echo hi\n")
    assert [(i.keyword, i.line, i.column) for i in df.instructions] == [
        ("FROM", 3, 1),
        ("RUN", 5, 3),
    ]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("FORM python\n", 'unknown instruction "FORM"', 1),
        ("FROM x\nRUN a\nCOPPY a b\n", 'unknown instruction "COPPY"', 3),
        ("RUN echo\nFROM x\n", "RUN before the first FROM", 1),
        ("ARG A=1\n", "no FROM instruction", 1),
        ("# only a comment\n", "no instructions", 1),
        ("FROM\n", "FROM takes an image", 1),
        ("FROM a b\n", "FROM takes an image", 1),
        ("# escape=x\nFROM a\n", "invalid escape directive", 1),
    ],
)
def test_syntax_errors_name_the_line(text: str, message: str, line: int) -> None:
    with pytest.raises(DockerfileSyntaxError) as caught:
        parse_dockerfile(text)
    assert message in caught.value.message
    assert caught.value.line == line


def test_split_words_and_assignments() -> None:
    assert split_words("a \"b c\" 'd e' f\\ g") == ["a", "b c", "d e", "f g"]
    assert parse_assignments('A=1 B="two words" C=', legacy=True) == {
        "A": "1",
        "B": "two words",
        "C": "",
    }
    assert parse_assignments("NAME some value", legacy=True) == {"NAME": "some value"}
    assert parse_assignments("TOKEN VERSION=1", legacy=False) == {"TOKEN": None, "VERSION": "1"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python:${PY}-slim", "python:3.11-slim"),
        ("python:$PY", "python:3.11"),
        ("${MISSING:-alpine}", "alpine"),
        ("${EMPTY:-alpine}", "alpine"),
        ("${EMPTY-alpine}", ""),
        ("${PY:+set}", "set"),
        ("${MISSING:+set}", ""),
        ("$MISSING", None),
        ("no variables", "no variables"),
    ],
)
def test_expand(text: str, expected: str | None) -> None:
    assert expand(text, {"PY": "3.11", "EMPTY": ""}) == expected
