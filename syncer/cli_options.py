"""Options the commands share, each defined once.

The global options (``-v``/``--verbose``, ``--log-format``) are accepted both before and after
the subcommand (``syncer --log-format json sync ...`` and ``syncer sync ... --log-format json``):
``SyncerGroup`` gives every command it holds the same two parameters, and each occurrence
updates one setting kept on the root context.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from syncer.exitcodes import ExitCode
from syncer.logs import configure as configure_logging

F = TypeVar("F", bound=Callable[..., Any])

_LOG_SETTINGS = "syncer.log_settings"


class UsageProblem(click.ClickException):
    exit_code = ExitCode.USAGE


def _log_setting(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Fold this occurrence into the run's log settings and apply them."""
    settings = ctx.find_root().meta.setdefault(_LOG_SETTINGS, {"verbose": 0, "format": "text"})
    given = ctx.get_parameter_source(param.name or "") is not click.core.ParameterSource.DEFAULT
    if param.name == "verbose":
        settings["verbose"] += value or 0
    elif given and value:
        settings["format"] = value
    configure_logging(settings["verbose"], settings["format"])


def global_parameters() -> list[click.Parameter]:
    """Fresh ``-v`` and ``--log-format`` parameters (click parameters belong to one command)."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_log_setting,
            help="More log lines on stderr (-vv: debug).",
        ),
        click.Option(
            ["--log-format"],
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            expose_value=False,
            callback=_log_setting,
            help="Log lines on stderr as text or as JSON (one object a line, for cron).",
        ),
    ]


def wants_json_logs(argv: list[str]) -> bool:
    """Whether the command line asks for JSON logs, even where click could not parse it."""
    pairs = zip(argv, [*argv[1:], ""][: len(argv)], strict=True)
    return any(f"{a}={b}" == "--log-format=json" or a == "--log-format=json" for a, b in pairs)


class SyncerGroup(click.Group):
    """A group whose commands (and their subcommands) all accept the global options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(global_parameters())

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not isinstance(cmd, SyncerGroup):
            cmd.params.extend(global_parameters())
        super().add_command(cmd, name)


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


def report_option(command: F) -> F:
    """--all: list every row, not only what needs the person."""
    return click.option(
        "--all",
        "show_all",
        is_flag=True,
        help="List every row in the report (default: only what needs you).",
    )(command)
