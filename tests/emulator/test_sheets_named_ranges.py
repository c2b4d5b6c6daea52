"""A deleted tab's named ranges, as on Google: kept as hidden #REF! ranges that the API neither
lists, reads, updates nor deletes, whose names block adding them again (gspread #1530)."""

from __future__ import annotations

import gspread
import pytest
from gspread.exceptions import APIError

from syncer.emulator import SheetsService


def test_a_deleted_tabs_named_range_is_hidden_and_its_name_stays_taken(
    gc: gspread.Client, sheets: SheetsService
) -> None:
    book = gc.create("t")
    doomed = book.add_worksheet("Static", rows=10, cols=3)
    reply = book.batch_update(
        {
            "requests": [
                {
                    "addNamedRange": {
                        "namedRange": {"name": "Range1", "range": {"sheetId": doomed.id}}
                    }
                }
            ]
        }
    )
    range_id = reply["replies"][0]["addNamedRange"]["namedRange"]["namedRangeId"]
    book.del_worksheet(doomed)

    assert book.list_named_ranges() == []
    with pytest.raises(APIError, match="Unable to parse range"):
        book.values_get("Range1")
    again = {"addNamedRange": {"namedRange": {"name": "Range1", "range": {"sheetId": 0}}}}
    with pytest.raises(APIError) as refused:
        book.batch_update({"requests": [again]})
    assert refused.value.code == 400
    assert refused.value.error["message"] == (
        "Invalid requests[0].addNamedRange: Cannot add named range with name: Range1, a named "
        "range with that name already exists."
    )
    for request in (
        {"deleteNamedRange": {"namedRangeId": range_id}},
        {
            "updateNamedRange": {
                "namedRange": {"namedRangeId": range_id, "range": {"sheetId": 0}},
                "fields": "range",
            }
        },
    ):
        with pytest.raises(APIError, match="No named range with id"):
            book.batch_update({"requests": [request]})
    other = {"addNamedRange": {"namedRange": {"name": "Range2", "range": {"sheetId": 0}}}}
    book.batch_update({"requests": [other]})
    renamed = {
        "updateNamedRange": {
            "namedRange": {
                "namedRangeId": book.list_named_ranges()[0]["namedRangeId"],
                "name": "Range1",
            },
            "fields": "name",
        }
    }
    with pytest.raises(APIError, match="a named range with that name already exists"):
        book.batch_update({"requests": [renamed]})
