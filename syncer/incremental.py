"""Incremental planning: a row left as syncer left it keeps its plan until its next change day.

A row's plan is a pure function of its cells, the tracker's settings (policy, columns, stages,
templates, ...) and today. When syncer settles a row it remembers, in the row's state, a
fingerprint of the row's cells as they stand after its write and the first day on which the
rules could decide otherwise (``replan_on``). A later run that finds the same cells under the
same settings before that day knows the plan without parsing, deciding or rendering again: it
would write nothing there. Anything else (an edited cell, a sort that moved it, a new policy or
template, a copied Row ID, the change day reached) plans the row in full.

A csv held in memory gives each row's ``row_texts`` straight from its record's text
(``SheetData.text_rows``, csvfile.py), so its settled rows are recognised by the same fingerprint
without their values ever being built: an edit that changes a record's bytes but not its values
(a field quoted) leaves the row settled, as it would be by its values.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path

from syncer import __version__
from syncer.backends.base import canonical_text
from syncer.model import Application, CellValue, Decision, Stage
from syncer.policy import Policy

#: The state key holding a settled row's memo: "<replan_on ISO>/<fingerprint of its cells>".
MEMO_KEY = "_p"

_DATE_FIELDS = (
    "applied_on",
    "interview_on",
    "thank_you_sent_on",
    "last_contact_on",
    "last_response_on",
    "decision_expected_on",
    "offer_received_on",
    "offer_deadline",
    "rejected_on",
    "feedback_requested_on",
    "snooze_until",
)


_row_dates = operator.attrgetter(*_DATE_FIELDS)
_INTERVIEW_STAGES = frozenset((Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEWED))
_ONE_DAY = timedelta(days=1)


def replan_on(
    app: Application, decision: Decision, today: date, policy: Policy, *, daily: bool = False
) -> date:
    """The first day after ``today`` on which this row's plan could differ from today's.

    Every comparison the rules and drafts make with today flips only on one of these days
    (a superset is safe: it only plans a row again sooner than needed):
    - a date that must be past is in the future until its day;
    - an interview is upcoming until its day; a thank-you is owed until the window closes;
    - the urgency turns on the due day and the day after; the draft appears ``draft_window_days``
      before the due day;
    - a draft names a date's year when it is not this year's: the next 1 January.
    ``daily`` (templates that read ``today`` themselves) plans the row again tomorrow.
    """
    if daily:
        return today + _ONE_DAY
    first = date(today.year + 1, 1, 1)
    for value in _row_dates(app):
        if value is not None and today < value < first:
            first = value
    later: list[date] = []
    if app.interview_on is not None and app.stage in _INTERVIEW_STAGES:
        later.append(app.interview_on + timedelta(days=policy.thank_you_window_days + 1))
    due = decision.due_on
    if due is not None:
        later += (due, due + _ONE_DAY, due - timedelta(days=policy.draft_window_days))
    for value in later:
        if today < value < first:
            first = value
    return first


@functools.lru_cache(maxsize=4096, typed=True)
def cell_text(value: CellValue) -> str:
    """``canonical_text`` of a date, datetime or number, once: every row of a big tracker
    holds a Last Synced stamp and due dates that recur, and ``strftime`` is slow."""
    return canonical_text(value)


def row_texts(cells: Sequence[CellValue]) -> list[str]:
    """The row's cells as canonical text, trailing blanks dropped (ragged rows compare equal)."""
    # Text and blank inline: a big file's row has a dozen of them and a call each adds up.
    texts = [
        "" if value is None else value if type(value) is str else cell_text(value)
        for value in cells
    ]
    while texts and texts[-1] == "":
        texts.pop()
    return texts


def row_fingerprint(settings: str, texts: Sequence[str]) -> str:
    """A fingerprint of a row's cells under the tracker's settings.

    The texts are hashed joined by NUL, which no text of theirs holds (then no text can pass for
    its neighbours); a row whose text holds a NUL is hashed as its list's ``repr`` instead
    (quoted and escaped, so it holds none), the two marked apart by what comes first.
    """
    hasher = _settings_hasher(settings).copy()
    joined = "\x00".join(texts)
    if joined.count("\x00") == len(texts) - 1 or not texts:
        hasher.update(f"j{len(texts)}\x00{joined}".encode("utf-8", "surrogatepass"))
    else:
        hasher.update(b"r")
        hasher.update(repr(texts).encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()


@functools.lru_cache(maxsize=64)
def _settings_hasher(settings: str) -> hashlib.blake2b:
    """The hasher fed a tracker's settings, copied for each row (the settings are hashed once)."""
    return hashlib.blake2b(settings.encode(), digest_size=12)


def memo(replan_day: date, fingerprint: str) -> str:
    return f"{replan_day.isoformat()}/{fingerprint}"


def memo_fingerprint(value: str | None, today_iso: str) -> str | None:
    """The fingerprint a memo remembers when its change day is still to come (None otherwise):
    the row is settled today when its cells have that very fingerprint."""
    if not value or len(value) < 12 or value[10] != "/" or value[:10] <= today_iso:
        return None
    return value[11:]


def settings_key(parts: Iterable[object], template_files: Iterable[Traversable | Path]) -> str:
    """What every row's plan depends on besides its cells and today: the given settings (the
    tracker's config, header, cell limit, ...), syncer's version, and each template file's name
    and content, so an edited template plans every row again."""
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(__version__.encode())
    for part in parts:
        hasher.update(repr(part).encode("utf-8", "surrogatepass"))
        hasher.update(b"\x00")
    for file in template_files:
        hasher.update(file.name.encode())
        hasher.update(file.read_bytes())
    return hasher.hexdigest()
