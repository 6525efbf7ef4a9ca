"""The store: models and loading (SQLAlchemy), and reading (SQL on the standard library's sqlite3, or
SQLAlchemy where the store is another database).

What both sides need is here, free of SQLAlchemy, so that a query command starts without it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

# The store's layout. Kept in a SQLite file's ``PRAGMA user_version`` once its tables, indexes and
# triggers are complete: a reader that finds an older number has the store completed first. Raise it
# with every change of the models (tests/test_store.py checks it against the layout's fingerprint).
SCHEMA_VERSION = 5
SCHEMA_FINGERPRINT = "fb3e7e9afb9d"

# Waits (seconds) between tries when SQLite still says "database is locked" after its busy timeout.
LOCKED_RETRY_WAITS = (0.1, 0.5, 1.0, 2.0, 5.0)
BUSY_TIMEOUT_MS = 30000

# busy_timeout first: switching a new file to WAL needs a lock another import may hold.
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
)


# The free text searched by words, per table: FTS5 tables on SQLite, GIN indexes on PostgreSQL (same names).
FTS_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "projects_fts": ("projects", ("name", "owner", "purpose", "target_group")),
    "goals_fts": ("goals", ("text",)),
}


def pg_words(columns: tuple[str, ...]) -> str:
    """PostgreSQL's words of the columns, as its full-text index holds them ('simple': every word as
    written, lower case, no stemming, whatever the language)."""
    joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"to_tsvector('simple', {joined})"


def casefold(value: Optional[str]) -> Optional[str]:
    """Unicode-aware lower case for SQLite, whose lower() only folds ASCII (not Å, Ä, Ö)."""
    return value.casefold() if isinstance(value, str) else value


def db_url(db: str | Path) -> str:
    """A SQLAlchemy URL as given, or a plain path made into a SQLite file URL."""
    db = str(db)
    if "://" in db:
        return db
    return f"sqlite:///{db}"


def sqlite_path(db: str | Path) -> Optional[str]:
    """The file of a SQLite store (a plain path or a ``sqlite:///`` URL), None for other databases
    (and for SQLite URLs with options, left to SQLAlchemy)."""
    db = str(db)
    if "://" not in db:
        return db
    if db.startswith("sqlite:///") and "?" not in db and len(db) > len("sqlite:///"):
        return db[len("sqlite:///"):]
    return None
