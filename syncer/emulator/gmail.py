"""Gmail v1: users.drafts (create, get, list, update, delete), users.messages (list, get) and
users.threads.get, one mailbox per account, as strict as Gmail about what it refuses.

Evidence for each behaviour (Google's reference and guides, or public reports against other
clients); where it is thin, the stricter side:
- A draft's message "cannot be edited once created, but it can be replaced": every update (and
  every edit the person makes in Gmail) gives the draft a new message id; the draft id stays
  (Gmail API guide "Create and send draft emails"). When a draft is sent it is deleted and a new
  message with the SENT label is created (same guide).
- ``message.raw`` is "the entire email message in an RFC 2822 formatted and base64url encoded
  string" (Message resource reference): standard-alphabet base64 (``+``, ``/``) and text that
  does not decode are refused with 400. Non-ASCII bytes in the header block are refused (they
  must be RFC 2047 encoded): the stricter side, evidence thin.
- A draft joins a thread only when the threadId is given, In-Reply-To/References name a message
  of that thread, and the Subjects match (Gmail API guide "Managing threads"); otherwise it
  starts a new thread.
- A token that carries the ``gmail.metadata`` scope may not use ``q`` ("Metadata scope does not
  support 'q' parameter", 403 forbidden: users.messages.list reference; google-api-python-client
  #582, googleworkspace/cli #104) nor ask for format FULL or RAW ("Metadata scope doesn't allow
  format FULL": laravel-gmail #90), even beside broader scopes (googleworkspace/cli #200).
- A service account without domain-wide delegation has no mailbox: 400 FAILED_PRECONDITION
  "Precondition check failed." (widely reported against every client library); another
  user's mailbox: 403 "Delegation denied for <user>"; no credentials at all: 401.
- Which scopes allow which method comes from the discovery document (oauth.py checks them):
  gmail.compose may create, list, get, update and delete drafts but not read messages.
- Usage limits: 15,000 quota units per user per minute, each method costing its published
  units (Gmail API "Usage limits"); beyond them 429 rateLimitExceeded (opt-in, ``GmailQuota``).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import Any

from syncer.emulator.core import Emulator, Identity, Request, Response, google_error
from syncer.emulator.discovery import find_method

PREFIX = "/gmail/v1/users/"
SCOPE = "https://www.googleapis.com/auth/"
METADATA_SCOPE = SCOPE + "gmail.metadata"
JSON = {"Content-Type": "application/json; charset=UTF-8"}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*:\s*)+", re.IGNORECASE)
#: Quota units per method (Gmail API "Usage limits").
UNITS = {
    "drafts.create": 10,
    "drafts.delete": 10,
    "drafts.get": 5,
    "drafts.list": 5,
    "drafts.update": 15,
    "messages.get": 5,
    "messages.list": 5,
    "threads.get": 10,
}
UNITS_PER_USER_MINUTE = 15_000


class GmailError(Exception):
    def __init__(self, status: int, message: str, reason: str = "invalidArgument") -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason

    def response(self) -> Response:
        return google_error(self.status, self.message, self.reason)


@dataclass
class Message:
    id: str
    thread_id: str
    labels: set[str]
    raw: bytes
    internal_date: int  # milliseconds since the epoch

    @property
    def parsed(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def header(self, name: str) -> str:
        return str(self.parsed.get(name, ""))

    def headers(self, wanted: Iterable[str] | None = None) -> list[dict[str, str]]:
        names = {name.lower() for name in wanted} if wanted else None
        return [
            {"name": name, "value": str(value)}
            for name, value in self.parsed.items()
            if names is None or name.lower() in names
        ]

    def body_text(self) -> str:
        body = self.parsed.get_body(preferencelist=("plain",))
        return "" if body is None else str(body.get_content())


@dataclass
class Mailbox:
    email: str
    messages: dict[str, Message] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)  # draft id -> message id
    history: int = 1000

    def thread(self, thread_id: str) -> list[Message]:
        found = [m for m in self.messages.values() if m.thread_id == thread_id]
        return sorted(found, key=lambda m: m.internal_date)


def _new_id() -> str:
    return secrets.token_hex(8)


def decode_raw(raw: object) -> bytes:
    """``message.raw`` as Gmail accepts it: base64url text of an RFC 2822 message."""
    if not isinstance(raw, str) or not raw:
        raise GmailError(400, "Invalid draft: message.raw is required")
    if _BASE64URL.fullmatch(raw) is None:
        raise GmailError(
            400, "Invalid value at 'draft.message.raw' (TYPE_BYTES), Base64 decoding failed"
        )
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise GmailError(
            400, "Invalid value at 'draft.message.raw' (TYPE_BYTES), Base64 decoding failed"
        ) from None
    head, separator, _body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    if not separator or not head or b":" not in head.split(b"\n", 1)[0]:
        raise GmailError(400, "Invalid raw message: no RFC 2822 header block")
    if any(byte > 0x7F for byte in head):
        raise GmailError(400, "Invalid raw message: header fields must be ASCII (RFC 2047)")
    parsed = message_from_bytes(data, policy=policy.default)
    for name in ("To", "Cc", "Bcc"):
        value = str(parsed.get(name) or "").strip()
        if value and any("@" not in address for _, address in getaddresses([value])):
            raise GmailError(400, f"Invalid {name} header")
    return data


def _subject_key(subject: str) -> str:
    return " ".join(_REPLY_PREFIX.sub("", subject).split()).lower()


class GmailService:
    def __init__(
        self,
        emulator: Emulator,
        scopes_of: Callable[[Request], frozenset[str]] = lambda request: frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.emulator = emulator
        self.scopes_of = scopes_of
        self.clock = clock
        self.mailboxes: dict[str, Mailbox] = {}

    @classmethod
    def install(
        cls,
        emulator: Emulator,
        scopes_of: Callable[[Request], frozenset[str]] = lambda request: frozenset(),
        clock: Callable[[], float] = time.time,
    ) -> GmailService:
        service = cls(emulator, scopes_of, clock)
        user = r"/gmail/v1/users/(?P<user>[^/]+)"
        routes: list[tuple[str, str, Callable[[Request, Any], Response]]] = [
            ("POST", "/drafts", service._create_draft),
            ("GET", "/drafts", service._list_drafts),
            ("GET", "/drafts/(?P<id>[^/]+)", service._get_draft),
            ("PUT", "/drafts/(?P<id>[^/]+)", service._update_draft),
            ("DELETE", "/drafts/(?P<id>[^/]+)", service._delete_draft),
            ("GET", "/messages", service._list_messages),
            ("GET", "/messages/(?P<id>[^/]+)", service._get_message),
            ("GET", "/threads/(?P<id>[^/]+)", service._get_thread),
        ]
        for method, path, handler in routes:
            emulator.router.add(method, user + path, service._guarded(handler))
        return service

    # --- what a person does in Gmail (for tests) ----------------------------------------------

    def mailbox(self, email: str) -> Mailbox:
        return self.mailboxes.setdefault(email.lower(), Mailbox(email.lower()))

    def add_message(
        self,
        email: str,
        *,
        sender: str,
        to: str,
        subject: str,
        body: str = "",
        sent_at: float | None = None,
        labels: Iterable[str] = ("INBOX", "UNREAD"),
        thread_id: str | None = None,
        in_reply_to: str = "",
    ) -> Message:
        """A message in ``email``'s mailbox: one received (INBOX) or one sent (labels SENT)."""
        mailbox = self.mailbox(email)
        moment = self.clock() if sent_at is None else sent_at
        mime = EmailMessage()
        mime["From"], mime["To"], mime["Subject"] = sender, to, subject
        mime["Date"] = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(moment))
        mime["Message-ID"] = make_msgid(domain="mail.emulator.invalid")
        if in_reply_to:
            mime["In-Reply-To"] = mime["References"] = in_reply_to
        mime.set_content(body)
        message = Message(
            _new_id(), thread_id or _new_id(), set(labels), mime.as_bytes(), int(moment * 1000)
        )
        mailbox.messages[message.id] = message
        mailbox.history += 1
        return message

    def send_draft(self, email: str, draft_id: str, sent_at: float | None = None) -> Message:
        """The person presses Send: the draft goes, a SENT message with a new id comes."""
        mailbox = self.mailbox(email)
        draft = mailbox.messages.pop(mailbox.drafts.pop(draft_id))
        mime = draft.parsed
        if "Message-ID" not in mime:
            mime["Message-ID"] = make_msgid(domain="mail.emulator.invalid")
        moment = self.clock() if sent_at is None else sent_at
        sent = Message(_new_id(), draft.thread_id, {"SENT"}, mime.as_bytes(), int(moment * 1000))
        mailbox.messages[sent.id] = sent
        mailbox.history += 1
        return sent

    def edit_draft(self, email: str, draft_id: str, body: str) -> Message:
        """The person edits the draft in Gmail: the draft keeps its id, its message is replaced."""
        mailbox = self.mailbox(email)
        old = mailbox.messages.pop(mailbox.drafts[draft_id])
        mime = old.parsed
        mime.set_content(body)
        return self._store_draft(mailbox, draft_id, mime.as_bytes(), old.thread_id, old.thread_id)

    def draft_message(self, email: str, draft_id: str) -> Message:
        mailbox = self.mailbox(email)
        return mailbox.messages[mailbox.drafts[draft_id]]

    # --- plumbing -----------------------------------------------------------------------------

    def _guarded(self, handler: Callable[[Request, Any], Response]) -> Callable[..., Response]:
        def guarded(request: Request, match: Any) -> Response:
            try:
                mailbox = self._mailbox_for(request, match.group("user"))
                return handler(request, (mailbox, match))
            except GmailError as error:
                return error.response()

        return guarded

    def _mailbox_for(self, request: Request, user: str) -> Mailbox:
        identity: Identity = self.emulator.identify(request)
        if "authorization" not in request.headers:
            raise GmailError(
                401, "Request is missing required authentication credential.", "required"
            )
        if identity.email.endswith(".gserviceaccount.com"):
            raise GmailError(400, "Precondition check failed.", "failedPrecondition")
        if user != "me" and user.lower() != identity.email.lower():
            raise GmailError(403, f"Delegation denied for {identity.email}", "forbidden")
        return self.mailbox(identity.email)

    def _metadata_only(self, request: Request) -> bool:
        return METADATA_SCOPE in self.scopes_of(request)

    def _format(self, request: Request, default: str = "full") -> str:
        wanted = (request.param("format") or default).lower()
        if wanted not in ("minimal", "metadata", "full", "raw"):
            raise GmailError(400, f"Invalid value for format: {wanted}")
        if self._metadata_only(request) and wanted in ("full", "raw"):
            raise GmailError(
                403, f"Metadata scope doesn't allow format {wanted.upper()}", "forbidden"
            )
        return wanted

    def _message_json(self, message: Message, fmt: str, headers: list[str] | None = None) -> Any:
        body: dict[str, Any] = {
            "id": message.id,
            "threadId": message.thread_id,
            "labelIds": sorted(message.labels),
            "snippet": " ".join(message.body_text().split())[:200],
            "sizeEstimate": len(message.raw),
            "historyId": str(1000 + len(message.raw)),
            "internalDate": str(message.internal_date),
        }
        if fmt == "raw":
            body["raw"] = base64.urlsafe_b64encode(message.raw).decode("ascii")
        elif fmt == "metadata":
            body["payload"] = {"mimeType": "text/plain", "headers": message.headers(headers)}
        elif fmt == "full":
            text = message.body_text().encode("utf-8")
            body["payload"] = {
                "partId": "",
                "mimeType": "text/plain",
                "filename": "",
                "headers": message.headers(),
                "body": {
                    "size": len(text),
                    "data": base64.urlsafe_b64encode(text).decode("ascii"),
                },
            }
        return body

    def _draft_json(self, mailbox: Mailbox, draft_id: str, fmt: str = "full") -> Any:
        message = mailbox.messages[mailbox.drafts[draft_id]]
        return {"id": draft_id, "message": self._message_json(message, fmt)}

    def _store_draft(
        self,
        mailbox: Mailbox,
        draft_id: str,
        raw: bytes,
        thread_id: str | None,
        current_thread: str | None = None,
    ) -> Message:
        """Store a draft's (new) message; a replacement that names its own thread stays in it."""
        message = Message(_new_id(), "", {"DRAFT"}, raw, int(self.clock() * 1000))
        if thread_id and thread_id == current_thread:
            message.thread_id = thread_id
        else:
            message.thread_id = self._thread_for(mailbox, message, thread_id)
        mailbox.messages[message.id] = message
        mailbox.drafts[draft_id] = message.id
        mailbox.history += 1
        return message

    @staticmethod
    def _thread_for(mailbox: Mailbox, message: Message, thread_id: str | None) -> str:
        """The asked-for thread when Gmail's three conditions hold, else a new one."""
        if not thread_id:
            return _new_id()
        thread = mailbox.thread(thread_id)
        if not thread:
            raise GmailError(404, "Requested entity was not found.", "notFound")
        cited = set(f"{message.header('In-Reply-To')} {message.header('References')}".split())
        ids = {m.header("Message-ID") for m in thread}
        same_subject = _subject_key(message.header("Subject")) == _subject_key(
            thread[0].header("Subject")
        )
        return thread_id if cited & ids and same_subject else _new_id()

    def _draft_body(self, request: Request) -> tuple[bytes, str | None]:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
            raise GmailError(400, "Missing draft message")
        message = body["message"]
        return decode_raw(message.get("raw")), message.get("threadId")

    def _draft_id(self, mailbox: Mailbox, draft_id: str) -> str:
        if draft_id not in mailbox.drafts:
            raise GmailError(404, "Requested entity was not found.", "notFound")
        return draft_id

    # --- users.drafts -------------------------------------------------------------------------

    def _create_draft(self, request: Request, context: Any) -> Response:
        mailbox, _match = context
        raw, thread_id = self._draft_body(request)
        draft_id = "r" + str(secrets.randbelow(10**18))
        self._store_draft(mailbox, draft_id, raw, thread_id)
        return Response(200, self._draft_json(mailbox, draft_id, "minimal"), dict(JSON))

    def _get_draft(self, request: Request, context: Any) -> Response:
        mailbox, match = context
        draft_id = self._draft_id(mailbox, match.group("id"))
        return Response(200, self._draft_json(mailbox, draft_id, self._format(request)), JSON)

    def _update_draft(self, request: Request, context: Any) -> Response:
        mailbox, match = context
        draft_id = self._draft_id(mailbox, match.group("id"))
        body = request.json() or {}
        if body.get("id") not in (None, draft_id):
            raise GmailError(400, "Draft id in the body does not match the request")
        raw, thread_id = self._draft_body(request)
        old = mailbox.messages.pop(mailbox.drafts[draft_id])
        self._store_draft(mailbox, draft_id, raw, thread_id, old.thread_id)
        return Response(200, self._draft_json(mailbox, draft_id, "minimal"), dict(JSON))

    def _delete_draft(self, _request: Request, context: Any) -> Response:
        mailbox, match = context
        draft_id = self._draft_id(mailbox, match.group("id"))
        del mailbox.messages[mailbox.drafts.pop(draft_id)]
        return Response(204, None)

    def _list_drafts(self, request: Request, context: Any) -> Response:
        mailbox, _match = context
        if request.param("q") is not None and self._metadata_only(request):
            raise GmailError(403, "Metadata scope does not support 'q' parameter", "forbidden")
        drafts = [
            {"id": draft_id, "message": {"id": m.id, "threadId": m.thread_id}}
            for draft_id, message_id in mailbox.drafts.items()
            for m in [mailbox.messages[message_id]]
        ]
        drafts.sort(key=lambda d: -mailbox.messages[d["message"]["id"]].internal_date)
        return self._page(request, "drafts", drafts, 100)

    # --- users.messages and users.threads -----------------------------------------------------

    def _list_messages(self, request: Request, context: Any) -> Response:
        mailbox, _match = context
        query = request.param("q")
        if query is not None and self._metadata_only(request):
            raise GmailError(403, "Metadata scope does not support 'q' parameter", "forbidden")
        wanted_labels = set(request.query.get("labelIds", []))
        found = [
            m
            for m in mailbox.messages.values()
            if wanted_labels <= m.labels and "DRAFT" not in m.labels
            if query is None or _matches(m, query)
        ]
        found.sort(key=lambda m: -m.internal_date)
        return self._page(
            request, "messages", [{"id": m.id, "threadId": m.thread_id} for m in found], 100
        )

    def _get_message(self, request: Request, context: Any) -> Response:
        mailbox, match = context
        message = mailbox.messages.get(match.group("id"))
        if message is None:
            raise GmailError(404, "Requested entity was not found.", "notFound")
        fmt = self._format(request)
        headers = request.query.get("metadataHeaders")
        return Response(200, self._message_json(message, fmt, headers), dict(JSON))

    def _get_thread(self, request: Request, context: Any) -> Response:
        mailbox, match = context
        thread = mailbox.thread(match.group("id"))
        if not thread:
            raise GmailError(404, "Requested entity was not found.", "notFound")
        fmt = self._format(request)
        headers = request.query.get("metadataHeaders")
        body = {
            "id": match.group("id"),
            "historyId": str(mailbox.history),
            "messages": [self._message_json(m, fmt, headers) for m in thread],
        }
        return Response(200, body, dict(JSON))

    @staticmethod
    def _page(request: Request, key: str, items: list[Any], default_size: int) -> Response:
        size = int(request.param("maxResults") or default_size)
        if not 1 <= size <= 500:
            raise GmailError(400, "Invalid maxResults: must be between 1 and 500")
        start = int(request.param("pageToken") or 0)
        page = items[start : start + size]
        body: dict[str, Any] = {"resultSizeEstimate": len(items)}
        if page:
            body[key] = page
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return Response(200, body, dict(JSON))


