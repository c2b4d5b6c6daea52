"""Google credentials through google-auth: a service-account key, OAuth user sign-in, or ADC.

Least privilege: the Sheets scope only, plus Docs, per-file Drive and read-only Drive metadata
(to copy the tracker's sharing onto a Doc syncer creates) when drafts go into a Doc.
Key and token files must be private to their owner (they grant access to the person's sheets).
Nothing here logs a token, a private key, a refresh token or a client secret, at any level.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import google.auth
import google.auth.exceptions
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport import Request
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from syncer.config import TrackerConfig, is_local_source
from syncer.errors import TrackerError

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
SHEETS_SCOPE = SCOPE_PREFIX + "spreadsheets"
DOCS_SCOPE = SCOPE_PREFIX + "documents"
DRIVE_FILE_SCOPE = SCOPE_PREFIX + "drive.file"
GMAIL_COMPOSE_SCOPE = SCOPE_PREFIX + "gmail.compose"
GMAIL_METADATA_SCOPE = SCOPE_PREFIX + "gmail.metadata"
#: Reads who the tracker is shared with (never a file's content): drive.file alone does not
#: reach a spreadsheet syncer did not create.
DRIVE_METADATA_SCOPE = SCOPE_PREFIX + "drive.metadata.readonly"
KEY_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
TOKEN_SUFFIX = ".token.json"
#: When the person signed in (the refresh token's birth), kept in the token file across
#: refreshes: an OAuth app in "Testing" gets refresh tokens that expire 7 days after it.
SIGNED_IN_KEY = "syncer_signed_in"
TESTING_DAYS = 7
#: What to do about refresh tokens that expire every week.
TESTING_FIX = (
    'publish the OAuth app ("In production": Google Cloud console > APIs & Services > OAuth '
    "consent screen > Publish app), or use a service account (`credentials` = its key file)"
)


class CredentialsError(TrackerError):
    """No usable Google credentials for a tracker (missing, unreadable, too open, refused)."""


def scopes_for(config: TrackerConfig) -> tuple[str, ...]:
    """The scopes one tracker needs: Sheets (for a Sheets tracker); Docs, drive.file and
    drive.metadata.readonly only for drafts in a Doc; gmail.compose for drafts in Gmail, plus
    gmail.metadata only when threads or the inbox are read."""
    scopes: list[str] = [] if is_local_source(config.source) else [SHEETS_SCOPE]
    if config.drafts == "doc":
        scopes += (DOCS_SCOPE, DRIVE_FILE_SCOPE, DRIVE_METADATA_SCOPE)
    if config.drafts == "gmail" or config.inbox:
        scopes.append(GMAIL_COMPOSE_SCOPE)
        if config.gmail_threads or config.inbox:
            scopes.append(GMAIL_METADATA_SCOPE)
    return tuple(scopes)


def key_path(config: TrackerConfig) -> Path | None:
    """The service-account (or authorized-user) JSON file configured or named by the env."""
    if config.credentials is not None:
        return config.credentials
    env = os.environ.get(KEY_ENV)
    return Path(env).expanduser() if env else None


def token_path(oauth_client: Path) -> Path:
    """Where the signed-in user's token is kept: beside the OAuth client file."""
    return oauth_client.with_name(oauth_client.stem + TOKEN_SUFFIX)


