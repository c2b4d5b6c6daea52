"""The emulator fixture of tests/google, for the Sheets cases of the catalogue."""

from tests.google.conftest import google

__all__ = ["google"]
