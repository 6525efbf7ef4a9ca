"""Read the store: each function returns a list of plain dicts (JSON-ready).

Text filters (association, label, owner, ...) match a case-insensitive substring:
``association="lund"`` finds "Lunds samordningsförbund". ``year`` means the plan
year of the document, except in :func:`budget_figures`, where it is the year of
the figure's column (``plan_year`` filters by plan there).

The queries are SQL, the same on every database but for the few words :class:`Reader` gives
per dialect. A SQLite store is read with the standard library's ``sqlite3`` (:func:`open_reader`),
so a query command starts without SQLAlchemy; any other database, and an engine a caller already
holds, is read through SQLAlchemy. Every query function takes a :class:`Reader` or an engine.
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Optional

from extractor.store import BUSY_TIMEOUT_MS, FTS_TABLES, SCHEMA_VERSION, casefold, pg_words, sqlite_path

# FTS5 query syntax a user may type on purpose; anything else is taken as plain words.
FTS_SYNTAX = re.compile(r'["*()^:]|\b(AND|OR|NOT|NEAR)\b')
WORD = re.compile(r"\w+", re.UNICODE)
LIKE_ESCAPE = "/"


class QueryError(Exception):
    """A store that cannot be read or queried (not a database, a damaged file, a lost server)."""


# -- reading SQL, on sqlite3 or on SQLAlchemy --------------------------------------------------


@dataclass
class Reader:
    """Runs SQL with ``:name`` parameters and returns (column names, rows as tuples).

    ``trace``, when a list, collects every statement run with its parameters (the benchmark
    shows their query plans)."""

    dialect: str
    run: Callable[[str, dict], tuple[list[str], list[tuple]]]
    trace: Optional[list] = field(default=None)

    def rows(self, statement: str, params: Optional[dict] = None) -> tuple[list[str], list[tuple]]:
        params = params or {}
        if self.trace is not None:
            self.trace.append((statement, params))
        return self.run(statement, params)

    def exists(self, statement: str, params: Optional[dict] = None) -> bool:
        return bool(self.run(statement, params or {})[1])

    def fold(self, column: str) -> str:
        """``column`` in lower case, Unicode-aware on SQLite (Ö matches ö)."""
        return f"casefold({column})" if self.dialect == "sqlite" else f"lower({column})"


def sqlite_reader(conn: sqlite3.Connection) -> Reader:
    def run(statement: str, params: dict) -> tuple[list[str], list[tuple]]:
        try:
            cursor = conn.execute(statement, params)
            found = cursor.fetchall()
        except sqlite3.Error as exc:
            raise QueryError(str(exc)) from None
        return [d[0] for d in cursor.description or ()], found

    return Reader("sqlite", run)


def engine_reader(engine) -> Reader:
    """A reader over a SQLAlchemy engine (a store on PostgreSQL, or an engine a caller holds)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    def run(statement: str, params: dict) -> tuple[list[str], list[tuple]]:
        try:
            with engine.connect() as conn:
                result = conn.execute(text(statement), params)
                return list(result.keys()), [tuple(r) for r in result]
        except SQLAlchemyError as exc:
            raise QueryError(str(exc).split("\n")[0]) from None

    return Reader(engine.dialect.name, run)


def reader(source) -> Reader:
    """A :class:`Reader` as given, or one over a SQLAlchemy engine."""
    return source if isinstance(source, Reader) else engine_reader(source)


def open_reader(db: str | Path) -> Reader:
    """The store ``db`` (a SQLite file path or URL, or another database's URL) ready to query.

    A SQLite file whose layout is complete is read with sqlite3 alone; one made by an older version
    (or not yet complete) is first completed as an import would (indexes, columns, the label list).
    Raises QueryError when the file is no database."""
    path = sqlite_path(db)
    if path is None:
        from extractor.store.load import open_store

        return engine_reader(open_store(db))
    conn = connect(path)
    if schema_version(conn) < SCHEMA_VERSION:
        conn.close()
        from extractor.store.load import open_store, refresh_statistics

        engine = open_store(db)
        refresh_statistics(engine)  # for the indexes just made
        engine.dispose()
        conn = connect(path)
    return sqlite_reader(conn)


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.create_function("casefold", 1, casefold, deterministic=True)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:  # "file is not a database"
        raise QueryError(str(exc)) from None


