"""Replays gspread's recorded Google traffic against the emulator and compares the answers.

Each cassette holds recording runs (a Drive create ... a Drive delete). Every recorded request is
sent to a fresh emulator with the recorded ids swapped for the ones the emulator assigned; the
emulator's status and JSON body must match the recording once run-specific values (ids, Drive
timestamps, lastUpdateTime) are normalised. Run ``python -m tests.emulator.test_conformance`` for
a per-cassette report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from syncer.emulator import new_emulator
from syncer.emulator.core import ANONYMOUS, Request

CASSETTES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gspread-cassettes"
RECORDING_ACCOUNT = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"

#: The only fields allowed to differ from the recording, each for a reason. Everything else in
#: a response (its status, its Content-Type, every key and value of its JSON body: update
#: counts, formatted values, reply shapes, error messages) must be exactly what Google sent.
#:
#: - ids Google assigns at random: they must have the recorded id's shape (an int, a string of
#:   digits such as a namedRangeId, whose length varies, or a Drive id of the recorded length),
#:   and one recorded id must map to one emulator id throughout a run, both ways;
ID_KEYS = {"id", "spreadsheetId", "sheetId", "namedRangeId", "protectedRangeId"}
#: - timestamps of the moment of recording: they must have the recorded RFC 3339 form;
TIME_KEYS = {"createdTime", "modifiedTime", "lastUpdateTime"}
#: - headers of Google's front end that no client reads (Date, Server, Alt-Svc, Vary, caching
#:   and browser-security headers, Content-Length/Transfer-Encoding, and the two ETags of Drive
#:   export downloads): only Content-Type, which clients do read, is compared.
COMPARED_HEADERS = ("content-type",)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

#: Cassettes the emulator cannot replay, and why. Everything else must conform.
NOT_REPLAYABLE = {
    "ClientTest.test_client_export_spreadsheet": "uses Drive files.export (not emulated)",
    "SpreadsheetTest.test_export_spreadsheet": "uses Drive files.export (not emulated)",
    "ClientTest.test_import_csv": "uses the Drive v2 upload endpoint (not emulated)",
    "ClientTest.test_access_private_spreadsheet": (
        "reads a spreadsheet that existed in the recording account before the run"
    ),
    "ClientTest.test_copy": "uses Drive comments (not emulated)",
    "WorksheetTest.test_auto_resize_columns": (
        "autoResizeDimensions measures rendered text; the emulator keeps widths"
    ),
    "ClientTest.test_openall": "lists files left in the recording account",
    "ClientTest.test_open_all_has_metadata": "lists files left in the recording account",
}


@dataclass
class Outcome:
    cassette: str
    interactions: int = 0
    conforming: int = 0
    first_difference: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return self.first_difference is None


class IdMap:
    """Recorded id -> emulator id, learned from the replies."""

    def __init__(self) -> None:
        # The recording's service account is the emulator's anonymous caller.
        self.ids: dict[Any, Any] = {RECORDING_ACCOUNT: ANONYMOUS.email}

    def learn(self, recorded: Any, actual: Any) -> bool:
        """Whether ``actual`` may stand for ``recorded``: same type (and length, for text), and
        a one-to-one mapping across the run."""
        if recorded in self.ids:
            return bool(self.ids[recorded] == actual)
        if _id_shape(recorded) != _id_shape(actual):
            return False
        if actual in self.ids.values():
            return False  # two recorded ids cannot be one emulator id
        self.ids[recorded] = actual
        return True

    def text(self, value: str) -> str:
        for recorded, actual in self.ids.items():
            if isinstance(recorded, str) and len(recorded) > 8:
                value = value.replace(recorded, str(actual))
        return value

    def body(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.body(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.body(v, key) for v in value]
        if key in ID_KEYS and value in self.ids:
            return self.ids[value]
        if isinstance(value, str):
            return self.text(value)
        return value


def compare(recorded: Any, actual: Any, ids: IdMap, where: str = "") -> str | None:
    """The first structural difference, or None."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        missing = [k for k in recorded if k not in actual]
        extra = [k for k in actual if k not in recorded]
        if missing or extra:
            return f"{where or '/'}: keys missing {missing}, unexpected {extra}"
        for key in recorded:
            path = f"{where}/{key}"
            if key in TIME_KEYS:
                if not _same_time_form(recorded[key], actual[key]):
                    return f"{path}: recorded {recorded[key]!r}, emulator {actual[key]!r}"
                continue
            if key in ID_KEYS and not isinstance(recorded[key], dict | list):
                if not ids.learn(recorded[key], actual[key]):
                    known = ids.ids.get(recorded[key], "an id of another type or length")
                    return (
                        f"{path}: id {recorded[key]!r} maps to {known!r}, "
                        f"emulator said {actual[key]!r}"
                    )
                continue
            difference = compare(recorded[key], actual[key], ids, path)
            if difference:
                return difference
        return None
    if isinstance(recorded, list) and isinstance(actual, list):
        if len(recorded) != len(actual):
            return (
                f"{where}: {len(recorded)} items recorded, {len(actual)} from the emulator: "
                f"{json.dumps(recorded)[:300]} vs {json.dumps(actual)[:300]}"
            )
        for index, (a, b) in enumerate(zip(recorded, actual, strict=True)):
            difference = compare(a, b, ids, f"{where}[{index}]")
            if difference:
                return difference
        return None
    if isinstance(recorded, str) and isinstance(actual, str):
        recorded = ids.text(recorded)
    both_numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (recorded, actual)
    )
    if both_numbers and recorded == actual:
        return None  # JSON has one number type: 1 and 1.0 are the same number
    if recorded != actual or type(recorded) is not type(actual):
        return f"{where}: recorded {recorded!r}, emulator {actual!r}"
    return None


