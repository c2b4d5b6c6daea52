"""Google's front end (the proxy before every API) answers some failures itself, with an HTML
page instead of the API's JSON error: 502, 503 and 504 mostly ("Error 502 (Server Error)!!1 ...
That's an error. The server encountered a temporary error and could not complete your
request. Please try again in 30 seconds.", as Google's FCM docs show it under "Bad gateway"),
sometimes 429 and 500.

gspread reads an error's body as JSON, and its versions differ on a body that is not: 6.1.0 to
6.1.2 raise ``JSONDecodeError`` out of ``APIError``, later ones make an APIError with code -1
and the whole page as its message. So the transport turns such a page into the error body the
API would have sent, with the real status, before any client sees it: every gspread version
then raises the same APIError and syncer says the same thing.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests

_TITLE = re.compile(r"<title>(.*?)(?:!!1)?</title>", re.IGNORECASE | re.DOTALL)
#: google.rpc.Code names, as the API's own error bodies carry them.
_STATUS_NAMES = {
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def is_error_page(response: requests.Response) -> bool:
    """An error answered with an HTML page rather than the API's JSON."""
    kind = response.headers.get("Content-Type", "").lower()
    return response.status_code >= 400 and "html" in kind


def page_title(response: requests.Response) -> str:
    found = _TITLE.search(response.text or "")
    return " ".join(found[1].split()) if found else ""


def as_api_error(response: requests.Response) -> requests.Response:
    """``response`` with an HTML error page replaced by the JSON error body of its API (an
    OAuth error for the token endpoint); any other response as it is."""
    if not is_error_page(response):
        return response
    status = response.status_code
    title = page_title(response)
    message = f"Google's front end answered HTTP {status} with an error page" + (
        f" ({title})" if title else ""
    )
    if urlsplit(response.url or "").path.endswith("/token"):
        body: dict[str, object] = {"error": "temporarily_unavailable", "error_description": message}
    else:
        error = {"code": status, "message": message, "status": _STATUS_NAMES.get(status, "UNKNOWN")}
        body = {"error": error}
    response._content = json.dumps(body).encode("utf-8")
    response.headers["Content-Type"] = "application/json; charset=UTF-8"
    response.encoding = "utf-8"
    return response