# -- values as JSON takes them ------------------------------------------------------------------

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
    if isinstance(value, memoryview):
        return value.tobytes()
    return value


def amount(value: Any) -> Any:
    """A stored amount (see models.Kronor: an integer, a real, or the decimal as text on SQLite;
    NUMERIC elsewhere) as JSON takes it: an integer when whole."""
    if value is None or value.__class__ is int:
        return value
    if value.__class__ is float:
        return int(value) if value.is_integer() else value
    if isinstance(value, (bytes, memoryview)):
        value = bytes(value).decode("ascii")
    return plain(Decimal(value))


def from_json(value: Any) -> Any:
    """A JSON column: text on SQLite, already decoded by PostgreSQL's driver."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def flag(value: Any) -> Any:
    return None if value is None else bool(value)


def moment(value: Any) -> Any:
    """A stored time: SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' text."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).isoformat(timespec="seconds")
    return plain(value)


# How a column of a query's answer is made JSON-ready, by its name; others as they come (plain()).
CONVERT: dict[str, Callable[[Any], Any]] = {
    "amount_sek": amount, "stated": amount, "computed": amount,
    "flags": from_json, "box": from_json, "guessed": from_json, "stakeholders": from_json,
    "budget_years": from_json,
    "is_total": flag,
    "failed_at": moment, "loaded_at": moment,
}


def records(db: Reader, statement: str, params: Optional[dict] = None) -> list[dict]:
    keys, found = db.rows(statement, params)
    # sqlite3 gives integers, reals, text and bytes: only the columns CONVERT names need a turn; other
    # drivers may also give decimals, dates and times, which plain() makes JSON-ready
    todo = [(i, k, CONVERT.get(k, plain)) for i, k in enumerate(keys) if k in CONVERT or db.dialect != "sqlite"]
    out = []
    for r in found:
        row = dict(zip(keys, r))
        for i, k, convert in todo:
            if r[i] is not None:
                row[k] = convert(r[i])
        out.append(row)
    return out


# -- filters --------------------------------------------------------------------------------------


class Where:
    """The conditions and parameters of one statement, named in order (:p0, :p1, ...)."""

    def __init__(self, db: Reader) -> None:
        self.db = db
        self.conditions: list[str] = []
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        if isinstance(value, Decimal) and self.db.dialect == "sqlite":  # as models.Kronor stores amounts
            whole = value == value.to_integral_value() and -2**63 <= value < 2**63
            value = int(value) if whole else float(value)
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def add(self, condition: str) -> None:
        self.conditions.append(condition)

    def equals(self, column: str, value: Any) -> None:
        self.add(f"{column} = {self.param(value)}")

    def contains(self, column: str, needle: str) -> None:
        self.add(self.contains_sql(column, needle))

    def contains_sql(self, column: str, needle: str) -> str:
        """Case-insensitive substring match (Unicode-aware on SQLite: Ö matches ö)."""
        escaped = needle.casefold()
        for ch in (LIKE_ESCAPE, "%", "_"):
            escaped = escaped.replace(ch, LIKE_ESCAPE + ch)
        return f"{self.db.fold(column)} LIKE {self.param('%' + escaped + '%')} ESCAPE '{LIKE_ESCAPE}'"

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""


def one_source(where: Where, all_sources: bool) -> None:
    """Each plan once: documents (``d``) that are another copy of a stored plan (``duplicate_of``) are
    left out unless ``all_sources``."""
    # Nearly every document is no copy, so "duplicate_of IS NULL" selects nearly all of them. SQLite,
    # without statistics, may take it for a selective lookup and read every document through the index:
    # there it is written so that no index serves it. PostgreSQL knows the share of nulls, and would take
    # the coalesce for a rare value instead.
    if not all_sources:
        where.add("coalesce(d.duplicate_of, 0) = 0" if where.db.dialect == "sqlite" else "d.duplicate_of IS NULL")


