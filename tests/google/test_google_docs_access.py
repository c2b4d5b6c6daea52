"""Drafts in a Doc with the credentials people use, over the loopback emulator server with real
gspread and google-auth: a service account writes into a Doc the person made and shared (it
cannot own one, gspread #1592); OAuth user credentials let syncer create the Doc, owned by the
person and shared like the tracker; any text a person types survives two runs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from syncer.config import TrackerConfig
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.oauth import make_service_account_key
from syncer.emulator.server import running
from syncer.google.backend import open_sheet
from syncer.google.docs_drafts import doc_text
from syncer.google.setup import doctor, prepare_sheet
from syncer.sync import RunOptions, TrackerResult, sync_tracker
from tests.google.conftest import NO_RETRY, NOW, OPTIONS, TODAY, Google, example_rows, sheet_config
from tests.google.test_google_docs import doc_files, draft_cells
from tests.google.test_google_oauth_user import (
    CLIENT_ID,
    CLIENT_SECRET,
    EMAIL,
    REFRESH_TOKEN,
    BrowserSignIn,
)

ROBOT = "nightly@job-hunt-42.iam.gserviceaccount.com"
PERSON = "jo.seeker@example.com"
COACH = "coach@example.com"
#: Word's bullet (Private Use Area), an emoji (a surrogate pair in UTF-16), Hebrew and Arabic
#: (right to left, with an embedding mark), a BEL, a carriage return, a supplementary PUA.
TYPED = (
    "\uf0b7 roadmap for Q3 \U0001f680\r\n\uf0b7 שלום team, مرحبا \u202bRTL\u202c"
    "\x07 budget\u200d \U000f0001 done"
)


@pytest.fixture
def loopback(google: Google, monkeypatch: pytest.MonkeyPatch) -> Iterator[Google]:
    with running(google.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        yield google


def sync(config: object, options: RunOptions = OPTIONS, **opener: object) -> TrackerResult:
    result, _ = sync_tracker(
        config,  # type: ignore[arg-type]
        options,
        opener=lambda c: open_sheet(c, retry_policy=NO_RETRY, **opener),  # type: ignore[arg-type]
    )
    return result


def robot_key(google: Google, tmp_path: Path) -> Path:
    info, _ = make_service_account_key(ROBOT, "job-hunt-42")
    google.oauth.register_key_info(info)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def users_tracker(google: Google, tmp_path: Path) -> tuple[str, TrackerConfig]:
    """A tracker the signed-in person owns and shares with their coach, in doc mode."""
    google.oauth.register_oauth_client(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, EMAIL)
    key = google.sheets.create_spreadsheet("Mine", {"Applications": example_rows()}, owner=EMAIL)
    google.sheets.share(key, COACH, "writer")
    client_file = tmp_path / "client_secret.json"
    client_file.write_text(
        json.dumps({"installed": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}}),
        encoding="utf-8",
    )
    os.chmod(client_file, 0o600)
    return key, sheet_config(key, drafts="doc", oauth_client=client_file)


def persons_tracker(google: Google, rows: list[list[str]] | None = None) -> str:
    key = google.sheets.create_spreadsheet(
        "Job hunt", {"Applications": rows or example_rows()}, owner=PERSON
    )
    google.sheets.share(key, ROBOT)
    return key


def persons_doc(google: Google, share_as: str | None = "writer") -> str:
    doc_id = google.docs.create_document("My drafts", owner=PERSON)
    if share_as:
        google.docs.drive.share(doc_id, ROBOT, share_as)
    return doc_id


def doc_url(doc_id: str) -> str:
    return f"https://docs.google.com/document/d/{doc_id}/edit"


def creates(google: Google) -> list[dict[str, object]]:
    return [
        e for e in google.emulator.log if e["method"] == "POST" and e["path"] == "/v1/documents"
    ]


def test_a_service_account_writes_drafts_into_the_doc_the_person_shared(
    loopback: Google, tmp_path: Path
) -> None:
    key, doc_id = persons_tracker(loopback), persons_doc(loopback)
    config = sheet_config(
        key, drafts="doc", drafts_doc=doc_url(doc_id), credentials=robot_key(loopback, tmp_path)
    )
    result = sync(config)
    assert result.failed is None, result.failed
    assert creates(loopback) == [] and doc_files(loopback) == [doc_id]
    links = draft_cells(loopback, key)
    assert links and all(link.startswith(doc_url(doc_id) + "#heading=") for link in links.values())
    assert loopback.docs.drive.files[doc_id].owner == PERSON
    mark = len(loopback.emulator.log)
    again = sync(config)
    assert again.failed is None and again.cells_written == 0
    assert [e for e in loopback.requests(mark) if e["method"] != "GET"] == []


def test_a_service_account_writes_into_a_doc_in_a_shared_drive_it_is_a_member_of(
    loopback: Google, tmp_path: Path
) -> None:
    drive = loopback.docs.drive
    team = drive.add_shared_drive("Coaching", {PERSON: "organizer", ROBOT: "writer"})
    doc_id = loopback.docs.create_document("Drafts", owner=PERSON, drive_id=team)
    key = persons_tracker(loopback)
    config = sheet_config(
        key, drafts="doc", drafts_doc=doc_id, credentials=robot_key(loopback, tmp_path)
    )
    result = sync(config)
    assert result.failed is None, result.failed
    assert creates(loopback) == [] and loopback.docs.headings(doc_id)
    assert all(link.startswith(doc_url(doc_id)) for link in draft_cells(loopback, key).values())


def test_a_service_account_without_a_shared_doc_fails_saying_what_to_share_with_whom(
    loopback: Google, tmp_path: Path
) -> None:
    key = persons_tracker(loopback)
    before = loopback.sheets.snapshot(key)
    result = sync(sheet_config(key, drafts="doc", credentials=robot_key(loopback, tmp_path)))
    assert result.failed and "service account" in result.failed
    assert ROBOT in result.failed and "drafts_doc" in result.failed
    assert creates(loopback) == [] and doc_files(loopback) == []
    assert loopback.sheets.snapshot(key) == before


@pytest.mark.parametrize(("share_as", "status"), [(None, "HTTP 403"), ("reader", "HTTP 403")])
def test_a_doc_not_shared_for_editing_names_the_doc_and_the_account(
    loopback: Google, tmp_path: Path, share_as: str | None, status: str
) -> None:
    key, doc_id = persons_tracker(loopback), persons_doc(loopback, share_as)
    config = sheet_config(
        key, drafts="doc", drafts_doc=doc_id, credentials=robot_key(loopback, tmp_path)
    )
    result = sync(config)
    assert result.failed and status in result.failed
    assert "share" in result.failed and ROBOT in result.failed and "Editor" in result.failed
    assert doc_id in result.failed
    assert loopback.docs.text(doc_id) == "\n"


def test_oauth_user_credentials_create_the_doc_owned_by_the_person_and_shared_like_the_tracker(
    loopback: Google, tmp_path: Path
) -> None:
    key, config = users_tracker(loopback, tmp_path)
    loopback.sheets.share(key, "friend@example.com", "reader")
    result = sync(config, interactive=True, sign_in=BrowserSignIn(loopback))
    assert result.failed is None, result.failed
    [doc_id] = doc_files(loopback)
    drive = loopback.docs.drive
    assert drive.files[doc_id].owner == EMAIL
    roles = {p.email: p.role for p in drive.files[doc_id].permissions}
    assert roles == {EMAIL: "owner", COACH: "writer", "friend@example.com": "reader"}
    assert drive.can_access(doc_id, COACH) and drive.can_access(doc_id, "friend@example.com")
    assert not drive.can_access(doc_id, "stranger@example.com")
    mark = len(loopback.emulator.log)
    again = sync(config, interactive=False)
    assert again.failed is None and again.cells_written == 0
    assert [e for e in loopback.requests(mark) if e["method"] != "GET"] == []
    assert len(drive.files[doc_id].permissions) == 3, "shared once"


def test_a_share_that_failed_is_made_on_the_next_run_with_no_second_doc(
    google: Google, tmp_path: Path
) -> None:
    key, config = users_tracker(google, tmp_path)
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.error(500), method="POST", path=r"^/drive/v3/files/[^/]+/permissions$")
    opener = google.opener(interactive=True, sign_in=BrowserSignIn(google))
    failed, _ = sync_tracker(config, OPTIONS, opener=opener)
    assert failed.failed and "could not share the drafts Doc" in failed.failed
    [doc_id] = doc_files(google)
    assert not google.docs.drive.can_access(doc_id, COACH)
    result, _ = sync_tracker(config, OPTIONS, opener=google.opener(interactive=False))
    assert result.failed is None, result.failed
    assert doc_files(google) == [doc_id] and google.docs.drive.can_access(doc_id, COACH)
    assert draft_cells(google, key)


def test_any_text_a_person_types_works_over_two_runs_updating_in_place(
    loopback: Google, tmp_path: Path
) -> None:
    rows = example_rows()
    topics = rows[0].index("Topics Discussed")
    company = rows[0].index("Company")
    for row in rows[1:]:
        row[topics] = TYPED
    rows[1][company] = "Ünïcode 🚀 شركة"
    key, doc_id = persons_tracker(loopback, rows), persons_doc(loopback)
    config = sheet_config(
        key, drafts="doc", drafts_doc=doc_id, credentials=robot_key(loopback, tmp_path)
    )
    first, plan = sync_tracker(
        config, OPTIONS, opener=lambda c: open_sheet(c, retry_policy=NO_RETRY)
    )
    assert first.failed is None, first.failed
    assert plan is not None
    quoting = [draft for _, draft in plan.doc_drafts.values() if "\uf0b7 roadmap" in draft]
    assert quoting, "the drafts quote the typed topics"
    text = loopback.docs.text(doc_id)
    assert all(doc_text(draft) in text for draft in quoting)
    assert "\uf0b7" not in text and "\x07" not in text and "\r" not in text
    assert "• roadmap for Q3 🚀" in text and "שלום team" in text and "\u202bRTL\u202c" in text
    assert "\U000f0001 done" in text
    links = draft_cells(loopback, key)
    later = RunOptions(today=TODAY + timedelta(days=2), now=NOW + timedelta(days=2))
    second, plan = sync_tracker(
        config, later, opener=lambda c: open_sheet(c, retry_policy=NO_RETRY)
    )
    assert second.failed is None, second.failed
    assert plan is not None and plan.doc_drafts
    text = loopback.docs.text(doc_id)
    assert all(doc_text(draft) in text for _, draft in plan.doc_drafts.values())
    headings = [h.text for h in loopback.docs.headings(doc_id)]
    assert len(headings) == len(set(headings)), "one section per row, none duplicated"
    assert any("Ünïcode 🚀 شركة" in heading for heading in headings)
    kept = draft_cells(loopback, key)
    assert all(kept[row_id] == link for row_id, link in links.items() if row_id in kept)
    assert doc_files(loopback) == [doc_id]


def test_doctor_says_what_a_service_account_needs_for_drafts_in_a_doc(
    google: Google, tmp_path: Path
) -> None:
    key, credentials = persons_tracker(google), robot_key(google, tmp_path)
    unconfigured = sheet_config(key, drafts="doc", credentials=credentials)
    [check] = [
        c for c in doctor(unconfigured, transport=google.transport) if c.name == "drafts Doc"
    ]
    assert not check.ok and ROBOT in check.fix and "drafts_doc" in check.fix
    doc_id = persons_doc(google, share_as=None)
    hidden = sheet_config(key, drafts="doc", drafts_doc=doc_id, credentials=credentials)
    [check] = [c for c in doctor(hidden, transport=google.transport) if c.name == "drafts Doc"]
    assert not check.ok and check.fix == f"share that Doc with {ROBOT} as Editor"
    google.docs.drive.share(doc_id, ROBOT, "writer")
    [check] = [c for c in doctor(hidden, transport=google.transport) if c.name == "drafts Doc"]
    assert check.ok and doc_id in check.message
    google.sheets.share(key, COACH, "writer")
    [check] = [c for c in doctor(hidden, transport=google.transport) if c.name == "drafts Doc"]
    assert not check.ok and COACH in check.message and "Draft links" in check.message
    google.docs.drive.share(doc_id, COACH, "reader")
    [check] = [c for c in doctor(hidden, transport=google.transport) if c.name == "drafts Doc"]
    assert check.ok
    assert creates(google) == [] and google.docs.text(doc_id) == "\n"


def test_init_sheet_says_what_a_service_account_needs_for_drafts_in_a_doc(
    google: Google, tmp_path: Path
) -> None:
    key = persons_tracker(google, [example_rows()[0]])
    config = sheet_config(key, drafts="doc", credentials=robot_key(google, tmp_path))
    done = prepare_sheet(config, transport=google.transport)
    assert done[-1].startswith("drafts Doc not ready: ") and ROBOT in done[-1]
    assert "drafts_doc" in done[-1] and creates(google) == []
