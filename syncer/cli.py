"""The command line: thin. Each command builds options, calls the library, reports.

Library errors become ``click.ClickException`` (exit 2 for usage/config problems); tracker
failures are results, reported and counted in the exit status (1).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import Progress

from syncer import __version__
from syncer.backends.base import Backend
from syncer.config import (
    Config,
    TrackerConfig,
    is_local_source,
    load_config,
    tracker_config,
)
from syncer.errors import ConfigError, LockHeldError, SyncerError
from syncer.exitcodes import ExitCode
from syncer.journal import Journal, journal_dir, list_runs, undo
from syncer.lock import RunLock, state_dir
from syncer.logs import configure as configure_logging
from syncer.output import (
    json_document,
    json_document_pieces,
    print_actions,
    print_changes,
    summary_line,
)
from syncer.results import TrackerResult
from syncer.sync import BackendOpener, RunOptions, open_backend, sync_each

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(click.ClickException):
    exit_code = ExitCode.USAGE


def _parse_today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def config_option(help_text: str) -> Callable[[F], F]:
    """--config FILE (a TOML config), with what it means for this command."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


def planning_options(command: F) -> F:
    """--today, --dry-run and --json: on every command that plans."""
    command = click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document on stdout."
    )(command)
    command = click.option(
        "--dry-run", is_flag=True, help="Read and plan, write nothing; show the planned changes."
    )(command)
    command = click.option(
        "--today",
        callback=_parse_today,
        metavar="YYYY-MM-DD",
        help="Plan as if today were this date (default: today in the tracker's time zone).",
    )(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syncer")
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv: debug).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text or as JSON (one object a line, for cron).",
)
def cli(verbose: int, log_format: str) -> None:
    """Plan the next follow-up for every application in your tracker.

    \b
    Quick start:
      syncer demo                         # a sample tracker, synced, in ./syncer-demo/
      syncer init tracker.xlsx            # a new, empty tracker to fill in
      syncer sync tracker.xlsx            # plan and write the status columns
    """
    configure_logging(verbose, log_format)


def _configs(sources: tuple[str, ...], config_path: Path | None) -> Config:
    if config_path is None and not sources:
        raise UsageProblem("name a tracker (a .xlsx/.csv path or a Sheets URL) or --config FILE")
    try:
        config = load_config(config_path) if config_path else Config(trackers=())
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from exc
    if not sources:
        if not config.trackers:
            raise UsageProblem(f"{config_path}: names no trackers ([[trackers]] source = ...)")
        return config
    # Command-line paths are relative to here; the config's own paths to the config's folder.
    base = config.path.parent if config.path else Path.cwd()
    absolute = [
        str(Path(source).absolute()) if is_local_source(source) else source for source in sources
    ]
    try:
        trackers = tuple(
            tracker_config(
                {"source": source},
                config.defaults,
                base,
                "command line",
                f"SOURCE {i + 1}",
                config.configured_quotas,
            )
            for i, source in enumerate(absolute)
        )
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from exc
    return replace(config, trackers=trackers)


def run_sync(
    trackers: tuple[TrackerConfig, ...],
    options: RunOptions,
    *,
    as_json: bool,
    concurrency: int = 4,
    opener: BackendOpener = open_backend,
) -> list[TrackerResult]:
    """Sync the trackers, then report: a table per tracker, or one JSON document."""
    err = Console(stderr=True, soft_wrap=False)
    out = Console(soft_wrap=False)
    with progress_display(err, len(trackers)) as on_done:
        outcomes = sync_each(
            trackers,
            options,
            concurrency=concurrency,
            opener=opener,
            on_done=on_done,
            keep_plans=options.dry_run and not as_json,  # only the dry-run tables show plans
        )
    results = [result for result, _ in outcomes]
    if as_json:
        if out.is_terminal:
            click.echo(json_document(results, dry_run=options.dry_run))
        else:  # one line, written in pieces: a 100,000-row document is never whole in memory
            for piece in json_document_pieces(results, dry_run=options.dry_run):
                click.echo(piece, nl=False)
            click.echo()
    else:
        for result, plan in outcomes:
            if options.dry_run:
                print_changes(out, result, plan)
            else:
                print_actions(out, result)
    err.print(summary_line(results), highlight=False, soft_wrap=True)
    for result in results:
        if result.failed:
            err.print(
                f"failed: {result.client or result.source}: {result.failed}",
                highlight=False,
                soft_wrap=True,
            )
    return results


