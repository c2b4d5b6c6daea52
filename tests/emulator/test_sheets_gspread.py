"""The real gspread 6 client against the in-process emulator, end to end."""

from __future__ import annotations

import gspread
import pytest
from gspread.exceptions import APIError

from syncer.emulator import SheetsService


@pytest.fixture
def worksheet(gc: gspread.Client) -> gspread.Worksheet:
    return gc.create("Applications").sheet1


def test_update_user_entered_parses_like_the_ui(worksheet: gspread.Worksheet) -> None:
    worksheet.update(
        [
            ["Company", "Applied On", "Sent", "Score", "Phone"],
            ["Acme", "2024-03-05", "TRUE", "=2*21", "'0042"],
        ],
        "A1",
        value_input_option="USER_ENTERED",
    )
    assert worksheet.get_all_values()[1] == ["Acme", "2024-03-05", "TRUE", "42", "0042"]
    unformatted = worksheet.get("A2:E2", value_render_option="UNFORMATTED_VALUE")
    assert unformatted == [["Acme", 45356, True, 42, "0042"]]
    assert worksheet.get("D2", value_render_option="FORMULA") == [["=2*21"]]


def test_update_raw_keeps_text(worksheet: gspread.Worksheet) -> None:
    worksheet.update([["=1+1", "2024-03-05", "007"]], "A1", value_input_option="RAW")
    assert worksheet.get("A1:C1", value_render_option="UNFORMATTED_VALUE") == [
        ["=1+1", "2024-03-05", "007"]
    ]


def test_trailing_blanks_trimmed_and_echo(worksheet: gspread.Worksheet) -> None:
    worksheet.update([["a", "", ""], ["", "", ""], ["", "b", ""]], "B2")
    result = worksheet.client.values_get(worksheet.spreadsheet_id, "'Sheet1'!A1:D5")
    assert result == {
        "range": "Sheet1!A1:D5",
        "majorDimension": "ROWS",
        "values": [[], ["", "a"], [], ["", "", "b"]],
    }
    empty = worksheet.client.values_get(worksheet.spreadsheet_id, "'Sheet1'!F1:G2")
    assert "values" not in empty


def test_batch_get_batch_update_append_clear(
    worksheet: gspread.Worksheet, sheets: SheetsService
) -> None:
    worksheet.batch_update(
        [
            {"range": "A1:B1", "values": [["Company", "Stage"]]},
            {"range": "A2:B2", "values": [["Acme", "applied"]]},
        ]
    )
    worksheet.append_row(["Beta", "interviewed"])
    assert worksheet.batch_get(["A1:A3", "B3"]) == [
        [["Company"], ["Acme"], ["Beta"]],
        [["interviewed"]],
    ]
    worksheet.batch_clear(["A2:B2"])
    assert worksheet.get_all_values() == [["Company", "Stage"], ["", ""], ["Beta", "interviewed"]]
    worksheet.clear()
    assert sheets.grid(worksheet.spreadsheet_id, "Sheet1") == []


def test_append_reports_the_table(gc: gspread.Client) -> None:
    spreadsheet = gc.create("t")
    spreadsheet.sheet1.update([["h1", "h2"], ["a", "b"]], "A1")
    reply = spreadsheet.values_append("Sheet1", {"valueInputOption": "RAW"}, {"values": [["c"]]})
    assert reply["tableRange"] == "Sheet1!A1:B2"
    assert reply["updates"]["updatedRange"] == "Sheet1!A3"


def test_worksheets_add_rename_delete(gc: gspread.Client) -> None:
    spreadsheet = gc.create("t")
    added = spreadsheet.add_worksheet("Q2 roles", rows=10, cols=5)
    assert [w.title for w in spreadsheet.worksheets()] == ["Sheet1", "Q2 roles"]
    assert (added.row_count, added.col_count) == (10, 5)
    added.update_title("Q3 roles")
    with pytest.raises(APIError, match="already exists"):
        spreadsheet.add_worksheet("Q3 roles", rows=1, cols=1)
    spreadsheet.del_worksheet(added)
    assert [w.title for w in gc.open_by_key(spreadsheet.id).worksheets()] == ["Sheet1"]
    with pytest.raises(APIError, match="remove all the sheets"):
        spreadsheet.del_worksheet(spreadsheet.sheet1)


