"""The space-delimited fast paths (filter_space.quoted_reader reading only the tested fields, the
refusal inlined in SpaceMatcher.matches) answer as splitting the whole event does."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.logs.test_filter_pattern_syntax import _split_and_test

from hakobu.logs.filter_pattern import compile_pattern
from hakobu.logs.filter_prefilter import space_refusal
from hakobu.logs.filter_space import _rest, quoted_reader, split_fields

# Spaces str.split() and the regexes both take, quotes and brackets, glued or not.
EVENT_CHARS = st.sampled_from(list('ab" []\t\x1f\u3000'))


@settings(max_examples=1500, deadline=None)
@given(
    st.text(EVENT_CHARS, max_size=30),
    st.integers(0, 4),
    st.integers(0, 3),
    st.booleans(),
    st.sets(st.integers(0, 3)),
)
def test_the_quoted_reader_reads_the_tested_fields_as_splitting_does(
    message: str, first: int, last: int, rest: bool, tested: set[int]
) -> None:
    wanted = sorted(index for index in tested if index < first)
    full = split_fields(message)
    read = quoted_reader(first, 0 if rest else last, rest, wanted)(message)
    if len(full) < first + (1 if rest else last):
        assert read is None
        return
    assert read is not None
    fields, rest_value = read
    if rest:
        assert fields == [full[index] for index in wanted]
        expected = full[-1] if len(full) == first + 1 else _rest(message, first)
        assert rest_value == expected
    else:
        tail = full[len(full) - last :] if last else []
        assert fields == [full[index] for index in wanted] + tail
        assert rest_value is None


@settings(max_examples=1500, deadline=None)
@given(
    st.text(EVENT_CHARS, max_size=30),
    st.integers(1, 4),
    st.integers(0, 2),
    st.booleans(),
    st.sets(st.integers(0, 3)),
    st.integers(0, 3),
    st.sampled_from(["a", "ab", "b", "ba", "aa"]),
)
def test_the_quoted_reader_looks_for_a_text_at_a_fields_start(
    message: str, first: int, last: int, rest: bool, tested: set[int], at: int, text: str
) -> None:
    """With ``starts``, the reader reads what it reads without, or None where the field's text
    does not start with the text (or the event has too few fields)."""
    assume(at < first)
    wanted = sorted(index for index in tested if index < first)
    plain = quoted_reader(first, 0 if rest else last, rest, wanted)(message)
    looking = quoted_reader(first, 0 if rest else last, rest, wanted, {at: text})(message)
    full = split_fields(message)
    if plain is None:
        assert looking is None
    elif full[at].startswith(text):
        assert looking == plain
    else:
        assert looking is None


SPACE_PATTERNS = [
    "[a, b = a*, c]",
    "[a, b = ab, c = b*]",
    '[a = "b", b, ...]',
    "[a, b, c = a* || c = ab*, d]",
    "[a = ab, b = *b, c]",
    "[..., b = a*, c]",
    "[a, ..., b = ab, c]",
    '[a, b = "a b", ...]',
    "[a = a* && a != ab, b]",
    "[a, b]",
]


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(SPACE_PATTERNS), st.text(EVENT_CHARS, max_size=24))
def test_matches_answers_as_splitting_the_whole_event(pattern: str, message: str) -> None:
    """The refusal inlined, and looked for by the reader of quoted events, refuses nothing the
    plain way (split, bind, test) matches, and matches answer as it does."""
    compiled = compile_pattern(pattern)
    refuse = space_refusal(compiled.ast.fields)  # type: ignore[union-attr]
    expected = _split_and_test(pattern, message)
    assert compiled.matches(message) is expected
    if refuse is not None and refuse(message):
        assert expected is False
