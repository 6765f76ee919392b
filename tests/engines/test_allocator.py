"""The supervisor's allocator settings: freed blocks are kept for reuse, not faulted in again.

Each case runs in a child Python so the test process keeps glibc's defaults. The figure is the
kernel's count of minor page faults (getrusage), not a time: a block freed and allocated again
takes fresh pages under the defaults and none once the settings are made.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

CHURN = """
import resource, sys
sys.path.insert(0, {src!r})
from hakobu.engines.local.allocator import keep_freed_memory
kept = keep_freed_memory() if {keep} else None
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):  # warm up
    b"".join((bytes(1 << 20), b"x"))
before = faults()
for n in range(50):  # a MiB read and a batch joined from it, freed, as the log router does
    block = bytes(1 << 20)
    joined = b"".join((block, b"x"))
    del block, joined
print(kept, faults() - before)
"""


def churn_faults(keep: bool) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHURN.format(src=str(SRC), keep=keep)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0], int(out[1])


def test_freed_blocks_are_reused_instead_of_faulted_in_again() -> None:
    _, default_faults = churn_faults(keep=False)
    kept, kept_faults = churn_faults(keep=True)
    assert kept == "True"  # glibc here: mallopt takes every setting
    # 50 rounds of two fresh MiB blocks are about 25,000 faults under the defaults
    assert default_faults > 10_000, default_faults
    assert kept_faults < default_faults // 20, (kept_faults, default_faults)
