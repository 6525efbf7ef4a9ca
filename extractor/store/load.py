"""Write PlanDocuments into the store: one transaction per document.

A document is identified by the sha256 of its bytes. Loading one already present
does nothing unless ``replace=True``; then the old rows are deleted and the new
ones written in the same transaction. If anything fails, the transaction rolls
back: nothing half-written stays.

Several processes may write one SQLite file at once (WAL). On SQLite a load takes
the write lock first (``BEGIN IMMEDIATE``), so the sha256 check and the insert
see the same database; a writer that still finds the file locked after the busy
timeout tries again (:func:`retry_locked`).
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Optional, TypeVar

from sqlalchemy import Engine, create_engine, delete, event, inspect, select, update
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from extractor.errors import is_plain, shown
from extractor.store import LOCKED_RETRY_WAITS, SCHEMA_VERSION, SQLITE_PRAGMAS, casefold, db_url
from extractor.store import models as m
from schemas import PlanDocument, Span

Outcome = Literal["loaded", "present", "replaced"]
T = TypeVar("T")

# Two documents of one association and plan year are the same plan (another copy, another
# format) when at least this share of their figures are the same amounts.
SAME_PLAN_SHARE = 0.8
# The lock two imports into a new PostgreSQL database take before creating the tables.
CREATE_LOCK_KEY = 0x66696E73616D  # "finsam"


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        for wait in (*LOCKED_RETRY_WAITS, None):
            try:
                cursor.execute(pragma)
                break
            except sqlite3.OperationalError as exc:  # SQLite may refuse the WAL switch at once when busy
                if wait is None or "locked" not in str(exc):
                    raise
                time.sleep(wait)
    cursor.close()
    dbapi_conn.create_function("casefold", 1, casefold, deterministic=True)


def open_store(db: str | Path) -> Engine:
    """Connect to ``db`` (SQLAlchemy URL or SQLite file path) and create any missing tables."""
    url = make_url(db_url(db))
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    create_tables(engine)
    return engine


def create_tables(engine: Engine, attempts: int = 6) -> None:
    """Create missing tables. Two imports starting at once may race to create the
    same table: on PostgreSQL the first takes a transaction-level advisory lock and the
    second waits for it (then finds the tables made); on SQLite (DDL outside the
    transaction) the loser tries again."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": CREATE_LOCK_KEY})
                add_missing_columns(conn)  # first: the indexes create_all completes may name new columns
                m.Base.metadata.create_all(conn)
                m.create_fts(conn)
                if conn.dialect.name == "sqlite":  # complete: readers may take it as it is
                    conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        except (OperationalError, IntegrityError, ProgrammingError) as exc:
            racing = any(w in str(exc) for w in ("already exists", "duplicate column", "duplicate key")) or is_locked(exc)
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(LOCKED_RETRY_WAITS[min(attempt, len(LOCKED_RETRY_WAITS) - 1)])


# Columns that repeat or count what other tables hold, and how they are filled when added to an older store.
FILLED = {
    ("documents", "project_count"): "(SELECT count(*) FROM projects WHERE projects.document_id = documents.id)",
    ("documents", "figure_count"):
        "(SELECT count(*) FROM budget_figures WHERE budget_figures.document_id = documents.id)",
    ("members", "association"): "(SELECT association FROM documents WHERE documents.id = members.document_id)",
}


def refresh_statistics(engine: Engine) -> None:
    """The statistics the database's query planner goes by, taken again after an import (on SQLite
    from a sample of each index, quickly): without them SQLite may read a whole section's figures
    where an association's few documents would do. Skipped when the database is busy."""
    statements = {"sqlite": ("PRAGMA analysis_limit=1000", "ANALYZE"), "postgresql": ("ANALYZE",)}
    try:
        with engine.begin() as conn:
            for statement in statements.get(engine.dialect.name, ()):
                conn.exec_driver_sql(statement)
    except OperationalError:
        pass


