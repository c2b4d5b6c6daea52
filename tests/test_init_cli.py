"""`syncer init`: a new .xlsx or .csv, and the candidate's name kept beside it for `sync`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.backends.workbook_init import default_columns
from syncer.cli import cli
from syncer.config import load_config, tracker_config
from syncer.errors import ConfigError
from syncer.tracker_settings import read_settings

ROW = {
    "Company": "Northwind",
    "Position": "Analyst",
    "Stage": "Applied",
    "Contact Name": "Priya",
    "Applied On": "2026-11-12",
}


def init(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["init", *args])
    return done.exit_code, done.output


def add_row(path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerow(ROW.get(h, "") for h in header)


def draft_of(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    return row["Draft"]


def sync(*args: str) -> None:
    done = CliRunner().invoke(cli, ["sync", *args, "--today", "2026-11-26"])
    assert done.exit_code == 0, done.output


def test_init_csv_writes_the_header_row_alone_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    code, output = init(str(path))
    assert code == 0, output
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads accents right
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == [",".join(header for header, _ in default_columns())]
    assert f"syncer sync {path}" in output


def test_a_new_csv_syncs_and_keeps_accents(tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    init(str(path))
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("Café Olé,Barista,applied,Rosa Díaz,,,,2026-11-12\r\n")
    sync(str(path))
    text = path.read_bytes().decode("utf-8-sig")
    assert "Café Olé" in text and "Rosa Díaz" in text and "Follow up" in text


def test_init_refuses_an_existing_file_and_other_suffixes(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("my data\n", encoding="utf-8")
    code, output = init(str(path))
    assert code == 2 and "already exists" in output
    assert path.read_text(encoding="utf-8") == "my data\n"
    code, output = init(str(tmp_path / "jobs.ods"))
    assert code == 2 and ".xlsx or .csv" in output


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_name_is_kept_beside_the_tracker_and_signs_the_drafts(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"tracker{suffix}"
    code, output = init(str(path), "--name", 'Sam "Sammy" Rivera')
    assert code == 0, output
    beside = tmp_path / f"tracker{suffix}.syncer.toml"
    assert f"kept in {beside}" in output
    assert read_settings(path) == {"candidate_name": 'Sam "Sammy" Rivera'}
    if suffix == ".csv":
        add_row(path)
        sync(str(path))
        assert draft_of(path).rstrip().endswith('Sam "Sammy" Rivera')


def test_without_a_name_init_says_where_one_would_go(tmp_path: Path) -> None:
    code, output = init(str(tmp_path / "t.xlsx"))
    assert code == 0
    assert f'candidate_name = "..." in {tmp_path / "t.xlsx.syncer.toml"}' in output
    assert not (tmp_path / "t.xlsx.syncer.toml").exists()


def test_an_existing_settings_file_is_not_overwritten(tmp_path: Path) -> None:
    beside = tmp_path / "t.csv.syncer.toml"
    beside.write_text('candidate_name = "Mine"\n', encoding="utf-8")
    code, output = init(str(tmp_path / "t.csv"), "--name", "Other")
    assert code == 2 and "will not overwrite" in output
    assert beside.read_text(encoding="utf-8") == 'candidate_name = "Mine"\n'
    assert not (tmp_path / "t.csv").exists()


def test_the_settings_rank_between_defaults_and_the_trackers_entry(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    init(str(path), "--name", "Beside")
    defaults = {"candidate_name": "Default", "timezone": "Europe/London"}
    chosen = tracker_config({"source": "t.csv"}, defaults, tmp_path, "c.toml", "trackers.1")
    assert chosen.candidate_name == "Beside" and chosen.timezone == "Europe/London"
    entry = {"source": "t.csv", "candidate_name": "Entry"}
    assert tracker_config(entry, defaults, tmp_path, "c", "t").candidate_name == "Entry"
    config = tmp_path / "coach.toml"
    config.write_text(
        '[defaults]\ncandidate_name = "Default"\n[[trackers]]\nsource = "t.csv"\n',
        encoding="utf-8",
    )
    assert load_config(config).trackers[0].candidate_name == "Beside"
    add_row(path)
    sync("--config", str(config))
    assert draft_of(path).rstrip().endswith("Beside")


def test_a_bad_settings_file_names_itself_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    init(str(path))
    beside = tmp_path / "t.csv.syncer.toml"
    beside.write_text('candidate_nam = "Sam"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"t\.csv\.syncer\.toml: key candidate_nam: unknown key"):
        read_settings(path)
    done = CliRunner().invoke(cli, ["sync", str(path)])
    assert done.exit_code == 2 and "t.csv.syncer.toml" in done.output
    beside.write_text("date_order = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="key date_order"):
        read_settings(path)