def require_private(path: Path, source: str, what: str) -> None:
    """Refuse a secret file that the group or others may read (with the command that fixes it)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise CredentialsError(source, f"{what} {path} does not exist") from None
    except OSError as error:
        raise CredentialsError(source, f"cannot read {what} {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(
            source,
            f"{what} {path} can be read by other users of this machine; run: chmod 600 {path}",
        )


def _read_json(path: Path, source: str, what: str) -> dict[str, Any]:
    require_private(path, source, what)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CredentialsError(source, f"cannot read {what} {path}: {error.strerror}") from None
    except ValueError:
        raise CredentialsError(source, f"{what} {path} is not a JSON key file") from None
    if not isinstance(data, dict):
        raise CredentialsError(source, f"{what} {path} is not a JSON key file")
    return data


#: Key-file credentials shared by the trackers of a run (see ``from_key_file``).
_shared: dict[tuple[object, ...], Credentials] = {}
_shared_lock = threading.Lock()


def from_key_file(
    path: Path, scopes: Sequence[str], source: str, token_uri: str | None = None
) -> Credentials:
    """Credentials from a service-account key (or an authorized-user file, as gcloud writes).

    Trackers that use the same key file with the same scopes share one Credentials object: the
    key is parsed once and one access token serves them all, instead of one token exchange per
    tracker (a coach's 200 trackers). A key file changed on disk is read afresh.
    """
    info = _read_json(path, source, "key file")
    on_disk = path.stat()
    key = (str(path.resolve()), on_disk.st_mtime_ns, on_disk.st_size, tuple(scopes), token_uri)
    with _shared_lock:
        shared = _shared.get(key)
        if shared is None:
            shared = _shared[key] = _credentials_from_info(info, path, scopes, source, token_uri)
        return shared


def _credentials_from_info(
    info: dict[str, Any], path: Path, scopes: Sequence[str], source: str, token_uri: str | None
) -> Credentials:
    kind = info.get("type")
    try:
        if kind == "service_account":
            if token_uri:
                info = {**info, "token_uri": token_uri}
            return service_account.Credentials.from_service_account_info(info, scopes=scopes)
        if kind == "authorized_user":
            if token_uri:
                info = {**info, "token_uri": token_uri}
            return user_credentials.Credentials.from_authorized_user_info(info, scopes=scopes)
    except (ValueError, KeyError) as error:
        raise CredentialsError(
            source, f"key file {path} is incomplete ({type(error).__name__}: a field is missing)"
        ) from None
    raise CredentialsError(
        source,
        f"key file {path} has type {kind!r}; expected a service-account key "
        "(IAM > Service accounts > Keys > Add key > JSON)",
    )


def write_token(
    path: Path, credentials: user_credentials.Credentials, signed_in: str | None = None
) -> None:
    """Write the user's token file readable by its owner only (mode 0600, from creation on),
    with when the person signed in (``signed_in``, ISO; now for a new sign-in)."""
    saved = json.loads(credentials.to_json())
    saved[SIGNED_IN_KEY] = signed_in or datetime.now(UTC).isoformat(timespec="seconds")
    temp = path.with_name(path.name + ".tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(json.dumps(saved))
    os.replace(temp, path)


def signed_in_at(path: Path) -> datetime | None:
    """When the person signed in, as the token file says (None: unknown)."""
    try:
        text = json.loads(path.read_text(encoding="utf-8")).get(SIGNED_IN_KEY)
        return datetime.fromisoformat(str(text)) if text else None
    except (OSError, ValueError, AttributeError):
        return None


def sign_in_again(source: str, reason: str, client_file: Path | None = None) -> CredentialsError:
    """The one message for a saved sign-in Google no longer accepts (expired or revoked)."""
    client = f" for the OAuth client {client_file}" if client_file else ""
    return CredentialsError(
        source,
        f"Google no longer accepts the saved sign-in{client}: it expired or was revoked "
        f"({reason}); sign in again: run `syncer doctor {source}` "
        f"once in a terminal. If it happens every {TESTING_DAYS} days, the OAuth app is in "
        f'"Testing": {TESTING_FIX}',
    )


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


#: Runs the installed-app sign-in and returns the user's credentials (replaced in tests).
SignIn = Callable[[Path, Sequence[str]], user_credentials.Credentials]


def browser_sign_in(client_file: Path, scopes: Sequence[str]) -> user_credentials.Credentials:
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), scopes=list(scopes))
    credentials = flow.run_local_server(port=0, open_browser=True)
    if not isinstance(credentials, user_credentials.Credentials):
        raise TypeError("the sign-in flow returned unexpected credentials")
    return credentials


def user_sign_in(
    config: TrackerConfig,
    scopes: Sequence[str],
    request: Request,
    *,
    interactive: bool | None = None,
    sign_in: SignIn = browser_sign_in,
) -> user_credentials.Credentials:
    """The OAuth user's credentials: the saved token (refreshed and rewritten when stale), else
    a browser sign-in when a terminal is attached; in cron, say what to run."""
    assert config.oauth_client is not None
    client_file = config.oauth_client
    source = config.source
    require_private(client_file, source, "OAuth client file")
    path = token_path(client_file)
    credentials: user_credentials.Credentials | None = None
    refused = ""
    if path.exists():
        require_private(path, source, "token file")
        try:
            # No scopes passed: the file's own scopes are what was granted.
            credentials = user_credentials.Credentials.from_authorized_user_file(str(path))
        except (ValueError, KeyError):
            credentials = None
    if credentials is not None and credentials.has_scopes(list(scopes)):
        if credentials.valid:
            return credentials
        if credentials.refresh_token:
            try:
                credentials.refresh(request)
            except google.auth.exceptions.RefreshError as error:
                refused = str(error.args[0]) if error.args else "refused"
            else:
                signed_in = signed_in_at(path)
                write_token(path, credentials, signed_in.isoformat() if signed_in else None)
                return credentials
    if not (is_interactive() if interactive is None else interactive):
        if refused.startswith("invalid_grant"):
            raise sign_in_again(source, refused, client_file)
        raise CredentialsError(
            source,
            f"no valid Google sign-in for the OAuth client {client_file} "
            f"(token {path} missing, revoked or lacking a scope); run "
            f"`syncer doctor {source}` once in a terminal to sign in",
        )
    credentials = sign_in(client_file, scopes)
    write_token(path, credentials)
    return credentials


def load_credentials(
    config: TrackerConfig,
    scopes: Sequence[str],
    request: Request,
    *,
    token_uri: str | None = None,
    allow_anonymous: bool = False,
    interactive: bool | None = None,
    sign_in: SignIn = browser_sign_in,
) -> Credentials:
    """The tracker's credentials, in this order: key file, OAuth client, ADC.

    ``allow_anonymous`` (a loopback emulator endpoint) gives anonymous credentials when nothing
    is configured, instead of looking for Application Default Credentials.
    """
    path = key_path(config)
    if path is not None:
        return from_key_file(path, scopes, config.source, token_uri)
    if config.oauth_client is not None:
        return user_sign_in(config, scopes, request, interactive=interactive, sign_in=sign_in)
    if allow_anonymous:
        return AnonymousCredentials()
    try:
        credentials, _project = google.auth.default(scopes=list(scopes))
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            config.source,
            "no Google credentials: set `credentials` (a service-account key file) or "
            f"`oauth_client` in the config, or {KEY_ENV}, or run "
            "`gcloud auth application-default login`",
        ) from None
    return credentials


def is_service_account(credentials: Credentials) -> bool:
    """A robot identity (a key file, or a Compute Engine/Cloud Run default account): it owns
    no Drive storage, so it cannot create a Doc of its own."""
    from google.auth import compute_engine

    return isinstance(credentials, service_account.Credentials | compute_engine.Credentials)


def account_email(credentials: Credentials) -> str | None:
    """The account's email for messages ("share the sheet with ..."), when it is known."""
    email = getattr(credentials, "service_account_email", None)
    if isinstance(email, str) and "@" in email:
        return email
    account = getattr(credentials, "account", None)
    if isinstance(account, str) and "@" in account:
        return account
    return None
