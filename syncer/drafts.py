"""Draft messages: one Jinja template per action and channel, rendered from a row's fields.

Row text (Notes, Topics Discussed, ...) is only ever passed to a template as data, so braces
typed in a cell stay literal. Templates run in Jinja's sandbox with ``StrictUndefined``; a
broken template in a coach's folder raises ``TemplateProblem`` naming the file and line, which
the caller treats as a tracker-level problem. See templates/README.md for the variables, the
file naming and the fallback order.
"""

from __future__ import annotations

import functools
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    pass_context,
)
from jinja2.runtime import Context, new_context
from jinja2.sandbox import SandboxedEnvironment

from syncer import wording
from syncer.backends.base import GOOGLE_CELL_LIMIT
from syncer.errors import SyncerError
from syncer.model import (
    CHOICE_TEXTS,
    Action,
    Application,
    Channel,
    Decision,
    OfferDecision,
    quick_init,
)
from syncer.resources import templates_dir
from syncer.template_loader import ConfinedLoader

#: Appended to a draft that had to be cut to fit one spreadsheet cell.
SHORTENED_MARKER = "\n[... draft shortened by syncer to fit a cell ...]"

#: Google Sheets refuses cells longer than this.
CELL_LIMIT = GOOGLE_CELL_LIMIT

_ARRIVE_EARLY = timedelta(minutes=15)

_UNDECIDED = OfferDecision.UNDECIDED.value
_EMAIL = Channel.EMAIL
_NO_ACTION = Action.NONE
_RESPOND_TO_OFFER = Action.RESPOND_TO_OFFER


class TemplateProblem(SyncerError):
    """A draft template cannot be loaded or rendered: a tracker-level problem, not a crash."""

    def __init__(self, template: str, line: int | None, message: str) -> None:
        where = f"{template}, line {line}" if line is not None else template
        super().__init__(f"draft template {where}: {message}")
        self.template = template
        self.line = line
        self.message = message


@quick_init
@dataclass(frozen=True, slots=True)
class Draft:
    """A rendered draft message, ready for the person to edit."""

    text: str
    template: str  # the template file that rendered it
    missing: tuple[str, ...]  # fields whose absence left a visible placeholder


def template_names(action: Action, channel: Channel, offer: OfferDecision | None) -> list[str]:
    """The file names to try, best first; each name is looked up in every folder in turn."""
    stems = [action.value]
    if action is Action.RESPOND_TO_OFFER:
        stems.insert(0, f"{action.value}.{(offer or OfferDecision.UNDECIDED).value}")
    names: list[str] = []
    for stem in stems:
        names += [f"{stem}.{channel.value}.j2", f"{stem}.j2", f"{stem}.{Channel.EMAIL.value}.j2"]
    return list(dict.fromkeys(names))


@pass_context
def long_date(context: Context, value: date | None) -> str:
    """'Tuesday 3 December'; the year is added when it is not the year of ``today``."""
    if value is None:
        return ""
    today = context.get("today")
    this_year = today.year if isinstance(today, date) else None
    if type(value) is date:  # dates recur across rows, and strftime is slow
        return _long_date(value, this_year)
    return _long_date.__wrapped__(value, this_year)


@functools.lru_cache(maxsize=4096)
def _long_date(value: date, this_year: int | None) -> str:
    text = f"{value:%A} {value.day} {value:%B}"
    if this_year is not None and value.year != this_year:
        text += f" {value.year}"
    return text


def clock(value: datetime | None) -> str:
    """'2:30 pm', or '' when there is no time."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def _text(value: str | None) -> str:
    return (value or "").strip()


#: Template environments kept per process (one per template folder in use); a bound, not a goal.
ENVIRONMENT_CACHE_LIMIT = 64

_environments: dict[tuple[str | None, tuple[str, ...], str], SandboxedEnvironment] = {}
_environments_lock = threading.Lock()


def template_environment(template_dir: Path | None) -> SandboxedEnvironment:
    """The Jinja environment for a coach's folder (or none) backed by syncer's own templates.

    Shared by every renderer of the process that uses the same folders, so a coach run over
    200 trackers loads and compiles each template once, not 200 times. The key includes the
    folder's template file names (a file added or removed means a fresh environment), and an
    edited file is reloaded (``auto_reload`` compares its modification time). Thread-safe:
    trackers are planned in a thread pool, and Jinja's template cache has its own lock.
    """
    ours = templates_dir()
    names: tuple[str, ...] = ()
    folder = None
    if template_dir is not None:
        folder = str(template_dir)
        names = tuple(sorted(path.name for path in Path(folder).glob("*.j2")))
    key = (folder, names, str(ours))
    with _environments_lock:
        environment = _environments.get(key)
        if environment is None:
            if len(_environments) >= ENVIRONMENT_CACHE_LIMIT:
                _environments.clear()
            environment = _new_environment(folder, ours)
            _environments[key] = environment
    return environment


def _new_environment(folder: str | None, ours: Traversable) -> SandboxedEnvironment:
    folders: list[Path | Traversable] = [] if folder is None else [Path(folder)]
    environment = SandboxedEnvironment(
        loader=ConfinedLoader([*folders, ours]),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    environment.filters.update(long_date=long_date, clock=clock)
    _add_wording_filters(environment)
    return environment


def _add_wording_filters(environment: SandboxedEnvironment) -> None:
    """The filters that set a person's free text into a sentence (see syncer/wording.py)."""
    environment.filters.update(
        phrase=wording.phrase,
        clause=wording.clause,
        sentences=wording.sentences,
        mention=wording.mention,
    )


