from __future__ import annotations

import json
from pathlib import Path

import pytest

from hakobu.build_record import (
    BuildRecord,
    build_record_path,
    read_build_record,
    write_build_record,
)
from hakobu.errors import InputError

RECORD = BuildRecord(
    image="hello:3f2a1c9",
    image_id="sha256:" + "a" * 64,
    digest=None,
    commit="3f2a1c9d",
    dirty=False,
    built_at="2024-05-02T10:11:12Z",
)


def test_round_trip(tmp_path: Path) -> None:
    path = write_build_record(tmp_path, RECORD)
    assert path == tmp_path / ".hakobu" / "build.json"
    assert read_build_record(tmp_path) == RECORD
    assert json.loads(path.read_text())["image"] == "hello:3f2a1c9"


def test_no_build_yet(tmp_path: Path) -> None:
    assert read_build_record(tmp_path) is None


def test_overwrite_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_build_record(tmp_path, RECORD)
    newer = BuildRecord(**{**RECORD.__dict__, "image": "hello:new", "digest": "sha256:" + "b" * 64})
    write_build_record(tmp_path, newer)
    assert read_build_record(tmp_path) == newer
    assert [p.name for p in (tmp_path / ".hakobu").iterdir()] == ["build.json"]


def test_missing_digest_is_none_and_unknown_keys_are_ignored(tmp_path: Path) -> None:
    path = build_record_path(tmp_path)
    path.parent.mkdir()
    data = {k: v for k, v in RECORD.__dict__.items() if k != "digest"} | {"future": 1}
    path.write_text(json.dumps(data))
    assert read_build_record(tmp_path) == RECORD


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "unreadable build record"),
        ("[]", "not a JSON object"),
        ('{"image": "x"}', "missing"),
        (json.dumps({**RECORD.__dict__, "image": ""}), '"image"'),
    ],
)
def test_corrupt_record(tmp_path: Path, content: str, words: str) -> None:
    path = build_record_path(tmp_path)
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(InputError, match=words) as info:
        read_build_record(tmp_path)
    assert "hakobu build" in str(info.value)
