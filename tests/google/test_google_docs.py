"""Drafts in a linked Google Doc: one Doc, updated in place, stable heading links."""

from __future__ import annotations

from syncer.backends.base import SyncState
from tests.google.conftest import Google, example_rows, sheet_config


def test_two_runs_update_one_doc_in_place_with_stable_links(google: Google) -> None:
    key = google.sheets.create_spreadsheet("Hunt", {"Applications": example_rows()})
    config = sheet_config(key, drafts="doc")
    backend = google.opener()(config)
    backend.read()
    first = backend.doc_drafts().publish(
        {
            "r1": ("Acme — Engineer", "Dear Ana,\nThank you.\n"),
            "r2": ("Globex — Analyst", "Hello Bo,\nFollowing up."),
        }
    )
    backend.write([], [], SyncState())
    doc_id = backend.meta.doc_id
    assert doc_id and set(first) == {"r1", "r2"}
    again = google.opener()(config)
    again.read()
    assert again.meta.doc_id == doc_id
    second = again.doc_drafts().publish(
        {
            "r1": ("Acme — Engineer", "Dear Ana,\nThank you again, with more.\n"),
            "r2": ("Globex — Analyst", "Hello Bo,\nFollowing up."),
            "r3": ("Initech — QA", "Hi,\nA new one."),
        }
    )
    assert second["r1"] == first["r1"] and second["r2"] == first["r2"]
    assert all(
        link.startswith(f"https://docs.google.com/document/d/{doc_id}/edit#heading=")
        for link in second.values()
    )
    headings = [h.text for h in google.docs.headings(doc_id)]
    assert headings == ["Acme — Engineer · r1", "Globex — Analyst · r2", "Initech — QA · r3"]
    text = google.docs.text(doc_id)
    assert "Thank you again, with more." in text and "Thank you.\n" not in text
    assert text.count("Following up.") == 1
    assert len([f for f in google.docs.drive.files.values() if f.id == doc_id]) == 1
