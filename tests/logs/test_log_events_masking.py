"""Event helpers (times, awslogs splitting, IDs) and secret masking."""

from __future__ import annotations

import json

import pytest

from hakobu.logs.events import AWSLOGS_MAX_EVENT_BYTES, event_id, parse_rfc3339_ms, split_message
from hakobu.logs.masking import MASK, SecretMasker


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:01.5Z", 1500),
        ("2024-05-01T10:00:00.123456789Z", 1714557600123),
        ("2024-05-01T19:00:00.123456789+09:00", 1714557600123),
        ("2024-05-01T10:00:00Z", 1714557600000),
        ("2024-05-01T10:00:00.1-01:00", 1714561200100),
    ],
)
def test_rfc3339_times_as_conmon_writes_them(text: str, expected: int) -> None:
    assert parse_rfc3339_ms(text) == expected


def test_not_a_time_is_refused() -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_rfc3339_ms("yesterday")


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        # Seconds already seen take the fast path: the same answers as the full parse.
        ("2026-11-27T08:07:53.994778000+00:00", "2026-11-27T08:07:53.999000001+00:00", 999),
        ("2024-05-01T10:00:00.123456789Z", "2024-05-01T10:00:00.5Z", 500),
        ("2024-05-01T10:00:00.1z", "2024-05-01T10:00:00.12z", 120),
        ("2024-05-01T19:00:00.1+09:00", "2024-05-01T19:00:00.987+09:00", 987),
    ],
)
def test_later_times_in_a_second_already_seen(first: str, then: str, expected: int) -> None:
    base = parse_rfc3339_ms(first) // 1000 * 1000
    assert parse_rfc3339_ms(then) == parse_rfc3339_ms(then) == base + expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27T08:07:53.+00:00",
        "2026-11-27T08:07:53.12a+00:00",
        "2026-11-27T08:07:53.123+00:0",
        "2026-11-27T08:07:53.123 +00:00",
    ],
)
def test_a_bad_time_in_a_second_already_seen_is_still_refused(text: str) -> None:
    parse_rfc3339_ms("2026-11-27T08:07:53.994778000+00:00")
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_rfc3339_ms(text)


def test_the_same_second_in_another_zone_is_another_second() -> None:
    utc = parse_rfc3339_ms("2024-05-01T10:00:00.250Z")
    assert parse_rfc3339_ms("2024-05-01T10:00:00.250+09:00") == utc - 9 * 3_600_000
    assert parse_rfc3339_ms(" 2024-05-01T10:00:00.250Z ") == utc


def test_awslogs_splits_at_its_event_limit_between_characters() -> None:
    assert split_message("short") == ["short"]
    ascii_line = "a" * (AWSLOGS_MAX_EVENT_BYTES + 10)
    assert [len(p) for p in split_message(ascii_line)] == [AWSLOGS_MAX_EVENT_BYTES, 10]
    wide = "é" * AWSLOGS_MAX_EVENT_BYTES  # 2 bytes each
    pieces = split_message(wide)
    assert "".join(pieces) == wide
    assert all(len(p.encode()) <= AWSLOGS_MAX_EVENT_BYTES for p in pieces)


def test_event_ids_are_56_digits_in_time_then_sequence_order() -> None:
    ids = [event_id(1000, 2), event_id(1000, 10), event_id(2000, 1)]
    assert all(len(i) == 56 and i.isdigit() for i in ids)
    assert ids == sorted(ids)


# -- masking ---------------------------------------------------------------------------------


def test_every_occurrence_is_masked() -> None:
    masker = SecretMasker(["hunter2-pw"])
    assert masker.mask("a hunter2-pw b hunter2-pw") == f"a {MASK} b {MASK}"


def test_values_inside_json_strings_are_masked_in_their_escaped_forms() -> None:
    secrets = ['pa"ss\\word', "clé-secrète", "a/b/c/d"]
    masker = SecretMasker(secrets)
    for value in secrets:
        for line in (
            json.dumps({"password": value}),
            json.dumps({"password": value}, ensure_ascii=False),
            json.dumps({"password": value}).replace("/", "\\/"),
        ):
            masked = masker.mask(line)
            assert value not in masked and MASK in masked
            assert json.loads(masked)["password"] == MASK  # still valid JSON


def test_a_value_hidden_behind_unicode_escapes_is_masked_too() -> None:
    masker = SecretMasker(["topsecret"])
    line = '{"msg": "\\u0074opsecret here", "n": 1}'
    masked = masker.mask(line)
    assert json.loads(masked) == {"msg": f"{MASK} here", "n": 1}


def test_longer_secrets_win_over_shorter_ones_they_contain() -> None:
    masker = SecretMasker(["abcd", "abcdefgh"])
    assert masker.mask("x abcdefgh y abcd") == f"x {MASK} y {MASK}"


def test_short_and_empty_values_are_not_masked_and_counted() -> None:
    masker = SecretMasker(["", "on", "abc", "long-enough"])
    assert masker.skipped == 2  # "on" and "abc"; the empty one is not a value at all
    assert masker.mask("on abc long-enough") == f"on abc {MASK}"


def test_multi_line_values_are_masked_line_by_line() -> None:
    pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----"
    masker = SecretMasker([pem])
    assert "MIIBOgIBAAJBAK" not in masker.mask("key line: MIIBOgIBAAJBAK")


def test_no_secrets_is_the_identity() -> None:
    masker = SecretMasker([])
    assert not masker
    assert masker.mask("anything") == "anything"
