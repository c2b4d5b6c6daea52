import json

import pytest

from syncer.emulator.core import Emulator, Request, Response
from syncer.emulator.faults import Fault, FaultInjector

VALUES_BATCH_UPDATE = "/v4/spreadsheets/s1/values:batchUpdate"
VALUES_GET = "/v4/spreadsheets/s1/values/A1"


class CellStore:
    """A stand-in service: one cell that batchUpdate writes and values.get reads."""

    def __init__(self, emulator: Emulator) -> None:
        self.value = "old"
        self.writes = 0
        emulator.router.add("POST", r"/v4/spreadsheets/[^/]+/values:batchUpdate", self.write)
        emulator.router.add("GET", r"/v4/spreadsheets/[^/]+/values/[^/]+", self.read)

    def write(self, request: Request, _match: object) -> Response:
        self.writes += 1
        self.value = request.json()["data"][0]["values"][0][0]
        return Response(200, {"totalUpdatedCells": 1})

    def read(self, request: Request, _match: object) -> Response:
        return Response(200, {"values": [[self.value]]})


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def store(emulator: Emulator) -> CellStore:
    return CellStore(emulator)


@pytest.fixture
def faults(emulator: Emulator, store: CellStore) -> FaultInjector:
    return FaultInjector.install(emulator)


def write(emulator: Emulator, value: str) -> Response:
    body = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [[value]]}]}
    return emulator.handle(Request("POST", VALUES_BATCH_UPDATE, body=json.dumps(body).encode()))


def read(emulator: Emulator) -> Response:
    return emulator.handle(Request("GET", VALUES_GET))


def test_a_queue_of_faults_by_route_name_then_normal_answers(emulator, store, faults):
    faults.inject(Fault.error(429), Fault.error(503, times=2), route="values.batchUpdate")
    statuses = [write(emulator, f"v{n}").status for n in range(4)]
    assert statuses == [429, 503, 503, 200]
    assert store.writes == 1 and store.value == "v3"
    assert read(emulator).status == 200  # another route is untouched
    assert faults.injected == {"429": 1, "503": 2}
    assert faults.pending() == 0


def test_default_bodies_are_googles_errors(emulator, faults):
    faults.inject(Fault.error(429), Fault.error(403), route="values.get")
    quota = read(emulator)
    assert quota.body["error"] == {
        "code": 429,
        "message": "Resource has been exhausted (e.g. check quota).",
        "status": "RESOURCE_EXHAUSTED",
    }
    limited = read(emulator)
    assert limited.body["error"]["status"] == "PERMISSION_DENIED"
    assert limited.body["error"]["errors"][0]["reason"] == "rateLimitExceeded"


def test_custom_body_delay_and_drop(emulator, faults):
    faults.inject(
        Fault(status=500, body={"error": {"code": 500, "message": "boom"}}),
        Fault.slow(0.25),
        Fault.dropped(),
        method="GET",
        path=r"/values/",
    )
    assert read(emulator).body == {"error": {"code": 500, "message": "boom"}}
    slow = read(emulator)
    assert (slow.status, slow.delay, slow.body) == (200, 0.25, {"values": [["old"]]})
    assert read(emulator).drop is True
    assert faults.injected == {"500": 1, "delay": 1, "drop": 1}


def test_apply_then_fail_writes_but_reports_failure(emulator, store, faults):
    faults.inject(Fault.apply_then_fail(), Fault.apply_then_drop(), route="values.batchUpdate")
    failed = write(emulator, "first")
    assert failed.status == 503
    assert store.value == "first"  # the write took effect although the client saw a 503
    dropped = write(emulator, "second")
    assert dropped.drop and store.value == "second"
    assert store.writes == 2
    assert faults.injected == {"apply_then_503": 1, "apply_then_drop": 1}


def test_apply_then_fail_still_runs_later_before_hooks(emulator, store, faults):
    emulator.before.append(lambda request: Response(401, {"error": "no"}))
    faults.inject(Fault.apply_then_fail(), route="values.batchUpdate")
    assert write(emulator, "x").status == 401
    assert store.writes == 0