@cli.command()
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@config_option("A TOML config: its trackers, or defaults for the SOURCEs given.")
@planning_options
@click.option("--force", is_flag=True, help="Write even when a safety guard holds the plan back.")
@click.option(
    "--digest",
    "digest_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write digest.html, digest.csv and digest.ics into this folder after the run.",
)
@click.option(
    "--shard",
    metavar="I/N",
    help="Sync only shard I of N of the trackers (a stable split for several machines).",
)
def sync(
    sources: tuple[str, ...],
    config_path: Path | None,
    today: date | None,
    dry_run: bool,
    as_json: bool,
    force: bool,
    digest_dir: Path | None,
    shard: str | None,
) -> None:
    """Plan each row's next action and write the status columns back.

    SOURCE is a .xlsx or .csv path, a Google Sheets URL or key.

    \b
    Examples:
      syncer sync tracker.xlsx
      syncer sync tracker.csv --today 2026-11-26 --json
      syncer sync --config coach.toml --dry-run
    """
    config = _configs(sources, config_path)
    if shard is not None:
        from syncer.shard import parse_shard, select_shard

        try:
            index, count = parse_shard(shard)
            chosen = tuple(select_shard(config.trackers, index, count))
        except ConfigError as exc:
            raise UsageProblem(str(exc)) from exc
        config = replace(config, trackers=chosen)
    options = RunOptions(today=today, dry_run=dry_run, force=force)
    if dry_run:
        results = run_sync(
            config.trackers, options, as_json=as_json, concurrency=config.concurrency
        )
    else:
        with _run_lock(config):
            journal = Journal(journal_dir(config.state_dir), argv=sys.argv[1:])
            results = run_sync(
                config.trackers,
                options,
                as_json=as_json,
                concurrency=config.concurrency,
                opener=journal.opener(open_backend),
            )
    digest_dir = digest_dir or config.digest_dir
    digest_failed = False
    if digest_dir is not None:
        from syncer.digest import write_digest

        try:
            files = write_digest(
                results,
                digest_dir,
                today=today or date.today(),
                generated_at=datetime.now().astimezone(),
                mode=config.digest_mode,
            )
            click.echo(f"digest: {files.html}", err=True)
        except SyncerError as exc:
            click.echo(f"digest: not written: {exc}", err=True)
            digest_failed = True
    failed = digest_failed or any(result.failed for result in results)
    if config.dashboard is not None and not dry_run:
        if sources or shard is not None:
            click.echo(
                "dashboard: not updated: only a run over the config's whole roster updates it",
                err=True,
            )
        elif not _update_dashboard(config, results, today or date.today()):
            failed = True
    sys.exit(ExitCode.TRACKER_FAILED if failed else ExitCode.OK)