def add_missing_columns(conn) -> None:
    """Columns added to the models since a database was made (nullable ones only) are added to it,
    and documents get their title; create_all makes missing tables, not missing columns."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    for table in m.Base.metadata.sorted_tables:
        if table.name not in existing:  # made whole by create_all
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and column.nullable:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                if (table.name, column.name) in FILLED:
                    conn.execute(sql(f"UPDATE {table.name} SET {column.name} = {FILLED[table.name, column.name]}"))
                if (table.name, column.name) == ("documents", "title"):
                    for doc in conn.execute(select(m.Document.id, m.Document.association, m.Document.plan_year,
                                                   m.Document.source_path)).all():
                        title = document_title(doc.association, doc.plan_year, doc.source_path)
                        conn.execute(update(m.Document).where(m.Document.id == doc.id).values(title=title))


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig or exc)


def retry_locked(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` again (whole transaction) while SQLite answers "database is locked"."""

    @wraps(fn)
    def wrapper(*args, **kwargs) -> T:
        for wait in (*LOCKED_RETRY_WAITS, None):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if wait is None or not is_locked(exc):
                    raise
                time.sleep(wait)
        raise AssertionError("unreachable")

    return wrapper


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that commits on success and rolls back on error. On SQLite
    its first statement takes the write lock (waiting up to the busy timeout), so what it
    reads cannot change before it writes."""
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        yield session


def present_hashes(engine: Engine, hashes: Iterable[str], chunk: int = 500) -> set[str]:
    """Which of these sha256 are stored already."""
    wanted = sorted(set(hashes))
    found: set[str] = set()
    with engine.connect() as conn:
        for i in range(0, len(wanted), chunk):
            part = wanted[i:i + chunk]
            found.update(conn.scalars(select(m.Document.sha256).where(m.Document.sha256.in_(part))))
    return found


def failed_hashes(engine: Engine, hashes: Iterable[str], chunk: int = 500) -> dict[str, str]:
    """sha256 -> reason, for those of these sha256 an earlier import could not load."""
    wanted = sorted(set(hashes))
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for i in range(0, len(wanted), chunk):
            part = wanted[i:i + chunk]
            stmt = select(m.Failure.sha256, m.Failure.reason).where(m.Failure.sha256.in_(part)).order_by(m.Failure.id)
            found.update((sha, reason) for sha, reason in conn.execute(stmt))
    return found


def path_bytes(path) -> Optional[bytes]:
    """The name's bytes where :func:`shown` had to escape some of them, else None."""
    if path is None or is_plain(path):
        return None
    return os.fsencode(path)


@retry_locked
def load_plan(engine: Engine, plan: PlanDocument, replace: bool = False, text: Optional[str] = None,
              path=None) -> Outcome:
    """Store one plan: "loaded", "present" (same sha256 already stored, nothing written) or "replaced".

    ``text`` is the canonical text the spans point into; by default ``plan.text``. ``path``
    is the file as the file system names it, kept as bytes where its name is not plain text.
    A plan already stored from another file (same association, plan year and figures) is
    stored too, marked as a copy of it (``duplicate_of``): queries count it once.
    """
    sha = plan.source.sha256
    try:
        with write_transaction(engine) as session:
            old = session.scalar(select(m.Document.id).where(m.Document.sha256 == sha))
            if old is not None:
                if not replace:
                    return "present"
                promote_copies(session, old)
                session.execute(delete(m.Document).where(m.Document.id == old))
            conn = session.connection()
            doc_id = insert_rows(conn, plan, text if text is not None else plan.text, path_bytes(path))
            copy = same_plan(session, doc_id, plan)
            if copy is not None:
                session.execute(update(m.Document).where(m.Document.id == doc_id).values(duplicate_of=copy))
            session.execute(delete(m.Failure).where((m.Failure.path == plan.source.path) | (m.Failure.sha256 == sha)))
    except IntegrityError:
        # Another process stored the same document between our check and our insert
        # (on SQLite the write lock prevents that; other databases may get here).
        with Session(engine) as session:
            if session.scalar(select(m.Document.id).where(m.Document.sha256 == sha)) is not None and not replace:
                return "present"
        raise
    return "replaced" if old is not None else "loaded"


def figure_amounts(plan: PlanDocument) -> Counter:
    return Counter(m.exact(c.amount_sek) for t in plan.budget_tables for r in t.rows for c in r.cells
                   if c.amount_sek is not None)


def same_plan(session: Session, doc_id: int, plan: PlanDocument) -> Optional[int]:
    """The stored document (not itself a copy) that holds the same plan: same association and
    plan year, and at least SAME_PLAN_SHARE of the figures the same amounts."""
    if not plan.association or not plan.plan_year:
        return None
    mine = figure_amounts(plan)
    if not mine:
        return None
    d = m.Document
    candidates = session.scalars(select(d.id).where(
        d.association == plan.association, d.plan_year == plan.plan_year, d.id != doc_id,
        d.duplicate_of.is_(None)).order_by(d.id)).all()
    for other in candidates:
        theirs = Counter(session.scalars(select(m.BudgetFigure.amount_sek).where(
            m.BudgetFigure.document_id == other, m.BudgetFigure.amount_sek.is_not(None))))
        if theirs and sum((mine & theirs).values()) >= SAME_PLAN_SHARE * max(sum(mine.values()), sum(theirs.values())):
            return other
    return None


