"""`syncer sync tracker.csv --today ... --json`: SPEC.md's answer for every row, end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from tests.trackers import DEFAULT_HEADERS, as_rows, shuffled, write_csv

TODAY = "2026-11-26"

# Each record: the cells (by header) and SPEC.md's expected (action, due, urgency).
# fmt: off
RECORDS: list[tuple[dict[str, object], tuple[str | None, str | None, str]]] = [
    ({"Company": "A", "Position": "P", "Stage": "applied", "Applied On": "2026-11-18"},
     ("follow_up", "2026-11-25", "overdue")),
    ({"Company": "B", "Position": "P", "Stage": " Interview Scheduled ", "Interview Date": "2026-12-03 10:00"},
     ("prepare_interview", "2026-12-01", "upcoming")),
    ({"Company": "C", "Position": "P", "Stage": "INTERVIEWED", "Interview Date": "11/25/2026"},
     ("send_thank_you", "2026-11-26", "today")),
    ({"Company": "D", "Position": "P", "Stage": "interviewing", "Interview Date": "2026-11-18",
      "Thank-You Sent": "2026-11-18", "Decision Expected": "2026-12-04"},
     ("follow_up", "2026-12-07", "upcoming")),
    ({"Company": "E", "Position": "P", "Stage": "offer", "Offer Received": "2026-11-25",
      "Offer Deadline": "2026-11-30", "Offer Decision": "accept"},
     ("respond_to_offer", "2026-11-27", "upcoming")),
    ({"Company": "F", "Position": "P", "Stage": "negotiating", "Last Response": "2026-11-25"},
     ("follow_up", "2026-11-30", "upcoming")),
    ({"Company": "G", "Position": "P", "Stage": "accepted", "Offer Received": "2026-11-20"},
     ("send_acceptance", "2026-11-23", "overdue")),
    ({"Company": "H", "Position": "P", "Stage": "rejected", "Rejected On": "2026-11-23"},
     ("request_feedback", "2026-11-26", "today")),
    ({"Company": "I", "Position": "P", "Stage": "wishlist"}, ("none", None, "done")),
    ({"Company": "J", "Position": "P", "Stage": "applied", "Applied On": "2026-11-02",
      "Follow-Ups Sent": "2"},
     ("close_out", "2026-11-09", "overdue")),
    ({"Company": "K", "Position": "P", "Stage": "applied", "Applied On": "2026-11-18",
      "Snooze Until": "2026-12-10"},
     ("follow_up", "2026-12-10", "upcoming")),
    # problems: each is invalid, the rest of the work goes on
    ({"Company": "L", "Position": "P", "Stage": "daydreaming"}, (None, None, "invalid")),
    ({"Company": "M", "Position": "P", "Stage": "applied", "Applied On": "31/02/2025"},
     (None, None, "invalid")),
    ({"Company": "N", "Position": "P", "Stage": "applied", "Applied On": "2026-11-18",
      "Follow-Ups Sent": "two"},
     (None, None, "invalid")),
    ({"Company": "O", "Position": "P", "Stage": "applied", "Applied On": "2026-11-18",
      "Follow-Ups Sent": "-1"},
     (None, None, "invalid")),
    ({"Company": "", "Position": "P", "Stage": "applied", "Applied On": "2026-11-18"},
     (None, None, "invalid")),
    ({"Company": "Q", "Position": "P", "Stage": "applied", "Applied On": "2026-12-01"},
     (None, None, "invalid")),
    ({"Company": "R", "Position": "P", "Stage": "rejected"}, (None, None, "invalid")),
]
# fmt: on


def build(tmp_path: Path, seed: int) -> tuple[Path, dict[int, tuple[str | None, str | None, str]]]:
    header = shuffled([*DEFAULT_HEADERS, "My Notes", "Salary Band"], seed)
    records: list[dict[str, object]] = []
    expected: dict[int, tuple[str | None, str | None, str]] = {}
    sheet_row = 2
    for index, (cells, answer) in enumerate(RECORDS):
        records.append({**cells, "My Notes": f"note {index}", "Salary Band": "0042"})
        expected[sheet_row] = answer
        sheet_row += 1
        if index % 5 == 4:
            records.append({})  # a wholly blank row: skipped, but it keeps its sheet row
            sheet_row += 1
    return write_csv(tmp_path / "tracker.csv", header, as_rows(header, records)), expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_json_gives_spec_answers_with_shuffled_columns(tmp_path: Path, seed: int) -> None:
    path, expected = build(tmp_path, seed)
    result = CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (tracker,) = document["trackers"]
    got = {row["row"]: (row["action"], row["due"], row["urgency"]) for row in tracker["rows"]}
    assert got == expected
    assert all(row["why"] for row in tracker["rows"])
    invalid_rows = [row for row in tracker["rows"] if row["urgency"] == "invalid"]
    assert len(tracker["errors"]) >= len(invalid_rows)
    assert any(
        "column Applied On" in error and "31/02/2025" in error for error in tracker["errors"]
    )


def test_only_owned_columns_change_and_second_sync_writes_nothing(tmp_path: Path) -> None:
    path, _ = build(tmp_path, 7)
    before = list(csv.reader(path.open(newline="", encoding="utf-8")))
    first = CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY])
    assert first.exit_code == 0, first.output
    after = list(csv.reader(path.open(newline="", encoding="utf-8")))
    width = len(before[0])
    assert [row[:width] for row in after] == before  # every person's cell, byte for byte
    assert after[0][width:] == [
        "Next Action",
        "Due Date",
        "Urgency",
        "Why",
        "Draft",
        "Last Synced",
        "Row ID",
    ]
    snapshot = path.read_bytes()
    sidecar = path.with_name(path.name + ".syncer.json").read_bytes()
    second = CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY, "--json"])
    assert second.exit_code == 0
    assert json.loads(second.stdout)["trackers"][0]["cells_written"] == 0
    assert path.read_bytes() == snapshot
    assert path.with_name(path.name + ".syncer.json").read_bytes() == sidecar


def test_dry_run_writes_nothing_and_shows_changes(tmp_path: Path) -> None:
    path, _ = build(tmp_path, 3)
    snapshot = path.read_bytes()
    arguments = ["sync", str(path), "--today", TODAY, "--dry-run", "--all"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == snapshot
    assert not path.with_name(path.name + ".syncer.json").exists()
    assert "would add 7 column(s) and write" in result.stdout
    assert "Planned changes" in result.stdout
    assert "row 2  Next Action: '' -> " in result.stdout


def test_missing_file_fails_that_tracker_only(tmp_path: Path) -> None:
    good, _ = build(tmp_path, 1)
    result = CliRunner().invoke(
        cli, ["sync", str(tmp_path / "nope.csv"), str(good), "--today", TODAY, "--json"]
    )
    assert result.exit_code == 1
    trackers = json.loads(result.stdout)["trackers"]
    assert trackers[0]["status"] == "failed" and "nope.csv" in trackers[0]["source"]
    assert trackers[1]["status"] == "synced"


def test_missing_required_header_names_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["Company", "Role", "Stage"], [["A", "B", "applied"]])
    result = CliRunner().invoke(cli, ["sync", str(path), "--today", TODAY, "--json"])
    assert result.exit_code == 1
    assert "'Position'" in json.loads(result.stdout)["trackers"][0]["failed"]
    assert path.read_bytes() == b"Company,Role,Stage\r\nA,B,applied\r\n"


def test_config_aliases_and_bad_config(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "t.csv",
        ["Employer", "Position", "Status", "Applied On"],
        [["A", "B", "In review", "2026-11-18"]],
    )
    config = tmp_path / "syncer.toml"
    config.write_text(
        '[defaults.columns]\ncompany = ["Employer"]\nstage = ["Status"]\n'
        '[defaults.stages]\n"In review" = "applied"\n'
        '[[trackers]]\nsource = "t.csv"\n'
    )
    result = CliRunner().invoke(cli, ["sync", "--config", str(config), "--today", TODAY, "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["trackers"][0]["rows"][0]
    assert (row["action"], row["due"]) == ("follow_up", "2026-11-25")

    config.write_text('[defaults.policy]\nfollow_up_days = 3\n[[trackers]]\nsource = "t.csv"\n')
    bad = CliRunner().invoke(cli, ["sync", "--config", str(config)])
    assert bad.exit_code == 2
    assert "syncer.toml: [defaults.policy] follow_up_days: unknown key" in bad.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 2
    assert CliRunner().invoke(cli, ["sync", "x.csv", "--today", "26/11/2026"]).exit_code == 2


def test_shards_split_a_config_between_runs(tmp_path: Path) -> None:
    entries = []
    for index in range(6):
        write_csv(
            tmp_path / f"c{index}.csv", ["Company", "Position", "Stage"], [["A", "B", "wishlist"]]
        )
        entries.append(f'[[trackers]]\nname = "client {index}"\nsource = "c{index}.csv"\n')
    config = tmp_path / "coach.toml"
    config.write_text("".join(entries))
    seen: list[str] = []
    for shard in ("1/2", "2/2"):
        result = CliRunner().invoke(
            cli, ["sync", "--config", str(config), "--shard", shard, "--json"]
        )
        assert result.exit_code == 0, result.output
        seen += [tracker["client"] for tracker in json.loads(result.stdout)["trackers"]]
    assert sorted(seen) == [f"client {index}" for index in range(6)]
    bad = CliRunner().invoke(cli, ["sync", "--config", str(config), "--shard", "3/2"])
    assert bad.exit_code == 2


def test_formula_like_draft_is_neutralised_once(tmp_path: Path) -> None:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "follow_up.email.j2").write_text("- talk to {{ company }}\n")
    path = write_csv(
        tmp_path / "t.csv",
        ["Company", "Position", "Stage", "Applied On"],
        [["Acme", "Dev", "applied", "2026-11-18"]],
    )
    config = tmp_path / "c.toml"
    config.write_text('[defaults]\ntemplates = "tpl"\n[[trackers]]\nsource = "t.csv"\n')
    args = ["sync", "--config", str(config), "--today", TODAY, "--json"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    header, row = list(csv.reader(path.open(newline="", encoding="utf-8")))
    assert row[header.index("Draft")] == "'- talk to Acme"  # one apostrophe, not two
    again = CliRunner().invoke(cli, args)
    assert json.loads(again.stdout)["trackers"][0]["cells_written"] == 0


def test_config_defaults_paths_are_relative_to_the_config_for_command_line_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "settings"
    (settings / "tpl").mkdir(parents=True)
    (settings / "tpl" / "follow_up.email.j2").write_text("Custom note to {{ company }}\n")
    (settings / "me.toml").write_text('[defaults]\ntemplates = "tpl"\n')
    work = tmp_path / "work"
    work.mkdir()
    write_csv(
        work / "t.csv",
        ["Company", "Position", "Stage", "Applied On"],
        [["Acme", "Dev", "applied", "2026-11-18"]],
    )
    monkeypatch.chdir(work)
    args = ["sync", "t.csv", "--config", str(settings / "me.toml"), "--today", TODAY]
    assert CliRunner().invoke(cli, args).exit_code == 0
    header, row = list(csv.reader((work / "t.csv").open(newline="", encoding="utf-8")))
    assert row[header.index("Draft")] == "Custom note to Acme"
