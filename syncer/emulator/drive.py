"""Drive v3 in memory: files, shared drives, permissions, and the access rules every service
checks (ownership, sharing, the drive.file scope).

Files of a Google kind (spreadsheet, document) are backed by another service's store; that
service registers a ``FileKind`` so that files.create/copy/delete reach it. The field-mask
helper (``?fields=``) lives here because Drive and Sheets share it.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from syncer.emulator.core import ANONYMOUS, Emulator, Identity, Request, Response, google_error
from syncer.emulator.discovery import find_method
from syncer.emulator.drive_query import query_matcher

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DOCUMENT_MIME = "application/vnd.google-apps.document"
FOLDER_MIME = "application/vnd.google-apps.folder"

#: Google's answer when an identity without Drive storage (a service account) would own a new
#: file: gspread #1592 (``POST /drive/v3/files`` by a service account, 2025 on: 403, domain
#: usageLimits, reason storageQuotaExceeded) and Google's shared-drive guide ("Service accounts
#: don't have storage quota and can't own any files. Instead, they must upload files and folders
#: into shared drives, or use OAuth 2.0 to upload items on behalf of a human user.").
STORAGE_QUOTA_MESSAGE = "The user's Drive storage quota has been exceeded."

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
    drive_id: str | None = None  # the shared drive that owns the file; None: the owner's My Drive
    #: Who made it through the API: the "app" whose drive.file scope reaches it.
    made_by: set[str] = field(default_factory=set)

    def resource(self) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "trashed": self.trashed,
            "createdTime": rfc3339(self.created),
            "modifiedTime": rfc3339(self.modified),
        }
        if self.drive_id is None:
            resource["owners"] = [{"kind": "drive#user", "emailAddress": self.owner}]
        else:  # files in a shared drive belong to the drive, not to a person
            resource["driveId"] = self.drive_id
        resource["permissions"] = [p.resource() for p in self.permissions]
        resource["webViewLink"] = _web_link(self)
        return resource


@dataclass
class SharedDrive:
    """A shared drive: it owns its files; its members reach every file in it."""

    id: str
    name: str
    members: list[Permission] = field(default_factory=list)


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
_DRIVE_FILE_SCOPE = "https://www.googleapis.com/auth/drive.file"
_EDIT_ROLES = frozenset({"owner", "organizer", "fileOrganizer", "writer"})
_SERVICES: weakref.WeakKeyDictionary[Emulator, DriveService] = weakref.WeakKeyDictionary()


class DriveService:
    """The Drive v3 files/permissions endpoints and the ACL the other services consult."""

    def __init__(self, emulator: Emulator, seed: int = 0) -> None:
        self.emulator = emulator
        self.files: dict[str, DriveFile] = {}
        self.drives: dict[str, SharedDrive] = {}
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
        self,
        name: str,
        mime_type: str,
        owner: str,
        file_id: str | None = None,
        drive_id: str | None = None,
    ) -> DriveFile:
        """Record a file (without creating its content) and return it. In a shared drive
        (``drive_id``) the drive owns it; ``owner`` is then only who made it."""
        now = self.clock()
        file = DriveFile(file_id or self.new_id(), name, mime_type, owner, now, now)
        if drive_id is None:
            owning = Permission(_permission_id(self.random), "user", "owner", owner)
            file.permissions.append(owning)
        else:
            file.drive_id = drive_id
            file.parents = [drive_id]
        self.files[file.id] = file
        return file

    def add_shared_drive(self, name: str, members: dict[str, str]) -> str:
        """A shared drive with its members (email -> role, e.g. "organizer", "writer")."""
        drive_id = "0A" + "".join(self.random.choice(_ID_ALPHABET) for _ in range(17))
        shared = SharedDrive(drive_id, name)
        for email, role in members.items():
            shared.members.append(Permission(_permission_id(self.random), "user", role, email))
        self.drives[drive_id] = shared
        return drive_id

    def refuse_owner(self, identity: Identity, drive_api: bool = True) -> Response | None:
        """The 403 Google sends when ``identity`` would own a new file in its own My Drive and
        cannot (a service account has no storage); None when it may. Drive's error carries the
        legacy ``errors`` list (reason storageQuotaExceeded); Sheets and Docs answer in the
        google.rpc form, with the message and PERMISSION_DENIED only."""
        if not identity.is_service_account:
            return None
        if not drive_api:
            return google_error(403, STORAGE_QUOTA_MESSAGE)
        return google_error(403, STORAGE_QUOTA_MESSAGE, "storageQuotaExceeded", "usageLimits")

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
        shared = self.drives.get(file.drive_id or "")
        granted = file.permissions + (shared.members if shared is not None else [])
        return any(p.type == "anyone" or (p.email or "").lower() == email.lower() for p in granted)

    def can_edit(self, file_id: str, email: str) -> bool:
        """Owners, writers and shared-drive organisers/writers may change a file (and share
        it); readers and commenters only look."""
        file = self.files.get(file_id)
        if file is None or not self.can_access(file_id, email):
            return False
        if email == ANONYMOUS.email:
            return True
        shared = self.drives.get(file.drive_id or "")
        granted = file.permissions + (shared.members if shared is not None else [])
        return any(
            p.role in _EDIT_ROLES
            and (p.type == "anyone" or (p.email or "").lower() == email.lower())
            for p in granted
        )

    def _per_file_only(self, request: Request) -> bool:
        """Whether the only scope that lets the token call this method is ``drive.file``: Google
        then lets it reach only the files the app made (or a person opened with it), and answers
        404 for the others, as for a file not shared (Drive API scopes guide: "drive.file ...
        Create new Drive files, or modify existing files, that you open with an app or that the
        user shares with an app")."""
        granted = self.emulator.granted_scopes(request)
        if granted is None:
            return False
        match = find_method(request)
        accepted = frozenset(match.method.scopes) if match is not None else frozenset()
        usable = granted & accepted if accepted else granted
        return usable == {_DRIVE_FILE_SCOPE}

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
        if self._per_file_only(request) and email not in file.made_by:
            return _not_found(file_id)
        all_drives = (request.param("supportsAllDrives") or "").lower() == "true"
        if file.drive_id is not None and not all_drives:
            return _not_found(file_id)  # shared-drive items need supportsAllDrives=true
        return None

    # -- handlers ----------------------------------------------------------------------------

    def _placement(
        self, request: Request, parents: list[str]
    ) -> tuple[str | None, Response | None]:
        """(the shared drive a new file goes into, or None for the caller's My Drive; or the
        error). A shared-drive parent is found only with ``supportsAllDrives=true`` (else Drive
        answers 404 for it), and needs the caller to be a member; a caller without storage can
        own nothing in My Drive."""
        caller = self.emulator.identify(request)
        all_drives = (request.param("supportsAllDrives") or "").lower() == "true"
        for parent in parents:
            shared = self.drives.get(parent)
            folder = self.files.get(parent)
            drive_id = shared.id if shared else folder.drive_id if folder else None
            if drive_id is None:
                continue
            if not all_drives or not self.can_access_drive(drive_id, caller.email):
                return None, _not_found(parent)
            return drive_id, None
        return None, self.refuse_owner(caller)

    def can_access_drive(self, drive_id: str, email: str) -> bool:
        shared = self.drives.get(drive_id)
        if shared is None:
            return False
        return email == ANONYMOUS.email or any(
            (p.email or "").lower() == email.lower() for p in shared.members
        )

    def _create(self, request: Request, match: re.Match[str]) -> Response:
        body = request.json() or {}
        mime_type = body.get("mimeType") or "application/octet-stream"
        parents = list(body.get("parents") or [])
        drive_id, refused = self._placement(request, parents)
        if refused is not None:
            return refused
        owner = self.emulator.identify(request).email
        file = self.add_file(body.get("name") or "Untitled", mime_type, owner, drive_id=drive_id)
        file.made_by.add(owner)
        file.parents = parents or file.parents
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
        parents = list(body.get("parents") or source.parents)
        drive_id, refused = self._placement(request, parents)
        if refused is not None:
            return refused
        name = body.get("name") or f"Copy of {source.name}"
        owner = self.emulator.identify(request).email
        copy = self.add_file(name, source.mime_type, owner, drive_id=drive_id)
        copy.made_by.add(owner)
        copy.parents = parents
        kind = self.kinds.get(source.mime_type)
        if kind is not None:
            kind.copy(source_id, copy.id, name)
        return self._file_response(copy, request)

    def _list(self, request: Request, match: re.Match[str]) -> Response:
        email = self.emulator.identify(request).email
        matches = query_matcher(request.param("q") or "")
        per_file = self._per_file_only(request)
        files = [
            f
            for f in self.files.values()
            if self.can_access(f.id, email) and matches(f) and (not per_file or email in f.made_by)
        ]
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
        if not self.can_edit(file_id, self.emulator.identify(request).email):
            # Drive v3 permissions.create: only those who may edit may share (the default
            # writersCanShare); its error is insufficientFilePermissions.
            message = f"The user does not have sufficient permissions for file {file_id}."
            return google_error(403, message, "insufficientFilePermissions")
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
