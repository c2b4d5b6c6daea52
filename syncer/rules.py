"""The follow-up rules: SPEC.md's default policy as pure functions of (row, today, policy).

No I/O here. ``decide`` never raises for a row problem: it returns urgency ``invalid`` with the
reason. Dates are counted in calendar days, then moved to a working day (``fwd``: next, ``back``:
previous) by the tracker's ``WorkCalendar``.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from syncer.columns import header_of
from syncer.dates import WorkCalendar
from syncer.model import Action, Application, Channel, Decision, Stage, Urgency, quick_init
from syncer.policy import Policy

#: Fields holding dates that must not be after today (the event already happened).
PAST_ONLY_FIELDS = (
    "applied_on",
    "thank_you_sent_on",
    "last_contact_on",
    "last_response_on",
    "offer_received_on",
    "rejected_on",
    "feedback_requested_on",
)


class NeedsField(Exception):
    """Internal: the stage's rule needs a date that is blank."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@quick_init
@dataclass(frozen=True, slots=True)
class Plan:
    """An action and its due date before urgency and snoozing are applied.

    ``why`` reads right while the action is still ahead; ``why_now``, when given, replaces it
    once the due date is today or past (no "wait 7 days" on an overdue row).
    """

    action: Action
    due_on: date | None
    why: str
    why_now: str | None = None


def latest(*days: date | None) -> date | None:
    """The latest of the given dates, blanks ignored; None when all are blank."""
    given = [day for day in days if day is not None]
    return max(given) if given else None


@functools.lru_cache(maxsize=256)
def days(n: int) -> timedelta:
    """``timedelta(days=n)``, one object per policy setting (every planned row asks)."""
    return timedelta(days=n)


def _fmt(day: date) -> str:
    return day.isoformat()


def _applied(app: Application, policy: Policy, cal: WorkCalendar) -> Plan:
    if app.applied_on is None:
        raise NeedsField("Applied On is blank; stage applied needs it")
    base = latest(app.applied_on, app.last_contact_on, app.last_response_on)
    assert base is not None
    due = cal.fwd(base + days(policy.follow_up_after_applying_days))
    sent = app.follow_ups_sent
    limit = policy.max_follow_ups_after_applying
    if sent >= limit:
        why = f"{sent} follow-ups sent with no reply since {_fmt(base)}: close this out"
        return Plan(Action.CLOSE_OUT, due, why)
    count = f"({sent} of {limit} follow-ups sent)"
    return Plan(
        Action.FOLLOW_UP,
        due,
        f"No reply since {_fmt(base)}: follow up "
        f"{policy.follow_up_after_applying_days} days later {count}",
        f"No reply since {_fmt(base)}: time to follow up {count}",
    )


def _interview_upcoming(interview_on: date, policy: Policy, cal: WorkCalendar) -> Plan:
    due = cal.back(interview_on - days(policy.prepare_days_before_interview))
    return Plan(
        Action.PREPARE_INTERVIEW,
        due,
        f"Interview on {_fmt(interview_on)}: prepare by {_fmt(due)}",
        f"Interview on {_fmt(interview_on)}: time to prepare",
    )


