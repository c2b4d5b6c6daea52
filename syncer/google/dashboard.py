"""The Coach Dashboard: one worksheet in a coach's spreadsheet with every client's due actions.

After a run, syncer rewrites the whole "Coach Dashboard" tab (syncer owns that tab; no other tab
is touched): a header row, one row per due action of every client, most urgent first (the
digest's entries in the digest's order), then one row per failed tracker. Three calls: read the
tabs; one ``spreadsheets:batchUpdate`` (create the tab on first use with a bold, frozen header;
clear the old values; a date format on Due Date); one ``values:update`` (RAW).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import google.auth.exceptions
import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from requests.adapters import BaseAdapter

from syncer.columns import column_letter
from syncer.config import Config, TrackerConfig, tracker_config
from syncer.digest import DueItem, client_name, client_views, tracker_link
from syncer.google import grid
from syncer.google.backend import open_sheet
from syncer.google.errors import sheets_error
from syncer.google.formats import DATE_FORMAT
from syncer.google.grid import grid_of
from syncer.google.retry import RetryPolicy
from syncer.google.sheet_cells import quote_title, to_serial
from syncer.results import TrackerResult

DASHBOARD_TAB = "Coach Dashboard"
HEADER = ("Client", "Company", "Position", "Next Action", "Due Date", "Urgency", "Why", "Link")
DUE_DATE_COLUMN = HEADER.index("Due Date")
FAILED = "Failed"
#: Rows of a new dashboard tab: room to grow without a resize on most nights.
NEW_TAB_ROWS = 200
T = TypeVar("T")


@dataclass(frozen=True)
class DashboardReport:
    """What one dashboard write did, for the line the CLI prints."""

    url: str
    actions: int
    failures: int
    created: bool


def due_items(results: Sequence[TrackerResult], today: date) -> list[DueItem]:
    """Every client's due actions, by urgency, then due date (the digest's order)."""
    items = [item for view in client_views(results, today) for item in view.items]
    return sorted(items, key=lambda item: item.sort_key)


def dashboard_rows(results: Sequence[TrackerResult], today: date) -> list[list[object]]:
    """The tab's values as RAW input: header, due actions, failed trackers. Due dates are serial
    numbers (the tab formats them as dates)."""
    rows: list[list[object]] = [list(HEADER)]
    for item in due_items(results, today):
        rows.append(
            [
                item.client,
                item.row.company,
                item.row.position,
                item.action_label,
                to_serial(item.due_on),
                item.urgency_text,
                item.row.decision.why,
                item.link.text,
            ]
        )
    for tracker in results:
        if tracker.failed is not None:
            link = tracker_link(tracker).text
            rows.append([client_name(tracker), "", "", "", "", FAILED, tracker.failed, link])
    return rows


def dashboard_tracker(config: Config) -> TrackerConfig:
    """The dashboard's spreadsheet, signed in with the config's [defaults] credentials."""
    if config.dashboard is None:
        raise ValueError("the config names no dashboard")
    base = config.path.parent if config.path else Path.cwd()
    tracker = tracker_config(
        {"source": config.dashboard, "name": DASHBOARD_TAB},
        config.defaults,
        base,
        str(config.path or "config"),
        "run.dashboard",
        config.configured_quotas,
    )
    # Only Sheets is needed, whatever the trackers' drafts setting asks for.
    return replace(tracker, drafts="off")


def write_dashboard(
    results: Sequence[TrackerResult],
    config: TrackerConfig,
    *,
    today: date,
    transport: BaseAdapter | None = None,
    retry_policy: RetryPolicy | None = None,
) -> DashboardReport:
    """Replace the "Coach Dashboard" tab's content with this run's. Raises TrackerError (naming
    the spreadsheet and what to do) when the spreadsheet cannot be opened or written."""
    sheet = open_sheet(config, transport=transport, retry_policy=retry_policy)
    writer = _DashboardWriter(sheet.client, sheet.key, config.source, sheet.account)
    rows = dashboard_rows(results, today)
    sheet_id, created = writer.replace(rows)
    failures = sum(1 for tracker in results if tracker.failed is not None)
    return DashboardReport(
        url=f"https://docs.google.com/spreadsheets/d/{sheet.key}/edit#gid={sheet_id}",
        actions=len(rows) - 1 - failures,
        failures=failures,
        created=created,
    )


class _DashboardWriter:
    def __init__(self, client: HTTPClient, key: str, source: str, account: str | None) -> None:
        self.client = client
        self.key = key
        self.source = source
        self.account = account

    def _call(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except (
            APIError,
            requests.exceptions.RequestException,
            google.auth.exceptions.RefreshError,
        ) as error:
            raise sheets_error(self.source, error, self.account, what) from None

    def replace(self, rows: list[list[object]]) -> tuple[int, bool]:
        """Write ``rows`` as the tab's whole content; (the tab's sheetId, whether it was new)."""
        params: dict[str, Any] = {"fields": "sheets.properties"}
        metadata = self._call(
            "reading the dashboard's tabs",
            lambda: self.client.fetch_sheet_metadata(self.key, params=params),
        )
        tabs = [sheet["properties"] for sheet in metadata.get("sheets", [])]
        existing = _find_tab(tabs)
        if existing is None:
            sheet_id = max((int(tab.get("sheetId", 0)) for tab in tabs), default=0) + 1
            requests_ = _new_tab(sheet_id, len(rows))
            title = DASHBOARD_TAB
        else:
            sheet_id = int(existing.get("sheetId", 0))
            requests_ = _reset_tab(existing, len(rows))
            title = str(existing["title"])
        requests_.append(_date_format(sheet_id, len(rows)))
        body = {"requests": requests_}
        self._call("preparing the dashboard tab", lambda: self.client.batch_update(self.key, body))
        end = f"{column_letter(len(HEADER) - 1)}{len(rows)}"
        self._call(
            "writing the dashboard",
            lambda: self.client.values_update(
                self.key,
                f"{quote_title(title)}!A1:{end}",
                params={"valueInputOption": "RAW"},
                body={"majorDimension": "ROWS", "values": rows},
            ),
        )
        return sheet_id, existing is None


def _find_tab(tabs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The dashboard tab (titles compare without case, as Sheets keeps them unique)."""
    wanted = DASHBOARD_TAB.casefold()
    return next((tab for tab in tabs if str(tab.get("title", "")).casefold() == wanted), None)


