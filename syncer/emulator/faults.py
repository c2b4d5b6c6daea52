"""Scripted and random failures, and edits made "by someone else" between two requests.

Install it first among the before-hooks (it plays the network and the front end). A route is
either a discovery method name (``"values.batchUpdate"``, ``"files.create"``: any
method id that ends with it) or an HTTP method plus a regular expression over the path. Each route
holds a queue of faults; a fault answers ``times`` matching requests (None: forever) and then
the next one in the queue takes over. ``Fault.killed`` raises out of the call instead of
answering: the client process ends there, before or after the server applied the request.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from syncer.emulator.core import Emulator, Request, Response, google_error
from syncer.emulator.discovery import find_method

DEFAULT_MESSAGES = {
    403: "Rate Limit Exceeded",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}
DEFAULT_REASONS = {403: "rateLimitExceeded"}

#: What Google's front end (the proxy before the APIs) sends for a failure it answers itself:
#: an HTML page, not the API's JSON (Google's FCM error reference shows it under "Bad
#: gateway"; client libraries quote its title "Error 502 (Server Error)!!1"). Its text, in
#: Google's words, by status.
FRONT_END_PAGES = {
    429: ("Too Many Requests", "Your client has issued too many requests."),
    500: ("Server Error", "The server encountered an error and could not complete your request."),
    502: (
        "Server Error",
        "The server encountered a temporary error and could not complete your request.",
    ),
    503: ("Service Unavailable", "The service you requested is not available at this time."),
    504: ("Gateway Timeout", "The server did not respond in time."),
}


def front_end_page(status: int) -> bytes:
    """Google's front-end error page for ``status``, as it is served (text/html)."""
    title, text = FRONT_END_PAGES.get(status, ("Error", "That's an error."))
    return (
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
        '  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">\n'
        f"  <title>Error {status} ({title})!!1</title>\n"
        "  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n"
        f"  <p><b>{status}.</b> <ins>That\u2019s an error.</ins>\n"
        f"  <p>{text}  Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>\n"
    ).encode()


@dataclass(frozen=True)
class Route:
    """Which requests a fault or hook applies to; an empty route matches every request."""

    name: str | None = None
    method: str | None = None
    path: str | None = None

    def matches(self, request: Request) -> bool:
        if self.method is not None and request.method != self.method.upper():
            return False
        if self.path is not None and re.search(self.path, request.path) is None:
            return False
        if self.name is not None:
            found = find_method(request)
            if found is None:
                return False
            method_id = found.method.id
            return method_id == self.name or method_id.endswith("." + self.name)
        return True


@dataclass
class Fault:
    """One scripted answer. With no status and no drop it answers normally, after ``delay``."""

    status: int | None = None
    body: Any = None  # None: Google's error body for the status
    delay: float = 0.0
    drop: bool = False
    apply_first: bool = False  # let the real handler run, then fail: the write took effect
    times: int | None = 1
    kill: BaseException | None = None  # raised to the caller instead of any answer
    html: bool = False  # answered by Google's front end: an HTML page, not the API's JSON
    retry_after: str | None = None  # a Retry-After header (seconds or an HTTP date)

    @classmethod
    def error(cls, status: int, body: Any = None, times: int | None = 1) -> Fault:
        return cls(status=status, body=body, times=times)

    @classmethod
    def page(cls, status: int, times: int | None = 1, retry_after: str | None = None) -> Fault:
        """The front end's HTML error page (502/503/504, sometimes 429 or 500)."""
        return cls(status=status, html=True, times=times, retry_after=retry_after)

    @classmethod
    def quota(cls, retry_after: str | None = None, times: int | None = 1) -> Fault:
        """429 RESOURCE_EXHAUSTED, with or without a Retry-After header."""
        return cls(status=429, times=times, retry_after=retry_after)

    @classmethod
    def dropped(cls, times: int | None = 1) -> Fault:
        return cls(drop=True, times=times)

    @classmethod
    def answered(cls, times: int | None = 1) -> Fault:
        """Answer normally: lets the next fault in the queue wait for a later request."""
        return cls(times=times)

    @classmethod
    def slow(cls, seconds: float, times: int | None = 1) -> Fault:
        return cls(delay=seconds, times=times)

    @classmethod
    def apply_then_fail(cls, status: int = 503, times: int | None = 1) -> Fault:
        return cls(status=status, apply_first=True, times=times)

    @classmethod
    def apply_then_drop(cls, times: int | None = 1) -> Fault:
        return cls(drop=True, apply_first=True, times=times)

    @classmethod
    def killed(cls, error: BaseException, *, applied: bool = False, times: int | None = 1) -> Fault:
        """The client dies on this request: ``error`` is raised out of the emulator's ``handle``
        (so out of the HTTP call, like the end of the process). With ``applied`` the server
        applied the request first and only the reply was lost."""
        return cls(kill=error, apply_first=applied, times=times)

    @property
    def kind(self) -> str:
        prefix = "apply_then_" if self.apply_first else ""
        if self.kill is not None:
            return prefix + "kill"
        if self.drop:
            return prefix + "drop"
        if self.status is not None:
            return f"{prefix}{self.status}" + ("_html" if self.html else "")
        return "delay"

    def failure(self) -> Response:
        if self.drop:
            return Response(0, drop=True, delay=self.delay)
        assert self.status is not None
        if self.html:
            page = {"Content-Type": "text/html; charset=UTF-8"}
            response = Response(self.status, front_end_page(self.status), page)
        elif self.body is not None:
            response = Response(self.status, self.body)
        else:
            message = DEFAULT_MESSAGES.get(self.status, "Error injected by the emulator.")
            response = google_error(self.status, message, DEFAULT_REASONS.get(self.status))
        if self.retry_after is not None:
            response.headers["Retry-After"] = self.retry_after
        response.delay = self.delay
        return response


