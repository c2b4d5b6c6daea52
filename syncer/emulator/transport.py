"""Transports that put the emulator behind ``requests``.

``EmulatorAdapter`` answers in-process (no socket); ``ForwardingAdapter`` rewrites Google URLs to
a loopback emulator server (``SYNCER_GOOGLE_ENDPOINT``).

The in-process adapter plays the network's part of a fault: a reply delayed beyond the caller's
read timeout becomes ``requests.exceptions.ReadTimeout`` (after waiting that timeout, as a real
client would), and the server has handled the request by then, as Google would have.
"""

from __future__ import annotations

import http
import io
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from syncer.emulator.core import GOOGLE_HOSTS, Emulator, Request, Response
from syncer.google.endpoints import ForwardingAdapter

EMULATOR_URL = "http://emulator.invalid"


def to_emulator_request(prepared: requests.PreparedRequest) -> Request:
    parts = urlsplit(prepared.url or "")
    body = prepared.body
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, bytes):
        data = body
    else:
        data = b"".join(
            chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in body
        )
    return Request(
        method=(prepared.method or "GET").upper(),
        path=parts.path or "/",
        query=parse_qs(parts.query, keep_blank_values=True),
        headers={k.lower(): v for k, v in prepared.headers.items()},
        body=data,
    )


def to_requests_response(reply: Response, prepared: requests.PreparedRequest) -> requests.Response:
    response = requests.Response()
    response.status_code = reply.status
    headers = reply.wire_headers()
    content = reply.encoded()
    response.headers = CaseInsensitiveDict(headers)
    response._content = content
    response.raw = io.BytesIO(content)
    response.encoding = "utf-8"
    response.url = prepared.url or ""
    response.request = prepared
    try:
        response.reason = http.HTTPStatus(reply.status).phrase
    except ValueError:
        response.reason = ""
    return response


def read_timeout(timeout: Any) -> float | None:
    """The read part of a ``requests`` timeout (a number or a (connect, read) pair); None when
    there is none, or when it comes in a form this emulator does not model."""
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        return None
    return float(timeout)


class EmulatorAdapter(BaseAdapter):
    """A ``requests`` adapter that sends every request to an in-process Emulator.

    ``sleep`` waits out a reply's delay (a benchmark may pass a scaled one).
    """

    def __init__(self, emulator: Emulator, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self.emulator = emulator
        self.sleep = sleep

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        reply = self.emulator.handle(to_emulator_request(request))
        limit = read_timeout(timeout)
        if limit is not None and reply.delay > limit:
            self.sleep(limit)
            raise requests.exceptions.ReadTimeout(
                f"the emulator's reply took {reply.delay:g} s, beyond the read timeout "
                f"({limit:g} s)",
                request=request,
            )
        if reply.delay:
            self.sleep(reply.delay)
        if reply.drop:
            raise requests.exceptions.ConnectionError(
                "Connection aborted: the emulator dropped the connection", request=request
            )
        return to_requests_response(reply, request)

    def close(self) -> None:
        """Nothing to release."""


class CountingAdapter(EmulatorAdapter):
    """An ``EmulatorAdapter`` that keeps each exchange: (method, URL, request body, reply body),
    for tests and benchmarks that measure what a sync sends and receives."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self.exchanges: list[tuple[str, str, bytes, bytes]] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        body = request.body or b""
        sent = body.encode() if isinstance(body, str) else bytes(body)
        self.exchanges.append((request.method or "", request.url or "", sent, response.content))
        return response


def mount_emulator(session: requests.Session, emulator: Emulator) -> EmulatorAdapter:
    """Route every Google host (and http://emulator.invalid) of ``session`` to ``emulator``."""
    adapter = EmulatorAdapter(emulator)
    for host in GOOGLE_HOSTS:
        session.mount(f"https://{host}/", adapter)
    session.mount(f"{EMULATOR_URL}/", adapter)
    return adapter


def emulator_session(emulator: Emulator) -> requests.Session:
    session = requests.Session()
    mount_emulator(session, emulator)
    return session


def mount_forwarding(session: requests.Session, endpoint: str) -> ForwardingAdapter:
    adapter = ForwardingAdapter(endpoint)
    for host in GOOGLE_HOSTS:
        session.mount(f"https://{host}/", adapter)
    return adapter
