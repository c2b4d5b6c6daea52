"""The client-side rate limiter as production mounts it: inside the retries, one budget per
account and project, set from the config's [quotas]."""

from __future__ import annotations

import json
import os
from pathlib import Path

from google.auth.credentials import AnonymousCredentials

from syncer.config import Quotas, load_config
from syncer.emulator.faults import Fault, FaultInjector
from syncer.emulator.oauth import make_service_account_key
from syncer.google.retry import RetryingAdapter, RetryPolicy
from syncer.google.session import google_session
from syncer.ratelimit import RateLimitedAdapter, limiter_for, request_kind
from syncer.sync import sync_tracker
from tests.google.conftest import OPTIONS, Google, example_rows, sheet_config

SHEETS = "https://sheets.googleapis.com/"
EMAIL = "coach-bot@coaching-7.iam.gserviceaccount.com"


def carriers(session: object) -> tuple[RetryingAdapter, object]:
    retrying = session.get_adapter(SHEETS)  # type: ignore[attr-defined]
    assert isinstance(retrying, RetryingAdapter)
    return retrying, retrying.inner


def test_configured_quotas_put_the_limiter_inside_the_retries(google: Google) -> None:
    quotas = Quotas(601, 602, 603, 604)
    session = google_session(
        sheet_config("k", quotas=quotas),
        scopes=(),
        transport=google.transport,
        credentials=AnonymousCredentials(),
    )
    _, inner = carriers(session)
    assert isinstance(inner, RateLimitedAdapter)
    assert inner.limiter is limiter_for(quotas)


def test_an_emulator_without_configured_quotas_is_not_limited(google: Google) -> None:
    session = google_session(
        sheet_config("k"), scopes=(), transport=google.transport, credentials=AnonymousCredentials()
    )
    _, inner = carriers(session)
    assert not isinstance(inner, RateLimitedAdapter)


def test_google_itself_gets_the_published_quotas_by_default(monkeypatch: object) -> None:
    session = google_session(sheet_config("k"), scopes=(), credentials=AnonymousCredentials())
    _, inner = carriers(session)
    assert isinstance(inner, RateLimitedAdapter)
    assert inner.limiter is limiter_for(Quotas())
    assert inner.limiter.quotas.read_per_minute_per_user == 60


def test_every_sheets_request_of_a_sync_and_every_retry_is_metered_as_its_account(
    google: Google, tmp_path: Path
) -> None:
    info, _ = make_service_account_key(EMAIL, "coaching-7")
    google.oauth.register_key_info(info)
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(key_file, 0o600)
    key = google.sheets.create_spreadsheet("C", {"Applications": example_rows()}, owner="c@x.org")
    google.sheets.share(key, EMAIL)
    faults = FaultInjector.install(google.emulator)
    faults.inject(Fault.error(503, times=1), method="GET")
    quotas = Quotas(611, 612, 613, 614)  # a limiter of this test's own
    config = sheet_config(key, credentials=key_file, quotas=quotas)
    opener = google.opener()

    def retrying_opener(config: object) -> object:
        backend = opener(config)  # type: ignore[arg-type]
        retrying, _ = carriers(backend.session)  # type: ignore[attr-defined]
        retrying.policy = RetryPolicy(base=0.0, cap=0.0, max_tries=3)
        return backend

    result, _ = sync_tracker(config, OPTIONS, opener=retrying_opener)  # type: ignore[arg-type]
    assert result.failed is None, result.failed

    limiter = limiter_for(quotas)
    sent = [e for e in google.emulator.log if request_kind(e["method"], e["path"])]
    reads = [e for e in sent if request_kind(e["method"], e["path"]) == "read"]
    assert any(e["status"] == 503 for e in reads), "the injected failure was retried"
    assert limiter.granted == {"read": len(reads), "write": len(sent) - len(reads)}
    buckets = {key[:3] for key in limiter._buckets}
    assert ("user", "coaching-7", EMAIL) in buckets


def test_the_configs_quotas_reach_every_tracker_and_command_line_sources(tmp_path: Path) -> None:
    path = tmp_path / "coach.toml"
    path.write_text(
        '[quotas]\nread_per_minute_per_user = 30\n\n[[trackers]]\nsource = "a.csv"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.trackers[0].quotas == Quotas(read_per_minute_per_user=30)
    assert config.configured_quotas == config.trackers[0].quotas
    path.write_text('[[trackers]]\nsource = "a.csv"\n', encoding="utf-8")
    assert load_config(path).trackers[0].quotas is None
