"""A coach's roster of 50 clients' Google Sheets trackers on the emulator, two of them broken.

Every call is the coach's account. One sheet was never shared with the coach (403); one key
points at a sheet the client deleted (404). Shared by the coach-mode tests (sync_all and CLI).
"""

from __future__ import annotations

from datetime import date, timedelta

from syncer.emulator import SheetsService
from syncer.emulator.core import Emulator, Identity, Request

COACH = Identity("coach@coaching.example", "coaching-project")
HEADER = ["Company", "Position", "Stage", "Applied On", "Interview Date", "Contact Name"]
CLIENTS = 50
UNSHARED = 17  # owned by the client, never shared with the coach
DELETED = 33  # the client deleted the sheet; its key is still in the config


def client_name(index: int) -> str:
    return f"Client {index:02}"


def sheet_url(key: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{key}/edit"


def tracker_rows(index: int, today: date) -> list[list[object]]:
    """A follow-up overdue, a thank-you due, and a wishlist row with nothing to do."""
    applied = (today - timedelta(days=14)).isoformat()
    interviewed = (today - timedelta(days=1)).isoformat()
    return [
        list[object](HEADER),
        [f"Acme {index}", "Data Analyst", "applied", applied, "", ""],
        [f"Beta {index}", "Engineer", "interviewed", "", interviewed, "Dana Reyes"],
        [f"Gamma {index}", "Designer", "wishlist", "", "", ""],
    ]


def build_roster(emulator: Emulator, sheets: SheetsService, today: date) -> list[str]:
    """The 50 clients' spreadsheets, every call made as the coach; their keys in order."""

    def as_the_coach(_request: Request) -> Identity:
        return COACH

    emulator.identify = as_the_coach
    keys: list[str] = []
    for index in range(CLIENTS):
        key = sheets.create_spreadsheet(
            f"{client_name(index)} applications",
            {"Tracker": tracker_rows(index, today)},
            owner=f"client{index}@example.com",
        )
        # A small grid: the emulator formats whole columns, and 1,000 rows x 50 is slow.
        sheets.sheet(key, "Tracker").properties["gridProperties"]["rowCount"] = 20
        if index != UNSHARED:
            sheets.share(key, COACH.email)
        keys.append(key)
    sheets.drive.files.pop(keys[DELETED])
    sheets.books.pop(keys[DELETED])
    return keys