def _id_shape(value: Any) -> tuple[str, int]:
    if isinstance(value, str):
        return ("digits", 0) if value.isdigit() else ("text", len(value))
    return (type(value).__name__, 0)


def _same_time_form(recorded: Any, actual: Any) -> bool:
    """Both RFC 3339 UTC times with the same number of fractional digits."""
    if not isinstance(recorded, str) or not isinstance(actual, str):
        return recorded == actual
    found, emulated = _RFC3339.match(recorded), _RFC3339.match(actual)
    if not found or not emulated:
        return False
    return len(found[1] or "") == len(emulated[1] or "")


def _content_type(headers: dict[str, Any]) -> str | None:
    for name, value in headers.items():
        if name.lower() in COMPARED_HEADERS:
            return str(value[0] if isinstance(value, list) else value)
    return None


def _decode(body: Any) -> Any:
    if isinstance(body, dict):
        body = body.get("string", "")
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def replay(path: Path) -> Outcome:
    outcome = Outcome(path.stem)
    data = json.loads(path.read_text(encoding="utf-8"))
    emulator = new_emulator()
    ids = IdMap()
    previous_method = ""
    for number, interaction in enumerate(data["interactions"]):
        sent, received = interaction["request"], interaction["response"]
        parts = urlsplit(sent["uri"])
        creates = sent["method"] == "POST" and parts.path == "/drive/v3/files"
        if creates and previous_method == "DELETE":
            emulator, ids = new_emulator(), IdMap()  # a new recording run
        previous_method = sent["method"]
        body = _decode(sent.get("body"))
        payload = (
            json.dumps(ids.body(body)).encode()
            if isinstance(body, dict | list)
            else ((body or "").encode() if isinstance(body, str) else b"")
        )
        request = Request(
            method=sent["method"],
            path=ids.text(parts.path),
            query={
                k: [ids.text(v) for v in vs]
                for k, vs in parse_qs(parts.query, keep_blank_values=True).items()
            },
            headers={"content-type": "application/json"},
            body=payload,
        )
        response = emulator.handle(request)
        outcome.interactions += 1
        label = f"#{number} {sent['method']} {parts.path}"
        status = received["status"]["code"]
        if response.status != status:
            difference = (
                f"{label}: status {status} recorded, emulator {response.status}: "
                f"{json.dumps(response.body)[:300]}"
            )
        else:
            expected = _decode(received.get("body"))
            actual = _decode(response.encoded().decode("utf-8", "replace"))
            difference = compare(expected, actual, ids)
            recorded_type = _content_type(received.get("headers") or {})
            sent_type = _content_type(response.wire_headers())
            if difference is None and recorded_type != sent_type:
                difference = f"Content-Type {recorded_type!r} recorded, emulator {sent_type!r}"
            difference = f"{label}: {difference}" if difference else None
        if difference is None:
            outcome.conforming += 1
        elif outcome.first_difference is None:
            outcome.first_difference = difference
    return outcome


