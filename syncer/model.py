"""The vocabulary every module shares: stages, actions, urgencies, a row's plan."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from syncer.resources import schema

_Frozen = TypeVar("_Frozen")


def quick_init(cls: type[_Frozen]) -> type[_Frozen]:
    """Give a frozen slots dataclass an ``__init__`` that sets each slot through its own setter.

    A frozen dataclass's generated ``__init__`` sets every field with ``object.__setattr__``,
    which costs a first sync of 100,000 rows a second over its 700,000 row, plan and cell
    objects. The signature, the defaults and the frozenness (assignment raises) stay the same.
    Put it above ``@dataclass(frozen=True, slots=True)``; fields with a default factory are
    refused (give them an immutable default instead).
    """
    specs = dataclasses.fields(cls)  # type: ignore[arg-type]
    namespace: dict[str, Any] = {}
    parameters: list[str] = []
    body: list[str] = []
    for spec in specs:
        name = spec.name
        if spec.default_factory is not dataclasses.MISSING or not spec.init:
            raise TypeError(f"{cls.__name__}.{name}: quick_init needs plain defaults")
        if spec.default is dataclasses.MISSING:
            parameters.append(name)
        else:
            namespace[f"_default_{name}"] = spec.default
            parameters.append(f"{name}=_default_{name}")
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        body.append(f"    _set_{name}(self, {name})")
    exec(f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(body), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = {**{spec.name: spec.type for spec in specs}, "return": None}
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


class Stage(StrEnum):
    WISHLIST = "wishlist"
    APPLIED = "applied"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    INTERVIEWED = "interviewed"
    OFFER = "offer"
    NEGOTIATING = "negotiating"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Action(StrEnum):
    PREPARE_INTERVIEW = "prepare_interview"
    SEND_THANK_YOU = "send_thank_you"
    FOLLOW_UP = "follow_up"
    REQUEST_FEEDBACK = "request_feedback"
    RESPOND_TO_OFFER = "respond_to_offer"
    SEND_ACCEPTANCE = "send_acceptance"
    CLOSE_OUT = "close_out"
    NONE = "none"

    @property
    def label(self) -> str:
        """The readable text shown in the sheet's Next Action column."""
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.PREPARE_INTERVIEW: "Prepare for interview",
    Action.SEND_THANK_YOU: "Send thank-you",
    Action.FOLLOW_UP: "Follow up",
    Action.REQUEST_FEEDBACK: "Request feedback",
    Action.RESPOND_TO_OFFER: "Respond to offer",
    Action.SEND_ACCEPTANCE: "Send acceptance",
    Action.CLOSE_OUT: "Close out",
    Action.NONE: "None",
}


class Urgency(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    UPCOMING = "upcoming"
    DONE = "done"
    INVALID = "invalid"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"


class OfferDecision(StrEnum):
    ACCEPT = "accept"
    NEGOTIATE = "negotiate"
    UNDECIDED = "undecided"


#: Each choice's text, ``member.value``: that is a Python-level property, slow where a loop over a
#: big tracker's rows asks for it (drafts, plans, ``--json``).
CHOICE_TEXTS: dict[StrEnum, str] = {
    member: member.value
    for kind in (Stage, Action, Urgency, Channel, OfferDecision)
    for member in kind
}

_SEPARATORS = re.compile(r"[\s\-_]+")


def normalize_label(text: object) -> str:
    """Header/stage matching key: case, surrounding space and space/-/_ differences ignored."""
    return _SEPARATORS.sub(" ", str(text).strip().casefold()).strip()


#: A raw cell value as a backend reads it (before any parsing).
CellValue = str | int | float | bool | date | datetime | None


@quick_init
@dataclass(frozen=True, slots=True)
class Application:
    """One parsed tracker row: the inputs of the rules. Blank cells are None."""

    company: str | None = None
    position: str | None = None
    stage: Stage | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    preferred_channel: Channel | None = None
    applied_on: date | None = None
    interview_on: date | None = None
    interview_at: datetime | None = None
    thank_you_sent_on: date | None = None
    last_contact_on: date | None = None
    follow_ups_sent: int = 0
    last_response_on: date | None = None
    decision_expected_on: date | None = None
    offer_received_on: date | None = None
    offer_deadline: date | None = None
    offer_decision: OfferDecision | None = None
    rejected_on: date | None = None
    feedback_requested_on: date | None = None
    snooze_until: date | None = None
    topics_discussed: str | None = None
    personal_connection: str | None = None
    forgot_to_mention: str | None = None
    industry: str | None = None
    notes: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules decided for one row."""

    action: Action | None  # None only when urgency is INVALID
    due_on: date | None
    urgency: Urgency
    why: str

    def as_json(self, row: int) -> dict[str, Any]:
        action, due_on = self.action, self.due_on
        return {
            "row": row,
            "action": CHOICE_TEXTS[action] if action else None,
            "due": due_on.isoformat() if due_on else None,
            "urgency": CHOICE_TEXTS[self.urgency],
            "why": self.why,
        }


def tracker_schema() -> dict[str, Any]:
    return schema("tracker")
