"""Why agrees with the channel and the day: a table over every action x channel x urgency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from syncer.model import Action, Application, Channel, Stage, Urgency
from syncer.rules import decide

D = date.fromisoformat


def _row(stage: Stage, **fields: object) -> Application:
    return Application(company="Fabrikam", position="Analyst", stage=stage, **fields)  # type: ignore[arg-type]


#: Interviewed, thank-you sent: a follow-up comes next.
THANKED = _row(Stage.INTERVIEWED, interview_on=D("2026-11-02"), thank_you_sent_on=D("2026-11-03"))

#: Each scenario: a row whose action stays the same a day before, on and a day after its due date.
SCENARIOS: dict[str, tuple[Action, Application]] = {
    "prepare": (
        Action.PREPARE_INTERVIEW,
        _row(Stage.INTERVIEW_SCHEDULED, applied_on=D("2026-11-02"), interview_on=D("2026-12-21")),
    ),
    "thank-you": (Action.SEND_THANK_YOU, _row(Stage.INTERVIEWED, interview_on=D("2026-12-08"))),
    "follow up after applying": (
        Action.FOLLOW_UP,
        _row(Stage.APPLIED, applied_on=D("2026-12-01")),
    ),
    "follow up after the interview": (Action.FOLLOW_UP, THANKED),
    "follow up after the expected decision": (
        Action.FOLLOW_UP,
        replace(THANKED, decision_expected_on=D("2026-11-20")),
    ),
    "check in while negotiating": (
        Action.FOLLOW_UP,
        _row(Stage.NEGOTIATING, offer_received_on=D("2026-12-01")),
    ),
    "close out after applying": (
        Action.CLOSE_OUT,
        _row(Stage.APPLIED, applied_on=D("2026-11-02"), follow_ups_sent=2),
    ),
    "close out after the interview": (Action.CLOSE_OUT, replace(THANKED, follow_ups_sent=3)),
    "offer": (Action.RESPOND_TO_OFFER, _row(Stage.OFFER, offer_received_on=D("2026-12-01"))),
    "offer with an early deadline": (
        Action.RESPOND_TO_OFFER,
        _row(Stage.OFFER, offer_received_on=D("2026-12-01"), offer_deadline=D("2026-12-03")),
    ),
    "acceptance": (Action.SEND_ACCEPTANCE, _row(Stage.ACCEPTED, offer_received_on=D("2026-12-01"))),
    "feedback": (Action.REQUEST_FEEDBACK, _row(Stage.REJECTED, rejected_on=D("2026-12-01"))),
}

#: Words a Why must not use, by what is true of the row.
NOT_ON_THE_PHONE = ("answer it in writing",)
NOT_IN_WRITING = ("call", "by phone")
NOT_ONCE_DUE = ("wait", "days later", "prepare by", "then ask")
NOT_WHEN_LATE = ("within 24 hours", "before it", *NOT_ONCE_DUE)
NOT_AHEAD = ("time to", " now")

DAY_OFFSETS = {Urgency.UPCOMING: -1, Urgency.TODAY: 0, Urgency.OVERDUE: 1}


def _due_on(app: Application) -> date:
    due = decide(app, D("2026-12-02"))
    assert due.due_on is not None, due.why
    return due.due_on


def _forbidden(channel: Channel, urgency: Urgency) -> tuple[str, ...]:
    words: tuple[str, ...] = NOT_ON_THE_PHONE if channel is Channel.PHONE else NOT_IN_WRITING
    if urgency is Urgency.UPCOMING:
        return words + NOT_AHEAD
    if urgency is Urgency.TODAY:
        return words + NOT_ONCE_DUE
    return words + NOT_WHEN_LATE


CASES: list[tuple[str, Channel, Urgency]] = [
    (name, channel, urgency) for name in SCENARIOS for channel in Channel for urgency in DAY_OFFSETS
]


@pytest.mark.parametrize(("scenario", "channel", "urgency"), CASES)
def test_why_agrees_with_the_channel_and_the_day(
    scenario: str, channel: Channel, urgency: Urgency
) -> None:
    action, row = SCENARIOS[scenario]
    app = replace(row, preferred_channel=channel)
    today = _due_on(app) + timedelta(days=DAY_OFFSETS[urgency])

    decision = decide(app, today)

    assert (decision.action, decision.urgency) == (action, urgency), decision.why
    said = decision.why.lower()
    for words in _forbidden(channel, urgency):
        assert words not in said, f"{scenario}, {channel}, {urgency}: {decision.why!r}"


PHONE_AND_WRITTEN: list[tuple[str, Callable[[str], bool]]] = [
    ("offer", lambda why: "call them about it" in why),
    ("acceptance", lambda why: "by phone, then in writing" in why),
]


@pytest.mark.parametrize(("scenario", "says_phone"), PHONE_AND_WRITTEN)
def test_a_phone_row_is_told_to_call(scenario: str, says_phone: Callable[[str], bool]) -> None:
    _, row = SCENARIOS[scenario]
    phone = decide(replace(row, preferred_channel=Channel.PHONE), D("2026-12-02"))
    email = decide(replace(row, preferred_channel=Channel.EMAIL), D("2026-12-02"))

    assert says_phone(phone.why), phone.why
    assert "in writing" in email.why and not says_phone(email.why), email.why


def test_a_late_thank_you_is_still_asked_for() -> None:
    _, row = SCENARIOS["thank-you"]

    late = decide(row, D("2026-12-11"))

    assert late.action is Action.SEND_THANK_YOU
    assert late.why == "Interviewed on 2026-12-08: send a thank-you now"


def test_an_overdue_follow_up_after_the_expected_decision_says_to_follow_up() -> None:
    _, row = SCENARIOS["follow up after the expected decision"]

    ahead = decide(row, D("2026-11-19"))
    late = decide(row, D("2026-11-30"))

    assert ahead.why == (
        "They expect to decide by 2026-11-20: follow up after that (0 of 3 follow-ups sent)"
    )
    assert late.why == (
        "They expected to decide by 2026-11-20: time to follow up (0 of 3 follow-ups sent)"
    )
