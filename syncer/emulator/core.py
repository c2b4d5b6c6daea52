"""The emulator's request/response contract and its front door.

Every transport (the loopback HTTP server, the in-process requests adapter) turns an HTTP request
into a ``Request``, calls ``Emulator.handle`` and sends back the ``Response``. Services (Sheets,
Drive, Docs, OAuth) register routes; fault injection and quotas run before routing.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from syncer.google import endpoints

#: The Google hosts syncer and gspread talk to (the product's list). On the loopback server they
#: all collapse onto one host and are told apart by path prefix (/v4/spreadsheets, /drive/v3,
#: /upload/drive/v3, /v1/documents, /gmail/v1, /token).
GOOGLE_HOSTS = endpoints.GOOGLE_HOSTS


@dataclass
class Request:
    method: str
    path: str  # the URL path exactly as sent (still percent-encoded)
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # keys lower-cased
    body: bytes = b""

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass
class Response:
    status: int
    body: Any = None  # a JSON-able value, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (fault injection)
    drop: bool = False  # close the connection without answering (fault injection)

    def wire_headers(self) -> dict[str, str]:
        """The headers as the transports send them: a JSON body is labelled JSON, and an empty
        answer (a 204 to a DELETE) ``text/html``, as Google's front end labels it (the recorded
        cassettes: every Drive files.delete answers 204 with Content-Type text/html)."""
        headers = dict(self.headers)
        if not any(name.lower() == "content-type" for name in headers):
            if self.body is None:
                headers["Content-Type"] = "text/html"
            elif not isinstance(self.body, bytes):
                headers["Content-Type"] = "application/json; charset=UTF-8"
        return headers

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, indent=2, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Identity:
    """Who is calling: the account behind the bearer token, and its Cloud project."""

    email: str
    project: str

    @property
    def is_service_account(self) -> bool:
        """Service accounts are ``name@PROJECT.iam.gserviceaccount.com`` (or a Google-managed
        ``...gserviceaccount.com`` agent): identities that own no Drive storage."""
        return self.email.lower().endswith(".gserviceaccount.com")


ANONYMOUS = Identity("anonymous@emulator.invalid", "emulator")


Handler = Callable[[Request, "re.Match[str]"], Response]


def google_error(
    status: int, message: str, reason: str | None = None, domain: str = "global"
) -> Response:
    """A Google JSON error body, as Sheets/Drive/Docs send it."""
    statuses = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        409: "ALREADY_EXISTS",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": statuses.get(status, "UNKNOWN"),
    }
    if reason:
        error["errors"] = [{"message": message, "domain": domain, "reason": reason}]
    return Response(status, {"error": error}, {"Content-Type": "application/json; charset=UTF-8"})


class Router:
    """Routes by method and a regular expression over the path."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern), handler))

    def dispatch(self, request: Request) -> Response:
        path_matched = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if method == request.method:
                return handler(request, match)
        if path_matched:
            return google_error(405, f"Method {request.method} not allowed on {request.path}")
        return google_error(404, f"The requested URL {request.path} was not found on this server.")


class Emulator:
    """An in-memory Google Sheets v4 / Drive v3 / Docs v1 / OAuth token service.

    Thread-safe: one lock serialises requests, as a single spreadsheet's writes are serialised by
    Google.
    """

    def __init__(self) -> None:
        self.router = Router()
        self.lock = threading.RLock()
        self.log: list[dict[str, Any]] = []
        self._log_sinks: list[Callable[[dict[str, Any]], None]] = []
        # Called before routing; the first non-None Response wins (fault injection, quotas).
        self.before: list[Callable[[Request], Response | None]] = []
        # Called after a request was answered (e.g. "change the sheet between two requests").
        self.after: list[Callable[[Request, Response], None]] = []
        # Maps a request to its caller (the OAuth service replaces it: bearer token -> account).
        self.identify: Callable[[Request], Identity] = lambda request: ANONYMOUS
        #: The scopes the request's token grants; None when unknown (no token: unrestricted).
        self.granted_scopes: Callable[[Request], frozenset[str] | None] = lambda request: None

    def add_log_sink(self, sink: Callable[[dict[str, Any]], None]) -> None:
        self._log_sinks.append(sink)

    def handle(self, request: Request) -> Response:
        with self.lock:
            response: Response | None = None
            for hook in self.before:
                response = hook(request)
                if response is not None:
                    break
            if response is None:
                try:
                    response = self.router.dispatch(request)
                except Exception as exc:  # an emulator bug must surface as a 500, like Google
                    response = google_error(500, f"emulator error: {exc!r}")
            entry = {
                "method": request.method,
                "path": request.path,
                "query": {k: v if len(v) > 1 else v[0] for k, v in request.query.items()},
                "status": response.status,
            }
            self.log.append(entry)
            for sink in self._log_sinks:
                sink(entry)
            for after_hook in self.after:
                after_hook(request, response)
            return response
