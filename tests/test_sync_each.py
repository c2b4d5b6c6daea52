"""sync_each: outcomes in the configs' order; plans let go unless asked for."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from syncer.config import TrackerConfig
from syncer.sync import RunOptions, sync_each

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tracker.csv"
OPTIONS = RunOptions(today=date(2026, 11, 26), now=datetime(2026, 11, 26, 2, 0))


def trackers(folder: Path, n: int) -> list[TrackerConfig]:
    configs = []
    for index in range(n):
        path = folder / f"t{index}.csv"
        shutil.copy(EXAMPLE, path)
        configs.append(TrackerConfig(source=str(path), name=f"Client {index}"))
    return configs


def test_plans_are_kept_only_when_asked_for(tmp_path: Path) -> None:
    configs = trackers(tmp_path, 3)
    kept = sync_each(configs, RunOptions(OPTIONS.today, OPTIONS.now, dry_run=True))
    assert all(plan is not None and plan.rows for _, plan in kept)
    dropped = sync_each(configs, OPTIONS, concurrency=2, keep_plans=False)
    assert [result.client for result, _ in dropped] == [c.name for c in configs]
    assert all(plan is None and result.failed is None for result, plan in dropped)
