"""Embedding on a Dask cluster stores the same vectors as embedding here, each post once, and survives a bad chunk.

The cluster is a `distributed.LocalCluster` with two worker processes of one thread each (`processes=True`):
separate processes are what a real cluster has, so the test proves the chunk task and its settings cross a
process boundary by pickling, each worker loads the model itself (nothing loaded is shipped), and the
workers reach the Prefect API with only the settings the task carries. Threads in this process would share
one model cache and hide all three. The price is ~10 s of worker start-up (each imports torch).
"""
from __future__ import annotations

import gzip
import json
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from connectors.base import Fetch, Post
from flows import dask_embed
from flows.embed import EmbedChunksFailed, embed_flow
from flows.errors import UsageError
from flows.report import LogReporter
from models.embedding import Embedder
from tests.conftest import shared_path
from warehouse import db, queries

distributed = pytest.importorskip("distributed")
pytest.importorskip("prefect_dask")

POSTS = 300
GROUPS = ("sci.space", "rec.autos", "comp.graphics", "sci.med", "talk.politics.guns", "misc.forsale")


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A Prefect API for the session: the one another module's harness already runs, else a fresh harness."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    if PREFECT_API_URL.value():
        yield
        return
    with prefect_test_harness():
        yield


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with a few hundred real newsgroup posts from several groups, none embedded yet."""
    per_group = POSTS // len(GROUPS)
    taken: dict[str, list[dict]] = {g: [] for g in GROUPS}
    with gzip.open(shared_path("20newsgroups-bydate", "20news-bydate.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc["group"] in taken and len(taken[doc["group"]]) < per_group:
                taken[doc["group"]].append(doc)
            if all(len(v) == per_group for v in taken.values()):
                break
    now = datetime(2026, 11, 22, tzinfo=UTC)
    posts = tuple(
        Post(source="rss", source_id=f"{d['group']}/{d['doc_id']}", community=d["group"], author=d["from"] or "",
             title=d["subject"] or "", text=d["text"], url=f"news:{d['group']}/{d['doc_id']}",
             published_at=now - timedelta(hours=i), fetched_at=now)
        for i, d in enumerate(d for g in GROUPS for d in taken[g]))
    path = tmp_path_factory.mktemp("dask") / "pln.duckdb"
    with db.connect(path) as conn:
        queries.store_records(conn, Fetch(target="20news", posts=posts), now)
        assert queries.count_pending_embeddings(conn, Embedder().name) == POSTS
    return path


class Recorder:
    """A Reporter that keeps what it was told."""

    def __init__(self) -> None:
        self.advanced: list[int] = []
        self.notes: list[str] = []

    @contextmanager
    def step(self, description: str, total: int) -> Iterator:
        self.notes.append(f"{description}: {total}")
        yield self.advanced.append

    def note(self, message: str) -> None:
        self.notes.append(message)


def _stored(path: Path) -> dict[tuple[str, str], np.ndarray]:
    with db.connect(path, read_only=True) as conn:
        rows = conn.sql("SELECT source, source_id, vector FROM embeddings ORDER BY source, source_id").to_arrow_table()
        distinct = conn.execute("SELECT count(*) FROM (SELECT DISTINCT source, source_id, model FROM embeddings)")
        assert distinct.fetchall()[0][0] == rows.num_rows
    vectors = queries.vectors_of(rows)
    return dict(zip(zip(rows.column("source").to_pylist(), rows.column("source_id").to_pylist()), vectors))


def test_dask_run_stores_the_same_vectors_as_the_local_run(prefect_api, cluster: str, warehouse: Path,
                                                           tmp_path: Path) -> None:
    on_dask, local = tmp_path / "dask.duckdb", tmp_path / "local.duckdb"
    shutil.copy(warehouse, on_dask)
    shutil.copy(warehouse, local)

    recorder = Recorder()
    assert embed_flow(db_path=str(on_dask), dask_address=cluster, chunk_size=64, reporter=recorder) == POSTS
    assert embed_flow(db_path=str(local), chunk_size=64, reporter=Recorder()) == POSTS

    # Each post went to a worker exactly once: 5 chunks (64 x 4 + 44), one store per chunk, nothing repeated.
    assert sorted(recorder.advanced) == [44, 64, 64, 64, 64]
    assert any("in 5 chunks" in note for note in recorder.notes), recorder.notes
    dask_vectors, local_vectors = _stored(on_dask), _stored(local)
    assert len(dask_vectors) == len(local_vectors) == POSTS and dask_vectors.keys() == local_vectors.keys()
    # Both runs cut the posts into the same chunks of 64: the default onnx-int8 runtime quantises activations
    # per batch, so a post's vector depends a little on its batch-mates (up to ~0.04 per element with other
    # boundaries, whichever path runs it). With the same chunks the vectors came out identical (max
    # difference 0.0, one runtime thread per worker against two locally); 1e-6 leaves room for float
    # reduction order only, far below anything a cosine ranking can see.
    a = np.stack([dask_vectors[k] for k in sorted(dask_vectors)])
    b = np.stack([local_vectors[k] for k in sorted(local_vectors)])
    assert a.dtype == np.float32 and a.shape == (POSTS, 384)
    assert np.allclose(a, b, rtol=0, atol=1e-6), float(np.abs(a - b).max())

    # The next run finds nothing pending and submits nothing.
    again = Recorder()
    assert embed_flow(db_path=str(on_dask), dask_address=cluster, reporter=again) == 0
    assert again.advanced == []


def test_each_worker_loads_the_model_once(prefect_api, cluster: str) -> None:
    with distributed.Client(cluster) as client:
        built = client.run(lambda: __import__("flows.dask_embed").dask_embed.embedders_built)
    assert sorted(built.values()) == [1, 1], built


# --- a failing chunk -----------------------------------------------------------------------------------

@task(name="fake-embed-chunk", retries=1, retry_delay_seconds=0, cache_policy=NO_CACHE, persist_result=False)
def flaky_chunk(number: int, texts: list[str], model: str | None, options: dict[str, object], expected_name: str,
                marks: str | None = None) -> np.ndarray:
    """Vectors without a model: chunk 2 always fails, chunk 3 fails once and succeeds when retried."""
    if number == 2:
        raise ValueError("chunk 2 is broken")
    if number == 3 and marks:
        mark = Path(marks) / "chunk-3-tried"
        if not mark.exists():
            mark.touch()
            raise ConnectionError("chunk 3 lost its worker's network once")
    return np.full((len(texts), 384), number, dtype=np.float32)


@flow(name="embed-on-dask-with-a-bad-chunk")
def _with_bad_chunk(path: str, address: str, marks: str, reporter: Recorder) -> dask_embed.DaskEmbedReport:
    with db.connect(path) as conn:
        return dask_embed.embed_on_dask(conn, address, reporter, chunk_size=50, max_in_flight=2,
                                        chunk_task=flaky_chunk.with_options(name="fake-embed-chunk"),
                                        limit=200, task_parameters={"marks": marks})


def test_a_failing_chunk_is_retried_then_reported_while_the_others_are_stored(prefect_api, cluster: str,
                                                                              warehouse: Path,
                                                                              tmp_path: Path) -> None:
    path = tmp_path / "flaky.duckdb"
    shutil.copy(warehouse, path)
    recorder = Recorder()
    report = _with_bad_chunk(str(path), cluster, str(tmp_path), recorder)

    assert (report.chunks, report.embedded, report.failed) == (4, 150, 50)
    assert any("chunk 2 (50 posts" in note and "chunk 2 is broken" in note for note in recorder.notes), recorder.notes
    assert (tmp_path / "chunk-3-tried").exists(), "chunk 3 failed once and its retry was stored"
    with db.connect(path, read_only=True) as conn:
        stored = dict(conn.execute("SELECT vector[1], count(*) FROM embeddings GROUP BY ALL").fetchall())
        # The failed chunk's posts stay pending; the limit left the rest of the warehouse untouched.
        assert queries.count_pending_embeddings(conn, Embedder().name) == POSTS - 150
    assert stored == {1.0: 50, 3.0: 50, 4.0: 50}


def test_a_failed_chunk_fails_the_flow_run_after_storing_the_rest(prefect_api, cluster: str, warehouse: Path,
                                                                  tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "failing.duckdb"
    shutil.copy(warehouse, path)
    monkeypatch.setattr(dask_embed, "embed_chunk", flaky_chunk)
    monkeypatch.setenv("PLN_DASK_ADDRESS", cluster)
    state = embed_flow(db_path=str(path), chunk_size=100, reporter=Recorder(), return_state=True)

    assert state.is_failed()
    with pytest.raises(EmbedChunksFailed, match="100 posts in failed chunks stay pending"):
        state.result()
    with db.connect(path, read_only=True) as conn:
        assert queries.count_pending_embeddings(conn, Embedder().name) == 100


def test_the_scheduler_address_comes_from_pln_dask_address() -> None:
    assert dask_embed.dask_address({}) is None
    assert dask_embed.dask_address({"PLN_DASK_ADDRESS": "  "}) is None
    assert dask_embed.dask_address({"PLN_DASK_ADDRESS": "tcp://10.0.0.5:8786 "}) == "tcp://10.0.0.5:8786"


def test_the_plain_flow_does_not_load_dask() -> None:
    import subprocess
    import sys

    code = ("import sys, flows.embed, flows.cli; "
            "print(sorted(m for m in ('distributed', 'dask', 'prefect_dask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2], env={**__import__("os").environ,
                                                                        "PLN_DASK_ADDRESS": ""})
    assert out.stdout.strip() == "[]"


def test_an_unresolved_deployment_template_is_named_not_dialled() -> None:
    from flows.errors import UsageError

    with pytest.raises(UsageError, match="unresolved template"):
        dask_embed.dask_address({"PLN_DASK_ADDRESS": "{{ $PLN_DASK_ADDRESS }}"})


def test_the_embed_on_dask_deployment_runs_the_embed_flow_with_the_address_from_its_environment() -> None:
    import yaml
    from prefect import Flow
    from prefect.flows import load_flow_from_entrypoint

    spec = yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert {"collect-hourly", "embed-on-demand", "embed-on-dask", "discover-weekly", "recommend-daily"} <= set(deployments)
    deployment = deployments["embed-on-dask"]
    # A module entrypoint, so the scheduler and workers can import the flow the chunks' context names.
    assert deployment["entrypoint"] == deployments["embed-on-demand"]["entrypoint"] == "flows.embed:embed_flow"
    assert load_flow_from_entrypoint(deployment["entrypoint"]) is embed_flow and isinstance(embed_flow, Flow)
    assert set(deployment["parameters"]) <= set(embed_flow.parameters.properties)
    assert deployment["work_pool"]["job_variables"]["env"]["PLN_DASK_ADDRESS"] == "{{ $PLN_DASK_ADDRESS }}"


def test_a_flow_loaded_from_its_file_is_refused_before_any_chunk_is_sent(prefect_api, cluster: str, warehouse: Path,
                                                                         tmp_path: Path) -> None:
    from prefect.flows import load_flow_from_entrypoint

    from flows.errors import UsageError

    path = tmp_path / "file-entrypoint.duckdb"
    shutil.copy(warehouse, path)
    by_file = load_flow_from_entrypoint(str(Path(__file__).resolve().parents[2] / "flows" / "embed.py") + ":embed_flow")
    state = by_file(db_path=str(path), dask_address=cluster, reporter=Recorder(), return_state=True)
    with pytest.raises(UsageError, match="module entrypoint"):
        state.result()


def test_a_bad_embedding_setting_is_named_before_anything_is_sent(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    monkeypatch.setenv("PLN_EMBED_MAX_TOKENS", "sixty-four")
    with db.connect(db_path) as conn, pytest.raises(UsageError, match="PLN_EMBED_MAX_TOKENS='sixty-four'"):
        dask_embed.embed_on_dask(conn, "tcp://127.0.0.1:9", LogReporter(logging.getLogger(__name__)))
