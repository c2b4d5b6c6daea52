"""A tracker in Google Sheets, through gspread's HTTP client and google-auth.

Reads are ONE ``values:batchGet`` (the tracker tab and the hidden ``_syncer`` state sheet);
writes are ONE ``values:batchUpdate`` (RAW: changed owned cells merged into rectangles, plus the
state rows), preceded when needed by ONE ``spreadsheets:batchUpdate`` (:mod:`.layout`: new
owned columns with their formats, the hidden state sheet, the ``syncer_tracker`` named range,
grids grown before a write would reach past them).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import google.auth.exceptions
import requests
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from requests.adapters import BaseAdapter

from syncer.backends.base import Backend, CellUpdate, SheetData, SyncState, canonical_text
from syncer.columns import find_column, resolve_columns
from syncer.config import TrackerConfig
from syncer.errors import HeaderError, TrackerError
from syncer.google.auth import (
    SignIn,
    account_email,
    browser_sign_in,
    is_service_account,
    scopes_for,
)
from syncer.google.docs_drafts import DocAccess, DocDrafts
from syncer.google.errors import sheets_error
from syncer.google.grid import echoed_grid
from syncer.google.layout import (
    READ_PARAMS,
    STATE_RANGE,
    TRACKER_RANGE_NAME,
    Need,
    SheetLayout,
)
from syncer.google.retry import RetryPolicy
from syncer.google.session import REQUEST_TIMEOUT, google_session
from syncer.google.sheet_cells import (
    STATE_SHEET,
    CellsRead,
    SheetMeta,
    cover,
    document_key,
    formulas_in,
    from_serial,
    owned_field_of,
    quote_title,
    rectangles,
    split_echo,
    spreadsheet_key,
    to_serial,
)
from syncer.google.state_rows import changed_blocks, placed
from syncer.model import CellValue

log = logging.getLogger(__name__)


class SheetsBackend(SheetLayout, Backend):
    """A tracker tab in a Google spreadsheet."""

    def __init__(
        self,
        config: TrackerConfig,
        client: HTTPClient,
        session: AuthorizedSession,
        key: str,
        account: str | None,
    ) -> None:
        super().__init__(config, client, session, key, account)
        self._header: list[str] = []
        self._state = SyncState()
        self._stored_meta: list[list[str]] = []
        self._state_values: list[list[Any]] = []  # ``_syncer`` as read or last written
        self._rows: list[list[CellValue]] = []  # the data rows as read, for the re-check

    # -- identity and links ----------------------------------------------------------------

    @property
    def url(self) -> str:
        base = f"https://docs.google.com/spreadsheets/d/{self.key}/edit"
        return base if self.meta.sheet_id is None else f"{base}#gid={self.meta.sheet_id}"

    def row_link(self, row: int) -> str:
        sheet_id = self._sheet_id()
        return f"https://docs.google.com/spreadsheets/d/{self.key}/edit#gid={sheet_id}&range=A{row}"

    def doc_drafts(self) -> DocDrafts:
        """The linked Google Doc of drafts (``drafts = "doc"``); its id is kept in ``_syncer``."""
        access = DocAccess(
            self.key,
            self.account,
            is_service_account(self.session.credentials),
            document_key(self.config.drafts_doc or "") or self.config.drafts_doc,
        )
        return DocDrafts(self.session, self.meta, f"Drafts: {self._title or self.key}", access)

    # -- HTTP plumbing ---------------------------------------------------------------------

    # -- read ------------------------------------------------------------------------------

    def read(self) -> SheetData:
        tracker_range = quote_title(self.config.tab) if self.config.tab else TRACKER_RANGE_NAME
        try:
            reply = self.client.values_batch_get(
                self.key, [tracker_range, STATE_RANGE], params=dict(READ_PARAMS)
            )
        except APIError as error:
            if error.code != 400 or "parse range" not in str(error.error.get("message", "")):
                raise sheets_error(self.source, error, self.account, "reading") from None
            reply = self._first_read()
        except (requests.exceptions.RequestException, google.auth.exceptions.RefreshError) as e:
            raise sheets_error(self.source, e, self.account, "reading") from None
        ranges = reply.get("valueRanges", [])
        tracker, state = ranges[0], (ranges[1] if len(ranges) > 1 else {})
        state_values = state.get("values", [])
        self._state = SyncState.from_rows(state_values)
        self.meta = SheetMeta.from_rows(state_values)
        self._stored_meta = self.meta.to_rows()
        self._state_values = [list(row) for row in state_values]
        self._tracker_grid = echoed_grid(tracker.get("range", ""))
        self._state_grid = echoed_grid(state.get("range", "")) if state else None
        title, first_row = split_echo(tracker.get("range", ""))
        self._title = title
        if self._metadata is not None:
            # The tab list was read (a first run, or the tab was found again): it knows the
            # tab's sheetId now, which may not be the one kept (a tab deleted and made again).
            self.meta.sheet_id = int(self._properties(title).get("sheetId", 0))
            self.meta.tab = title
        elif self.config.tab is None and self.meta.sheet_id is not None:
            self.meta.tab = title  # read through the named range, which follows a renamed tab
        self._note_settings()
        return self._table(tracker.get("values", []), first_row)

    def _note_settings(self) -> None:
        """Keep the spreadsheet's locale and time zone in the state sheet's meta rows.

        They come with the tab list (a first run, a renamed tab, new columns). A spreadsheet
        whose state sheet does not know them yet (synced by an older syncer) costs one
        spreadsheets.get this once; the next write stores them.
        """
        if self._metadata is None and not (self.meta.locale or self.meta.time_zone):
            self._fetch_metadata()
        properties = (self._metadata or {}).get("properties") or {}
        if properties:
            self.meta.locale = str(properties.get("locale") or "")
            self.meta.time_zone = str(properties.get("timeZone") or "")

    def live_settings(self) -> tuple[str | None, str | None]:
        """(locale, time zone) as the spreadsheet has them now (reads the tab list if needed)."""
        properties = self._fetch_metadata().get("properties") or {}
        return properties.get("locale"), properties.get("timeZone")

    def _table(self, values: list[list[Any]], first_row: int) -> SheetData:
        offset = self.header_row - first_row
        header_cells = values[offset] if 0 <= offset < len(values) else []
        rows: list[list[CellValue]] = [list(row) for row in values[offset + 1 :]]
        width = max([len(header_cells), *(len(row) for row in rows)])
        header = [canonical_text(value) for value in header_cells] + [""] * (
            width - len(header_cells)
        )
        for column, name in owned_field_of(header, self.config.column_aliases).items():
            if name in ("due_date", "last_synced"):
                for row in rows:
                    if column < len(row):
                        row[column] = from_serial(row[column], with_time=name == "last_synced")
        for row in rows:
            for column, value in enumerate(row):
                if value == "":
                    row[column] = None
        self._header = header
        self._rows = [list(row) for row in rows]
        return SheetData(
            source=self.source,
            header_row=self.header_row,
            header=header,
            rows=rows,
            state=self._state,
            tab=self._title,
            locale=self.meta.locale or None,
            time_zone=self.meta.time_zone or None,
            unsaved_meta=self.meta.to_rows() != self._stored_meta,
        )

    # -- recheck ---------------------------------------------------------------------------

    def recheck(self, updates: Sequence[CellUpdate]) -> Sequence[CellUpdate]:
        """Drop updates whose row moved or changed, or whose cell changed, since ``read``.

        One ``values:batchGet`` re-reads the header row and, over the updated rows, every column
        the plan depends on: the input fields, the owned cells and the Row ID (``cover``: whole
        rows in spans, or those columns over fewer spans, whichever reads fewer cells). A row
        whose Row ID or input cells differ from what was read is not the row that was planned (a
        row was inserted, deleted or sorted, or its data edited): all its updates are dropped.
        An owned cell that no longer holds what was read keeps the person's value. The next run
        plans both afresh. A change to a person's own column does not stop syncer's writes.
        """
        if not updates:
            return updates
        columns, identity = self._watched_columns()
        header_row = self.header_row
        read = cover((u.row for u in updates), columns, len(self._header), whole=(header_row,))
        current = self._read_cells("re-checking before writing", read, READ_PARAMS)
        header_cells = current.pop(header_row, {})
        width = max(header_cells, default=-1) + 1
        header_now = [canonical_text(header_cells.get(column)) for column in range(width)]
        if _trimmed(header_now) != _trimmed(self._header):
            return []
        return self._still_valid(updates, current, identity)

    def _read_cells(
        self, what: str, read: CellsRead, render: Mapping[str, str]
    ) -> dict[int, dict[int, Any]]:
        """Sheet row -> column -> value of what ``read`` covers: one values:batchGetByDataFilter
        (a POST, so any number of ranges fits; counted as a read and retried as one)."""
        title = quote_title(self._title)
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}/values:batchGetByDataFilter"
        reply = self._call(
            what, lambda: self.client.request("post", url, json=read.body(title, render)).json()
        )
        return read.cells(reply, title)

    def _watched_columns(self) -> tuple[list[int], set[int]]:
        """(every column re-read, the ones that identify a row: input fields and Row ID)."""
        fields = owned_field_of(self._header, self.config.column_aliases)
        inputs = resolve_columns(self.source, self._header, self.config.column_aliases).inputs
        identity = set(inputs.values()) | {c for c, name in fields.items() if name == "row_id"}
        return sorted(identity | set(fields)), identity

    def _still_valid(
        self,
        updates: Sequence[CellUpdate],
        current: dict[int, dict[int, Any]],
        identity: set[int],
    ) -> list[CellUpdate]:
        fields = owned_field_of(self._header, self.config.column_aliases)

        def now(row: int, column: int) -> str:
            value = current.get(row, {}).get(column)
            name = fields.get(column)
            if name in ("due_date", "last_synced"):
                value = from_serial(value, with_time=name == "last_synced")
            return canonical_text(None if value == "" else value)

        def was(row: int, column: int) -> str:
            index = row - self.header_row - 1
            cells = self._rows[index] if 0 <= index < len(self._rows) else []
            return canonical_text(cells[column] if column < len(cells) else None)

        moved = {
            row
            for row in {u.row for u in updates}
            if any(now(row, column) != was(row, column) for column in identity)
        }
        targets = {name: find_column(self._header, name) for name in {u.column for u in updates}}
        kept = []
        for update in updates:
            if update.row in moved:
                continue
            target = targets[update.column]
            if target is not None and now(update.row, target) != update.expected:
                continue
            kept.append(update)
        return kept

    def find_formulas(self, data: SheetData, updates: Sequence[CellUpdate]) -> set[tuple[int, int]]:
        """The cells ``updates`` would write that hold a formula: one ``values:batchGet`` with
        valueRenderOption FORMULA over the updated owned cells (read as ``recheck`` reads them;
        ``sheet_cells.formulas_in``)."""
        targets = {(u.row, find_column(self._header, u.column)) for u in updates}
        cells = {(row, column) for row, column in targets if column is not None}
        if not cells:
            return set()
        read = cover((row for row, _ in cells), sorted({c for _, c in cells}), len(self._header))
        found = self._read_cells(
            "looking for formulas in syncer's columns", read, {"valueRenderOption": "FORMULA"}
        )
        return formulas_in(found, cells, self._raw)

    def _raw(self, row: int, column: int) -> CellValue:
        """The value read at (sheet row, column index)."""
        index = row - self.header_row - 1
        cells = self._rows[index] if 0 <= index < len(self._rows) else []
        return cells[column] if column < len(cells) else None

    # -- write -----------------------------------------------------------------------------

    def write(
        self,
        updates: Sequence[CellUpdate],
        new_columns: Sequence[str],
        state: SyncState,
    ) -> None:
        meta_rows = self.meta.to_rows()
        unchanged = not updates and not new_columns and state == self._state
        if unchanged and meta_rows == self._stored_meta:
            return
        header = list(self._header)
        while header and not header[-1]:
            header.pop()
        first_new = len(header)
        for name in new_columns:
            if find_column(header, name) is not None:
                raise HeaderError(self.source, f"column {name!r} already exists")
            header.append(name)
        cells: dict[tuple[int, int], object] = {}
        columns = {name: find_column(header, name) for name in {u.column for u in updates}}
        for update in updates:
            if update.row <= self.header_row:
                raise TrackerError(self.source, f"row {update.row} is not a data row")
            column = columns[update.column]
            if column is None:
                raise HeaderError(self.source, f"no column {update.column!r} in the header row")
            cells[(update.row - 1, column)] = _raw(update.value)
        for offset, name in enumerate(new_columns):
            cells[(self.header_row - 1, first_new + offset)] = name
        # Room for every state row, and for the meta rows the setup may add (ids it learns).
        need = Need(
            rows=max((row + 1 for row, _ in cells), default=0),
            columns=len(header),
            state_rows=len(placed(self._state_values, state.to_rows() + meta_rows)) + 2,
        )
        setup = new_columns or not self._state_sheet_exists or not self._has_named_range()
        if setup or self._growth(need):
            self._structure(header, first_new, list(new_columns), need)
            meta_rows = self.meta.to_rows()
        state_rows = placed(self._state_values, state.to_rows() + meta_rows)
        data = [
            {"range": block.a1(self._title), "values": block.values} for block in rectangles(cells)
        ]
        data += [
            {"range": block.a1(quote_title(STATE_SHEET)), "values": block.values}
            for block in changed_blocks(self._state_values, state_rows)
        ]
        body = {"valueInputOption": "RAW", "data": data}
        self._call("writing", lambda: self.client.values_batch_update(self.key, body))
        self._header = header
        self._state = state
        self._stored_meta = meta_rows
        self._state_values = state_rows


def _trimmed(header: Sequence[str]) -> list[str]:
    texts = [text.strip() for text in header]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _raw(value: CellValue) -> object:
    """A value as RAW input: dates as serial numbers, blank as "" (which clears the cell)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return to_serial(value)
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def open_sheet(
    config: TrackerConfig,
    *,
    transport: BaseAdapter | None = None,
    retry_policy: RetryPolicy | None = None,
    interactive: bool | None = None,
    sign_in: SignIn = browser_sign_in,
) -> SheetsBackend:
    """The backend for a Google Sheets URL or key (never opened by title: no Drive listing)."""
    key = spreadsheet_key(config.source)
    session = google_session(
        config,
        scopes=scopes_for(config),
        transport=transport,
        retry_policy=retry_policy,
        interactive=interactive,
        sign_in=sign_in,
    )
    client = HTTPClient(auth=session.credentials, session=session)
    client.set_timeout(REQUEST_TIMEOUT)
    return SheetsBackend(config, client, session, key, account_email(session.credentials))
