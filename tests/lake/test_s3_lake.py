"""An ``s3://`` lake against a local S3-compatible server (moto's ThreadedMotoServer on 127.0.0.1, started
here; never the internet): end to end through ``matcher run``, what a second working copy sees, a lost
commit race, the lock object, a crash between upload and commit, and no secret in any output."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from matcher.cli import app
from matcher.common.config import Config, lake_working_copy
from matcher.demo import DEMO_FILTERS, sandbox_pipeline
from matcher.lake.remote import (
    DATA_PREFIX,
    LOCK_KEY,
    MANIFEST_KEY,
    LakeCommitConflictError,
    RemoteLake,
    RemoteLakeBusyError,
    RemoteLakeError,
)
from matcher.pipeline import Pipeline
from matcher.sandbox import SandboxServer
from tests.conftest import sandbox_config, sandbox_env

boto3 = pytest.importorskip("boto3")  # moto's own dependency: creates the buckets
moto_server = pytest.importorskip("moto.server")

FAKE_KEY_ID = "AKIAFAKEFAKEFAKE7777"
FAKE_SECRET = "fake-S3-secret-6f1c2d9e8b7a"  # must never appear in any output, log or error


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket, the AWS_* variables pointing at the local server, and a cache dir of the test's."""
    name = f"lake-{uuid.uuid4().hex[:12]}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ALLOW_HTTP": "true",
        "MATCHER_LAKE__CACHE_DIR": str(tmp_path / "cache"),  # working copies (not the fitted models)
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return name


def _keys(bucket: str, prefix: str = "") -> list[str]:
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def _manifest(bucket: str, prefix: str = "lake") -> dict[str, object]:
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
    body = client.get_object(Bucket=bucket, Key=f"{prefix}/{MANIFEST_KEY}")["Body"].read()
    data: dict[str, object] = json.loads(body)
    return data


def _copy_of(url: str, tmp_path: Path, name: str) -> RemoteLake:
    """Another machine's working copy of ``url`` (its own cache dir)."""
    return RemoteLake(url, lake_working_copy(url, tmp_path / name))


def _write(root: Path, relative: str, text: str) -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text, encoding="utf-8")


# -- end to end ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_matcher_run_on_an_s3_lake_gives_the_reports_of_a_local_lake(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``matcher run --lake s3://bucket/lake`` against the sandbox writes the same reports as the same run on
    a local folder; a second working copy (another machine) reads the committed lake; no secret anywhere."""
    caplog.set_level(logging.INFO)
    url = f"s3://{bucket}/lake"
    with SandboxServer(sandbox_config()) as sandbox:
        with sandbox_pipeline(sandbox, tmp_path / "x", tmp_path / "y").floqer_client() as client:
            expiration = (sandbox.clock.now() + timedelta(days=60)).date().isoformat()
            created = client.create(name="s3", filters=DEMO_FILTERS, expiration_date=expiration, broad=True)
        sandbox.clock.advance(timedelta(minutes=2, days=20))
        day = str(sandbox.clock.now().date())
        for key, value in sandbox_env(sandbox, tmp_path / "unused").items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("MATCHER_LAKE")
        runner = CliRunner()
        outputs = []
        for lake, reports in (
            (url, tmp_path / "s3-reports"),
            (str(tmp_path / "local"), tmp_path / "reports"),
        ):
            source = created.source_instance_id
            tracked = runner.invoke(app, ["floqer", "track", source, "--no-check", "--lake", lake])
            assert tracked.exit_code == 0, tracked.output
            ran = runner.invoke(app, ["run", "--lake", lake, "--as-of", day, "--reports", str(reports)])
            assert ran.exit_code == 0, ran.output
            outputs += [tracked.output, ran.output]
    assert not (tmp_path / "s3:").exists() and not Path("s3:").exists()
    for name in ("vacancy_benchmarks", "vacancy_matches", "competitor_hiring", "benchmark_pool"):
        on_s3 = pl.read_parquet(tmp_path / "s3-reports" / f"{name}.parquet").drop("run_at", strict=False)
        local = pl.read_parquet(tmp_path / "reports" / f"{name}.parquet").drop("run_at", strict=False)
        assert on_s3.height > 0 or name == "competitor_hiring", name
        assert_frame_equal(on_s3, local), name
    # the bucket holds the lake: a manifest naming every table, the lock removed, no stray upload
    manifest = _manifest(bucket)
    files = manifest["files"]
    assert isinstance(files, dict)
    for table in ("clean/vacancies.parquet", "matches/matches.parquet"):
        assert table in files
    assert any(f.startswith("clean/postings.parquet/part-") for f in files)  # a folder of parts
    assert "state/lock" not in files and not any(f.endswith(".tmp") for f in files)
    assert f"lake/{LOCK_KEY}" not in _keys(bucket)
    named = {f"lake/{entry['key']}" for entry in files.values()}
    assert set(_keys(bucket, f"lake/{DATA_PREFIX}/")) == named
    # one commit per stage: track, ingest, normalize, match, benchmark, (records) ...
    assert int(str(manifest["generation"])) >= 5
    # another machine: its own working copy reads what was committed
    monkeypatch.setenv("MATCHER_LAKE__CACHE_DIR", str(tmp_path / "other-machine"))
    query = "select count(*) as n from matches"
    remote = runner.invoke(app, ["sql", query, "--lake", url, "--reports", str(tmp_path / "s3-reports")])
    here = runner.invoke(app, ["sql", query, "--lake", str(tmp_path / "local")])
    assert remote.exit_code == 0 and here.exit_code == 0, remote.output + here.output
    assert remote.stdout == here.stdout and any(ch.isdigit() for ch in remote.stdout)
    shown = "".join(outputs) + remote.output + caplog.text
    assert FAKE_SECRET not in shown and FAKE_SECRET not in json.dumps(manifest)
    records = (lake_working_copy(url, tmp_path / "other-machine") / "state" / "records").glob("*.json")
    assert {json.loads(p.read_text())["lake"] for p in records} == {url}


# -- commits ---------------------------------------------------------------------------------------------


def test_a_second_working_copy_sees_each_commit_and_only_what_changed_moves(
    bucket: str, tmp_path: Path
) -> None:
    url = f"s3://{bucket}/lake"
    writer, reader = _copy_of(url, tmp_path, "a"), _copy_of(url, tmp_path, "b")
    assert reader.pull().generation == 0 and not any(reader.root.iterdir())  # nothing committed yet
    with writer.lock(run_id="r1"):
        writer.pull()
        _write(writer.root, "clean/postings.parquet", "v1")
        _write(writer.root, "state/cursors.json", "{}")
        _write(writer.root, "state/lock", "run r1")  # local only: never uploaded
        assert writer.push("r1").generation == 1
        assert writer.push("r1").generation is None  # nothing changed: no commit
    pulled = reader.pull()
    assert (pulled.generation, pulled.transferred) == (1, 2)
    assert (reader.root / "clean/postings.parquet").read_text() == "v1"
    with writer.lock(run_id="r2"):
        writer.pull()
        _write(writer.root, "clean/postings.parquet", "v2")
        (writer.root / "state/cursors.json").unlink()
        assert writer.push("r2").generation == 2
    pulled = reader.pull()
    assert (pulled.generation, pulled.transferred, pulled.removed) == (2, 1, 1)  # one download, one removal
    assert (reader.root / "clean/postings.parquet").read_text() == "v2"
    assert not (reader.root / "state/cursors.json").exists()
    # the superseded object is gone from the bucket, only the manifest's objects remain
    manifest = _manifest(bucket)
    assert manifest["generation"] == 2 and manifest["run_id"] == "r2"
    assert _keys(bucket, f"lake/{DATA_PREFIX}/") == [
        f"lake/{e['key']}"  # type: ignore[index]
        for e in manifest["files"].values()  # type: ignore[attr-defined]
    ]
    # a working copy edited by hand is put back to the committed generation
    _write(reader.root, "clean/postings.parquet", "edited")
    _write(reader.root, "stray.txt", "x")
    assert reader.pull().transferred == 1
    assert (reader.root / "clean/postings.parquet").read_text() == "v2" and not (
        reader.root / "stray.txt"
    ).exists()


def test_a_lost_commit_race_is_refused_and_leaves_the_winners_generation(bucket: str, tmp_path: Path) -> None:
    """Two writers based on generation 1 (their lock bypassed, as after an expiry): the conditional put
    lets one commit; the other gets a clear error and its uploads are removed again."""
    url = f"s3://{bucket}/lake"
    first, second = _copy_of(url, tmp_path, "a"), _copy_of(url, tmp_path, "b")
    first.pull()
    _write(first.root, "clean/postings.parquet", "base")
    first.push("base")
    first.pull()
    second.pull()
    _write(first.root, "clean/postings.parquet", "winner")
    _write(second.root, "clean/postings.parquet", "loser")
    _write(second.root, "matches/matches.parquet", "loser too")
    assert first.push("winner").generation == 2
    before = _manifest(bucket)
    with pytest.raises(LakeCommitConflictError, match="another writer committed a new generation") as info:
        second.push("loser")
    assert "\n" not in str(info.value) and url in str(info.value)
    assert _manifest(bucket) == before  # the previous (winner's) manifest is intact
    named = {f"lake/{e['key']}" for e in before["files"].values()}  # type: ignore[attr-defined]
    assert set(_keys(bucket, f"lake/{DATA_PREFIX}/")) == named  # the loser's uploads are gone
    reader = _copy_of(url, tmp_path, "c")
    reader.pull()
    assert (reader.root / "clean/postings.parquet").read_text() == "winner"
    assert not (reader.root / "matches/matches.parquet").exists()
    # the first generation is create-only: a second "first" commit is refused too
    other = f"s3://{bucket}/fresh"
    one, two = _copy_of(other, tmp_path, "d"), _copy_of(other, tmp_path, "e")
    one.pull()
    two.pull()
    _write(one.root, "a.json", "1")
    _write(two.root, "a.json", "2")
    one.push("one")
    with pytest.raises(LakeCommitConflictError):
        two.push("two")


def test_a_crash_between_upload_and_commit_leaves_readers_on_the_previous_generation(
    bucket: str, tmp_path: Path
) -> None:
    url = f"s3://{bucket}/lake"
    writer = _copy_of(url, tmp_path, "a")
    with writer.lock(run_id="r1"):
        writer.pull()
        _write(writer.root, "clean/postings.parquet", "generation 1")
        writer.push("r1")
    script = (
        "import sys; from pathlib import Path; from matcher.lake.remote import RemoteLake\n"
        "lake = RemoteLake(sys.argv[1], Path(sys.argv[2]))\n"
        "with lake.lock(run_id='doomed'):\n"
        "    lake.pull()\n"
        "    (lake.root / 'clean/postings.parquet').write_text('generation 2')\n"
        "    (lake.root / 'clean/vacancies.parquet').write_text('new')\n"
        "    lake.push('doomed')\n"
    )
    env = {**os.environ, "MATCHER_CRASH_AT": "s3_before_commit"}
    done = subprocess.run(
        [sys.executable, "-c", script, url, str(writer.root)], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == -9, done.stderr.decode()
    assert len(_keys(bucket, f"lake/{DATA_PREFIX}/")) == 3  # uploaded, never committed
    assert _manifest(bucket)["generation"] == 1
    reader = _copy_of(url, tmp_path, "b")
    assert reader.pull().generation == 1
    assert (reader.root / "clean/postings.parquet").read_text() == "generation 1"
    assert not (reader.root / "clean/vacancies.parquet").exists()
    # the killed run's lock (its pid is gone on this host) is taken over; the next commit sweeps its uploads
    assert f"lake/{LOCK_KEY}" in _keys(bucket)
    with reader.lock(run_id="next"):
        reader.pull()
        _write(reader.root, "clean/postings.parquet", "generation 2, whole")
        reader.push("next")
        assert reader.sweep() == 2
    assert _manifest(bucket)["generation"] == 2 and len(_keys(bucket, f"lake/{DATA_PREFIX}/")) == 1


# -- the lock --------------------------------------------------------------------------------------------


def test_the_lock_object_refuses_a_second_writer_and_is_removed_after(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"s3://{bucket}/lake"
    holder = _copy_of(url, tmp_path, "a")
    holder.pull()
    _write(holder.root, "state/cursors.json", "{}")
    holder.push("first")
    with holder.lock(run_id="scheduled-run"):
        body = json.loads(
            boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
            .get_object(Bucket=bucket, Key=f"lake/{LOCK_KEY}")["Body"]
            .read()
        )
        assert body["run_id"] == "scheduled-run" and body["pid"] == os.getpid()
        assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)
        second = _copy_of(url, tmp_path, "b")
        with (
            pytest.raises(RemoteLakeBusyError, match=r"locked by run scheduled-run .*--wait"),
            second.lock(run_id="second"),
        ):
            pass
        # the CLI: one line, nothing written
        result = CliRunner().invoke(app, ["lake", "compact", "--lake", url])
        assert result.exit_code == 1 and "locked by run scheduled-run" in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert f"lake/{LOCK_KEY}" not in _keys(bucket)
    # an expired lock (a run that died on another machine) is taken over
    expired = RemoteLake(url, lake_working_copy(url, tmp_path / "c"), lock_ttl=timedelta(seconds=-1))
    with expired.lock(run_id="died"):
        expired._lock_etag = None  # it dies: it never releases its lock
    assert f"lake/{LOCK_KEY}" in _keys(bucket)
    with _copy_of(url, tmp_path, "d").lock(run_id="next"):
        pass
    assert f"lake/{LOCK_KEY}" not in _keys(bucket)


def test_pipeline_stages_commit_and_a_held_lock_refuses_them(bucket: str, tmp_path: Path) -> None:
    url = f"s3://{bucket}/lake"
    pipeline = Pipeline(None, lake=url, reports=tmp_path / "reports")
    assert pipeline.lake == lake_working_copy(url, tmp_path / "cache") and pipeline.config.lake_url == url
    assert repr(pipeline).startswith(f"Pipeline(lake={url!r}")
    pipeline.track_source("0b9f4e8e-2f4a-4c1b-9d7e-3a1f2b6c5d4e", recorded_at="2026-12-01")
    assert _manifest(bucket)["generation"] == 1
    other = Pipeline(Config(lake_cache_dir=tmp_path / "elsewhere"), lake=url)  # another machine
    assert other.lake == lake_working_copy(url, tmp_path / "elsewhere")
    assert list(other.tracked_sources()) == ["0b9f4e8e-2f4a-4c1b-9d7e-3a1f2b6c5d4e"]
    untracked = CliRunner().invoke(
        app, ["floqer", "untrack", "0b9f4e8e-2f4a-4c1b-9d7e-3a1f2b6c5d4e", "--lake", url]
    )
    assert untracked.exit_code == 0, untracked.output
    assert _manifest(bucket)["generation"] == 2 and "state/floqer_sources.json" in str(_manifest(bucket))
    assert Pipeline(Config(lake_cache_dir=tmp_path / "third"), lake=url).tracked_sources() == {}
    with _copy_of(url, tmp_path, "holder").lock(run_id="scheduled-run"):
        with pytest.raises(RemoteLakeBusyError, match="locked by run scheduled-run"):
            pipeline.normalize()
        result = CliRunner().invoke(app, ["normalize", "--lake", url])
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output


# -- refusals and secrets --------------------------------------------------------------------------------


def test_an_unreachable_bucket_is_one_line_without_the_secret(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    lake = RemoteLake(f"s3://{bucket}/lake", tmp_path / "wc", store=None)
    with pytest.raises(RemoteLakeError) as info:
        lake.read_manifest()
    message = str(info.value)
    assert message.startswith(f"s3://{bucket}/lake: could not read the manifest") and "\n" not in message
    assert FAKE_SECRET not in message + caplog.text
    result = CliRunner().invoke(app, ["sql", "select 1", "--lake", f"s3://{bucket}/lake"])
    assert result.exit_code == 1 and "could not read the manifest" in result.output, result.output
    assert FAKE_SECRET not in result.output and "Traceback" not in result.output


def test_a_reader_whose_objects_were_superseded_meanwhile_reads_the_new_generation(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader took generation 1's manifest; a writer commits generation 2 and deletes generation 1's
    objects before the reader fetches them: the 404 sends the reader back to the manifest, never to a
    half-old, half-new working copy."""
    url = f"s3://{bucket}/lake"
    writer, reader = _copy_of(url, tmp_path, "a"), _copy_of(url, tmp_path, "b")
    writer.pull()
    _write(writer.root, "clean/postings.parquet", "one")
    writer.push("r1")
    stale = reader.read_manifest()
    _write(writer.root, "clean/postings.parquet", "two")
    writer.push("r2")  # deletes generation 1's object
    manifests = iter([stale, reader.read_manifest()])
    monkeypatch.setattr(reader, "read_manifest", lambda: next(manifests))
    assert reader.pull().generation == 2
    assert (reader.root / "clean/postings.parquet").read_text() == "two"


