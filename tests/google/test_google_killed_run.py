"""A run killed at each API call in turn, then run again (issue 4).

The kill is an exception that neither syncer nor the HTTP stack handles (not a SyncerError, not a
requests error): it ends ``sync_tracker`` as the end of the process would. It strikes either
before the server applies request k, or after it applied it but before syncer saw the reply.
A second run, with a new backend as a new process would have, must leave the spreadsheet exactly
as one uninterrupted run does (every stored cell of every tab, values and formats, the tabs'
properties and the named ranges), with every cell the person typed as it was.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from syncer.emulator.core import Emulator
from syncer.emulator.docs import DocsService
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.oauth import OAuthService
from syncer.emulator.sheets import SheetsService
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import NOW, OPTIONS, TODAY, Google, example_rows, sheet_config

TAB = "Applications"
ROWS = example_rows()[:8]  # seven applications of the example: enough, and fast
PERSON_COLUMNS = len(ROWS[0])  # the person's columns; syncer's own go after them


class ProcessKilled(Exception):
    """The end of the syncer process in the middle of an HTTP call."""


def new_google() -> Google:
    emulator = Emulator()
    return Google(
        emulator,
        SheetsService.install(emulator),
        DocsService.install(emulator),
        OAuthService.install(emulator),
    )


def tracker(google: Google, synced_before: bool) -> str:
    key = google.sheets.create_spreadsheet("Job hunt", {TAB: ROWS})
    if synced_before:
        first, _ = sync_tracker(sheet_config(key), OPTIONS, opener=google.opener())
        assert first.failed is None, first.failed
    return key


def everything(google: Google, key: str) -> dict[str, Any]:
    """All a person or syncer could see of a spreadsheet."""
    book = google.sheets.spreadsheet(key)
    return {
        "cells": google.sheets.snapshot(key),
        "tabs": [
            (sheet.properties, sheet.row_metadata, sheet.column_metadata) for sheet in book.sheets
        ],
        "named ranges": sorted(
            (named["name"], sorted(named["range"].items())) for named in book.named_ranges
        ),
    }


def person_cells(cells: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The tracker tab's cells in the person's columns (A..Z in the example)."""
    person = {}
    for a1, cell in cells[TAB].items():
        letters = re.match(r"[A-Z]+", a1)
        assert letters is not None
        index = 0
        for letter in letters.group():
            index = index * 26 + ord(letter) - 64
        if index <= PERSON_COLUMNS:
            person[a1] = cell
    return person


def uninterrupted(synced_before: bool, options: RunOptions) -> tuple[int, dict[str, Any]]:
    """(how many requests the run makes, the spreadsheet after it)."""
    google = new_google()
    key = tracker(google, synced_before)
    mark = len(google.emulator.log)
    result, _ = sync_tracker(sheet_config(key), options, opener=google.opener())
    assert result.failed is None, result.failed
    return len(google.emulator.log) - mark, everything(google, key)


LATER = RunOptions(today=TODAY.replace(day=28), now=NOW.replace(day=28))
CASES = {"first run": (False, OPTIONS), "later run": (True, LATER)}
EXPECTED = {name: uninterrupted(*case) for name, case in CASES.items()}


def kill_cases() -> list[Any]:
    return [
        pytest.param(name, k, applied, id=f"{name}-request {k}-{'applied' if applied else 'not'}")
        for name, (requests, _) in EXPECTED.items()
        for k in range(1, requests + 1)
        for applied in (False, True)
    ]


def test_the_runs_make_requests_to_kill() -> None:
    first, _ = EXPECTED["first run"]
    later, _ = EXPECTED["later run"]
    assert first >= 4 and later >= 2  # read(s), column set-up, re-check, write


@pytest.mark.parametrize(("case", "k", "applied"), kill_cases())
def test_killed_at_request_k_then_run_again(case: str, k: int, applied: bool) -> None:
    synced_before, options = CASES[case]
    google = new_google()
    key = tracker(google, synced_before)
    original = everything(google, key)
    faults = FaultInjector.install(google.emulator)
    before_kill = [Fault.answered(times=k - 1)] if k > 1 else []
    faults.inject(*before_kill, Fault.killed(ProcessKilled(f"killed at {k}"), applied=applied))
    config = sheet_config(key)

    with pytest.raises(ProcessKilled):
        sync_tracker(config, options, opener=google.opener())
    assert faults.pending() == 0
    after_kill = everything(google, key)
    assert person_cells(after_kill["cells"]) == person_cells(original["cells"])

    result, _ = sync_tracker(config, options, opener=google.opener())
    assert result.failed is None, result.failed
    assert result.conflicts == []
    final = everything(google, key)
    assert final == EXPECTED[case][1]
    assert person_cells(final["cells"]) == person_cells(original["cells"])
