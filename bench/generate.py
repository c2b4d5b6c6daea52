"""Generated trackers for the benchmarks: realistic rows over every stage, seeded."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from syncer.columns import input_fields

HEADERS = [spec.header for spec in input_fields()] + ["My Rating", "Referral"]
STAGES = [
    "wishlist",
    "applied",
    "Interview Scheduled",
    "interviewed",
    "offer",
    "negotiating",
    "accepted",
    "rejected",
    "withdrawn",
    "closed",
]


def _day(rng: random.Random, today: date, back: int, ahead: int = 0) -> str:
    return (today + timedelta(days=rng.randint(-back, ahead))).isoformat()


def generate_rows(n: int, today: date, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        stage = STAGES[i % len(STAGES)]
        cells = dict.fromkeys(HEADERS, "")
        cells.update(
            {
                "Company": f"Company {i}",
                "Position": rng.choice(["Engineer", "Analyst", "Designer", "Manager"]),
                "Stage": stage,
                "Contact Name": f"Contact {i}",
                "Contact Email": f"contact{i}@example.com",
                "Contact Phone": f"0{rng.randint(1000000, 9999999)}",
                "Preferred Channel": rng.choice(["email", "email", "phone", "letter", ""]),
                "Applied On": _day(rng, today, 60, -1),
                "Follow-Ups Sent": str(rng.randint(0, 3)),
                "Topics Discussed": rng.choice(["", "the roadmap", "team rituals, testing"]),
                "Industry": "Software",
                "Notes": f"note {i}",
                "My Rating": str(rng.randint(1, 5)),
                "Referral": rng.choice(["", "Sam", '=HYPERLINK("x")']),
            }
        )
        if stage in ("Interview Scheduled", "interviewed", "offer", "negotiating", "accepted"):
            cells["Interview Date"] = _day(rng, today, 20, 10 if stage != "interviewed" else 0)
        if stage == "Interview Scheduled" and rng.random() < 0.5:
            cells["Interview Date"] = _day(rng, today, 0, 14)
        if stage in ("offer", "negotiating", "accepted"):
            cells["Offer Received"] = _day(rng, today, 10, -1)
            cells["Offer Deadline"] = _day(rng, today, -2, 14)
        if stage == "rejected":
            cells["Rejected On"] = _day(rng, today, 10, -1)
        if rng.random() < 0.3:
            cells["Last Contact"] = _day(rng, today, 15, -1)
        rows.append([cells[h] for h in HEADERS])
    return rows


def write_csv(path: Path, n: int, today: date, seed: int = 1) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(generate_rows(n, today, seed))
    return path


def write_xlsx(path: Path, n: int, today: date, seed: int = 1) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Applications"
    sheet.append(HEADERS)
    for row in generate_rows(n, today, seed):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    workbook.create_sheet("Notes").append(["my own sheet", "=1+1"])
    workbook.save(path)
    return path
