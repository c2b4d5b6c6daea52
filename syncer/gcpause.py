"""Python's cycle collector paused while a tracker is synced (on again when the last one ends).

A sync allocates several objects per row that all live until it returns (cells as read, updates,
results, state) and form no cycles; the collector would walk them again and again: a quarter of
a 100,000-row plan, a second of a 100,000-row .csv sync. Reference counting still frees
everything else at once. Counted, so trackers synced in parallel threads do not turn it back on
under each other; left off if it was off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
