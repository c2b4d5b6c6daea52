"""Google's answers as messages that say what went wrong and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import google.auth.exceptions
import requests
from gspread.exceptions import APIError

from syncer.errors import (
    AccessError,
    NotFoundError,
    QuotaError,
    ServiceDisabledError,
    TrackerError,
)
from syncer.google.auth import CredentialsError, sign_in_again
from syncer.google.retry import RetryPolicy, is_rate_limit_403

#: What Google's refusal of a write into a protected range says.
PROTECTED = "protected cell or object"


def sheets_error(source: str, error: Exception, account: str | None, what: str) -> TrackerError:
    """A TrackerError that says what went wrong and what to do about it."""
    if isinstance(error, google.auth.exceptions.RefreshError):
        reason = error.args[0] if error.args and isinstance(error.args[0], str) else "refused"
        if reason.startswith("temporarily_unavailable") or "<html" in reason.lower():
            return TrackerError(
                source, f"Google's sign-in service is not answering ({reason}); try again later"
            )
        if reason.startswith("invalid_grant") and "JWT" not in reason:
            return sign_in_again(source, reason)  # a user's refresh token: expired or revoked
        return CredentialsError(source, f"Google refused the credentials ({reason})")
    if isinstance(error, requests.exceptions.RequestException):
        return TrackerError(
            source, f"could not reach Google while {what} ({type(error).__name__}); try again later"
        )
    assert isinstance(error, APIError)
    status, message = error.code, str(error.error.get("message", ""))
    if status == -1:  # gspread could not read the body as JSON (a page from a proxy)
        status, message = error.response.status_code, "an error page, not the API's answer"
    who = account or "the signed-in Google account"
    if PROTECTED in message.lower():
        # Google answers a write into a protected range with 400 INVALID_ARGUMENT ("You are
        # trying to edit a protected cell or object..."), not 403.
        return AccessError(
            source,
            f"a protected range or sheet blocks syncer's columns (HTTP {status}, protected "
            f"range: {message}); ask the owner to let {who} edit them (Data > Protect sheets "
            "and ranges)",
        )
    if status == 403 and is_rate_limit_403(error.response):
        return QuotaError(
            source, f"Google slowed syncer down (HTTP 403, rate limit) while {what}; try later"
        )
    if status == 403 and _is_service_disabled(error.error):
        return ServiceDisabledError(
            source,
            f"the API is not enabled in the Cloud project of {who} (HTTP 403): {message}",
        )
    if status == 403:
        if "scope" in message.lower():
            return AccessError(source, f"{message} (the credentials lack a scope: sign in again)")
        return AccessError(
            source,
            f"{who} may not edit this spreadsheet (HTTP 403); share the sheet with {who} as Editor",
        )
    if status == 404:
        return NotFoundError(
            source, "no spreadsheet with this key (HTTP 404): check the URL, or was it deleted?"
        )
    if status == 401:
        return CredentialsError(source, f"Google refused the credentials (HTTP 401): {message}")
    if status == 429:
        return QuotaError(
            source, f"Google Sheets answered HTTP 429 while {what}, after retries: {message}"
        )
    if status >= 500:
        return TrackerError(
            source,
            f"Google Sheets answered HTTP {status} while {what}, after retries: {message}; "
            "try again later",
        )
    return TrackerError(source, f"Google Sheets refused the request while {what}: {message}")


def _is_service_disabled(error: Mapping[str, Any]) -> bool:
    """Google's "API has not been used in project N before or it is disabled" 403: reason
    SERVICE_DISABLED in its details, accessNotConfigured in its errors (burnash/gspread#1286)."""
    entries = [*(error.get("errors") or []), *(error.get("details") or [])]
    reasons = {entry.get("reason") for entry in entries if isinstance(entry, dict)}
    return bool(reasons & {"SERVICE_DISABLED", "accessNotConfigured"})


#: Tries of the first run's structure batchUpdate (see ``SheetsBackend._structure``): as many
#: as the retrying transport gives an idempotent request.
STRUCTURE_TRIES = RetryPolicy().max_tries
#: Answers after which a request may or may not have been applied, and may pass if sent again.
PASSING_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def may_pass(error: APIError | requests.exceptions.RequestException) -> bool:
    """A failure after which the request may or may not have been applied, and may pass if
    sent again: no answer, a 408/429/5xx, or a rate-limit 403."""
    if not isinstance(error, APIError):
        return True
    return error.code in PASSING_STATUSES or is_rate_limit_403(error.response)
