"""Drafts in the person's own Gmail (``drafts = "gmail"``), and replies noticed (``inbox``).

For each due action whose channel is e-mail, one draft (To: the contact, Subject, body) is
created once and replaced in place while syncer still owns it. Gmail gives a draft a new message
id whenever its message is replaced, by syncer or by the person editing it in Gmail, so a draft
whose message id is no longer the one syncer wrote is the person's: kept and reported once. A
draft gone from the drafts is sent or deleted; with the ``gmail.metadata`` scope its thread
says which. syncer never sends anything and never writes the person's columns: what it noticed
is proposed in Why ("Reply from ... on 2026-11-28: set Last Response to 2026-11-28?").

What syncer remembers of a row's draft lives in the tracker's state (key ``gmail``): the draft
id, the message id it wrote, the thread, and a fingerprint of what it wrote.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import requests
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from requests.adapters import BaseAdapter

from syncer.backends.base import SyncState
from syncer.config import TrackerConfig
from syncer.errors import TrackerError
from syncer.google.auth import GMAIL_METADATA_SCOPE, SignIn, browser_sign_in, scopes_for
from syncer.google.retry import RetryPolicy
from syncer.google.session import google_session
from syncer.mail import Contact, EmailDraft

if TYPE_CHECKING:
    from syncer.tracker_plan import TrackerPlan

GMAIL_API = "https://gmail.googleapis.com/gmail/v1/users/me"
STATE_KEY = "gmail"
#: How many of the newest messages a run reads (metadata only) to find threads and replies.
SCAN_LIMIT = 200
HELD, GONE = "held", "gone"


def draft_link(message_id: str) -> str:
    """Opens the draft in Gmail's compose window."""
    return f"https://mail.google.com/mail/u/0/#drafts?compose={message_id}"


@dataclass(frozen=True)
class Remembered:
    """What syncer knows of a row's draft. ``written`` is the fingerprint of what it wrote, or
    ``held:<fp>`` (the person edited it) or ``gone:<fp>`` (sent or deleted)."""

    draft_id: str
    message_id: str
    thread_id: str
    written: str

    def encode(self) -> str:
        return "/".join((self.draft_id, self.message_id, self.thread_id, self.written))

    @classmethod
    def decode(cls, value: str | None) -> Remembered | None:
        parts = (value or "").split("/")
        return cls(*parts) if len(parts) == 4 and all(parts[:2]) else None

    @property
    def state(self) -> str:
        return self.written.partition(":")[0] if ":" in self.written else ""


@dataclass
class GmailOutcome:
    links: dict[str, str] = field(default_factory=dict)  # row id -> link to its draft
    remembered: dict[str, Remembered | None] = field(default_factory=dict)  # None: forget
    notices: list[str] = field(default_factory=list)
    proposals: dict[str, list[str]] = field(default_factory=dict)  # row id -> Why additions
    created: int = 0  # drafts this run created (their ids must be stored at once)

    def why_notes(self) -> dict[str, str]:
        return {row_id: " ".join(texts) for row_id, texts in self.proposals.items()}


@dataclass(frozen=True)
class Seen:
    """One message of the mailbox, from its metadata."""

    message_id: str
    thread_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    rfc_id: str
    day: date
    sent: bool


def require_user_credentials(credentials: Credentials, source: str) -> None:
    if not isinstance(credentials, user_credentials.Credentials):
        raise TrackerError(
            source,
            'drafts = "gmail" and inbox need your own Google account: set oauth_client in the '
            "config and sign in once (`syncer doctor`); a service account has no Gmail mailbox",
        )


