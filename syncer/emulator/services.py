"""Which Google APIs each Cloud project has enabled, and Google's answer to a call of one that
is not: HTTP 403 PERMISSION_DENIED, reason SERVICE_DISABLED.

Evidence for the answer: the error body gspread users report when an API is off in their
project (burnash/gspread#1286, the Drive API: ``errors[0]`` with domain ``usageLimits`` and
reason ``accessNotConfigured``, a ``google.rpc.Help`` link to the API's console page and a
``google.rpc.ErrorInfo`` with reason ``SERVICE_DISABLED``), the same message for the Sheets API
(openclaw/gogcli#415, associatedpress/harvester#10), and Google's ``google.api.ErrorReason``
reference for SERVICE_DISABLED (metadata ``consumer`` = ``projects/<number>`` and ``service``).
A new Cloud project has the APIs off; here every API is on until a test turns one off, since
the emulator stands for a project the person has already set up.
"""

from __future__ import annotations

from syncer.emulator.core import Emulator, Request, Response, google_error
from syncer.emulator.discovery import find_method
from syncer.emulator.quotas import project_number

API_TITLES = {
    "sheets": "Google Sheets API",
    "drive": "Google Drive API",
    "docs": "Google Docs API",
}
CONSOLE = "https://console.developers.google.com"


def service_disabled(api: str, project: str) -> Response:
    """Google's 403 for a call of ``api`` ("sheets", "drive", "docs") from ``project``."""
    number = project_number(project)
    service = f"{api}.googleapis.com"
    page = f"{CONSOLE}/apis/api/{service}/overview?project={number}"
    message = (
        f"{API_TITLES.get(api, api)} has not been used in project {number} before or it is "
        f"disabled. Enable it by visiting {page} then retry. If you enabled this API recently, "
        "wait a few minutes for the action to propagate to our systems and retry."
    )
    response = google_error(403, message)
    error = response.body["error"]
    error["errors"] = [
        {
            "message": message,
            "domain": "usageLimits",
            "reason": "accessNotConfigured",
            "extendedHelp": CONSOLE,
        }
    ]
    error["details"] = [
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Google developers console API activation", "url": page}],
        },
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": {"consumer": f"projects/{number}", "service": service},
        },
    ]
    return response


class ServiceUsage:
    """The APIs switched off per project; a call of one is refused before it is routed."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.disabled: set[tuple[str, str]] = set()  # (project, api)

    @classmethod
    def install(cls, emulator: Emulator) -> ServiceUsage:
        usage = cls(emulator)
        emulator.before.append(usage.before_hook)
        return usage

    def disable(self, project: str, api: str) -> None:
        self.disabled.add((project, api))

    def enable(self, project: str, api: str) -> None:
        self.disabled.discard((project, api))

    def before_hook(self, request: Request) -> Response | None:
        if not self.disabled:
            return None
        found = find_method(request)
        if found is None:
            return None
        project = self.emulator.identify(request).project
        if (project, found.method.api) in self.disabled:
            return service_disabled(found.method.api, project)
        return None
