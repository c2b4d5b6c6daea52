"""The same tracker as a local .csv and as a Sheet plans the same action/due/urgency per row."""

from __future__ import annotations

import shutil
from pathlib import Path

from syncer.config import TrackerConfig
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import EXAMPLE, OPTIONS, Google, sheet_config


def outcomes(rows: list) -> list[tuple[int, str, str | None, str]]:
    return [
        (
            r.row,
            r.decision.action.value if r.decision.action else "",
            r.decision.due_on.isoformat() if r.decision.due_on else None,
            r.decision.urgency.value,
        )
        for r in rows
    ]


def test_csv_and_sheet_agree_on_every_row(
    google: Google, example_sheet: str, tmp_path: Path
) -> None:
    local = tmp_path / "tracker.csv"
    shutil.copy(EXAMPLE, local)
    csv_result, _ = sync_tracker(
        TrackerConfig(source=str(local)),
        RunOptions(today=OPTIONS.today, now=OPTIONS.now, dry_run=True),
    )
    sheet_result, _ = sync_tracker(sheet_config(example_sheet), OPTIONS, opener=google.opener())
    assert csv_result.failed is None and sheet_result.failed is None
    assert outcomes(sheet_result.rows) == outcomes(csv_result.rows)
    assert len(sheet_result.rows) >= 10