def not_a_copy(where: Where, all_sources: bool, column: str) -> None:
    """:func:`one_source` for a table read without its documents: ``column`` (a document id) is none of
    the few copies, found by their index."""
    if not all_sources:
        where.add(f"{column} NOT IN (SELECT id FROM documents WHERE duplicate_of IS NOT NULL)")


def association_names(where: Where, association: str) -> str:
    """The distinct associations that contain ``association`` (any case), as a subquery. The names are read
    from the association index one after another (each the least above the one before: as many steps as
    there are associations, whatever the number of plans), and the substring matched on each name once
    instead of on every document."""
    return ("WITH RECURSIVE names(a) AS (SELECT min(association) FROM documents UNION ALL "
            "SELECT (SELECT min(association) FROM documents WHERE association > names.a) FROM names "
            f"WHERE a IS NOT NULL) SELECT a FROM names WHERE {where.contains_sql('a', association)}")


def named(where: Where, column: str, association: str) -> str:
    """``column`` (a document id) is that of a document whose association contains ``association`` (any
    case): the few names matched first, their documents found by name, then what they hold by document."""
    ids = f"SELECT id FROM documents WHERE association IN ({association_names(where, association)})"
    if where.db.dialect == "postgresql":
        # found once, before the statement, as an array an index takes as keys: with a label filter, one probe
        # of the label index for each label and document. As a subquery, the planner may instead read every
        # figure of the labels and join them by hash, or read the documents again for each label
        return f"{column} = ANY(ARRAY({ids}))"
    return f"{column} IN ({ids})"


def filter_document(where: Where, id_column: str, association: Optional[str], year: Optional[int],
                    all_sources: bool = False) -> None:
    one_source(where, all_sources)
    if association:
        where.add(named(where, id_column, association))
    if year is not None:
        where.equals("d.plan_year", year)


def words_query(text: str) -> str:
    """Plain words as a prefix AND query ("rehab arbete" -> "rehab"* "arbete"*), so a word finds the
    Swedish compounds that begin with it."""
    return " ".join(f'"{w}"*' for w in WORD.findall(text))


def fts_query(text: str) -> str:
    """FTS5 syntax passes as is; plain words become a prefix AND query (:func:`words_query`)."""
    if FTS_SYNTAX.search(text):
        return text
    return words_query(text)


def has_table(db: Reader, name: str, kind: str = "table") -> bool:
    """Does the SQLite table (or trigger) exist? On PostgreSQL, triggers only."""
    if db.dialect == "sqlite":
        return db.exists("SELECT 1 FROM sqlite_master WHERE type = :k AND name = :n", {"k": kind, "n": name})
    if db.dialect == "postgresql" and kind == "trigger":
        return db.exists("SELECT 1 FROM pg_trigger WHERE tgname = :n", {"n": name})
    return False


def has_index(db: Reader, name: str) -> bool:
    return db.dialect == "postgresql" and db.exists("SELECT 1 FROM pg_indexes WHERE indexname = :n", {"n": name})


