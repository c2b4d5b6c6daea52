"""Global options anywhere on the line; with --log-format json every stderr line is JSON; logs
never hold an applicant's words."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.exitcodes import ExitCode
from tests.shipped import (
    SYNCER,
    cron_environment,
    json_lines,
    run_like_cron,
    served_emulator,
    write_tracker,
)

TODAY = "2026-11-26"

#: Words that appear nowhere in syncer: one per kind of thing a person writes in a tracker.
MARKERS = {
    "Company": "Zyxquorp",
    "Position": "Plimbertron",
    "Contact Name": "Wexmoria",
    "Contact Email": "wexmoria@zyxquorp.example",
    "Topics Discussed": "Qualvantix",
    "Personal Connection": "Brindlewisp",
    "Notes": "Frobnitzal",
}
MARKED_ROWS: list[dict[str, object]] = [
    {**MARKERS, "Stage": "interviewed", "Interview Date": "2026-11-25"},
    {**MARKERS, "Stage": "applied", "Applied On": "2026-11-12"},
    {**MARKERS, "Stage": "applied", "Applied On": "31/02/2025"},  # invalid: Why quotes the cell
]


@pytest.mark.parametrize(
    "arguments",
    [
        ["--log-format", "json", "-v", "sync", "{tracker}"],
        ["sync", "{tracker}", "--log-format", "json", "-v"],
        ["-v", "sync", "--log-format=json", "{tracker}", "-v"],
    ],
)
def test_global_options_before_or_after_the_subcommand(
    tmp_path: Path, arguments: list[str]
) -> None:
    tracker = write_tracker(tmp_path / "tracker.csv")
    line = [part.format(tracker=tracker) for part in arguments] + ["--today", TODAY]
    result = CliRunner().invoke(cli, line)
    assert result.exit_code == ExitCode.OK, result.output
    records = json_lines(result.stderr)
    assert any(record.get("event") == "summary" for record in records)
    assert any(record["logger"] == "syncer.run" and record["level"] == "info" for record in records)


def test_verbosity_adds_up_across_both_places(tmp_path: Path) -> None:
    tracker = write_tracker(tmp_path / "tracker.csv")
    quiet = CliRunner().invoke(cli, ["sync", str(tracker), "--today", TODAY])
    loud = CliRunner().invoke(cli, ["-v", "sync", str(tracker), "--today", TODAY, "-v"])
    assert "DEBUG" not in quiet.stderr
    assert "DEBUG" in loud.stderr or "INFO" in loud.stderr


def test_every_command_takes_the_global_options() -> None:
    for command in ("history", "demo", "init", "doctor", "undo", "emulator", "sync"):
        result = CliRunner().invoke(cli, [command, "--log-format", "json", "--help"])
        assert result.exit_code == 0, (command, result.output)
    served = CliRunner().invoke(cli, ["emulator", "serve", "-v", "--help"])
    assert served.exit_code == 0, served.output


def test_a_usage_error_is_a_json_line_with_json_logs(tmp_path: Path) -> None:
    run = run_like_cron(
        [str(SYNCER), "sync", "--log-format", "json", "--no-such-option"],
        cron_environment(tmp_path),
    )
    assert run.returncode == ExitCode.USAGE
    (record,) = json_lines(run.stderr)
    assert record["level"] == "error" and "--no-such-option" in str(record["message"])


def _assert_clean_json_log(run: subprocess.CompletedProcess[str]) -> None:
    records = json_lines(run.stderr)  # every line is JSON
    assert any(record["level"] == "debug" for record in records), "-vv logs the steps"
    for word in MARKERS.values():
        assert word.lower() not in run.stderr.lower(), word
    assert MARKERS["Company"] in run.stdout, "the report shows them: they were there to leak"


def test_json_logs_hold_no_applicants_words_local(tmp_path: Path) -> None:
    tracker = write_tracker(tmp_path / "tracker.csv", MARKED_ROWS)
    command = [str(SYNCER), "-vv", "--log-format", "json", "sync", str(tracker), "--today", TODAY]
    run = run_like_cron([*command, "--all"], cron_environment(tmp_path))
    assert run.returncode == ExitCode.OK, run.stderr
    _assert_clean_json_log(run)
    dry = run_like_cron([*command, "--dry-run", "--all"], cron_environment(tmp_path))
    _assert_clean_json_log(dry)


def test_json_logs_hold_no_applicants_words_sheets(tmp_path: Path) -> None:
    sheet = write_tracker(tmp_path / "marked.csv", MARKED_ROWS)
    with served_emulator(tmp_path, sheet) as emulator:
        environment = cron_environment(tmp_path, SYNCER_GOOGLE_ENDPOINT=emulator.base_url)
        url = emulator.urls["marked.csv"]
        command = [str(SYNCER), "sync", url, "--today", TODAY, "-vv", "--log-format", "json"]
        run = run_like_cron(command, environment)
    assert run.returncode == ExitCode.OK, run.stderr
    _assert_clean_json_log(run)


@pytest.mark.parametrize(
    ("arguments", "json_logs"), [([], False), (["--log-format", "json"], True)]
)
def test_no_command_is_a_usage_error_without_traceback(
    tmp_path: Path, arguments: list[str], json_logs: bool
) -> None:
    run = run_like_cron([str(SYNCER), *arguments], cron_environment(tmp_path))
    assert run.returncode == ExitCode.USAGE
    assert "Traceback" not in run.stderr
    if json_logs:
        (record,) = json_lines(run.stderr)
        assert record["event"] == "error"
    else:
        assert "Usage: syncer" in run.stdout + run.stderr
