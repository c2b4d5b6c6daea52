"""The sections of docs/google-setup.md that syncer points people to.

``syncer doctor`` names one for each failure it finds ("see docs/google-setup.md#share-the-
tracker"); a test keeps every name here a heading of that page.
"""

from __future__ import annotations

from enum import StrEnum

GUIDE = "docs/google-setup.md"


class Section(StrEnum):
    """A heading's anchor, as GitHub makes it (lower case, punctuation dropped, - for space)."""

    PROJECT = "create-a-project"
    ENABLE_APIS = "enable-the-apis"
    SERVICE_ACCOUNT = "create-a-service-account-and-its-key"
    KEY_PRIVATE = "keep-the-key-private"
    SHARE = "share-the-tracker"
    KEY_IN_URL = "find-the-key-in-the-url"
    CONFIG = "write-your-config"
    SIGN_IN = "how-syncer-signs-in"
    OAUTH = "sign-in-as-yourself-oauth"
    TESTING_TOKENS = "tokens-expire-after-7-days-in-testing"
    ADC = "application-default-credentials"
    HEADERS = "prepare-the-tab"
    QUOTAS = "quotas"
    TROUBLESHOOTING = "troubleshooting"

    @property
    def link(self) -> str:
        return f"{GUIDE}#{self.value}"
