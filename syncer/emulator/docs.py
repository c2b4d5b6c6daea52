"""Google Docs v1: documents.create, documents.get and documents.batchUpdate.

A document body is held as its text plus one paragraph style per newline (in Google Docs a
paragraph's style lives on the newline that ends it, which is why deleting a paragraph break
gives the merged paragraph the second paragraph's style). Indices are UTF-16 code units, the
body starts at index 1 (index 0 is the section break) and always ends with a newline.
"""

from __future__ import annotations

import copy
import secrets
import string
import weakref
from dataclasses import dataclass, field
from typing import Any

from syncer.emulator.core import ANONYMOUS, Emulator, Request, Response, google_error
from syncer.emulator.drive import DOCUMENT_MIME, DriveService, FileKind

HEADING_STYLES = frozenset(f"HEADING_{level}" for level in range(1, 7))
NAMED_STYLES = HEADING_STYLES | {"NORMAL_TEXT", "TITLE", "SUBTITLE"}
ID_ALPHABET = string.ascii_letters + string.digits + "-_"
JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}
#: Characters the Docs API strips from inserted text. InsertTextRequest.text in the Docs v1
#: reference (and docs/api/concepts/rules-behavior): "Some control characters (U+0000-U+0008,
#: U+000C-U+001F) and characters from the Unicode Basic Multilingual Plane Private Use Area
#: (U+E000-U+F8FF) will be stripped out of the inserted text." Tab, newline and U+000B (a line
#: break inside a paragraph) stay. The stripped text is what lands: later indexes count without
#: it, which is how a pasted Word bullet (U+F0B7) made a client's next index overshoot.
STRIPPED = frozenset(
    [chr(code) for code in range(0x00, 0x09)]
    + [chr(code) for code in range(0x0C, 0x20)]
    + [chr(code) for code in range(0xE000, 0xF900)]
)
#: A lone UTF-16 surrogate is not a character at all: Google's reference says nothing of it, so
#: the emulator takes the strict side and refuses the request (as strict JSON parsers do).
LONE_SURROGATE_MESSAGE = "Invalid JSON payload received. The text holds an unpaired surrogate."


def stripped(text: str) -> str:
    """``text`` as the Docs API stores it; a lone surrogate refuses the request."""
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise DocsError(400, LONE_SURROGATE_MESSAGE)
    return "".join(char for char in text if char not in STRIPPED)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _random_id(prefix: str, length: int, alphabet: str = ID_ALPHABET) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