def fts_syntax_ok(db: Reader, fts: str, query: str) -> bool:
    """Does SQLite's FTS5 accept the expression? (It raises on 'AND' alone or an unclosed quote.)"""
    try:
        db.rows(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q LIMIT 1", {"q": query})
        return True
    except QueryError:
        return False


def text_match(where: Where, fts: str, alias: str, text: str) -> str:
    """Words in the columns ``fts`` indexes (FTS_TABLES) of the table read as ``alias``; returns what the
    statement reads as ``alias`` (FROM). FTS5 MATCH on SQLite; PostgreSQL's full text where its index
    exists (word prefixes for plain words, web-search syntax for quotes, OR and -); else a substring
    match on any of the columns."""
    db = where.db
    table, columns = FTS_TABLES[fts]
    if db.dialect == "postgresql" and has_index(db, fts):
        words = WORD.findall(text)
        if FTS_SYNTAX.search(text) or not words:
            tsquery = f"websearch_to_tsquery('simple', {where.param(text)})"
        else:
            tsquery = f"to_tsquery('simple', {where.param(' & '.join(f'{w}:*' for w in words))})"
        # the rows that hold the words, found first through the index, are what the statement reads: OFFSET 0
        # keeps the planner from merging them into the statement, where it may compute the words of every
        # row of the plans it walks instead; and unlike an array of their ids, it knows how many to expect
        # (from the index's statistics), so it joins many hits to their documents by hash
        return f"(SELECT * FROM {table} WHERE {pg_words(columns)} @@ {tsquery} OFFSET 0) {alias}"
    query = fts_query(text)
    indexed = db.dialect == "sqlite" and has_table(db, fts)
    if indexed and query and not fts_syntax_ok(db, fts, query):
        query = words_query(text)  # 'AND', an unclosed quote: what was typed is searched as words
    if indexed and query:
        # the hits as a set each row is tested against: were the ids an index key beside the document's
        # (document_id = ? AND id IN hits), SQLite would probe every pair of plan and hit
        where.add(f"({alias}.id + 0) IN (SELECT rowid FROM {fts} WHERE {fts} MATCH {where.param(query)})")
    else:
        where.add("(" + " OR ".join(where.contains_sql(f"{alias}.{c}", text) for c in columns) + ")")
    return f"{table} {alias}"


def label_match(where: Where, column: str, needle: str) -> None:
    """A budget label containing ``needle`` (any case): the distinct labels (``budget_labels``, a few
    hundred or thousand) are matched, and the figures of those labels found through the label index,
    instead of every figure's label being folded and compared."""
    if has_table(where.db, "budget_labels_ai", kind="trigger"):
        where.add(f"{column} IN (SELECT label FROM budget_labels WHERE {where.contains_sql('label', needle)})")
    else:
        where.contains(column, needle)


SPAN = "{t}.span_start, {t}.span_end, {t}.page"


# -- queries ---------------------------------------------------------------------


def budget_figures(
    db,
    association: Optional[str] = None,
    year: Optional[int] = None,
    section: Optional[str] = None,
    label: Optional[str] = None,
    table: Optional[str | int] = None,
    plan_year: Optional[int] = None,
    all_sources: bool = False,
    limit: Optional[int] = None,
) -> list[dict]:
    """Budget figures, one per table cell, by document and as its tables list them. ``table``: a title
    substring, or the table's index in its document. A plan stored from several files counts once unless
    ``all_sources``. ``limit``: the first so many (all when None)."""
    where = Where(reader(db))
    not_a_copy(where, all_sources, "f.document_id")
    if association:  # matched on the few documents, then their figures found by document (and year)
        where.add(named(where, "f.document_id", association))
    if year is not None:
        where.equals("f.year", year)
    if plan_year is not None:
        where.equals("f.plan_year", plan_year)
    if section:
        where.equals("f.section", section)
    if label:
        label_match(where, "f.label", label)
    if isinstance(table, int) or (isinstance(table, str) and table.isdigit()):
        where.add(f"f.table_id IN (SELECT id FROM budget_tables WHERE position = {where.param(int(table))})")
    elif table:
        where.add(f"f.table_id IN (SELECT id FROM budget_tables WHERE {where.contains_sql('title', table)})")
    # The figures are picked from their own table first, in listing order (a document's figures are stored
    # table by table, row by row, so by document and id), then what they are shown with is joined to
    # those alone: a first page of a large answer is read from an index, not the whole answer sorted.
    return records(where.db, f"""
        SELECT f.association, f.plan_year, t.title AS "table", f.label, f.section, f.year,
               f.column_label AS "column", f.kind, f.amount_sek, f.raw, f.unit, f.flags, r.role, r.is_total,
               d.source_path AS source, d.format AS source_format, {SPAN.format(t="f")}, f.box,
               f.document_id, f.id
        FROM (SELECT f.id FROM budget_figures f{where.sql()}
              ORDER BY f.document_id, f.id{limited(where, limit)}) picked
        JOIN budget_figures f ON f.id = picked.id
        JOIN budget_tables t ON f.table_id = t.id
        JOIN budget_rows r ON f.row_id = r.id
        JOIN documents d ON f.document_id = d.id
        ORDER BY f.document_id, f.id""", where.params)


def limited(where: Where, limit: Optional[int]) -> str:
    """A LIMIT clause for at most ``limit`` rows (None: all)."""
    return "" if limit is None else f" LIMIT {where.param(int(limit))}"


# a guessed field -> the columns that show it
STATED_COLUMNS = {"owner": ("owner",), "amount": ("amount_sek", "amount_raw", "amount_kind"), "period": ("start", "end")}


def projects(
    db,
    association: Optional[str] = None,
    year: Optional[int] = None,
    owner: Optional[str] = None,
    min_amount: Optional[float] = None,
    max_amount: Optional[float] = None,
    text: Optional[str] = None,
    all_sources: bool = False,
    stated: bool = False,
    limit: Optional[int] = None,
) -> list[dict]:
    """Projects. ``text`` searches name, owner, purpose and target group (FTS5 on SQLite).
    ``stated``: only what the plan states plainly; a field the reader inferred (an owner taken from
    prose, an amount from a budget row) is left empty and does not match a filter."""
    where = Where(reader(db))
    filter_document(where, "p.document_id", association, year, all_sources)
    if owner:
        where.contains("p.owner", owner)
    if min_amount is not None:
        where.add(f"p.amount_sek >= {where.param(min_amount)}")
    if max_amount is not None:
        where.add(f"p.amount_sek <= {where.param(max_amount)}")
    source = text_match(where, "projects_fts", "p", text) if text else "projects p"
    shown = f"""d.association, d.plan_year, p.name, p.owner, p.amount_sek, p.amount_raw, p.amount_kind,
               p.start_date AS start, p.end_date AS "end", p.place, p.target_group, p.purpose, p.contact,
               p.stakeholders, p.layout, p.guessed, d.source_path AS source, d.format AS source_format,
               {SPAN.format(t="p")}, p.document_id, p.id"""
    listing = "ORDER BY d.association, d.plan_year, p.id"
    if stated or limit is None:  # every match (``stated`` filters them here)
        found = records(where.db, f"""
            SELECT {shown} FROM {source} JOIN documents d ON p.document_id = d.id{where.sql()}
            {listing}""", where.params)
    else:
        # A first page: the ids picked first, with only what the filters and the order read (a narrow sort of
        # the matches, not of all they show), then the rows shown read for those alone.
        found = records(where.db, f"""
            SELECT {shown}
            FROM (SELECT p.id FROM {source} JOIN documents d ON p.document_id = d.id{where.sql()}
                  {listing}{limited(where, limit)}) picked
            JOIN projects p ON p.id = picked.id
            JOIN documents d ON p.document_id = d.id
            {listing}""", where.params)
    if not stated:
        return found
    plain_rows = []
    for row in found:
        guessed = set(row.get("guessed") or [])
        if (owner and "owner" in guessed) or ((min_amount is not None or max_amount is not None) and "amount" in guessed):
            continue
        for name, columns in STATED_COLUMNS.items():
            if name in guessed:
                row.update({c: None for c in columns})
        plain_rows.append(row)
    return plain_rows if limit is None else plain_rows[:limit]


def goals(
    db,
    association: Optional[str] = None,
    year: Optional[int] = None,
    kind: Optional[str] = None,
    text: Optional[str] = None,
    all_sources: bool = False,
    limit: Optional[int] = None,
) -> list[dict]:
    """Goals, including those stated inside a project (``project`` names it)."""
    where = Where(reader(db))
    filter_document(where, "g.document_id", association, year, all_sources)
    if kind:
        where.equals("g.kind", kind)
    source = text_match(where, "goals_fts", "g", text) if text else "goals g"
    return records(where.db, f"""
        SELECT d.association, d.plan_year, g.kind, g.text, g.indicator, g.target_value, g.target_unit,
               g.target_comparator, g.target_raw, g.project_name AS project, g.section, g.layout,
               d.source_path AS source, d.format AS source_format, {SPAN.format(t="g")}, g.document_id, g.id
        FROM {source} JOIN documents d ON g.document_id = d.id{where.sql()}
        ORDER BY d.association, d.plan_year, g.id{limited(where, limit)}""", where.params)


def findings(
    db,
    association: Optional[str] = None,
    year: Optional[int] = None,
    severity: Optional[str] = None,
    all_sources: bool = False,
    limit: Optional[int] = None,
) -> list[dict]:
    """Audit findings. ``year`` is the plan year; each finding's own budget year is in ``year``."""
    where = Where(reader(db))
    filter_document(where, "f.document_id", association, year, all_sources)
    if severity:
        where.equals("f.severity", severity)
    return records(where.db, f"""
        SELECT d.association, d.plan_year, f.severity, f.kind, f.message, f.year, f.stated, f.computed, f.label,
               t.title AS "table", d.source_path AS source, d.format AS source_format, {SPAN.format(t="f")},
               f.document_id, f.id
        FROM findings f JOIN documents d ON f.document_id = d.id
        LEFT OUTER JOIN budget_tables t ON f.table_id = t.id{where.sql()}
        ORDER BY d.association, d.plan_year, f.id{limited(where, limit)}""", where.params)


def associations(db, association: Optional[str] = None, all_sources: bool = False,
                 limit: Optional[int] = None) -> list[dict]:
    """One dict per association: its plans (a plan stored from several files counts once),
    files, plan years, members, projects and stored figures (of each plan once unless ``all_sources``)."""
    db = reader(db)
    where = Where(db)
    if association:
        where.add(f"association IN ({association_names(where, association)})")
    # the documents counted by association, plan year and whether they are copies, from the listing index
    # (the counts each document keeps; a store completed from an older version has them filled)
    _, groups = db.rows("SELECT association, plan_year, duplicate_of IS NOT NULL AS copy, count(*), "
                        f"sum(project_count), sum(figure_count) FROM documents{where.sql()} "
                        "GROUP BY association, plan_year, duplicate_of IS NOT NULL "
                        "ORDER BY association, plan_year", where.params)
    out: dict[Optional[str], dict] = {}
    for name, plan_year, copy, files, projects_n, figures_n in groups:
        entry = out.setdefault(
            name, {"association": name, "plans": 0, "files": 0, "years": [], "members": set(), "projects": 0,
                   "figures": 0})
        entry["files"] += files
        if copy and not all_sources:
            continue
        if not copy:
            entry["plans"] += files
        if plan_year is not None and plan_year not in entry["years"]:
            entry["years"].append(plan_year)
        entry["projects"] += projects_n or 0
        entry["figures"] += figures_n or 0
    # each association's members once: the database gives the distinct pairs, read from an index
    pairs = Where(db)
    if association:  # the names matched, then their members found by name
        pairs.add(f"association IN ({association_names(pairs, association)})")
    not_a_copy(pairs, all_sources, "document_id")
    _, members = db.rows(f"SELECT DISTINCT association, name FROM members{pairs.sql()}", pairs.params)
    for name, member in members:
        if name in out:
            out[name]["members"].add(member)
    listed = list(out.values())
    for entry in listed:
        entry["members"] = sorted(entry["members"])
    return listed if limit is None else listed[:limit]


def failures(db) -> list[dict]:
    """Files an import could not load, newest last."""
    return records(reader(db), "SELECT path, reason, sha256, failed_at FROM failures ORDER BY failed_at, id")


def documents_named(db, key: str) -> list[dict]:
    """Stored documents whose source path is ``key`` or whose sha256 begins with it (4+ hex digits)."""
    where = Where(reader(db))
    match = f"source_path = {where.param(key)}"
    if re.fullmatch(r"[0-9a-fA-F]{4,64}", key):  # hex digits only: nothing to escape in LIKE
        match = f"({match} OR sha256 LIKE {where.param(key.lower() + '%')})"
    where.add(match)
    return records(where.db, "SELECT id, source_path, source_path_bytes, sha256, association, plan_year, duplicate_of "
                             f"FROM documents{where.sql()} ORDER BY id", where.params)
