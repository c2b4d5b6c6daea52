"""An in-memory emulator of the Google Sheets v4, Drive v3, Docs v1 and Gmail v1 APIs and the
OAuth token endpoint, for tests, benchmarks and demos (``syncer emulator serve``)."""

from __future__ import annotations

from syncer.emulator.core import Emulator
from syncer.emulator.drive import DriveService
from syncer.emulator.sheets import SheetsService
from syncer.emulator.transport import (
    EmulatorAdapter,
    ForwardingAdapter,
    emulator_session,
    mount_emulator,
)

__all__ = [
    "DriveService",
    "Emulator",
    "EmulatorAdapter",
    "ForwardingAdapter",
    "SheetsService",
    "emulator_session",
    "install_all",
    "mount_emulator",
    "new_emulator",
]


def install_all(emulator: Emulator) -> Emulator:
    """Install every service on ``emulator``: Sheets, Drive, Docs and the OAuth token endpoint.

    Fault injection, quotas and discovery validation are opt-in (FaultInjector, QuotaLimiter,
    DiscoveryValidator ``.install``), as tests choose them.
    """
    from syncer.emulator.docs import DocsService
    from syncer.emulator.gmail import GmailService
    from syncer.emulator.oauth import OAuthService

    SheetsService.install(emulator)
    DocsService.install(emulator)
    oauth = OAuthService.install(emulator)
    GmailService.install(emulator, scopes_of=oauth.scopes_of)
    return emulator


def new_emulator() -> Emulator:
    return install_all(Emulator())
