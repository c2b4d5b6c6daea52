"""--json: one document; indented for a person at a terminal, one line for a program."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from syncer.cli import cli
from syncer.model import Action, Decision, Urgency
from syncer.output import json_document, row_json
from syncer.results import RowResult, TrackerResult

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


@given(
    st.integers(1, 10**7),
    st.sampled_from([None, *Action]),
    st.none() | st.dates(),
    st.sampled_from(list(Urgency)),
    st.text(),
)
def test_a_row_is_encoded_as_json_dumps_encodes_its_dict(
    row: int, action: Action | None, due: date | None, urgency: Urgency, why: str
) -> None:
    result = RowResult(row, "Acme", "Dev", Decision(action, due, urgency, why))
    assert row_json(result) == json.dumps(result.as_json(), ensure_ascii=False)