def cassette_paths() -> list[Path]:
    if not CASSETTES.is_dir():
        return []
    return sorted(CASSETTES.glob("*.json"))


def replay_all() -> list[Outcome]:
    return [replay(path) for path in cassette_paths()]


def _params() -> list[Any]:
    params = []
    for path in cassette_paths():
        marks = []
        if path.stem in NOT_REPLAYABLE:
            marks.append(pytest.mark.xfail(reason=NOT_REPLAYABLE[path.stem], strict=True))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.fixture(scope="session")
def conformance_summary() -> Any:
    outcomes: list[Outcome] = []
    yield outcomes
    if outcomes:
        conforming = sum(o.conforms for o in outcomes)
        interactions = sum(o.interactions for o in outcomes)
        good = sum(o.conforming for o in outcomes)
        print(
            f"\nconformance: {conforming}/{len(outcomes)} cassettes, "
            f"{good}/{interactions} interactions"
        )


@pytest.mark.skipif(not CASSETTES.is_dir(), reason="gspread cassettes not present")
@pytest.mark.parametrize("path", _params())
def test_cassette_conforms(path: Path, conformance_summary: list[Outcome]) -> None:
    outcome = replay(path)
    conformance_summary.append(outcome)
    assert outcome.conforms, outcome.first_difference


def test_the_comparison_lets_only_the_listed_fields_differ() -> None:
    """The replay's comparison itself: a count, a formatted value, a reply's shape, a number's
    last digit, a reused id or a timestamp of another form are all differences."""
    recorded = {
        "spreadsheetId": "1aB" * 14 + "cd",
        "updatedCells": 4,
        "replies": [{}, {"addSheet": {"properties": {"sheetId": 7, "title": "S"}}}],
        "values": [["$1.00"]],
        "blue": 0.49803922,
        "modifiedTime": "2023-08-17T10:53:13.829Z",
    }
    same = {
        **recorded,
        "spreadsheetId": "1xY" * 14 + "zw",
        "modifiedTime": "2026-12-01T09:00:00.000Z",
    }
    assert compare(recorded, same, IdMap()) is None
    changes = [
        {"updatedCells": 3},
        {"replies": [{}]},
        {"replies": [{}, {"addSheet": {"properties": {"sheetId": 7}}}]},
        {"values": [["1"]]},
        {"blue": 0.4980392156862745},
        {"modifiedTime": "2026-12-01T09:00:00Z"},
        {"spreadsheetId": "1xY" * 6},
    ]
    for change in changes:
        assert compare(recorded, {**same, **change}, IdMap()) is not None, change
    ids = IdMap()
    assert compare({"sheetId": 1}, {"sheetId": 5}, ids) is None
    assert compare({"sheetId": 2}, {"sheetId": 5}, ids) is not None, "one emulator id, two ids"


def main() -> None:
    outcomes = replay_all()
    for outcome in outcomes:
        state = "conform" if outcome.conforms else "NOT conform"
        reason = NOT_REPLAYABLE.get(outcome.cassette, "")
        print(
            f"{state:12} {outcome.conforming:3}/{outcome.interactions:<3} {outcome.cassette}"
            + (f"  [{reason}]" if reason else "")
        )
        if outcome.first_difference:
            print(f"             {outcome.first_difference[:400]}")
    conforming = sum(o.conforms for o in outcomes)
    print(
        f"cassettes: {conforming}/{len(outcomes)} conform; interactions: "
        f"{sum(o.conforming for o in outcomes)}/{sum(o.interactions for o in outcomes)}"
    )


if __name__ == "__main__":
    main()
