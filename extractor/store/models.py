"""SQLAlchemy 2.0 models: one table per thing a PlanDocument holds.

Every extracted value keeps its span (``span_start``, ``span_end``, ``page``) so a
row in the database can be traced back to the document's canonical text, which
is stored in ``documents.text``.

Deleting a document deletes everything extracted from it (``ON DELETE CASCADE``).
On SQLite, two FTS5 tables (``projects_fts``, ``goals_fts``) index the free text
of projects and goals; triggers keep them in step with their tables, so a
cascaded delete removes the index entries as well. The FTS tables name their
content table the way Datasette looks for (``content=[projects]``), so ``datasette
finsam.db`` offers a search box on projects and goals.

Tables and columns carry a ``title``/``name`` where a person would look for one:
Datasette shows it instead of the bare id wherever a foreign key points at the row.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator, UserDefinedType
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from extractor.store import FTS_TABLES, pg_words


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


INT64 = 2**63


class _UntypedColumn(UserDefinedType):
    """A SQLite column without type affinity (declared BLOB), so it keeps exactly the integer,
    real or text it is given: a NUMERIC column would turn a 27-digit integer into a float."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "BLOB"


def exact(value: Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


class Kronor(TypeDecorator):
    """An amount, exact from the cell to the database and back: NUMERIC where the database has
    exact decimals (PostgreSQL); on SQLite an integer while it fits 64 bits, a real where the
    real reads back as the same decimal (up to 15 digits, e.g. 1842.5), the decimal as text
    otherwise. Read back as :class:`~decimal.Decimal`."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_UntypedColumn())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value, dialect: Dialect):
        if value is None:
            return None
        value = exact(value)
        if dialect.name != "sqlite" or not value.is_finite():
            return value if dialect.name != "sqlite" else str(value)
        if value == value.to_integral_value() and -INT64 <= value < INT64:
            return int(value)
        if Decimal(repr(float(value))) == value:
            return float(value)
        return str(value)

    def process_result_value(self, value, dialect: Dialect):
        if value is None:
            return None
        if isinstance(value, bytes):
            value = value.decode("ascii")
        return exact(value)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def document_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)


class SpanMixin:
    """Where the value sits in the canonical text (and on which PDF page)."""

    span_start: Mapped[Optional[int]]
    span_end: Mapped[Optional[int]]
    page: Mapped[Optional[int]]


class Document(Base):
    __tablename__ = "documents"
    # the listing of plans by association and year (and what each holds) reads this index alone, not the
    # rows, whose texts fill many pages
    __table_args__ = (Index("ix_documents_listing", "association", "plan_year", "duplicate_of", "project_count",
                            "figure_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_path: Mapped[str] = mapped_column(Text, doc="the file's name as shown (bytes not UTF-8 as \\xNN)")
    source_path_bytes: Mapped[Optional[bytes]] = mapped_column(
        LargeBinary, doc="the name's bytes, where source_path had to escape some (not UTF-8, control characters)")
    duplicate_of: Mapped[Optional[int]] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True,
        doc="the document this one is another copy of (the same plan in another file or format)")
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(8))
    pages: Mapped[Optional[int]]
    encoding: Mapped[Optional[str]] = mapped_column(String(32))
    association: Mapped[Optional[str]] = mapped_column(Text, index=True)
    plan_year: Mapped[Optional[int]] = mapped_column(index=True)
    budget_years: Mapped[list[Any]] = mapped_column(default=list)
    org_number: Mapped[Optional[str]] = mapped_column(String(16))
    adopted: Mapped[Optional[date]] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[Optional[str]] = mapped_column(Text, doc="canonical text every span points into")
    title: Mapped[Optional[str]] = mapped_column(Text, doc="association and plan year, for people (Datasette labels)")
    project_count: Mapped[Optional[int]] = mapped_column(doc="its projects, counted as stored")
    figure_count: Mapped[Optional[int]] = mapped_column(doc="its budget figures, counted as stored")

    members: Mapped[list[Member]] = relationship(back_populates="document", passive_deletes=True)
    budget_tables: Mapped[list[BudgetTable]] = relationship(back_populates="document", passive_deletes=True)
    findings: Mapped[list[Finding]] = relationship(back_populates="document", passive_deletes=True)
    goals: Mapped[list[Goal]] = relationship(back_populates="document", passive_deletes=True)
    projects: Mapped[list[Project]] = relationship(back_populates="document", passive_deletes=True)


class Member(SpanMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_document_name", "document_id", "name"),  # the members of each plan
        # each association's members, read from the index alone (the document: to leave copies out)
        Index("ix_members_association_name", "association", "name", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    association: Mapped[Optional[str]] = mapped_column(Text, doc="the document's, repeated for the listing")

    document: Mapped[Document] = relationship(back_populates="members")


class BudgetTable(SpanMixin, Base):
    __tablename__ = "budget_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    position: Mapped[int] = mapped_column(doc="index of the table in the document (Finding.table refers to it)")
    title: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))
    layout: Mapped[str] = mapped_column(String(16))
    columns: Mapped[list[Any]] = mapped_column(default=list)

    document: Mapped[Document] = relationship(back_populates="budget_tables")
    rows: Mapped[list[BudgetRow]] = relationship(back_populates="table", passive_deletes=True)


class BudgetRow(SpanMixin, Base):
    __tablename__ = "budget_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    table_id: Mapped[int] = mapped_column(ForeignKey("budget_tables.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(Text, index=True)
    code: Mapped[Optional[str]] = mapped_column(String(32))
    section: Mapped[str] = mapped_column(String(32))
    role: Mapped[Optional[str]] = mapped_column(String(16))
    is_total: Mapped[bool] = mapped_column(Boolean, default=False)
    project_name: Mapped[Optional[str]] = mapped_column(Text)

    document: Mapped[Document] = relationship()
    table: Mapped[BudgetTable] = relationship(back_populates="rows")
    figures: Mapped[list[BudgetFigure]] = relationship(back_populates="row", passive_deletes=True)


class BudgetFigure(SpanMixin, Base):
    """One cell of a budget table. Association, plan year, label and section are
    copied from the document and row so the common filters need no join."""

    __tablename__ = "budget_figures"
    __table_args__ = (
        Index("ix_budget_figures_association_year", "association", "year"),
        Index("ix_budget_figures_plan_year", "plan_year"),
        # a plan's figures of one year (the association filter picks the plans)
        Index("ix_budget_figures_document_year", "document_id", "year"),
        # the figures of some labels or of a section, in the order they are listed (by document, then as
        # stored): a first page of them is read from the index alone
        Index("ix_budget_figures_label_listing", "label", "document_id", "id"),
        Index("ix_budget_figures_section_listing", "section", "document_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    table_id: Mapped[int] = mapped_column(ForeignKey("budget_tables.id", ondelete="CASCADE"), index=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("budget_rows.id", ondelete="CASCADE"), index=True)
    association: Mapped[Optional[str]] = mapped_column(Text)
    plan_year: Mapped[Optional[int]]
    label: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(String(32))
    year: Mapped[Optional[int]]
    column_label: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    amount_sek: Mapped[Optional[Decimal]] = mapped_column(Kronor)
    raw: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[Any]] = mapped_column(default=list)
    box: Mapped[Optional[list[Any]]] = mapped_column(doc="x0, top, x1, bottom on `page` (PDF only)")

    document: Mapped[Document] = relationship()
    row: Mapped[BudgetRow] = relationship(back_populates="figures")
    table: Mapped[BudgetTable] = relationship()


class Finding(SpanMixin, Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    table_id: Mapped[Optional[int]] = mapped_column(ForeignKey("budget_tables.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8), index=True)
    message: Mapped[str] = mapped_column(Text)
    year: Mapped[Optional[int]]
    stated: Mapped[Optional[Decimal]] = mapped_column(Kronor)
    computed: Mapped[Optional[Decimal]] = mapped_column(Kronor)
    label: Mapped[Optional[str]] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="findings")
    table: Mapped[Optional[BudgetTable]] = relationship()


class Project(SpanMixin, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    name: Mapped[str] = mapped_column(Text, index=True)
    owner: Mapped[Optional[str]] = mapped_column(Text)
    stakeholders: Mapped[list[Any]] = mapped_column(default=list)
    place: Mapped[Optional[str]] = mapped_column(Text)
    start_date: Mapped[Optional[date]] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)
    amount_sek: Mapped[Optional[Decimal]] = mapped_column(Kronor, index=True)
    amount_raw: Mapped[Optional[str]] = mapped_column(Text)
    target_group: Mapped[Optional[str]] = mapped_column(Text)
    purpose: Mapped[Optional[str]] = mapped_column(Text)
    contact: Mapped[Optional[str]] = mapped_column(Text)
    amount_kind: Mapped[Optional[str]] = mapped_column(String(16), doc="year: the plan year's amount; total: the period's")
    layout: Mapped[Optional[str]] = mapped_column(String(16), doc="the layout it was read from")
    guessed: Mapped[Optional[list[Any]]] = mapped_column(default=list, doc="fields inferred, not read from a label or cell")

    document: Mapped[Document] = relationship(back_populates="projects")
    goals: Mapped[list[Goal]] = relationship(back_populates="project", passive_deletes=True)
    budget_rows: Mapped[list[BudgetRow]] = relationship(secondary="project_budget_rows", passive_deletes=True)


class ProjectBudgetRow(Base):
    """Which budget rows fund which project."""

    __tablename__ = "project_budget_rows"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("budget_rows.id", ondelete="CASCADE"), primary_key=True, index=True)


class Goal(SpanMixin, Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = document_fk()
    project_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, doc="set for goals stated inside a project"
    )
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    indicator: Mapped[Optional[str]] = mapped_column(Text)
    target_value: Mapped[Optional[float]] = mapped_column(Float)
    target_unit: Mapped[Optional[str]] = mapped_column(String(32))
    target_comparator: Mapped[Optional[str]] = mapped_column(String(16))
    target_raw: Mapped[Optional[str]] = mapped_column(Text)
    project_name: Mapped[Optional[str]] = mapped_column(Text)
    section: Mapped[Optional[str]] = mapped_column(Text)
    layout: Mapped[Optional[str]] = mapped_column(String(16), doc="the layout it was read from")

    document: Mapped[Document] = relationship(back_populates="goals")
    project: Mapped[Optional[Project]] = relationship(back_populates="goals")


class Failure(Base):
    """A file an import could not load, and why. Its sha256 lets a later import skip the same
    bytes without extracting them again (unless asked to retry)."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, index=True)
    path_bytes: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    sha256: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- full-text search (SQLite FTS5) ---------------------------------------------

# name -> (table, indexed columns). External-content FTS5 tables: the text lives
# once, in the real table; triggers add and remove index entries.
FTS_TOKENIZER = "unicode61 remove_diacritics 2"


def fts_statements(fts: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content=[{table}], "
        f"content_rowid='id', tokenize='{FTS_TOKENIZER}')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def create_fts(conn: Connection) -> bool:
    """Create the FTS5 tables and their triggers (SQLite), or the full-text indexes (PostgreSQL).
    Returns False where the database has neither."""
    if conn.dialect.name == "postgresql":
        for fts, (table, columns) in FTS_TABLES.items():
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {fts} ON {table} USING gin ({pg_words(columns)})"))
        return True
    if conn.dialect.name != "sqlite":
        return False
    options = {row[0] for row in conn.execute(text("PRAGMA compile_options"))}
    if "ENABLE_FTS5" not in options:
        return False
    for fts, (table, columns) in FTS_TABLES.items():
        outdated = fts_sql(conn, fts) not in (None, fts_statements(fts, table, columns)[0].replace(" IF NOT EXISTS", ""))
        if outdated:  # an index created by an older version: made again from its table
            for suffix in ("_ai", "_ad", "_au"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {fts}{suffix}"))
            conn.execute(text(f"DROP TABLE {fts}"))
        for statement in fts_statements(fts, table, columns):
            conn.execute(text(statement))
        if outdated:
            conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
    return True


def fts_sql(conn: Connection, name: str) -> Optional[str]:
    found = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": name})
    return found.scalar()


# -- indexes a store made by an older version lacks, and the list of budget labels ----------

# Each distinct label of a budget figure once (table budget_labels). A label filter is a substring in
# any case, which no index serves; the distinct labels are a short list to match, and the figures of
# the labels that match are then found through the label index. Kept by a trigger as figures are
# stored; a label whose figures were all deleted stays listed and simply finds nothing. Outside the
# models' metadata (like the FTS tables): it is an index, not data, and exports and counts leave it out.


def label_list_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            "CREATE TABLE IF NOT EXISTS budget_labels (label TEXT PRIMARY KEY) WITHOUT ROWID",
            "CREATE TRIGGER IF NOT EXISTS budget_labels_ai AFTER INSERT ON budget_figures BEGIN "
            "INSERT OR IGNORE INTO budget_labels(label) VALUES (new.label); END",
            "CREATE TRIGGER IF NOT EXISTS budget_labels_au AFTER UPDATE OF label ON budget_figures BEGIN "
            "INSERT OR IGNORE INTO budget_labels(label) VALUES (new.label); END",
        ]
    if dialect == "postgresql":
        return [
            "CREATE TABLE IF NOT EXISTS budget_labels (label TEXT PRIMARY KEY)",
            "CREATE OR REPLACE FUNCTION budget_labels_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO budget_labels(label) VALUES (NEW.label) ON CONFLICT DO NOTHING; RETURN NULL; END $$",
            "CREATE TRIGGER budget_labels_ai AFTER INSERT OR UPDATE OF label ON budget_figures "
            "FOR EACH ROW EXECUTE FUNCTION budget_labels_add()",
        ]
    return []


def create_label_list(conn: Connection) -> bool:
    """The list of budget labels and its trigger; filled from the figures already stored. Returns
    False on databases without one (the label filter then reads the figures' labels)."""
    statements = label_list_statements(conn.dialect.name)
    if not statements or has_label_list(conn):
        return bool(statements)
    for statement in statements:
        conn.execute(text(statement))
    # idempotent: two imports opening an older store at once may both fill it
    fill = "SELECT DISTINCT label FROM budget_figures WHERE label IS NOT NULL"
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"INSERT OR IGNORE INTO budget_labels(label) {fill}"))
    else:
        conn.execute(text(f"INSERT INTO budget_labels(label) {fill} ON CONFLICT DO NOTHING"))
    return True


def has_label_list(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'budget_labels_ai'"))
    elif conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT 1 FROM pg_trigger WHERE tgname = 'budget_labels_ai'"))
    else:
        return False
    return found.first() is not None


@event.listens_for(Base.metadata, "after_create")
def _complete(metadata: MetaData, conn: Connection, **kw) -> None:
    """After ``create_all``: indexes added to the models since a store was made (``create_all``
    makes a missing table with its indexes, but no index of a table that exists), and the label list."""
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    create_label_list(conn)
