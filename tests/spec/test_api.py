from __future__ import annotations

import hakobu.spec


def test_public_api_is_exported_once() -> None:
    names = hakobu.spec.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(hakobu.spec, name) is not None