def _update_dashboard(config: Config, results: list[TrackerResult], today: date) -> bool:
    """Rewrite the Coach Dashboard tab; a failure is reported, and the trackers' results stand."""
    from syncer.google.dashboard import dashboard_tracker, write_dashboard

    try:
        report = write_dashboard(results, dashboard_tracker(config), today=today)
    except SyncerError as exc:
        click.echo(f"dashboard failed: {exc}", err=True)
        return False
    click.echo(
        f"dashboard: {report.url} ({report.actions} due action(s), "
        f"{report.failures} failed tracker(s))",
        err=True,
    )
    return True


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--sheet", metavar="URL", help="Prepare an existing Google spreadsheet instead.")
@click.option(
    "--name",
    "candidate_name",
    metavar="NAME",
    help="Your name, to sign the drafts (kept in PATH.syncer.toml beside the new tracker).",
)
@config_option("Defaults (credentials, tab, header row) for --sheet.")
def init(
    path: Path | None, sheet: str | None, candidate_name: str | None, config_path: Path | None
) -> None:
    """Create a new tracker (.xlsx or .csv), or prepare an existing Google spreadsheet.

    A new .xlsx gets every column, dropdowns for Stage, Preferred Channel and Offer Decision
    (in words: "Interview scheduled"), date formats, a frozen header row and a highlight for
    overdue rows; a new .csv gets the header row. With --sheet, the spreadsheet's tab gets what
    a new .xlsx gets.

    \b
    Examples:
      syncer init tracker.xlsx --name "Sam Rivera"
      syncer init tracker.csv
      syncer init --sheet https://docs.google.com/spreadsheets/d/KEY/edit --config me.toml
    """
    if sheet:
        if candidate_name is not None:
            raise UsageProblem(
                "--name is for a new local tracker; with --sheet, put "
                'candidate_name = "..." in the config'
            )
        from syncer.google.setup import prepare_sheet

        (tracker,) = _configs((sheet,), config_path).trackers
        try:
            for line in prepare_sheet(tracker):
                click.echo(line)
        except SyncerError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    if path is None:
        raise UsageProblem("name a new .xlsx or .csv file, or --sheet URL")
    from syncer.backends.workbook_init import NEW_SUFFIXES, create_tracker
    from syncer.tracker_settings import settings_path, write_candidate_name

    if path.suffix.lower() not in NEW_SUFFIXES:
        raise UsageProblem(f"{path}: syncer init makes .xlsx or .csv trackers; name it *.xlsx")
    if candidate_name is not None and settings_path(path).exists():
        raise UsageProblem(
            f"{settings_path(path)} already exists; syncer will not overwrite it "
            "(set candidate_name in it yourself)"
        )
    try:
        create_tracker(path)
    except SyncerError as exc:
        raise UsageProblem(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot create it ({exc.strerror})") from exc
    click.echo(f"Created {path}.")
    if candidate_name is not None:
        kept = write_candidate_name(path, candidate_name)
        click.echo(f"Your name signs the drafts; it is kept in {kept} (edit it there).")
    else:
        click.echo(
            f'To sign the drafts with your name: candidate_name = "..." in {settings_path(path)}'
        )
    click.echo(f"Fill in a row per application, then: syncer sync {path}")


@cli.command()
@click.argument("source")
@config_option("Defaults (credentials, tab, header row) for the tracker.")
def doctor(source: str, config_path: Path | None) -> None:
    """Check a Google Sheets tracker: credentials, access, headers, config; say what to fix.

    \b
    Example:
      syncer doctor https://docs.google.com/spreadsheets/d/KEY/edit --config me.toml
    """
    from syncer.google.setup import doctor as run_doctor

    (tracker,) = _configs((source,), config_path).trackers
    checks = run_doctor(tracker)
    for check in checks:
        mark = "warn" if check.warn else ("ok  " if check.ok else "FAIL")
        click.echo(f"{mark} {check.name}: {check.message}")
        if (check.warn or not check.ok) and check.fix:
            click.echo(f"     fix: {check.fix}")
        if (check.warn or not check.ok) and check.section is not None:
            click.echo(f"     see {check.section.link}")
    sys.exit(ExitCode.OK if all(check.ok for check in checks) else ExitCode.TRACKER_FAILED)


@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("syncer-demo"),
    show_default=True,
    help="The demo's own folder (created; an earlier demo in it is replaced).",
)
@planning_options
def demo(folder: Path, today: date | None, dry_run: bool, as_json: bool) -> None:
    """Copy a sample tracker into a folder of its own and sync it, to see what syncer does.

    The sample's dates are moved so that they sit around today (or --today), on working days.

    \b
    Example:
      syncer demo && open syncer-demo/tracker.csv
    """
    from syncer.demo import write_demo_tracker

    run_day = today or date.today()
    files = write_demo_tracker(folder, run_day)
    click.echo(
        f"demo: wrote the sample tracker {files.tracker}; syncing it as of {run_day.isoformat()}",
        err=True,
    )
    trackers = (TrackerConfig(source=str(files.tracker), name="demo"),)
    options = RunOptions(today=run_day, dry_run=dry_run, now=datetime.now())
    results = run_sync(trackers, options, as_json=as_json)
    if not dry_run and not any(r.failed for r in results):
        click.echo(
            f"demo: {files.tracker} now has syncer's columns and drafts (open it to see them); "
            f"beside it, {files.state.name} is what syncer remembers about its cells and "
            f"{files.backup.name} the tracker as it was before the sync",
            err=True,
        )
    sys.exit(ExitCode.TRACKER_FAILED if any(r.failed for r in results) else ExitCode.OK)


@contextmanager
def _run_lock(config: Config) -> Iterator[None]:
    """Hold the run lock, or exit 75 at once (before any API call) when another run has it."""
    try:
        with RunLock(state_dir(config.state_dir) / "run.lock"):
            yield
    except LockHeldError as exc:
        click.echo(f"syncer: {exc}", err=True)
        sys.exit(ExitCode.LOCKED)


