"""Drive v3 in memory: files, permissions, and the access rules every service checks.

Files of a Google kind (spreadsheet, document) are backed by another service's store; that
service registers a ``FileKind`` so that files.create/copy/delete reach it. The field-mask
helper (``?fields=``) lives here because Drive and Sheets share it.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shlex
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from syncer.emulator.core import ANONYMOUS, Emulator, Request, Response, google_error

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DOCUMENT_MIME = "application/vnd.google-apps.document"
FOLDER_MIME = "application/vnd.google-apps.folder"

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_FILES = "/drive/v3/files"


# -- field masks --------------------------------------------------------------------------------


def parse_field_mask(mask: str) -> dict[str, Any]:
    """``a.b,c(d,e/f)`` -> {"a": {"b": {}}, "c": {"d": {}, "e": {"f": {}}}}; {} means "all"."""
    tree: dict[str, Any] = {}
    position = 0

    def parse_list(into: dict[str, Any]) -> None:
        nonlocal position
        while position < len(mask):
            node = into
            name = ""
            while position < len(mask) and mask[position] not in ",()":
                char = mask[position]
                position += 1
                if char in "./":
                    node = node.setdefault(name.strip(), {})
                    name = ""
                else:
                    name += char
            leaf = node.setdefault(name.strip(), {})
            if position < len(mask) and mask[position] == "(":
                position += 1
                parse_list(leaf)
            if position < len(mask) and mask[position] == ")":
                position += 1
                return
            if position < len(mask) and mask[position] == ",":
                position += 1

    parse_list(tree)
    return tree


def apply_field_mask(value: Any, tree: dict[str, Any]) -> Any:
    """Keep only the masked fields; lists are masked element by element."""
    if not tree or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply_field_mask(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: apply_field_mask(value[key], sub) for key, sub in tree.items() if key in value}


def mask_fields(value: Any, mask: str | None) -> Any:
    return value if not mask else apply_field_mask(value, parse_field_mask(mask))


# -- files --------------------------------------------------------------------------------------


def rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Permission:
    id: str
    type: str
    role: str
    email: str | None = None

    def resource(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": "drive#permission", "id": self.id, "type": self.type}
        if self.email:
            body["emailAddress"] = self.email
        body["role"] = self.role
        return body


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    owner: str
    created: dt.datetime
    modified: dt.datetime
    parents: list[str] = field(default_factory=list)
    permissions: list[Permission] = field(default_factory=list)
    trashed: bool = False

    def resource(self) -> dict[str, Any]:
        return {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "trashed": self.trashed,
            "createdTime": rfc3339(self.created),
            "modifiedTime": rfc3339(self.modified),
            "owners": [{"kind": "drive#user", "emailAddress": self.owner}],
            "permissions": [p.resource() for p in self.permissions],
            "webViewLink": _web_link(self),
        }


def _web_link(file: DriveFile) -> str:
    kinds = {SPREADSHEET_MIME: "spreadsheets", DOCUMENT_MIME: "document"}
    kind = kinds.get(file.mime_type, "file")
    return f"https://docs.google.com/{kind}/d/{file.id}/edit"


@dataclass
class FileKind:
    """How another service backs a Google file type: create, copy and delete its content."""

    create: Callable[[str, str], None]  # (file_id, name)
    copy: Callable[[str, str, str], None]  # (source_id, new_id, new_name)
    delete: Callable[[str], None]  # (file_id)


_DEFAULT_FIELDS = "kind,id,name,mimeType"
_SERVICES: weakref.WeakKeyDictionary[Emulator, DriveService] = weakref.WeakKeyDictionary()


class DriveService:
    """The Drive v3 files/permissions endpoints and the ACL the other services consult."""

    def __init__(self, emulator: Emulator, seed: int = 0) -> None:
        self.emulator = emulator
        self.files: dict[str, DriveFile] = {}
        self.kinds: dict[str, FileKind] = {}
        self.random = random.Random(seed)
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    @classmethod
    def install(cls, emulator: Emulator) -> DriveService:
        """Register the Drive routes once per emulator and return the service."""
        existing = _SERVICES.get(emulator)
        if existing is not None:
            return existing
        service = cls(emulator)
        _SERVICES[emulator] = service
        router = emulator.router
        router.add("POST", _FILES, service._create)
        router.add("GET", _FILES, service._list)
        router.add("GET", _FILES + r"/([^/]+)", service._get)
        router.add("PATCH", _FILES + r"/([^/]+)", service._update)
        router.add("DELETE", _FILES + r"/([^/]+)", service._delete)
        router.add("POST", _FILES + r"/([^/]+)/copy", service._copy)
        router.add("POST", _FILES + r"/([^/]+)/permissions", service._create_permission)
        router.add("GET", _FILES + r"/([^/]+)/permissions", service._list_permissions)
        router.add("DELETE", _FILES + r"/([^/]+)/permissions/([^/]+)", service._delete_permission)
        return service

    # -- Python API --------------------------------------------------------------------------

    def register_kind(self, mime_type: str, kind: FileKind) -> None:
        self.kinds[mime_type] = kind

    def new_id(self) -> str:
        return "1" + "".join(self.random.choice(_ID_ALPHABET) for _ in range(43))

    def add_file(
        self, name: str, mime_type: str, owner: str, file_id: str | None = None
    ) -> DriveFile:
        """Record a file (without creating its content) and return it."""
        now = self.clock()
        file = DriveFile(file_id or self.new_id(), name, mime_type, owner, now, now)
        file.permissions.append(Permission(_permission_id(self.random), "user", "owner", owner))
        self.files[file.id] = file
        return file

    def share(self, file_id: str, email: str, role: str = "writer") -> Permission:
        permission = Permission(_permission_id(self.random), "user", role, email)
        self.files[file_id].permissions.append(permission)
        return permission

    def can_access(self, file_id: str, email: str) -> bool:
        """Anonymous callers see everything; others need ownership or a permission."""
        file = self.files.get(file_id)
        if file is None:
            return False
        if email == ANONYMOUS.email:
            return True
        return any(
            p.type == "anyone" or (p.email or "").lower() == email.lower() for p in file.permissions
        )

    def touch(self, file_id: str) -> None:
        file = self.files.get(file_id)
        if file is not None:
            file.modified = max(self.clock(), file.modified)

    def check(self, request: Request, file_id: str) -> Response | None:
        """None when the caller may use the file; else the Drive error to send."""
        file = self.files.get(file_id)
        email = self.emulator.identify(request).email
        if file is None or not self.can_access(file_id, email):
            return _not_found(file_id)
        return None

    # -- handlers ----------------------------------------------------------------------------

    def _create(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        mime_type = body.get("mimeType") or "application/octet-stream"
        owner = self.emulator.identify(request).email
        file = self.add_file(body.get("name") or "Untitled", mime_type, owner)
        file.parents = list(body.get("parents") or [])
        kind = self.kinds.get(mime_type)
        if kind is not None:
            kind.create(file.id, file.name)
        return self._file_response(file, request)

    def _get(self, request: Request, match: re.Match[str]) -> Response:
        file_id = unquote(match[1])
        error = self.check(request, file_id)
        if error is not None:
            return error
        if request.param("alt") == "media":
            return google_error(403, "Only files with binary content can be downloaded.")
        return self._file_response(self.files[file_id], request)

    def _update(self, request: Request, match: re.Match[str]) -> Response:
        file_id = unquote(match[1])
        error = self.check(request, file_id)
        if error is not None:
            return error
        body = request.json() or {}
        file = self.files[file_id]
        if "name" in body:
            file.name = body["name"]
        if "trashed" in body:
            file.trashed = bool(body["trashed"])
        self.touch(file_id)
        return self._file_response(file, request)

    def _delete(self, request: Request, match: re.Match[str]) -> Response:
        file_id = unquote(match[1])
        error = self.check(request, file_id)
        if error is not None:
            return error
        file = self.files.pop(file_id)
        kind = self.kinds.get(file.mime_type)
        if kind is not None:
            kind.delete(file_id)
        return Response(204)

    def _copy(self, request: Request, match: re.Match[str]) -> Response:
        source_id = unquote(match[1])
        error = self.check(request, source_id)
        if error is not None:
            return error
        body = request.json() or {}
        source = self.files[source_id]
        name = body.get("name") or f"Copy of {source.name}"
        copy = self.add_file(name, source.mime_type, self.emulator.identify(request).email)
        copy.parents = list(body.get("parents") or source.parents)
        kind = self.kinds.get(source.mime_type)
        if kind is not None:
            kind.copy(source_id, copy.id, name)
        return self._file_response(copy, request)

    def _list(self, request: Request, match: re.Match[str]) -> Response:
        email = self.emulator.identify(request).email
        matches = _query_matcher(request.param("q") or "")
        files = [f for f in self.files.values() if self.can_access(f.id, email) and matches(f)]
        files.sort(key=lambda f: f.modified, reverse=True)
        page_size = int(request.param("pageSize") or 100)
        start = int(request.param("pageToken") or 0)
        page = files[start : start + page_size]
        body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False}
        if start + page_size < len(files):
            body["nextPageToken"] = str(start + page_size)
        body["files"] = [f.resource() for f in page]
        mask = (
            request.param("fields")
            or f"kind,incompleteSearch,nextPageToken,files({_DEFAULT_FIELDS})"
        )
        return Response(200, mask_fields(body, mask))

    def _create_permission(self, request: Request, match: re.Match[str]) -> Response:
        file_id = unquote(match[1])
        error = self.check(request, file_id)
        if error is not None:
            return error
        body = request.json() or {}
        if body.get("type") not in {"user", "group", "domain", "anyone"} or not body.get("role"):
            return google_error(400, "The permission type field is required.", "required")
        permission = Permission(
            _permission_id(self.random), body["type"], body["role"], body.get("emailAddress")
        )
        self.files[file_id].permissions.append(permission)
        return Response(200, mask_fields(permission.resource(), request.param("fields")))

    def _list_permissions(self, request: Request, match: re.Match[str]) -> Response:
        file_id = unquote(match[1])
        error = self.check(request, file_id)
        if error is not None:
            return error
        permissions = [p.resource() for p in self.files[file_id].permissions]
        body = {"kind": "drive#permissionList", "permissions": permissions}
        return Response(200, mask_fields(body, request.param("fields")))

    def _delete_permission(self, request: Request, match: re.Match[str]) -> Response:
        file_id, permission_id = unquote(match[1]), unquote(match[2])
        error = self.check(request, file_id)
        if error is not None:
            return error
        file = self.files[file_id]
        kept = [p for p in file.permissions if p.id != permission_id]
        if len(kept) == len(file.permissions):
            return google_error(404, f"Permission not found: {permission_id}.", "notFound")
        file.permissions = kept
        return Response(204)

    def _file_response(self, file: DriveFile, request: Request) -> Response:
        mask = request.param("fields") or _DEFAULT_FIELDS
        return Response(200, mask_fields(file.resource(), mask))


def _permission_id(rng: random.Random) -> str:
    return str(rng.randrange(10**19, 10**20))


def _not_found(file_id: str) -> Response:
    message = f"File not found: {file_id}."
    response = google_error(404, message, "notFound")
    response.body["error"]["errors"][0].update({"location": "fileId", "locationType": "parameter"})
    return response


_CLAUSE = re.compile(r"^(\w+)\s*(=|!=|contains)\s*(.+)$|^(.+)\s+in\s+(\w+)$")


def _query_matcher(query: str) -> Callable[[DriveFile], bool]:
    """A matcher for Drive's ``q``: clauses joined by ``and`` on name, mimeType, trashed,
    parents. Enough for gspread's and syncer's queries."""
    clauses = [c.strip() for c in re.split(r"\s+and\s+", query) if c.strip()]
    tests: list[Callable[[DriveFile], bool]] = []
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ValueError(f"unsupported Drive query clause {clause!r}")
        if match[4]:
            parent = _literal(match[4])
            tests.append(_parent_test(parent))
            continue
        name, op, literal = match[1], match[2], _literal(match[3])
        tests.append(_field_test(name, op, literal))
    return lambda file: all(test(file) for test in tests)


def _parent_test(parent: str) -> Callable[[DriveFile], bool]:
    return lambda file: parent in file.parents


def _field_test(name: str, op: str, literal: str) -> Callable[[DriveFile], bool]:
    def value_of(file: DriveFile) -> str:
        values = {"name": file.name, "mimeType": file.mime_type, "trashed": str(file.trashed)}
        return values.get(name, "").lower() if name == "trashed" else values.get(name, "")

    if op == "contains":
        return lambda f: literal in value_of(f)
    if op == "!=":
        return lambda f: value_of(f) != literal
    return lambda f: value_of(f) == literal


def _literal(text: str) -> str:
    text = text.strip()
    if text[:1] in {"'", '"'}:
        return shlex.split(text)[0]
    return text
