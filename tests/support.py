"""Constants and markers shared by tests: ``from support import SHARED_DATA, needs_shared_data``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)

needs_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent (the real data sets live there)"
)
