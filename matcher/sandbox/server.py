"""The sandbox over real HTTP: a threaded HTTP/1.1 server on loopback around a ``SandboxApp``.

The standard library's server is used on purpose: injected faults need socket-level control (close a
connection without answering, promise a Content-Length and send half of it) that ASGI servers forbid.

>>> with SandboxServer() as sandbox:                      # doctest: +SKIP
...     httpx.get(sandbox.floqer_url + "/api/v1/sources",
...               headers={"Authorization": f"Bearer {sandbox.keys.floqer}"}).json()["status"]
200
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from matcher.sandbox.app import CONTROL_PREFIX, FLOQER_PREFIX, FLOWSTATE_PREFIX, SandboxApp, SandboxConfig
from matcher.sandbox.http import Request, Response

log = logging.getLogger("matcher.sandbox")
MAX_BODY = 10 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "matcher-sandbox/1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus the client's delayed ACK
    # would add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "body too large")
            return
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:  # a sandbox bug must surface as a 500, not a hung client
            log.exception("sandbox handler failed for %s %s", self.command, url.path)
            response = Response(status=500, body=b'{"error":"sandbox bug"}')
        self._write(response)

    def _write(self, response: Response) -> None:
        if response.delay > 0:
            time.sleep(response.delay)
        if response.drop:
            self._abort()
            return
        body = response.body
        promised = len(body)
        if response.truncate == "bad_json":
            body = body[: int(len(body) * response.truncate_keep)]
            promised = len(body)
        elif response.truncate == "short_body":
            body = body[: int(len(body) * response.truncate_keep)]
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(promised))
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(body)
        self.wfile.flush()
        if response.truncate == "short_body":
            self._abort()

    def _abort(self) -> None:
        """Close the connection at once, mid-exchange, as a crashed upstream or a flaky proxy would."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class SandboxServer:
    """Floqer + Flowstate on a loopback port, in a background thread; a context manager.

    Args:
        config: what to serve (seed, market size, clock start, rate limits); defaults are the demo's.
        host: the interface to bind (loopback by default).
        port: 0 picks a free port.
    """

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.app = SandboxApp(config)
        self._server = _Server((host, port), self.app)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def floqer_url(self) -> str:
        """Floqer's base URL (the real one is https://api.floqer.com)."""
        return self.url + FLOQER_PREFIX

    @property
    def flowstate_url(self) -> str:
        """Flowstate's base URL up to ``/api/v1`` (the real one is https://{tenant}.flowstate.inc/api/v1)."""
        return self.url + FLOWSTATE_PREFIX

    @property
    def control_url(self) -> str:
        return self.url + CONTROL_PREFIX

    @property
    def keys(self) -> Any:
        return self.app.keys

    @property
    def clock(self) -> Any:
        return self.app.clock

    @property
    def faults(self) -> Any:
        return self.app.faults

    @property
    def org_id(self) -> str:
        return self.app.config.org_id

    @property
    def profiles(self) -> tuple[str, ...]:
        """The active profiles (``all`` expanded)."""
        return self.app.profiles

    @property
    def profile_sources(self) -> dict[str, str]:
        """The ``deleted-source`` profile's sources: {"deleted": id, "completed": id} (empty without it)."""
        return self.app.profile_sources

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="matcher-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (what ``matcher sandbox serve`` does)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