def test_forever(emulator, faults):
    faults.inject(Fault.error(500, times=None), route="values.get")
    assert {read(emulator).status for _ in range(5)} == {500}
    assert faults.pending() == 1


def test_random_faults_are_reproducible_from_the_seed():
    def run(seed: int) -> list[int]:
        local = Emulator()
        CellStore(local)
        FaultInjector.install(local).random_faults(0.3, seed=seed)
        return [read(local).status for _ in range(200)]

    first, again = run(7), run(7)
    assert first == again
    failures = sum(status != 200 for status in first)
    assert 30 < failures < 90  # about 30 % of 200
    assert run(8) != first


def test_random_fault_counter(emulator, faults):
    faults.random_faults(1.0, seed=1, faults=(Fault.error(503),))
    for _ in range(3):
        assert read(emulator).status == 503
    assert faults.injected["random"] == 3 and faults.injected["503"] == 3


def test_hook_runs_between_two_requests(emulator, store, faults):
    def someone_edits(_emulator: Emulator) -> None:
        store.value = "typed by a person"

    faults.after_requests(someone_edits, nth=2, route="values.get")
    assert read(emulator).body == {"values": [["old"]]}
    assert read(emulator).body == {"values": [["old"]]}  # the hook runs after this answer
    assert read(emulator).body == {"values": [["typed by a person"]]}
    store.value = "old"
    for _ in range(3):
        read(emulator)
    assert store.value == "old"  # not repeated
    assert faults.hooks_run == 1


def test_repeating_hook(emulator, faults):
    seen: list[int] = []
    faults.after_requests(lambda emu: seen.append(len(emu.log)), nth=2, repeat=True)
    for _ in range(6):
        read(emulator)
    assert seen == [2, 4, 6]


class Killed(Exception):
    """Stands for the end of the client process (not an HTTP or a syncer error)."""


def test_killed_before_the_server_applies_the_request(emulator, store, faults):
    faults.inject(Fault.answered(), Fault.killed(Killed("k")), route="values.batchUpdate")
    assert write(emulator, "first").status == 200
    with pytest.raises(Killed):
        write(emulator, "second")
    assert store.value == "first" and store.writes == 1
    assert write(emulator, "third").status == 200
    assert faults.injected == {"delay": 1, "kill": 1}


def test_killed_after_the_server_applied_the_request(emulator, store, faults):
    faults.inject(Fault.killed(Killed("k"), applied=True), route="values.batchUpdate")
    with pytest.raises(Killed):
        write(emulator, "applied")
    assert store.value == "applied" and store.writes == 1
    assert faults.injected == {"apply_then_kill": 1}
    assert faults.pending() == 0


def test_a_front_end_page_is_html_as_google_serves_it(emulator: Emulator, store: CellStore) -> None:
    faults = FaultInjector.install(emulator)
    faults.inject(Fault.page(502), Fault.page(503, retry_after="30"), method="GET")
    first = emulator.handle(Request("GET", VALUES_GET))
    assert first.status == 502
    assert first.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = first.encoded().decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Error 502 (Server Error)!!1</title>" in page
    assert "That\u2019s an error." in page
    second = emulator.handle(Request("GET", VALUES_GET))
    assert (second.status, second.headers["Retry-After"]) == (503, "30")
    assert emulator.handle(Request("GET", VALUES_GET)).status == 200
    assert faults.injected == {"502_html": 1, "503_html": 1}


def test_a_quota_429_with_and_without_retry_after(emulator: Emulator, store: CellStore) -> None:
    faults = FaultInjector.install(emulator)
    faults.inject(Fault.quota(), Fault.quota(retry_after="5"), method="GET")
    plain = emulator.handle(Request("GET", VALUES_GET))
    assert plain.status == 429 and "Retry-After" not in plain.headers
    assert plain.body["error"]["status"] == "RESOURCE_EXHAUSTED"
    timed = emulator.handle(Request("GET", VALUES_GET))
    assert (timed.status, timed.headers["Retry-After"]) == (429, "5")
