import json

import pytest

from syncer.emulator.core import Emulator, Identity, Request, Response
from syncer.emulator.docs import DocsService, utf16_length


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def docs(emulator: Emulator) -> DocsService:
    return DocsService.install(emulator)


def call(emulator: Emulator, method: str, path: str, body: object = None) -> Response:
    raw = json.dumps(body).encode() if body is not None else b""
    return emulator.handle(Request(method, path, body=raw))


def batch(emulator: Emulator, doc_id: str, *requests: dict) -> Response:
    return call(emulator, "POST", f"/v1/documents/{doc_id}:batchUpdate", {"requests": requests})


def paragraphs(emulator: Emulator, doc_id: str) -> list[dict]:
    document = call(emulator, "GET", f"/v1/documents/{doc_id}").body
    return document["body"]["content"][1:]


def test_create_returns_an_empty_document_ending_with_a_newline(emulator, docs):
    response = call(emulator, "POST", "/v1/documents", {"title": "Follow-ups"})
    assert response.status == 200
    document = response.body
    assert document["title"] == "Follow-ups"
    first, second = document["body"]["content"]
    assert first == {"endIndex": 1, "sectionBreak": first["sectionBreak"]}
    assert second["startIndex"] == 1 and second["endIndex"] == 2
    assert second["paragraph"]["elements"][0]["textRun"]["content"] == "\n"
    assert docs.text(document["documentId"]) == "\n"


def test_insert_text_splits_paragraphs_with_utf16_indices(emulator, docs):
    doc_id = docs.create_document("Notes")
    text = "Acme 😀\nSecond line\n"
    assert batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": text}}).status
    content = paragraphs(emulator, doc_id)
    assert [p["paragraph"]["elements"][0]["textRun"]["content"] for p in content] == [
        "Acme 😀\n",
        "Second line\n",
        "\n",
    ]
    # the emoji is two UTF-16 code units, as Google counts it
    assert content[0]["endIndex"] == 1 + utf16_length("Acme 😀\n") == 9
    assert content[1]["startIndex"] == 9
    assert content[-1]["endIndex"] == 1 + utf16_length(text + "\n")


def test_end_of_segment_location_appends_before_the_final_newline(emulator, docs):
    doc_id = docs.create_document("Notes")
    for chunk in ("one\n", "two\n"):
        response = batch(
            emulator, doc_id, {"insertText": {"endOfSegmentLocation": {}, "text": chunk}}
        )
        assert response.status == 200
    assert docs.text(doc_id) == "one\ntwo\n\n"


def test_insert_past_the_end_is_refused_with_googles_message(emulator, docs):
    doc_id = docs.create_document("Notes")
    batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": "Hello"}})
    response = batch(emulator, doc_id, {"insertText": {"location": {"index": 7}, "text": "x"}})
    assert response.status == 400
    assert response.body["error"]["status"] == "INVALID_ARGUMENT"
    assert response.body["error"]["message"] == (
        "Invalid requests[0].insertText: Index 7 must be less than the end index of the "
        "referenced segment, 7."
    )
    assert docs.text(doc_id) == "Hello\n"


