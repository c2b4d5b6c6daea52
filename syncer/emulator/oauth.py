"""The OAuth 2.0 token endpoint (oauth2.googleapis.com/token) and bearer-token checks.

Two grants, as google-auth uses them: a service account's RS256-signed JWT
(``urn:ietf:params:oauth:grant-type:jwt-bearer``) and an installed app's refresh token. Issued
access tokens are opaque; the emulator maps them back to the account and project, refuses unknown
or expired ones with 401 and calls without a fitting scope with 403, as Google does. A request
without an Authorization header stays anonymous and is let through.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from syncer.emulator.core import (
    ANONYMOUS,
    Emulator,
    Identity,
    Request,
    Response,
    google_error,
)
from syncer.emulator.discovery import find_method

TOKEN_PATH = "/token"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3599
MAX_ASSERTION_LIFETIME = 3600
CLOCK_SKEW = 300
UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
SHORT_LIVED_MESSAGE = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)

#: Scopes that allow a call when discovery does not know the path (e.g. Drive v2 uploads).
FALLBACK_SCOPES = {
    "/v4/spreadsheets": ("spreadsheets", "drive", "drive.file"),
    "/v1/documents": ("documents", "drive", "drive.file"),
    "/drive/": ("drive", "drive.file"),
    "/upload/drive/": ("drive", "drive.file"),
}
SCOPE_PREFIX = "https://www.googleapis.com/auth/"


def make_service_account_key(
    email: str, project: str, token_uri: str = GOOGLE_TOKEN_URI
) -> tuple[dict[str, str], str]:
    """A fresh RSA key and the service-account JSON key file that holds it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    key_id = secrets.token_hex(20)
    client_id = str(100_000_000_000_000_000_000 + secrets.randbelow(10**20))
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": key_id,
        "private_key": private_pem,
        "client_email": email,
        "client_id": client_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
        "universe_domain": "googleapis.com",
    }
    return info, private_pem


def public_key_pem(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def project_of(email: str) -> str:
    """``name@PROJECT.iam.gserviceaccount.com`` -> ``PROJECT``."""
    domain = email.partition("@")[2]
    if domain.endswith(".iam.gserviceaccount.com"):
        return domain.removesuffix(".iam.gserviceaccount.com")
    return "emulator"


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    body = {"error": error, "error_description": description}
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8"})


@dataclass
class AccessToken:
    identity: Identity
    scopes: frozenset[str]
    expires_at: float


#: Google: "A Google Cloud Platform project with an OAuth consent screen configured for an
#: external user type and a publishing status of 'Testing' is issued a refresh token expiring
#: in 7 days" (developers.google.com/identity/protocols/oauth2#expiration; gspread #932).
TESTING_REFRESH_LIFETIME = 7 * 24 * 3600
#: What the token endpoint answers for such a token, and for a revoked one (gspread #932:
#: "RefreshError: ('invalid_grant: Token has been expired or revoked.', ...)").
EXPIRED_OR_REVOKED = "Token has been expired or revoked."


@dataclass
class OAuthClient:
    client_secret: str
    refresh_token: str
    identity: Identity
    scopes: frozenset[str]
    testing: bool = False  # the app's publishing status is "Testing"
    issued_at: float = 0.0  # when the refresh token was granted
    revoked: bool = False


class GrantRefused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.body)
        self.response = response