def _after_interview(
    app: Application, interview_on: date, today: date, policy: Policy, cal: WorkCalendar
) -> Plan:
    if app.thank_you_sent_on is None and today <= interview_on + days(policy.thank_you_window_days):
        due = interview_on + days(policy.thank_you_due_days)
        return Plan(
            Action.SEND_THANK_YOU,
            due,
            f"Interviewed on {_fmt(interview_on)}: send a thank-you within 24 hours",
            f"Interviewed on {_fmt(interview_on)}: send a thank-you now",
        )
    base = latest(interview_on, app.last_contact_on, app.last_response_on)
    assert base is not None
    earliest = base + days(policy.follow_up_after_interview_days)
    why = (
        f"Last exchange {_fmt(base)}: follow up {policy.follow_up_after_interview_days} days later"
    )
    why_now = f"Last exchange {_fmt(base)}: time to follow up"
    if app.decision_expected_on is not None:
        after_decision = app.decision_expected_on + days(policy.days_after_decision_expected)
        if after_decision > earliest:
            earliest = after_decision
            expected = _fmt(app.decision_expected_on)
            why = f"They expect to decide by {expected}: follow up after that"
            why_now = f"They expected to decide by {expected}: time to follow up"
    due = cal.fwd(earliest)
    sent = app.follow_ups_sent
    limit = policy.max_follow_ups_after_interview
    if sent >= limit:
        return Plan(Action.CLOSE_OUT, due, f"{sent} follow-ups sent after the interview: close out")
    count = f"({sent} of {limit} follow-ups sent)"
    return Plan(Action.FOLLOW_UP, due, f"{why} {count}", f"{why_now} {count}")


def _offer(app: Application, policy: Policy, cal: WorkCalendar) -> Plan:
    if app.offer_received_on is None:
        raise NeedsField("Offer Received is blank; stage offer needs it")
    due = cal.fwd(app.offer_received_on + days(policy.offer_response_days))
    answer = (
        "call them about it" if app.preferred_channel is Channel.PHONE else "answer it in writing"
    )
    why = f"Offer received {_fmt(app.offer_received_on)}: {answer}"
    if app.offer_deadline is not None:
        before_deadline = cal.back(app.offer_deadline - days(policy.days_before_offer_deadline))
        if before_deadline < due:
            due = before_deadline
            why = f"Offer deadline {_fmt(app.offer_deadline)}: answer before it"
            why_now = f"Offer deadline {_fmt(app.offer_deadline)}: answer now"
            return Plan(Action.RESPOND_TO_OFFER, due, why, why_now)
    return Plan(Action.RESPOND_TO_OFFER, due, why)


def _negotiating(app: Application, policy: Policy, cal: WorkCalendar) -> Plan:
    base = latest(app.offer_received_on, app.last_contact_on, app.last_response_on)
    if base is None:
        raise NeedsField(
            "Offer Received, Last Contact and Last Response are all blank; "
            "stage negotiating needs one"
        )
    due = cal.fwd(base + days(policy.negotiation_follow_up_days))
    return Plan(Action.FOLLOW_UP, due, f"Negotiating since {_fmt(base)}: check in")


def _accepted(app: Application, policy: Policy, cal: WorkCalendar) -> Plan:
    base = latest(app.offer_received_on, app.last_response_on)
    if base is None:
        raise NeedsField(
            "Offer Received and Last Response are both blank; stage accepted needs one"
        )
    if app.last_contact_on is not None and app.last_contact_on >= base:
        return Plan(Action.NONE, None, "Acceptance sent: nothing to do")
    due = cal.fwd(base + days(policy.acceptance_due_days))
    if app.preferred_channel is Channel.PHONE:
        return Plan(
            Action.SEND_ACCEPTANCE, due, "Offer accepted: confirm it by phone, then in writing"
        )
    return Plan(Action.SEND_ACCEPTANCE, due, "Offer accepted: confirm it in writing")


def _rejected(app: Application, policy: Policy, cal: WorkCalendar) -> Plan:
    if app.feedback_requested_on is not None:
        return Plan(Action.NONE, None, "Feedback requested: nothing to do")
    base = latest(app.rejected_on, app.last_response_on)
    if base is None:
        raise NeedsField("Rejected On and Last Response are both blank; stage rejected needs one")
    due = cal.fwd(base + days(policy.feedback_wait_days))
    return Plan(
        Action.REQUEST_FEEDBACK,
        due,
        f"Rejected {_fmt(base)}: wait {policy.feedback_wait_days} days, then ask for feedback",
        f"Rejected {_fmt(base)}: time to ask for feedback",
    )


