"""Embeds every stored post that has no vector for the current model and content, in committed batches."""
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
    with reporter.step(f"Embedding with {embedder.name}", total) as advance:
        while done < total:
            keys = queries.pending_embeddings(conn, embedder.name, min(batch, total - done))
            if keys.num_rows == 0:
                break
            texts = [post_text(t, x) for t, x in zip(keys.column("title").to_pylist(), keys.column("text").to_pylist())]
            vectors = embedder.encode(texts, on_progress=advance)
            queries.store_embeddings(conn, embedder.name, keys, vectors, datetime.now(UTC))
            done += keys.num_rows
    return EmbedReport(embedder.name, done, (datetime.now(UTC) - started).total_seconds())


@flow(name="embed", log_prints=True)
def embed_flow(db_path: str | None = None, model: str | None = None, reporter: Reporter | None = None) -> int:
    """Embed whatever is pending, e.g. after a `collect --no-embed` or a model change."""
    with db.connect(db_path or db.default_path()) as conn:
        return embed_pending(conn, Embedder(model), reporter or LogReporter(get_run_logger())).embedded
