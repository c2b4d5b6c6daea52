import pytest

from syncer.config import Quotas
from syncer.emulator.core import Emulator, Identity, Request, Response
from syncer.emulator.quotas import QuotaLimiter, project_number, request_kind

SHEET = "/v4/spreadsheets/s1"
ANN = Identity("ann@job-hunt.iam.gserviceaccount.com", "job-hunt")
BOB = Identity("bob@job-hunt.iam.gserviceaccount.com", "job-hunt")


class Clock:
    def __init__(self) -> None:
        self.now = 60.0 * 28_000_000  # the start of a minute

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator() -> Emulator:
    emulator = Emulator()
    ok = lambda request, match: Response(200, {})  # noqa: E731
    emulator.router.add("GET", r"/v4/spreadsheets/[^/]+(/values.*)?", ok)
    emulator.router.add("POST", r"/v4/spreadsheets/[^/]+(/values)?:\w+", ok)
    emulator.router.add("GET", r"/drive/v3/files", ok)
    emulator.identify = lambda request: ANN if request.headers.get("who") != "bob" else BOB
    return emulator


def get(emulator: Emulator, path: str = SHEET, who: str = "ann") -> Response:
    return emulator.handle(Request("GET", path, headers={"who": who}))


def post(emulator: Emulator, path: str = SHEET + ":batchUpdate", who: str = "ann") -> Response:
    return emulator.handle(Request("POST", path, headers={"who": who}, body=b"{}"))


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", SHEET, "read"),
        ("GET", SHEET + "/values:batchGet", "read"),
        ("POST", SHEET + "/values:batchGetByDataFilter", "read"),
        ("POST", SHEET + ":batchUpdate", "write"),
        ("PUT", SHEET + "/values/A1", "write"),
        ("POST", SHEET + "/values/A1:clear", "write"),
        ("GET", "/drive/v3/files", None),
    ],
)
def test_request_kind(method, path, kind):
    assert request_kind(Request(method, path)) == kind


def test_defaults_are_googles(emulator, clock):
    limiter = QuotaLimiter.install(emulator, clock=clock)
    assert [(limit.limit_id, limit.limit) for limit in limiter.limits["read"]] == [
        ("ReadRequestsPerMinutePerUser", 60),
        ("ReadRequestsPerMinute", 300),
    ]
    assert [limit.limit for limit in limiter.limits["write"]] == [60, 300]
    statuses = [get(emulator).status for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_per_user_limit_gives_googles_429_body(emulator, clock):
    QuotaLimiter.install(emulator, Quotas(read_per_minute_per_user=2), clock=clock)
    assert [get(emulator).status for _ in range(2)] == [200, 200]
    refused = get(emulator)
    assert refused.status == 429
    error = refused.body["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"] == (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per "
        "user' of service 'sheets.googleapis.com' for consumer "
        f"'project_number:{project_number('job-hunt')}'."
    )
    info = error["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "RATE_LIMIT_EXCEEDED"
    assert info["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerUser"
    assert info["metadata"]["quota_metric"] == "sheets.googleapis.com/read_requests"
    assert info["metadata"]["quota_limit_value"] == "2"
    # reads and writes are metered apart; another user has their own bucket
    assert post(emulator).status == 200
    assert get(emulator, who="bob").status == 200


def test_project_limit_spans_users(emulator, clock):
    limiter = QuotaLimiter.install(emulator, Quotas(write_per_minute_per_project=3), clock=clock)
    assert [post(emulator, who=w).status for w in ("ann", "bob", "ann")] == [200, 200, 200]
    refused = post(emulator, who="bob")
    assert refused.status == 429
    assert "limit 'Write requests per minute' of" in refused.body["error"]["message"]
    assert limiter.rejected == {(BOB.email, "WriteRequestsPerMinute"): 1}
    assert limiter.accepted == {(ANN.email, "write"): 2, (BOB.email, "write"): 1}


def test_buckets_refill_each_minute_and_refusals_cost_nothing(emulator, clock):
    limiter = QuotaLimiter.install(emulator, Quotas(read_per_minute_per_user=1), clock=clock)
    assert get(emulator).status == 200
    clock.now += 59
    assert get(emulator).status == 429
    assert limiter.usage(ANN, "read") == 1
    clock.now += 1  # a new minute
    assert limiter.usage(ANN, "read") == 0
    assert get(emulator).status == 200
    assert limiter.project_usage("job-hunt", "read") == 1


def test_a_batch_counts_once_and_drive_is_not_metered(emulator, clock):
    limiter = QuotaLimiter.install(emulator, Quotas(read_per_minute_per_user=1), clock=clock)
    assert get(emulator, SHEET + "/values:batchGet").status == 200
    assert limiter.usage(ANN, "read") == 1
    assert [get(emulator, "/drive/v3/files").status for _ in range(5)] == [200] * 5
