"""The numbers of the default follow-up policy, every one configurable per tracker."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Policy:
    """Days and counts the rules use. Defaults are SPEC.md's default policy."""

    follow_up_after_applying_days: int = 7
    max_follow_ups_after_applying: int = 2
    prepare_days_before_interview: int = 2
    thank_you_due_days: int = 1
    thank_you_window_days: int = 7
    follow_up_after_interview_days: int = 7
    max_follow_ups_after_interview: int = 3
    days_after_decision_expected: int = 1
    offer_response_days: int = 2
    days_before_offer_deadline: int = 1
    negotiation_follow_up_days: int = 3
    acceptance_due_days: int = 1
    feedback_wait_days: int = 3
    draft_window_days: int = 3

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def updated(self, overrides: dict[str, Any]) -> Policy:
        """A copy with some numbers replaced (keys already validated by the config schema)."""
        return replace(self, **overrides)