class GmailDrafts:
    """The person's Gmail drafts for one tracker, through the Gmail REST API."""

    def __init__(self, session: requests.Session, source: str, *, metadata: bool) -> None:
        self.session = session
        self.source = source
        self.metadata = metadata  # the gmail.metadata scope: threads and the inbox can be read
        self._seen: list[Seen] | None = None

    def publish(
        self,
        wanted: Mapping[str, EmailDraft],
        remembered: Mapping[str, Remembered],
        *,
        threads: bool = False,
        contacts: Mapping[str, Contact] | None = None,
        by_domain: bool = False,
    ) -> GmailOutcome:
        outcome = GmailOutcome()
        live = dict(self._live_drafts())
        for row_id, draft in wanted.items():
            self._settle(row_id, draft, remembered.get(row_id), live, outcome, threads)
        for row_id, known in remembered.items():
            if row_id in wanted:
                continue
            if (
                known.draft_id in live
                and live[known.draft_id] == known.message_id
                and not known.state
            ):
                self._call("DELETE", f"/drafts/{known.draft_id}")  # no longer due, still syncer's
            outcome.remembered[row_id] = None
        if contacts and self.metadata:
            self._replies(contacts, outcome, by_domain)
        return outcome

    # --- one row ------------------------------------------------------------------------------

    def _settle(
        self,
        row_id: str,
        draft: EmailDraft,
        known: Remembered | None,
        live: Mapping[str, str],
        outcome: GmailOutcome,
        threads: bool,
    ) -> None:
        where = f"{self.source}: the Gmail draft {draft.subject!r}"
        if known is not None and known.draft_id in live:
            message_id = live[known.draft_id]
            if message_id != known.message_id or known.state == HELD:
                if known.state != HELD:
                    outcome.notices.append(
                        f"{where} was edited in Gmail since syncer wrote it; kept"
                    )
                outcome.remembered[row_id] = replace(
                    known, message_id=message_id, written=f"{HELD}:{draft.fingerprint}"
                )
                outcome.links[row_id] = draft_link(message_id)
                return
            if known.written != draft.fingerprint:
                reply = self._call(
                    "PUT",
                    f"/drafts/{known.draft_id}",
                    {"id": known.draft_id, "message": self._message(draft, known.thread_id)},
                )
                known = self._remember(reply, draft)
            outcome.remembered[row_id] = known
            outcome.links[row_id] = draft_link(known.message_id)
            return
        if known is not None and known.written.endswith(draft.fingerprint):
            # Gone from the drafts with the same text: the person sent or deleted it.
            sent = self._sent_in(known.thread_id) if self.metadata else None
            if known.state != GONE:
                what = f"was sent on {sent.isoformat()}" if sent else "is no longer in your drafts"
                if not self.metadata:
                    what += " (sent or deleted)"
                outcome.notices.append(f"{where} {what}; syncer will not write it again")
            if sent is not None:
                outcome.proposals.setdefault(row_id, []).append(_sent_proposal(draft, sent))
            outcome.remembered[row_id] = replace(known, written=f"{GONE}:{draft.fingerprint}")
            return
        thread = self._thread_with(draft.to) if threads and self.metadata and draft.to else None
        reply = self._call("POST", "/drafts", {"message": self._message(draft, None, thread)})
        created = self._remember(reply, draft)
        outcome.created += 1
        outcome.remembered[row_id] = created
        outcome.links[row_id] = draft_link(created.message_id)

    def _remember(self, reply: Any, draft: EmailDraft) -> Remembered:
        message = reply.get("message", {})
        return Remembered(
            reply["id"], message["id"], message.get("threadId", ""), draft.fingerprint
        )

    def _message(
        self, draft: EmailDraft, thread_id: str | None, reply_to: Seen | None = None
    ) -> dict[str, Any]:
        mime = EmailMessage()
        if draft.to:
            mime["To"] = draft.to
        subject = draft.subject
        if reply_to is not None:
            subject = (
                reply_to.subject
                if reply_to.subject.lower().startswith("re:")
                else (f"Re: {reply_to.subject}")
            )
            mime["In-Reply-To"] = mime["References"] = reply_to.rfc_id
            thread_id = reply_to.thread_id
        mime["Subject"] = subject
        mime.set_content(draft.body)
        raw = base64.urlsafe_b64encode(mime.as_bytes()).decode("ascii").rstrip("=")
        message: dict[str, Any] = {"raw": raw}
        if thread_id:
            message["threadId"] = thread_id
        return message

    # --- reading the mailbox (gmail.metadata) -------------------------------------------------

    def _live_drafts(self) -> Iterator[tuple[str, str]]:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"maxResults": 500}
            if token:
                params["pageToken"] = token
            page = self._call("GET", "/drafts", params=params)
            for entry in page.get("drafts", []):
                yield entry["id"], entry["message"]["id"]
            token = page.get("nextPageToken")
            if not token:
                return

    def _sent_in(self, thread_id: str) -> date | None:
        if not thread_id:
            return None
        thread = self._call(
            "GET",
            f"/threads/{thread_id}",
            params={"format": "metadata", "metadataHeaders": ["Date"]},
            missing_ok=True,
        )
        days = [
            _day(m) for m in (thread or {}).get("messages", []) if "SENT" in m.get("labelIds", [])
        ]
        return max(days) if days else None

    def seen(self) -> list[Seen]:
        """The newest messages (up to SCAN_LIMIT), read once per run: no search, since a token
        with gmail.metadata may not use ``q``."""
        if self._seen is None:
            listed = self._call("GET", "/messages", params={"maxResults": SCAN_LIMIT})
            self._seen = [self._metadata(entry["id"]) for entry in listed.get("messages", [])]
        return self._seen

    def _metadata(self, message_id: str) -> Seen:
        names = ["From", "To", "Cc", "Subject", "Message-ID", "Date"]
        message = self._call(
            "GET",
            f"/messages/{message_id}",
            params={"format": "metadata", "metadataHeaders": names},
        )
        headers = {
            h["name"].lower(): h["value"] for h in message.get("payload", {}).get("headers", [])
        }
        recipients = [
            a.lower() for _, a in getaddresses([headers.get("to", ""), headers.get("cc", "")])
        ]
        return Seen(
            message_id=message["id"],
            thread_id=message.get("threadId", ""),
            sender=(getaddresses([headers.get("from", "")]) or [("", "")])[0][1].lower(),
            recipients=tuple(recipients),
            subject=headers.get("subject", ""),
            rfc_id=headers.get("message-id", ""),
            day=_day(message),
            sent="SENT" in message.get("labelIds", []),
        )

    def _thread_with(self, address: str) -> Seen | None:
        """The newest message from or to ``address`` (the thread a reply belongs in)."""
        address = address.lower()
        for seen in self.seen():
            if seen.rfc_id and (seen.sender == address or address in seen.recipients):
                return seen
        return None

    def _replies(
        self, contacts: Mapping[str, Contact], outcome: GmailOutcome, by_domain: bool
    ) -> None:
        """The newest message from each row's contact (or, ``by_domain``, from anyone at the
        contact's e-mail domain) newer than the row's last exchange, as a proposal."""
        for row_id, contact in contacts.items():
            address = contact.email.lower()
            domain = "@" + address.rpartition("@")[2]

            newest = next(
                (
                    s
                    for s in self.seen()
                    if not s.sent
                    and (s.sender == address or (by_domain and s.sender.endswith(domain)))
                ),
                None,
            )
            if newest is not None and (contact.since is None or newest.day > contact.since):
                day = newest.day.isoformat()
                outcome.proposals.setdefault(row_id, []).append(
                    f"Reply from {newest.sender} on {day}: set Last Response to {day}?"
                )

    # --- HTTP ---------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        try:
            reply = self.session.request(method, GMAIL_API + path, json=body, params=params)
        except requests.exceptions.RequestException as error:
            raise TrackerError(self.source, f"Gmail could not be reached: {error}") from None
        if missing_ok and reply.status_code == 404:
            return None
        if reply.status_code >= 400:
            raise TrackerError(self.source, _gmail_problem(reply))
        return reply.json() if reply.content else {}