def _new_tab(sheet_id: int, rows: int) -> list[dict[str, Any]]:
    """A new tab sized for the dashboard, its header row bold and frozen."""
    grid = {"rowCount": max(rows, NEW_TAB_ROWS), "columnCount": len(HEADER), "frozenRowCount": 1}
    header = {
        "sheetId": sheet_id,
        "startRowIndex": 0,
        "endRowIndex": 1,
        "startColumnIndex": 0,
        "endColumnIndex": len(HEADER),
    }
    return [
        {
            "addSheet": {
                "properties": {"sheetId": sheet_id, "title": DASHBOARD_TAB, "gridProperties": grid}
            }
        },
        {
            "repeatCell": {
                "range": header,
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
    ]


def _reset_tab(tab: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    """Clear every value of the existing tab (formats stay) and grow it when it is too small."""
    sheet_id = int(tab.get("sheetId", 0))
    requests_ = grid.growth(sheet_id, grid_of(tab), rows, len(HEADER))
    requests_.append(
        {"updateCells": {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue"}}
    )
    return requests_


def _date_format(sheet_id: int, rows: int) -> dict[str, Any]:
    """Due Date cells shown as dates (the values are serial numbers)."""
    return {
        "repeatCell": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": 1,
                "endRowIndex": max(rows, 2),
                "startColumnIndex": DUE_DATE_COLUMN,
                "endColumnIndex": DUE_DATE_COLUMN + 1,
            },
            "cell": {"userEnteredFormat": {"numberFormat": DATE_FORMAT}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }
