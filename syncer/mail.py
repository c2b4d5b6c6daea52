"""What the planner hands to a mailbox: a row's e-mail draft and its contact (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from syncer.backends.base import digest


@dataclass(frozen=True)
class EmailDraft:
    """One row's e-mail, as the template rendered it."""

    to: str
    subject: str
    body: str
    action: str = ""  # the action code, for what to propose once it was sent
    follow_ups_sent: int = 0

    @classmethod
    def from_text(cls, to: str, text: str, **details: Any) -> EmailDraft:
        """``text`` is a rendered e-mail: an optional "Subject: ..." line, then the body."""
        first, _, rest = text.partition("\n")
        if first.lower().startswith("subject:"):
            return cls(to, first.split(":", 1)[1].strip(), rest.strip("\n"), **details)
        return cls(to, "", text, **details)

    @property
    def fingerprint(self) -> str:
        return digest(f"{self.to}\n{self.subject}\n{self.body}")


@dataclass(frozen=True)
class Contact:
    """A row's contact, for replies: their address and the last exchange the row records."""

    email: str
    since: date | None