class DocsError(Exception):
    """A request Google refuses; carries the HTTP status and Google's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ParagraphStyle:
    named_style: str = "NORMAL_TEXT"
    heading_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        style: dict[str, Any] = {"namedStyleType": self.named_style, "direction": "LEFT_TO_RIGHT"}
        if self.heading_id:
            style["headingId"] = self.heading_id
        return style


@dataclass
class NamedRange:
    range_id: str
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Heading:
    named_style: str
    text: str
    heading_id: str


@dataclass
class Document:
    document_id: str
    title: str
    owner: str
    text: str = "\n"
    styles: list[ParagraphStyle] = field(default_factory=lambda: [ParagraphStyle()])
    named_ranges: list[NamedRange] = field(default_factory=list)
    revision: int = 1

    @property
    def end_index(self) -> int:
        """The body's end index: one past the final newline."""
        return 1 + utf16_length(self.text)

    def _offset(self, index: int) -> int:
        """The position in ``text`` of a document index (UTF-16 units from the section break)."""
        units = 1
        for position, char in enumerate(self.text):
            if units == index:
                return position
            units += 2 if ord(char) > 0xFFFF else 1
            if units > index:
                raise DocsError(400, f"Index {index} is inside a surrogate pair.")
        return len(self.text)

    def paragraphs(self) -> list[tuple[int, int, str, ParagraphStyle]]:
        """(startIndex, endIndex, text with its newline, style) for each paragraph."""
        found = []
        index = 1
        # Only "\n" ends a paragraph: U+000B, U+2028, U+0085... stay inside one (str.splitlines
        # would split on them).
        lines = [line + "\n" for line in self.text.split("\n")[:-1]]
        for line, style in zip(lines, self.styles, strict=True):
            length = utf16_length(line)
            found.append((index, index + length, line, style))
            index += length
        return found

    def insert(self, index: int, text: str) -> None:
        text = stripped(text)
        if not text:
            return
        position = self._offset(index)
        paragraph = self.text[:position].count("\n")
        template = self.styles[paragraph]
        new_styles = [_copy_style(template) for _ in range(text.count("\n"))]
        self.styles[paragraph:paragraph] = new_styles
        self.text = self.text[:position] + text + self.text[position:]
        length = utf16_length(text)
        for named in self.named_ranges:
            if index <= named.start:
                named.start += length
                named.end += length
            elif index < named.end:
                named.end += length

    def delete(self, start: int, end: int) -> None:
        first, last = self._offset(start), self._offset(end)
        paragraph = self.text[:first].count("\n")
        removed = self.text[first:last].count("\n")
        del self.styles[paragraph : paragraph + removed]
        self.text = self.text[:first] + self.text[last:]
        length = end - start

        def moved(index: int) -> int:
            if index <= start:
                return index
            return start if index <= end else index - length

        for named in self.named_ranges:
            named.start, named.end = moved(named.start), moved(named.end)
        self.named_ranges = [named for named in self.named_ranges if named.start < named.end]

    def to_json(self) -> dict[str, Any]:
        content: list[dict[str, Any]] = [
            {"endIndex": 1, "sectionBreak": {"sectionStyle": _SECTION_STYLE}}
        ]
        for start, end, line, style in self.paragraphs():
            content.append(
                {
                    "startIndex": start,
                    "endIndex": end,
                    "paragraph": {
                        "elements": [
                            {
                                "startIndex": start,
                                "endIndex": end,
                                "textRun": {"content": line, "textStyle": {}},
                            }
                        ],
                        "paragraphStyle": style.to_json(),
                    },
                }
            )
        document: dict[str, Any] = {
            "title": self.title,
            "body": {"content": content},
            "revisionId": f"rev-{self.revision}",
            "suggestionsViewMode": "SUGGESTIONS_INLINE",
            "documentId": self.document_id,
        }
        if self.named_ranges:
            document["namedRanges"] = _named_ranges_json(self.named_ranges)
        return document


_SECTION_STYLE = {
    "columnSeparatorStyle": "NONE",
    "contentDirection": "LEFT_TO_RIGHT",
    "sectionType": "CONTINUOUS",
}


def _copy_style(style: ParagraphStyle) -> ParagraphStyle:
    heading_id = _new_heading_id() if style.named_style in HEADING_STYLES else None
    return ParagraphStyle(style.named_style, heading_id)


def _new_heading_id() -> str:
    return _random_id("h.", 12, string.ascii_lowercase + string.digits)


def _named_ranges_json(named_ranges: list[NamedRange]) -> dict[str, Any]:
    grouped: dict[str, dict[str, Any]] = {}
    for named in named_ranges:
        entry = grouped.setdefault(named.name, {"name": named.name, "namedRanges": []})
        entry["namedRanges"].append(
            {
                "namedRangeId": named.range_id,
                "name": named.name,
                "ranges": [{"startIndex": named.start, "endIndex": named.end}],
            }
        )
    return grouped