def _sent_proposal(draft: EmailDraft, sent: date) -> str:
    day = sent.isoformat()
    if draft.action == "send_thank_you":
        return f"syncer's draft was sent on {day}: set Thank-You Sent to {day}?"
    if draft.action == "follow_up":
        return (
            f"syncer's draft was sent on {day}: set Last Contact to {day}, "
            f"Follow-Ups Sent {draft.follow_ups_sent + 1}?"
        )
    return f"syncer's draft was sent on {day}: set Last Contact to {day}?"


def _day(message: Mapping[str, Any]) -> date:
    for header in message.get("payload", {}).get("headers", []):
        if header.get("name", "").lower() == "date":
            try:
                return parsedate_to_datetime(header["value"]).date()
            except (TypeError, ValueError):
                break
    return datetime.fromtimestamp(int(message.get("internalDate", 0)) / 1000, UTC).date()


def _gmail_problem(reply: requests.Response) -> str:
    try:
        message = reply.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = reply.text[:200]
    if reply.status_code == 400 and "Precondition check failed" in message:
        return "Gmail refused the account (a service account has no mailbox): use oauth_client"
    if reply.status_code == 403 and "insufficient" in message.lower():
        return (
            "the Google sign-in lacks a Gmail scope; run `syncer doctor` once in a terminal to "
            "sign in again"
        )
    return f"Gmail answered {reply.status_code}: {message}"


def open_gmail(
    config: TrackerConfig,
    *,
    transport: BaseAdapter | None = None,
    retry_policy: RetryPolicy | None = None,
    sign_in: SignIn = browser_sign_in,
) -> GmailDrafts:
    """The tracker's Gmail, through the same transport, retries and limits as its Sheets calls.
    OAuth user credentials only: a service account has no mailbox."""
    scopes = scopes_for(config)
    session = google_session(
        config, scopes=scopes, transport=transport, retry_policy=retry_policy, sign_in=sign_in
    )
    require_user_credentials(session.credentials, config.source)
    return GmailDrafts(session, config.source, metadata=GMAIL_METADATA_SCOPE in scopes)


def publish_gmail(
    gmail: GmailDrafts, config: TrackerConfig, state: SyncState, plan: TrackerPlan
) -> GmailOutcome:
    """Publish the plan's e-mail drafts (and look for replies) with what the tracker's state
    remembers of each row's draft."""
    remembered = {
        row_id: known
        for row_id, cells in state.cells.items()
        if (known := Remembered.decode(cells.get(STATE_KEY))) is not None
    }
    return gmail.publish(
        plan.gmail_drafts if config.drafts == "gmail" else {},
        remembered if config.drafts == "gmail" else {},
        threads=config.gmail_threads,
        contacts=plan.gmail_contacts,
        by_domain=config.inbox_domain,
    )


def remember_drafts(state: SyncState, outcome: GmailOutcome) -> SyncState:
    """``state`` with each row's draft as the outcome left it (forgotten where it says so)."""
    cells = {row_id: dict(fields) for row_id, fields in state.cells.items()}
    for row_id, known in outcome.remembered.items():
        if row_id not in cells:
            continue
        if known is None:
            cells[row_id].pop(STATE_KEY, None)
        else:
            cells[row_id][STATE_KEY] = known.encode()
    return SyncState(cells=cells, data_rows=state.data_rows)
