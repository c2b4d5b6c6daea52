"""Drafts in the person's Gmail and replies noticed, end to end: a local tracker, the real
google-auth OAuth user flow (the saved token refreshed through the emulated token endpoint) and
the Gmail emulator."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from syncer.config import TrackerConfig
from syncer.emulator.core import Emulator
from syncer.emulator.gmail import GmailService
from syncer.emulator.oauth import OAuthService
from syncer.emulator.transport import EmulatorAdapter
from syncer.google.auth import GMAIL_COMPOSE_SCOPE, GMAIL_METADATA_SCOPE, token_path
from syncer.google.gmail import open_gmail
from syncer.sync import RunOptions, sync_tracker
from tests.google.conftest import NO_RETRY
from tests.trackers import write_csv

EMAIL = "jo.seeker@example.com"
CLIENT_ID = "1234-emu.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-client-secret"
REFRESH_TOKEN = "1//refresh-token"
TODAY = date(2026, 11, 26)
OPTIONS = RunOptions(today=TODAY, now=datetime(2026, 11, 26, 6, 0))
HEADER = [
    "Company",
    "Position",
    "Stage",
    "Applied On",
    "Interview Date",
    "Contact Name",
    "Contact Email",
    "Preferred Channel",
    "Topics Discussed",
    "Last Contact",
]
ROWS = [
    ["Acme", "Analyst", "interviewed", "2026-11-10", "2026-11-25", "Ana Diaz", "ana@acme.example",
     "email", "the data platform", ""],
    ["Beta", "Engineer", "applied", "2026-11-10", "", "Bo Lee", "bo@beta.example", "phone", "", ""],
    ["Cato", "Designer", "applied", "2026-11-02", "", "Cy Roe", "cy@cato.example", "", "", ""],
]  # fmt: skip


class Mail:
    def __init__(self, tmp_path: Path) -> None:
        self.emulator = Emulator()
        self.oauth = OAuthService.install(self.emulator)
        self.gmail = GmailService.install(self.emulator, scopes_of=self.oauth.scopes_of)
        self.client_file = tmp_path / "client_secret.json"
        self.tracker = write_csv(tmp_path / "tracker.csv", HEADER, ROWS)

    def sign_in(self, *scopes: str) -> None:
        """What the one-time sign-in left: a client file and a saved (stale) token."""
        self.oauth.register_oauth_client(
            CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, EMAIL, scopes=scopes
        )
        installed = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "token_uri": "https://oauth2.googleapis.com/token"}  # fmt: skip
        self.client_file.write_text(json.dumps({"installed": installed}), encoding="utf-8")
        token = {**installed, "refresh_token": REFRESH_TOKEN, "token": "stale",
                 "expiry": "2000-01-01T00:00:00Z", "scopes": list(scopes)}  # fmt: skip
        token_path(self.client_file).write_text(json.dumps(token), encoding="utf-8")
        os.chmod(self.client_file, 0o600)
        os.chmod(token_path(self.client_file), 0o600)

    def config(self, **options: Any) -> TrackerConfig:
        return TrackerConfig(
            source=str(self.tracker),
            drafts="gmail",
            oauth_client=self.client_file,
            candidate_name="Jo Seeker",
            **options,
        )

    def sync(self, config: TrackerConfig, options: RunOptions = OPTIONS) -> Any:
        result, _ = sync_tracker(
            config,
            options,
            mailbox=lambda c: open_gmail(
                c, transport=EmulatorAdapter(self.emulator), retry_policy=NO_RETRY
            ),
        )
        return result

    def column(self, header: str) -> list[str]:
        with self.tracker.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        return [row[rows[0].index(header)] for row in rows[1:]]

    def gmail_calls(self, since: int = 0) -> list[str]:
        return [
            f"{e['method']} {e['path'].rsplit('/users/me/', 1)[-1]}"
            for e in self.emulator.log[since:]
            if e["path"].startswith("/gmail/")
        ]

    def drafts(self) -> dict[str, Any]:
        return self.gmail.mailbox(EMAIL).drafts


@pytest.fixture
def mail(tmp_path: Path) -> Mail:
    return Mail(tmp_path)


def test_each_due_email_row_gets_one_gmail_draft_and_its_cell_links_to_it(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE)
    result = mail.sync(mail.config())
    assert result.failed is None, result.failed
    assert len(mail.drafts()) == 2  # Acme's thank-you and Cato's follow-up; Beta is a phone row
    links = mail.column("Draft")
    assert links[0].startswith("https://mail.google.com/mail/u/0/#drafts?compose=")
    assert links[2].startswith("https://mail.google.com/mail/u/0/#drafts?compose=")
    assert "Bo" in links[1] and "mail.google.com" not in links[1]  # talking points, in the cell
    by_recipient = {
        m.header("To"): m for m in (mail.gmail.draft_message(EMAIL, d) for d in mail.drafts())
    }
    assert by_recipient.keys() == {"ana@acme.example", "cy@cato.example"}
    assert "thank" in by_recipient["ana@acme.example"].header("Subject").lower()
    assert "Designer" in by_recipient["cy@cato.example"].header("Subject")
    texts = [mail.gmail.draft_message(EMAIL, d).body_text() for d in mail.drafts()]
    assert any("the data platform" in text and "Jo Seeker" in text for text in texts)
    assert all("Subject:" not in text for text in texts)
    assert mail.gmail_calls() == ["GET drafts", "POST drafts", "POST drafts"]


def test_the_next_run_changes_nothing_and_a_new_detail_replaces_the_draft_in_place(
    mail: Mail,
) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE)
    mail.sync(mail.config())
    before = mail.tracker.read_bytes()
    drafts = dict(mail.drafts())
    mark = len(mail.emulator.log)
    assert mail.sync(mail.config()).cells_written == 0
    assert mail.gmail_calls(mark) == ["GET drafts"]
    assert mail.tracker.read_bytes() == before and mail.drafts() == drafts
    text = mail.tracker.read_text(encoding="utf-8").replace("the data platform", "the ML roadmap")
    mail.tracker.write_text(text, encoding="utf-8")
    mark = len(mail.emulator.log)
    mail.sync(mail.config())
    assert mail.gmail_calls(mark) == ["GET drafts", f"PUT drafts/{next(iter(drafts))}"]
    assert mail.drafts().keys() == drafts.keys()
    new_message = mail.drafts()[next(iter(drafts))]
    assert new_message != drafts[next(iter(drafts))]
    assert "the ML roadmap" in mail.gmail.draft_message(EMAIL, next(iter(drafts))).body_text()
    assert mail.column("Draft")[0].endswith(new_message)


def test_a_draft_the_person_edited_in_gmail_is_kept_and_reported_once(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE)
    mail.sync(mail.config())
    acme = next(iter(mail.drafts()))
    mail.gmail.edit_draft(EMAIL, acme, "Dear Ana, my own words. Jo")
    text = mail.tracker.read_text(encoding="utf-8").replace("the data platform", "the ML roadmap")
    mail.tracker.write_text(text, encoding="utf-8")
    first = mail.sync(mail.config())
    assert [c for c in first.conflicts if "edited in Gmail" in c]
    assert mail.gmail.draft_message(EMAIL, acme).body_text().strip() == "Dear Ana, my own words. Jo"
    assert mail.column("Draft")[0].endswith(mail.drafts()[acme])  # links to the person's draft
    second = mail.sync(mail.config())
    assert not [c for c in second.conflicts if "edited in Gmail" in c]
    assert mail.gmail.draft_message(EMAIL, acme).body_text().strip() == "Dear Ana, my own words. Jo"


def test_a_sent_draft_is_noticed_and_its_dates_proposed_never_written(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE, GMAIL_METADATA_SCOPE)
    config = mail.config(inbox=True)
    mail.sync(config)
    cato = next(
        d for d in mail.drafts() if "cy@cato" in mail.gmail.draft_message(EMAIL, d).header("To")
    )
    mail.gmail.send_draft(EMAIL, cato, sent_at=datetime(2026, 11, 26, 9, tzinfo=UTC).timestamp())
    mark = len(mail.emulator.log)
    result = mail.sync(config)
    assert any("was sent on 2026-11-26" in c for c in result.conflicts)
    assert "POST drafts" not in mail.gmail_calls(mark)  # not written again
    why = mail.column("Why")[2]
    assert (
        "syncer's draft was sent on 2026-11-26: set Last Contact to 2026-11-26, Follow-Ups Sent 1?"
        in why
    )
    assert mail.column("Last Contact")[2] == ""  # the person's column is theirs
    again = mail.sync(config)
    assert not any("was sent" in c for c in again.conflicts)  # reported once


def test_a_reply_from_the_contact_is_proposed_in_why(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE, GMAIL_METADATA_SCOPE)
    mail.gmail.add_message(
        EMAIL,
        sender="Ana Diaz <ana@acme.example>",
        to=EMAIL,
        subject="Next steps",
        sent_at=datetime(2026, 11, 25, 15, tzinfo=UTC).timestamp(),
    )
    result = mail.sync(mail.config(inbox=True))
    assert result.failed is None, result.failed
    assert (
        "Reply from ana@acme.example on 2026-11-25: set Last Response to 2026-11-25?"
        in (mail.column("Why")[0])
    )
    assert "Reply from" not in mail.column("Why")[2]


def test_with_threads_on_a_draft_replies_in_the_contacts_latest_thread(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE, GMAIL_METADATA_SCOPE)
    received = mail.gmail.add_message(
        EMAIL, sender="cy@cato.example", to=EMAIL, subject="Your application"
    )
    mail.sync(mail.config(gmail_threads=True))
    cato = next(
        mail.gmail.draft_message(EMAIL, d)
        for d in mail.drafts()
        if "cy@cato" in mail.gmail.draft_message(EMAIL, d).header("To")
    )
    assert cato.thread_id == received.thread_id
    assert cato.header("In-Reply-To") == received.header("Message-ID")
    assert cato.header("Subject") == "Re: Your application"


def test_least_scopes_and_no_metadata_means_no_reading(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE)
    mail.sync(mail.config())
    grants = [e for e in mail.emulator.log if e["path"] == "/token"]
    assert len(grants) == 1
    assert not [c for c in mail.gmail_calls() if "messages" in c or "threads" in c]
    cato = next(
        d for d in mail.drafts() if "cy@cato" in mail.gmail.draft_message(EMAIL, d).header("To")
    )
    mail.gmail.send_draft(EMAIL, cato)
    result = mail.sync(mail.config())
    assert any("no longer in your drafts (sent or deleted)" in c for c in result.conflicts)


def test_a_service_account_is_refused_with_what_to_do(mail: Mail, tmp_path: Path) -> None:
    from syncer.emulator.oauth import make_service_account_key

    key = tmp_path / "key.json"
    info, _pem = make_service_account_key("bot@proj.iam.gserviceaccount.com", "proj")
    mail.oauth.register_key_info(info)
    key.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(key, 0o600)
    config = TrackerConfig(source=str(mail.tracker), drafts="gmail", credentials=key)
    result = mail.sync(config)
    assert result.failed and "oauth_client" in result.failed and "service account" in result.failed
    assert not mail.gmail_calls()


def test_drafts_in_gmail_through_the_cli_and_the_loopback_server(
    mail: Mail, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from syncer.cli import cli
    from syncer.emulator.server import running

    mail.sign_in(GMAIL_COMPOSE_SCOPE, GMAIL_METADATA_SCOPE)
    config = tmp_path / "me.toml"
    config.write_text(
        '[defaults]\ndrafts = "gmail"\ninbox = true\noauth_client = "client_secret.json"\n'
        'candidate_name = "Jo Seeker"\n\n[[trackers]]\nsource = "tracker.csv"\n',
        encoding="utf-8",
    )
    with running(mail.emulator) as base_url:
        monkeypatch.setenv("SYNCER_GOOGLE_ENDPOINT", base_url)
        done = CliRunner().invoke(
            cli, ["sync", "--config", str(config), "--today", "2026-11-26", "--json"]
        )
    assert done.exit_code == 0, done.output
    assert len(mail.drafts()) == 2
    assert [e["status"] for e in mail.emulator.log if e["path"] == "/token"] == [200]
    assert mail.column("Draft")[0].startswith("https://mail.google.com/mail/u/0/#drafts?compose=")


def test_with_inbox_domain_a_colleague_of_the_contact_counts_as_a_reply(mail: Mail) -> None:
    mail.sign_in(GMAIL_COMPOSE_SCOPE, GMAIL_METADATA_SCOPE)
    mail.gmail.add_message(
        EMAIL,
        sender="Pat Recruiter <pat@acme.example>",
        to=EMAIL,
        subject="Scheduling",
        sent_at=datetime(2026, 11, 25, 15, tzinfo=UTC).timestamp(),
    )
    mail.sync(mail.config(inbox=True))
    assert "Reply from" not in mail.column("Why")[0]
    mail.sync(mail.config(inbox=True, inbox_domain=True))
    assert "Reply from pat@acme.example on 2026-11-25" in mail.column("Why")[0]
