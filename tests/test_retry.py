"""RetryingAdapter against the in-process emulator with scripted faults."""

from __future__ import annotations

import email.utils
import logging
import random
from collections.abc import Callable
from typing import Any

import gspread
import pytest
import requests
from requests.adapters import BaseAdapter

from syncer.emulator import new_emulator
from syncer.emulator.core import Emulator
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.sheets import SheetsService
from syncer.emulator.transport import EmulatorAdapter, read_timeout
from syncer.google.retry import (
    DEFAULT_TIMEOUT,
    IDEMPOTENT_HEADER,
    RetryingAdapter,
    RetryPolicy,
    mount_retrying,
    parse_retry_after,
)

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
SEED = 7


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class World:
    """An emulator with one spreadsheet, faults, and a session whose transport retries."""

    def __init__(
        self,
        wrap: Callable[[BaseAdapter], BaseAdapter] = lambda adapter: adapter,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.emulator: Emulator = new_emulator()
        self.sheets = SheetsService.install(self.emulator)
        self.faults = FaultInjector.install(self.emulator)
        self.id = self.sheets.create_spreadsheet("Tracker", {"Sheet1": [["Company", "Stage"]]})
        self.sleep = FakeSleep()
        self.adapter = RetryingAdapter(
            wrap(EmulatorAdapter(self.emulator)),
            policy or RetryPolicy(),
            sleep=self.sleep,
            rng=random.Random(SEED),
        )
        self.session = requests.Session()
        self.session.mount("https://", self.adapter)

    @property
    def url(self) -> str:
        return f"{SHEETS}/{self.id}"

    def get_values(self) -> requests.Response:
        return self.session.get(f"{self.url}/values/Sheet1!A1:B3")

    def grid(self) -> list[list[Any]]:
        return self.sheets.grid(self.id, "Sheet1")

    def methods_seen(self) -> list[str]:
        return [entry["method"] + " " + entry["path"] for entry in self.emulator.log]


@pytest.fixture
def world() -> World:
    return World()


def expected_backoff(tries: int) -> list[float]:
    rng = random.Random(SEED)
    return [rng.uniform(0, min(64.0, 1.0 * 2**attempt)) for attempt in range(tries)]


def test_429_three_times_then_ok(world: World) -> None:
    world.faults.inject(Fault.error(429, times=3), route="values.get")
    response = world.get_values()
    assert response.status_code == 200
    assert response.json()["values"] == [["Company", "Stage"]]
    assert world.adapter.counters() == {"tries": 4, "retries": 3, "gave_up": 0}
    assert world.sleep.delays == pytest.approx(expected_backoff(3))
    assert all(0 <= d <= 2**n for n, d in enumerate(world.sleep.delays))


def test_503_forever_gives_up_after_max_tries_and_the_caller_sees_503(world: World) -> None:
    world.faults.inject(Fault.error(503, times=None), route="values.get")
    response = world.get_values()
    assert response.status_code == 503
    assert response.json()["error"]["status"] == "UNAVAILABLE"
    assert world.adapter.counters() == {"tries": 6, "retries": 5, "gave_up": 1}
    assert len(world.emulator.log) == 6
    assert world.sleep.delays == pytest.approx(expected_backoff(5))


def test_the_delay_never_exceeds_the_cap() -> None:
    world = World(policy=RetryPolicy(base=1, cap=3, max_tries=8))
    world.faults.inject(Fault.error(500, times=None), route="values.get")
    assert world.get_values().status_code == 500
    assert len(world.sleep.delays) == 7
    assert max(world.sleep.delays) <= 3
    assert max(world.sleep.delays[2:]) > 1  # past attempt 1 the range is capped at 3, not 2**n


@pytest.mark.parametrize("status", [400, 401, 404, 409])
def test_other_4xx_are_not_retried(world: World, status: int) -> None:
    world.faults.inject(Fault.error(status), route="values.get")
    assert world.get_values().status_code == status
    assert world.adapter.counters() == {"tries": 1, "retries": 0, "gave_up": 0}
    assert world.sleep.delays == []


def test_403_rate_limit_is_retried(world: World) -> None:
    world.faults.inject(Fault.error(403, times=2), route="values.get")  # rateLimitExceeded
    assert world.get_values().status_code == 200
    assert world.adapter.retries == 2


def test_403_user_rate_limit_in_a_custom_body_is_retried(world: World) -> None:
    body = {"error": {"code": 403, "errors": [{"reason": "userRateLimitExceeded"}]}}
    world.faults.inject(Fault.error(403, body=body), route="values.get")
    assert world.get_values().status_code == 200
    assert world.adapter.retries == 1


def test_403_permission_denied_is_not_retried(world: World) -> None:
    body = {"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}}
    world.faults.inject(Fault.error(403, body=body), route="values.get")
    response = world.get_values()
    assert response.status_code == 403
    assert world.adapter.counters() == {"tries": 1, "retries": 0, "gave_up": 0}


def set_retry_after(world: World, status: int, value: str) -> None:
    """Make the emulator's answers with ``status`` carry a Retry-After header."""

    def hook(request: Any, response: Any) -> None:
        if response.status == status:
            response.headers["Retry-After"] = value

    world.emulator.after.append(hook)


def test_retry_after_seconds_is_respected(world: World) -> None:
    world.faults.inject(Fault.error(429), route="values.get")
    set_retry_after(world, 429, "5")
    assert world.get_values().status_code == 200
    assert world.sleep.delays == [5.0]


def test_retry_after_beyond_the_cap_is_capped() -> None:
    world = World(policy=RetryPolicy(cap=2.0))
    world.faults.inject(Fault.error(503), route="values.get")
    set_retry_after(world, 503, "120")
    assert world.get_values().status_code == 200
    assert world.sleep.delays == [2.0]


def test_retry_after_as_an_http_date() -> None:
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(header, now) == pytest.approx(30)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert parse_retry_after("12", now) == 12
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_a_dropped_connection_is_retried(world: World) -> None:
    world.faults.inject(Fault.dropped(times=2), route="values.get")
    assert world.get_values().status_code == 200
    assert world.adapter.counters() == {"tries": 3, "retries": 2, "gave_up": 0}


def test_connection_drops_forever_raise_the_last_error(world: World) -> None:
    world.faults.inject(Fault.dropped(times=None), route="values.get")
    with pytest.raises(requests.exceptions.ConnectionError):
        world.get_values()
    assert world.adapter.counters() == {"tries": 6, "retries": 5, "gave_up": 1}


def structural_update(world: World, headers: dict[str, str] | None = None) -> requests.Response:
    body = {
        "requests": [
            {
                "repeatCell": {
                    "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        ]
    }
    return world.session.post(f"{world.url}:batchUpdate", json=body, headers=headers)


def test_spreadsheets_batch_update_is_not_retried_after_a_503(world: World) -> None:
    world.faults.inject(Fault.error(503), route="spreadsheets.batchUpdate")
    assert structural_update(world).status_code == 503
    assert world.adapter.counters() == {"tries": 1, "retries": 0, "gave_up": 0}


def test_a_caller_can_vouch_for_an_idempotent_batch_update(world: World) -> None:
    world.faults.inject(Fault.error(503), route="spreadsheets.batchUpdate")
    seen: list[dict[str, str]] = []
    world.emulator.after.append(lambda request, response: seen.append(request.headers))
    response = structural_update(world, {IDEMPOTENT_HEADER: "1"})
    assert response.status_code == 200
    assert world.adapter.retries == 1
    assert all(IDEMPOTENT_HEADER.lower() not in headers for headers in seen)  # not sent on


def test_values_append_is_not_retried_after_apply_then_fail(world: World) -> None:
    world.faults.inject(Fault.apply_then_fail(503), route="values.append")
    response = world.session.post(
        f"{world.url}/values/Sheet1!A1:append",
        params={"valueInputOption": "RAW"},
        json={"values": [["Acme", "applied"]]},
    )
    assert response.status_code == 503
    assert world.grid() == [["Company", "Stage"], ["Acme", "applied"]]  # appended once


def values_batch_update(world: World) -> requests.Response:
    body = {
        "valueInputOption": "RAW",
        "data": [{"range": "Sheet1!A2:B2", "values": [["Acme", "applied"]]}],
    }
    return world.session.post(f"{world.url}/values:batchUpdate", json=body)


def test_values_batch_update_applied_then_dropped_is_retried_once_in_effect(world: World) -> None:
    world.faults.inject(Fault.apply_then_drop(), route="values.batchUpdate")
    assert values_batch_update(world).status_code == 200
    assert world.adapter.retries == 1
    assert world.methods_seen().count(f"POST /v4/spreadsheets/{world.id}/values:batchUpdate") == 2
    assert world.grid() == [["Company", "Stage"], ["Acme", "applied"]]


class TimesOutAfterSending(BaseAdapter):
    """Delivers the first ``count`` requests, then raises ReadTimeout instead of the answer."""

    def __init__(self, inner: BaseAdapter, count: int) -> None:
        super().__init__()
        self.inner = inner
        self.count = count
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        response = self.inner.send(request, **kwargs)
        if self.count > 0:
            self.count -= 1
            raise requests.exceptions.ReadTimeout("read timed out", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def times_out_once(adapter: BaseAdapter) -> BaseAdapter:
    return TimesOutAfterSending(adapter, 1)


def test_values_batch_update_that_timed_out_after_applying_is_retried_without_duplicates() -> None:
    world = World(wrap=times_out_once)
    assert values_batch_update(world).status_code == 200
    assert world.adapter.retries == 1
    assert world.methods_seen().count(f"POST /v4/spreadsheets/{world.id}/values:batchUpdate") == 2
    assert world.grid() == [["Company", "Stage"], ["Acme", "applied"]]


def test_a_timed_out_post_that_is_not_idempotent_is_not_retried() -> None:
    world = World(wrap=times_out_once)
    with pytest.raises(requests.exceptions.ReadTimeout):
        structural_update(world)
    assert world.adapter.counters() == {"tries": 1, "retries": 0, "gave_up": 0}


def test_a_connect_timeout_is_retried_whatever_the_method() -> None:
    class RefusesFirst(TimesOutAfterSending):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            if self.count > 0:
                self.count -= 1
                raise requests.exceptions.ConnectTimeout("connect timed out", request=request)
            return self.inner.send(request, **kwargs)

    world = World(wrap=lambda adapter: RefusesFirst(adapter, 2))
    assert structural_update(world).status_code == 200
    assert world.adapter.counters() == {"tries": 3, "retries": 2, "gave_up": 0}
    assert len(world.emulator.log) == 1


def test_default_timeout_only_when_the_caller_gave_none() -> None:
    inner: list[TimesOutAfterSending] = []

    def recording(adapter: BaseAdapter) -> BaseAdapter:
        inner.append(TimesOutAfterSending(adapter, 0))
        return inner[0]

    world = World(wrap=recording)
    world.get_values()
    world.session.get(f"{world.url}/values/Sheet1!A1", timeout=3)
    assert inner[0].timeouts == [DEFAULT_TIMEOUT, 3]


def test_each_retry_is_logged_without_the_query_string(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.faults.inject(Fault.error(429), route="values.get")
    with caplog.at_level(logging.INFO, logger="syncer.google.retry"):
        world.session.get(f"{world.url}/values/Sheet1!A1", params={"access_token": "s3cret"})
    (record,) = caplog.records
    message = record.getMessage()
    assert "GET" in message and "429" in message and "attempt 2 of 6" in message
    assert f"/v4/spreadsheets/{world.id}/values/Sheet1!A1" in message
    assert "s3cret" not in message and "access_token" not in message


def test_the_oauth_token_grant_is_retried(world: World) -> None:
    world.faults.inject(Fault.error(503), method="POST", path=r"^/token$")
    response = world.session.post("https://oauth2.googleapis.com/token", data={"a": "b"})
    assert response.status_code != 503  # the second try reached the token service
    assert world.adapter.counters() == {"tries": 2, "retries": 1, "gave_up": 0}
    assert [entry["path"] for entry in world.emulator.log] == ["/token", "/token"]


def test_gspread_through_a_retrying_session_survives_429s() -> None:
    emulator = new_emulator()
    sheets = SheetsService.install(emulator)
    faults = FaultInjector.install(emulator)
    key = sheets.create_spreadsheet("Tracker", {"Sheet1": [["Company", "Stage"], ["Acme", "x"]]})
    faults.inject(Fault.error(429, times=2), route="spreadsheets.get")
    faults.inject(Fault.error(429, times=2), route="values.get")
    session = requests.Session()
    session.mount("https://", EmulatorAdapter(emulator))
    sleep = FakeSleep()
    adapter = mount_retrying(session, sleep=sleep, rng=random.Random(SEED))
    client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    worksheet = client.open_by_key(key).sheet1
    assert worksheet.get_all_values() == [["Company", "Stage"], ["Acme", "x"]]
    assert adapter.retries == 4 and adapter.gave_up == 0
    assert faults.pending() == 0
    assert len(sleep.delays) == 4


def test_a_reply_slower_than_the_read_timeout_is_a_read_timeout_after_the_server_applied_it() -> (
    None
):
    world = World()
    waits = FakeSleep()
    transport = EmulatorAdapter(world.emulator, sleep=waits)
    world.faults.inject(Fault.slow(300), route="values.batchUpdate")
    session = requests.Session()
    session.mount("https://", transport)
    body = {"valueInputOption": "RAW", "data": [{"range": "Sheet1!A2", "values": [["Acme"]]}]}
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(f"{world.url}/values:batchUpdate", json=body, timeout=(10, 200))
    assert waits.delays == [200.0]  # the client waited out its own timeout, not the reply
    assert world.grid() == [["Company", "Stage"], ["Acme"]]


def test_a_slow_reply_within_the_read_timeout_is_waited_for() -> None:
    world = World()
    waits = FakeSleep()
    world.adapter.inner = EmulatorAdapter(world.emulator, sleep=waits)
    world.faults.inject(Fault.slow(150), route="values.get")
    assert world.get_values().status_code == 200
    assert waits.delays == [150.0]
    assert world.adapter.retries == 0


def test_a_timed_out_idempotent_write_is_resent_and_applied_once() -> None:
    world = World()
    waits = FakeSleep()
    world.adapter.inner = EmulatorAdapter(world.emulator, sleep=waits)
    world.faults.inject(Fault.slow(300), route="values.batchUpdate")
    assert values_batch_update(world).status_code == 200  # no timeout given: DEFAULT_TIMEOUT
    assert waits.delays == [DEFAULT_TIMEOUT[1]]
    assert world.adapter.counters() == {"tries": 2, "retries": 1, "gave_up": 0}
    assert world.grid() == [["Company", "Stage"], ["Acme", "applied"]]


def test_a_timed_out_structural_update_is_applied_and_not_resent() -> None:
    world = World()
    world.adapter.inner = EmulatorAdapter(world.emulator, sleep=FakeSleep())
    world.faults.inject(Fault.slow(300), route="spreadsheets.batchUpdate")
    with pytest.raises(requests.exceptions.ReadTimeout):
        structural_update(world)
    assert world.adapter.counters() == {"tries": 1, "retries": 0, "gave_up": 0}
    assert len(world.emulator.log) == 1
    assert world.sheets.cell(world.id, "Sheet1", "A1")["userEnteredFormat"]["textFormat"]["bold"]


@pytest.mark.parametrize(
    ("timeout", "read"), [((10, 200), 200.0), (3, 3.0), (2.5, 2.5), (None, None), ((5,), None)]
)
def test_the_read_part_of_a_timeout(timeout: Any, read: float | None) -> None:
    assert read_timeout(timeout) == read
