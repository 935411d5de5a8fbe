"""A tiny loopback HTTP server that misbehaves on purpose, where the sandbox's own faults cannot: bodies
dripped a byte at a time, bodies larger than any cap, with or without a ``Content-Length``.

>>> with FaultServer() as server:                                  # doctest: +SKIP
...     httpx.get(server.url + "/drip?bytes=20&every=0.3")          # 20 bytes, one each 0.3 s

Paths (query parameters in brackets):
- ``/drip`` [bytes, every]: a JSON body of ``bytes`` bytes sent one byte every ``every`` seconds.
- ``/big`` [mb, length]: ``mb`` megabytes of JSON; ``length=1`` announces them in ``Content-Length``,
  else the body is sent chunked with no length.
- ``/json`` [text]: ``{"data": [{"description": "x" * text}]}``.
- ``/endless/<mode>/api/v1/sources/<id>/data`` [page_no, page_size]: a Floqer source that never ends: every
  page is full and claims ``total_count`` 10**9. ``mode`` ``same``: every page the same rows (ids 1..size);
  ``cycle``: each page the next ``page_size`` ids of a ring of ``2 * page_size`` (a page always brings rows
  the pass has seen within two pages). ``/endless/<mode>/api/v1/sources`` lists no sources. Every request is
  appended to ``FaultServer.requests``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        try:
            if url.path.startswith("/endless/"):
                self._endless(url.path.split("/")[2], url.path, query)
            elif url.path == "/drip":
                self._drip(int(query.get("bytes", "20")), float(query.get("every", "0.3")))
            elif url.path == "/big":
                self._big(float(query.get("mb", "3")), query.get("length") == "1")
            elif url.path == "/json":
                body = b'{"data": [{"description": "' + b"x" * int(query.get("text", "10")) + b'"}]}'
                self._head(len(body))
                self.wfile.write(body)
            else:
                self._head(2, status=404)
                self.wfile.write(b"{}")
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: that is the point
            pass

    def _head(self, length: int | None, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _endless(self, mode: str, path: str, query: dict[str, str]) -> None:
        if path.endswith("/sources"):
            data: object = []
        else:
            size, page = int(query.get("page_size", "10")), int(query.get("page_no", "1"))
            first = 1 if mode == "same" else 1 + ((page - 1) * size) % (2 * size)
            ids = [1 + (first - 1 + k) % (2 * size) for k in range(size)]
            rows = [{"id": i, "job_title": "Engineer", "date_posted": "2026-10-01"} for i in ids]
            data = {"rows": rows, "total_count": 10**9}
        body = json.dumps({"status": 200, "data": data}).encode()
        self._head(len(body))
        self.wfile.write(body)

    def _drip(self, size: int, every: float) -> None:
        body = (b'{"data": "' + b"x" * size)[:size]
        body = body[: max(0, size - 2)] + b'"}'
        self._head(len(body))
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            time.sleep(every)

    def _big(self, mb: float, announce: bool) -> None:
        size = int(mb * 2**20)
        chunk = b"x" * 65536
        head, tail = b'{"data": "', b'"}'
        if announce:
            self._head(size)
            self.wfile.write(head)
            left = size - len(head) - len(tail)
            while left > 0:
                self.wfile.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            self.wfile.write(tail)
            return
        self._head(None)
        for piece in [head] + [chunk] * (size // len(chunk)) + [tail]:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


class FaultServer:
    """Serve ``_Handler`` on a free loopback port in a daemon thread; ``url`` is its base URL."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.requests: list[str] = []  # every request's path and query, in order
        self._server.requests = self.requests  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