class OAuthService:
    def __init__(self, emulator: Emulator, clock: Callable[[], float] = time.time) -> None:
        self.emulator = emulator
        self.clock = clock
        self._service_accounts: dict[str, tuple[rsa.RSAPublicKey, Identity]] = {}
        self._clients: dict[str, OAuthClient] = {}
        self.tokens: dict[str, AccessToken] = {}

    @classmethod
    def install(cls, emulator: Emulator, clock: Callable[[], float] = time.time) -> OAuthService:
        service = cls(emulator, clock)
        emulator.router.add("POST", TOKEN_PATH, service.token_endpoint)
        emulator.before.append(service.before_hook)
        emulator.identify = service.identify
        emulator.granted_scopes = service.granted_scopes
        return service

    # --- registration -------------------------------------------------------------------------

    def register_service_account(
        self, email: str, public_key_pem: str, project: str | None = None
    ) -> Identity:
        key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("a service-account key must be an RSA key")
        identity = Identity(email, project or project_of(email))
        self._service_accounts[email] = (key, identity)
        return identity

    def register_key_info(self, info: dict[str, str]) -> Identity:
        """Register the account of a service-account JSON key file."""
        return self.register_service_account(
            info["client_email"], public_key_pem(info["private_key"]), info.get("project_id")
        )

    def register_oauth_client(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        email: str,
        project: str = "emulator",
        scopes: tuple[str, ...] = (SCOPE_PREFIX + "spreadsheets", SCOPE_PREFIX + "drive"),
        *,
        testing: bool = False,
        issued_at: float | None = None,
    ) -> Identity:
        """An OAuth client and the refresh token a person granted it (at ``issued_at``, else
        now); ``testing``: the app is in "Testing", so that token expires after 7 days."""
        identity = Identity(email, project)
        self._clients[client_id] = OAuthClient(
            client_secret,
            refresh_token,
            identity,
            frozenset(scopes),
            testing=testing,
            issued_at=self.clock() if issued_at is None else issued_at,
        )
        return identity

    def revoke(self, client_id: str) -> None:
        """The person removed the app's access (myaccount.google.com > Security)."""
        self._clients[client_id].revoked = True

    def issue_token(self, identity: Identity, scopes: tuple[str, ...] | frozenset[str]) -> str:
        """Mint an access token directly (for tests that skip the token endpoint)."""
        token = "ya29.emu-" + secrets.token_urlsafe(32)
        expires_at = self.clock() + TOKEN_LIFETIME
        self.tokens[token] = AccessToken(identity, frozenset(scopes), expires_at)
        return token

    # --- the token endpoint -------------------------------------------------------------------

    def token_endpoint(self, request: Request, _match: Any) -> Response:
        form = {key: values[-1] for key, values in parse_qs(request.body.decode("utf-8")).items()}
        grant_type = form.get("grant_type", "")
        try:
            if grant_type == JWT_BEARER:
                identity, scopes = self._jwt_grant(form.get("assertion", ""), request.path)
                token = self.issue_token(identity, scopes)
                body = {"access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}
            elif grant_type == "refresh_token":
                identity, scopes = self._refresh_grant(form)
                token = self.issue_token(identity, scopes)
                body = {
                    "access_token": token,
                    "expires_in": TOKEN_LIFETIME,
                    "scope": " ".join(sorted(scopes)),
                    "token_type": "Bearer",
                }
            else:
                return oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        except GrantRefused as refused:
            return refused.response
        return Response(200, body, {"Content-Type": "application/json; charset=utf-8"})

    def _jwt_grant(self, assertion: str, endpoint_path: str) -> tuple[Identity, frozenset[str]]:
        try:
            header_part, claims_part, signature_part = assertion.split(".")
            header = json.loads(_b64decode(header_part))
            claims = json.loads(_b64decode(claims_part))
            signature = _b64decode(signature_part)
        except ValueError:
            raise GrantRefused(oauth_error("invalid_grant", "Invalid JWT.")) from None
        if header.get("alg") != "RS256":
            raise GrantRefused(oauth_error("invalid_grant", "Invalid JWT Signature."))
        registered = self._service_accounts.get(claims.get("iss", ""))
        if registered is None:
            raise GrantRefused(oauth_error("invalid_grant", "Invalid grant: account not found"))
        public_key, identity = registered
        signing_input = f"{header_part}.{claims_part}".encode("ascii")
        try:
            public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise GrantRefused(oauth_error("invalid_grant", "Invalid JWT Signature.")) from None
        if urlsplit(str(claims.get("aud", ""))).path != endpoint_path:
            raise GrantRefused(
                oauth_error(
                    "invalid_grant",
                    f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URI}",
                )
            )
        now = self.clock()
        issued, expires = claims.get("iat"), claims.get("exp")
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            raise GrantRefused(oauth_error("invalid_grant", SHORT_LIVED_MESSAGE))
        if expires <= now or issued > now + CLOCK_SKEW or expires - issued > MAX_ASSERTION_LIFETIME:
            raise GrantRefused(oauth_error("invalid_grant", SHORT_LIVED_MESSAGE))
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            raise GrantRefused(
                oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
            )
        return identity, scopes

    def _refresh_grant(self, form: dict[str, str]) -> tuple[Identity, frozenset[str]]:
        client = self._clients.get(form.get("client_id", ""))
        if client is None or client.client_secret != form.get("client_secret"):
            raise GrantRefused(
                oauth_error("invalid_client", "The OAuth client was not found.", 401)
            )
        if client.refresh_token != form.get("refresh_token"):
            raise GrantRefused(oauth_error("invalid_grant", "Bad Request"))
        expired = client.testing and self.clock() - client.issued_at >= TESTING_REFRESH_LIFETIME
        if client.revoked or expired:
            raise GrantRefused(oauth_error("invalid_grant", EXPIRED_OR_REVOKED))
        asked = frozenset(form.get("scope", "").split()) or client.scopes
        if not asked <= client.scopes:
            raise GrantRefused(
                oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
            )
        return client.identity, asked

    # --- API calls ----------------------------------------------------------------------------

    def _bearer(self, request: Request) -> str | None:
        header = request.headers.get("authorization")
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""

    def scopes_of(self, request: Request) -> frozenset[str]:
        """The scopes the request's bearer token was granted (none for an unknown token)."""
        token = self._bearer(request)
        found = self.tokens.get(token) if token else None
        return found.scopes if found is not None else frozenset()

    def identify(self, request: Request) -> Identity:
        token = self._bearer(request)
        found = self.tokens.get(token) if token else None
        if found is None or found.expires_at <= self.clock():
            return ANONYMOUS
        return found.identity

    def granted_scopes(self, request: Request) -> frozenset[str] | None:
        token = self._bearer(request)
        found = self.tokens.get(token) if token else None
        return None if found is None else found.scopes

    def before_hook(self, request: Request) -> Response | None:
        if request.path == TOKEN_PATH:
            return None
        token = self._bearer(request)
        if token is None:
            return None
        found = self.tokens.get(token)
        if found is None:
            return self._unauthenticated(request, None)
        if found.expires_at <= self.clock():
            return self._unauthenticated(request, "ACCESS_TOKEN_EXPIRED")
        allowed = self._allowed_scopes(request)
        if allowed and not (found.scopes & allowed):
            return self._insufficient_scopes(request)
        return None

    @staticmethod
    def _allowed_scopes(request: Request) -> frozenset[str]:
        match = find_method(request)
        if match is not None and match.method.scopes:
            return frozenset(match.method.scopes)
        for prefix, names in FALLBACK_SCOPES.items():
            if request.path.startswith(prefix):
                return frozenset(SCOPE_PREFIX + name for name in names)
        return frozenset()

    @staticmethod
    def _service(request: Request) -> tuple[str, str]:
        match = find_method(request)
        method_id = match.method.id if match else ""
        api = match.method.api if match else "drive"
        return f"{api}.googleapis.com", method_id

    def _unauthenticated(self, request: Request, reason: str | None) -> Response:
        response = google_error(401, UNAUTHENTICATED_MESSAGE)
        if reason:
            service, method = self._service(request)
            response.body["error"]["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": reason,
                    "domain": "googleapis.com",
                    "metadata": {"service": service, "method": method},
                }
            ]
        response.headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
        return response

    def _insufficient_scopes(self, request: Request) -> Response:
        service, method = self._service(request)
        reason = "insufficientPermissions" if service.startswith("drive") else None
        response = google_error(403, "Request had insufficient authentication scopes.", reason)
        response.body["error"]["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": service, "method": method},
            }
        ]
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="https://accounts.google.com/", error="insufficient_scope"'
        )
        return response
