"""The emulator behind a loopback HTTP server (for subprocess tests and demos).

All Google hosts collapse onto this one server; paths tell the services apart. Only loopback
addresses are accepted: the emulator has no authentication worth exposing.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from syncer.emulator.core import Emulator, Request


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: Emulator, address: tuple[str, int]) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.server.emulator.handle(request)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        content = reply.encoded()
        self.send_response(reply.status)
        headers = reply.wire_headers()
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator keeps its own request log."""


def _require_loopback(host: str) -> None:
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(f"the emulator only binds loopback addresses, not {host!r}")


def serve(
    emulator: Emulator,
    host: str = "127.0.0.1",
    port: int = 0,
    request_log: str | Path | None = None,
) -> EmulatorServer:
    """A server bound to ``host:port`` (not yet serving: call ``serve_forever``). With
    ``request_log``, one JSON line per request (method, path, query, status) is appended."""
    _require_loopback(host)
    if request_log is not None:
        log_path = Path(request_log)
        lock = threading.Lock()

        def write(entry: dict[str, Any]) -> None:
            with lock, log_path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(entry, ensure_ascii=False) + "\n")

        emulator.add_log_sink(write)
    return EmulatorServer(emulator, (host, port))


@contextmanager
def running(
    emulator: Emulator,
    host: str = "127.0.0.1",
    port: int = 0,
    request_log: str | Path | None = None,
) -> Iterator[str]:
    """Serve in a background thread; yields the base URL and shuts down on exit."""
    server = serve(emulator, host, port, request_log)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> None:
    from syncer.emulator import new_emulator

    parser = argparse.ArgumentParser(description="Serve the Google API emulator on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--request-log", default=None)
    options = parser.parse_args(argv)
    server = serve(new_emulator(), options.host, options.port, options.request_log)
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
