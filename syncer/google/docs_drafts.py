"""Drafts in one linked Google Doc per tracker (``drafts = "doc"``), through the Docs REST API.

Each application has a HEADING_2 section whose heading ends with ``· <row id>``; a run updates
the text under it in place and keeps the heading paragraph itself, so its headingId (and the
``#heading=`` link in the Draft cell) stays stable. A section whose text the person edited in
the Doc since syncer wrote it is left alone. The Doc's id and the fingerprints of what syncer
wrote live in the tracker's ``_syncer`` sheet (``SheetMeta``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import requests
from google.auth.transport.requests import AuthorizedSession

from syncer.backends.base import digest
from syncer.errors import TrackerError
from syncer.google.sheet_cells import SheetMeta

log = logging.getLogger(__name__)

DOCS_API = "https://docs.googleapis.com/v1/documents"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
SECTION_STYLE = "HEADING_2"
HEADINGS = frozenset(f"HEADING_{level}" for level in range(1, 7)) | {"TITLE"}
#: What the Docs API strips from inserted text (InsertTextRequest.text: "control characters
#: (U+0000-U+0008, U+000C-U+001F) and characters from the Unicode Basic Multilingual Plane
#: Private Use Area (U+E000-U+F8FF)"). Syncer drops them first, so that its UTF-16 indexes
#: count what the Doc really holds; Word's Symbol-font bullets, pasted from a list, become the
#: characters they show instead of vanishing.
_DROPPED: dict[int, str | None] = {
    code: None for code in [*range(0x00, 0x09), *range(0x0C, 0x20), *range(0xE000, 0xF900)]
}
_DROPPED.update({0xF0B7: "•", 0xF0A7: "▪", 0xF0D8: "➢", 0xF0FC: "✓", 0xF076: "❖"})
#: Drive roles a Doc may be granted (an owner of the tracker gets to edit the Doc).
_SHARED_ROLES = {"owner": "writer", "organizer": "writer", "fileOrganizer": "writer"}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def doc_text(text: str) -> str:
    """The text as the Doc will hold it (so comparing with what is there is meaningful): one
    newline kind, nothing the Docs API strips, and a lone UTF-16 surrogate (not a character,
    which Google cannot take) replaced by U+FFFD; a surrogate pair becomes its character."""
    whole = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return whole.replace("\r\n", "\n").replace("\r", "\n").translate(_DROPPED).strip("\n")


def doc_url(doc_id: str) -> str:
    return f"https://docs.google.com/document/d/{doc_id}/edit"


def heading_text(heading: str, row_id: str) -> str:
    text = " ".join(doc_text(heading).split())
    return text if text.endswith(f"· {row_id}") else f"{text} · {row_id}"


def doc_link(doc_id: str, heading_id: str) -> str:
    return f"{doc_url(doc_id)}#heading={heading_id}"


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    text: str  # with its newline
    style: str
    heading_id: str


@dataclass(frozen=True)
class Section:
    heading: Paragraph
    body_start: int
    body_end: int  # exclusive; never includes the Doc's final newline
    body: str


def paragraphs(document: Mapping[str, Any]) -> list[Paragraph]:
    found = []
    for element in document.get("body", {}).get("content", []):
        paragraph = element.get("paragraph")
        if paragraph is None:
            continue
        text = "".join(
            run.get("textRun", {}).get("content", "") for run in paragraph.get("elements", [])
        )
        style = paragraph.get("paragraphStyle", {})
        found.append(
            Paragraph(
                element.get("startIndex", 0),
                element["endIndex"],
                text,
                style.get("namedStyleType", "NORMAL_TEXT"),
                style.get("headingId", ""),
            )
        )
    return found


def sections(found: list[Paragraph]) -> dict[str, Section]:
    """Row id -> its section, for the HEADING_2 paragraphs that end with ``· <row id>``."""
    result: dict[str, Section] = {}
    doc_end = found[-1].end if found else 1
    for index, paragraph in enumerate(found):
        if paragraph.style != SECTION_STYLE or "· " not in paragraph.text:
            continue
        row_id = paragraph.text.rstrip("\n").rpartition("· ")[2].strip()
        body: list[Paragraph] = []
        for following in found[index + 1 :]:
            if following.style in HEADINGS:
                break
            body.append(following)
        body_end = body[-1].end if body else paragraph.end
        body_end = min(body_end, doc_end - 1)
        text = "".join(p.text for p in body).strip("\n")
        result.setdefault(row_id, Section(paragraph, paragraph.end, body_end, text))
    return result


def _style(start: int, end: int, style: str) -> dict[str, Any]:
    return {
        "updateParagraphStyle": {
            "range": {"startIndex": start, "endIndex": end},
            "paragraphStyle": {"namedStyleType": style},
            "fields": "namedStyleType",
        }
    }


def _insert(index: int, text: str) -> dict[str, Any]:
    return {"insertText": {"location": {"index": index}, "text": text}}


def _delete(start: int, end: int) -> dict[str, Any]:
    return {"deleteContentRange": {"range": {"startIndex": start, "endIndex": end}}}


@dataclass(frozen=True)
class DocAccess:
    """Who syncer is with Google, and where the drafts Doc may come from."""

    tracker_key: str
    account: str | None = None  # the e-mail Google knows syncer's account by, when known
    service_account: bool = False  # owns no Drive storage: it cannot create the Doc
    configured_doc: str | None = None  # drafts_doc: the Doc the person made and shared

    @property
    def who(self) -> str:
        return self.account or "the account syncer uses"


class DocDrafts:
    """Publishes drafts into the tracker's Doc; ``publish`` returns a link per row id."""

    def __init__(
        self,
        session: AuthorizedSession,
        meta: SheetMeta,
        title: str,
        access: DocAccess,
        on_created: Callable[[], None] | None = None,
    ) -> None:
        self.session = session
        self.meta = meta
        self.title = title
        self.access = access
        #: Called as soon as a new Doc exists, to remember its id before anything else can fail
        #: (a run killed later must not leave a Doc the next run does not know about).
        self.on_created = on_created
        self.kept_edits: list[str] = []  # row ids whose section the person edited in the Doc

    def publish(self, drafts: Mapping[str, tuple[str, str]]) -> dict[str, str]:
        """Write each row's (heading, text) under its own heading; return row id -> link."""
        if not drafts:
            return {}
        document = self._open()
        found = paragraphs(document)
        existing = sections(found)
        requests_: list[dict[str, Any]] = []
        end = found[-1].end if found else 2
        last_empty = not found or found[-1].text == "\n"
        appended = False
        for row_id, (heading, text) in drafts.items():
            if row_id in existing:
                continue
            title, body = heading_text(heading, row_id), doc_text(text)
            prefix = "" if last_empty else "\n"
            start = end - 1 + utf16_length(prefix)
            insert = f"{prefix}{title}\n{body}\n"
            requests_.append(_insert(end - 1, insert))
            body_start = start + utf16_length(title) + 1
            requests_.append(_style(start, body_start, SECTION_STYLE))
            requests_.append(_style(body_start, body_start + utf16_length(body) + 1, "NORMAL_TEXT"))
            end += utf16_length(insert)
            last_empty = False
            appended = True
            self.meta.doc_digests[row_id] = digest(body)
        ordered = sorted(existing.items(), key=lambda item: -item[1].heading.start)
        for row_id, section in ordered:
            if row_id in drafts:
                requests_.extend(self._update(row_id, section, *drafts[row_id]))
        if requests_:
            self._post(f"{DOCS_API}/{self.meta.doc_id}:batchUpdate", {"requests": requests_})
        if appended:
            existing = sections(paragraphs(self._get(self.meta.doc_id)))
        return {
            row_id: doc_link(self.meta.doc_id, existing[row_id].heading.heading_id)
            for row_id in drafts
            if row_id in existing
        }

    def _update(
        self, row_id: str, section: Section, heading: str, text: str
    ) -> list[dict[str, Any]]:
        """Requests that bring one section up to date, latest index first."""
        body = doc_text(text)
        changes: list[dict[str, Any]] = []
        remembered = self.meta.doc_digests.get(row_id)
        if section.body != body:
            if remembered is not None and digest(section.body) != remembered:
                self.kept_edits.append(row_id)
                log.info("draft for %s was edited in the Doc; kept", row_id)
            elif section.body_end >= section.body_start:
                if section.body_end > section.body_start:
                    changes.append(_delete(section.body_start, section.body_end))
                changes.append(_insert(section.body_start, body + "\n"))
                length = utf16_length(body) + 1
                changes.append(
                    _style(section.body_start, section.body_start + length, "NORMAL_TEXT")
                )
                self.meta.doc_digests[row_id] = digest(body)
        title = heading_text(heading, row_id)
        current = section.heading.text.rstrip("\n")
        if current != title:
            if current:
                changes.append(_delete(section.heading.start, section.heading.end - 1))
            changes.append(_insert(section.heading.start, title))
        return changes

    def probe(self) -> tuple[bool, str, str]:
        """For ``syncer doctor``, without writing: (fine, what syncer will do, how to fix)."""
        configured = self.access.configured_doc
        if configured:
            try:
                self._get(configured)
            except _Missing as missing:
                return (
                    False,
                    f"{self.access.who} cannot open the drafts Doc {doc_url(configured)} "
                    f"(HTTP {missing.status})",
                    f"share that Doc with {self.access.who} as Editor",
                )
            unshared = self._audience_missing(configured)
            if unshared:
                return (
                    False,
                    f"the drafts Doc {doc_url(configured)} is not shared with "
                    f"{', '.join(unshared)}, who can open the tracker: the Draft links will not "
                    "open for them",
                    "share the Doc with them as you share the tracker",
                )
            return True, f"drafts go to the Doc {doc_url(configured)}", ""
        if self.access.service_account:
            return (
                False,
                f"{self.access.who} is a service account: Google lets it own no Doc",
                f"create a Google Doc, share it with {self.access.who} as Editor and set "
                'drafts_doc = "<its URL>"',
            )
        return True, "syncer creates the drafts Doc, owned by you and shared like the tracker", ""

    def _audience_missing(self, doc_id: str) -> list[str]:
        """Who can open the tracker but not the Doc (when Drive lets syncer see both lists)."""
        try:
            on_doc = {_grantee(p) for p in self._permissions(doc_id)}
            tracker = self._permissions(self.access.tracker_key)
        except _Refused:
            return []
        mine = ("user", (self.access.account or "").lower())
        missing = [p for p in tracker if _grantee(p) not in on_doc and _grantee(p) != mine]
        return [p.get("emailAddress") or p.get("domain") or str(p.get("type")) for p in missing]

    # -- which Doc -----------------------------------------------------------------------------

    def _open(self) -> dict[str, Any]:
        """The drafts Doc: the configured one, else the one syncer made, else a new one."""
        configured = self.access.configured_doc
        if configured:
            if self.meta.doc_id != configured:
                self.meta.doc_id, self.meta.doc_shared = configured, False
                self.meta.doc_digests.clear()
            try:
                return self._get(configured)
            except _Missing as missing:
                raise TrackerError(
                    doc_url(configured),
                    f"{self.access.who} cannot open the drafts Doc {doc_url(configured)} named "
                    f"by drafts_doc (HTTP {missing.status}): share that Doc with "
                    f"{self.access.who} as Editor (Share > add the e-mail > Editor), or correct "
                    "drafts_doc",
                ) from None
        if self.meta.doc_id:
            try:
                document = self._get(self.meta.doc_id)
            except _Missing as missing:
                if missing.status != 404:
                    raise TrackerError(
                        doc_url(self.meta.doc_id),
                        f"{self.access.who} can no longer open the drafts Doc "
                        f"{doc_url(self.meta.doc_id)} (HTTP {missing.status}); share it with "
                        f"{self.access.who} as Editor",
                    ) from None
                log.warning("the drafts Doc %s is gone; creating a new one", self.meta.doc_id)
            else:
                if not self.meta.doc_shared and not self.access.service_account:
                    self._share_like_tracker(self.meta.doc_id)  # a share that failed before
                return document
        return self._create()

    def _create(self) -> dict[str, Any]:
        if self.access.service_account:
            raise TrackerError(self.access.tracker_key, self._no_storage())
        try:
            created = self._post(DOCS_API, {"title": self.title})
        except _Refused as refused:
            if refused.status == 403 and "storage quota" in refused.message.lower():
                raise TrackerError(self.access.tracker_key, self._no_storage()) from None
            raise TrackerError(
                self.access.tracker_key,
                f"Google Docs refused to create the drafts Doc (HTTP {refused.status}): "
                f"{refused.message}",
            ) from None
        self.meta.doc_id, self.meta.doc_shared = created["documentId"], False
        self.meta.doc_digests.clear()
        if self.on_created is not None:
            self.on_created()
        self._share_like_tracker(self.meta.doc_id)
        return created

    def _no_storage(self) -> str:
        return (
            f"{self.access.who} is a service account, and Google gives service accounts no Drive "
            "storage, so syncer cannot create the drafts Doc: create a Google Doc yourself (in "
            "your Drive, or in a shared drive the service account is a member of), share it "
            f'with {self.access.who} as Editor, and set drafts_doc = "<the Doc\'s URL>" for '
            "this tracker in the config"
        )

    def _share_like_tracker(self, doc_id: str) -> None:
        """Give everyone who can open the tracker the same access to the Doc syncer created,
        so the link in each Draft cell opens for them (an owner of the tracker may edit)."""
        try:
            on_doc = {_grantee(p) for p in self._permissions(doc_id)}
            for permission in self._permissions(self.access.tracker_key):
                if _grantee(permission) in on_doc:
                    continue  # the Doc's owner, or shared on an earlier run
                role = str(permission.get("role", "reader"))
                grant: dict[str, Any] = {
                    "type": permission.get("type"),
                    "role": _SHARED_ROLES.get(role, role),
                }
                for field_name in ("emailAddress", "domain"):
                    if permission.get(field_name):
                        grant[field_name] = permission[field_name]
                if grant["type"] == "anyone":
                    grant["allowFileDiscovery"] = False
                self._send(
                    "POST",
                    f"{DRIVE_FILES}/{doc_id}/permissions",
                    grant,
                    params={"sendNotificationEmail": "false", "supportsAllDrives": "true"},
                )
        except _Refused as refused:
            raise TrackerError(
                doc_url(doc_id),
                f"could not share the drafts Doc {doc_url(doc_id)} like the tracker "
                f"(HTTP {refused.status}: "
                f"{refused.message}); share it yourself with the people the tracker is shared "
                "with, or the Draft links will not open for them",
            ) from None
        self.meta.doc_shared = True

    def _permissions(self, file_id: str) -> list[dict[str, Any]]:
        listed = self._send(
            "GET",
            f"{DRIVE_FILES}/{file_id}/permissions",
            None,
            params={
                "fields": "permissions(type,role,emailAddress,domain)",
                "supportsAllDrives": "true",
            },
        )
        return list(listed.get("permissions", []))

    # -- HTTP ----------------------------------------------------------------------------------

    def _get(self, doc_id: str) -> dict[str, Any]:
        try:
            return self._send("GET", f"{DOCS_API}/{doc_id}", None)
        except _Refused as refused:
            if refused.status in (403, 404):
                raise _Missing(refused.status, refused.message) from None
            raise self._failure(refused) from None

    def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._send("POST", url, body)
        except _Refused as refused:
            if url == DOCS_API:
                raise
            raise self._failure(refused) from None

    def _failure(self, refused: _Refused) -> TrackerError:
        advice = ""
        if refused.status == 403:
            advice = f"; share {doc_url(self.meta.doc_id)} with {self.access.who} as Editor"
        return TrackerError(
            doc_url(self.meta.doc_id),
            f"Google Docs refused the drafts update (HTTP {refused.status}): "
            f"{refused.message}{advice}",
        )

    def _send(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self.session.request(method, url, json=body, params=params)
        except (requests.exceptions.RequestException, google.auth.exceptions.RefreshError) as e:
            raise TrackerError(url, f"could not reach Google Docs ({type(e).__name__})") from None
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.reason
            raise _Refused(response.status_code, str(message))
        if not response.content:
            return {}
        result: dict[str, Any] = response.json()
        return result


def _grantee(permission: Mapping[str, Any]) -> tuple[str, str]:
    """Who a Drive permission is for: (type, e-mail or domain), case-folded."""
    who = permission.get("emailAddress") or permission.get("domain") or ""
    return str(permission.get("type", "")), str(who).lower()


class _Refused(Exception):
    """Google answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


class _Missing(_Refused):
    """The Doc does not exist, or this account cannot see it (Google does not say which)."""
