"""The warehouse keeps posts once, updates what changed, and never saves a cursor without its posts."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from connectors.base import Community, Fetch, Person, Post
from warehouse import db, queries
from warehouse.queries import Target

NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)
FEED = "file:///feeds/mlops.xml"


def post(n: int, title: str | None = None) -> Post:
    return Post("rss", f"{FEED}#{n}", FEED, "Jane Doe", title or f"Post {n}", f"Body of post {n}",
                f"https://example.org/{n}", NOW, NOW)


def fetch(*posts: Post, cursor: dict[str, str] | None = None) -> Fetch:
    return Fetch(FEED, posts, (Community("rss", FEED, "MLOps notes"),), (Person("rss", "Jane Doe", "Jane Doe"),),
                 cursor or {"etag": '"v1"'})


@pytest.fixture
def conn(db_path: Path):
    with db.connect(db_path) as conn:
        queries.add_targets(conn, [Target("rss", FEED, category="Tech")], NOW)
        yield conn


def test_migrations_are_recorded_and_run_once(db_path: Path) -> None:
    with db.connect(db_path) as conn:
        versions = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert [v[0] for v in versions] == [m[0] for m in db.migrations()]
        assert db.migrate(conn) == []


def test_recollecting_the_same_feed_adds_nothing(conn) -> None:
    first = queries.store_fetch(conn, "rss", fetch(post(1), post(2)), NOW)
    again = queries.store_fetch(conn, "rss", fetch(post(1), post(2)), NOW)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert queries.count_posts(conn) == 2


def test_duplicate_ids_in_one_fetch_are_stored_once(conn) -> None:
    result = queries.store_fetch(conn, "rss", fetch(post(1), post(1)), NOW)
    assert result.new == 1 and queries.count_posts(conn) == 1


def test_a_changed_entry_is_updated_and_needs_a_new_embedding(conn) -> None:
    queries.store_fetch(conn, "rss", fetch(post(1), post(2)), NOW)
    keys = queries.pending_embeddings(conn, "m", 10)
    queries.store_embeddings(conn, "m", keys, np.eye(2, 4, dtype=np.float32), NOW)
    assert queries.count_pending_embeddings(conn, "m") == 0

    result = queries.store_fetch(conn, "rss", fetch(post(1, "Post 1, corrected"), post(2)), NOW)
    assert (result.new, result.updated, result.unchanged) == (0, 1, 1)
    pending = queries.pending_embeddings(conn, "m", 10)
    assert pending.column("source_id").to_pylist() == [f"{FEED}#1"]
    assert pending.column("title").to_pylist() == ["Post 1, corrected"]
    assert queries.count_pending_embeddings(conn, "other-model") == 2


def test_a_backlog_is_read_batch_by_batch_after_the_last_key(conn) -> None:
    queries.store_fetch(conn, "rss", fetch(*(post(i) for i in range(1, 8))), NOW)
    seen, last = [], None
    while (batch := queries.pending_embeddings(conn, "m", 3, after=last)).num_rows:
        ids = batch.column("source_id").to_pylist()
        seen += ids
        last = (batch.column("source")[-1].as_py(), ids[-1])
    assert seen == sorted(seen) and len(set(seen)) == 7  # every post once, in key order, though none was stored


def test_cursor_and_posts_are_saved_together_or_not_at_all(conn, monkeypatch: pytest.MonkeyPatch) -> None:
    queries.store_fetch(conn, "rss", fetch(post(1)), NOW)

    def crash(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(queries, "_upsert_posts", crash)
    with pytest.raises(RuntimeError):
        queries.store_fetch(conn, "rss", fetch(post(1), post(2), cursor={"etag": '"v2"'}), NOW)
    assert queries.list_targets(conn)[0].cursor == {"etag": '"v1"'}
    assert queries.count_posts(conn) == 1


def test_a_failure_is_recorded_and_keeps_what_was_stored(conn) -> None:
    queries.store_fetch(conn, "rss", fetch(post(1)), NOW)
    queries.record_failure(conn, "rss", FEED, "HTTP 404 Not Found", NOW)
    target = queries.list_targets(conn)[0]
    assert (target.last_status, target.last_error, target.failures) == ("error", "HTTP 404 Not Found", 1)
    assert target.cursor == {"etag": '"v1"'} and queries.count_posts(conn) == 1


def test_readding_a_target_keeps_its_cursor_and_fills_missing_fields(conn) -> None:
    queries.store_fetch(conn, "rss", fetch(post(1)), NOW)
    new = queries.add_targets(conn, [Target("rss", FEED, title="MLOps", category="Other")], NOW)
    target = queries.list_targets(conn)[0]
    assert new == 0
    assert (target.title, target.category, target.cursor) == ("MLOps", "Tech", {"etag": '"v1"'})


def test_community_takes_the_category_of_its_target(conn) -> None:
    queries.store_fetch(conn, "rss", fetch(post(1)), NOW)
    assert queries.communities(conn)[("rss", FEED)].category == "Tech"


def test_a_file_that_is_not_a_warehouse_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    with pytest.raises(db.WarehouseError, match="notes.txt.*not a valid DuckDB"):
        db.connect(notes)
    assert notes.read_text() == "my notes\n"
    with pytest.raises(db.WarehouseError, match="is a directory"):
        db.connect(tmp_path)
    with pytest.raises(db.WarehouseError, match="does not exist"):
        db.connect(tmp_path / "missing" / "pln.duckdb")
