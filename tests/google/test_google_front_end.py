"""Google's front end answers some failures with an HTML page (502/503/504), and quotas with 429
with or without Retry-After (the emulator's ``Fault.page`` and ``Fault.quota``). syncer retries
them as it retries the API's own errors and, when the tries run out, says the same clear thing
on every gspread version CI runs (see .ci/run: a second run of tests/google on gspread 6.1)."""

from __future__ import annotations

import gspread
import pytest
import requests

from syncer.emulator.faults import Fault, FaultInjector
from syncer.google.backend import open_sheet
from syncer.google.retry import RetryingAdapter, RetryPolicy
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, sheet_config

SIX_QUICK_TRIES = RetryPolicy(base=0.0, cap=0.0, max_tries=6)


def test_gspread_version_under_test_is_reported() -> None:
    assert gspread.__version__.startswith("6.")


@pytest.mark.parametrize(
    ("status", "title"),
    [(502, "Server Error"), (503, "Service Unavailable"), (504, "Gateway Timeout")],
)
def test_an_html_error_page_after_every_try_gives_one_clear_message(
    google: Google, example_sheet: str, status: int, title: str
) -> None:
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.page(status, times=None), method="GET")
    result, _ = sync_tracker(
        sheet_config(example_sheet),
        OPTIONS,
        opener=lambda config: open_sheet(
            config, transport=google.transport, retry_policy=SIX_QUICK_TRIES
        ),
    )
    assert result.failed is not None
    message = result.failed.removeprefix(sheet_config(example_sheet).source + ": ")
    assert message == (
        f"Google Sheets answered HTTP {status} while reading, after retries: Google's front end "
        f"answered HTTP {status} with an error page (Error {status} ({title})); try again later"
    )
    assert "<html" not in result.failed
    assert faults.injected[f"{status}_html"] == SIX_QUICK_TRIES.max_tries, "every try was made"


def test_an_html_error_page_then_an_answer_syncs(google: Google, example_sheet: str) -> None:
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.page(502, times=2), route="values.batchGet")
    result, _ = sync_tracker(
        sheet_config(example_sheet),
        OPTIONS,
        opener=lambda config: open_sheet(
            config, transport=google.transport, retry_policy=SIX_QUICK_TRIES
        ),
    )
    assert result.failed is None, result.failed
    assert result.cells_written > 0


def retrying(google: Google, waits: list[float]) -> requests.Session:
    session = requests.Session()
    adapter = RetryingAdapter(google.transport, policy=RetryPolicy(), sleep=waits.append)
    session.mount("https://", adapter)
    return session


def test_a_429_with_retry_after_waits_that_long(google: Google, example_sheet: str) -> None:
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.quota(retry_after="7"), Fault.quota(retry_after="120"), method="GET")
    waits: list[float] = []
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{example_sheet}/values/A1"
    assert retrying(google, waits).get(url).status_code == 200
    assert waits == [7.0, RetryPolicy().cap], "Retry-After is honoured, never beyond the cap"


def test_a_429_without_retry_after_backs_off_with_jitter(
    google: Google, example_sheet: str
) -> None:
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.quota(times=3), method="GET")
    waits: list[float] = []
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{example_sheet}/values/A1"
    assert retrying(google, waits).get(url).status_code == 200
    assert len(waits) == 3
    assert all(0 <= wait <= 2**attempt for attempt, wait in enumerate(waits))


def test_an_html_429_page_is_read_as_the_quota_it_is(google: Google, example_sheet: str) -> None:
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.page(429, times=None), method="GET")
    waits: list[float] = []
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{example_sheet}/values/A1"
    reply = retrying(google, waits).get(url)
    assert len(waits) == RetryPolicy().max_tries - 1
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
