"""Opens the DuckDB warehouse file and brings its schema up to date with the numbered migrations."""
from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB = "pln.duckdb"
_MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")


class WarehouseError(Exception):
    """The warehouse file cannot be used; the message names the file and says why."""


def default_path() -> Path:
    """`PLN_DB` when set, else a file in the working directory."""
    return Path(os.environ.get("PLN_DB") or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the warehouse at `path`."""
    path = Path(path)
    if path.is_dir():
        raise WarehouseError(f"{path}: is a directory, not a DuckDB database file")
    if not path.parent.exists():
        raise WarehouseError(f"{path}: folder {path.parent} does not exist")
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no such warehouse (run `pln collect` or `pln demo` first)")
    try:
        conn = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseError(f"{path}: {_first_line(exc)}") from exc
    if not read_only:
        migrate(conn)
    return conn


def migrate(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration newer than the recorded version, each in its own transaction."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
    done = []
    for version, name, sql in migrations():
        if version in applied:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            conn.execute("COMMIT")
        except duckdb.Error:
            conn.execute("ROLLBACK")
            raise
        done.append(version)
    return done


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
