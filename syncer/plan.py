"""Planning: a tracker's rows in, the owned-cell updates out. Pure: no I/O.

For every owned cell the three-way rule decides: a cell that still holds what syncer last wrote
(or was blank) gets the new value; a cell a person changed since is kept and reported as a
conflict. A run whose plan matches what is already there produces no update at all.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol, cast

from syncer.backends.base import (
    GOOGLE_CELL_LIMIT,
    SheetData,
    SyncState,
    canonical_text,
    digest,
)
from syncer.backends.cell_updates import PackedUpdates
from syncer.columns import ColumnMap, column_letter, resolve_columns
from syncer.config import TrackerConfig
from syncer.drafts import DraftRenderer
from syncer.gcpause import collector_paused
from syncer.incremental import (
    MEMO_KEY,
    memo,
    replan_on,
    row_fingerprint,
    row_texts,
    settings_key,
)
from syncer.mail import Contact, EmailDraft
from syncer.model import (
    ACTION_LABELS,
    CHOICE_TEXTS,
    Action,
    Application,
    CellValue,
    Channel,
    Decision,
    Urgency,
)
from syncer.ownership import (
    HELD_SUFFIX,
    Rebuilt,
    RowMemory,
    Verdict,
    first_report,
    held_marker,
    verdict,
)
from syncer.parse import RowParser
from syncer.plan_workers import chunk_ranges, in_parallel, workers_for
from syncer.resources import templates_dir
from syncer.results import RowColumns, RowResult, row_columns, rows_from_columns
from syncer.rules import decide, invalid, latest
from syncer.settled import settled_rows
from syncer.spill import FileIds, Spill, message_log, row_log, update_log
from syncer.tracker_plan import TrackerPlan

#: The digest memo keeps texts up to this long (not drafts), and at most this many of them.
DIGEST_MEMO_MAX_CHARS = 200
DIGEST_MEMO_LIMIT = 50_000

_SYNCERS = Verdict.SYNCERS
# Members held in module names, and their texts in a dict: an Enum's ``.value`` (and, on 3.11,
# a member looked up on its class) costs a Python-level call, thousands of times a run.
_INVALID = Urgency.INVALID
_INVALID_TEXT = Urgency.INVALID.value
_NO_ACTION = Action.NONE
_TODAY_WORD = re.compile(r"\btoday\b")

MISSING_DETAIL = {
    "topics_discussed": "add Topics Discussed so the draft recalls something specific",
    "candidate_name": "add candidate_name to your config",
}


@dataclass(frozen=True)
class _RowPass:
    """What planning every row of one plan reads (``Planner._plan_rows``)."""

    data: SheetData
    parser: RowParser
    id_index: int
    held_ids: Sequence[str] | None  # the Row IDs of rows held as text
    copies: set[int]  # the indexes of rows copied from another (``Planner._copies``)
    in_use: Container[str]  # every Row ID in the file
    remember: bool  # rows get a memo (not when drafts go to a Doc or Gmail, nor with inbox)
    settings: str  # what every row's memo depends on besides its cells
    doc_links: Mapping[str, str] | None
    why_notes: Mapping[str, str] | None


@dataclass
class _Extras:
    """What a pass over rows tells the tracker once, after all its rows."""

    rebuilt: Rebuilt = field(default_factory=Rebuilt)
    fitted_rows: list[int] = field(default_factory=list)  # text the encoding cannot hold

    def add(self, other: _Extras) -> None:
        self.rebuilt.rows += other.rebuilt.rows
        self.rebuilt.kept += other.rebuilt.kept
        self.fitted_rows += other.fitted_rows


def new_row_id(sheet_row: int, app: Application, taken: Container[str]) -> str:
    """A deterministic identity for a row that has none yet (unique within the tracker)."""
    salt = 0
    while True:
        seed = f"{sheet_row}|{app.company}|{app.position}|{salt}".encode()
        candidate = "r" + hashlib.sha256(seed).hexdigest()[:10]
        if candidate not in taken:
            return candidate
        salt += 1


class Planner:
    """Plans one tracker: built once per run (columns, parser, drafts), then ``plan(data)``."""

    def __init__(
        self,
        config: TrackerConfig,
        today: date,
        now: datetime,
        *,
        renderer: DraftRenderer | None = None,
        drafts: bool = True,
        cell_limit: int = GOOGLE_CELL_LIMIT,
        incremental: bool = True,
    ) -> None:
        """``incremental=False`` plans every row in full even when its memo holds (the result
        is the same: the tests compare both ways)."""
        self.config = config
        self.today = today
        self.now = now.replace(second=0, microsecond=0, tzinfo=None)
        self.drafts = drafts and config.drafts != "off"
        self.in_doc = config.drafts == "doc"
        self.in_gmail = config.drafts == "gmail"
        self.renderer = renderer or DraftRenderer(
            config.templates, candidate_name=config.candidate_name, max_chars=cell_limit
        )
        self._digests: dict[str, str] = {}
        self._now_text = canonical_text(self.now)
        self.incremental = incremental
        self.cell_limit = cell_limit
        self._today_iso = today.isoformat()
        self._draft_window = timedelta(days=config.policy.draft_window_days)
        self._policy = config.policy
        self._calendar = config.calendar  # one per region (dates.work_calendar), asked once
        if config.templates is not None:
            # A coach's folder is checked before its files are read (a link out, a missing
            # file): a template problem fails the tracker with its message, never a traceback.
            self.renderer.check()
        self._coach_templates = (
            sorted(Path(config.templates).glob("*.j2")) if config.templates is not None else []
        )
        # A coach's template that reads ``today`` itself may change any day: plan daily then.
        self._daily = any(_TODAY_WORD.search(f.read_text("utf-8")) for f in self._coach_templates)

    def _fingerprint(self, text: str) -> str:
        """``digest(text)``, remembered for short texts: labels, urgencies, dates and most
        reasons repeat across rows (and the repeats then share one string in the state)."""
        known = self._digests.get(text)
        if known is None:
            known = digest(text)
            if len(text) <= DIGEST_MEMO_MAX_CHARS and len(self._digests) < DIGEST_MEMO_LIMIT:
                self._digests[text] = known
        return known

    def plan(
        self,
        data: SheetData,
        doc_links: Mapping[str, str] | None = None,
        why_notes: Mapping[str, str] | None = None,
    ) -> TrackerPlan:
        """The plan for ``data``.

        With drafts in a Doc, the Draft cell holds the link to the row's section: plan once
        without ``doc_links`` (the Draft column is left as it is, ``doc_drafts`` says what to
        publish), publish, then plan again with the links the Doc returned.
        """
        with collector_paused():
            return self._plan(data, doc_links, why_notes)

    def _plan(
        self,
        data: SheetData,
        doc_links: Mapping[str, str] | None,
        why_notes: Mapping[str, str] | None,
    ) -> TrackerPlan:
        columns = resolve_columns(
            data.source,
            data.header,
            self.config.column_aliases,
            synced_before=bool(data.state.cells),
        )
        parser = RowParser(
            columns,
            data.header,
            date_order=self.config.reading_order,
            stage_aliases=self.config.stage_aliases,
        )
        result, taken, file_ids = _fresh_plan(columns, data.spill)
        result.state.data_rows = 0
        id_index = columns.owned["row_id"]
        by_text = data.text_rows
        held_ids = by_text.id_texts(id_index) if by_text is not None else None
        copies, in_use = self._copies(data, parser, id_index, file_ids, held_ids)
        # Drafts in a Doc or Gmail, and the inbox, are planned twice (before and after
        # publishing): always in full.
        remember = not (self.in_doc or self.in_gmail or self.config.inbox)
        rows = _RowPass(
            data=data,
            parser=parser,
            id_index=id_index,
            held_ids=held_ids,
            copies=copies,
            in_use=in_use,
            remember=remember,
            settings=self._settings(columns) if remember else "",
            doc_links=doc_links,
            why_notes=why_notes,
        )
        count = len(data.rows) if by_text is None else len(by_text)
        workers = 1 if data.row_source is not None else workers_for(count)
        if workers == 1:  # a stream's rows are counted as they come
            indexes = range(count) if data.row_source is None else itertools.count()
            part = self._plan_rows(rows, indexes, result, taken)
        else:
            part = self._plan_in_parts(rows, chunk_ranges(count, workers), result, taken)
        if part.rebuilt.rows:
            result.errors.append(part.rebuilt.notice(data.source))
        if part.fitted_rows and data.text_fitter is not None:
            result.errors.append(data.text_fitter.note(data.source, part.fitted_rows))
        return result

    def _plan_in_parts(
        self, rows: _RowPass, chunks: Sequence[range], result: TrackerPlan, taken: _TakenIds
    ) -> _Extras:
        """``_plan_rows`` of each chunk, the first here and the others in worker processes
        (``plan_workers``), put together in row order: the plan is the one a single pass
        makes. Rows depend on rows above them only through the Row IDs given out, and a new
        id never equals one in the file (``new_row_id`` avoids them all), so only two new
        ids alike in two chunks (a 40-bit hash's collision) could differ: then the rows are
        planned here again in one pass (a failed worker's chunk alone is, by ``in_parallel``)."""

        def plan_chunk(chunk: range) -> _Part:
            part = TrackerPlan(columns=result.columns)
            part.state.data_rows = 0
            ids: set[str] = set()
            extras = self._plan_rows(rows, chunk, part, ids)
            part.state.cells.pack_rows()  # here, in parallel: it is stored packed
            return part, extras, ids

        parts = in_parallel(chunks, plan_chunk, _sent_part, _received_part)
        given = [ids for _part, _extras, ids in parts]
        if any(not one.isdisjoint(other) for one, other in itertools.combinations(given, 2)):
            return self._plan_rows(rows, range(chunks[-1].stop), result, taken)
        # ``taken`` is not given the parts' ids: no row is planned after these.
        extras = _Extras()
        while parts:
            part, part_extras, _ids = parts.pop(0)  # each part let go once joined
            result.add(part)
            extras.add(part_extras)
        return extras

    def _plan_rows(
        self,
        rows: _RowPass,
        indexes: range | Iterator[int],
        result: TrackerPlan,
        taken: _TakenIds,
    ) -> _Extras:
        """Plan the rows at ``indexes`` (in order; a count for a stream, all of it) into
        ``result``; ``taken``: the Row IDs given out so far, to which theirs are added."""
        data, parser, id_index = rows.data, rows.parser, rows.id_index
        by_text, held_ids, copies, remember = (
            data.text_rows,
            rows.held_ids,
            rows.copies,
            rows.remember,
        )
        doc_links, why_notes, settings = rows.doc_links, rows.why_notes, rows.settings
        extras = _Extras()
        rebuilt, fitted_rows = extras.rebuilt, extras.fitted_rows
        skip = remember and self.incremental
        previous = data.state.cells
        settled_row, settled_text = settled_rows(
            result.columns, settings, previous, result.state.cells, self._today_iso
        )
        source: Iterable[Sequence[CellValue] | None]
        if by_text is not None:
            source = itertools.repeat(None)
        elif isinstance(indexes, range):
            source = itertools.islice(data.rows, indexes.start, indexes.stop)
        else:
            source = data.each_row()
        cells: Sequence[CellValue]
        data_rows = 0
        for index, read in zip(indexes, source, strict=False):  # ``source`` may run on
            if read is None:
                # A row held as text (a csv in memory): settled when its text says so, and
                # then its values are never built (a settled row is not blank: it was planned).
                assert by_text is not None and held_ids is not None
                if skip and index not in copies:
                    held_id = held_ids[index]
                    sheet_row = data.sheet_row(index)
                    known = (
                        None
                        if held_id in taken
                        else settled_text(by_text.texts, index, sheet_row, held_id)
                    )
                    if known is not None:
                        data_rows += 1
                        taken.add(held_id)
                        result.rows.append(known)
                        continue
                cells = by_text.cells(index)
            else:
                cells = read
            if parser.is_blank_row(cells):
                continue
            data_rows += 1
            sheet_row = data.sheet_row(index)
            if skip and by_text is None and index not in copies:
                held_id = canonical_text(_cell(cells, id_index)).strip()
                known = None if held_id in taken else settled_row(cells, sheet_row, held_id)
                if known is not None:
                    taken.add(held_id)
                    result.rows.append(known)
                    continue
            app, problems = parser.parse(cells)
            decision = self._decide(app, problems, self.today)
            if problems:
                for problem in problems:
                    result.errors.append(f"{data.source} row {sheet_row}, column {problem}")
            elif decision.urgency is Urgency.INVALID:
                result.errors.append(f"{data.source} row {sheet_row}: {decision.why}")
            current_id = canonical_text(_cell(cells, id_index)).strip()
            row_id = current_id
            memory = RowMemory(previous.get(row_id, {}))
            if not row_id or row_id in taken or index in copies:
                if row_id:
                    result.errors.append(
                        f"{data.source} row {sheet_row}, column Row ID: duplicate {row_id!r} "
                        "(a copied row?); given a new identity and planned afresh"
                    )
                    memory = RowMemory(memory.remembered, copy=True)
                row_id = new_row_id(sheet_row, app, _Either(taken, rows.in_use))
            elif row_id not in previous:
                memory = RowMemory({}, orphan=True, would_have=self._would_have(parser, cells))
            taken.add(row_id)
            if self.config.inbox and app.contact_email:
                since = latest(app.last_contact_on, app.last_response_on)
                result.gmail_contacts[row_id] = Contact(app.contact_email, since)
            decision, wanted, draft = self._wanted(app, decision, self.today)
            self._route_draft(result, app, decision, row_id, sheet_row, wanted, draft, doc_links)
            if why_notes and row_id in why_notes:
                why = f"{wanted['why']}; {why_notes[row_id]}"
                wanted["why"] = why
                decision = Decision(decision.action, decision.due_on, decision.urgency, why)
            if data.text_fitter is not None and data.text_fitter.fit_all(wanted):
                fitted_rows.append(sheet_row)
            settled = self._diff_row(
                result, data, cells, sheet_row, row_id, current_id, wanted, memory, rebuilt
            )
            if remember and settled is not None and decision.urgency is not Urgency.INVALID:
                day = replan_on(app, decision, self.today, self.config.policy, daily=self._daily)
                fingerprint = row_fingerprint(settings, row_texts(settled))
                result.state.cells[row_id][MEMO_KEY] = memo(day, fingerprint)
            result.rows.append(
                RowResult(
                    row=sheet_row,
                    company=app.company or "",
                    position=app.position or "",
                    decision=decision,
                    contact_name=app.contact_name or "",
                )
            )
        result.state.data_rows = (result.state.data_rows or 0) + data_rows
        return extras

    def _decide(self, app: Application, problems: Sequence[object], today: date) -> Decision:
        if problems:
            return invalid("; ".join(str(p) for p in problems))
        return decide(app, today, self._policy, self._calendar)

    def _copies(
        self,
        data: SheetData,
        parser: RowParser,
        id_index: int,
        file_ids: FileIds | None,
        held_ids: Sequence[str] | None,
    ) -> tuple[set[int], Container[str]]:
        """The rows that are copies of another row with the same Row ID (their indexes), and
        every Row ID in the file, which a new id must avoid: a row sorted down keeps its id,
        and a row added where it stood, with the same company and role, would otherwise be
        given that very id (``new_row_id`` hashes the sheet row) and take its memory.

        Of rows sharing an id, the original is the one whose owned cells still hold what the
        plan wants for it today (a copy edited into another application no longer does), and
        among equals the upper one. A streamed file's ids go to ``file_ids`` (on disk); only the
        rows of a duplicated id are then read again, to be compared. ``held_ids``: the ids of
        rows held as text (``SheetData.text_rows``), read without their values.
        """
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {}
        by_text = data.text_rows
        ids: Iterable[str] = (
            (canonical_text(_cell(cells, id_index)).strip() for cells in data.each_row())
            if held_ids is None
            else held_ids
        )
        for index, row_id in enumerate(ids):
            if not row_id:  # a blank row has no id
                continue
            if file_ids is not None:
                file_ids.add(row_id, index)
            elif row_id in first:
                groups.setdefault(row_id, [first[row_id]]).append(index)
            else:
                first[row_id] = index
        in_use: Container[str] = first
        if file_ids is not None:
            groups, in_use = file_ids.duplicates(), file_ids
        if not groups:
            return set(), in_use
        members = {index for indexes in groups.values() for index in indexes}
        if by_text is None:
            rows = {index: cells for index, cells in enumerate(data.each_row()) if index in members}
        else:
            rows = {index: by_text.cells(index) for index in sorted(members)}
        copies: set[int] = set()
        for indexes in groups.values():
            keeper = max(indexes, key=lambda index: (self._matching(parser, rows[index]), -index))
            copies.update(index for index in indexes if index != keeper)
        return copies, in_use

    def _matching(self, parser: RowParser, cells: Sequence[CellValue]) -> int:
        """How many of a row's owned cells (drafts aside) hold what the plan wants today."""
        app, problems = parser.parse(cells)
        wanted = self._wanted(app, self._decide(app, problems, self.today), self.today)[1]
        owned = parser.columns.owned
        return sum(
            canonical_text(_cell(cells, owned[name])) == canonical_text(value)
            for name, value in wanted.items()
            if name != "draft"
        )

    def _would_have(self, parser: RowParser, cells: Sequence[CellValue]) -> dict[str, str]:
        """What syncer would have written on the day of the row's Last Synced (nothing when
        that cell holds no date): the row's own columns, to rebuild a lost memory from."""
        stamp = _cell(cells, parser.columns.owned["last_synced"])
        if not isinstance(stamp, date):
            return {}
        day = stamp.date() if isinstance(stamp, datetime) else stamp
        app, problems = parser.parse(cells)
        wanted = self._wanted(app, self._decide(app, problems, day), day)[1]
        return {name: canonical_text(value) for name, value in wanted.items()}

    def _settings(self, columns: ColumnMap) -> str:
        """What every row's plan depends on besides its cells and today (incremental.py): the
        config's planning settings (not where the file is), where each field stands (new
        columns included, so a first run's memo holds on the second), the cell limit, the
        templates."""
        ours = sorted(
            (f for f in templates_dir().iterdir() if f.name.endswith(".j2")), key=lambda f: f.name
        )
        config = self.config
        placed = (sorted(columns.inputs.items()), sorted(columns.owned.items()))
        parts = (
            config.policy,
            config.reading_order,
            sorted(config.stage_aliases.items()),
            sorted((k, tuple(v)) for k, v in config.column_aliases.items()),
            config.candidate_name,
            config.drafts,
            config.calendar,
            placed,
            self.cell_limit,
            self.drafts,
        )
        return settings_key(parts, [*self._coach_templates, *ours])

    def _route_draft(
        self,
        result: TrackerPlan,
        app: Application,
        decision: Decision,
        row_id: str,
        sheet_row: int,
        wanted: dict[str, CellValue],
        draft: str,
        links: Mapping[str, str] | None,
    ) -> None:
        """Drafts that go elsewhere (a Doc; Gmail for e-mail rows): the first plan (no
        ``links``) leaves the Draft column as it is and says what to publish; the second puts
        the published draft's link there (none when it has no draft now)."""
        if "draft" not in wanted:
            return
        channel = app.preferred_channel or Channel.EMAIL
        if self.in_doc:
            if draft:
                heading = " — ".join(part for part in (app.company, app.position) if part)
                result.doc_drafts[row_id] = (heading or f"Row {sheet_row}", draft)
        elif self.in_gmail and channel is Channel.EMAIL:
            if draft:
                result.gmail_drafts[row_id] = EmailDraft.from_text(
                    app.contact_email or "",
                    draft,
                    action=decision.action.value if decision.action else "",
                    follow_ups_sent=app.follow_ups_sent,
                )
        else:
            return
        if links is None:
            del wanted["draft"]
        else:
            wanted["draft"] = links.get(row_id) if draft else None

    def _wanted(
        self, app: Application, decision: Decision, today: date
    ) -> tuple[Decision, dict[str, CellValue], str]:
        """The owned values the plan wants (an invalid row leaves action, due and draft alone),
        and the draft's text ("" when there is none)."""
        action = decision.action
        urgency = decision.urgency
        if urgency is _INVALID or action is None:
            return decision, {"urgency": _INVALID_TEXT, "why": decision.why}, ""
        why = decision.why
        draft_text = ""
        due_on = decision.due_on
        if (
            self.drafts
            and action is not _NO_ACTION
            and due_on is not None
            and due_on <= today + self._draft_window
        ):
            draft = self.renderer.render(app, decision, today)
            if draft is not None:
                draft_text = draft.text
                asks = [MISSING_DETAIL[m] for m in draft.missing if m in MISSING_DETAIL]
                if asks:
                    why = f"{why}; {'; '.join(asks)}"
        if why != decision.why:
            decision = Decision(action, due_on, urgency, why)
        wanted: dict[str, CellValue] = {
            "next_action": ACTION_LABELS[action],
            "due_date": due_on,
            "urgency": CHOICE_TEXTS[urgency],
            "why": why,
            "draft": draft_text or None,
        }
        return decision, wanted, draft_text

    def _diff_row(
        self,
        result: TrackerPlan,
        data: SheetData,
        cells: Sequence[CellValue],
        sheet_row: int,
        row_id: str,
        current_id: str,
        wanted: dict[str, CellValue],
        memory: RowMemory,
        rebuilt: Rebuilt,
    ) -> list[CellValue] | None:
        """Settle the row's owned cells; the row's cells as they stand after the write, or None
        when a person's value was kept (such a row is planned in full next time).

        For every owned cell the ownership rule says write, leave, or keep a person's value
        (reported once). The common cases are inline: a row plans six cells and a big first
        sync a hundred thousand rows.
        """
        columns = result.columns
        owned = columns.owned
        width = len(cells)
        remembered = memory.remembered
        kept = dict(remembered)
        writes: list[tuple[str, CellValue, str]] = []
        held_cells: list[str] = []
        formulas = data.formulas
        fingerprint = self._fingerprint

        def planned() -> Iterator[tuple[str, CellValue, str]]:
            """Each owned value with its canonical text; Last Synced once something is written."""
            for name, value in wanted.items():
                yield name, value, value if type(value) is str else canonical_text(value)
            if writes:
                yield "last_synced", self.now, self._now_text

        for name, value, new in planned():
            index = owned[name]
            held = cells[index] if index < width else None
            current = held if type(held) is str else canonical_text(held)
            formula = bool(formulas) and (sheet_row, index) in formulas
            if current != new or formula:
                whose = verdict(name, held, current, memory, formula=formula)
                if whose is not _SYNCERS:
                    held_cells.append(name)
                    kept[name + HELD_SUFFIX] = self._held(
                        result, data, sheet_row, name, index, whose, current, new, memory, rebuilt
                    )
                    continue
                writes.append((name, value, current))
            kept[name] = fingerprint(new)
            if remembered:  # a first sync's rows have no reported pair to forget
                kept.pop(name + HELD_SUFFIX, None)
        if not writes:
            # A settled row's time stamp is syncer's own, even when the state missed it (a run
            # that ended between writing a file and its sidecar); a person's text is not a date.
            stamp = _cell(cells, owned["last_synced"])
            if isinstance(stamp, date):
                kept["last_synced"] = fingerprint(canonical_text(stamp))
        if memory.orphan:
            rebuilt.rows += 1
        if row_id != current_id:
            writes.append(("row_id", row_id, current_id))
        if writes:
            result.updates.add_row(sheet_row, row_id, writes, columns.owned_header_text)
            result.changed_rows += 1
        kept["row_id"] = fingerprint(row_id)
        kept.pop(MEMO_KEY, None)
        result.state.cells[row_id] = kept
        if held_cells:
            return None
        after = list(cells)
        for name, value, _current in writes:
            index = owned[name]
            if index >= len(after):
                after.extend([None] * (index + 1 - len(after)))
            after[index] = value
        return after

    @staticmethod
    def _held(
        result: TrackerPlan,
        data: SheetData,
        sheet_row: int,
        name: str,
        index: int,
        whose: Verdict,
        current: str,
        new: str,
        memory: RowMemory,
        rebuilt: Rebuilt,
    ) -> str:
        """A cell a person holds: reported (once per pair of values); its state marker."""
        marker = held_marker(current, new)
        if memory.orphan:
            rebuilt.held(f"{column_letter(index)}{sheet_row}")
        elif first_report(memory.remembered, name, marker):
            header = result.columns.owned_header_text[name]
            why = (
                "holds a formula a person typed; kept (syncer never writes over a formula)"
                if whose is Verdict.FORMULA
                else "changed by a person since syncer wrote it; kept"
            )
            if name == "draft" and whose is Verdict.PERSONS:
                why += " (clear the cell to give it back to syncer)"
            result.conflicts.append(
                f"{data.source} row {sheet_row}, column {header} "
                f"({column_letter(index)}{sheet_row}): {why}"
            )
        return marker


_Part = tuple[TrackerPlan, _Extras, set[str]]


def _sent_part(part: _Part) -> tuple[_Part, RowColumns]:
    """A worker's part as it is pickled: its rows' plans as columns (``row_columns``)."""
    plan, extras, ids = part
    columns = row_columns(plan.rows)
    plan.rows = []
    return (plan, extras, ids), columns


def _received_part(sent: tuple[_Part, RowColumns]) -> _Part:
    (plan, extras, ids), columns = sent
    plan.rows = rows_from_columns(columns)
    return plan, extras, ids


def _cell(cells: Sequence[CellValue], index: int) -> CellValue:
    return cells[index] if index < len(cells) else None


class _TakenIds(Protocol, Container[str]):
    def add(self, row_id: str) -> None: ...


class _Either:
    """Holds what either container holds (the ids a copy's new id must avoid)."""

    def __init__(self, first: Container[str], second: Container[str]) -> None:
        self.first, self.second = first, second

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second


def _fresh_plan(
    columns: ColumnMap, spill: Spill | None
) -> tuple[TrackerPlan, _TakenIds, FileIds | None]:
    """An empty plan, the Row IDs it has given out, and where the file's ids go. A streamed
    file's plan keeps its rows, updates and new state on disk a chunk at a time (``spill``):
    the planning loop is the same, its lists and dicts are the spill's."""
    if spill is None:
        return TrackerPlan(columns=columns), set(), None
    cells, taken, file_ids = spill.start_plan()
    result = TrackerPlan(
        columns=columns,
        # Stand-ins for the lists (append, len, iteration, indexing), on disk a chunk at a time.
        rows=cast(list[RowResult], row_log()),
        updates=cast(PackedUpdates, update_log()),
        errors=cast(list[str], message_log()),
        conflicts=cast(list[str], message_log()),
        state=SyncState(cells=cells),
    )
    return result, taken, file_ids
