"""--json: one document; indented for a person at a terminal, one line for a program."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from syncer.cli import cli
from syncer.output import json_document
from syncer.results import TrackerResult

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tracker.csv"


def test_piped_json_is_one_line_and_parses(tmp_path: Path) -> None:
    tracker = tmp_path / "tracker.csv"
    shutil.copy(EXAMPLE, tracker)
    done = CliRunner().invoke(cli, ["sync", str(tracker), "--today", "2026-11-26", "--json"])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    document = json.loads(lines[0])
    assert document["trackers"][0]["source"] == str(tracker)
    assert document["summary"]["synced"] == 1


def test_the_indented_document_holds_the_same_data() -> None:
    results = [TrackerResult(source="a.csv", client="Ana")]
    pretty = json_document(results, dry_run=True)
    compact = json_document(results, dry_run=True, indent=None)
    assert "\n  " in pretty and "\n" not in compact
    assert json.loads(pretty) == json.loads(compact)