def promote_copies(session: Session, doc_id: int) -> None:
    """Before ``doc_id`` is deleted: its first copy takes its place, the other copies point at it."""
    d = m.Document
    copies = session.scalars(select(d.id).where(d.duplicate_of == doc_id).order_by(d.id)).all()
    if copies:
        session.execute(update(d).where(d.id == copies[0]).values(duplicate_of=None))
        session.execute(update(d).where(d.id.in_(copies[1:])).values(duplicate_of=copies[0]))


@retry_locked
def record_failure(engine: Engine, path, reason: str, sha256: Optional[str] = None) -> None:
    """Remember why ``path`` failed (and under which sha256, so the same bytes are not extracted
    again); a later failure of the same path replaces the earlier one."""
    name = shown(path)
    with write_transaction(engine) as session:
        session.execute(delete(m.Failure).where(m.Failure.path == name))
        session.add(m.Failure(path=name, path_bytes=path_bytes(path), sha256=sha256, reason=reason))


def copy_of(engine: Engine, sha256: str) -> Optional[str]:
    """The source path of the document the document with this sha256 is a copy of, if it is one."""
    d, primary = m.Document, m.Document.__table__.alias("primary")
    with engine.connect() as conn:
        return conn.scalar(select(primary.c.source_path).join(d, d.duplicate_of == primary.c.id).where(d.sha256 == sha256))


def source_file(stored: dict) -> str | bytes:
    """The file a stored document was read from, as the file system names it."""
    return stored.get("source_path_bytes") or stored["source_path"]


# -- PlanDocument -> rows: each table's rows made as values, then inserted many at once -----------


def insert_rows(conn, plan: PlanDocument, text: Optional[str], source_path_bytes: Optional[bytes]) -> int:
    """Insert everything ``plan`` holds, in the caller's transaction; returns the document's id.

    Each table's rows go in one statement (SQLAlchemy's insert of many values; the ids of tables, rows
    and projects, which others point at, come back in the order the values were given). A document's
    figures are stored table by table, row by row, so their ids follow the plan's order."""
    (doc_id,) = insert_many(conn, m.Document, [document_values(plan, text, source_path_bytes)], ids=True)
    insert_many(conn, m.Member, [
        {"document_id": doc_id, "name": x.name, "kind": x.kind, "association": plan.association, **span_columns(x.span)}
        for x in plan.members])
    table_ids = insert_many(conn, m.BudgetTable, [table_values(doc_id, i, t) for i, t in enumerate(plan.budget_tables)],
                            ids=True)
    rows = [(table_id, i, r) for table_id, t in zip(table_ids, plan.budget_tables) for i, r in enumerate(t.rows)]
    row_ids = insert_many(conn, m.BudgetRow, [row_values(doc_id, table_id, i, r) for table_id, i, r in rows], ids=True)
    insert_many(conn, m.BudgetFigure, [
        figure_values(doc_id, table_id, row_id, plan, r, c)
        for (table_id, _, r), row_id in zip(rows, row_ids) for c in r.cells])
    insert_many(conn, m.Finding, [{"document_id": doc_id, **finding_row(table_ids, f)} for f in plan.findings])
    project_ids = insert_many(conn, m.Project, [project_row(doc_id, p) for p in plan.projects], ids=True)
    # a project's goals are in plan.goals too (with .project set): store each goal once, under its project
    project_names = {p.name for p in plan.projects if p.goals}
    goals = [goal_row(doc_id, g) for g in plan.goals if g.project not in project_names]
    for project_id, p in zip(project_ids, plan.projects):
        goals += [goal_row(doc_id, g, project_id, p.name) for g in p.goals]
    insert_many(conn, m.Goal, goals)
    insert_many(conn, m.ProjectBudgetRow, [
        {"project_id": project_id, "row_id": row_id}
        for project_id, p in zip(project_ids, plan.projects) for row_id in linked_rows(rows, row_ids, p)])
    return doc_id


