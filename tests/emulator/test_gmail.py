"""The Gmail v1 emulator through real google-auth sessions: drafts, messages, threads, and what
Gmail refuses (raw encoding, MIME, scopes, service accounts, other mailboxes, quotas)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import credentials as user_credentials

from syncer.emulator.core import Emulator, Identity
from syncer.emulator.discovery import DiscoveryValidator
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.gmail import GmailQuota, GmailService
from syncer.emulator.oauth import OAuthService
from syncer.emulator.transport import mount_emulator

API = "https://gmail.googleapis.com/gmail/v1/users/me"
COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
METADATA = "https://www.googleapis.com/auth/gmail.metadata"
ME = "jo.seeker@example.com"


class Mail:
    def __init__(self) -> None:
        self.emulator = Emulator()
        self.oauth = OAuthService.install(self.emulator)
        DiscoveryValidator.install(self.emulator)
        self.gmail = GmailService.install(self.emulator, scopes_of=self.oauth.scopes_of)

    def session(self, scopes: Sequence[str] = (COMPOSE,), email: str = ME) -> AuthorizedSession:
        token = self.oauth.issue_token(Identity(email, "emulator"), tuple(scopes))
        credentials = user_credentials.Credentials(
            token=token, expiry=datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
        )
        session = AuthorizedSession(credentials)
        mount_emulator(session, self.emulator)
        return session


@pytest.fixture
def mail() -> Mail:
    return Mail()


def raw(
    to: str = "ana@acme.example", subject: str = "Thank you", body: str = "Hello", **extra: str
) -> str:
    mime = EmailMessage()
    mime["To"], mime["Subject"] = to, subject
    for name, value in extra.items():
        mime[name.replace("_", "-")] = value
    mime.set_content(body)
    return base64.urlsafe_b64encode(mime.as_bytes()).decode("ascii").rstrip("=")


def create(session: AuthorizedSession, **message: Any) -> dict[str, Any]:
    reply = session.post(f"{API}/drafts", json={"message": {"raw": raw(), **message}})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_a_draft_is_created_listed_updated_with_a_new_message_id_and_deleted(mail: Mail) -> None:
    session = mail.session()
    draft = create(session)
    assert set(draft) == {"id", "message"} and draft["message"]["labelIds"] == ["DRAFT"]
    listed = session.get(f"{API}/drafts").json()
    assert listed["drafts"] == [
        {"id": draft["id"], "message": {k: draft["message"][k] for k in ("id", "threadId")}}
    ]
    updated = session.put(
        f"{API}/drafts/{draft['id']}", json={"id": draft["id"], "message": {"raw": raw(body="Hi")}}
    ).json()
    assert updated["id"] == draft["id"] and updated["message"]["id"] != draft["message"]["id"]
    full = session.get(f"{API}/drafts/{draft['id']}").json()
    text = base64.urlsafe_b64decode(full["message"]["payload"]["body"]["data"]).decode()
    assert text.strip() == "Hi"
    assert session.delete(f"{API}/drafts/{draft['id']}").status_code == 204
    assert session.get(f"{API}/drafts/{draft['id']}").status_code == 404
    assert "drafts" not in session.get(f"{API}/drafts").json()


def test_a_draft_the_person_edits_or_sends_in_gmail_changes_as_in_gmail(mail: Mail) -> None:
    session = mail.session()
    draft = create(session)
    edited = mail.gmail.edit_draft(ME, draft["id"], "My own words")
    assert edited.id != draft["message"]["id"]
    sent = mail.gmail.send_draft(ME, draft["id"])
    assert session.get(f"{API}/drafts/{draft['id']}").status_code == 404
    assert sent.labels == {"SENT"} and sent.thread_id == draft["message"]["threadId"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Missing draft message"),
        ({"message": {}}, "message.raw is required"),
        ({"message": {"raw": "a+b/c"}}, "Base64 decoding failed"),
        ({"message": {"raw": "not base64!"}}, "Base64 decoding failed"),
        ({"message": {"raw": base64.urlsafe_b64encode(b"just words").decode()}}, "header block"),
        ({"message": {"raw": raw(to="not an address")}}, "Invalid To header"),
        (
            {"message": {"raw": base64.urlsafe_b64encode("Subject: Café\n\nx".encode()).decode()}},
            "must be ASCII",
        ),
    ],
)
def test_what_gmail_refuses_in_a_draft(mail: Mail, body: dict[str, Any], message: str) -> None:
    reply = mail.session().post(f"{API}/drafts", json=body)
    assert reply.status_code == 400, reply.text
    assert message in reply.json()["error"]["message"]


def test_an_unknown_field_is_refused_by_the_discovery_document(mail: Mail) -> None:
    reply = mail.session().post(f"{API}/drafts", json={"message": {"raw": raw()}, "label": "x"})
    assert reply.status_code == 400 and "label" in reply.text


def test_compose_may_not_read_messages_and_metadata_may_not_search(mail: Mail) -> None:
    mail.gmail.add_message(ME, sender="Ana <ana@acme.example>", to=ME, subject="Hello")
    compose = mail.session()
    assert compose.get(f"{API}/messages").status_code == 403
    metadata = mail.session((COMPOSE, METADATA))
    listed = metadata.get(f"{API}/messages", params={"labelIds": "INBOX"}).json()
    assert len(listed["messages"]) == 1
    refused = metadata.get(f"{API}/messages", params={"q": "from:ana@acme.example"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "Metadata scope does not support 'q' parameter"
    message_id = listed["messages"][0]["id"]
    full = metadata.get(f"{API}/messages/{message_id}", params={"format": "full"})
    assert full.status_code == 403 and "doesn't allow format FULL" in full.text
    meta = metadata.get(
        f"{API}/messages/{message_id}",
        params={"format": "metadata", "metadataHeaders": ["From", "Date"]},
    ).json()
    assert [h["name"] for h in meta["payload"]["headers"]] == ["From", "Date"]


def test_search_with_a_full_scope(mail: Mail) -> None:
    mail.gmail.add_message(ME, sender="ana@acme.example", to=ME, subject="Your interview")
    mail.gmail.add_message(ME, sender="news@shop.example", to=ME, subject="Sale")
    readonly = mail.session(("https://www.googleapis.com/auth/gmail.readonly",))
    found = readonly.get(f"{API}/messages", params={"q": "from:ana@acme.example"}).json()
    assert len(found["messages"]) == 1


def test_a_service_account_has_no_mailbox_and_nobody_opens_another(mail: Mail) -> None:
    robot = mail.session(email="bot@project.iam.gserviceaccount.com")
    reply = robot.get(f"{API}/drafts")
    assert (
        reply.status_code == 400
        and reply.json()["error"]["message"] == "Precondition check failed."
    )
    other = mail.session().get(
        "https://gmail.googleapis.com/gmail/v1/users/boss@acme.example/drafts"
    )
    assert other.status_code == 403 and "Delegation denied" in other.text


def test_a_draft_joins_a_thread_only_on_gmails_three_conditions(mail: Mail) -> None:
    received = mail.gmail.add_message(ME, sender="ana@acme.example", to=ME, subject="Interview")
    message_id = received.header("Message-ID")
    session = mail.session()
    joined = create(
        session,
        raw=raw(subject="Re: Interview", In_Reply_To=message_id, References=message_id),
        threadId=received.thread_id,
    )
    assert joined["message"]["threadId"] == received.thread_id
    no_headers = create(session, raw=raw(subject="Re: Interview"), threadId=received.thread_id)
    assert no_headers["message"]["threadId"] != received.thread_id
    other_subject = create(
        session,
        raw=raw(subject="Something else", In_Reply_To=message_id, References=message_id),
        threadId=received.thread_id,
    )
    assert other_subject["message"]["threadId"] != received.thread_id


def test_pages_of_drafts(mail: Mail) -> None:
    session = mail.session()
    for _ in range(3):
        create(session)
    first = session.get(f"{API}/drafts", params={"maxResults": 2}).json()
    assert len(first["drafts"]) == 2 and first["resultSizeEstimate"] == 3
    rest = session.get(f"{API}/drafts", params={"pageToken": first["nextPageToken"]}).json()
    assert len(rest["drafts"]) == 1 and "nextPageToken" not in rest


def test_faults_and_quota_apply_to_gmail_as_to_the_other_services(mail: Mail) -> None:
    faults = FaultInjector.install(mail.emulator)
    faults.inject(Fault.error(503), route="drafts.create")
    session = mail.session()
    assert session.post(f"{API}/drafts", json={"message": {"raw": raw()}}).status_code == 503
    assert session.post(f"{API}/drafts", json={"message": {"raw": raw()}}).status_code == 200
    GmailQuota.install(mail.emulator, per_minute=20)
    assert session.get(f"{API}/drafts").status_code == 200  # 5 units
    assert session.post(f"{API}/drafts", json={"message": {"raw": raw()}}).status_code == 200  # 15
    limited = session.post(f"{API}/drafts", json={"message": {"raw": raw()}})
    assert limited.status_code == 429 and "rateLimitExceeded" in limited.text
