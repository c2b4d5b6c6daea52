"""The quick-start demo: the bundled sample tracker, its dates moved to sit around today."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from syncer.resources import example

#: The day the sample tracker was written for; its dates are shifted by (today - this).
SAMPLE_DAY = date(2026, 11, 26)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _shift(text: str, offset: timedelta) -> str:
    def moved(match: re.Match[str]) -> str:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]  # the sample's deliberately bad date stays bad
        return (day + offset).isoformat()

    return _ISO_DATE.sub(moved, text)


def write_demo_tracker(path: Path, today: date) -> Path:
    """Write the sample tracker to ``path`` (replacing an earlier demo) and return the path."""
    text = example("tracker.csv").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".syncer.json")):
        stale.unlink(missing_ok=True)
    path.write_text(_shift(text, today - SAMPLE_DAY), encoding="utf-8", newline="")
    return path
