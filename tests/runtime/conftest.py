"""Fixtures of the runtime tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A disk cache of this test's own, switched on."""
    directory = tmp_path / "symdiff-cache"
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(directory))
    monkeypatch.delenv("SYMDIFF_CACHE", raising=False)
    return directory
