"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile in memory only: never read entries another symdiff build left in the
    user's cache directory, nor write new ones."""
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