def insert_many(conn, model, values: list[dict], ids: bool = False) -> list[int]:
    """Insert the rows; with ``ids``, their ids in the order of ``values``."""
    if not values:
        return []
    table = model.__table__
    if not ids:
        conn.execute(table.insert(), values)
        return []
    return list(conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), values).scalars())


def span_columns(span: Optional[Span]) -> dict:
    if span is None:
        return {"span_start": None, "span_end": None, "page": None}
    return {"span_start": span.start, "span_end": span.end, "page": span.page}


def document_title(association: Optional[str], plan_year: Optional[int], path: str) -> str:
    """ "Samordningsförbundet Lund 2011"; the file name where the association is unknown."""
    name = association or Path(path).name
    return f"{name} {plan_year}" if plan_year else name


def document_values(plan: PlanDocument, text: Optional[str], source_path_bytes: Optional[bytes]) -> dict:
    src = plan.source
    return {
        "source_path": src.path, "source_path_bytes": source_path_bytes, "sha256": src.sha256, "format": src.format,
        "pages": src.pages, "encoding": src.encoding, "association": plan.association, "plan_year": plan.plan_year,
        "budget_years": list(plan.budget_years), "org_number": plan.org_number, "adopted": plan.adopted, "text": text,
        "title": document_title(plan.association, plan.plan_year, src.path),
        "project_count": len(plan.projects),
        "figure_count": sum(len(r.cells) for t in plan.budget_tables for r in t.rows),
    }


def table_values(doc_id: int, position: int, t) -> dict:
    return {"document_id": doc_id, "position": position, "title": t.title, "unit": t.unit, "layout": t.layout,
            "columns": [c.model_dump(mode="json") for c in t.columns], **span_columns(t.span)}


def row_values(doc_id: int, table_id: int, position: int, r) -> dict:
    return {"document_id": doc_id, "table_id": table_id, "position": position, "label": r.label, "code": r.code,
            "section": r.section, "role": r.role, "is_total": r.is_total, "project_name": r.project,
            **span_columns(r.span)}


def figure_values(doc_id: int, table_id: int, row_id: int, plan: PlanDocument, r, c) -> dict:
    return {"document_id": doc_id, "table_id": table_id, "row_id": row_id, "association": plan.association,
            "plan_year": plan.plan_year, "label": r.label, "section": r.section, "year": c.year,
            "column_label": c.column, "kind": c.kind, "amount_sek": c.amount_sek, "raw": c.raw, "unit": c.unit,
            "flags": list(c.flags), "box": list(c.span.box) if c.span.box else None, **span_columns(c.span)}


def finding_row(table_ids: list[int], f) -> dict:
    table_id = table_ids[f.table] if f.table is not None and 0 <= f.table < len(table_ids) else None
    return {"table_id": table_id, "kind": f.kind, "severity": f.severity, "message": f.message,
            "year": f.year, "stated": f.stated, "computed": f.computed, "label": f.label, **span_columns(f.span)}


def goal_row(doc_id: int, g, project_id: Optional[int] = None, project: Optional[str] = None) -> dict:
    target = g.target
    return {
        "document_id": doc_id, "project_id": project_id, "text": g.text, "kind": g.kind, "indicator": g.indicator,
        "target_value": target.value if target else None, "target_unit": target.unit if target else None,
        "target_comparator": target.comparator if target else None, "target_raw": target.raw if target else None,
        "project_name": g.project or project, "section": g.section, "layout": g.layout, **span_columns(g.span),
    }


def project_row(doc_id: int, p) -> dict:
    return {
        "document_id": doc_id, "name": p.name, "owner": p.owner, "stakeholders": list(p.stakeholders), "place": p.place,
        "start_date": p.start, "end_date": p.end, "amount_sek": p.amount_sek, "amount_raw": p.amount_raw,
        "target_group": p.target_group, "purpose": p.purpose, "contact": p.contact, "amount_kind": p.amount_kind,
        "layout": p.layout, "guessed": list(p.guessed), **span_columns(p.span),
    }


def linked_rows(rows: list[tuple], row_ids: list[int], p) -> list[int]:
    """The ids of the budget rows that fund project ``p``: named in ``p.budget_rows`` or pointing at it by name."""
    labels = {label.casefold() for label in p.budget_rows}
    name = p.name.casefold()
    return [row_id for (_, _, row), row_id in zip(rows, row_ids)
            if row.label.casefold() in labels or (row.project or "").casefold() == name]
