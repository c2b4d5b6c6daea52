import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from syncer.emulator.core import Emulator, Request, Response
from syncer.emulator.discovery import DiscoveryValidator, find_method, validate

CASSETTES = Path(__file__).resolve().parents[2].parent / "shared/data/gspread-cassettes"
SHEET = "/v4/spreadsheets/s1"


def request(method: str, path: str, body: object = None, **query: str) -> Request:
    raw = json.dumps(body).encode() if body is not None else b""
    return Request(method, path, {key: [value] for key, value in query.items()}, {}, raw)


def error_of(response: Response | None) -> dict:
    assert response is not None, "the request was let through"
    assert response.status == 400
    error: dict = response.body["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    return error


@pytest.mark.parametrize(
    ("method", "path", "method_id", "params"),
    [
        ("GET", SHEET, "sheets.spreadsheets.get", {"spreadsheetId": "s1"}),
        ("POST", SHEET + ":batchUpdate", "sheets.spreadsheets.batchUpdate", {}),
        ("GET", SHEET + "/values/%27Sheet1%27%21A1", "sheets.spreadsheets.values.get", {}),
        ("POST", SHEET + "/values/A1%3AB2:append", "sheets.spreadsheets.values.append", {}),
        ("POST", SHEET + "/values/A1:B2:clear", "sheets.spreadsheets.values.clear", {}),
        ("GET", SHEET + "/values:batchGet", "sheets.spreadsheets.values.batchGet", {}),
        ("POST", "/v1/documents/d1:batchUpdate", "docs.documents.batchUpdate", {}),
        ("POST", "/drive/v3/files", "drive.files.create", {}),
        ("POST", "/upload/drive/v3/files", "drive.files.create", {}),
        ("GET", "/drive/v3/files/f1/export", "drive.files.export", {"fileId": "f1"}),
    ],
)
def test_find_method(method, path, method_id, params):
    match = find_method(Request(method, path))
    assert match is not None and match.method.id == method_id
    assert params.items() <= match.path_params.items()


def test_range_path_parameter_is_decoded():
    match = find_method(Request("GET", SHEET + "/values/%27Sheet1%27%21A1"))
    assert match is not None and match.path_params["range"] == "'Sheet1'!A1"


def test_unknown_paths_are_not_validated():
    assert find_method(Request("PUT", "/upload/drive/v2/files/x")) is None
    assert validate(request("PUT", "/upload/drive/v2/files/x", bogus="1")) is None


def test_query_enum_gives_googles_message():
    error = error_of(
        validate(request("PUT", SHEET + "/values/A1", {"values": [[1]]}, valueInputOption="BOGUS"))
    )
    message = (
        "Invalid value at 'value_input_option' "
        '(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "BOGUS"'
    )
    assert error["message"] == message
    violation = error["details"][0]["fieldViolations"][0]
    assert violation == {"field": "value_input_option", "description": message}


def test_major_dimension_enum_is_named_dimension():
    error = error_of(validate(request("GET", SHEET + "/values/A1", majorDimension="ROW")))
    assert "(type.googleapis.com/google.apps.sheets.v4.Dimension)" in error["message"]


def test_value_input_option_is_required_for_update():
    error = error_of(validate(request("PUT", SHEET + "/values/A1", {"values": [[1]]})))
    assert error["message"] == "'valueInputOption' is required but not specified"


def test_bad_boolean_and_integer_query_values():
    bad_bool = validate(request("GET", SHEET, includeGridData="maybe"))
    assert error_of(bad_bool)["message"] == (
        "Invalid value at 'include_grid_data' (TYPE_BOOL), \"maybe\""
    )
    assert validate(request("GET", SHEET, includeGridData="False")) is None


def test_unknown_query_parameter_is_refused_by_sheets_but_ignored_by_drive():
    error = error_of(validate(request("GET", SHEET, foo="1")))
    assert error["message"].startswith('Invalid JSON payload received. Unknown name "foo"')
    assert validate(request("GET", "/drive/v3/files/f1", includeItemsFromAllDrives="True")) is None


def test_unknown_body_field_names_the_request_path():
    body = {"requests": [{"foo": {}}]}
    error = error_of(validate(request("POST", SHEET + ":batchUpdate", body)))
    assert error["message"] == (
        "Invalid JSON payload received. Unknown name \"foo\" at 'requests[0]': Cannot find field."
    )
    nested = {"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "colour": 1}}}]}
    error = error_of(validate(request("POST", SHEET + ":batchUpdate", nested)))
    assert "at 'requests[0].update_sheet_properties.properties'" in error["message"]


def test_body_types_and_enums():
    wrong_type = {"requests": [{"updateSheetProperties": {"properties": {"sheetId": "x"}}}]}
    error = error_of(validate(request("POST", SHEET + ":batchUpdate", wrong_type)))
    assert error["message"] == (
        "Invalid value at 'requests[0].update_sheet_properties.properties.sheet_id' "
        '(TYPE_INT32), "x"'
    )
    wrong_enum = {"valueInputOption": "SOMETIMES", "data": []}
    error = error_of(validate(request("POST", SHEET + "/values:batchUpdate", wrong_enum)))
    assert error["message"] == (
        "Invalid value at 'value_input_option' "
        '(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "SOMETIMES"'
    )
    valid = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [["a", 1, True]]}]}
    assert validate(request("POST", SHEET + "/values:batchUpdate", valid)) is None


