"""SPEC.md's default policy, rule by rule and branch by branch, plus properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.dates import WorkCalendar
from syncer.model import Action, Application, Stage, Urgency
from syncer.policy import Policy
from syncer.rules import PAST_ONLY_FIELDS, decide

TODAY = date(2026, 11, 26)  # a Thursday


def d(text: str) -> date:
    return date.fromisoformat(text)


def app(stage: Stage | None = Stage.APPLIED, **fields: object) -> Application:
    return Application(company="Acme", position="Engineer", stage=stage, **fields)  # type: ignore[arg-type]


# fmt: off
CASES = [
    # (id, application, action, due, urgency)
    ("wishlist", app(Stage.WISHLIST), Action.NONE, None, Urgency.DONE),
    ("withdrawn", app(Stage.WITHDRAWN), Action.NONE, None, Urgency.DONE),
    ("closed", app(Stage.CLOSED), Action.NONE, None, Urgency.DONE),
    # applied: fwd(base + 7); base = latest(applied, last contact, last response)
    ("applied-weekday", app(applied_on=d("2026-11-18")), Action.FOLLOW_UP, "2026-11-25", Urgency.OVERDUE),
    ("applied-due-today", app(applied_on=d("2026-11-19")), Action.FOLLOW_UP, "2026-11-26", Urgency.TODAY),
    ("applied-sat-to-mon", app(applied_on=d("2026-11-21")), Action.FOLLOW_UP, "2026-11-30", Urgency.UPCOMING),
    ("applied-last-contact", app(applied_on=d("2026-11-01"), last_contact_on=d("2026-11-24")), Action.FOLLOW_UP, "2026-12-01", Urgency.UPCOMING),
    ("applied-last-response", app(applied_on=d("2026-11-01"), last_response_on=d("2026-11-23")), Action.FOLLOW_UP, "2026-11-30", Urgency.UPCOMING),
    ("applied-1-followup", app(applied_on=d("2026-11-02"), follow_ups_sent=1), Action.FOLLOW_UP, "2026-11-09", Urgency.OVERDUE),
    ("applied-2-close", app(applied_on=d("2026-11-02"), follow_ups_sent=2), Action.CLOSE_OUT, "2026-11-09", Urgency.OVERDUE),
    ("applied-needs-date", app(), None, None, Urgency.INVALID),
    # interview scheduled in the future: back(interview - 2)
    ("prepare", app(Stage.INTERVIEW_SCHEDULED, interview_on=d("2026-12-03")), Action.PREPARE_INTERVIEW, "2026-12-01", Urgency.UPCOMING),
    ("prepare-sunday-to-friday", app(Stage.INTERVIEW_SCHEDULED, interview_on=d("2026-12-01")), Action.PREPARE_INTERVIEW, "2026-11-27", Urgency.UPCOMING),
    ("prepare-tomorrow", app(Stage.INTERVIEW_SCHEDULED, interview_on=d("2026-11-27")), Action.PREPARE_INTERVIEW, "2026-11-25", Urgency.OVERDUE),
    ("scheduled-needs-date", app(Stage.INTERVIEW_SCHEDULED), None, None, Urgency.INVALID),
    # interview today or past: thank-you within 24 h, no weekend shift
    ("scheduled-today-thanks", app(Stage.INTERVIEW_SCHEDULED, interview_on=TODAY), Action.SEND_THANK_YOU, "2026-11-27", Urgency.UPCOMING),
    ("thanks-friday-to-saturday", app(Stage.INTERVIEWED, interview_on=d("2026-11-20")), Action.SEND_THANK_YOU, "2026-11-21", Urgency.OVERDUE),
    ("thanks-window-last-day", app(Stage.INTERVIEWED, interview_on=d("2026-11-19")), Action.SEND_THANK_YOU, "2026-11-20", Urgency.OVERDUE),
    ("thanks-window-over", app(Stage.INTERVIEWED, interview_on=d("2026-11-18")), Action.FOLLOW_UP, "2026-11-25", Urgency.OVERDUE),
    ("interviewed-needs-date", app(Stage.INTERVIEWED), None, None, Urgency.INVALID),
    ("after-thanks-follow-up", app(Stage.INTERVIEWED, interview_on=d("2026-11-24"), thank_you_sent_on=d("2026-11-24")), Action.FOLLOW_UP, "2026-12-01", Urgency.UPCOMING),
    ("follow-up-weekend", app(Stage.INTERVIEWED, interview_on=d("2026-11-21"), thank_you_sent_on=d("2026-11-21")), Action.FOLLOW_UP, "2026-11-30", Urgency.UPCOMING),
    ("decision-expected-later", app(Stage.INTERVIEWED, interview_on=d("2026-11-20"), thank_you_sent_on=d("2026-11-20"), decision_expected_on=d("2026-12-04")), Action.FOLLOW_UP, "2026-12-07", Urgency.UPCOMING),
    ("decision-expected-earlier", app(Stage.INTERVIEWED, interview_on=d("2026-11-20"), thank_you_sent_on=d("2026-11-20"), decision_expected_on=d("2026-11-21")), Action.FOLLOW_UP, "2026-11-27", Urgency.UPCOMING),
    ("interview-last-response", app(Stage.INTERVIEWED, interview_on=d("2026-11-10"), thank_you_sent_on=d("2026-11-10"), last_response_on=d("2026-11-24")), Action.FOLLOW_UP, "2026-12-01", Urgency.UPCOMING),
    ("interview-3-close", app(Stage.INTERVIEWED, interview_on=d("2026-11-10"), thank_you_sent_on=d("2026-11-10"), follow_ups_sent=3), Action.CLOSE_OUT, "2026-11-17", Urgency.OVERDUE),
    ("interview-2-follow", app(Stage.INTERVIEWED, interview_on=d("2026-11-10"), thank_you_sent_on=d("2026-11-10"), follow_ups_sent=2), Action.FOLLOW_UP, "2026-11-17", Urgency.OVERDUE),
    # offer: fwd(received + 2), or back(deadline - 1) when earlier
    ("offer", app(Stage.OFFER, offer_received_on=d("2026-11-26")), Action.RESPOND_TO_OFFER, "2026-11-30", Urgency.UPCOMING),
    ("offer-deadline-earlier", app(Stage.OFFER, offer_received_on=d("2026-11-25"), offer_deadline=d("2026-11-30")), Action.RESPOND_TO_OFFER, "2026-11-27", Urgency.UPCOMING),
    ("offer-deadline-later", app(Stage.OFFER, offer_received_on=d("2026-11-24"), offer_deadline=d("2026-12-10")), Action.RESPOND_TO_OFFER, "2026-11-26", Urgency.TODAY),
    ("offer-needs-date", app(Stage.OFFER), None, None, Urgency.INVALID),
    # negotiating: fwd(latest(offer, contact, response) + 3)
    ("negotiating", app(Stage.NEGOTIATING, offer_received_on=d("2026-11-20"), last_contact_on=d("2026-11-24")), Action.FOLLOW_UP, "2026-11-27", Urgency.UPCOMING),
    ("negotiating-weekend", app(Stage.NEGOTIATING, last_response_on=d("2026-11-25")), Action.FOLLOW_UP, "2026-11-30", Urgency.UPCOMING),
    ("negotiating-needs-date", app(Stage.NEGOTIATING), None, None, Urgency.INVALID),
    # accepted
    ("accepted-send", app(Stage.ACCEPTED, offer_received_on=d("2026-11-20"), last_response_on=d("2026-11-24")), Action.SEND_ACCEPTANCE, "2026-11-25", Urgency.OVERDUE),
    ("accepted-done", app(Stage.ACCEPTED, offer_received_on=d("2026-11-20"), last_contact_on=d("2026-11-20")), Action.NONE, None, Urgency.DONE),
    ("accepted-contact-before", app(Stage.ACCEPTED, offer_received_on=d("2026-11-20"), last_contact_on=d("2026-11-19")), Action.SEND_ACCEPTANCE, "2026-11-23", Urgency.OVERDUE),
    ("accepted-needs-date", app(Stage.ACCEPTED, last_contact_on=d("2026-11-19")), None, None, Urgency.INVALID),
    # rejected
    ("rejected", app(Stage.REJECTED, rejected_on=d("2026-11-24")), Action.REQUEST_FEEDBACK, "2026-11-27", Urgency.UPCOMING),
    ("rejected-weekend", app(Stage.REJECTED, rejected_on=d("2026-11-25")), Action.REQUEST_FEEDBACK, "2026-11-30", Urgency.UPCOMING),
    ("rejected-by-response", app(Stage.REJECTED, last_response_on=d("2026-11-23")), Action.REQUEST_FEEDBACK, "2026-11-26", Urgency.TODAY),
    ("rejected-asked", app(Stage.REJECTED, rejected_on=d("2026-11-24"), feedback_requested_on=d("2026-11-25")), Action.NONE, None, Urgency.DONE),
    ("rejected-needs-date", app(Stage.REJECTED), None, None, Urgency.INVALID),
    # snooze after the due date wins; before it, nothing changes
    ("snoozed", app(applied_on=d("2026-11-18"), snooze_until=d("2026-12-05")), Action.FOLLOW_UP, "2026-12-05", Urgency.UPCOMING),
    ("snooze-earlier", app(applied_on=d("2026-11-18"), snooze_until=d("2026-11-20")), Action.FOLLOW_UP, "2026-11-25", Urgency.OVERDUE),
    # checks
    ("blank-company", Application(position="Engineer", stage=Stage.APPLIED, applied_on=d("2026-11-18")), None, None, Urgency.INVALID),
    ("blank-stage", app(None, applied_on=d("2026-11-18")), None, None, Urgency.INVALID),
    ("future-applied", app(applied_on=d("2026-11-27")), None, None, Urgency.INVALID),
    ("future-rejected", app(Stage.REJECTED, rejected_on=d("2026-12-01")), None, None, Urgency.INVALID),
    ("future-interview-is-fine", app(Stage.INTERVIEW_SCHEDULED, interview_on=d("2026-12-24"), applied_on=d("2026-11-01")), Action.PREPARE_INTERVIEW, "2026-12-22", Urgency.UPCOMING),
]
# fmt: on


@pytest.mark.parametrize(
    ("application", "action", "due", "urgency"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_default_policy(
    application: Application, action: Action | None, due: str | None, urgency: Urgency
) -> None:
    decision = decide(application, TODAY)
    assert decision.urgency is urgency, decision.why
    assert decision.action == action
    assert decision.due_on == (d(due) if due else None)
    assert decision.why


def test_invalid_reason_names_the_column() -> None:
    assert "Applied On" in decide(app(applied_on=d("2026-12-01")), TODAY).why
    assert "Interview Date" in decide(app(Stage.INTERVIEWED), TODAY).why
    assert "Company" in decide(Application(position="x", stage=Stage.APPLIED), TODAY).why


def test_policy_numbers_are_configurable() -> None:
    policy = Policy(follow_up_after_applying_days=10, max_follow_ups_after_applying=5)
    decision = decide(app(applied_on=d("2026-11-16"), follow_ups_sent=4), TODAY, policy)
    assert (decision.action, decision.due_on) == (Action.FOLLOW_UP, d("2026-11-26"))


def test_holidays_are_skipped_like_weekends() -> None:
    # 2026-11-26 is Thanksgiving in the US: a follow-up due that day moves to Friday.
    us = WorkCalendar("US")
    decision = decide(app(applied_on=d("2026-11-19")), d("2026-11-20"), calendar=us)
    assert decision.due_on == d("2026-11-27")
    # back(): preparing for an interview on Monday 2026-12-28 (Christmas observed on Friday 25th)
    decision = decide(
        app(Stage.INTERVIEW_SCHEDULED, interview_on=d("2026-12-28")), TODAY, calendar=us
    )
    assert decision.due_on == d("2026-12-24")


# ---------------------------------------------------------------- properties (Hypothesis)

dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
maybe_dates = st.none() | dates
applications = st.builds(
    Application,
    company=st.just("Acme"),
    position=st.just("Engineer"),
    stage=st.sampled_from(Stage),
    applied_on=maybe_dates,
    interview_on=maybe_dates,
    thank_you_sent_on=maybe_dates,
    last_contact_on=maybe_dates,
    follow_ups_sent=st.integers(0, 6),
    last_response_on=maybe_dates,
    decision_expected_on=maybe_dates,
    offer_received_on=maybe_dates,
    offer_deadline=maybe_dates,
    rejected_on=maybe_dates,
    feedback_requested_on=maybe_dates,
    snooze_until=maybe_dates,
)


COUNTS_FROM = {
    Stage.APPLIED: ("applied_on", "last_contact_on", "last_response_on"),
    Stage.INTERVIEWED: ("interview_on", "last_contact_on", "last_response_on"),
    Stage.INTERVIEW_SCHEDULED: ("interview_on", "last_contact_on", "last_response_on"),
    Stage.OFFER: ("offer_received_on",),
    Stage.NEGOTIATING: ("offer_received_on", "last_contact_on", "last_response_on"),
    Stage.ACCEPTED: ("offer_received_on", "last_response_on"),
    Stage.REJECTED: ("rejected_on", "last_response_on"),
}


@settings(max_examples=400, deadline=None)
@given(applications, dates)
def test_due_date_never_before_what_it_counts_from(application: Application, today: date) -> None:
    decision = decide(application, today)
    if decision.due_on is None:
        return
    assert application.stage is not None
    if application.snooze_until == decision.due_on:
        return  # snoozed: only ever moves a due date later (see test_snooze_only_delays)
    if decision.action is Action.PREPARE_INTERVIEW:
        assert application.interview_on is not None
        assert decision.due_on < application.interview_on  # prepared before the interview
        return
    if decision.action is Action.SEND_THANK_YOU:
        assert application.interview_on is not None
        assert decision.due_on == application.interview_on + timedelta(days=1)
        return
    if decision.action is Action.RESPOND_TO_OFFER and application.offer_deadline is not None:
        # Answering before the deadline may come before "received + 2", never after it.
        assert decision.due_on < application.offer_deadline
        return
    base = [getattr(application, name) for name in COUNTS_FROM[application.stage]]
    assert decision.due_on > max(day for day in base if day is not None)


@settings(max_examples=200, deadline=None)
@given(applications, dates)
def test_planning_is_deterministic(application: Application, today: date) -> None:
    assert decide(application, today) == decide(replace(application), today)


@settings(max_examples=200, deadline=None)
@given(applications, dates)
def test_urgency_matches_due_date(application: Application, today: date) -> None:
    decision = decide(application, today)
    if decision.urgency is Urgency.INVALID:
        assert decision.action is None
    elif decision.action is Action.NONE:
        assert decision.urgency is Urgency.DONE and decision.due_on is None
    else:
        assert decision.due_on is not None
        expected = (
            Urgency.OVERDUE
            if decision.due_on < today
            else Urgency.TODAY
            if decision.due_on == today
            else Urgency.UPCOMING
        )
        assert decision.urgency is expected


@settings(max_examples=200, deadline=None)
@given(applications, dates)
def test_past_only_dates_after_today_are_invalid(application: Application, today: date) -> None:
    decision = decide(application, today)
    if any((getattr(application, f) or date.min) > today for f in PAST_ONLY_FIELDS):
        assert decision.urgency is Urgency.INVALID


@settings(max_examples=200, deadline=None)
@given(applications, dates)
def test_workday_due_dates_except_thank_you_and_snooze(
    application: Application, today: date
) -> None:
    decision = decide(application, today)
    if decision.due_on is None or decision.action is Action.SEND_THANK_YOU:
        return
    if application.snooze_until == decision.due_on:
        return
    assert decision.due_on.weekday() < 5


def test_interview_time_of_day_does_not_matter() -> None:
    morning = app(
        Stage.INTERVIEW_SCHEDULED, interview_on=TODAY, interview_at=datetime(2026, 11, 26, 9)
    )
    assert decide(morning, TODAY).action is Action.SEND_THANK_YOU
    assert decide(morning, TODAY - timedelta(days=1)).action is Action.PREPARE_INTERVIEW


@settings(max_examples=200, deadline=None)
@given(applications, dates)
def test_snooze_only_delays(application: Application, today: date) -> None:
    snoozed = decide(application, today)
    unsnoozed = decide(replace(application, snooze_until=None), today)
    assert snoozed.action == unsnoozed.action
    if unsnoozed.due_on is not None:
        assert snoozed.due_on is not None and snoozed.due_on >= unsnoozed.due_on
