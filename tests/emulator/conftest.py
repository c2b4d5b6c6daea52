"""Fixtures for the Sheets/Drive emulator tests: an emulator and gspread wired to it."""

from __future__ import annotations

import gspread
import pytest

from syncer.emulator import SheetsService, emulator_session, new_emulator
from syncer.emulator.core import Emulator, Identity


@pytest.fixture
def emulator() -> Emulator:
    return new_emulator()


@pytest.fixture
def sheets(emulator: Emulator) -> SheetsService:
    return SheetsService.install(emulator)


@pytest.fixture
def gc(emulator: Emulator) -> gspread.Client:
    """The real gspread client, talking to the in-process emulator."""
    return gspread.Client(auth=None, session=emulator_session(emulator))


def identify_by_header(emulator: Emulator) -> None:
    """Callers say who they are with ``X-Test-User`` (the OAuth service does it for real)."""

    def identify(request: object) -> Identity:
        email = getattr(request, "headers", {}).get("x-test-user", "anonymous@emulator.invalid")
        return Identity(email, "test")

    emulator.identify = identify  # type: ignore[method-assign]
