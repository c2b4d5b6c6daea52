"""``syncer init --sheet URL`` (prepare an existing spreadsheet) and ``syncer doctor SOURCE``.

``prepare_sheet`` gives a tracker tab the default headers, dropdowns, date formats, a frozen
header row and an "overdue" highlight, in one spreadsheets.batchUpdate. ``doctor`` checks what
a nightly run needs and says how to fix what is missing; the CLI prints its checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.oauth2 import credentials as user_credentials
from requests.adapters import BaseAdapter

from syncer.columns import column_letter, find_column, input_fields, owned_headers, resolve_columns
from syncer.config import TrackerConfig
from syncer.dates import order_for_locale
from syncer.errors import (
    AccessError,
    HeaderError,
    NotFoundError,
    QuotaError,
    ServiceDisabledError,
    SyncerError,
    TrackerError,
)
from syncer.google import grid
from syncer.google.auth import (
    TESTING_DAYS,
    TESTING_FIX,
    CredentialsError,
    account_email,
    key_path,
    require_private,
    scopes_for,
    signed_in_at,
    token_path,
)
from syncer.google.backend import SheetsBackend, open_sheet
from syncer.google.grid import grid_of
from syncer.google.guide import Section
from syncer.google.retry import RetryPolicy
from syncer.google.sheet_cells import quote_title
from syncer.layout import DROPDOWN_FIELDS, OVERDUE_RGB, dropdown_choices, overdue_formula


@dataclass(frozen=True)
class Check:
    """One doctor finding: ``fix`` says what to do when ``ok`` is False, and ``section`` names
    the part of docs/google-setup.md that explains it."""

    name: str
    ok: bool
    message: str
    fix: str = ""
    warn: bool = False  # ok, but worth a look: shown with its fix, the exit status stays 0
    section: Section | None = None


def default_header() -> list[str]:
    return [spec.header for spec in input_fields()] + list(owned_headers().values())


def prepare_sheet(config: TrackerConfig, *, transport: BaseAdapter | None = None) -> list[str]:
    """Prepare the tracker tab of an existing spreadsheet; returns what was done, line by line.

    An empty tab gets the default header row. A non-empty header row must already hold the
    required headers (it is never rewritten). What the tab already has (dropdowns, formats,
    the frozen row, the overdue highlight) is not added again, so a second run changes nothing.
    The grid grows first, in the same batch, when the headers reach past its last column.
    Raises HeaderError or another TrackerError.
    """
    backend = open_sheet(config, transport=transport)
    data = backend.read()
    header = [text for text in data.header]
    write_header = not any(header)
    if write_header:
        header = default_header()
    else:
        try:
            resolve_columns(config.source, header, config.column_aliases)
        except HeaderError as error:
            raise HeaderError(
                config.source,
                f"{error.message}. The header row is not empty, so syncer leaves it as it is: "
                "add the missing headers (or map yours with [columns] in the config)",
            ) from None
    sheet_id = backend._sheet_id()
    tab = _existing_setup(backend, config.header_row)
    growth = grid.growth(sheet_id, grid_of(tab.get("properties", {})), 0, len(header))
    wanted = _formatting_requests(header, sheet_id, config)
    missing = [request for request in wanted if not _already_there(request, tab)]
    if growth or missing:
        body = {"requests": growth + missing}
        backend._call(
            "formatting the tracker",
            lambda: backend.client.batch_update(backend.key, body),
        )
    done = [_said(request, header) for request in growth + missing]
    if write_header:
        values = {
            "valueInputOption": "RAW",
            "data": [{"range": _row_range(backend, config.header_row), "values": [header]}],
        }
        backend._call(
            "writing the header row",
            lambda: backend.client.values_batch_update(backend.key, values),
        )
        done.insert(0, f"wrote the {len(header)} default headers in row {config.header_row}")
    if config.drafts == "doc":
        ready, problem, fix = backend.doc_drafts().probe()
        if not ready:
            done.append(f"drafts Doc not ready: {problem}; {fix}")
    return [line for index, line in enumerate(done) if line and line not in done[:index]] or [
        "nothing to change: the tab already has every header, dropdown, format and highlight"
    ]


def _existing_setup(backend: SheetsBackend, header_row: int) -> dict[str, Any]:
    """The tab's properties, its conditional formats and the first data row's dropdowns and
    number formats: what an earlier ``init --sheet`` set (one spreadsheets.get)."""
    first_data_row = header_row + 1
    params: dict[str, Any] = {
        "ranges": f"{quote_title(backend._title)}!{first_data_row}:{first_data_row}",
        "fields": "sheets(properties(sheetId,title,gridProperties),conditionalFormats,"
        "data(rowData(values(dataValidation,userEnteredFormat.numberFormat))))",
    }
    reply = backend._call(
        "reading the tab's formats",
        lambda: backend.client.fetch_sheet_metadata(backend.key, params=params),
    )
    sheets = reply.get("sheets") or [{}]
    return dict(sheets[0])


def _first_row_cell(tab: dict[str, Any], column: int) -> dict[str, Any]:
    rows = ((tab.get("data") or [{}])[0].get("rowData")) or [{}]
    values = rows[0].get("values") or []
    return dict(values[column]) if column < len(values) else {}


def _already_there(request: dict[str, Any], tab: dict[str, Any]) -> bool:
    """Whether the tab already has what ``request`` would set."""
    kind, spec = next(iter(request.items()))
    if kind == "updateSheetProperties":
        frozen = spec["properties"]["gridProperties"]["frozenRowCount"]
        return bool(
            tab.get("properties", {}).get("gridProperties", {}).get("frozenRowCount") == frozen
        )
    if kind == "setDataValidation":
        cell = _first_row_cell(tab, spec["range"]["startColumnIndex"])
        return cell.get("dataValidation", {}).get("condition") == spec["rule"]["condition"]
    if kind == "repeatCell":
        cell = _first_row_cell(tab, spec["range"]["startColumnIndex"])
        wanted = spec["cell"]["userEnteredFormat"]["numberFormat"]
        return cell.get("userEnteredFormat", {}).get("numberFormat") == wanted
    if kind == "addConditionalFormatRule":
        condition = spec["rule"]["booleanRule"]["condition"]
        return any(
            rule.get("booleanRule", {}).get("condition") == condition
            for rule in tab.get("conditionalFormats") or []
        )
    return False


def _said(request: dict[str, Any], header: list[str]) -> str:
    """One line of the report for a request sent."""
    kind, spec = next(iter(request.items()))
    if kind == "appendDimension":
        return f"added {spec['length']} columns to the tab, for the headers"
    if kind == "updateSheetProperties":
        return "froze the header row"
    if kind == "setDataValidation":
        return f"added a dropdown to {header[spec['range']['startColumnIndex']]}"
    if kind == "repeatCell":
        return f"formatted {header[spec['range']['startColumnIndex']]} as a date"
    return "highlighted overdue rows"


def _row_range(backend: SheetsBackend, row: int) -> str:
    return f"{quote_title(backend._title)}!A{row}"


def _formatting_requests(
    header: list[str], sheet_id: int, config: TrackerConfig
) -> list[dict[str, Any]]:
    start = config.header_row

    def column_cells(column: int) -> dict[str, Any]:
        return {
            "sheetId": sheet_id,
            "startRowIndex": start,
            "startColumnIndex": column,
            "endColumnIndex": column + 1,
        }

    requests_: list[dict[str, Any]] = [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": start}},
                "fields": "gridProperties.frozenRowCount",
            }
        }
    ]
    for spec in input_fields():
        column = find_column(header, spec.header)
        if column is None:
            continue
        if spec.name in DROPDOWN_FIELDS:
            values = [{"userEnteredValue": value} for value in dropdown_choices(spec.name)]
            requests_.append(
                {
                    "setDataValidation": {
                        "range": column_cells(column),
                        "rule": {
                            "condition": {"type": "ONE_OF_LIST", "values": values},
                            "showCustomUi": True,
                            "strict": False,
                        },
                    }
                }
            )
        elif spec.kind in ("date", "datetime"):
            pattern = "yyyy-mm-dd" if spec.kind == "date" else "yyyy-mm-dd hh:mm"
            requests_.append(
                {
                    "repeatCell": {
                        "range": column_cells(column),
                        "cell": {
                            "userEnteredFormat": {
                                "numberFormat": {
                                    "type": spec.kind.upper().replace("DATETIME", "DATE_TIME"),
                                    "pattern": pattern,
                                }
                            }
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
    urgency = find_column(header, owned_headers()["urgency"])
    if urgency is not None:
        letter = column_letter(urgency)
        requests_.append(
            {
                "addConditionalFormatRule": {
                    "index": 0,
                    "rule": {
                        "ranges": [
                            {
                                "sheetId": sheet_id,
                                "startRowIndex": start,
                                "startColumnIndex": 0,
                                "endColumnIndex": len(header),
                            }
                        ],
                        "booleanRule": {
                            "condition": {
                                "type": "CUSTOM_FORMULA",
                                "values": [
                                    {"userEnteredValue": "=" + overdue_formula(letter, start + 1)}
                                ],
                            },
                            "format": {"backgroundColor": OVERDUE_RGB},
                        },
                    },
                }
            }
        )
    return requests_


def sign_in_check(config: TrackerConfig, now: datetime | None = None) -> Check:
    """A user's OAuth token: Google ends it 7 days after the sign-in when the OAuth app is in
    "Testing" (gspread #932), and doctor cannot see the app's publishing status: it says so,
    warns, and fails in the last day before such a token would end."""
    signed_in = signed_in_at(token_path(config.oauth_client)) if config.oauth_client else None
    testing = (
        f'if the OAuth app\'s publishing status is "Testing", Google ends this sign-in '
        f"{TESTING_DAYS} days after it was made and the nightly run stops"
    )
    if signed_in is None:
        return Check(
            "sign-in",
            True,
            f"an OAuth user token; {testing}",
            TESTING_FIX,
            True,
            Section.TESTING_TOKENS,
        )
    days = ((now or datetime.now(UTC)) - signed_in).total_seconds() / 86400
    made = f"an OAuth user token, signed in {signed_in:%Y-%m-%d} ({int(days)} days ago)"
    if days >= TESTING_DAYS:
        return Check(
            "sign-in",
            True,
            f'{made}: it outlived {TESTING_DAYS} days, so the app is "In production"',
        )
    if days >= TESTING_DAYS - 1:
        return Check(
            "sign-in",
            False,
            f"{made}; {testing}, in {TESTING_DAYS - days:.1f} days",
            f"{TESTING_FIX}; then sign in again (this command, in a terminal)",
            section=Section.TESTING_TOKENS,
        )
    return Check("sign-in", True, f"{made}; {testing}", TESTING_FIX, True, Section.TESTING_TOKENS)


def _access_failure(error: TrackerError, who: str) -> Check:
    """What a failed first read means, what to do, and where the guide explains it."""
    if isinstance(error, ServiceDisabledError):
        fix = "enable the Google Sheets API in that project (the message has the link)"
        return Check("access", False, str(error), fix, section=Section.ENABLE_APIS)
    if isinstance(error, QuotaError):
        fix = "wait a minute and run doctor again; a roster this big needs [quotas] or --shard"
        return Check("access", False, str(error), fix, section=Section.QUOTAS)
    if isinstance(error, NotFoundError):
        fix = "check the URL or key (the part between /d/ and /edit)"
        return Check("access", False, str(error), fix, section=Section.KEY_IN_URL)
    if isinstance(error, CredentialsError):
        fix = "sign in again, or check the key file"
        return Check("credentials", False, str(error), fix, section=Section.SIGN_IN)
    if isinstance(error, HeaderError):
        return Check("headers", False, error.message, "fix the header row", section=Section.HEADERS)
    if isinstance(error, AccessError):
        fix = f"share the sheet with {who} as Editor"
        return Check("access", False, str(error), fix, section=Section.SHARE)
    return Check("access", False, str(error), "", section=Section.TROUBLESHOOTING)


def doctor(
    config: TrackerConfig,
    *,
    transport: BaseAdapter | None = None,
    retry_policy: RetryPolicy | None = None,
) -> list[Check]:
    """Check credentials, access, headers and config for one Google Sheets tracker."""
    checks: list[Check] = []
    path = key_path(config)
    if path is not None:
        try:
            require_private(path, config.source, "key file")
        except SyncerError as error:
            fix = str(error).rpartition("run: ")[2] if "chmod" in str(error) else ""
            checks.append(Check("credentials", False, str(error), fix, section=Section.KEY_PRIVATE))
            return checks
        checks.append(Check("credentials", True, f"key file {path} found, mode 600"))
    elif config.oauth_client is not None:
        checks.append(Check("credentials", True, f"OAuth client {config.oauth_client}"))
    try:
        backend = open_sheet(
            config, transport=transport, retry_policy=retry_policy, interactive=None
        )
    except SyncerError as error:
        checks.append(
            Check(
                "credentials",
                False,
                str(error),
                "configure `credentials` (a service-account key) or `oauth_client`",
                section=Section.SIGN_IN,
            )
        )
        return checks
    who = account_email(backend.session.credentials) or "the signed-in account"
    checks.append(Check("account", True, f"using {who}; scopes {' '.join(scopes_for(config))}"))
    if isinstance(backend.session.credentials, user_credentials.Credentials):
        checks.append(sign_in_check(config))
    try:
        data = backend.read()
    except TrackerError as error:
        checks.append(_access_failure(error, who))
        return checks
    checks.append(Check("access", True, f"read tab {data.tab!r}: {len(data.rows)} data rows"))
    checks.append(settings_check(config, *backend.live_settings()))
    try:
        columns = resolve_columns(
            config.source, data.header, config.column_aliases, synced_before=bool(data.state.cells)
        )
    except HeaderError as error:
        checks.append(
            Check(
                "headers",
                False,
                error.message,
                "fix the header row (see the message), then run doctor again",
                section=Section.HEADERS,
            )
        )
    else:
        note = f"; syncer will add {', '.join(columns.new_columns)}" if columns.new_columns else ""
        checks.append(Check("headers", True, f"required headers present{note}"))
    if config.drafts not in ("column", "doc", "off"):
        checks.append(
            Check(
                "config",
                False,
                f"drafts = {config.drafts!r} is not known",
                'use drafts = "column", "doc" or "off"',
                section=Section.CONFIG,
            )
        )
    else:
        checks.append(Check("config", True, f"drafts go to: {config.drafts}"))
    if config.drafts == "doc":
        checks.append(Check("drafts Doc", *backend.doc_drafts().probe()))
    return checks


def settings_check(config: TrackerConfig, locale: str | None, time_zone: str | None) -> Check:
    """The spreadsheet's locale and time zone against the config: a warning when ``date_order``
    reads text dates in another order than the one the locale's people type them in."""
    sheet_order = order_for_locale(locale) if locale else None
    zone = config.timezone or time_zone or "the machine's time zone"
    where = "from the config" if config.timezone else "the spreadsheet's"
    today = f'"today" is in {zone} ({where})'
    if config.date_order is not None and sheet_order not in (None, config.date_order):
        return Check(
            "locale",
            True,
            f"date_order = {config.date_order.value} in the config, but the spreadsheet's locale "
            f"{locale} reads typed dates as {sheet_order.value}: a text date like 03/04/2026 "
            f"would be read in another order than a person typing it meant; {today}",
            f"remove date_order (syncer then follows the locale) or set date_order = "
            f'"{sheet_order.value}", or change the locale in File > Settings',
            warn=True,
        )
    order = config.date_order or sheet_order
    how = f"text dates read as {order.value}" if order else "text dates read as MDY (default)"
    return Check("locale", True, f"locale {locale or 'unknown'}: {how}; {today}")
