"""Read the store: each function returns a list of plain dicts (JSON-ready).

Text filters (association, label, owner, ...) match a case-insensitive substring:
``association="lund"`` finds "Lunds samordningsförbund". ``year`` means the plan
year of the document, except in :func:`budget_figures`, where it is the year of
the figure's column (``plan_year`` filters by plan there).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy.exc import OperationalError
from sqlalchemy import Date, DateTime, Engine, Integer, Numeric, Select, func, or_, select
from sqlalchemy import text as sql
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from extractor.store import models as m

# FTS5 query syntax a user may type on purpose; anything else is taken as plain words.
FTS_SYNTAX = re.compile(r'["*()^:]|\b(AND|OR|NOT|NEAR)\b')
WORD = re.compile(r"\w+", re.UNICODE)


def contains(engine: Engine, column, needle: str) -> ColumnElement[bool]:
    """Case-insensitive substring match, Unicode-aware on SQLite (Ö matches ö)."""
    if engine.dialect.name == "sqlite":
        folded = func.casefold(column)
    else:
        folded = func.lower(column)
    return folded.contains(needle.casefold(), autoescape=True)


def words_query(text: str) -> str:
    """Plain words as a prefix AND query ("rehab arbete" -> "rehab"* "arbete"*), so a word finds the
    Swedish compounds that begin with it."""
    return " ".join(f'"{w}"*' for w in WORD.findall(text))


def fts_query(text: str) -> str:
    """FTS5 syntax passes as is; plain words become a prefix AND query (:func:`words_query`)."""
    if FTS_SYNTAX.search(text):
        return text
    return words_query(text)


def fts_syntax_ok(conn, fts: str, query: str) -> bool:
    """Does SQLite's FTS5 accept the expression? (It raises on 'AND' alone or an unclosed quote.)"""
    try:
        conn.execute(sql(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q LIMIT 1"), {"q": query}).fetchall()
        return True
    except OperationalError:
        return False


# Values JSON takes as they are: most of every row, so they are told apart by their exact type first.
AS_IS = frozenset({str, int, float, bool, type(None), list, dict})


def plain(value: Any) -> Any:
    if value.__class__ in AS_IS:
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):  # an exact amount: an integer when whole, as JSON numbers are
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def needs_plain(kind: TypeEngine) -> bool:
    """May a column of this type read back as a Decimal, date or datetime?"""
    kind = kind.impl if isinstance(kind, TypeDecorator) else kind
    return isinstance(kind, (Numeric, Date, DateTime))


def rows(engine: Engine, stmt: Select) -> list[dict]:
    # only the columns that may hold amounts, dates or times need plain(): the rest are JSON-ready
    converted = [i for i, c in enumerate(stmt.selected_columns) if needs_plain(c.type)]
    with engine.connect() as conn:
        result = conn.execute(stmt)
        keys = list(result.keys())
        out = []
        for r in result:
            row = dict(zip(keys, r))
            for i in converted:
                row[keys[i]] = plain(r[i])
            out.append(row)
        return out


def span_of(model) -> list:
    return [model.span_start, model.span_end, model.page]


def one_source(stmt: Select, all_sources: bool) -> Select:
    """Each plan once: documents that are another copy of a stored plan (``duplicate_of``) are
    left out unless ``all_sources``."""
    # Nearly every document is no copy, so "duplicate_of IS NULL" selects nearly all of them: written so
    # that the database cannot take it for a selective index lookup and read every document through it.
    return stmt if all_sources else stmt.where(func.coalesce(m.Document.duplicate_of, 0) == 0)


def filter_document(engine: Engine, stmt: Select, association: Optional[str], year: Optional[int],
                    all_sources: bool = False) -> Select:
    stmt = one_source(stmt, all_sources)
    if association:  # the few documents matched first, then what they hold found by document
        stmt = stmt.where(m.Document.id.in_(named(engine, association)))
    if year is not None:
        stmt = stmt.where(m.Document.plan_year == year)
    return stmt


def named(engine: Engine, association: str) -> Select:
    """The ids of the documents whose association contains ``association`` (any case)."""
    return select(m.Document.id).where(contains(engine, m.Document.association, association))


# -- queries ---------------------------------------------------------------------


def budget_figures(
    engine: Engine,
    association: Optional[str] = None,
    year: Optional[int] = None,
    section: Optional[str] = None,
    label: Optional[str] = None,
    table: Optional[str | int] = None,
    plan_year: Optional[int] = None,
    all_sources: bool = False,
) -> list[dict]:
    """Budget figures, one per table cell. ``table``: a title substring, or the table's index in its document.
    A plan stored from several files counts once unless ``all_sources``."""
    f, t = m.BudgetFigure, m.BudgetTable
    stmt = (
        select(
            f.association,
            f.plan_year,
            t.title.label("table"),
            f.label,
            f.section,
            f.year,
            f.column_label.label("column"),
            f.kind,
            f.amount_sek,
            f.raw,
            f.unit,
            f.flags,
            m.BudgetRow.role,
            m.BudgetRow.is_total,
            m.Document.source_path.label("source"),
            m.Document.format.label("source_format"),
            *span_of(f),
            f.box,
            f.document_id,
            f.id,
        )
        .join(t, f.table_id == t.id)
        .join(m.BudgetRow, f.row_id == m.BudgetRow.id)
        .join(m.Document, f.document_id == m.Document.id)
        .order_by(f.document_id, t.position, m.BudgetRow.position, f.id)
    )
    stmt = one_source(stmt, all_sources)
    if association:  # matched on the few documents, then their figures found by document (and year)
        stmt = stmt.where(f.document_id.in_(named(engine, association)))
    if year is not None:
        stmt = stmt.where(f.year == year)
    if plan_year is not None:
        stmt = stmt.where(f.plan_year == plan_year)
    if section:
        stmt = stmt.where(f.section == section)
    if label:
        stmt = stmt.where(label_match(engine, f.label, label))
    if isinstance(table, int) or (isinstance(table, str) and table.isdigit()):
        stmt = stmt.where(t.position == int(table))
    elif table:
        stmt = stmt.where(contains(engine, t.title, table))
    return rows(engine, stmt)


def projects(
    engine: Engine,
    association: Optional[str] = None,
    year: Optional[int] = None,
    owner: Optional[str] = None,
    min_amount: Optional[float] = None,
    max_amount: Optional[float] = None,
    text: Optional[str] = None,
    all_sources: bool = False,
    stated: bool = False,
) -> list[dict]:
    """Projects. ``text`` searches name, owner, purpose and target group (FTS5 on SQLite).
    ``stated``: only what the plan states plainly; a field the reader inferred (an owner taken from
    prose, an amount from a budget row) is left empty and does not match a filter."""
    p = m.Project
    stmt = (
        select(
            m.Document.association,
            m.Document.plan_year,
            p.name,
            p.owner,
            p.amount_sek,
            p.amount_raw,
            p.amount_kind,
            p.start_date.label("start"),
            p.end_date.label("end"),
            p.place,
            p.target_group,
            p.purpose,
            p.contact,
            p.stakeholders,
            p.layout,
            p.guessed,
            m.Document.source_path.label("source"),
            m.Document.format.label("source_format"),
            *span_of(p),
            p.document_id,
            p.id,
        )
        .join(m.Document, p.document_id == m.Document.id)
        .order_by(m.Document.association, m.Document.plan_year, p.id)
    )
    stmt = filter_document(engine, stmt, association, year, all_sources)
    if owner:
        stmt = stmt.where(contains(engine, p.owner, owner))
    if min_amount is not None:
        stmt = stmt.where(p.amount_sek >= min_amount)
    if max_amount is not None:
        stmt = stmt.where(p.amount_sek <= max_amount)
    if text:
        stmt = stmt.where(text_match(engine, "projects_fts", p, ("name", "owner", "purpose", "target_group"), text))
    found = rows(engine, stmt)
    if not stated:
        return found
    plain = []
    for row in found:
        guessed = set(row.get("guessed") or [])
        if (owner and "owner" in guessed) or ((min_amount is not None or max_amount is not None) and "amount" in guessed):
            continue
        for field, columns in STATED_COLUMNS.items():
            if field in guessed:
                row.update({c: None for c in columns})
        plain.append(row)
    return plain


# a guessed field -> the columns that show it
STATED_COLUMNS = {"owner": ("owner",), "amount": ("amount_sek", "amount_raw", "amount_kind"), "period": ("start", "end")}


def goals(
    engine: Engine,
    association: Optional[str] = None,
    year: Optional[int] = None,
    kind: Optional[str] = None,
    text: Optional[str] = None,
    all_sources: bool = False,
) -> list[dict]:
    """Goals, including those stated inside a project (``project`` names it)."""
    g = m.Goal
    stmt = (
        select(
            m.Document.association,
            m.Document.plan_year,
            g.kind,
            g.text,
            g.indicator,
            g.target_value,
            g.target_unit,
            g.target_comparator,
            g.target_raw,
            g.project_name.label("project"),
            g.section,
            g.layout,
            m.Document.source_path.label("source"),
            m.Document.format.label("source_format"),
            *span_of(g),
            g.document_id,
            g.id,
        )
        .join(m.Document, g.document_id == m.Document.id)
        .order_by(m.Document.association, m.Document.plan_year, g.id)
    )
    stmt = filter_document(engine, stmt, association, year, all_sources)
    if kind:
        stmt = stmt.where(g.kind == kind)
    if text:
        stmt = stmt.where(text_match(engine, "goals_fts", g, ("text",), text))
    return rows(engine, stmt)


def findings(
    engine: Engine,
    association: Optional[str] = None,
    year: Optional[int] = None,
    severity: Optional[str] = None,
    all_sources: bool = False,
) -> list[dict]:
    """Audit findings. ``year`` is the plan year; each finding's own budget year is in ``year``."""
    f = m.Finding
    stmt = (
        select(
            m.Document.association,
            m.Document.plan_year,
            f.severity,
            f.kind,
            f.message,
            f.year,
            f.stated,
            f.computed,
            f.label,
            m.BudgetTable.title.label("table"),
            m.Document.source_path.label("source"),
            m.Document.format.label("source_format"),
            *span_of(f),
            f.document_id,
            f.id,
        )
        .join(m.Document, f.document_id == m.Document.id)
        .outerjoin(m.BudgetTable, f.table_id == m.BudgetTable.id)
        .order_by(m.Document.association, m.Document.plan_year, f.id)
    )
    stmt = filter_document(engine, stmt, association, year, all_sources)
    if severity:
        stmt = stmt.where(f.severity == severity)
    return rows(engine, stmt)


def associations(engine: Engine, association: Optional[str] = None, all_sources: bool = False) -> list[dict]:
    """One dict per association: its plans (a plan stored from several files counts once),
    files, plan years, members, projects and stored figures (of each plan once unless ``all_sources``)."""
    d = m.Document
    docs = select(d.id, d.association, d.plan_year, d.duplicate_of).order_by(d.association, d.plan_year, d.id)
    if association:
        docs = docs.where(contains(engine, d.association, association))
    out: dict[Optional[str], dict] = {}
    counted: dict[int, dict] = {}  # document id -> its association's entry, for the documents counted
    with engine.connect() as conn:
        for doc_id, name, plan_year, duplicate_of in conn.execute(docs):
            entry = out.setdefault(
                name, {"association": name, "plans": 0, "files": 0, "years": [], "members": [], "projects": 0,
                       "figures": 0, "_members": set()}
            )
            entry["files"] += 1
            if duplicate_of is not None:
                if not all_sources:
                    continue
            else:
                entry["plans"] += 1
            if plan_year is not None and plan_year not in entry["years"]:
                entry["years"].append(plan_year)
            counted[doc_id] = entry
        # one pass over each table (grouped by document, along its document index) rather than a query
        # per association
        chosen = named(engine, association) if association else select(d.id)
        members = select(m.Member.document_id, m.Member.name).distinct()
        for doc_id, name in conn.execute(members.where(m.Member.document_id.in_(chosen)) if association else members):
            if doc_id in counted:
                counted[doc_id]["_members"].add(name)
        for key, model in (("projects", m.Project), ("figures", m.BudgetFigure)):
            per_document = select(model.document_id, func.count()).group_by(model.document_id)
            if association:
                per_document = per_document.where(model.document_id.in_(chosen))
            for doc_id, n in conn.execute(per_document):
                if doc_id in counted:
                    counted[doc_id][key] += n
    for entry in out.values():
        entry["members"] = sorted(entry.pop("_members"))
    return list(out.values())


def failures(engine: Engine) -> list[dict]:
    """Files an import could not load, newest last."""
    f = m.Failure
    return rows(engine, select(f.path, f.reason, f.sha256, f.failed_at).order_by(f.failed_at, f.id))


def documents_named(engine: Engine, key: str) -> list[dict]:
    """Stored documents whose source path is ``key`` or whose sha256 begins with it (4+ hex digits)."""
    d = m.Document
    match = d.source_path == key
    if re.fullmatch(r"[0-9a-fA-F]{4,64}", key):
        match = or_(match, d.sha256.startswith(key.lower(), autoescape=True))
    stmt = select(d.id, d.source_path, d.source_path_bytes, d.sha256, d.association, d.plan_year,
                  d.duplicate_of).where(match).order_by(d.id)
    return rows(engine, stmt)


# -- full text ---------------------------------------------------------------------


def label_match(engine: Engine, column, needle: str) -> ColumnElement[bool]:
    """A budget label containing ``needle`` (any case): the distinct labels (``budget_labels``, a few
    hundred or thousand) are matched, and the figures of those labels found through the label index,
    instead of every figure's label being folded and compared."""
    with engine.connect() as conn:
        listed = m.has_label_list(conn)
    if not listed:
        return contains(engine, column, needle)
    labels = select(m.BUDGET_LABELS.c.label).where(contains(engine, m.BUDGET_LABELS.c.label, needle))
    return column.in_(labels)



def text_match(engine: Engine, fts: str, model, columns: tuple[str, ...], text: str) -> ColumnElement[bool]:
    """FTS5 MATCH where the index exists (SQLite), else a substring match on any column."""
    query = fts_query(text)
    with engine.connect() as conn:
        indexed = m.has_fts(conn, fts)
        if indexed and query and not fts_syntax_ok(conn, fts, query):
            query = words_query(text)  # 'AND', an unclosed quote: what was typed is searched as words
    if indexed and query:
        hits = sql(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q").bindparams(q=query)
        # the hits as a set each row is tested against: were the ids an index key beside the document's
        # (document_id = ? AND id IN hits), SQLite would probe every pair of plan and hit
        return (model.id + 0).in_(hits.columns(rowid=Integer))
    return or_(*(contains(engine, getattr(model, c), text) for c in columns))