def test_a_failing_batch_changes_nothing(emulator, docs):
    doc_id = docs.create_document("Notes")
    response = batch(
        emulator,
        doc_id,
        {"insertText": {"location": {"index": 1}, "text": "kept?"}},
        {"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 99}}},
    )
    assert response.status == 400
    assert "requests[1].deleteContentRange" in response.body["error"]["message"]
    assert docs.text(doc_id) == "\n"


def test_delete_content_range_cannot_take_the_final_newline(emulator, docs):
    doc_id = docs.create_document("Notes")
    batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": "abc"}})
    whole = {"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 5}}}
    response = batch(emulator, doc_id, whole)
    assert response.status == 400
    assert "newline character at the end of the segment" in response.body["error"]["message"]
    ok = batch(
        emulator, doc_id, {"deleteContentRange": {"range": {"startIndex": 2, "endIndex": 3}}}
    )
    assert ok.status == 200
    assert docs.text(doc_id) == "ac\n"


def test_heading_style_gives_a_heading_id_and_merge_keeps_the_second_style(emulator, docs):
    doc_id = docs.create_document("Notes")
    batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": "Acme\nbody"}})
    style = {
        "updateParagraphStyle": {
            "range": {"startIndex": 1, "endIndex": 2},
            "paragraphStyle": {"namedStyleType": "HEADING_2"},
            "fields": "namedStyleType",
        }
    }
    assert batch(emulator, doc_id, style).status == 200
    first = paragraphs(emulator, doc_id)[0]["paragraph"]["paragraphStyle"]
    assert first["namedStyleType"] == "HEADING_2"
    assert first["headingId"].startswith("h.")
    [heading] = docs.headings(doc_id)
    assert (heading.named_style, heading.text, heading.heading_id) == (
        "HEADING_2",
        "Acme",
        first["headingId"],
    )
    # deleting the paragraph break merges into the next paragraph, which keeps its own style
    batch(emulator, doc_id, {"deleteContentRange": {"range": {"startIndex": 5, "endIndex": 6}}})
    assert docs.text(doc_id) == "Acmebody\n"
    assert docs.headings(doc_id) == []


def test_update_paragraph_style_needs_fields(emulator, docs):
    doc_id = docs.create_document("Notes")
    response = batch(
        emulator,
        doc_id,
        {
            "updateParagraphStyle": {
                "range": {"startIndex": 1, "endIndex": 2},
                "paragraphStyle": {"namedStyleType": "HEADING_1"},
            }
        },
    )
    assert response.status == 400
    assert "At least one field must be listed in 'fields'" in response.body["error"]["message"]


def test_named_ranges_follow_edits_and_can_be_replaced(emulator, docs):
    doc_id = docs.create_document("Notes")
    batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": "Dear Ann,\n"}})
    created = batch(
        emulator,
        doc_id,
        {"createNamedRange": {"name": "who", "range": {"startIndex": 6, "endIndex": 9}}},
    )
    range_id = created.body["replies"][0]["createNamedRange"]["namedRangeId"]
    batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": ">> "}})
    document = call(emulator, "GET", f"/v1/documents/{doc_id}").body
    [entry] = document["namedRanges"]["who"]["namedRanges"]
    assert entry["namedRangeId"] == range_id
    assert entry["ranges"] == [{"startIndex": 9, "endIndex": 12}]
    replace = {"replaceNamedRangeContent": {"namedRangeName": "who", "text": "Bartholomew"}}
    assert batch(emulator, doc_id, replace).status == 200
    assert docs.text(doc_id) == ">> Dear Bartholomew,\n\n"
    assert batch(emulator, doc_id, {"deleteNamedRange": {"namedRangeId": range_id}}).status == 200
    assert "namedRanges" not in call(emulator, "GET", f"/v1/documents/{doc_id}").body


def test_unknown_document_is_404(emulator, docs):
    assert call(emulator, "GET", "/v1/documents/nope").status == 404
    response = batch(emulator, "nope", {"insertText": {"endOfSegmentLocation": {}, "text": "x"}})
    assert response.status == 404
    assert response.body["error"]["status"] == "NOT_FOUND"


def test_create_document_for_drive_uses_the_given_id_and_owner(docs):
    doc_id = docs.create_document("Drafts", doc_id="doc-123", owner="me@example.com")
    assert doc_id == "doc-123"
    assert docs.documents["doc-123"].owner == "me@example.com"
    assert docs.documents["doc-123"].to_json()["title"] == "Drafts"


def test_drive_files_create_with_the_docs_type_makes_a_document(emulator, docs):
    body = {"name": "Drafts", "mimeType": "application/vnd.google-apps.document"}
    created = call(emulator, "POST", "/drive/v3/files", body)
    assert created.status == 200
    doc_id = created.body["id"]
    document = call(emulator, "GET", f"/v1/documents/{doc_id}").body
    assert document["title"] == "Drafts" and docs.text(doc_id) == "\n"
    assert call(emulator, "DELETE", f"/drive/v3/files/{doc_id}").status in (200, 204)
    assert call(emulator, "GET", f"/v1/documents/{doc_id}").status == 404


def test_a_caller_without_access_gets_403(emulator, docs):
    doc_id = docs.create_document("Private", owner="owner@example.com")
    emulator.identify = lambda request: Identity("stranger@example.com", "p")
    response = call(emulator, "GET", f"/v1/documents/{doc_id}")
    assert response.status == 403
    assert response.body["error"]["message"] == "The caller does not have permission"
    docs.drive.share(doc_id, "stranger@example.com")
    assert call(emulator, "GET", f"/v1/documents/{doc_id}").status == 200


def test_insert_text_strips_c0_controls_and_private_use_characters_as_google_documents(
    emulator, docs
):
    doc_id = docs.create_document("Notes")
    typed = "\uf0b7 Roadmap\x07\r\tQ3\x0bplan \U000f0000 \u202eRTL\u202c \U0001f600\n"
    assert batch(emulator, doc_id, {"insertText": {"location": {"index": 1}, "text": typed}})
    kept = " Roadmap\tQ3\x0bplan \U000f0000 \u202eRTL\u202c \U0001f600\n"
    assert docs.text(doc_id) == kept + "\n"
    # the next paragraph starts where the stripped text ends, counted in UTF-16 units
    assert paragraphs(emulator, doc_id)[1]["startIndex"] == 1 + utf16_length(kept)
    # a client that counted the Word bullet (U+F0B7) and the controls overshoots the end
    overshoot = 1 + utf16_length(typed) + 1
    response = batch(
        emulator, doc_id, {"insertText": {"location": {"index": overshoot}, "text": "x"}}
    )
    assert response.status == 400
    end = 2 + utf16_length(kept)
    assert response.body["error"]["message"] == (
        f"Invalid requests[0].insertText: Index {overshoot} must be less than the end index of "
        f"the referenced segment, {end}."
    )


def test_a_lone_surrogate_refuses_the_whole_batch(emulator, docs):
    doc_id = docs.create_document("Notes")
    body = (
        '{"requests": [{"insertText": {"location": {"index": 1}, "text": "ok"}},'
        ' {"insertText": {"location": {"index": 1}, "text": "bad \\ud83d here"}}]}'
    )
    response = emulator.handle(
        Request("POST", f"/v1/documents/{doc_id}:batchUpdate", body=body.encode())
    )
    assert response.status == 400
    assert "unpaired surrogate" in response.body["error"]["message"]
    assert docs.text(doc_id) == "\n", "nothing of the batch was applied"
