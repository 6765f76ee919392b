"""The archive sink: hourly gzip JSON lines, to a folder or to S3 (a real moto server)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from tests.logs.servers import moto_endpoint, s3_client

from hakobu.errors import UsageError
from hakobu.logs.sinks.archive import (
    ArchiveError,
    ArchiveSink,
    FluentBitS3Layout,
    HourlyLayout,
    LocalFolderTarget,
    S3Target,
    open_archive,
    parse_duration,
    parse_size,
)

__all__ = ["moto_endpoint"]
HOUR_MS = 3_600_000
T0 = 1_714_557_600_000  # 2024-05-01T10:00:00Z


def body(n: int) -> str:
    return json.dumps({"n": n})


def read_gz(data: bytes) -> list[int]:
    return [json.loads(line)["n"] for line in gzip.decompress(data).decode().splitlines()]


def test_records_are_partitioned_by_their_utc_hour(tmp_path: Path) -> None:
    sink = ArchiveSink(LocalFolderTarget(tmp_path))
    sink.add(1, T0 + 5, body(1))
    sink.add(2, T0 + HOUR_MS + 5, body(2))  # 11:00
    sink.add(3, T0 + 10, body(3))  # late arrival for 10:00
    assert sink.flush() == 3
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.gz"))
    assert files == [
        "2024/05/01/10/hakobu-000000000001.jsonl.gz",
        "2024/05/01/11/hakobu-000000000002.jsonl.gz",
    ]
    assert read_gz((tmp_path / files[0]).read_bytes()) == [1, 3]
    assert sink.flush() is None  # nothing left


def test_size_and_age_bounds(tmp_path: Path) -> None:
    now = [0.0]
    sink = ArchiveSink(
        LocalFolderTarget(tmp_path), max_bytes=100, max_seconds=5, clock=lambda: now[0]
    )
    assert not sink.due()
    sink.add(1, T0, body(1))
    assert not sink.due()
    now[0] = 5.0
    assert sink.due()  # old enough
    sink.flush()
    for n in range(2, 20):
        sink.add(n, T0, body(n))
    assert sink.due()  # big enough
    assert sink.close() == 19


def test_writing_the_same_records_again_replaces_the_object(tmp_path: Path) -> None:
    """What a collector killed between writing and acknowledging does on its restart."""
    first = ArchiveSink(LocalFolderTarget(tmp_path))
    first.origin = "abcd1234"
    for n in (7, 8):
        first.add(n, T0, body(n))
    first.flush()
    again = ArchiveSink(LocalFolderTarget(tmp_path))
    again.origin = "abcd1234"
    for n in (7, 8, 9):
        again.add(n, T0, body(n))
    again.flush()
    [only] = list(tmp_path.rglob("*.gz"))
    assert only.name == "hakobu-abcd1234-000000000007.jsonl.gz"
    assert read_gz(only.read_bytes()) == [7, 8, 9]


def test_a_failed_write_keeps_the_records_for_the_next_try(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder must go")
    sink = ArchiveSink(LocalFolderTarget(blocked))
    sink.add(1, T0, body(1))
    with pytest.raises(ArchiveError, match="cannot write"):
        sink.flush()
    assert sink.pending_bytes > 0
    sink.target = LocalFolderTarget(tmp_path / "ok")
    assert sink.flush() == 1


def test_fluent_bit_s3_keys() -> None:
    layout = FluentBitS3Layout("/logs/$TAG[0]/$TAG/%Y/%m/%d/%H-%M-%S/$UUID.gz", ".-", True)
    key = layout.key("app-firelens.x", T0 + 61_000, 5, "o")
    assert key.startswith("/logs/app/app-firelens.x/2024/05/01/10-01-01/")
    assert key == layout.key("app-firelens.x", T0 + 61_000, 5, "o")  # same records, same key
    default = FluentBitS3Layout()
    assert default.key("tag", T0, 1, "o").startswith(
        "/fluent-bit-logs/tag/2024/05/01/10/00/00-object"
    )
    assert FluentBitS3Layout("/k/$INDEX", static=True).key("t", T0, 42, "o") == "/k/42"


@pytest.mark.parametrize(
    ("text", "size"), [("1M", 1 << 20), ("100000000", 100000000), ("512K", 524288)]
)
def test_fluent_bit_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_fluent_bit_durations() -> None:
    assert (
        parse_duration("10m") == 600
        and parse_duration("30s") == 30
        and parse_duration("1h") == 3600
    )
    with pytest.raises(UsageError):
        parse_duration("soon")


def test_open_archive_takes_a_folder_or_a_bucket(tmp_path: Path) -> None:
    local = open_archive("logs/archive", root=tmp_path)
    assert isinstance(local.target, LocalFolderTarget)
    assert local.target.root == tmp_path / "logs" / "archive"
    remote = open_archive("s3://my-logs/app/prod", root=tmp_path, s3_client=object())
    assert isinstance(remote.target, S3Target)
    assert remote.target.describe() == "s3://my-logs/app/prod/"
    assert isinstance(remote.layout, HourlyLayout)


def test_archive_to_a_real_s3_api(moto_endpoint: str) -> None:
    client: Any = s3_client(moto_endpoint)
    client.create_bucket(Bucket="audit")
    sink = open_archive("s3://audit/hello", root=Path("/"), s3_client=client)
    sink.origin = "0a1b2c3d"
    for n in range(1, 4):
        sink.add(n, T0 + n, body(n))
    sink.add(4, T0 + HOUR_MS, body(4))
    sink.close()
    listing = client.list_objects_v2(Bucket="audit", Prefix="hello/")
    keys = sorted(obj["Key"] for obj in listing["Contents"])
    assert keys == [
        "hello/2024/05/01/10/hakobu-0a1b2c3d-000000000001.jsonl.gz",
        "hello/2024/05/01/11/hakobu-0a1b2c3d-000000000004.jsonl.gz",
    ]
    data = client.get_object(Bucket="audit", Key=keys[0])["Body"].read()
    assert read_gz(data) == [1, 2, 3]


def test_an_s3_failure_is_an_archive_error(moto_endpoint: str) -> None:
    sink = open_archive("s3://no-such-bucket", root=Path("/"), s3_client=s3_client(moto_endpoint))
    sink.add(1, T0, body(1))
    with pytest.raises(ArchiveError, match="no-such-bucket"):
        sink.flush()