class DraftRenderer:
    """Renders drafts from a coach's template folder (optional) backed by syncer's own."""

    def __init__(
        self,
        template_dir: Path | None = None,
        *,
        candidate_name: str | None = None,
        max_chars: int = CELL_LIMIT,
    ) -> None:
        if max_chars <= len(SHORTENED_MARKER):
            raise ValueError(f"max_chars must exceed {len(SHORTENED_MARKER)}, got {max_chars}")
        if template_dir is not None and not Path(template_dir).is_dir():
            raise TemplateProblem(str(template_dir), None, "no such template folder")
        self.template_dir = Path(template_dir) if template_dir is not None else None
        self.candidate_name = _text(candidate_name)
        self.max_chars = max_chars
        self.environment = template_environment(self.template_dir)
        self._templates: dict[tuple[Action, Channel, OfferDecision | None], Template] = {}
        self._globals: dict[str | None, dict[str, Any]] = {}

    def render(self, app: Application, decision: Decision, today: date) -> Draft | None:
        """None when decision.action is None or Action.NONE."""
        action = decision.action
        if action is None or action is _NO_ACTION:
            return None
        channel = app.preferred_channel or _EMAIL
        offer = app.offer_decision if action is _RESPOND_TO_OFFER else None
        template = self._template(action, channel, offer)
        missing: list[str] = []

        def placeholder(field: str, hint: str) -> str:
            if field not in missing:
                missing.append(field)
            return f"[{hint}]"

        context = self._context(app, decision, today, channel, placeholder)
        try:
            text = self._render(template, context)
        except TemplateError as error:
            raise _problem(template.filename or template.name or "?", error) from error
        return Draft(self._fit(text.strip()), template.filename or "", tuple(missing))

    def _render(self, template: Template, context: dict[str, Any]) -> str:
        """``template.render(context)`` without its two copies of the variables.

        ``render`` merges the environment's globals (a ChainMap, slow to copy) into a new dict
        for every draft, and the context lists the ChainMap's names again; here they are copied
        to a plain dict once per template, which is both the context's base and its globals
        (``Template.new_context`` with that dict). Errors are rewritten to point into the
        template, as ``render`` does.
        """
        variables = self._globals.get(template.name)
        if variables is None:
            variables = self._globals[template.name] = dict(template.globals)
        frame = new_context(
            template.environment,
            template.name,
            template.blocks,
            {**variables, **context},
            shared=True,
            globals=variables,
        )
        try:
            return template.environment.concat(template.root_render_func(frame))
        except Exception:
            template.environment.handle_exception()
            raise  # handle_exception always raises; this only tells type checkers so

    def check(self) -> None:
        """Compile every template in the coach's folder now, so a typo fails before any write."""
        for name in self._override_names():
            self._compile(name)

    def _override_names(self) -> Iterator[str]:
        if self.template_dir is not None:
            yield from sorted(path.name for path in self.template_dir.glob("*.j2"))

    def _template(self, action: Action, channel: Channel, offer: OfferDecision | None) -> Template:
        key = (action, channel, offer)
        cached = self._templates.get(key)
        if cached is None:
            names = template_names(action, channel, offer)
            try:
                cached = self.environment.select_template(names)
            except TemplateNotFound as error:
                raise TemplateProblem(names[0], None, "no template found") from error
            except TemplateError as error:
                raise _problem(_failed_file(error, names[0]), error) from error
            self._templates[key] = cached
        return cached

    def _compile(self, name: str) -> Template:
        try:
            return self.environment.get_template(name)
        except TemplateError as error:
            raise _problem(_failed_file(error, name), error) from error

    def _context(
        self,
        app: Application,
        decision: Decision,
        today: date,
        channel: Channel,
        placeholder: Callable[[str, str], str],
    ) -> dict[str, Any]:
        interview_at = app.interview_at
        stage, offer, action = app.stage, app.offer_decision, decision.action
        # Text fields inline, ``(x or "").strip()``: a call each costs a big tracker seconds.
        return {
            "company": (app.company or "").strip(),
            "position": (app.position or "").strip(),
            "stage": CHOICE_TEXTS[stage] if stage else "",
            "contact_name": (app.contact_name or "").strip(),
            "contact_email": (app.contact_email or "").strip(),
            "contact_phone": (app.contact_phone or "").strip(),
            "candidate_name": self.candidate_name,
            "applied_on": app.applied_on,
            "interview_on": app.interview_on,
            "interview_at": interview_at,
            "arrive_by": interview_at - _ARRIVE_EARLY if interview_at else None,
            "due_on": decision.due_on,
            "today": today,
            "topics_discussed": (app.topics_discussed or "").strip(),
            "personal_connection": (app.personal_connection or "").strip(),
            "forgot_to_mention": (app.forgot_to_mention or "").strip(),
            "industry": (app.industry or "").strip(),
            "notes": (app.notes or "").strip(),
            "follow_ups_sent": app.follow_ups_sent,
            "last_contact_on": app.last_contact_on,
            "offer_received_on": app.offer_received_on,
            "offer_deadline": app.offer_deadline,
            "offer_decision": CHOICE_TEXTS[offer] if offer else _UNDECIDED,
            "decision_expected_on": app.decision_expected_on,
            "action": CHOICE_TEXTS[action] if action else "",
            "channel": CHOICE_TEXTS[channel],
            "placeholder": placeholder,
        }

    def _fit(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        room = self.max_chars - len(SHORTENED_MARKER)
        return text[:room].rstrip() + SHORTENED_MARKER


def _failed_file(error: TemplateError, fallback: str) -> str:
    if isinstance(error, TemplateSyntaxError):
        return error.filename or error.name or fallback
    return fallback


def _problem(filename: str, error: TemplateError) -> TemplateProblem:
    """Name the template file and line of a Jinja error.

    Syntax errors carry both; for a runtime error, Jinja rewrites the traceback so that its
    frames point into the template files, and the innermost one (an included file, if any)
    is the line to fix.
    """
    if isinstance(error, TemplateSyntaxError):
        return TemplateProblem(error.filename or filename, error.lineno, error.message or "")
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == filename or frame.filename.endswith(".j2"):
            filename, line = frame.filename, frame.lineno
    return TemplateProblem(filename, line, str(error))