_NOTHING_TO_SEND = frozenset((Stage.WISHLIST, Stage.WITHDRAWN, Stage.CLOSED))
_INTERVIEW_STAGES = frozenset((Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEWED))
#: The stages planned from the row alone (no today), by the function that plans them.
_PLANNERS: dict[Stage, Callable[[Application, Policy, WorkCalendar], Plan]] = {
    Stage.APPLIED: _applied,
    Stage.OFFER: _offer,
    Stage.NEGOTIATING: _negotiating,
    Stage.ACCEPTED: _accepted,
    Stage.REJECTED: _rejected,
}


def _stage_plan(app: Application, today: date, policy: Policy, cal: WorkCalendar) -> Plan:
    stage = app.stage
    planner = _PLANNERS.get(stage) if stage is not None else None
    if planner is not None:
        return planner(app, policy, cal)
    if stage in _NOTHING_TO_SEND:
        assert stage is not None
        return Plan(Action.NONE, None, f"Stage {stage.value}: nothing to send")
    if stage in _INTERVIEW_STAGES:
        assert stage is not None
        if app.interview_on is None:
            raise NeedsField(f"Interview Date is blank; stage {stage.value} needs it")
        if stage is Stage.INTERVIEW_SCHEDULED and app.interview_on > today:
            return _interview_upcoming(app.interview_on, policy, cal)
        return _after_interview(app, app.interview_on, today, policy, cal)
    raise AssertionError(f"unhandled stage {stage!r}")


def urgency_of(due_on: date | None, today: date) -> Urgency:
    if due_on is None:
        return Urgency.DONE
    if due_on < today:
        return Urgency.OVERDUE
    if due_on == today:
        return Urgency.TODAY
    return Urgency.UPCOMING


def invalid(why: str) -> Decision:
    return Decision(action=None, due_on=None, urgency=Urgency.INVALID, why=why)


_past_only_dates = operator.attrgetter(*PAST_ONLY_FIELDS)


def future_dates(app: Application, today: date) -> list[str]:
    """The past-only fields whose date is after today."""
    return [
        name
        for name, value in zip(PAST_ONLY_FIELDS, _past_only_dates(app), strict=True)
        if value is not None and value > today
    ]


def decide(
    app: Application,
    today: date,
    policy: Policy | None = None,
    calendar: WorkCalendar | None = None,
) -> Decision:
    """The next action, due date, urgency and reason for one parsed row.

    Cell-level problems (blank required cells, unknown stage, bad dates or counts) are found by
    the parser and reported before this is called; this checks what only the rules know: dates in
    the future that must be past, and blank dates the stage's rule needs.
    """
    policy = policy or Policy()
    calendar = calendar or WorkCalendar()
    if app.company is None or app.position is None or app.stage is None:
        missing = [
            label
            for label, value in (
                ("Company", app.company),
                ("Position", app.position),
                ("Stage", app.stage),
            )
            if value is None
        ]
        return invalid(f"{', '.join(missing)} blank")
    if app.follow_ups_sent < 0:
        return invalid("Follow-Ups Sent must be a whole number >= 0")
    in_future = future_dates(app, today)
    if in_future:
        names = ", ".join(header_of(name) for name in in_future)
        return invalid(f"{names} is after today ({today.isoformat()}); it must be in the past")
    try:
        plan = _stage_plan(app, today, policy, calendar)
    except NeedsField as problem:
        return invalid(problem.message)
    due_on = plan.due_on
    if due_on is not None and app.snooze_until is not None and app.snooze_until > due_on:
        due_on = app.snooze_until
    why = plan.why_now if plan.why_now and due_on is not None and due_on <= today else plan.why
    if due_on != plan.due_on and app.snooze_until is not None:
        why = f"{why}; snoozed until {app.snooze_until.isoformat()}"
    return Decision(plan.action, due_on, urgency_of(due_on, today), why)
