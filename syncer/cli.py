"""The command line: thin. Each command builds options, calls the library, reports.

Library errors become ``click.ClickException`` (exit 2 for usage/config problems); tracker
failures are results, reported and counted in the exit status (1).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import click

from syncer import __version__
from syncer.backends.base import Backend
from syncer.cli_options import (
    SyncerGroup,
    UsageProblem,
    config_option,
    planning_options,
    report_option,
    wants_json_logs,
)
from syncer.cli_run import run_sync
from syncer.config import (
    Config,
    TrackerConfig,
    is_local_source,
    load_config,
    tracker_config,
)
from syncer.errors import ConfigError, LockHeldError, SyncerError
from syncer.exitcodes import ExitCode
from syncer.journal import Journal, journal_dir, list_runs
from syncer.lock import RunLock, state_dir
from syncer.logs import configure as configure_logging
from syncer.logs import notice
from syncer.results import TrackerResult
from syncer.sync import RunOptions, open_backend
from syncer.undo import undo


@click.group(cls=SyncerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syncer")
def cli() -> None:
    """Plan the next follow-up for every application in your tracker.

    \b
    Quick start:
      syncer demo                         # a sample tracker, synced, in ./syncer-demo/
      syncer init tracker.xlsx            # a new, empty tracker to fill in
      syncer sync tracker.xlsx            # plan and write the status columns
    """


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
                str(config.path) if config.path else "command line",
                f"SOURCE {i + 1}",
                config.configured_quotas,
            )
            for i, source in enumerate(absolute)
        )
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from exc
    return replace(config, trackers=trackers)


@cli.command()
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@config_option("A TOML config: its trackers, or defaults for the SOURCEs given.")
@planning_options
@report_option
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
    show_all: bool,
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
    with _run_lock(config) if not dry_run else nullcontext():
        journal = None if dry_run else Journal(journal_dir(config.state_dir), argv=sys.argv[1:])
        results = run_sync(
            config.trackers,
            options,
            as_json=as_json,
            show_all=show_all,
            concurrency=config.concurrency,
            journal=journal,
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
            notice(f"digest: {files.html}", event="digest written", path=str(files.html))
        except SyncerError as exc:
            notice(f"digest: not written: {exc}", event="digest failed")
            digest_failed = True
    failed = digest_failed or any(result.failed for result in results)
    if config.dashboard is not None and not dry_run:
        if sources or shard is not None:
            notice(
                "dashboard: not updated: only a run over the config's whole roster updates it",
                event="dashboard skipped",
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
        notice(f"dashboard failed: {exc}", event="dashboard failed", level=logging.ERROR)
        return False
    notice(
        f"dashboard: {report.url} ({report.actions} due action(s), "
        f"{report.failures} failed tracker(s))",
        event="dashboard written",
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
    notice(
        f"demo: wrote the sample tracker {files.tracker}; syncing it as of {run_day.isoformat()}",
        event="demo written",
    )
    trackers = (TrackerConfig(source=str(files.tracker), name="demo"),)
    options = RunOptions(today=run_day, dry_run=dry_run, now=datetime.now())
    results = run_sync(trackers, options, as_json=as_json)
    if not dry_run and not any(r.failed for r in results):
        notice(
            f"demo: {files.tracker} now has syncer's columns and drafts (open it to see them); "
            f"beside it, {files.state.name} is what syncer remembers about its cells and "
            f"{files.backup.name} the tracker as it was before the sync",
            event="demo synced",
        )
    sys.exit(ExitCode.TRACKER_FAILED if any(r.failed for r in results) else ExitCode.OK)


@contextmanager
def _run_lock(config: Config) -> Iterator[None]:
    """Hold the run lock, or exit 75 at once (before any API call) when another run has it."""
    try:
        with RunLock(state_dir(config.state_dir) / "run.lock"):
            yield
    except LockHeldError as exc:
        notice(f"syncer: {exc}", event="locked", level=logging.WARNING)
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
        notice(f"failed: {source}: {why}", event="tracker failed", level=logging.ERROR)
    sys.exit(ExitCode.OK if not report.failed else ExitCode.TRACKER_FAILED)


def _load_optional(config_path: Path | None) -> Config:
    if config_path is None:
        return Config(trackers=())
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from exc


@cli.group(cls=SyncerGroup)
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
    notice(f"serving on {server.base_url}", event="emulator serving", url=server.base_url)
    click.echo(server.base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    """The ``syncer`` command. With --log-format json an error is a JSON line too."""
    try:
        cli.main(prog_name="syncer", standalone_mode=False)
    except click.exceptions.Abort:
        notice("syncer: aborted", event="aborted", level=logging.WARNING)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        if wants_json_logs(sys.argv[1:]):
            configure_logging(0, "json")  # the error may have come before --log-format was read
            notice(f"syncer: {exc.format_message()}", event="error", level=logging.ERROR)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:  # a folder or file the run itself needs (state, digest): no traceback
        where = f": {exc.filename}" if exc.filename else ""
        notice(f"syncer: {exc.strerror or exc}{where}", event="error", level=logging.ERROR)
        sys.exit(ExitCode.TRACKER_FAILED)
