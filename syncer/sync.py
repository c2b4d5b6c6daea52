"""One sync of one tracker: read, plan, check the safety rails, write. And many trackers at once.

A tracker problem fails that tracker only: it becomes ``TrackerResult.failed`` and the others go
on. Row problems are data in the plan, never failures.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from syncer.backends.base import Backend, CellUpdate, SheetData
from syncer.config import TrackerConfig, is_local_source
from syncer.errors import SyncerError, TrackerError, os_cause
from syncer.gcpause import collector_paused
from syncer.plan import Planner
from syncer.results import TrackerResult
from syncer.tracker_plan import TrackerPlan, unwritten, without_unwritten

if TYPE_CHECKING:
    from syncer.google.gmail import GmailDrafts, GmailOutcome

log = logging.getLogger(__name__)

#: The mass-change guard: a plan that changes owned cells in more than this share of the rows
#: AND more than ``MASS_CHANGE_MIN_ROWS`` rows is held back unless --force.
MASS_CHANGE_SHARE = 0.5
MASS_CHANGE_MIN_ROWS = 20


@dataclass(frozen=True)
class RunOptions:
    today: date | None = None  # None: today in the tracker's time zone
    now: datetime | None = None
    dry_run: bool = False
    force: bool = False
    #: Plan every row in full, even one whose memo says it is settled (tests and benchmarks
    #: compare the two; the result is the same).
    replan_all: bool = False


BackendOpener = Callable[[TrackerConfig], Backend]
MailboxOpener = Callable[[TrackerConfig], "GmailDrafts"]


def open_backend(config: TrackerConfig) -> Backend:
    """The backend for a tracker's source: a local file, or a Google Sheets URL or key."""
    if is_local_source(config.source) or Path(config.source).exists():
        from syncer.backends.local import open_local

        return open_local(Path(config.source), header_row=config.header_row, tab=config.tab)
    from syncer.google.backend import open_sheet

    return open_sheet(config)


def run_clock(config: TrackerConfig, options: RunOptions) -> tuple[date, datetime]:
    """(today, now) for a tracker: ``--today`` wins; else the run's moment (``options.now``, or
    the machine's clock) in the tracker's time zone: the config's ``timezone``, else the
    spreadsheet's own, else the machine's."""
    moment = options.now or datetime.now(config.zone)
    if moment.tzinfo is not None and config.zone is not None:
        moment = moment.astimezone(config.zone)
    return options.today or moment.date(), moment


def read_tracker(backend: Backend) -> SheetData:
    """The tracker as read: a big csv as a stream (``CsvBackend.read_streamed``), which keeps
    the plan on disk as it goes, so memory is bounded by a chunk of rows, not by the file;
    anything else (xlsx holds at most 1,048,576 rows, a Sheet 10,000,000 cells) whole."""
    streamed = getattr(backend, "read_streamed", None)
    data = streamed() if streamed is not None else None
    return data if data is not None else backend.read()


def guard(plan: TrackerPlan, previous_rows: int | None, synced_before: bool) -> str | None:
    """Why this plan should not be written without --force, or None."""
    rows = plan.state.data_rows or 0
    if previous_rows and rows == 0:
        return (
            f"read 0 data rows where the last run saw {previous_rows}; "
            "nothing written (was the sheet cleared or the header moved?). Use --force to sync"
        )
    many = plan.changed_rows > MASS_CHANGE_MIN_ROWS
    if synced_before and many and plan.changed_rows > rows * MASS_CHANGE_SHARE:
        return (
            f"the plan would change syncer's cells in {plan.changed_rows} of {rows} rows; "
            "nothing written, in case the sheet was re-sorted or replaced. "
            "Check with --dry-run, then use --force"
        )
    return None


