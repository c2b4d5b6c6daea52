"""One run as the command line shows it: progress, the report or the JSON, the summary, signals.

stdout carries what the person (or a program) reads: the report, or the --json document.
stderr carries the run's log: progress, the summary, failures; with --log-format json every
line there is a JSON object (``syncer.logs.notice``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from types import FrameType
from typing import IO

import click

from syncer.config import TrackerConfig
from syncer.exitcodes import ExitCode
from syncer.journal import Journal
from syncer.logs import json_logs, notice, notice_text
from syncer.output import (
    json_document,
    json_document_pieces,
    summary_counts,
    summary_line,
    tracker_title,
)
from syncer.results import TrackerResult
from syncer.sync import RunOptions, open_backend, sync_each

log = logging.getLogger("syncer.run")

_EXIT_BY_SIGNAL = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}


def run_sync(
    trackers: tuple[TrackerConfig, ...],
    options: RunOptions,
    *,
    as_json: bool,
    show_all: bool = False,
    concurrency: int = 4,
    journal: Journal | None = None,
) -> list[TrackerResult]:
    """Sync the trackers, then report: what needs the person per tracker, or one JSON document.

    With ``journal`` every write is journaled (a dry run and the demo have none).
    """
    opener = journal.opener(open_backend) if journal is not None else open_backend
    with (
        stop_on_signals(journal, dry_run=options.dry_run),
        progress_display(len(trackers)) as on_done,
    ):
        outcomes = sync_each(
            trackers,
            options,
            concurrency=concurrency,
            opener=opener,
            on_done=on_done,
            keep_plans=options.dry_run and show_all and not as_json,  # only they show plans
        )
    results = [result for result, _ in outcomes]
    if as_json:
        if is_terminal(sys.stdout):
            click.echo(json_document(results, dry_run=options.dry_run))
        else:  # one line, written in pieces: a 100,000-row document is never whole in memory
            for piece in json_document_pieces(results, dry_run=options.dry_run):
                click.echo(piece, nl=False)
            click.echo()
    else:
        from rich.console import Console  # the report is laid out (and styled) by rich

        from syncer.report import print_report

        print_report(
            Console(soft_wrap=False),
            results,
            today=options.today or date.today(),
            show_all=show_all,
            plans=[plan for _, plan in outcomes],
        )
    notice(summary_line(results), event="summary", **summary_counts(results))
    for number, result in enumerate(results, start=1):
        if result.failed:
            notice(
                f"failed: {tracker_title(result)}: {result.failed}",
                event="tracker failed",
                level=logging.ERROR,
                tracker=number,
                source=result.source,
            )
    return results


def is_terminal(stream: IO[str]) -> bool:
    """Whether rich takes ``stream`` (stdout or stderr) for a terminal, rich imported only when
    it could: a stream that is no tty, with neither of the variables that make rich take one
    for a terminal (TTY_COMPATIBLE=1, FORCE_COLOR), is none (a --json or cron run then never
    loads rich)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        tty = False
    if not tty and os.environ.get("TTY_COMPATIBLE") != "1" and not os.environ.get("FORCE_COLOR"):
        return False
    from rich.console import Console

    return Console(file=stream).is_terminal


@contextmanager
def progress_display(total: int) -> Iterator[Callable[[TrackerResult], None]]:
    """A progress bar on a terminal; one log line per tracker otherwise (cron)."""
    if total > 1 and not json_logs() and is_terminal(sys.stderr):
        from rich.console import Console
        from rich.progress import Progress

        console = Console(stderr=True, soft_wrap=False)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("syncing", total=total)
            yield lambda result: progress.advance(task)
        return

    def log_line(result: TrackerResult) -> None:
        # The source, never the client's name: logs hold no applicant's words.
        log.info(
            "%s %s: %d cell(s) written, %d row(s)",
            result.status,
            result.source,
            result.cells_written,
            len(result.rows),
        )

    yield log_line


def stopped_message(signal_name: str, journal: Journal | None, *, dry_run: bool) -> str:
    """The one line a run stopped by a signal leaves: whether anything was written."""
    if journal is None and not dry_run:  # the demo: its own sample file, not journaled
        return f"syncer: stopped by {signal_name}: the sample tracker may be half synced"
    if journal is None or not (journal.landed or journal.writing):
        return f"syncer: stopped by {signal_name}: nothing was written"
    parts = []
    if journal.landed:
        parts.append(f"{len(set(journal.landed))} tracker(s) written before it")
    if journal.writing:
        parts.append(f"a write to {', '.join(sorted(journal.writing))} was under way")
    return (
        f"syncer: stopped by {signal_name}: {'; '.join(parts)} "
        f"(run {journal.run_id}; `syncer undo {journal.run_id}` puts back what it wrote)"
    )


@contextmanager
def stop_on_signals(journal: Journal | None, *, dry_run: bool) -> Iterator[None]:
    """SIGINT exits 130 and SIGTERM 143 at once, after one line saying what was written.

    The exit does not wait for trackers being synced in other threads: every write is a file
    replace or one batchUpdate, so stopping at any point is as safe as a crash, which the next
    run recovers from (see the README's Safety section).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        line = notice_text(
            stopped_message(name, journal, dry_run=dry_run),
            event="stopped",
            level=logging.WARNING,
            signal=name,
            written=bool(journal and journal.landed),
        )
        # os.write, not sys.stderr: the signal may have come in the middle of a print.
        show_cursor = "\r\x1b[?25h\n" if sys.stderr.isatty() else ""  # a progress bar hid it
        os.write(2, (show_cursor + line + "\n").encode("utf-8", "replace"))
        os._exit(_EXIT_BY_SIGNAL[signal.Signals(signum)])

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sys.stdout.flush()
