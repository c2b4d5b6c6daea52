"""Sheets v4 in memory: the SheetsService, its routes and the Python API tests use to set up and
inspect spreadsheets.

The work is done in modules of one concept each: :mod:`~syncer.emulator.spreadsheet` (the model),
:mod:`~syncer.emulator.cells` (stored values, parsing and rendering),
:mod:`~syncer.emulator.formulas`, :mod:`~syncer.emulator.values` (the values endpoints),
:mod:`~syncer.emulator.resource` (spreadsheets.get), :mod:`~syncer.emulator.sheet_requests` and
:mod:`~syncer.emulator.dimensions` (spreadsheets.batchUpdate), :mod:`~syncer.emulator.fieldmask`
and :mod:`~syncer.emulator.styles`. Their public names are re-exported here for older imports.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from syncer.emulator import a1, dimensions, grid, sheet_requests
from syncer.emulator.cells import (
    SHEETS_EPOCH,
    Cell,
    Value,
    format_number,
    plain,
    raw_value,
    serial_number,
)
from syncer.emulator.core import ANONYMOUS, Emulator, Request, Response, google_error
from syncer.emulator.drive import SPREADSHEET_MIME, DriveService, FileKind
from syncer.emulator.fieldmask import apply_masked_update
from syncer.emulator.formulas import FormulaError, FormulaEvaluator
from syncer.emulator.locale_input import parse_user_entered
from syncer.emulator.protection import Editor
from syncer.emulator.resource import requested_resource, spreadsheet_resource
from syncer.emulator.sheet_requests import Handler
from syncer.emulator.spreadsheet import (
    JSON,
    RequestError,
    SheetState,
    Spreadsheet,
    cells_in,
    grid_range_bounds,
    new_sheet_properties,
    utc_now,
)
from syncer.emulator.styles import DEFAULT_FORMAT, DEFAULT_THEME, with_color_styles
from syncer.emulator.values import (
    append_values,
    batch_update_values,
    clear_values,
    matrix,
    update_values,
    value_range,
    value_ranges_by_data_filter,
    write_values,
)

__all__ = [
    "SHEETS_EPOCH",
    "Cell",
    "FormulaError",
    "FormulaEvaluator",
    "RequestError",
    "SheetState",
    "SheetsService",
    "Spreadsheet",
    "Value",
    "apply_masked_update",
    "format_number",
    "grid_range_bounds",
    "parse_user_entered",
    "plain",
    "raw_value",
    "serial_number",
    "with_color_styles",
]

_BASE = r"/v4/spreadsheets/([^/:]+)"
_SERVICES: weakref.WeakKeyDictionary[Emulator, SheetsService] = weakref.WeakKeyDictionary()


def _not_found() -> Response:
    return google_error(404, "Requested entity was not found.")


class SheetsService:
    """The Sheets v4 endpoints plus a Python API for tests to set up and inspect sheets."""

    def __init__(
        self,
        emulator: Emulator,
        drive: DriveService,
        seed: int = 0,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.emulator = emulator
        self.drive = drive
        self.books: dict[str, Spreadsheet] = {}
        self.random = random.Random(seed)
        self.caller = ANONYMOUS.email  # who sent the request being handled
        #: What TODAY() and NOW() read (an aware datetime); tests replace it to fix the day.
        self.clock = clock

    @classmethod
    def install(
        cls, emulator: Emulator, clock: Callable[[], dt.datetime] | None = None
    ) -> SheetsService:
        """Register the Sheets routes (and Drive, which owns the files) once per emulator;
        ``clock`` replaces the service's clock (also on an already installed service)."""
        existing = _SERVICES.get(emulator)
        if existing is not None:
            if clock is not None:
                existing.clock = clock
            return existing
        drive = DriveService.install(emulator)
        service = cls(emulator, drive, clock=clock or utc_now)
        _SERVICES[emulator] = service
        drive.register_kind(
            SPREADSHEET_MIME,
            FileKind(
                service._create_for_drive,
                service._copy_book,
                service._drop,
            ),
        )
        add = emulator.router.add
        add("POST", r"/v4/spreadsheets", service._create)
        add("GET", _BASE, service._get)
        add("POST", _BASE + ":batchUpdate", service._batch_update)
        add("GET", _BASE + "/values:batchGet", service._values_batch_get)
        add("POST", _BASE + "/values:batchGetByDataFilter", service._values_batch_get_filtered)
        add("POST", _BASE + "/values:batchUpdate", service._values_batch_update)
        add("POST", _BASE + "/values:batchClear", service._values_batch_clear)
        add("POST", _BASE + "/values/(.+):append", service._values_append)
        add("POST", _BASE + "/values/(.+):clear", service._values_clear)
        add("GET", _BASE + "/values/(.+)", service._values_get)
        add("PUT", _BASE + "/values/(.+)", service._values_update)
        return service

    # -- Python API --------------------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str,
        sheets: dict[str, list[list[Any]]] | None = None,
        owner: str = ANONYMOUS.email,
        raw: bool = False,
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
    ) -> str:
        """A new spreadsheet (with its Drive file) holding the given rows per tab; values are
        typed in as a person would (USER_ENTERED, in ``locale``) unless ``raw``. Returns its
        id."""
        file = self.drive.add_file(title, SPREADSHEET_MIME, owner)
        book = self._create_book(file.id, title, first_tab=next(iter(sheets or {}), "Sheet1"))
        book.properties.update({"locale": locale, "timeZone": time_zone})
        for index, (tab, rows) in enumerate((sheets or {}).items()):
            sheet = book.sheets[0] if index == 0 else self._add_sheet(book, {"title": tab})
            write_values(book, sheet, 0, 0, rows, "RAW" if raw else "USER_ENTERED")
        return file.id

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        return self.books[spreadsheet_id]

    def sheet(self, spreadsheet_id: str, tab: str) -> SheetState:
        sheet = self.books[spreadsheet_id].sheet_by_title(tab)
        if sheet is None:
            raise KeyError(tab)
        return sheet

    def grid(
        self, spreadsheet_id: str, tab: str, render: str = "FORMATTED_VALUE"
    ) -> list[list[Any]]:
        """The tab's values as values.get returns them (trailing blanks trimmed)."""
        sheet = self.sheet(spreadsheet_id, tab)
        rows, columns = sheet.data_extent()
        return matrix(
            self.books[spreadsheet_id],
            sheet,
            a1.Bounds(0, rows, 0, columns),
            render,
            "SERIAL_NUMBER",
            "ROWS",
        )

    def set_cell(
        self, spreadsheet_id: str, tab: str, cell: str, value: Any, raw: bool = False
    ) -> None:
        self.set_values(spreadsheet_id, tab, cell, [[value]], raw)

    def set_values(
        self, spreadsheet_id: str, tab: str, cell: str, rows: list[list[Any]], raw: bool = False
    ) -> None:
        """Type ``rows`` in from ``cell`` as a person would (the tab grows, as pasting does)."""
        bounds = a1.parse_cells(cell)
        write_values(
            self.books[spreadsheet_id],
            self.sheet(spreadsheet_id, tab),
            bounds.start_row or 0,
            bounds.start_column or 0,
            rows,
            "RAW" if raw else "USER_ENTERED",
        )

    def cell(self, spreadsheet_id: str, tab: str, cell: str) -> Cell:
        """A copy of the stored CellData (userEnteredValue, userEnteredFormat, note...)."""
        bounds = a1.parse_cells(cell)
        sheet = self.sheet(spreadsheet_id, tab)
        return copy.deepcopy(sheet.cells.get((bounds.start_row or 0, bounds.start_column or 0), {}))

    def formula(self, spreadsheet_id: str, tab: str, cell: str) -> str | None:
        entered = self.cell(spreadsheet_id, tab, cell).get("userEnteredValue") or {}
        return entered.get("formulaValue")

    def set_format(self, spreadsheet_id: str, tab: str, cell: str, fmt: dict[str, Any]) -> None:
        bounds = a1.parse_cells(cell)
        sheet = self.sheet(spreadsheet_id, tab)
        for key in cells_in(bounds):
            sheet.cells.setdefault(key, {})["userEnteredFormat"] = with_color_styles(fmt)

    def snapshot(self, spreadsheet_id: str) -> dict[str, dict[str, Cell]]:
        """Every stored cell by tab and A1, to check later that nothing else changed."""
        return {
            sheet.title: {
                a1.format_cells(a1.Bounds(r, r + 1, c, c + 1)): copy.deepcopy(cell)
                for (r, c), cell in sorted(sheet.cells.items())
                if cell
            }
            for sheet in self.books[spreadsheet_id].sheets
        }

    def fit(self, spreadsheet_id: str, tab: str) -> None:
        """Shrink the tab's grid to its data, as a person deleting the empty rows and columns
        (or an importer sizing the tab to its file) would."""
        sheet = self.sheet(spreadsheet_id, tab)
        rows, columns = sheet.data_extent()
        grid = sheet.properties["gridProperties"]
        grid["rowCount"], grid["columnCount"] = max(rows, 1), max(columns, 1)

    def insert_rows(self, spreadsheet_id: str, tab: str, at: int, count: int = 1) -> None:
        """Insert ``count`` blank rows before 1-based row ``at`` (as a person would)."""
        sheet = self.sheet(spreadsheet_id, tab)
        dimensions.insert_dimension(
            self.books[spreadsheet_id],
            {
                "insertDimension": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": at - 1,
                        "endIndex": at - 1 + count,
                    }
                }
            },
        )

    def delete_rows(self, spreadsheet_id: str, tab: str, at: int, count: int = 1) -> None:
        sheet = self.sheet(spreadsheet_id, tab)
        dimensions.delete_dimension(
            self.books[spreadsheet_id],
            {
                "deleteDimension": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "dimension": "ROWS",
                        "startIndex": at - 1,
                        "endIndex": at - 1 + count,
                    }
                }
            },
        )

    def sort(
        self,
        spreadsheet_id: str,
        tab: str,
        column: str,
        ascending: bool = True,
        header_rows: int = 1,
    ) -> None:
        """Sort the data rows of a tab by one column (letter), as the UI's sort does."""
        sheet = self.sheet(spreadsheet_id, tab)
        rows, columns = sheet.data_extent()
        dimensions.sort_range(
            self.books[spreadsheet_id],
            {
                "sortRange": {
                    "range": {
                        "sheetId": sheet.sheet_id,
                        "startRowIndex": header_rows,
                        "endRowIndex": rows,
                        "startColumnIndex": 0,
                        "endColumnIndex": columns,
                    },
                    "sortSpecs": [
                        {
                            "dimensionIndex": a1.column_index(column),
                            "sortOrder": "ASCENDING" if ascending else "DESCENDING",
                        }
                    ],
                }
            },
        )

    def share(self, spreadsheet_id: str, email: str, role: str = "writer") -> None:
        self.drive.share(spreadsheet_id, email, role)

    # -- Drive hooks -------------------------------------------------------------------------

    def _create_book(
        self, spreadsheet_id: str, title: str, first_tab: str = "Sheet1"
    ) -> Spreadsheet:
        properties = {
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        }
        book = Spreadsheet(spreadsheet_id, properties, clock=self._book_clock())
        book.sheets.append(SheetState(new_sheet_properties(0, first_tab, 0, 1000, 26)))
        self.books[spreadsheet_id] = book
        return book

    def _create_for_drive(self, spreadsheet_id: str, title: str) -> None:
        self._create_book(spreadsheet_id, title)

    def _copy_book(self, source_id: str, new_id: str, name: str) -> None:
        book = copy.deepcopy(self.books[source_id])
        book.spreadsheet_id = new_id
        book.properties["title"] = name
        book.clock = self._book_clock()
        self.books[new_id] = book

    def _book_clock(self) -> Callable[[], dt.datetime]:
        """The service's clock as a plain function (deep copies of a book share it, not the
        service, as a bound method would make them)."""
        return lambda: self.clock()

    def _drop(self, spreadsheet_id: str) -> None:
        self.books.pop(spreadsheet_id, None)

    # -- plumbing ----------------------------------------------------------------------------

    def _open(self, request: Request, match: re.Match[str]) -> Spreadsheet | Response:
        spreadsheet_id = unquote(match[1])
        book = self.books.get(spreadsheet_id)
        if book is None or spreadsheet_id not in self.drive.files:
            return _not_found()
        self.caller = self.emulator.identify(request).email
        if not self.drive.can_access(spreadsheet_id, self.caller):
            return google_error(403, "The caller does not have permission")
        return book

    def _guard(
        self,
        request: Request,
        match: re.Match[str],
        action: Callable[[Spreadsheet], Response],
        mutates: bool = False,
    ) -> Response:
        opened = self._open(request, match)
        if isinstance(opened, Response):
            return opened
        saved = copy.deepcopy(opened) if mutates else None
        owner = self.drive.files[opened.spreadsheet_id].owner
        opened.editor = Editor(self.caller, owner)
        try:
            response = action(opened)
        except RequestError as error:
            if saved is not None:
                self.books[opened.spreadsheet_id] = saved
            response = google_error(400, str(error))
            if error.details:
                response.body["error"]["details"] = error.details
            return response
        finally:
            opened.editor = None
        if mutates:
            self.drive.touch(opened.spreadsheet_id)
        return response

    # -- values endpoints --------------------------------------------------------------------

    def _values_get(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        return self._guard(
            request, match, lambda book: Response(200, value_range(book, text, request))
        )

    def _values_batch_get(self, request: Request, match: re.Match[str]) -> Response:
        def action(book: Spreadsheet) -> Response:
            ranges = request.query.get("ranges", [])
            return Response(
                200,
                {
                    "spreadsheetId": book.spreadsheet_id,
                    "valueRanges": [value_range(book, r, request) for r in ranges],
                },
            )

        return self._guard(request, match, action)

    def _values_batch_get_filtered(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        return self._guard(
            request, match, lambda book: Response(200, value_ranges_by_data_filter(book, body))
        )

    def _values_update(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        body = request.json() or {}
        option = request.param("valueInputOption")
        return self._guard(
            request,
            match,
            lambda book: Response(200, update_values(book, text, body, option, request)),
            mutates=True,
        )

    def _values_batch_update(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        return self._guard(
            request,
            match,
            lambda book: Response(200, batch_update_values(book, body, request)),
            mutates=True,
        )

    def _values_append(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        body = request.json() or {}
        return self._guard(
            request,
            match,
            lambda book: Response(200, append_values(book, text, body, request)),
            mutates=True,
        )

    def _values_clear(self, request: Request, match: re.Match[str]) -> Response:
        text = unquote(match[2])
        return self._guard(
            request,
            match,
            lambda book: Response(
                200,
                {"spreadsheetId": book.spreadsheet_id, "clearedRange": clear_values(book, text)},
            ),
            mutates=True,
        )

    def _values_batch_clear(self, request: Request, match: re.Match[str]) -> Response:
        ranges = (request.json() or {}).get("ranges", [])
        return self._guard(
            request,
            match,
            lambda book: Response(
                200,
                {
                    "spreadsheetId": book.spreadsheet_id,
                    "clearedRanges": [clear_values(book, r) for r in ranges],
                },
            ),
            mutates=True,
        )

    # -- spreadsheets.get / create -----------------------------------------------------------

    def _create(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
        caller = self.emulator.identify(request)
        refused = self.drive.refuse_owner(caller, drive_api=False)  # mcp-google-sheets #40
        if refused is not None:
            return refused
        file = self.drive.add_file(title, SPREADSHEET_MIME, caller.email)
        file.made_by.add(caller.email)
        book = self._create_book(file.id, title)
        # spreadsheets.create takes SpreadsheetProperties: a locale and time zone given are kept
        for name in ("locale", "timeZone", "autoRecalc"):
            given = (body.get("properties") or {}).get(name)
            if given:
                book.properties[name] = given
        for index, spec in enumerate(body.get("sheets") or []):
            properties = spec.get("properties") or {}
            if index == 0:
                apply_masked_update(
                    book.sheets[0].properties, {**book.sheets[0].properties, **properties}, {}
                )
            else:
                self._add_sheet(book, properties)
        return Response(200, requested_resource(book, request))

    def _get(self, request: Request, match: re.Match[str]) -> Response:
        return self._guard(
            request, match, lambda book: Response(200, requested_resource(book, request))
        )

    def spreadsheet_resource(
        self, book: Spreadsheet, grid_data: bool = False, ranges: list[str] | None = None
    ) -> JSON:
        return spreadsheet_resource(book, grid_data, ranges)

    # -- spreadsheets.batchUpdate ------------------------------------------------------------

    def _batch_update(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}

        def action(book: Spreadsheet) -> Response:
            replies = []
            for index, item in enumerate(body.get("requests") or []):
                kind = next(iter(item), "")
                handler = self._handlers().get(kind)
                if handler is None:
                    raise RequestError(
                        f'Invalid JSON payload received. Unknown name "{kind}" at '
                        f"'requests[{index}]': Cannot find field."
                    )
                try:
                    replies.append(handler(book, item) or {})
                    grid.require_cell_limit(book)
                except RequestError as error:
                    raise RequestError(f"Invalid requests[{index}].{kind}: {error}") from None
            reply: JSON = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
            if body.get("includeSpreadsheetInResponse"):
                reply["updatedSpreadsheet"] = spreadsheet_resource(
                    book,
                    bool(body.get("responseIncludeGridData")),
                    body.get("responseRanges") or None,
                )
            return Response(200, reply)

        return self._guard(request, match, action, mutates=True)

    def _handlers(self) -> dict[str, Handler]:
        """Every request kind; the ones bound here draw ids, read the caller or rename the file."""
        return {
            **sheet_requests.REQUEST_HANDLERS,
            "addSheet": lambda book, item: {
                "addSheet": {
                    "properties": copy.deepcopy(
                        self._add_sheet(book, item["addSheet"].get("properties") or {}).properties
                    )
                }
            },
            "updateSpreadsheetProperties": self._update_spreadsheet_properties,
            "addNamedRange": lambda book, item: sheet_requests.add_named_range(
                book, item, self.random
            ),
            "addProtectedRange": lambda book, item: sheet_requests.add_protected_range(
                book, item, self.random, self.caller
            ),
        }

    def _add_sheet(self, book: Spreadsheet, properties: JSON) -> SheetState:
        return sheet_requests.add_sheet(book, properties, self.random)

    def _update_spreadsheet_properties(self, book: Spreadsheet, item: JSON) -> None:
        sheet_requests.update_spreadsheet_properties(book, item)
        file = self.drive.files.get(book.spreadsheet_id)
        if file is not None:
            file.name = book.properties.get("title", file.name)
