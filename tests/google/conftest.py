"""An in-process emulator with Sheets, Drive, Docs and OAuth, and trackers stored in it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from syncer.config import TrackerConfig
from syncer.emulator.core import Emulator
from syncer.emulator.docs import DocsService
from syncer.emulator.oauth import OAuthService
from syncer.emulator.sheets import SheetsService
from syncer.emulator.transport import EmulatorAdapter
from syncer.google.backend import SheetsBackend, open_sheet
from syncer.google.retry import RetryPolicy
from syncer.sync import RunOptions

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tracker.csv"
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 21, 5)
OPTIONS = RunOptions(today=TODAY, now=NOW)
NO_RETRY = RetryPolicy(base=0.0, cap=0.0, max_tries=1)


@dataclass
class Google:
    """The emulator and its services, as one fixture."""

    emulator: Emulator
    sheets: SheetsService
    docs: DocsService
    oauth: OAuthService

    @property
    def transport(self) -> EmulatorAdapter:
        """The emulator as a requests adapter: the transport syncer's Google code takes."""
        return EmulatorAdapter(self.emulator)

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self.emulator.log[since:]

    def opener(self, **options: Any) -> Callable[[TrackerConfig], SheetsBackend]:
        return lambda config: open_sheet(
            config, transport=self.transport, retry_policy=NO_RETRY, **options
        )


@pytest.fixture
def google() -> Google:
    emulator = Emulator()
    sheets = SheetsService.install(emulator)
    docs = DocsService.install(emulator)
    oauth = OAuthService.install(emulator)
    return Google(emulator, sheets, docs, oauth)


def example_rows() -> list[list[str]]:
    with EXAMPLE.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle)]


@pytest.fixture
def example_sheet(google: Google) -> str:
    """The project's example tracker typed into a new spreadsheet; returns its key."""
    return google.sheets.create_spreadsheet("Job hunt", {"Applications": example_rows()})


def sheet_config(key: str, **options: Any) -> TrackerConfig:
    return TrackerConfig(source=f"https://docs.google.com/spreadsheets/d/{key}/edit", **options)


def kinds(log: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(reads, writes) among logged requests, as "METHOD path" strings (a POST that reads,
    such as values:batchGetByDataFilter, is a read, as Google's quotas count it)."""
    from syncer.emulator.quotas import READ_POSTS

    def reads_only(entry: dict[str, Any]) -> bool:
        return entry["method"] == "GET" or str(entry["path"]).endswith(READ_POSTS)

    reads = [f"{e['method']} {e['path']}" for e in log if reads_only(e)]
    writes = [f"{e['method']} {e['path']}" for e in log if not reads_only(e)]
    return reads, writes