@dataclass
class RandomFaults:
    route: Route
    rate: float
    rng: random.Random
    faults: tuple[Fault, ...]


@dataclass
class Hook:
    route: Route
    action: Callable[[Emulator], None]
    nth: int  # run after this many matching requests (1 = after the first)
    repeat: bool
    seen: int = 0


@dataclass
class _Queue:
    route: Route
    faults: list[Fault] = field(default_factory=list)


class FaultInjector:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._queues: list[_Queue] = []
        self._random: list[RandomFaults] = []
        self._hooks: list[Hook] = []
        self.injected: Counter[str] = Counter()  # fault kind -> how many were served
        self.hooks_run = 0

    @classmethod
    def install(cls, emulator: Emulator) -> FaultInjector:
        injector = cls(emulator)
        emulator.before.append(injector.before_hook)
        emulator.after.append(injector.after_hook)
        return injector

    @staticmethod
    def _route(route: str | None, method: str | None, path: str | None) -> Route:
        return Route(name=route, method=method, path=path)

    def inject(
        self,
        *faults: Fault,
        route: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Queue faults for the matching requests, in order."""
        wanted = self._route(route, method, path)
        copies = [replace(fault) for fault in faults]  # the queue counts down its own copies
        for queue in self._queues:
            if queue.route == wanted:
                queue.faults.extend(copies)
                return
        self._queues.append(_Queue(wanted, copies))

    def random_faults(
        self,
        rate: float,
        *,
        seed: int = 0,
        faults: tuple[Fault, ...] | None = None,
        route: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Fail a share ``rate`` of matching requests with one of ``faults``, reproducibly."""
        choices = faults or (Fault.error(503), Fault.error(429), Fault.dropped())
        self._random.append(
            RandomFaults(self._route(route, method, path), rate, random.Random(seed), choices)
        )

    def after_requests(
        self,
        action: Callable[[Emulator], None],
        *,
        nth: int = 1,
        repeat: bool = False,
        route: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Run ``action(emulator)`` once the nth matching request was answered (every nth if
        ``repeat``): someone editing the sheet between two of syncer's requests."""
        self._hooks.append(Hook(self._route(route, method, path), action, nth, repeat))

    def pending(self) -> int:
        """Scripted faults not served yet (a fault that repeats forever counts once)."""
        return sum(len(queue.faults) for queue in self._queues)

    def clear(self) -> None:
        self._queues.clear()
        self._random.clear()
        self._hooks.clear()

    def _next_fault(self, request: Request) -> Fault | None:
        for queue in self._queues:
            if queue.faults and queue.route.matches(request):
                fault = queue.faults[0]
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.faults.pop(0)
                return fault
        for chaos in self._random:
            if chaos.route.matches(request) and chaos.rng.random() < chaos.rate:
                self.injected["random"] += 1
                return chaos.rng.choice(chaos.faults)
        return None

    def before_hook(self, request: Request) -> Response | None:
        fault = self._next_fault(request)
        if fault is None:
            return None
        self.injected[fault.kind] += 1
        if fault.kill is not None:
            if fault.apply_first:
                self._pass_through(request)
            raise fault.kill
        if fault.apply_first or (fault.status is None and not fault.drop):
            response = self._pass_through(request)
            if not fault.apply_first or response.status >= 400:
                response.delay += fault.delay
                return response
        return fault.failure()

    def _pass_through(self, request: Request) -> Response:
        """Answer as if this hook were not there: the later before-hooks, then the router."""
        hooks = self.emulator.before
        start = hooks.index(self.before_hook) + 1 if self.before_hook in hooks else len(hooks)
        for hook in hooks[start:]:
            refused = hook(request)
            if refused is not None:
                return refused
        return self.emulator.router.dispatch(request)

    def after_hook(self, request: Request, response: Response) -> None:
        for hook in list(self._hooks):
            if not hook.route.matches(request):
                continue
            hook.seen += 1
            if hook.seen % hook.nth != 0:
                continue
            if not hook.repeat:
                self._hooks.remove(hook)
            self.hooks_run += 1
            hook.action(self.emulator)
