"""Fixtures every test shares."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient Google credentials or syncer settings leak into a test; the run lock and the
    journal go to the test's own folder, never the home directory."""
    for name in list(os.environ):
        if name.startswith("SYNCER_") or name in (
            "GOOGLE_APPLICATION_CREDENTIALS",
            "GOOGLE_CLOUD_PROJECT",
            "CLOUDSDK_CONFIG",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNCER_STATE_DIR", str(tmp_path / "syncer-state"))
