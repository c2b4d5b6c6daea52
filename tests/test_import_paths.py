"""Each run imports only what its path needs: start-up is most of a small tracker's sync."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

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


def csv_sync_modules(tmp_path: Path) -> set[str]:
    """The modules `syncer sync t.csv --json` imports, without a config."""
    tracker = write_csv(
        tmp_path / "t.csv",
        ["Company", "Position", "Stage", "Applied On"],
        [["Acme", "Analyst", "applied", "2026-11-20"]],
    )
    modules = imported("sync", str(tracker), "--today", "2026-11-26", "--json")
    assert "syncer" in modules
    return modules


def test_a_csv_sync_never_loads_the_workbook_or_google_libraries(tmp_path: Path) -> None:
    modules = csv_sync_modules(tmp_path)
    assert not modules & {"openpyxl", "numpy", "lxml", "pandas", "gspread", "google"}, modules


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
