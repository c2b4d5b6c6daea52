"""The shipped examples' tests use the Google emulator fixture of tests/google."""

from tests.google.conftest import google

__all__ = ["google"]