def _matches(message: Message, query: str) -> bool:
    """A subset of Gmail's search: from:, to:, after:/before: (YYYY/MM/DD), in:inbox|sent, and
    plain words (in the subject or body). Every term must hold."""
    for term in query.split():
        name, _, value = term.partition(":")
        value = value.lower()
        if name == "from":
            ok = value in message.header("From").lower()
        elif name == "to":
            ok = value in message.header("To").lower()
        elif name in ("after", "before"):
            day = time.mktime(time.strptime(value.replace("-", "/"), "%Y/%m/%d")) * 1000
            ok = message.internal_date >= day if name == "after" else message.internal_date < day
        elif name == "in":
            ok = value.upper() in message.labels
        else:
            text = f"{message.header('Subject')} {message.body_text()}".lower()
            ok = term.lower() in text
        if not ok:
            return False
    return True


class GmailQuota:
    """Gmail's per-user quota units a minute (opt-in, like the Sheets QuotaLimiter)."""

    def __init__(
        self, emulator: Emulator, per_minute: int = UNITS_PER_USER_MINUTE, clock=time.monotonic
    ) -> None:
        self.emulator, self.per_minute, self.clock = emulator, per_minute, clock
        self.spent: dict[str, list[tuple[float, int]]] = {}

    @classmethod
    def install(cls, emulator: Emulator, per_minute: int = UNITS_PER_USER_MINUTE) -> GmailQuota:
        quota = cls(emulator, per_minute)
        emulator.before.append(quota.before_hook)
        return quota

    def before_hook(self, request: Request) -> Response | None:
        if not request.path.startswith(PREFIX):
            return None
        found = find_method(request)
        method = found.method.id.removeprefix("gmail.users.") if found else ""
        units = UNITS.get(method, 5)
        user = self.emulator.identify(request).email
        now = self.clock()
        window = [(t, u) for t, u in self.spent.get(user, []) if now - t < 60]
        if sum(u for _, u in window) + units > self.per_minute:
            self.spent[user] = window
            return google_error(
                429, "User-rate limit exceeded.  Retry after 1 minute", "rateLimitExceeded"
            )
        window.append((now, units))
        self.spent[user] = window
        return None