def publish_doc(
    backend: Backend, config: TrackerConfig, data: SheetData, plan: TrackerPlan
) -> tuple[dict[str, str], list[str]]:
    """Publish the plan's drafts in the tracker's linked Doc: (row id -> link to its section,
    a conflict message per section the person edited in the Doc, which is kept).

    A Doc created by this run is remembered in the tracker at once (the state as it was read,
    plus the Doc's id), so a run that dies before its own write never leaves a second Doc.
    """
    doc_drafts = getattr(backend, "doc_drafts", None)
    if doc_drafts is None:
        raise TrackerError(
            config.source,
            'drafts = "doc" needs a Google Sheets tracker; use drafts = "column" for a file',
        )
    publisher = doc_drafts()
    publisher.on_created = lambda: backend.write([], [], data.state)
    links: dict[str, str] = publisher.publish(plan.doc_drafts)
    kept = [
        f"{config.source}: the draft under {plan.doc_drafts[row_id][0]!r} in the drafts Doc "
        "was edited since syncer wrote it; kept"
        for row_id in publisher.kept_edits
    ]
    return links, kept


def sync_gmail(
    gmail: GmailDrafts, backend: Backend, config: TrackerConfig, data: SheetData, plan: TrackerPlan
) -> GmailOutcome:
    """Publish the plan's e-mail drafts in the person's Gmail. Drafts a run created are
    remembered in the tracker at once, so a run that dies before its own write never leaves a
    second draft for the same row."""
    from syncer.google.gmail import publish_gmail, remember_drafts

    outcome = publish_gmail(gmail, config, data.state, plan)
    if outcome.created:
        backend.write([], [], remember_drafts(data.state, outcome))
    return outcome


def edited_during_run(data: SheetData, update: CellUpdate) -> str:
    return (
        f"{data.source} row {update.row}, column {update.column}: the row or cell changed while "
        "syncer was running; not written (the next run plans it again)"
    )


def open_mailbox(config: TrackerConfig) -> GmailDrafts:
    from syncer.google.gmail import open_gmail

    return open_gmail(config)


def sync_tracker(
    config: TrackerConfig,
    options: RunOptions,
    *,
    opener: BackendOpener = open_backend,
    mailbox: MailboxOpener = open_mailbox,
) -> tuple[TrackerResult, TrackerPlan | None]:
    """Sync one tracker. Never raises for a tracker problem: the result says it failed."""
    with collector_paused():
        return _sync_tracker(config, options, opener, mailbox)