def test_values_must_be_a_list_of_lists_as_google_says():
    body = {"values": "X", "majorDimension": None}
    error = error_of(validate(request("PUT", SHEET + "/values/A1", body, valueInputOption="RAW")))
    assert error["message"] == (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    )


def test_docs_requests_are_checked_too():
    good = {"requests": [{"insertText": {"location": {"index": 1}, "text": "hi"}}]}
    assert validate(request("POST", "/v1/documents/d1:batchUpdate", good)) is None
    bad = {"requests": [{"insertText": {"location": {"index": "one"}, "text": "hi"}}]}
    error = error_of(validate(request("POST", "/v1/documents/d1:batchUpdate", bad)))
    assert "'requests[0].insert_text.location.index' (TYPE_INT32)" in error["message"]


def test_invalid_json_body():
    broken = Request("POST", SHEET + ":batchUpdate", body=b"{not json")
    assert error_of(validate(broken))["message"].startswith("Invalid JSON payload received.")


def test_installed_hook_refuses_before_the_router_and_records_it():
    emulator = Emulator()
    reached: list[str] = []
    emulator.router.add(
        "GET", r"/v4/spreadsheets/[^/]+", lambda req, m: reached.append("x") or Response(200, {})
    )
    validator = DiscoveryValidator.install(emulator)
    assert emulator.handle(request("GET", SHEET, includeGridData="nah")).status == 400
    assert emulator.handle(request("GET", SHEET, includeGridData="false")).status == 200
    assert reached == ["x"]
    assert [method_id for method_id, _ in validator.rejected] == ["sheets.spreadsheets.get"]


def cassette_interactions() -> list[dict]:
    found = []
    for path in sorted(CASSETTES.glob("*.json")):
        found.extend(json.loads(path.read_text(encoding="utf-8"))["interactions"])
    return found


@pytest.mark.skipif(not CASSETTES.is_dir(), reason="gspread cassettes are not available")
def test_everything_gspread_sent_passes_and_googles_400s_match():
    """Replay every request gspread recorded against real Google: the ones Google accepted must
    pass, and the ones it refused as invalid must be refused with Google's very body."""
    interactions = cassette_interactions()
    assert len(interactions) > 1000
    refused_by_google = 0
    for interaction in interactions:
        sent = interaction["request"]
        url = urlsplit(sent["uri"])
        replayed = Request(
            sent["method"],
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            {},
            (sent["body"] or "").encode("utf-8"),
        )
        answer = validate(replayed)
        google = interaction["response"]
        google_body = google["body"]["string"]
        if google["status"]["code"] == 400 and "Invalid value" in google_body:
            refused_by_google += 1
            assert answer is not None and answer.body == json.loads(google_body), sent["uri"]
        else:
            assert answer is None, (sent["method"], sent["uri"], answer and answer.body)
    assert refused_by_google == 3
