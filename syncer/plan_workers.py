"""A big plan made in parts at once, on more than one core: worker processes forked from this
one, each planning a contiguous chunk of rows and sending its part back pickled.

Planning is pure (``syncer.plan``): a forked worker reads the rows, the state and the config as
this process holds them, without copying them anywhere, and writes nothing but its part to a
pipe. The planner puts the parts together in row order, and the plan is the one one process
would make (the tests compare both ways).

Workers are used only where forking is safe and pays: on Linux, for 10,000 rows or more
(``PARALLEL_FROM_ROWS``), with at least two usable cores, and when this process runs no other
thread (a thread holding a lock at the fork, say the template cache's, would leave the worker
waiting for it forever: a coach's trackers synced in parallel threads plan each in one
process). ``SYNCER_PLAN_WORKERS`` sets how many processes plan at most (``1``: never fork).
A worker that fails or dies is not an error: its chunk is planned here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from syncer.errors import SyncerError
from syncer.forked import Forked, can_fork

#: Fewer rows than this are planned in one process: forking and the parts' round trip would
#: cost about what a second core saves.
PARALLEL_FROM_ROWS = 10_000
#: Rows each process plans at least; at most this many processes plan.
MIN_ROWS_PER_WORKER = 5_000
MAX_WORKERS = 4
WORKERS_VARIABLE = "SYNCER_PLAN_WORKERS"

_T = TypeVar("_T")


def workers_for(rows: int) -> int:
    """How many processes should plan ``rows`` rows here and now (1: this one alone)."""
    wanted = _wanted_workers()
    if wanted <= 1 or rows < PARALLEL_FROM_ROWS:
        return 1
    if not can_fork():
        return 1
    return max(1, min(wanted, rows // MIN_ROWS_PER_WORKER))


def _wanted_workers() -> int:
    setting = os.environ.get(WORKERS_VARIABLE, "").strip()
    if setting:
        try:
            count = int(setting)
        except ValueError:
            count = 0
        if count < 1:
            raise SyncerError(
                f"{WORKERS_VARIABLE} must be a whole number of 1 or more: {setting!r}"
            )
        return count
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, MAX_WORKERS)


def chunk_ranges(rows: int, parts: int) -> list[range]:
    """``range(rows)`` cut into ``parts`` contiguous chunks of near-equal size, in order."""
    parts = max(1, min(parts, rows)) if rows else 1
    bounds = [rows * part // parts for part in range(parts + 1)]
    return [range(bounds[part], bounds[part + 1]) for part in range(parts)]


def in_parallel(
    chunks: Sequence[range],
    plan: Callable[[range], _T],
    send: Callable[[_T], object] = lambda part: part,
    take: Callable[[Any], _T] = lambda sent: sent,
) -> list[_T]:
    """``[plan(chunk) for chunk in chunks]``: the first chunk planned here while a forked worker
    plans each of the others and pickles ``send(part)`` back, which ``take`` turns into the
    part again (a shape quicker to pickle). A worker that fails (an exception, a signal, a
    part that does not arrive whole) has its chunk planned here afterwards, so the answer is
    always whole."""
    workers: list[Forked[object]] = []
    try:
        for chunk in chunks[1:]:
            workers.append(_fork(lambda chunk: send(plan(chunk)), chunk))
        parts = [plan(chunks[0])]
        for chunk in chunks[1:]:
            sent = _receive(workers[0])
            workers.pop(0)  # reaped: never signalled again (its pid may be another's now)
            parts.append(plan(chunk) if sent is None else take(sent))
        return parts
    finally:
        for worker in workers:  # an exception here: no worker is left behind
            worker.cancel()


def _fork(plan: Callable[[range], object], chunk: range) -> Forked[object]:
    return Forked(lambda: plan(chunk))


def _receive(worker: Forked[object]) -> object | None:
    """The worker's part, or None when it did not send one whole."""
    try:
        return worker.result()
    except Exception:  # its bug, its death, its cut answer: the chunk is planned here
        return None
