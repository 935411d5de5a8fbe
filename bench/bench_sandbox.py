"""Sandbox cost: paging a source's rows over HTTP, and generating the synthetic market.

1. /data paging: every page of a large source at page_size=200 over one keep-alive connection, against a
   baseline stdlib HTTP server that answers the same pre-serialized pages from memory. The ratio is the
   sandbox's own overhead (auth, lazy scheduling, paging, JSON) per request.
2. Market generation: generating N postings against ``json.loads`` of the same market's canonical JSON
   (what loading a pre-generated market from a file would cost instead).
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bench._harness import median_seconds, peak_mib, report
from matcher.sandbox import MarketConfig, SandboxConfig, SandboxServer, generate_market

POSTINGS = 20_000
PAGE = 200


def _static_server(pages: dict[int, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            page = int(self.path.rsplit("page_no=", 1)[1].split("&")[0])
            body = pages[page]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _page_all(http: httpx.Client, url: str, headers: dict[str, str], pages: int) -> int:
    rows = 0
    for page in range(1, pages + 1):
        rows += len(
            http.get(url, params={"page_no": page, "page_size": PAGE}, headers=headers).json()["data"]["rows"]
        )
    return rows


def bench_paging() -> None:
    config = SandboxConfig(n_postings=POSTINGS, floqer_rate_per_minute=None, floqer_rate_per_day=None)
    with SandboxServer(config) as sandbox, httpx.Client(timeout=60) as http:
        auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
        body = {
            "name": "bench",
            "filters": {"posted_at_max_age_days": 180},
            "expiration_date": (sandbox.clock.now() + timedelta(days=30)).date().isoformat(),
        }
        created = http.post(
            f"{sandbox.floqer_url}/api/v1/sources/track_job_postings", headers=auth, json=body
        )
        sandbox.clock.advance(timedelta(minutes=2))
        url = f"{sandbox.floqer_url}/api/v1/sources/{created.json()['data']['source_instance_id']}/data"
        total = http.get(url, params={"page_size": 1}, headers=auth).json()["data"]["total_count"]
        pages = (total + PAGE - 1) // PAGE
        cached = {
            p: http.get(url, params={"page_no": p, "page_size": PAGE}, headers=auth).content
            for p in range(1, pages + 1)
        }
        static = _static_server(cached)
        static_url = f"http://127.0.0.1:{static.server_address[1]}/data"
        try:
            sandbox_s = median_seconds(lambda: _page_all(http, url, auth, pages))
            static_s = median_seconds(lambda: _page_all(http, static_url, {}, pages))
            sandbox_mem = peak_mib(lambda: _page_all(http, url, auth, pages))
            static_mem = peak_mib(lambda: _page_all(http, static_url, {}, pages))
        finally:
            static.shutdown()
    report(
        f"sandbox /data paging: {total:,} rows, {pages} pages of {PAGE} (median of 5)",
        [
            (
                "sandbox (auth, scheduling, paging, JSON)",
                f"{sandbox_s:.3f} s",
                f"{total / sandbox_s:,.0f} rows/s",
                f"{sandbox_mem:.1f} MiB",
            ),
            (
                "baseline: static pages from memory",
                f"{static_s:.3f} s",
                f"{total / static_s:,.0f} rows/s",
                f"{static_mem:.1f} MiB",
            ),
        ],
    )
    print(f"  ratio sandbox / baseline: {sandbox_s / static_s:.2f}x")


def bench_generation() -> None:
    rows_out = []
    for n in (6_000, 100_000):

        def generate(n: int = n) -> None:
            generate_market.__wrapped__(MarketConfig(n_postings=n))  # type: ignore[attr-defined]  # bypass the memo

        canonical = generate_market(MarketConfig(n_postings=n)).canonical_bytes()
        gen_s = median_seconds(generate, repeat=3)
        load_s = median_seconds(lambda c=canonical: json.loads(c), repeat=3)
        gen_mem = peak_mib(generate)
        load_mem = peak_mib(lambda c=canonical: json.loads(c))
        rows_out.append(
            (f"generate {n:,} postings", f"{gen_s:.3f} s", f"{n / gen_s:,.0f} rows/s", f"{gen_mem:.1f} MiB")
        )
        rows_out.append(
            (
                "baseline: json.loads of its canonical JSON",
                f"{load_s:.3f} s",
                f"{n / load_s:,.0f} rows/s",
                f"{load_mem:.1f} MiB",
            )
        )
        rows_out.append((f"ratio generate / load ({n:,})", f"{gen_s / load_s:.2f}x", "", ""))
    report("synthetic market generation (median of 3)", rows_out)


def main() -> None:
    bench_paging()
    bench_generation()