def test_a_stage_that_fails_with_a_matcher_error_still_commits_what_the_lake_holds(
    bucket: str, tmp_path: Path
) -> None:
    """What a failed stage left is a consistent lake (atomic files; a local lake is the same after a kill):
    it is committed, so ingest pages paid for before a failure are kept; another error commits nothing."""
    from matcher.common.errors import MatcherError

    url = f"s3://{bucket}/lake"
    pipeline = Pipeline(None, lake=url)

    def stage(run_id: str, part: str, error: BaseException) -> None:
        with pipeline.locked(run_id):
            _write(pipeline.config.lake, f"raw/floqer/postings/{part}", "landed before the failure")
            raise error

    with pytest.raises(MatcherError, match="a source failed"):
        stage("r1", "part-1.parquet", MatcherError("a source failed"))
    assert "raw/floqer/postings/part-1.parquet" in _manifest(bucket)["files"]  # type: ignore[operator]
    with pytest.raises(KeyboardInterrupt):
        stage("r2", "part-2.parquet", KeyboardInterrupt())
    assert "raw/floqer/postings/part-2.parquet" not in _manifest(bucket)["files"]  # type: ignore[operator]
    assert f"lake/{LOCK_KEY}" not in _keys(bucket)  # released either way


def test_no_aws_credentials_is_said_in_words(tmp_path: Path) -> None:
    """Without AWS_* keys obstore asks the EC2 metadata service and fails with "Error performing PUT
    http://169.254.169.254/latest/api/token ... 403": the line now says the credentials are missing (the
    failure is raised here, nothing is asked of the network)."""
    lake = RemoteLake("s3://bucket-x/lake", tmp_path / "wc", store=None)

    def fails() -> None:
        raise OSError(
            "Generic S3 error: Error performing PUT http://169.254.169.254/latest/api/token in 1ms: "
            "403 Forbidden"
        )

    with pytest.raises(RemoteLakeError) as info:
        lake._call("read the manifest", fails)
    message = str(info.value)
    assert message.startswith("s3://bucket-x/lake: could not read the manifest: no AWS credentials")
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" in message and "\n" not in message