@cli.command()
@config_option("The config whose run.state_dir holds the journal.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def history(config_path: Path | None, as_json: bool) -> None:
    """List the runs that wrote something, newest first (for `syncer undo RUN_ID`)."""
    config = _load_optional(config_path)
    runs = list_runs(journal_dir(config.state_dir))
    if as_json:
        import json

        click.echo(json.dumps([run.__dict__ for run in runs], indent=2, default=list))
        return
    if not runs:
        click.echo("No runs have written anything yet.")
    for run in runs:
        failed = f", {len(run.failed)} failed" if run.failed else ""
        click.echo(
            f"{run.run_id}  {run.started_at}  {run.cells} cell(s) in "
            f"{len(run.trackers)} tracker(s){failed}  [{run.argv}]"
        )


@cli.command("undo")
@click.argument("run_id")
@config_option("The config the run used (tab, header row and credentials of its trackers).")
def undo_command(run_id: str, config_path: Path | None) -> None:
    """Put back what a run overwrote, where the cell still holds what that run wrote.

    A cell changed since the run is left alone and reported as a conflict.

    \b
    Example:
      syncer history
      syncer undo 20261126T020000Z-3f9a
    """
    config = _load_optional(config_path)
    by_source = {tracker.source: tracker for tracker in config.trackers}

    def backend_for(source: str) -> Backend:
        return open_backend(by_source.get(source) or TrackerConfig(source=source))

    with _run_lock(config):
        folder = journal_dir(config.state_dir)
        try:
            report = undo(
                run_id, backend_for, folder=folder, journal=Journal(folder, argv=sys.argv[1:])
            )
        except SyncerError as exc:
            raise UsageProblem(str(exc)) from exc
    click.echo(f"restored {report.restored} cell(s); {report.unchanged} already as before")
    for conflict in report.conflicts:
        click.echo(f"conflict: {conflict}")
    for source, why in report.failed.items():
        click.echo(f"failed: {source}: {why}", err=True)
    sys.exit(ExitCode.OK if not report.failed else ExitCode.TRACKER_FAILED)


def _load_optional(config_path: Path | None) -> Config:
    if config_path is None:
        return Config(trackers=())
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from exc


@cli.group()
def emulator() -> None:
    """The local emulator of the Google APIs syncer uses (Sheets, Drive, Docs, OAuth)."""


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="A loopback address.")
@click.option("--port", default=0, type=int, help="Port (default: any free port).")
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one JSON line per request (method, path, query, status) to this file.",
)
@click.option(
    "--load",
    "load_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A .csv tracker to load as a new spreadsheet (repeatable); its URL is printed.",
)
def emulator_serve(
    host: str, port: int, request_log: Path | None, load_files: tuple[Path, ...]
) -> None:
    """Serve the emulator on loopback until interrupted.

    Point syncer at it with SYNCER_GOOGLE_ENDPOINT=http://127.0.0.1:PORT (credentials are then
    optional).

    \b
    Example:
      syncer emulator serve --port 8765 --load tracker.csv --request-log requests.jsonl &
      SYNCER_GOOGLE_ENDPOINT=http://127.0.0.1:8765 syncer sync KEY --json
    """
    import csv

    from syncer.emulator import SheetsService, new_emulator
    from syncer.emulator.server import serve

    emu = new_emulator()
    try:
        server = serve(emu, host, port, request_log)
    except (ValueError, OSError) as exc:
        raise UsageProblem(str(exc)) from exc
    sheets = SheetsService.install(emu)
    for path in load_files:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        key = sheets.create_spreadsheet(path.stem, {"Applications": rows})
        click.echo(f"loaded {path} as https://docs.google.com/spreadsheets/d/{key}/edit")
    click.echo(f"serving on {server.base_url}", err=True)
    click.echo(server.base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@contextmanager
def progress_display(console: Console, total: int) -> Iterator[Callable[[TrackerResult], None]]:
    """A progress bar on a terminal; one plain log line per tracker otherwise (cron)."""
    if console.is_terminal and total > 1:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("syncing", total=total)
            yield lambda result: progress.advance(task)
        return

    def log_line(result: TrackerResult) -> None:
        logging.getLogger("syncer.run").info(
            "%s %s: %d cell(s) written, %d row(s)",
            result.status,
            result.client or result.source,
            result.cells_written,
            len(result.rows),
        )

    yield log_line


def main() -> None:
    cli(prog_name="syncer")