def _sync_tracker(
    config: TrackerConfig, options: RunOptions, opener: BackendOpener, mailbox: MailboxOpener
) -> tuple[TrackerResult, TrackerPlan | None]:
    result = TrackerResult(source=config.source, client=config.name, dry_run=options.dry_run)
    data: SheetData | None = None
    try:
        backend = opener(config)
        result.url = getattr(backend, "url", None)
        data = read_tracker(backend)
        config = config.with_sheet_settings(data.locale, data.time_zone)
        today, now = run_clock(config, options)
        planner = Planner(
            config, today, now, cell_limit=backend.cell_limit, incremental=not options.replan_all
        )
        planner.renderer.check()  # a broken template of the tracker's fails it before any write
        plan = planner.plan(data)
        formulas = backend.find_formulas(data, plan.updates) - data.formulas
        if formulas:  # cells the plan would write hold a person's formula: plan again
            data.formulas |= formulas
            plan = planner.plan(data)
        log.debug(
            "planned %s: %d data row(s), %d cell(s) to write in %d row(s)",
            config.source,
            plan.state.data_rows or 0,
            len(plan.updates),
            plan.changed_rows,
        )
        result.rows = plan.rows
        result.errors = plan.errors
        result.conflicts = plan.conflicts
        result.cells_planned, result.rows_planned = len(plan.updates), plan.changed_rows
        result.columns_planned = len(plan.new_columns)
        link = getattr(backend, "row_link", None)
        if link is not None:
            result.rows = [replace(row, link=link(row.row)) for row in plan.rows]
        if options.dry_run:
            result.cells_written = 0
            return result, plan
        held = None if options.force else guard(plan, data.state.data_rows, bool(data.state.cells))
        if held:
            raise TrackerError(config.source, held)
        gmail: GmailOutcome | None = None
        if planner.in_doc:
            links, kept_in_doc = publish_doc(backend, config, data, plan)
            plan = planner.plan(data, doc_links=links)
            plan.conflicts.extend(kept_in_doc)
            result.conflicts = plan.conflicts
        elif planner.in_gmail or config.inbox:
            from syncer.google.gmail import remember_drafts

            gmail = sync_gmail(mailbox(config), backend, config, data, plan)
            mail_links = gmail.links if planner.in_gmail else None
            plan = planner.plan(data, doc_links=mail_links, why_notes=gmail.why_notes())
            plan.conflicts.extend(gmail.notices)
            plan.state = remember_drafts(plan.state, gmail)
            result.rows = plan.rows
            if link is not None:
                result.rows = [replace(row, link=link(row.row)) for row in plan.rows]
            result.conflicts = plan.conflicts
        updates: Sequence[CellUpdate] = plan.updates
        if updates or plan.new_columns:
            updates = backend.recheck(updates)
        dropped = unwritten(plan.updates, updates)
        state = without_unwritten(plan.state, data.state, dropped)
        plan.conflicts.extend(edited_during_run(data, update) for update in dropped)
        result.conflicts = plan.conflicts
        external = planner.in_doc or gmail is not None
        if updates or plan.new_columns or state != data.state or external or data.unsaved_meta:
            backend.write(updates, plan.new_columns, state)
            log.debug("wrote %s: %d cell(s)", config.source, len(updates))
        result.cells_written = len(updates)
        return result, plan
    except SyncerError as exc:
        result.failed = exc.message if isinstance(exc, TrackerError) else str(exc)
    except OSError as exc:  # disk full, read-only file system, permission denied: this tracker's
        where = f": {exc.filename}" if exc.filename else ""
        result.failed = f"{os_cause(exc)}{where}"
    except sqlite3.Error as exc:  # a streamed sync's spill file (disk full, most likely)
        result.failed = f"cannot keep the plan of a big file on disk: {exc}; nothing written"
    finally:
        if data is not None and data.spill is not None:
            data.spill.close()
    # The source only: the reason may quote a cell. The CLI reports the reason once.
    log.info("tracker failed: %s", config.source)
    return result, None


Outcome = tuple[TrackerResult, TrackerPlan | None]


def sync_each(
    configs: Sequence[TrackerConfig],
    options: RunOptions,
    *,
    concurrency: int = 4,
    opener: BackendOpener = open_backend,
    on_done: Callable[[TrackerResult], None] | None = None,
    keep_plans: bool = True,
) -> list[Outcome]:
    """Sync every tracker in a bounded pool; outcomes in the configs' order.

    Without ``keep_plans`` each plan is let go as soon as its tracker is done (the outcome holds
    None): a plan holds every cell update, and a coach's run need not keep 200 of them.
    """

    def one(config: TrackerConfig) -> Outcome:
        result, plan = sync_tracker(config, options, opener=opener)
        if on_done is not None:
            on_done(result)
        return result, plan if keep_plans else None

    if concurrency <= 1 or len(configs) <= 1:
        return [one(config) for config in configs]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="syncer") as pool:
        return list(pool.map(one, configs))


def sync_all(
    configs: Sequence[TrackerConfig],
    options: RunOptions,
    *,
    concurrency: int = 4,
    opener: BackendOpener = open_backend,
    on_done: Callable[[TrackerResult], None] | None = None,
) -> list[TrackerResult]:
    """Sync every tracker (a bounded pool); results in the configs' order."""
    outcomes = sync_each(configs, options, concurrency=concurrency, opener=opener, on_done=on_done)
    return [result for result, _ in outcomes]
