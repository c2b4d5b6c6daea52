"""The quick-start demo: the bundled sample tracker, its dates moved to sit around today.

Dates move by working days, not calendar days: an interview two working days ahead of the
sample's day is two working days ahead of today, and every date lands on a Monday to Friday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from syncer.dates import WorkCalendar
from syncer.resources import example

#: The day the sample tracker was written for (a Thursday).
SAMPLE_DAY = date(2026, 11, 26)
#: The folder ``syncer demo`` writes into unless told otherwise, and its tracker's name.
DEMO_FOLDER = Path("syncer-demo")
DEMO_TRACKER = "tracker.csv"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAYS = WorkCalendar()


@dataclass(frozen=True)
class DemoFiles:
    """What the demo writes: the tracker, and what syncer keeps beside a .csv it writes (its
    state file, and a backup of the version before the write)."""

    tracker: Path

    @property
    def state(self) -> Path:
        return self.tracker.with_name(self.tracker.name + ".syncer.json")

    @property
    def backup(self) -> Path:
        return self.tracker.with_name(self.tracker.name + ".bak")


def _working_days_between(start: date, end: date) -> int:
    """How many working days ``end`` lies after ``start`` (negative when before)."""
    step = 1 if end >= start else -1
    count, day = 0, start
    while day != end:
        day += timedelta(days=step)
        if _WEEKDAYS.is_workday(day):
            count += step
    return count


def _add_working_days(start: date, count: int) -> date:
    step = 1 if count >= 0 else -1
    day = start
    for _ in range(abs(count)):
        day += timedelta(days=step)
        while not _WEEKDAYS.is_workday(day):
            day += timedelta(days=step)
    return day


def move_date(day: date, today: date) -> date:
    """The sample's ``day`` moved to sit as many working days from ``today`` as it sat from
    the sample's day; always a working day (a weekend date first goes to the Friday before)."""
    offset = _working_days_between(SAMPLE_DAY, _WEEKDAYS.back(day))
    return _add_working_days(_WEEKDAYS.back(today), offset)


def _shift(text: str, today: date) -> str:
    def moved(match: re.Match[str]) -> str:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]  # the sample's deliberately bad date stays bad
        return move_date(day, today).isoformat()

    return _ISO_DATE.sub(moved, text)


def write_demo_tracker(folder: Path, today: date) -> DemoFiles:
    """Write the sample tracker into ``folder`` (replacing an earlier demo there)."""
    files = DemoFiles(folder / DEMO_TRACKER)
    text = example("tracker.csv").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (files.tracker, files.state, files.backup):
        stale.unlink(missing_ok=True)
    files.tracker.write_text(_shift(text, today), encoding="utf-8", newline="")
    return files
