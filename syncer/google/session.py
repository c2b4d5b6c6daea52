"""The authorised HTTP session every Google call goes through (gspread's, the Docs calls').

One transport per run, chosen once: the in-process emulator (tests), a loopback emulator server
(``SYNCER_GOOGLE_ENDPOINT``, demos and end-to-end tests), or Google over HTTPS. It is wrapped in
the retrying adapter, and the OAuth token refresh goes through the very same adapters, so a
token exchange is emulated, retried and timed out like any other call.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from requests.adapters import BaseAdapter, HTTPAdapter

from syncer.config import Quotas, TrackerConfig
from syncer.google.auth import SignIn, account_email, browser_sign_in, load_credentials
from syncer.google.endpoints import GOOGLE_HOSTS, ForwardingAdapter
from syncer.google.retry import RetryingAdapter, RetryPolicy
from syncer.ratelimit import RateLimitedAdapter, limiter_for

ENDPOINT_ENV = "SYNCER_GOOGLE_ENDPOINT"
#: (connect, read) seconds. Google gives up on a request after 180 s; we wait a little longer.
REQUEST_TIMEOUT = (10.0, 200.0)


class TimedSession(AuthorizedSession):
    """An AuthorizedSession that never waits forever: gspread passes ``timeout=None``."""

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: Any = None,
        max_allowed_time: float | None = None,
        timeout: Any = REQUEST_TIMEOUT,
        **kwargs: Any,
    ) -> requests.Response:
        return super().request(
            method,
            url,
            data=data,
            headers=headers,
            max_allowed_time=max_allowed_time,
            timeout=timeout or REQUEST_TIMEOUT,
            **kwargs,
        )


def endpoint() -> str | None:
    """The loopback emulator server to use instead of Google, when one is configured."""
    value = os.environ.get(ENDPOINT_ENV, "").strip()
    return value.rstrip("/") or None


def network_adapter(transport: BaseAdapter | None) -> BaseAdapter:
    """The adapter that carries Google calls: the one given (the way gspread takes an HTTP
    client; tests give the emulator's), a loopback endpoint, or HTTPS."""
    server = endpoint()
    if transport is not None:
        return transport
    if server is not None:
        return ForwardingAdapter(server)
    return HTTPAdapter()


def quota_identity(credentials: Credentials) -> tuple[str, str]:
    """(user, project) as Google meters them: the account, and the project that pays quota.

    Unknown parts fall back to one shared name, so unknown accounts share one (strict) budget.
    """
    user = account_email(credentials) or getattr(credentials, "client_id", None) or "default"
    project = (
        getattr(credentials, "quota_project_id", None)
        or getattr(credentials, "project_id", None)
        or "default"
    )
    return str(user), str(project)


def mount(session: requests.Session, adapter: BaseAdapter) -> None:
    for host in GOOGLE_HOSTS:
        session.mount(f"https://{host}/", adapter)
    server = endpoint()
    if server is not None:
        session.mount(server + "/", adapter)


def google_session(
    config: TrackerConfig,
    *,
    scopes: Sequence[str],
    transport: BaseAdapter | None = None,
    credentials: Credentials | None = None,
    retry_policy: RetryPolicy | None = None,
    interactive: bool | None = None,
    sign_in: SignIn = browser_sign_in,
) -> AuthorizedSession:
    """An authorised session for one tracker; the token refresh uses the same transport.

    Sheets requests wait for the run's rate limiter (one budget per account and per project
    across every tracker in the process): ``config.quotas``, else Google's published quotas when
    the calls go to Google (a given transport or endpoint has no quota unless the config sets
    one). The limiter
    sits inside the retries, so each retry is metered too.
    """
    network = network_adapter(transport)
    refresh_session = requests.Session()
    mount(refresh_session, RetryingAdapter(network, policy=retry_policy))
    auth_request = AuthRequest(session=refresh_session)
    server = endpoint()
    if credentials is None:
        credentials = load_credentials(
            config,
            scopes,
            auth_request,
            token_uri=f"{server}/token" if server else None,
            allow_anonymous=server is not None or transport is not None,
            interactive=interactive,
            sign_in=sign_in,
        )
    quotas = config.quotas
    if quotas is None and transport is None and server is None:
        quotas = Quotas()
    carrier = network
    if quotas is not None:
        user, project = quota_identity(credentials)
        carrier = RateLimitedAdapter(network, limiter_for(quotas), user, project)
    session = TimedSession(credentials, auth_request=auth_request)
    mount(session, RetryingAdapter(carrier, policy=retry_policy))
    return session
