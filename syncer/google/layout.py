"""Where the tracker lives in its spreadsheet, and the structure syncer keeps there.

The tab list is read once (spreadsheets.get) when it is needed: on a first run, when the
tracker tab must be found again (deleted and made again, or the named range is broken), or
when syncer's structure is set up. The structure is ONE spreadsheets:batchUpdate: the grids
grown to what the write reaches (Google refuses a write past a grid), the hidden ``_syncer``
state sheet, the ``syncer_tracker`` named range that finds the tab by its sheetId even when it
is renamed, and the new owned columns' formats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import google.auth.exceptions
import requests
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from syncer.config import TrackerConfig
from syncer.errors import TrackerError
from syncer.google import grid
from syncer.google.errors import STRUCTURE_TRIES, may_pass, sheets_error
from syncer.google.formats import column_format
from syncer.google.grid import Grid, grid_of
from syncer.google.retry import RetryingAdapter
from syncer.google.sheet_cells import STATE_SHEET, SheetMeta, owned_field_of, quote_title

log = logging.getLogger(__name__)

TRACKER_RANGE_NAME = "syncer_tracker"
STATE_RANGE = f"{quote_title(STATE_SHEET)}!A:C"
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
T = TypeVar("T")


@dataclass(frozen=True)
class Need:
    """How far a write reaches: the tracker tab's rows and columns, and ``_syncer``'s rows."""

    rows: int
    columns: int
    state_rows: int


class SheetLayout:
    """The tracker tab's place in the spreadsheet (title, sheetId, grid) and syncer's
    structure around it; the base of :class:`syncer.google.backend.SheetsBackend`."""

    def __init__(
        self,
        config: TrackerConfig,
        client: HTTPClient,
        session: AuthorizedSession,
        key: str,
        account: str | None,
    ) -> None:
        self.config = config
        self.source = config.source
        self.client = client
        self.session = session
        self.key = key
        self.account = account
        self.header_row = config.header_row
        self.meta = SheetMeta()
        self._title = ""
        self._state_sheet_exists = True
        self._named_range_exists = True
        self._range_name = TRACKER_RANGE_NAME  # the name a setup gives the range
        self._metadata: dict[str, Any] | None = None
        self._tracker_grid: Grid | None = None  # the tab's rowCount x columnCount, as last seen
        self._state_grid: Grid | None = None

    def _call(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except (APIError, requests.exceptions.RequestException) as error:
            raise sheets_error(self.source, error, self.account, what) from None
        except google.auth.exceptions.RefreshError as error:
            raise sheets_error(self.source, error, self.account, what) from None

    def _fetch_metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            params: dict[str, Any] = {
                "fields": "properties(locale,timeZone),sheets.properties,namedRanges(name,range)"
            }
            self._metadata = dict(
                self._call(
                    "reading the spreadsheet's tabs",
                    lambda: self.client.fetch_sheet_metadata(self.key, params=params),
                )
            )
        return self._metadata

    def _sheets(self) -> list[dict[str, Any]]:
        return [sheet["properties"] for sheet in self._fetch_metadata().get("sheets", [])]

    def _properties(self, title: str) -> dict[str, Any]:
        for properties in self._sheets():
            if properties.get("title") == title:
                return properties
        raise TrackerError(self.source, f"the tab {title!r} is gone (deleted or renamed?)")

    def _sheet_id(self) -> int:
        if self.meta.sheet_id is None or self.meta.tab != self._title:
            self.meta.sheet_id = int(self._properties(self._title).get("sheetId", 0))
            self.meta.tab = self._title
        return self.meta.sheet_id

    def _first_read(self) -> dict[str, Any]:
        """No state sheet or named range yet (a first run), or the tab is gone: look at the
        spreadsheet's tabs, then read the tab (and any state) by title."""
        sheets = self._sheets()
        titles = [p.get("title", "") for p in sheets]
        self._state_sheet_exists = STATE_SHEET in titles
        visible = [p for p in sheets if p.get("title") != STATE_SHEET]
        kept_range = self._syncer_range()
        self._named_range_exists = kept_range is not None
        if self.config.tab is not None:
            if self.config.tab not in titles or self.config.tab == STATE_SHEET:
                listing = ", ".join(repr(p.get("title")) for p in visible)
                raise TrackerError(
                    self.source, f"no tab named {self.config.tab!r}; the tabs are: {listing}"
                )
            title = self.config.tab
        elif kept_range is not None:
            found = [p for p in visible if p.get("sheetId", 0) == kept_range[1]]
            title = found[0]["title"]
        elif self._state_sheet_exists and (kept := self._kept_tab()) is not None:
            # Google hides a deleted tab's named range (a #REF! range the API does not list);
            # the state sheet still knows the tab: by its sheetId, or, when it was deleted and
            # made again, by its title.
            sheet_id, old_title = kept
            found = [p for p in visible if p.get("sheetId", 0) == sheet_id] or [
                p for p in visible if p.get("title") == old_title
            ]
            if not found:
                raise TrackerError(
                    self.source,
                    f"the tracker tab {old_title!r} was deleted since the last sync; nothing "
                    "written. Restore it (File > Version history), or name the tab to use with "
                    "`tab = ...` in the config",
                )
            title = found[0]["title"]
        elif visible:
            title = sorted(visible, key=lambda p: p.get("index", 0))[0]["title"]
        else:
            raise TrackerError(self.source, "the spreadsheet has no tab to read")
        ranges = [quote_title(title)] + ([STATE_RANGE] if self._state_sheet_exists else [])
        reply: dict[str, Any] = self._call(
            "reading",
            lambda: self.client.values_batch_get(self.key, ranges, params=dict(READ_PARAMS)),
        )
        return reply

    def _syncer_range(self) -> tuple[str, int] | None:
        """(name, sheetId) of the named range syncer keeps on a tab that exists: the first
        ``syncer_tracker``, or the ``syncer_tracker_<sheetId>`` that replaced a broken one."""
        ids = {int(p.get("sheetId", 0)) for p in self._sheets() if p.get("title") != STATE_SHEET}
        found = sorted(
            (str(n.get("name")), int(n.get("range", {}).get("sheetId", 0)))
            for n in self._fetch_metadata().get("namedRanges", [])
            if n.get("name") == TRACKER_RANGE_NAME
            or str(n.get("name", "")).startswith(TRACKER_RANGE_NAME + "_")
        )
        return next(((name, sid) for name, sid in found if sid in ids), None)

    def _kept_tab(self) -> tuple[int, str] | None:
        """(sheetId, title) of the tab the state sheet says syncer last synced, if it says."""
        reply = self._call(
            "reading syncer's state",
            lambda: self.client.values_batch_get(self.key, [STATE_RANGE], params=dict(READ_PARAMS)),
        )
        ranges = reply.get("valueRanges", [])
        meta = SheetMeta.from_rows(ranges[0].get("values", []) if ranges else [])
        return None if meta.sheet_id is None else (meta.sheet_id, meta.tab)

    def _has_named_range(self) -> bool:
        return self.config.tab is not None or self._named_range_exists

    def _structure(
        self, header: list[str], first_new: int, new_columns: list[str], need: Need
    ) -> None:
        """One spreadsheets:batchUpdate: grids grown, state sheet, named range, new formats.

        Google applies a batchUpdate all or nothing, but it is not safe to send twice (a second
        addSheet fails), so the retrying transport never resends it. When it fails in a way that
        may be passing (429, 5xx, a timeout or a reset: perhaps applied, perhaps not), syncer
        looks at the spreadsheet again and sends what is still missing: nothing, when the first
        one was applied after all.
        """
        for attempt in range(1, STRUCTURE_TRIES + 1):
            body = {"requests": self._structure_requests(header, first_new, new_columns, need)}
            try:
                if body["requests"]:
                    reply = self.client.batch_update(self.key, body)
                    self._learn(body["requests"], reply)
                break
            except (APIError, requests.exceptions.RequestException) as error:
                if self._range_name_taken(error):
                    continue
                if not may_pass(error) or attempt == STRUCTURE_TRIES:
                    raise sheets_error(
                        self.source, error, self.account, "adding syncer's columns"
                    ) from None
                log.info("%s: the columns setup may not have gone through; looking", self.source)
                self._back_off(attempt)
                self._look_again()
            except google.auth.exceptions.RefreshError as error:
                raise sheets_error(
                    self.source, error, self.account, "adding syncer's columns"
                ) from None
        self._state_sheet_exists = True
        self._named_range_exists = True

    def _range_name_taken(self, error: Exception) -> bool:
        """Whether the setup was refused (whole) because ``syncer_tracker`` is taken by a range
        the API does not show: Google keeps a deleted tab's named range as a hidden #REF!
        range whose name cannot be added again (gspread #1530). The next try names the range
        after its tab instead."""
        message = str(error.error.get("message", "")) if isinstance(error, APIError) else ""
        taken = "addNamedRange" in message and "already exists" in message
        if not taken or self._range_name != TRACKER_RANGE_NAME:
            return False
        self._range_name = f"{TRACKER_RANGE_NAME}_{self._sheet_id()}"
        log.info(
            "%s: %s is taken by a broken range; using %s",
            self.source,
            TRACKER_RANGE_NAME,
            self._range_name,
        )
        return True

    def _back_off(self, attempt: int) -> None:
        """Wait as the retrying transport would before its own next try."""
        adapter = self.session.get_adapter("https://sheets.googleapis.com/")
        if isinstance(adapter, RetryingAdapter):
            adapter.sleep(adapter.policy.delay(attempt, adapter.rng, None))

    def _look_again(self) -> None:
        """Forget the cached tab list and see which parts of the structure exist now."""
        self._metadata = None
        titles = {p.get("title") for p in self._sheets()}
        self._state_sheet_exists = STATE_SHEET in titles
        self._tracker_grid = grid_of(self._properties(self._title))
        self._state_grid = self._state_sheet_grid()
        self._named_range_exists = self._syncer_range() is not None

    def _growth(self, need: Need) -> list[dict[str, Any]]:
        """appendDimension requests for the grids too small for what is written: the tracker
        tab (syncer's new columns) and ``_syncer`` (one state row per tracker row)."""
        tracker = self._tracker_grid or grid_of(self._properties(self._title))
        requests_ = grid.growth(self._sheet_id(), tracker, need.rows, need.columns)
        state = (self._state_grid or self._state_sheet_grid()) if self._state_sheet_exists else None
        if state is not None:
            requests_ += grid.growth(
                self._state_sheet_id(),
                state,
                need.state_rows,
                grid.STATE_COLUMNS,
                headroom=grid.STATE_HEADROOM,
            )
        return requests_

    def _state_sheet_grid(self) -> Grid | None:
        found = [p for p in self._sheets() if p.get("title") == STATE_SHEET]
        return grid_of(found[0]) if found else None

    def _state_sheet_id(self) -> int:
        if self.meta.state_sheet_id is None:
            self.meta.state_sheet_id = int(self._properties(STATE_SHEET).get("sheetId", 0))
        return self.meta.state_sheet_id

    def _learn(self, sent: list[dict[str, Any]], reply: dict[str, Any]) -> None:
        """What the applied setup made: the grids' new sizes, the new state sheet's id."""
        for request, answer in zip(sent, reply.get("replies", []), strict=False):
            added = (answer or {}).get("addSheet", {}).get("properties", {})
            if added.get("title") == STATE_SHEET:
                self.meta.state_sheet_id = int(added.get("sheetId", 0))
                self._state_grid = grid_of(added)
            if "appendDimension" not in request:
                continue
            if request["appendDimension"]["sheetId"] == self.meta.state_sheet_id:
                self._state_grid = self._state_grid and grid.grown(self._state_grid, request)
            else:
                self._tracker_grid = self._tracker_grid and grid.grown(self._tracker_grid, request)

    def _structure_requests(
        self, header: list[str], first_new: int, new_columns: list[str], need: Need
    ) -> list[dict[str, Any]]:
        """What the structure still lacks (the formats are set again: that is harmless).
        Grids grow first: a later request of the batch may reach past the old edge."""
        sheet_id = self._sheet_id()
        requests_ = self._growth(need)
        if not self._state_sheet_exists:
            taken = {int(p.get("sheetId", 0)) for p in self._sheets()}
            self.meta.state_sheet_id = grid.state_sheet_id(self.key, taken)
            requests_.append(grid.state_sheet(self.meta.state_sheet_id, need.state_rows))
        if not self._has_named_range():
            requests_.append(
                {
                    "addNamedRange": {
                        "namedRange": {"name": self._range_name, "range": {"sheetId": sheet_id}}
                    }
                }
            )
        fields = owned_field_of(header, self.config.column_aliases)
        for column in range(first_new, first_new + len(new_columns)):
            requests_.extend(column_format(sheet_id, self.header_row, column, fields.get(column)))
        return requests_
