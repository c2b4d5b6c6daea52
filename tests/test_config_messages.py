"""Config and input messages name the place the person wrote, and say what fixes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.dates import BadDate, DateOrder, parse_date
from syncer.exitcodes import ExitCode
from tests.shipped import write_tracker

TRACKERS = """
[[trackers]]
source = "a.csv"
[[trackers]]
source = "b.csv"
"""


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[defaults]\ntimezon = 'UTC'\n",
            "[defaults] timezon: unknown key; did you mean 'timezone'?",
        ),
        (
            "[defaults.policy]\nfeedback_wait_dayz = 2\n",
            "[defaults.policy] feedback_wait_dayz: unknown key; did you mean 'feedback_wait_days'?",
        ),
        (
            TRACKERS + '[[trackers]]\nname = "Jo Park"\nsource = "c.csv"\npolcy = {}\n',
            "[[trackers]] #3 \"Jo Park\": polcy: unknown key; did you mean 'policy'?",
        ),
        (TRACKERS + "[[trackers]]\nsorce = 'c.csv'\n", "[[trackers]] #3: sorce: unknown key"),
        (
            '[[trackers]]\nname = "Jo Park"\nsource = "a.csv"\ntimezone = "Mars/Base"\n',
            "[[trackers]] #1 \"Jo Park\": timezone: unknown time zone 'Mars/Base'",
        ),
        (
            "[defaults]\ntimezone = 'Mars/Base'\n" + TRACKERS,
            "[defaults] timezone: unknown time zone 'Mars/Base'",
        ),
        ("[run]\nconcurency = 2\n" + TRACKERS, "[run] concurency: unknown key; did you mean"),
    ],
)
def test_a_config_mistake_names_where_it_was_written(
    tmp_path: Path, toml: str, message: str
) -> None:
    config = tmp_path / "coach.toml"
    config.write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--config", str(config)])
    assert result.exit_code == ExitCode.USAGE
    assert f"{config}: {message}" in result.stderr
    assert "Traceback" not in result.output


def test_defaults_applied_to_a_source_on_the_command_line_name_the_config(tmp_path: Path) -> None:
    config = tmp_path / "me.toml"
    config.write_text("[defaults]\ntimezone = 'Mars/Base'\n", encoding="utf-8")
    tracker = write_tracker(tmp_path / "t.csv")
    result = CliRunner().invoke(cli, ["sync", str(tracker), "--config", str(config)])
    assert result.exit_code == ExitCode.USAGE
    assert f"{config}: [defaults] timezone: unknown time zone" in result.stderr


@pytest.mark.parametrize(
    ("text", "order", "hint"),
    [
        ("2026/11/20", DateOrder.MDY, 'set date_order = "YMD"'),
        ("20/11/2026", DateOrder.MDY, 'set date_order = "DMY"'),
        ("11/20/2026", DateOrder.DMY, 'set date_order = "MDY"'),
    ],
)
def test_a_date_in_another_order_gets_the_setting_that_reads_it(
    text: str, order: DateOrder, hint: str
) -> None:
    with pytest.raises(BadDate, match=hint):
        parse_date(text, order)


def test_a_date_no_order_reads_gets_no_order_hint() -> None:
    with pytest.raises(BadDate) as raised:
        parse_date("31/02/2025")
    assert "date_order" not in str(raised.value)


def test_the_hint_reaches_the_why_of_the_row(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {
            "Company": "Initech",
            "Position": "Analyst",
            "Stage": "applied",
            "Applied On": "20/11/2026",
        }
    ]
    tracker = write_tracker(tmp_path / "t.csv", rows)
    result = CliRunner().invoke(cli, ["sync", str(tracker), "--today", "2026-11-26", "--json"])
    assert result.exit_code == ExitCode.OK, result.output
    (row,) = json.loads(result.stdout)["trackers"][0]["rows"]
    assert row["urgency"] == "invalid" and 'date_order = "DMY"' in row["why"]
