"""Who may own a new file, and who sees a file: service accounts own nothing (gspread #1592),
files are visible once shared, shared drives own their files. Real google-auth credentials and
gspread, their tokens issued by the emulator's OAuth service."""

from __future__ import annotations

import weakref

import gspread
import pytest
import requests
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from syncer.emulator import SheetsService, emulator_session
from syncer.emulator.core import Emulator, Identity
from syncer.emulator.docs import DocsService
from syncer.emulator.drive import DOCUMENT_MIME, STORAGE_QUOTA_MESSAGE, DriveService
from syncer.emulator.oauth import OAuthService, make_service_account_key

ROBOT = "nightly@job-hunt-42.iam.gserviceaccount.com"
PERSON = "jo@example.com"
DRIVE = "https://www.googleapis.com/drive/v3/files"
DOCS = "https://docs.googleapis.com/v1/documents"
DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"
SCOPES = [
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/documents",
    "https://www.googleapis.com/auth/spreadsheets",
]


@pytest.fixture
def emulator() -> Emulator:
    emulator = Emulator()
    SheetsService.install(emulator)
    DocsService.install(emulator)
    OAUTH[emulator] = OAuthService.install(emulator)
    return emulator


OAUTH: weakref.WeakKeyDictionary[Emulator, OAuthService] = weakref.WeakKeyDictionary()


def oauth(emulator: Emulator) -> OAuthService:
    return OAUTH[emulator]


@pytest.fixture
def robot(emulator: Emulator) -> AuthorizedSession:
    """An AuthorizedSession of a service account, whose token exchange goes to the emulator."""
    info, _ = make_service_account_key(ROBOT, "job-hunt-42")
    oauth(emulator).register_key_info(info)
    credentials = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    session = AuthorizedSession(credentials, auth_request=AuthRequest(emulator_session(emulator)))
    adapter = emulator_session(emulator).get_adapter(DRIVE)
    for prefix in ("https://www.googleapis.com/", "https://docs.googleapis.com/"):
        session.mount(prefix, adapter)
    session.mount("https://sheets.googleapis.com/", adapter)
    return session


def person(emulator: Emulator, scopes: tuple[str, ...] = tuple(SCOPES)) -> requests.Session:
    """A person signed in with OAuth (a token the emulator issued for them)."""
    token = oauth(emulator).issue_token(Identity(PERSON, "emulator"), scopes)
    session = emulator_session(emulator)
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def assert_storage_refused(response: requests.Response) -> None:
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["message"] == STORAGE_QUOTA_MESSAGE
    assert error["status"] == "PERMISSION_DENIED"


def test_a_service_account_cannot_create_a_file_in_its_own_drive(
    emulator: Emulator, robot: AuthorizedSession
) -> None:
    created = robot.post(DRIVE, json={"name": "Drafts", "mimeType": DOCUMENT_MIME})
    assert_storage_refused(created)
    assert created.json()["error"]["errors"] == [
        {
            "message": STORAGE_QUOTA_MESSAGE,
            "domain": "usageLimits",
            "reason": "storageQuotaExceeded",
        }
    ]
    assert_storage_refused(robot.post(DOCS, json={"title": "Drafts"}))
    with pytest.raises(gspread.exceptions.APIError) as refused:
        gspread.Client(auth=robot.credentials, session=robot).create("Tracker")
    assert refused.value.response.status_code == 403
    assert DriveService.install(emulator).files == {}


def test_a_person_creates_and_the_service_account_sees_it_only_once_shared(
    emulator: Emulator, robot: AuthorizedSession
) -> None:
    jo = person(emulator)
    doc = jo.post(DOCS, json={"title": "Drafts"})
    assert doc.status_code == 200
    doc_id = doc.json()["documentId"]
    assert robot.get(f"{DRIVE}/{doc_id}").status_code == 404  # Drive hides what is not shared
    hidden = robot.get(f"{DOCS}/{doc_id}")
    assert hidden.status_code == 403
    assert hidden.json()["error"]["message"] == "The caller does not have permission"
    shared = jo.post(
        f"{DRIVE}/{doc_id}/permissions",
        json={"type": "user", "role": "writer", "emailAddress": ROBOT},
    )
    assert shared.status_code == 200
    assert robot.get(f"{DOCS}/{doc_id}").status_code == 200
    update = {"requests": [{"insertText": {"location": {"index": 1}, "text": "Hi"}}]}
    assert robot.post(f"{DOCS}/{doc_id}:batchUpdate", json=update).status_code == 200
    owners = robot.get(f"{DRIVE}/{doc_id}", params={"fields": "owners"}).json()["owners"]
    assert [o["emailAddress"] for o in owners] == [PERSON]


def test_a_service_account_creates_files_in_a_shared_drive_it_is_a_member_of(
    emulator: Emulator, robot: AuthorizedSession
) -> None:
    drive = DriveService.install(emulator)
    team = drive.add_shared_drive("Coaching", {PERSON: "organizer", ROBOT: "writer"})
    body = {"name": "Drafts", "mimeType": DOCUMENT_MIME, "parents": [team]}
    hidden = robot.post(DRIVE, json=body)
    assert hidden.status_code == 404, "a shared drive is found only with supportsAllDrives"
    created = robot.post(
        DRIVE, json=body, params={"supportsAllDrives": "true", "fields": "id,driveId,owners"}
    )
    assert created.status_code == 200, created.text
    assert created.json()["driveId"] == team and "owners" not in created.json()
    doc_id = created.json()["id"]
    assert DocsService.install(emulator).text(doc_id) == "\n"
    assert person(emulator).get(f"{DOCS}/{doc_id}").status_code == 200, "members see it"
    outsider = drive.add_shared_drive("Other", {PERSON: "organizer"})
    refused = robot.post(
        DRIVE,
        json={**body, "parents": [outsider]},
        params={"supportsAllDrives": "true"},
    )
    assert refused.status_code == 404


def test_people_still_create_files_in_their_own_drive(emulator: Emulator) -> None:
    jo = person(emulator)
    created = jo.post(DRIVE, json={"name": "Mine", "mimeType": DOCUMENT_MIME})
    assert created.status_code == 200
    copied = jo.post(f"{DRIVE}/{created.json()['id']}/copy", json={"name": "Copy"})
    assert copied.status_code == 200


def test_drive_file_scope_reaches_only_the_files_the_app_made(emulator: Emulator) -> None:
    sheets = SheetsService.install(emulator)
    tracker = sheets.create_spreadsheet("Tracker", owner=PERSON)  # made in the Sheets UI
    per_file = (DRIVE_FILE, "https://www.googleapis.com/auth/documents")
    jo = person(emulator, per_file)
    assert jo.get(f"{DRIVE}/{tracker}/permissions").status_code == 404
    made = jo.post(DOCS, json={"title": "Drafts"}).json()["documentId"]
    assert jo.get(f"{DRIVE}/{made}/permissions").status_code == 200
    listed = jo.get(DRIVE, params={"fields": "files(id)"}).json()["files"]
    assert listed == [{"id": made}]
    metadata = person(
        emulator, (*per_file, "https://www.googleapis.com/auth/drive.metadata.readonly")
    )
    assert metadata.get(f"{DRIVE}/{tracker}/permissions").status_code == 200
    grant = {"type": "user", "role": "reader", "emailAddress": "x@example.com"}
    assert metadata.post(f"{DRIVE}/{tracker}/permissions", json=grant).status_code == 404
