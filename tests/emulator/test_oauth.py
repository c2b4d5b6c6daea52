import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import google.auth.transport.requests
import pytest
import requests
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from syncer.emulator.core import ANONYMOUS, Emulator, Identity, Request, Response
from syncer.emulator.oauth import OAuthService, make_service_account_key

TOKEN_URI = "https://oauth2.googleapis.com/token"
SHEETS = "https://www.googleapis.com/auth/spreadsheets"
DOCS = "https://www.googleapis.com/auth/documents"
DRIVE = "https://www.googleapis.com/auth/drive"
EMAIL = "syncer-bot@job-hunt-42.iam.gserviceaccount.com"
SHEET_PATH = "/v4/spreadsheets/abc"


class EmulatorAdapter(requests.adapters.BaseAdapter):
    """Just enough of a transport for these tests: requests -> Emulator.handle."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__()
        self.emulator = emulator

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        url = urlsplit(request.url)
        body = request.body or b""
        answer = self.emulator.handle(
            Request(
                request.method,
                url.path,
                parse_qs(url.query, keep_blank_values=True),
                {key.lower(): value for key, value in request.headers.items()},
                body.encode() if isinstance(body, str) else body,
            )
        )
        response = requests.Response()
        response.status_code = answer.status
        response._content = answer.encoded()
        response.headers.update(answer.headers)
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator() -> Emulator:
    emulator = Emulator()
    emulator.router.add("GET", r"/v4/spreadsheets/[^/]+", whoami(emulator))
    emulator.router.add("GET", r"/v1/documents/[^/]+", whoami(emulator))
    return emulator


@pytest.fixture
def oauth(emulator: Emulator, clock: Clock) -> OAuthService:
    return OAuthService.install(emulator, clock=clock)


@pytest.fixture
def session(emulator: Emulator) -> requests.Session:
    session = requests.Session()
    session.mount("https://", EmulatorAdapter(emulator))
    return session


def whoami(emulator: Emulator):  # type: ignore[no-untyped-def]
    def handler(request: Request, _match: object) -> Response:
        identity = emulator.identify(request)
        return Response(200, {"email": identity.email, "project": identity.project})

    return handler


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def form(**fields: str) -> bytes:
    return urlencode(fields).encode()


def test_service_account_refresh_with_real_google_auth(oauth, session):
    info, _ = make_service_account_key(EMAIL, "job-hunt-42", token_uri=TOKEN_URI)
    assert info["type"] == "service_account" and info["token_uri"] == TOKEN_URI
    oauth.register_key_info(info)
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SHEETS])
    credentials.refresh(google.auth.transport.requests.Request(session=session))
    assert credentials.valid and credentials.token.startswith("ya29.")

    authed = google.auth.transport.requests.AuthorizedSession(credentials)
    authed.mount("https://", session.get_adapter("https://"))
    answer = authed.get("https://sheets.googleapis.com" + SHEET_PATH)
    assert answer.status_code == 200
    assert answer.json() == {"email": EMAIL, "project": "job-hunt-42"}
    assert oauth.tokens[credentials.token].scopes == {SHEETS}


def test_unregistered_service_account_is_invalid_grant(oauth, session):
    info, _ = make_service_account_key(EMAIL, "job-hunt-42")
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SHEETS])
    with pytest.raises(google.auth.exceptions.RefreshError) as refused:
        credentials.refresh(google.auth.transport.requests.Request(session=session))
    assert "invalid_grant" in str(refused.value)


def test_a_key_signed_by_someone_else_fails_the_signature_check(oauth, emulator, session):
    registered, _ = make_service_account_key(EMAIL, "job-hunt-42")
    impostor, _ = make_service_account_key(EMAIL, "job-hunt-42")
    oauth.register_key_info(registered)
    credentials = service_account.Credentials.from_service_account_info(impostor, scopes=[SHEETS])
    with pytest.raises(google.auth.exceptions.RefreshError):
        credentials.refresh(google.auth.transport.requests.Request(session=session))
    assert emulator.log[-1]["status"] == 400


def test_expired_assertion_is_refused(oauth, session, clock):
    info, _ = make_service_account_key(EMAIL, "job-hunt-42")
    oauth.register_key_info(info)
    clock.now += 7200  # the server's clock is two hours ahead of the client's
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SHEETS])
    with pytest.raises(google.auth.exceptions.RefreshError) as refused:
        credentials.refresh(google.auth.transport.requests.Request(session=session))
    assert "short-lived token" in str(refused.value)


def test_refresh_token_grant(oauth, emulator, session):
    oauth.register_oauth_client("client-1", "s3cret", "1//refresh", "ann@example.com", "coach")
    credentials = user_credentials.Credentials(
        token=None,
        refresh_token="1//refresh",
        client_id="client-1",
        client_secret="s3cret",
        token_uri=TOKEN_URI,
    )
    credentials.refresh(google.auth.transport.requests.Request(session=session))
    answer = emulator.handle(Request("GET", SHEET_PATH, headers=bearer(credentials.token)))
    assert answer.body == {"email": "ann@example.com", "project": "coach"}


def test_refresh_token_reply_shape_and_bad_client(oauth, emulator):
    oauth.register_oauth_client("client-1", "s3cret", "1//refresh", "ann@example.com")
    body = form(
        grant_type="refresh_token",
        client_id="client-1",
        client_secret="s3cret",
        refresh_token="1//refresh",
    )
    reply = emulator.handle(Request("POST", "/token", body=body))
    assert reply.status == 200
    assert reply.body["expires_in"] == 3599 and reply.body["token_type"] == "Bearer"
    assert set(reply.body["scope"].split()) == {SHEETS, DRIVE}
    wrong = form(grant_type="refresh_token", client_id="client-1", client_secret="x")
    refused = emulator.handle(Request("POST", "/token", body=wrong))
    assert (refused.status, refused.body["error"]) == (401, "invalid_client")
    stale = form(
        grant_type="refresh_token", client_id="client-1", client_secret="s3cret", refresh_token="y"
    )
    refused = emulator.handle(Request("POST", "/token", body=stale))
    assert (refused.status, refused.body["error"]) == (400, "invalid_grant")


def test_unknown_and_expired_tokens_are_401_but_no_header_is_anonymous(oauth, emulator, clock):
    assert emulator.handle(Request("GET", SHEET_PATH)).body["email"] == ANONYMOUS.email
    unknown = emulator.handle(Request("GET", SHEET_PATH, headers=bearer("ya29.nope")))
    assert unknown.status == 401
    assert unknown.body["error"]["status"] == "UNAUTHENTICATED"
    assert unknown.body["error"]["message"].startswith(
        "Request had invalid authentication credentials."
    )
    token = oauth.issue_token(Identity("a@example.com", "p"), [SHEETS])
    assert emulator.handle(Request("GET", SHEET_PATH, headers=bearer(token))).status == 200
    clock.now += 3600
    expired = emulator.handle(Request("GET", SHEET_PATH, headers=bearer(token)))
    assert expired.status == 401
    assert expired.body["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"


@pytest.mark.parametrize(
    ("path", "scopes", "status"),
    [
        (SHEET_PATH, [SHEETS], 200),
        (SHEET_PATH, [DRIVE], 200),  # Google lets the drive scope read Sheets too
        (SHEET_PATH, [DOCS], 403),
        ("/v1/documents/d1", [DOCS], 200),
        ("/v1/documents/d1", [SHEETS], 403),
    ],
)
def test_scopes_are_checked_per_api(oauth, emulator, path, scopes, status):
    token = oauth.issue_token(Identity("a@example.com", "p"), scopes)
    answer = emulator.handle(Request("GET", path, headers=bearer(token)))
    assert answer.status == status
    if status == 403:
        error = answer.body["error"]
        assert error["message"] == "Request had insufficient authentication scopes."
        assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_drive_call_without_drive_scope_is_403(oauth, emulator):
    emulator.router.add("GET", r"/drive/v3/files", lambda request, match: Response(200, {}))
    token = oauth.issue_token(Identity("a@example.com", "p"), [SHEETS])
    answer = emulator.handle(Request("GET", "/drive/v3/files", headers=bearer(token)))
    assert answer.status == 403
    assert json.loads(answer.encoded())["error"]["status"] == "PERMISSION_DENIED"


def test_a_testing_apps_refresh_token_expires_after_7_days_as_on_google(oauth, emulator, clock):
    """Google: an app in "Testing" gets refresh tokens that expire in 7 days (gspread #932:
    "invalid_grant: Token has been expired or revoked."); an app in production keeps them."""
    oauth.register_oauth_client("testing", "s", "1//t", "ann@example.com", testing=True)
    oauth.register_oauth_client("live", "s", "1//l", "ann@example.com")

    def grant(client: str, token: str) -> Response:
        body = form(
            grant_type="refresh_token", client_id=client, client_secret="s", refresh_token=token
        )
        return emulator.handle(Request("POST", "/token", body=body))

    clock.now += 7 * 24 * 3600 - 60
    assert grant("testing", "1//t").status == 200
    clock.now += 60
    expired = grant("testing", "1//t")
    assert (expired.status, expired.body) == (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    clock.now += 30 * 24 * 3600
    assert grant("live", "1//l").status == 200
    oauth.revoke("live")
    assert grant("live", "1//l").body["error_description"] == "Token has been expired or revoked."
