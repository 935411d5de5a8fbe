"""The same seed gives byte-identical data twice; different seeds give different markets."""

from __future__ import annotations

from datetime import timedelta

import httpx

from matcher.sandbox import SandboxServer
from tests.conftest import sandbox_config


def _script(seed: int) -> list[bytes]:
    """A fixed conversation with a fresh sandbox; returns every response body, byte for byte."""
    bodies: list[bytes] = []
    with SandboxServer(sandbox_config(seed=seed)) as sandbox, httpx.Client(timeout=10) as http:
        floqer = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
        flowstate = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}
        org = f"{sandbox.flowstate_url}/org/{sandbox.org_id}"
        bodies.append(http.get(f"{org}/vacancies?limit=100&excludeFilled=false", headers=flowstate).content)
        bodies.append(http.get(f"{org}/locations", headers=flowstate).content)
        filters = {"job_title_or": ["engineer"], "posted_at_max_age_days": 90}
        preview = f"{sandbox.floqer_url}/api/v1/sources/track_job_postings/preview"
        bodies.append(http.post(preview, headers=floqer, json={"filters": filters}).content)
        create = {"name": "d", "filters": filters, "expiration_date": "2027-01-01"}
        created = http.post(
            f"{sandbox.floqer_url}/api/v1/sources/track_job_postings", headers=floqer, json=create
        )
        bodies.append(created.content)
        source = created.json()["data"]["source_instance_id"]
        for _ in range(3):
            sandbox.clock.advance(timedelta(days=1))
            bodies.append(
                http.get(
                    f"{sandbox.floqer_url}/api/v1/sources/{source}/data?page_size=200", headers=floqer
                ).content
            )
        bodies.append(http.get(f"{sandbox.control_url}/truth").content)
    return bodies


def test_same_seed_same_bytes() -> None:
    first, second = _script(7), _script(7)
    assert all(len(b) > 2 for b in first)
    assert first == second


def test_different_seeds_differ() -> None:
    one, other = _script(7), _script(8)
    assert one[2] != other[2]  # the preview: a different market
    assert one[-1] != other[-1]  # a different truth
