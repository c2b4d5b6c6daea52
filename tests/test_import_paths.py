"""Each run imports only what its path needs: start-up is most of a small tracker's sync."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from syncer.cli_run import is_terminal
from tests.trackers import write_csv

PROBE = """
import sys
from syncer.cli import cli
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def imported(*arguments: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments], capture_output=True, text=True, check=True
    )
    return set(done.stderr.strip().splitlines()[-1].split())


HEADER = ["Company", "Position", "Stage", "Applied On"]
ROW = ["Acme", "Analyst", "applied", "2026-11-20"]
#: Libraries no local tracker's sync needs: the Google client stack, and dataframes.
GOOGLE_AND_DATAFRAMES = {"gspread", "google", "googleapiclient", "requests", "pandas"}


def sync_modules(tracker: Path) -> set[str]:
    """The modules `syncer sync TRACKER --json` imports, without a config."""
    modules = imported("sync", str(tracker), "--today", "2026-11-26", "--json")
    assert "syncer" in modules
    return modules


def csv_sync_modules(tmp_path: Path) -> set[str]:
    return sync_modules(write_csv(tmp_path / "t.csv", HEADER, [ROW]))


def xlsx_sync_modules(tmp_path: Path) -> set[str]:
    """A first and a second sync of a .xlsx (the second reads and patches the state sheet)."""
    book = Workbook()
    sheet: Any = book.active
    sheet.append(HEADER)
    sheet.append(ROW)
    book.save(tmp_path / "t.xlsx")
    sync_modules(tmp_path / "t.xlsx")
    return sync_modules(tmp_path / "t.xlsx")


def test_a_csv_sync_never_loads_the_workbook_or_google_libraries(tmp_path: Path) -> None:
    modules = csv_sync_modules(tmp_path)
    assert not modules & {"openpyxl", "numpy", "lxml", *GOOGLE_AND_DATAFRAMES}, modules


def test_a_run_without_a_config_never_loads_jsonschema(tmp_path: Path) -> None:
    assert "jsonschema" not in csv_sync_modules(tmp_path), "it is for validating a config file"


def test_a_json_sync_never_loads_rich(tmp_path: Path) -> None:
    """rich lays out the report people read; a --json run prints none."""
    assert "rich" not in csv_sync_modules(tmp_path)


@pytest.mark.parametrize(
    ("environment", "terminal"),
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"TTY_COMPATIBLE": "1"}, True)],
)
def test_rich_is_asked_only_when_a_stream_could_be_a_terminal(
    environment: dict[str, str], terminal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    assert is_terminal(stream) is terminal is Console(file=stream).is_terminal


def test_a_xlsx_sync_loads_the_workbook_libraries_only(tmp_path: Path) -> None:
    modules = xlsx_sync_modules(tmp_path)
    # openpyxl reads the workbook's values (shared strings, dates, the state sheet); lxml edits
    # the parts syncer writes. numpy comes with openpyxl (for numpy number types), unused.
    assert {"openpyxl", "lxml"} <= modules
    assert not modules & {*GOOGLE_AND_DATAFRAMES, "jsonschema"}, modules
