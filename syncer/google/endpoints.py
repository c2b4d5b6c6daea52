"""Where Google's APIs live, and the adapter that sends them to another endpoint instead.

``SYNCER_GOOGLE_ENDPOINT`` names a server that answers for every Google host syncer calls (the
loopback emulator in demos and end-to-end tests); ``ForwardingAdapter`` rewrites
``https://<google host>/<path>`` to ``<endpoint>/<path>``. This module knows nothing of that
server: the product never imports its test double.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

#: The Google hosts syncer and gspread talk to.
GOOGLE_HOSTS = (
    "sheets.googleapis.com",
    "www.googleapis.com",
    "docs.googleapis.com",
    "oauth2.googleapis.com",
    "gmail.googleapis.com",
)


class ForwardingAdapter(HTTPAdapter):
    """Sends https://<google host>/<path> to ``<endpoint>/<path>`` (a loopback server)."""

    def __init__(self, endpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint.rstrip("/")

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        forwarded = request.copy()
        target = self.endpoint + (parts.path or "/")
        forwarded.url = target + (f"?{parts.query}" if parts.query else "")
        return super().send(forwarded, **kwargs)
