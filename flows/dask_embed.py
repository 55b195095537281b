"""Embedding on a Dask cluster: Dask workers encode chunks of posts, the flow process alone writes DuckDB.

The flow process reads pending posts chunk by chunk, submits one Prefect task per chunk through prefect-dask's
`DaskTaskRunner` (connected to the scheduler at `PLN_DASK_ADDRESS` or an explicit address), keeps a bounded
number of chunks in flight, and stores each chunk's vectors as soon as its task finishes. Workers receive
plain data only (texts, the model name or path, runtime options as strings): each worker process builds its
own `Embedder` once from those settings and keeps it for every later chunk. Workers never open the warehouse.

Imported only when a scheduler address is configured, so `pln embed` and the plain flow never load Dask.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.errors import UsageError
from flows.report import Reporter
from models.embedding import Embedder, post_text
from warehouse import queries

DASK_ADDRESS_ENV = "PLN_DASK_ADDRESS"
# Posts per task. 1024 long posts take ~35-45 s on one single-threaded worker here (docs/scale-out.md): long
# enough that a task run's own bookkeeping is noise, short enough that a retry repeats little and progress moves.
CHUNK = 1024
# Chunks in flight per worker thread: one running, one queued so a worker never waits for the flow process.
IN_FLIGHT_PER_THREAD = 2


def dask_address(env: Mapping[str, str] | None = None) -> str | None:
    """The Dask scheduler address from `PLN_DASK_ADDRESS` (e.g. tcp://10.0.0.5:8786), None when unset or empty."""
    env = os.environ if env is None else env
    return checked_address(env.get(DASK_ADDRESS_ENV, ""), DASK_ADDRESS_ENV)


def checked_address(value: str | None, origin: str = "dask_address") -> str | None:
    """`value` stripped, None when empty; a UsageError when it is a template prefect.yaml left unresolved."""
    value = (value or "").strip()
    if "{{" in value:
        raise UsageError(f"{origin}={value!r}: an unresolved template; set PLN_DASK_ADDRESS when running "
                         "`prefect deploy` (or in the work pool's job variables) to the scheduler's address")
    return value or None


# --- worker side ---------------------------------------------------------------------------------

_EMBEDDERS: dict[tuple[str | None, tuple[tuple[str, str], ...]], Embedder] = {}
# Settings the flow process resolves from its own environment and hands to the workers, so a worker's
# environment cannot change which vectors are made (the name check in `embed_chunk` backs this up).
FORWARDED_ENV: dict[str, tuple[str, type]] = {
    "runtime": ("PLN_EMBED_RUNTIME", str), "max_tokens": ("PLN_EMBED_MAX_TOKENS", int), "text": ("PLN_EMBED_TEXT", str),
}
_EMBEDDERS_LOCK = threading.Lock()
# How many embedders this process has built (the test checks each worker builds its model once).
embedders_built = 0


def worker_embedder(model: str | None, options: Mapping[str, object]) -> Embedder:
    """This process's Embedder for these settings, built (and its model loaded) on first use only.

    Unless `options` name `threads`, the runtime gets OMP_NUM_THREADS threads: a Dask nanny sets it to 1 for
    each worker process, so N single-threaded workers on N cores do not each start N runtime threads.
    """
    global embedders_built
    options = dict(options)
    if "threads" not in options and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        options["threads"] = int(os.environ["OMP_NUM_THREADS"])
    key = (model, tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _EMBEDDERS_LOCK:
        embedder = _EMBEDDERS.get(key)
        if embedder is None:
            embedder = Embedder(model, **options)
            embedder.encode(["warm up"])  # load the model here, under the lock, not in two threads at once
            _EMBEDDERS[key] = embedder
            embedders_built += 1
    return embedder


@task(name="embed-chunk", task_run_name="embed-chunk-{number}", retries=2, retry_delay_seconds=[2, 10],
      cache_policy=NO_CACHE, persist_result=False)
def embed_chunk(number: int, texts: list[str], model: str | None, options: dict[str, object],
                expected_name: str) -> np.ndarray:
    """Unit vectors (float32, one row per text) for one chunk, computed on whichever Dask worker runs it."""
    embedder = worker_embedder(model, options)
    if embedder.name != expected_name:
        # Storing these under `expected_name` would silently mix two models' vectors in one index.
        raise RuntimeError(f"worker resolved model {embedder.name!r}, the flow expects {expected_name!r}: "
                           "install the same model on every worker (custom models: same absolute path)")
    started = time.perf_counter()
    vectors = np.ascontiguousarray(embedder.encode(texts), dtype=np.float32)
    get_run_logger().debug("chunk %d: %d posts in %.1f s", number, len(texts), time.perf_counter() - started)
    return vectors


# --- flow side -----------------------------------------------------------------------------------

@dataclass
class DaskEmbedReport:
    model: str
    embedded: int
    seconds: float
    address: str
    chunks: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def embed_on_dask(conn, address: str, reporter: Reporter, *, model: str | None = None,
                  embedder_options: Mapping[str, object] | None = None, chunk_size: int = CHUNK,
                  max_in_flight: int | None = None, limit: int | None = None,
                  chunk_task=None, task_parameters: Mapping[str, object] | None = None) -> DaskEmbedReport:
    """Embed pending posts (at most `limit`) on the Dask cluster at `address`, storing each chunk as it lands.

    Must run inside a Prefect flow run (the chunks are Prefect task runs). At most `max_in_flight` chunks
    (default: two per worker thread) are submitted at once, so memory in the flow process stays at a few
    chunks whatever the number of pending posts. A chunk whose task still fails after its retries is noted
    through `reporter` and counted in `failed`; its posts stay pending for the next run.
    `chunk_task` replaces `embed_chunk` (same parameters, plus any in `task_parameters`), e.g. in tests.
    """
    import distributed
    from prefect_dask import DaskTaskRunner

    chunk_task = chunk_task or embed_chunk
    # What the workers are asked to load: plain values only (str, int, None), the model as named here with
    # PLN_MODEL and the runtime resolved in the flow process; the name check in the task catches any mismatch.
    options = {str(k): v for k, v in (embedder_options or {}).items() if v is not None}
    for option, (variable, kind) in FORWARDED_ENV.items():
        if option not in options and (value := os.environ.get(variable, "").strip()):
            try:
                options[option] = kind(value)
            except ValueError:
                raise UsageError(f"{variable}={value!r}: not a valid {option}") from None
    requested = model or os.environ.get("PLN_MODEL") or None
    name = Embedder(requested, **options).name  # cheap: the model itself loads on first encode
    started = time.perf_counter()
    total = queries.count_pending_embeddings(conn, name)
    total = min(total, limit) if limit is not None else total
    report = DaskEmbedReport(name, 0, 0.0, address)
    if total == 0:
        reporter.note(f"Embedding with {name}: nothing pending")
        return report

    in_flight: dict[str, tuple[object, pa.Table, int]] = {}  # dask key -> (prefect future, keys, chunk number)
    busy: set[tuple[str, str]] = set()  # posts submitted and not yet stored, or failed for good in this run
    submitted = 0

    _check_flow_is_importable()
    with reporter.step(f"Embedding with {name} on Dask at {address}", total) as advance, \
            DaskTaskRunner(address=address) as runner:
        threads = sum(runner.client.nthreads().values())
        cap = max_in_flight or max(2, IN_FLIGHT_PER_THREAD * threads)
        # A small backlog is split so every worker thread gets a share rather than one chunk taking it all.
        chunk_size = max(1, min(chunk_size, -(-total // max(1, threads))))
        reporter.note(f"Dask cluster at {address}: {len(runner.client.nthreads())} workers, {threads} threads; "
                      f"{total} posts in chunks of {chunk_size}, at most {cap} in flight")
        done = distributed.as_completed(loop=runner.client.loop)

        def submit_next() -> bool:
            nonlocal submitted
            if submitted >= total or len(in_flight) >= cap:
                return False
            keys = _next_chunk(conn, name, min(chunk_size, total - submitted), busy)
            if keys.num_rows == 0:
                return False
            texts = [post_text(t, x) for t, x in zip(keys.column("title").to_pylist(),
                                                     keys.column("text").to_pylist())]
            report.chunks += 1
            future = runner.submit(chunk_task, parameters={
                "number": report.chunks, "texts": texts, "model": requested, "options": options,
                "expected_name": name, **(task_parameters or {})})
            in_flight[future.wrapped_future.key] = (future, keys.select(["source", "source_id", "content_hash"]),
                                                    report.chunks)
            busy.update(_ids(keys))
            done.add(future.wrapped_future)
            submitted += keys.num_rows
            return True

        while submit_next():
            pass
        for finished in done:
            future, keys, number = in_flight.pop(finished.key)
            try:
                vectors = np.asarray(future.result(raise_on_failure=True), dtype=np.float32)
                if vectors.shape[0] != keys.num_rows:
                    raise RuntimeError(f"{vectors.shape[0]} vectors for {keys.num_rows} posts")
            except Exception as exc:  # noqa: BLE001 - one chunk's failure must not lose the others
                report.failed += keys.num_rows
                first = f"{keys.column('source')[0]}:{keys.column('source_id')[0]}"
                message = f"chunk {number} ({keys.num_rows} posts from {first}) failed: {type(exc).__name__}: {exc}"
                report.errors.append(message)
                reporter.note(message)
            else:
                queries.store_embeddings(conn, name, keys, vectors, _now())
                busy.difference_update(_ids(keys))  # stored: no longer pending, so no longer read
                report.embedded += keys.num_rows
                advance(keys.num_rows)
            while submit_next():
                pass
    report.seconds = time.perf_counter() - started
    return report


def _check_flow_is_importable() -> None:
    """Fail before submitting anything when the flow's module cannot be imported on the cluster.

    Each chunk carries the flow run's context, which refers to the flow function by module and name. A
    deployment whose entrypoint is a file path (flows/embed.py:embed_flow) loads the flow as module `embed`,
    which no scheduler or worker can import, and every chunk would fail to deserialize.
    """
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    fn = getattr(getattr(context, "flow", None), "fn", None)
    module = getattr(fn, "__module__", "") or ""
    path = getattr(sys.modules.get(module), "__file__", None)
    if module and "." not in module and module != "__main__" and path and (Path(path).parent / "__init__.py").exists():
        raise UsageError(f"flow module {module!r} was loaded from {path}, which Dask workers cannot import: "
                         "deploy with a module entrypoint (flows.embed:embed_flow), as prefect.yaml does")


def _next_chunk(conn, model: str, size: int, skip: set[tuple[str, str]]) -> pa.Table:
    """The next `size` pending posts that are not in `skip` (in flight, or failed in this run)."""
    rows = queries.pending_embeddings(conn, model, size + len(skip))
    if skip and rows.num_rows:
        keep = [key not in skip for key in _ids(rows)]
        rows = rows.filter(pa.array(keep, type=pa.bool_()))
    return rows.slice(0, size)


def _ids(keys: pa.Table) -> list[tuple[str, str]]:
    return list(zip(keys.column("source").to_pylist(), keys.column("source_id").to_pylist()))


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
