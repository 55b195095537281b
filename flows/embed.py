"""Embeds every stored post that has no vector for the current model and content, in committed batches.

On one machine `embed_pending` encodes in the calling process. When a Dask scheduler is configured (the flow
parameter `dask_address`, else `PLN_DASK_ADDRESS`), `embed_flow` hands chunks to the cluster's workers through
prefect-dask instead (flows/dask_embed.py) and still stores every vector itself: DuckDB has one writer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
from prefect import flow, get_run_logger

from flows.report import LogReporter, Reporter
from models.embedding import Embedder, post_text
from warehouse import db, queries

BATCH = 1024


@dataclass(frozen=True)
class EmbedReport:
    model: str
    embedded: int
    seconds: float


def embed_pending(conn: duckdb.DuckDBPyConnection, embedder: Embedder, reporter: Reporter,
                  batch: int = BATCH, limit: int | None = None) -> EmbedReport:
    """Encode pending posts (at most `limit`) batch by batch, storing each batch before the next."""
    started = datetime.now(UTC)
    total = queries.count_pending_embeddings(conn, embedder.name)
    total = min(total, limit) if limit is not None else total
    done = 0
    last: tuple[str, str] | None = None
    with reporter.step(f"Embedding with {embedder.name}", total) as advance:
        while done < total:
            keys = queries.pending_embeddings(conn, embedder.name, min(batch, total - done), after=last)
            if keys.num_rows == 0:
                break
            last = (keys.column("source")[-1].as_py(), keys.column("source_id")[-1].as_py())
            texts = [post_text(t, x) for t, x in zip(keys.column("title").to_pylist(), keys.column("text").to_pylist())]
            vectors = embedder.encode(texts, on_progress=advance)
            queries.store_embeddings(conn, embedder.name, keys, vectors, datetime.now(UTC))
            done += keys.num_rows
    return EmbedReport(embedder.name, done, (datetime.now(UTC) - started).total_seconds())


class EmbedChunksFailed(RuntimeError):
    """Some chunks still failed after their retries; the others were stored and the failed posts stay pending."""


@flow(name="embed", log_prints=True)
def embed_flow(db_path: str | None = None, model: str | None = None, reporter: Reporter | None = None,
               dask_address: str | None = None, chunk_size: int = BATCH, runtime: str | None = None) -> int:
    """Embed whatever is pending, e.g. after a `collect --no-embed` or a model change.

    With a Dask scheduler address (`dask_address`, else `PLN_DASK_ADDRESS`) the encoding runs on that cluster's
    workers in chunks of `chunk_size` posts; without one it runs here, `chunk_size` posts per committed batch.
    `runtime` picks the embedding runtime (see models/embedding.py; default `PLN_EMBED_RUNTIME`, else int8 ONNX).
    Returns how many posts were embedded; the run fails (after storing the rest) if a chunk could not be.
    """
    reporter = reporter or LogReporter(get_run_logger())
    with db.connect(db_path or db.default_path()) as conn:
        from flows.dask_embed import checked_address  # no Dask import yet
        from flows.dask_embed import dask_address as configured_address

        address = checked_address(dask_address) or configured_address()
        if not address:
            return embed_pending(conn, Embedder(model, runtime=runtime), reporter, batch=chunk_size).embedded
        from flows.dask_embed import embed_on_dask

        report = embed_on_dask(conn, address, reporter, model=model, embedder_options={"runtime": runtime},
                               chunk_size=chunk_size)
    reporter.note(f"Embedded {report.embedded} posts on Dask in {report.chunks} chunks, {report.seconds:.1f} s")
    if report.failed:
        raise EmbedChunksFailed(f"{report.failed} posts in failed chunks stay pending: " + "; ".join(report.errors))
    return report.embedded
