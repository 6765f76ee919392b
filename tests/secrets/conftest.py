from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def hakobu_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HAKOBU_HOME, and no key from the environment."""
    home = tmp_path / "hakobu-home"
    monkeypatch.setenv("HAKOBU_HOME", str(home))
    monkeypatch.delenv("HAKOBU_SECRET_KEY", raising=False)
    return home
