"""Formula errors and volatile TODAY/NOW, as values.get, spreadsheets.get and gspread see them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import gspread
import pytest

from syncer.emulator import SheetsService
from syncer.emulator.core import Emulator, Request

CLOCK = dt.datetime(2026, 11, 26, 21, 5, 30, tzinfo=dt.UTC)  # 46352 days after 1899-12-30
TODAY_SERIAL = (dt.date(2026, 11, 26) - dt.date(1899, 12, 30)).days


@pytest.fixture
def fixed(emulator: Emulator) -> SheetsService:
    return SheetsService.install(emulator, clock=lambda: CLOCK)


def get(emulator: Emulator, path: str, **query: str) -> Any:
    reply = emulator.handle(Request("GET", path, query={k: [v] for k, v in query.items()}))
    assert reply.status == 200, reply.body
    return reply.body


ERRORS = [
    ("=1/0", "#DIV/0!", "DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero."),
    ("=NA()", "#N/A", "N_A", "Value not available."),
    ("=#REF!+1", "#REF!", "REF", "Reference does not exist."),
    ("=A9*2", "#DIV/0!", "DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero."),
]


@pytest.mark.parametrize(("formula", "code", "kind", "message"), ERRORS)
def test_an_error_reads_as_its_code_and_as_an_error_value(
    emulator: Emulator, fixed: SheetsService, formula: str, code: str, kind: str, message: str
) -> None:
    key = fixed.create_spreadsheet("t", {"S": [[formula]]})
    fixed.set_cell(key, "S", "A9", "=5/0")
    for render in ("FORMATTED_VALUE", "UNFORMATTED_VALUE"):
        body = get(emulator, f"/v4/spreadsheets/{key}/values/S!A1", valueRenderOption=render)
        assert body["values"] == [[code]]
    assert get(emulator, f"/v4/spreadsheets/{key}/values/S!A1", valueRenderOption="FORMULA")[
        "values"
    ] == [[formula]]
    resource = get(emulator, f"/v4/spreadsheets/{key}", includeGridData="true", ranges="S!A1")
    cell = resource["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["effectiveValue"] == {"errorValue": {"type": kind, "message": message}}
    assert cell["formattedValue"] == code


def test_errors_propagate_and_iferror_catches_them(fixed: SheetsService) -> None:
    key = fixed.create_spreadsheet(
        "t",
        {
            "S": [
                ["=1/0", '=A1&"x"', "=SUM(A1, 2)", '=IFERROR(A1, "none")', "=ISERROR(A1)"],
                ['=IFNA(NA(), "n/a")', "=ISNA(A1)", "=IF(1/0, 1, 2)", "=2/4", "=1+#N/A"],
            ]
        },
    )
    assert fixed.grid(key, "S", render="UNFORMATTED_VALUE") == [
        ["#DIV/0!", "#DIV/0!", "#DIV/0!", "none", True],
        ["n/a", False, "#DIV/0!", 0.5, "#N/A"],
    ]


def test_today_and_now_read_the_injected_clock_in_the_sheets_time_zone(
    emulator: Emulator, fixed: SheetsService
) -> None:
    key = fixed.create_spreadsheet(
        "t", {"S": [["=TODAY()", "=NOW()", "=TODAY()+7", "=TODAY()-A1"]]}
    )
    assert fixed.grid(key, "S", render="UNFORMATTED_VALUE") == [
        [
            TODAY_SERIAL,
            pytest.approx(TODAY_SERIAL + (21 * 3600 + 5 * 60 + 30) / 86400),
            TODAY_SERIAL + 7,
            0,
        ]
    ]
    assert fixed.grid(key, "S") == [["11/26/2026", "11/26/2026 21:05:30", "12/3/2026", "0"]]
    fixed.spreadsheet(key).properties["timeZone"] = "Pacific/Kiritimati"  # UTC+14: tomorrow
    assert fixed.grid(key, "S")[0][0] == "11/27/2026"
    fixed.clock = lambda: CLOCK + dt.timedelta(days=2)
    assert fixed.grid(key, "S", render="UNFORMATTED_VALUE")[0][0] == TODAY_SERIAL + 3


def test_a_reference_to_a_deleted_row_becomes_ref(fixed: SheetsService) -> None:
    key = fixed.create_spreadsheet(
        "t", {"S": [["1"], ["2"], ["3"], ["=A2*10", "=SUM(A1:A3)", "=A3"]], "T": [["=S!A2"]]}
    )
    fixed.delete_rows(key, "S", at=2)
    assert fixed.formula(key, "S", "A3") == "=#REF!*10"
    assert fixed.formula(key, "S", "B3") == "=SUM(A1:A2)"
    assert fixed.formula(key, "S", "C3") == "=A2"
    assert fixed.formula(key, "T", "A1") == "=#REF!"
    assert fixed.grid(key, "S", render="UNFORMATTED_VALUE")[2] == ["#REF!", 4, 3]
    assert fixed.grid(key, "T") == [["#REF!"]]
    fixed.insert_rows(key, "S", at=1)
    assert fixed.formula(key, "S", "B4") == "=SUM(A2:A3)"


def test_gspread_reads_error_codes(gc: gspread.Client, fixed: SheetsService) -> None:
    key = fixed.create_spreadsheet("t", {"S": [["=1/0", "=NA()", "=TODAY()"]]})
    worksheet = gc.open_by_key(key).worksheet("S")
    assert worksheet.get_all_values() == [["#DIV/0!", "#N/A", "11/26/2026"]]
    unformatted = worksheet.get("A1:C1", value_render_option="UNFORMATTED_VALUE")
    assert unformatted == [["#DIV/0!", "#N/A", TODAY_SERIAL]]
    reply = gc.http_client.request(
        "get",
        f"https://sheets.googleapis.com/v4/spreadsheets/{key}",
        params={"includeGridData": "true", "fields": "sheets.data.rowData.values.effectiveValue"},
    )
    values = json.loads(reply.content)["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert [v["effectiveValue"] for v in values] == [
        {
            "errorValue": {
                "type": "DIVIDE_BY_ZERO",
                "message": "Function DIVIDE parameter 2 cannot be zero.",
            }
        },
        {"errorValue": {"type": "N_A", "message": "Value not available."}},
        {"numberValue": TODAY_SERIAL},
    ]
