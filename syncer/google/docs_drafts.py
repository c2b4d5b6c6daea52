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
SECTION_STYLE = "HEADING_2"
HEADINGS = frozenset(f"HEADING_{level}" for level in range(1, 7)) | {"TITLE"}
#: Characters the Docs API drops from inserted text (all C0 controls but tab, newline, VT).
_DROPPED = {code: None for code in [*range(0x00, 0x09), *range(0x0C, 0x20)]}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def doc_text(text: str) -> str:
    """The text as the Doc will hold it (so comparing with what is there is meaningful)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_DROPPED).strip("\n")


def heading_text(heading: str, row_id: str) -> str:
    text = " ".join(doc_text(heading).split())
    return text if text.endswith(f"· {row_id}") else f"{text} · {row_id}"


def doc_link(doc_id: str, heading_id: str) -> str:
    return f"https://docs.google.com/document/d/{doc_id}/edit#heading={heading_id}"


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


class DocDrafts:
    """Publishes drafts into the tracker's Doc; ``publish`` returns a link per row id."""

    def __init__(
        self,
        session: AuthorizedSession,
        meta: SheetMeta,
        title: str,
        on_created: Callable[[], None] | None = None,
    ) -> None:
        self.session = session
        self.meta = meta
        self.title = title
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

    # -- HTTP ----------------------------------------------------------------------------------

    def _open(self) -> dict[str, Any]:
        if self.meta.doc_id:
            try:
                return self._get(self.meta.doc_id)
            except _Missing:
                log.warning("the drafts Doc %s is gone; creating a new one", self.meta.doc_id)
        created = self._post(DOCS_API, {"title": self.title})
        self.meta.doc_id = created["documentId"]
        self.meta.doc_digests.clear()
        if self.on_created is not None:
            self.on_created()
        return created

    def _get(self, doc_id: str) -> dict[str, Any]:
        return self._send("GET", f"{DOCS_API}/{doc_id}", None)

    def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", url, body)

    def _send(self, method: str, url: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            response = self.session.request(method, url, json=body)
        except (requests.exceptions.RequestException, google.auth.exceptions.RefreshError) as e:
            raise TrackerError(url, f"could not reach Google Docs ({type(e).__name__})") from None
        if response.status_code == 404 and method == "GET":
            raise _Missing(url)
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.reason
            raise TrackerError(
                f"https://docs.google.com/document/d/{self.meta.doc_id}",
                f"Google Docs refused the drafts update (HTTP {response.status_code}): {message}",
            )
        result: dict[str, Any] = response.json()
        return result


class _Missing(Exception):
    """The remembered Doc no longer exists (or this account cannot see it)."""
