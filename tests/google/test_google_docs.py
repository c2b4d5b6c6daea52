"""Drafts in a linked Google Doc: one Doc, updated in place, stable heading links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from syncer.backends.base import SyncState
from syncer.config import TrackerConfig
from syncer.emulator.faults import Fault, FaultInjector
from syncer.google.docs_drafts import doc_text
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import (
    EXAMPLE,
    NOW,
    OPTIONS,
    TODAY,
    Google,
    example_rows,
    sheet_config,
)


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


# -- drafts = "doc" through the sync itself ---------------------------------------------------


def draft_cells(google: Google, key: str) -> dict[str, str]:
    """Row ID -> Draft cell, for rows whose Draft cell is filled."""
    grid = google.sheets.grid(key, "Applications", render="UNFORMATTED_VALUE")
    header = grid[0]
    draft, row_id = header.index("Draft"), header.index("Row ID")
    return {
        row[row_id]: row[draft]
        for row in grid[1:]
        if len(row) > max(draft, row_id) and row[draft] not in ("", None)
    }


def doc_files(google: Google) -> list[str]:
    return [f.id for f in google.docs.drive.files.values() if "document" in f.mime_type]


def test_a_sync_with_drafts_in_a_doc_links_each_draft_cell_to_its_section(
    google: Google, example_sheet: str
) -> None:
    config = sheet_config(example_sheet, drafts="doc")
    result, plan = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    assert plan is not None and plan.doc_drafts, "the example has drafts due"
    [doc_id] = doc_files(google)
    links = draft_cells(google, example_sheet)
    assert set(links) == set(plan.doc_drafts)
    headings = {h.text: h.heading_id for h in google.docs.headings(doc_id)}
    text = google.docs.text(doc_id)
    for row_id, (heading, draft) in plan.doc_drafts.items():
        heading_id = headings[f"{heading} · {row_id}"]
        assert links[row_id] == (
            f"https://docs.google.com/document/d/{doc_id}/edit#heading={heading_id}"
        )
        assert draft.strip().splitlines()[0] in text
    assert not any("\n" in link for link in links.values()), "no draft text in the sheet"


def test_a_second_sync_changes_nothing_and_a_later_one_updates_the_doc_in_place(
    google: Google, example_sheet: str
) -> None:
    config = sheet_config(example_sheet, drafts="doc")
    sync_tracker(config, OPTIONS, opener=google.opener())
    [doc_id] = doc_files(google)
    links = draft_cells(google, example_sheet)
    mark = len(google.emulator.log)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None and result.cells_written == 0
    assert [e["path"] for e in google.requests(mark) if e["method"] != "GET"] == []
    later = RunOptions(today=TODAY + timedelta(days=2), now=NOW + timedelta(days=2))
    result, plan = sync_tracker(config, later, opener=google.opener())
    assert result.failed is None, result.failed
    assert doc_files(google) == [doc_id]
    headings = [h.text for h in google.docs.headings(doc_id)]
    assert len(headings) == len(set(headings)), "one section per row"
    assert plan is not None
    text = google.docs.text(doc_id)
    assert all(doc_text(draft) in text for _, draft in plan.doc_drafts.values())
    again = draft_cells(google, example_sheet)
    assert all(again[row_id] == link for row_id, link in links.items() if row_id in again)


def test_a_section_edited_in_the_doc_is_kept_and_reported(
    google: Google, example_sheet: str
) -> None:
    config = sheet_config(example_sheet, drafts="doc")
    _, plan = sync_tracker(config, OPTIONS, opener=google.opener())
    assert plan is not None
    [doc_id] = doc_files(google)
    heading, draft = next(iter(plan.doc_drafts.values()))
    first_line = draft.strip().splitlines()[0]
    document = google.docs.document(doc_id)
    at = google.docs.text(doc_id).index(first_line) + 1  # body index 1 is the first character
    document.insert(at, "MY OWN WORDS ")
    later = RunOptions(today=TODAY + timedelta(days=1), now=NOW + timedelta(days=1))
    result, _ = sync_tracker(config, later, opener=google.opener())
    assert result.failed is None, result.failed
    assert "MY OWN WORDS " in google.docs.text(doc_id)
    assert any(heading in c and "drafts Doc" in c for c in result.conflicts), result.conflicts


def test_a_run_that_dies_after_creating_the_doc_never_leaves_a_second_doc(
    google: Google, example_sheet: str
) -> None:
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.error(500), method="POST", path=r"^/v1/documents/.*:batchUpdate$")
    config = sheet_config(example_sheet, drafts="doc")
    failed, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert failed.failed and "Google Docs" in failed.failed
    assert len(doc_files(google)) == 1
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())
    assert result.failed is None, result.failed
    assert len(doc_files(google)) == 1
    assert draft_cells(google, example_sheet)


def test_a_dry_run_with_drafts_in_a_doc_creates_no_doc_and_writes_nothing(
    google: Google, example_sheet: str
) -> None:
    config = sheet_config(example_sheet, drafts="doc")
    result, _ = sync_tracker(config, RunOptions(TODAY, NOW, dry_run=True), opener=google.opener())
    assert result.failed is None
    assert doc_files(google) == []
    assert [e for e in google.emulator.log if e["method"] != "GET"] == []


def test_drafts_in_a_doc_for_a_local_file_fail_that_tracker_with_the_fix(tmp_path: Path) -> None:
    tracker = tmp_path / "tracker.csv"
    tracker.write_bytes(EXAMPLE.read_bytes())
    before = tracker.read_bytes()
    result, _ = sync_tracker(TrackerConfig(source=str(tracker), drafts="doc"), OPTIONS)
    assert result.failed and 'drafts = "column"' in result.failed
    assert tracker.read_bytes() == before
