"""`syncer demo`: a folder of its own, the paths it wrote, sample dates on working days."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from syncer.cli import cli
from syncer.demo import SAMPLE_DAY, move_date
from syncer.resources import example

SAMPLE = Path(str(example("tracker.csv")))


def sample_dates() -> list[date]:
    days = []
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            for cell in row:
                try:
                    days.append(date.fromisoformat(cell[:10]))
                except ValueError:
                    continue
    return days


def input_dates(tracker: Path) -> list[date]:
    """Every date in the sample's own columns of a demo tracker (not syncer's Due Date)."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        own = next(csv.reader(handle))
    days = []
    with tracker.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for header in own:
                try:
                    days.append(date.fromisoformat((row[header] or "")[:10]))
                except ValueError:
                    continue
    return days


def test_the_demo_writes_into_its_own_folder_and_names_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["demo", "--today", "2026-12-07"])
    assert done.exit_code == 0, done.output
    assert [p.name for p in tmp_path.iterdir()] == ["syncer-demo"]
    folder = tmp_path / "syncer-demo"
    assert sorted(p.name for p in folder.iterdir()) == [
        "tracker.csv",
        "tracker.csv.bak",
        "tracker.csv.syncer.json",
    ]
    stderr = done.stderr
    assert "syncer-demo/tracker.csv" in stderr
    assert "tracker.csv.syncer.json" in stderr and "tracker.csv.bak" in stderr
    header = next(csv.reader((folder / "tracker.csv").open(encoding="utf-8")))
    assert "Next Action" in header and "Draft" in header


def test_dir_puts_the_demo_elsewhere_and_a_second_run_replaces_it(tmp_path: Path) -> None:
    target = tmp_path / "try" / "here"
    for _ in range(2):
        done = CliRunner().invoke(cli, ["demo", "--dir", str(target), "--today", "2026-12-05"])
        assert done.exit_code == 0, done.output
    assert (target / "tracker.csv").is_file()
    assert str(target / "tracker.csv") in done.stderr


@pytest.mark.parametrize("today", [date(2026, 12, 5), date(2026, 12, 6), date(2027, 3, 1)])
def test_the_demos_own_dates_are_working_days(tmp_path: Path, today: date) -> None:
    done = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--today", today.isoformat()])
    assert done.exit_code == 0, done.output
    days = input_dates(tmp_path / "tracker.csv")
    assert len(days) == len(sample_dates())
    assert [day for day in days if day.weekday() >= 5] == []


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_moved_dates_keep_their_side_of_today(today: date) -> None:
    workday = today - timedelta(days=max(0, today.weekday() - 4))
    for day in sample_dates():
        moved = move_date(day, today)
        assert moved.weekday() < 5
        if day < SAMPLE_DAY:
            assert moved < workday, (day, moved)
        elif day > SAMPLE_DAY:
            assert moved > workday, (day, moved)


def test_the_sample_moves_by_working_days() -> None:
    # The sample's interview on Tuesday 2026-12-01 is three working days after its Thursday.
    assert move_date(date(2026, 12, 1), date(2026, 12, 7)) == date(2026, 12, 10)
    assert move_date(date(2026, 11, 25), date(2026, 12, 7)) == date(2026, 12, 4)
    # A weekend date of the sample goes to the Friday before, then moves.
    assert move_date(date(2026, 11, 21), SAMPLE_DAY) == date(2026, 11, 20)


def test_the_installed_command_runs_the_quick_start_demo(tmp_path: Path) -> None:
    syncer = shutil.which("syncer", path=str(Path(sys.executable).parent))
    if syncer is None:
        pytest.skip("syncer is not installed beside this Python")
    done = subprocess.run(
        [syncer, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "syncer-demo" / "tracker.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["syncer-demo"]
