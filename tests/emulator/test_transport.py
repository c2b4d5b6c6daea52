"""The in-process requests adapter and the forwarding adapter."""

from __future__ import annotations

import time

import pytest
import requests

from syncer.emulator import ForwardingAdapter, emulator_session
from syncer.emulator.core import Emulator, Request, Response


def test_response_fields(emulator: Emulator) -> None:
    reply = emulator_session(emulator).get("https://sheets.googleapis.com/v4/spreadsheets/none")
    assert reply.status_code == 404
    assert reply.reason == "Not Found"
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.url.endswith("/v4/spreadsheets/none")
    assert reply.json()["error"]["message"] == "Requested entity was not found."


def test_drop_and_delay(emulator: Emulator) -> None:
    faults: list[Response] = [Response(503, drop=True), Response(200, {"ok": 1}, delay=0.05)]
    emulator.before.append(lambda request: faults.pop(0) if faults else None)
    session = emulator_session(emulator)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get("http://emulator.invalid/anything")
    started = time.monotonic()
    assert session.get("http://emulator.invalid/anything").json() == {"ok": 1}
    assert time.monotonic() - started >= 0.05


def test_request_translation(emulator: Emulator) -> None:
    seen: list[Request] = []
    emulator.before.append(lambda request: seen.append(request) or Response(204))
    emulator_session(emulator).post(
        "https://www.googleapis.com/drive/v3/files?q=name+%3D+%27a+b%27&x=1&x=2",
        json={"name": "n"},
    )
    assert seen[0].method == "POST"
    assert seen[0].path == "/drive/v3/files"
    assert seen[0].query == {"q": ["name = 'a b'"], "x": ["1", "2"]}
    assert seen[0].json() == {"name": "n"}


def test_forwarding_adapter_rewrites_the_host() -> None:
    captured: list[str] = []

    class Recording(ForwardingAdapter):
        def build_response(self, req: requests.PreparedRequest, resp: object) -> requests.Response:
            raise AssertionError("not reached")

    adapter = Recording("http://127.0.0.1:9")
    original_send = requests.adapters.HTTPAdapter.send

    def fake_send(self: object, request: requests.PreparedRequest, **kwargs: object) -> None:
        captured.append(request.url or "")
        raise requests.exceptions.ConnectionError("stop")

    requests.adapters.HTTPAdapter.send = fake_send  # type: ignore[method-assign]
    try:
        session = requests.Session()
        session.mount("https://sheets.googleapis.com/", adapter)
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get("https://sheets.googleapis.com/v4/spreadsheets/x?fields=a")
    finally:
        requests.adapters.HTTPAdapter.send = original_send  # type: ignore[method-assign]
    assert captured == ["http://127.0.0.1:9/v4/spreadsheets/x?fields=a"]
