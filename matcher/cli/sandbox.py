"""``matcher sandbox``: serve the local Floqer + Flowstate (optionally under profiles), list the profiles, or
take a guided tour of it."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

import httpx
import typer
from rich.markup import escape
from rich.table import Table

from matcher.cli.console import make_console
from matcher.common.errors import ConfigError, MatcherError, SandboxError
from matcher.sandbox import PROFILES, SandboxConfig, SandboxServer
from matcher.sandbox.market import MarketConfig
from matcher.sandbox.profiles import resolve_profiles

sandbox_app = typer.Typer(help="The local sandbox of Floqer and Flowstate.", no_args_is_help=True)

SEED = typer.Option(42, "--seed", help="Seed of the synthetic market: the same seed gives the same data.")
POSTINGS = typer.Option(6000, "--postings", min=100, help="How many postings the synthetic market holds.")


def _profiles(given: list[str]) -> tuple[str, ...]:
    """The ``--profile`` values (repeatable, or comma-separated) as names; an unknown one is a ConfigError."""
    try:
        resolve_profiles(given)
    except SandboxError as exc:
        raise ConfigError([f"--profile: {exc}"]) from None
    return tuple(name.strip() for item in given for name in item.split(",") if name.strip())


def _config(
    seed: int,
    postings: int,
    start: str | None,
    realtime: bool,
    no_rate_limit: bool,
    profiles: tuple[str, ...] = (),
) -> SandboxConfig:
    begin = MarketConfig().anchor
    if start is not None:
        try:
            begin = datetime.fromisoformat(start)
        except ValueError:
            raise ConfigError(
                [f"--start: got {start!r}, expected an ISO 8601 instant with a timezone"]
            ) from None
        if begin.tzinfo is None:
            raise ConfigError([f"--start: got {start!r}, expected a timezone (e.g. {start}Z)"])
    config = SandboxConfig(
        seed=seed, n_postings=postings, start=begin, frozen=not realtime, profiles=profiles
    )
    if no_rate_limit:
        config.floqer_rate_per_minute = config.floqer_rate_per_day = None
    return config


@sandbox_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (keep it on loopback)."),
    port: int = typer.Option(8765, min=0, max=65535, help="Port; 0 picks a free one."),
    seed: int = SEED,
    postings: int = POSTINGS,
    start: str | None = typer.Option(
        None, help="Sandbox time to start at (ISO 8601, e.g. 2026-11-02T09:00:00Z)."
    ),
    realtime: bool = typer.Option(
        False, "--realtime", help="Let sandbox time run instead of staying frozen."
    ),
    no_rate_limit: bool = typer.Option(
        False, "--no-rate-limit", help="Lift Floqer's 200/min, 10,000/day limits."
    ),
    profile: list[str] = typer.Option(
        [],
        "--profile",
        help="A profile to play (repeatable, or comma-separated; 'all' for every one). "
        "See: matcher sandbox profiles.",
    ),
) -> None:
    """Serve the sandbox on loopback until Ctrl-C, printing its URLs and keys."""
    config = _config(seed, postings, start, realtime, no_rate_limit, _profiles(profile))
    try:
        server = SandboxServer(config, host=host, port=port)
    except OSError as exc:
        raise MatcherError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    console = make_console()
    keys = server.keys
    console.print(f"[bold]matcher sandbox[/] seed={seed} postings={len(server.app.market.postings)}")
    console.print(f"  Floqer    {server.floqer_url}    (real: https://api.floqer.com)")
    console.print(
        f"  Flowstate {server.flowstate_url}/org/{server.org_id}    (real: https://{{tenant}}.flowstate.inc/api/v1)"
    )
    console.print(
        f"  control   {server.control_url}/clock | /faults | /credits | /truth | /sources | /served"
    )
    console.print(
        f"  clock     {server.clock.now().isoformat()} ({'frozen' if server.clock.frozen else 'running'})"
    )
    console.print(f"  profiles  {', '.join(server.profiles) or 'none (the default reading)'}")
    for status, source_id in server.profile_sources.items():
        console.print(f"  source    {status:<9} {source_id}")
    for quirk, vacancy_id in server.app.quirk_vacancies.items():
        console.print(f"  vacancy   {vacancy_id} ({quirk})")
    console.print("Point matcher at it (paste into another terminal; sandbox keys, not secrets):")
    console.print(f"  export FLOQER_BASE_URL={server.floqer_url} FLOQER_API_KEY={keys.floqer}")
    console.print(f"  export FLOWSTATE_BASE_URL={server.flowstate_url} FLOWSTATE_API_KEY={keys.flowstate}")
    console.print(f"  export FLOWSTATE_TENANT={config.tenant} FLOWSTATE_ORG_ID={config.org_id}")
    console.print(
        f"Read-only keys (403 tests): Floqer {keys.floqer_read_only}, Flowstate {keys.flowstate_read_only}"
    )
    console.print(
        f"Move its clock a day (the Floqer sources fetch on schedule): curl -s -X POST "
        f"{server.control_url}/clock -d '{{\"advance_seconds\": 86400}}'"
    )
    console.print("Try:")
    console.print(
        f"  curl -s -H 'Authorization: Bearer {keys.flowstate}' "
        f"{server.flowstate_url}/org/{server.org_id}/vacancies/clx5v6w7x8y9z0a1"
    )
    console.print("Ctrl-C stops it.", style="dim")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped.")


@sandbox_app.command("profiles")
def profiles() -> None:
    """List the profiles: what each changes, and which contract point it plays."""
    console = make_console()
    table = Table(title="Sandbox profiles (matcher sandbox serve --profile NAME)")
    for column in ("profile", "what it changes", "knobs", "contract point"):
        table.add_column(column, overflow="fold")
    for item in PROFILES.values():
        table.add_row(
            *(escape(cell) for cell in (item.name, item.description, item.changes(), item.contract))
        )
    console.print(table)


@sandbox_app.command("tour")
def tour(seed: int = SEED, postings: int = POSTINGS) -> None:
    """Walk through both services over real HTTP: vacancies, a preview, and an ongoing source's lifecycle."""
    console = make_console()
    config = _config(seed, postings, None, realtime=False, no_rate_limit=False)
    with SandboxServer(config) as sandbox, httpx.Client(timeout=30) as http:
        floqer = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
        flowstate = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}
        org = f"{sandbox.flowstate_url}/org/{sandbox.org_id}"
        now = sandbox.clock.now()
        console.print(
            f"[bold]Sandbox[/] at {sandbox.url} (seed {seed}), clock frozen at {now:%Y-%m-%d %H:%M} UTC"
        )

        vacancies = _all_vacancies(http, org, flowstate)
        table = Table(title=f"Flowstate: {len(vacancies)} vacancies (filled included)")
        for column in ("id", "role", "status", "band", "location"):
            table.add_column(column)
        locations = {
            loc["id"]: loc["name"] for loc in _get(http, f"{org}/locations?limit=100", flowstate)["data"]
        }
        for v in vacancies[:12]:
            band = f"{v['salaryMin']}-{v['salaryMax']} {v['currencyCode']}" if v.get("salaryMin") else "-"
            table.add_row(
                v["id"], v["role"], v["status"], band, locations.get(v.get("geographyId") or "", "-")
            )
        console.print(table)
        if len(vacancies) > 12:
            console.print(f"... and {len(vacancies) - 12} more")

        filters = {
            "job_title_or": ["Backend Engineer", "Data Scientist", "Data Engineer"],
            "posted_at_max_age_days": 90,
            "order_by": [{"field": "date_posted", "desc": True}],
        }
        preview = _post(
            http,
            f"{sandbox.floqer_url}/api/v1/sources/track_job_postings/preview",
            floqer,
            {"filters": filters},
        )
        console.print(
            f"Floqer preview: {preview['data']['metadata']['total_results']} matching postings, "
            f"{len(preview['data']['data'])} shown, e.g. {preview['data']['data'][0]['job_title']!r}"
        )
        expiration = (sandbox.clock.now() + timedelta(days=5)).date().isoformat()
        body = {"name": "Tour: engineering and data", "filters": filters, "expiration_date": expiration}
        created = _post(http, f"{sandbox.floqer_url}/api/v1/sources/track_job_postings", floqer, body)["data"]
        source = f"{sandbox.floqer_url}/api/v1/sources/{created['source_instance_id']}"
        steps = Table(title=f"Ongoing source {created['source_instance_id']} (expires {expiration})")
        for column in ("sandbox time", "step", "rows in source", "status"):
            steps.add_column(column)

        def record(step: str) -> None:
            total = _get(http, f"{source}/data?page_no=1&page_size=1", floqer)["data"]["total_count"]
            listing = {
                s["source_instance_id"]: s
                for s in _get(http, f"{sandbox.floqer_url}/api/v1/sources", floqer)["data"]
            }
            status = listing[created["source_instance_id"]]["status"]
            steps.add_row(f"{sandbox.clock.now():%Y-%m-%d %H:%M}", step, str(total), status)

        record("created (first fetch not run yet)")
        sandbox.clock.advance(timedelta(minutes=2))
        record("+2 min: first fetch ran")
        sandbox.clock.advance(timedelta(days=1))
        record("+1 day: scheduled run, new postings only")
        _patch(http, f"{source}/status", floqer, {"status": "paused"})
        sandbox.clock.advance(timedelta(days=1))
        record("paused, +1 day: no run")
        _patch(http, f"{source}/status", floqer, {"status": "active"})
        sandbox.clock.advance(timedelta(days=1))
        record("resumed, +1 day: run catches up")
        sandbox.clock.advance(timedelta(days=5))
        record("+5 days: past expiration_date")
        console.print(steps)
        rows = _page_all(http, f"{source}/data", floqer)
        ids = [r["id"] for r in rows]
        console.print(f"Paged all rows at page_size=200: {len(rows)} rows, {len(set(ids))} distinct ids.")
        console.print(
            "This is what `matcher ingest` reads: every row once, into the Parquet lake (see the README)."
        )


def _get(http: httpx.Client, url: str, headers: dict[str, str]) -> Any:
    return _checked(http.get(url, headers=headers))


def _post(http: httpx.Client, url: str, headers: dict[str, str], body: Any) -> Any:
    return _checked(http.post(url, headers=headers, json=body))


def _patch(http: httpx.Client, url: str, headers: dict[str, str], body: Any) -> Any:
    return _checked(http.patch(url, headers=headers, json=body))


def _checked(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        where = f"{response.request.method} {response.request.url.path}"
        raise MatcherError(f"sandbox answered {response.status_code} to {where}: {response.text[:200]}")
    return response.json()


def _all_vacancies(http: httpx.Client, org: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = _get(http, f"{org}/vacancies?page={page}&limit=100&excludeFilled=false", headers)
        found.extend(body["data"])
        if not body["meta"]["hasNextPage"]:
            return found
        page += 1


def _page_all(http: httpx.Client, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        data = _get(http, f"{url}?page_no={page}&page_size=200", headers)["data"]
        rows.extend(data["rows"])
        if page * 200 >= data["total_count"]:
            return rows
        page += 1