class BatchUpdate:
    """Applies one documents.batchUpdate to a copy of the document; all requests or none."""

    def __init__(self, document: Document) -> None:
        self.document = copy.deepcopy(document)

    def apply(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        replies = []
        for number, request in enumerate(requests):
            if not isinstance(request, dict) or len(request) != 1:
                raise DocsError(400, f"Invalid requests[{number}]: exactly one kind is required.")
            ((kind, params),) = request.items()
            handler = getattr(self, f"_{kind}", None)
            if handler is None:
                raise DocsError(
                    400, f"Invalid requests[{number}].{kind}: not implemented by the emulator."
                )
            try:
                replies.append(handler(params or {}))
            except DocsError as error:
                raise DocsError(
                    error.status, f"Invalid requests[{number}].{kind}: {error.message}"
                ) from None
        self.document.revision += 1
        return replies

    def _check_segment(self, params: dict[str, Any]) -> None:
        location = params.get("location") or params.get("range") or {}
        if location.get("segmentId"):
            raise DocsError(400, "Headers, footers and footnotes are not emulated.")

    def _check_index(self, index: int) -> None:
        end = self.document.end_index
        if index >= end:
            raise DocsError(
                400,
                f"Index {index} must be less than the end index of the referenced segment, {end}.",
            )
        if index < 1:
            raise DocsError(
                400,
                "The insertion index must be inside the bounds of an existing paragraph. "
                "You can still create new paragraphs by inserting newlines.",
            )

    def _range(self, params: dict[str, Any]) -> tuple[int, int]:
        span = params.get("range") or {}
        start, end = int(span.get("startIndex", 0)), int(span.get("endIndex", 0))
        if end <= start:
            raise DocsError(400, "The range should not be empty.")
        if start < 1:
            raise DocsError(400, "The range cannot include the section break at index 0.")
        if end > self.document.end_index:
            raise DocsError(
                400,
                f"Index {end - 1} must be less than the end index of the referenced "
                f"segment, {self.document.end_index}.",
            )
        return start, end

    def _insertText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_segment(params)
        if "endOfSegmentLocation" in params:
            index = self.document.end_index - 1
        else:
            index = int((params.get("location") or {}).get("index", 0))
            self._check_index(index)
        self.document.insert(index, str(params.get("text", "")))
        return {}

    def _deleteContentRange(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_segment(params)
        start, end = self._range(params)
        if end == self.document.end_index:
            raise DocsError(
                400, "The range cannot include the newline character at the end of the segment."
            )
        self.document.delete(start, end)
        return {}

    def _updateParagraphStyle(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_segment(params)
        fields = str(params.get("fields", "")).replace(" ", "").split(",")
        if fields == [""]:
            raise DocsError(
                400,
                "At least one field must be listed in 'fields'. (Use '*' to indicate all fields.)",
            )
        start, end = self._range(params)
        wanted = (params.get("paragraphStyle") or {}).get("namedStyleType", "NORMAL_TEXT")
        if "*" not in fields and "namedStyleType" not in fields:
            return {}
        if wanted not in NAMED_STYLES:
            raise DocsError(400, f"Unsupported namedStyleType {wanted!r}.")
        for first, last, _line, style in self.document.paragraphs():
            if first < end and last > start and style.named_style != wanted:
                style.named_style = wanted
                style.heading_id = _new_heading_id() if wanted in HEADING_STYLES else None
        return {}

    def _createNamedRange(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_segment(params)
        name = str(params.get("name", ""))
        if not 1 <= utf16_length(name) <= 256:
            raise DocsError(400, "The name must be between 1 and 256 characters long.")
        start, end = self._range(params)
        range_id = _random_id("kix.", 12, string.ascii_lowercase + string.digits)
        self.document.named_ranges.append(NamedRange(range_id, name, start, end))
        return {"createNamedRange": {"namedRangeId": range_id}}

    def _matching_ranges(self, params: dict[str, Any]) -> list[NamedRange]:
        range_id, name = (
            params.get("namedRangeId"),
            params.get("name") or params.get("namedRangeName"),
        )
        found = [
            named
            for named in self.document.named_ranges
            if (range_id and named.range_id == range_id) or (name and named.name == name)
        ]
        if not found:
            raise DocsError(400, "The named range does not exist.")
        return found

    def _deleteNamedRange(self, params: dict[str, Any]) -> dict[str, Any]:
        doomed = {named.range_id for named in self._matching_ranges(params)}
        self.document.named_ranges = [
            named for named in self.document.named_ranges if named.range_id not in doomed
        ]
        return {}

    def _replaceNamedRangeContent(self, params: dict[str, Any]) -> dict[str, Any]:
        text = stripped(str(params.get("text", "")))
        for named in self._matching_ranges(params):
            start, end = named.start, named.end
            if end >= self.document.end_index:
                end = self.document.end_index - 1  # the final newline always stays
            if end > start:
                self.document.delete(start, end)
            self.document.insert(start, text)
            named.start, named.end = start, start + utf16_length(text)
            if named not in self.document.named_ranges and named.end > named.start:
                self.document.named_ranges.append(named)
        return {}


class DocsService:
    """Documents are Drive files of the Docs type: Drive owns the file and its permissions."""

    def __init__(self, emulator: Emulator, drive: DriveService) -> None:
        self.emulator = emulator
        self.drive = drive
        self.documents: dict[str, Document] = {}

    @classmethod
    def install(cls, emulator: Emulator) -> DocsService:
        """Register the Docs routes (and Drive) once per emulator and return the service."""
        existing = _SERVICES.get(emulator)
        if existing is not None:
            return existing
        drive = DriveService.install(emulator)
        service = cls(emulator, drive)
        _SERVICES[emulator] = service
        drive.register_kind(
            DOCUMENT_MIME,
            FileKind(service._create_content, service.copy_document, service.delete_document),
        )
        router = emulator.router
        router.add("POST", r"/v1/documents", service._create)
        router.add("POST", r"/v1/documents/(?P<doc>[^/:]+):batchUpdate", service._batch_update)
        router.add("GET", r"/v1/documents/(?P<doc>[^/:]+)", service._get)
        return service

    # --- the Python side ----------------------------------------------------------------------

    def create_document(
        self,
        title: str,
        doc_id: str | None = None,
        owner: str = ANONYMOUS.email,
        drive_id: str | None = None,
    ) -> str:
        """Create an empty document and its Drive file (in ``owner``'s My Drive, or in the
        shared drive ``drive_id``); returns the document id."""
        title = title or "Untitled document"
        file = self.drive.add_file(title, DOCUMENT_MIME, owner, file_id=doc_id, drive_id=drive_id)
        self.documents[file.id] = Document(file.id, title, owner)
        return file.id

    def _create_content(self, doc_id: str, title: str) -> None:
        """Drive's files.create with the Docs type: Drive made the file, we make the body."""
        file = self.drive.files.get(doc_id)
        owner = file.owner if file is not None else ANONYMOUS.email
        self.documents[doc_id] = Document(doc_id, title or "Untitled document", owner)

    def copy_document(self, source_id: str, new_id: str, title: str) -> None:
        copied = copy.deepcopy(self.document(source_id))
        copied.document_id, copied.title, copied.revision = new_id, title, 1
        new_file = self.drive.files.get(new_id)
        if new_file is not None:
            copied.owner = new_file.owner
        self.documents[new_id] = copied

    def delete_document(self, doc_id: str) -> None:
        self.documents.pop(doc_id, None)

    def document(self, doc_id: str, email: str = ANONYMOUS.email, edit: bool = False) -> Document:
        found = self.documents.get(doc_id)
        if found is None:
            raise DocsError(404, "Requested entity was not found.")
        allowed = self.drive.can_edit if edit else self.drive.can_access
        if not allowed(doc_id, email):
            raise DocsError(403, "The caller does not have permission")
        return found

    def text(self, doc_id: str) -> str:
        """The body text, ending with the final newline."""
        return self.document(doc_id).text

    def headings(self, doc_id: str) -> list[Heading]:
        return [
            Heading(style.named_style, line.rstrip("\n"), style.heading_id or "")
            for _start, _end, line, style in self.document(doc_id).paragraphs()
            if style.named_style in HEADING_STYLES
        ]

    # --- HTTP ---------------------------------------------------------------------------------

    def _create(self, request: Request, _match: Any) -> Response:
        body = request.json() or {}
        caller = self.emulator.identify(request)
        # documents.create puts the new Doc in the caller's My Drive, which a service account
        # does not have (see drive.STORAGE_QUOTA_MESSAGE).
        refused = self.drive.refuse_owner(caller, drive_api=False)
        if refused is not None:
            return refused
        doc_id = self.create_document(str(body.get("title", "")), owner=caller.email)
        self.drive.files[doc_id].made_by.add(caller.email)
        return Response(200, self.documents[doc_id].to_json(), dict(JSON_HEADERS))

    def _get(self, request: Request, match: Any) -> Response:
        caller = self.emulator.identify(request).email
        try:
            document = self.document(match["doc"], caller)
            return Response(200, document.to_json(), dict(JSON_HEADERS))
        except DocsError as error:
            return google_error(error.status, error.message)

    def _batch_update(self, request: Request, match: Any) -> Response:
        doc_id = match["doc"]
        try:
            document = self.document(doc_id, self.emulator.identify(request).email, edit=True)
            update = BatchUpdate(document)
            replies = update.apply((request.json() or {}).get("requests") or [])
        except DocsError as error:
            return google_error(error.status, error.message)
        self.documents[doc_id] = update.document
        self.drive.touch(doc_id)
        body = {
            "replies": replies,
            "writeControl": {"requiredRevisionId": f"rev-{update.document.revision}"},
            "documentId": doc_id,
        }
        return Response(200, body, dict(JSON_HEADERS))


_SERVICES: weakref.WeakKeyDictionary[Emulator, DocsService] = weakref.WeakKeyDictionary()
