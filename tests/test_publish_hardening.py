"""Issue 13 (finding 10): ``publish --apply`` failing midway, and metadata values sent back in their form."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import ApiClient, RetryPolicy
from matcher.report.writer import REPORTS, write_reports
from tests.test_cli_publish import _row

# metadata as another tool wrote it: numbers whose text a float (or an int) would change
STORED_METADATA = (
    b'{"ratio": 1.10, "big": 1E300, "tiny": 0.0000001, "n": 7, "neg": -0.0, "note": "caf\\u00e9"}'
)


def _benchmark(vacancy_id: str) -> dict[str, Any]:
    # benchmarked today for the configured Flowstate (no org here: the client is a fake)
    return _row(
        vacancy_id=vacancy_id,
        confidence="medium",
        verdict="within",
        as_of=date.today(),
        flowstate_tenant=None,
        flowstate_org_id=None,
    )


class FakeFlowstate:
    """Vacancies v1..v4 whose metadata is ``STORED_METADATA``; the PATCH of ``fail_on`` answers 403."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.patches: dict[str, bytes] = {}

    def _vacancy(self, vacancy_id: str) -> bytes:
        return b'{"id": "%s", "role": "Data Engineer", "metadata": %s}' % (
            vacancy_id.encode(),
            STORED_METADATA,
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if request.method == "GET" and parts[-1] == "vacancies":
            items = b",".join(self._vacancy(f"v{i}") for i in range(1, 5))
            body = b'{"data": [%s], "meta": {"total": 4, "hasNextPage": false}}' % items
            return httpx.Response(200, content=body)
        if request.method == "GET":
            return httpx.Response(200, content=b'{"data": %s}' % self._vacancy(parts[-1]))
        if request.method == "PATCH":
            if parts[-1] == self.fail_on:
                return httpx.Response(403, json={"error": {"code": "FORBIDDEN", "message": "read-only"}})
            self.patches[parts[-1]] = request.content
            return httpx.Response(200, content=b'{"data": %s}' % self._vacancy(parts[-1]))
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "no"}})


def _client(fake: FakeFlowstate) -> FlowstateClient:
    api = ApiClient(
        service="flowstate",
        base_url="https://acme.flowstate.inc/api/v1",
        api_key="private_secret_key_123",
        client=httpx.Client(transport=httpx.MockTransport(fake)),
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda _: None,
    )
    return FlowstateClient(api, org_id="org_1")


def test_metadata_numbers_go_back_in_the_form_they_were_read() -> None:
    fake = FakeFlowstate()
    _client(fake).update_vacancy("v1", {"metadata": {"marketBenchmark": {"p50": "80000.00"}}})
    sent = fake.patches["v1"].decode()
    # byte for byte: not 1.1, not a 301-digit integer, not 1e-07, not -0.0 -> 0
    assert '"ratio":1.10' in sent and '"big":1E300' in sent and '"tiny":0.0000001' in sent
    assert '"neg":-0.0' in sent and '"n":7' in sent
    assert json.loads(sent)["metadata"]["note"] == "café"
    assert json.loads(sent)["metadata"]["marketBenchmark"] == {"p50": "80000.00"}


def _reports(tmp_path: Path) -> Path:
    frames = {name: pl.DataFrame() for name in REPORTS}
    frames["vacancy_benchmarks"] = pl.DataFrame([_benchmark(f"v{i}") for i in range(1, 5)])
    write_reports(frames, tmp_path / "reports")
    return tmp_path / "reports"


def test_a_patch_failing_midway_names_what_was_written_and_that_rerunning_is_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = _reports(tmp_path)
    fake = FakeFlowstate(fail_on="v3")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("matcher.pipeline.Pipeline.flowstate_client", lambda self: _client(fake))
    result = CliRunner().invoke(app, ["publish", "--to", "flowstate", "--reports", str(reports), "--apply"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    line = errors[0]
    assert "403" in line and "v3" in line
    assert "2 of 4 vacancies already written (v1, v2)" in line and "again is safe" in line
    assert "private_secret_key_123" not in result.output
    assert set(fake.patches) == {"v1", "v2"}