def test_format_and_validation_leave_values(
    worksheet: gspread.Worksheet, sheets: SheetsService
) -> None:
    worksheet.update([["Stage"], ["applied"]], "A1")
    worksheet.format("A1", {"textFormat": {"bold": True}, "backgroundColor": {"red": 0.5}})
    worksheet.spreadsheet.batch_update(
        {
            "requests": [
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": worksheet.id,
                            "startRowIndex": 1,
                            "endRowIndex": 2,
                            "startColumnIndex": 0,
                            "endColumnIndex": 1,
                        },
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": "applied"}],
                            }
                        },
                    }
                }
            ]
        }
    )
    header = sheets.cell(worksheet.spreadsheet_id, "Sheet1", "A1")
    assert header["userEnteredFormat"]["textFormat"] == {"bold": True}
    assert header["userEnteredFormat"]["backgroundColorStyle"] == {"rgbColor": {"red": 0.49803922}}
    assert (
        sheets.cell(worksheet.spreadsheet_id, "Sheet1", "A2")["dataValidation"]["condition"]["type"]
        == "ONE_OF_LIST"
    )
    assert worksheet.get_all_values() == [["Stage"], ["applied"]]


def test_errors_are_googles(gc: gspread.Client, worksheet: gspread.Worksheet) -> None:
    with pytest.raises(APIError) as bad_range:
        worksheet.spreadsheet.values_get("'Nope'!A1")
    assert bad_range.value.response.status_code == 400
    assert bad_range.value.args[0]["message"] == "Unable to parse range: 'Nope'!A1"
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("1" + "x" * 43)


def test_failed_batch_update_changes_nothing(worksheet: gspread.Worksheet) -> None:
    requests = [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "title": "Renamed"},
                "fields": "title",
            }
        },
        {"deleteSheet": {"sheetId": 0}},
    ]
    with pytest.raises(APIError, match=r"requests\[1\]\.deleteSheet"):
        worksheet.spreadsheet.batch_update({"requests": requests})
    assert worksheet.spreadsheet.worksheets()[0].title == "Sheet1"


BY_FILTER = "https://sheets.googleapis.com/v4/spreadsheets/{}/values:batchGetByDataFilter"


def test_batch_get_by_data_filter_answers_each_a1_filter_with_its_match(
    worksheet: gspread.Worksheet,
) -> None:
    """values:batchGetByDataFilter (Sheets v4 discovery document: the request's options are
    its body's; each MatchedValueRange holds a ValueRange and the DataFilters it matched)."""
    worksheet.update([["Company", "Stage"], ["Acme", "applied"], ["Beta", ""], ["Gamma", "x"]])
    body = {
        "dataFilters": [{"a1Range": "'Sheet1'!2:3"}, {"a1Range": "Sheet1!B1:B4"}],
        "majorDimension": "COLUMNS",
        "valueRenderOption": "FORMULA",
    }
    url = BY_FILTER.format(worksheet.spreadsheet_id)
    reply = worksheet.client.request("post", url, json=body).json()
    assert reply["spreadsheetId"] == worksheet.spreadsheet_id
    assert reply["valueRanges"] == [
        {
            "valueRange": {
                "range": "Sheet1!A2:Z3",
                "majorDimension": "COLUMNS",
                "values": [["Acme", "Beta"], ["applied"]],
            },
            "dataFilters": [{"a1Range": "'Sheet1'!2:3"}],
        },
        {
            "valueRange": {
                "range": "Sheet1!B1:B4",
                "majorDimension": "COLUMNS",
                "values": [["Stage", "applied", "", "x"]],
            },
            "dataFilters": [{"a1Range": "Sheet1!B1:B4"}],
        },
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"dataFilters": []},
        {"dataFilters": [{"gridRange": {"sheetId": 0}}]},
        {"dataFilters": [{"developerMetadataLookup": {"metadataKey": "k"}}]},
        {"dataFilters": [{"a1Range": "Nope!A1"}]},
    ],
    ids=["no filter", "grid range", "metadata", "unknown sheet"],
)
def test_batch_get_by_data_filter_refuses_what_it_cannot_answer(
    worksheet: gspread.Worksheet, body: dict[str, object]
) -> None:
    with pytest.raises(APIError) as refused:
        worksheet.client.request("post", BY_FILTER.format(worksheet.spreadsheet_id), json=body)
    assert refused.value.response.status_code == 400
