"""The store: PlanDocuments in, filtered plain dicts out, nothing half-written."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from extractor.store import load as store_load
from extractor.store import models as m
from extractor.store import query
from extractor.store.load import load_plan, open_store, record_failure
from schemas import (
    BudgetRow,
    BudgetTable,
    Cell,
    Column,
    Finding,
    Goal,
    Member,
    PlanDocument,
    Project,
    Source,
    Span,
    Target,
)


def sp(start: int, end: int | None = None) -> Span:
    return Span(start=start, end=end if end is not None else start + 10)


def cell(year: int, column: str, amount: float, raw: str, kind: str = "budget", at: int = 0) -> Cell:
    return Cell(year=year, column=column, kind=kind, amount_sek=amount, raw=raw, unit="kr", span=sp(at, at + len(raw)))


def lund_2011(sha: str = "a" * 64, association: str = "Lunds samordningsförbund") -> PlanDocument:
    """A small Lund plan: an income/cost table and a project table, two goals, two projects."""
    main = BudgetTable(
        title="Budget 2011",
        unit="tkr",
        span=sp(100, 400),
        columns=[Column(index=0, label="Budget 2011", year=2011, kind="budget"),
                 Column(index=1, label="Budget 2012", year=2012, kind="budget")],
        rows=[
            BudgetRow(label="Försäkringskassan", section="income", span=sp(120),
                      cells=[cell(2011, "Budget 2011", 1_624_000, "1 624", at=130),
                             cell(2012, "Budget 2012", 1_700_000, "1 700", at=140)]),
            BudgetRow(label="Region Skåne", section="income", span=sp(150),
                      cells=[cell(2011, "Budget 2011", 812_000, "812", at=160)]),
            BudgetRow(label="Summa intäkter", section="income", role="total", is_total=True, span=sp(170),
                      cells=[cell(2011, "Budget 2011", 2_436_000, "2 436", at=180)]),
            BudgetRow(label="Samverkansteam", section="cost", span=sp(200), project="Samverkansteam",
                      cells=[cell(2011, "Budget 2011", 600_000, "600", at=210)]),
        ],
    )
    projects_table = BudgetTable(
        title="Insatser",
        unit="kr",
        span=sp(500, 700),
        rows=[BudgetRow(label="Unga till arbete", section="cost", span=sp(510),
                        cells=[cell(2011, "2011", 450_000, "450 000", at=520)])],
    )
    return PlanDocument(
        source=Source(path=f"/plans/lund-{sha[:4]}.txt", sha256=sha, format="text"),
        association=association,
        plan_year=2011,
        budget_years=[2011, 2012],
        org_number="222000-1234",
        adopted=date(2010, 12, 1),
        members=[Member(name="Försäkringskassan", kind="state", span=sp(10)),
                 Member(name="Lunds kommun", kind="municipality", span=sp(20))],
        budget_tables=[main, projects_table],
        findings=[Finding(kind="sum", severity="error", message="Summa intäkter 2011 is 2 436 000, rows add to 2 436 001",
                          year=2011, stated=2_436_000, computed=2_436_001, table=0, label="Summa intäkter", span=sp(170)),
                  Finding(kind="statutory_split", severity="warning", message="split is off", year=2011)],
        goals=[Goal(text="Fler personer i arbete eller studier", kind="overall", span=sp(800)),
               Goal(text="Minst 40 procent går vidare till arbete", kind="quantitative", span=sp(850),
                    target=Target(value=40, unit="%", comparator=">=", raw="minst 40 procent"))],
        projects=[
            Project(name="Samverkansteam", owner="Lunds kommun", amount_sek=600_000, span=sp(900),
                    purpose="Samordnad rehabilitering för långtidssjukskrivna", target_group="sjukskrivna",
                    start=date(2011, 1, 1), end=date(2012, 12, 31),
                    goals=[Goal(text="Tjugo deltagare per år", kind="operational", span=sp(950))]),
            Project(name="Unga till arbete", owner="Arbetsförmedlingen", amount_sek=450_000, span=sp(1000),
                    purpose="Stöd till unga vuxna som står långt från arbetsmarknaden", target_group="unga 16-29",
                    budget_rows=["Unga till arbete"]),
        ],
    )


def orebro_2016(sha: str = "b" * 64) -> PlanDocument:
    table = BudgetTable(
        title="Budget 2016", unit="kr", span=sp(50, 90),
        rows=[BudgetRow(label="Lönekostnader", section="cost", span=sp(60),
                        cells=[cell(2016, "Budget 2016", 300_000, "300 000", at=70)])],
    )
    return PlanDocument(
        source=Source(path="/plans/sydnarke.txt", sha256=sha, format="text"),
        association="Samordningsförbundet Sydnärke",
        plan_year=2016,
        members=[Member(name="Örebro läns landsting", kind="region")],
        budget_tables=[table],
        projects=[Project(name="Steget vidare", owner="Kumla kommun", amount_sek=750_000, span=sp(200),
                          purpose="Arbetsträning i kommunal regi"),
                  Project(name="ÖREBRO-modellen", owner="Region Örebro län", amount_sek=200_000, span=sp(300))],
        goals=[Goal(text="Öka samverkan mellan parterna", kind="overall", span=sp(400))],
    )


@pytest.fixture
def engine(tmp_path):
    engine = open_store(tmp_path / "finsam.db")
    assert load_plan(engine, lund_2011(), text="x" * 2000) == "loaded"
    assert load_plan(engine, orebro_2016()) == "loaded"
    yield engine
    engine.dispose()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in m.Base.metadata.sorted_tables}


# -- loading -------------------------------------------------------------------


def test_load_writes_every_part(engine):
    c = counts(engine)
    assert c["documents"] == 2
    assert c["members"] == 3
    assert c["budget_tables"] == 3
    assert c["budget_rows"] == 6
    assert c["budget_figures"] == 7
    assert c["findings"] == 2
    assert c["projects"] == 4
    assert c["goals"] == 4  # two plan goals + one project goal in Lund, one in Sydnärke
    # both the row that names its project and the project that names its row are linked
    assert c["project_budget_rows"] == 2
    with engine.connect() as conn:
        stored = conn.execute(select(m.Document.text, m.Document.adopted).where(m.Document.plan_year == 2011)).one()
    assert stored.text == "x" * 2000 and stored.adopted == date(2010, 12, 1)


def test_same_sha_is_not_loaded_twice(engine):
    before = counts(engine)
    assert load_plan(engine, lund_2011()) == "present"
    assert counts(engine) == before


def test_replace_swaps_the_document(engine):
    newer = lund_2011()
    newer.projects = newer.projects[:1]
    newer.budget_tables[0].rows[0].cells[0].amount_sek = 1_625_000
    assert load_plan(engine, newer, replace=True) == "replaced"
    c = counts(engine)
    assert c["documents"] == 2
    assert c["projects"] == 3
    assert c["budget_figures"] == 7
    amounts = [f["amount_sek"] for f in query.budget_figures(engine, label="försäkringskassan", year=2011)]
    assert amounts == [1_625_000]
    # the FTS index forgot the dropped project
    assert query.projects(engine, text="unga") == []


def test_failure_mid_load_leaves_nothing(engine, monkeypatch):
    before = counts(engine)

    def broken(doc, f):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store_load, "finding_row", broken)
    with pytest.raises(RuntimeError):
        load_plan(engine, lund_2011(sha="c" * 64))
    assert counts(engine) == before


def test_failed_replace_keeps_the_old_document(engine, monkeypatch):
    before = counts(engine)

    def broken(doc, p):
        raise RuntimeError("boom")

    monkeypatch.setattr(store_load, "project_row", broken)
    with pytest.raises(RuntimeError):
        load_plan(engine, lund_2011(), replace=True)
    assert counts(engine) == before
    assert len(query.projects(engine, association="lund")) == 2


def test_database_error_mid_load_rolls_back(engine):
    before = counts(engine)
    bad = lund_2011(sha="d" * 64)
    # raw is NOT NULL: the database refuses the last figure, after the document, tables and rows were sent
    bad.budget_tables[1].rows[0].cells[0].raw = None
    with pytest.raises(IntegrityError):
        load_plan(engine, bad)
    assert counts(engine) == before


def test_successful_load_clears_an_old_failure(engine):
    record_failure(engine, "/plans/lund-cccc.txt", "not a plan: it names no samordningsförbund's plan and holds no budget")
    record_failure(engine, "/plans/other.txt", "file is empty")
    load_plan(engine, lund_2011(sha="c" * 64))
    assert [f["path"] for f in query.failures(engine)] == ["/plans/other.txt"]


def test_cascade_and_fts_follow_a_plain_delete(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM documents WHERE plan_year = 2016"))
    c = counts(engine)
    assert c["documents"] == 1 and c["projects"] == 2 and c["budget_figures"] == 6
    assert query.projects(engine, text="arbetsträning") == []
    # the index itself forgot the words (a stale entry would match whatever project reuses the id)
    with engine.connect() as conn:
        hits = conn.execute(text("SELECT rowid FROM projects_fts WHERE projects_fts MATCH 'arbetsträning'")).all()
        goal_hits = conn.execute(text("SELECT rowid FROM goals_fts WHERE goals_fts MATCH 'parterna'")).all()
    assert hits == [] and goal_hits == []


def test_sqlite_connection_settings(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0


# -- queries ---------------------------------------------------------------------


def test_budget_filters(engine):
    assert len(query.budget_figures(engine)) == 7
    lund = query.budget_figures(engine, association="LUND")
    assert {f["association"] for f in lund} == {"Lunds samordningsförbund"}
    assert len(lund) == 6
    assert [f["label"] for f in query.budget_figures(engine, year=2012)] == ["Försäkringskassan"]
    income = query.budget_figures(engine, section="income", year=2011)
    assert [f["amount_sek"] for f in income] == [1_624_000, 812_000, 2_436_000]
    assert income[2]["is_total"] and income[2]["role"] == "total"
    assert [f["raw"] for f in query.budget_figures(engine, label="summa")] == ["2 436"]
    assert [f["label"] for f in query.budget_figures(engine, table="insatser")] == ["Unga till arbete"]
    assert [f["label"] for f in query.budget_figures(engine, table=1)] == ["Unga till arbete"]
    assert [f["label"] for f in query.budget_figures(engine, plan_year=2016)] == ["Lönekostnader"]


def test_budget_figure_keeps_its_span(engine):
    (figure,) = query.budget_figures(engine, label="region skåne")
    assert (figure["span_start"], figure["span_end"]) == (160, 163)
    assert figure["table"] == "Budget 2011" and figure["column"] == "Budget 2011"
    assert figure["source"] == "/plans/lund-aaaa.txt"


def test_association_filter_folds_swedish_letters(engine):
    assert len(query.projects(engine, association="SYDNÄRKE")) == 2
    assert [p["name"] for p in query.projects(engine, owner="örebro")] == ["ÖREBRO-modellen"]


def test_project_filters(engine):
    kommun = query.projects(engine, owner="kommun", min_amount=500_000)
    assert {(p["name"], p["plan_year"]) for p in kommun} == {("Samverkansteam", 2011), ("Steget vidare", 2016)}
    assert [p["name"] for p in query.projects(engine, owner="kommun", min_amount=500_000, year=2016)] == ["Steget vidare"]
    assert [p["name"] for p in query.projects(engine, max_amount=450_000, association="lund")] == ["Unga till arbete"]
    (team,) = query.projects(engine, association="lund", owner="lunds kommun")
    assert team["start"] == "2011-01-01" and team["end"] == "2012-12-31"


def test_project_full_text(engine):
    # a word of the purpose, and the beginning of a compound word
    assert [p["name"] for p in query.projects(engine, text="rehabilitering")] == ["Samverkansteam"]
    assert [p["name"] for p in query.projects(engine, text="arbetsmarknad")] == ["Unga till arbete"]
    assert [p["name"] for p in query.projects(engine, text="unga vuxna")] == ["Unga till arbete"]
    assert query.projects(engine, text="trädgård") == []
    # no word at all: a substring match instead of an FTS5 syntax error
    assert {p["name"] for p in query.projects(engine, text="-")} == {"ÖREBRO-modellen", "Unga till arbete"}
    # FTS5 syntax passes through
    assert len(query.projects(engine, text="rehabilitering OR arbetsträning")) == 2


def test_goals(engine):
    assert len(query.goals(engine)) == 4
    assert [g["text"] for g in query.goals(engine, kind="quantitative")] == ["Minst 40 procent går vidare till arbete"]
    (quant,) = query.goals(engine, kind="quantitative")
    assert quant["target_value"] == 40 and quant["target_unit"] == "%"
    assert [g["project"] for g in query.goals(engine, kind="operational")] == ["Samverkansteam"]
    assert [g["text"] for g in query.goals(engine, text="samverkan")] == ["Öka samverkan mellan parterna"]
    assert len(query.goals(engine, association="lund", year=2011)) == 3
    assert query.goals(engine, year=2015) == []


def test_findings(engine):
    assert len(query.findings(engine)) == 2
    (err,) = query.findings(engine, severity="error")
    assert err["table"] == "Budget 2011" and err["computed"] == 2_436_001
    assert query.findings(engine, association="sydnärke") == []


def test_associations(engine):
    load_plan(engine, lund_2011(sha="e" * 64).model_copy(update={"plan_year": 2012}))
    by_name = {a["association"]: a for a in query.associations(engine)}
    lund = by_name["Lunds samordningsförbund"]
    assert lund["plans"] == 2 and lund["years"] == [2011, 2012]
    assert lund["members"] == ["Försäkringskassan", "Lunds kommun"]
    assert lund["projects"] == 4 and lund["figures"] == 12
    assert by_name["Samordningsförbundet Sydnärke"]["members"] == ["Örebro läns landsting"]
    assert [a["association"] for a in query.associations(engine, association="sydn")] == ["Samordningsförbundet Sydnärke"]


def test_failures_are_listed(engine):
    record_failure(engine, "/plans/empty.txt", "file is empty")
    (f,) = query.failures(engine)
    assert f["path"] == "/plans/empty.txt" and f["reason"] == "file is empty" and f["failed_at"]


def test_plain_path_and_url_both_open_sqlite(tmp_path):
    for db in (tmp_path / "a.db", f"sqlite:///{tmp_path / 'b.db'}"):
        engine = open_store(db)
        assert load_plan(engine, orebro_2016()) == "loaded"
        assert query.associations(engine)[0]["projects"] == 2
        engine.dispose()
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_models_compile_for_other_databases(dialect):
    """Any SQLAlchemy URL works: the schema uses nothing SQLite-only (FTS5 is added on SQLite alone)."""
    from importlib import import_module

    from sqlalchemy.schema import CreateIndex, CreateTable

    target = import_module(f"sqlalchemy.dialects.{dialect}").dialect()
    for table in m.Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=target))
        # what is extracted from a document goes with it; a copy of a plan outlives the copy it points at
        assert "ON DELETE CASCADE" in ddl or not {fk for fk in table.foreign_keys if fk.column.table is not table}
        assert "NUMERIC" in ddl or "amount_sek" not in ddl  # amounts are exact decimals there
        for index in table.indexes:
            CreateIndex(index).compile(dialect=target)


def test_text_search_without_fts_falls_back_to_substrings(engine):
    """Where there is no FTS5 index (other databases, SQLite built without it), --text is a substring match."""
    with engine.begin() as conn:
        for name in ("projects_fts_ai", "projects_fts_ad", "projects_fts_au", "goals_fts_ai", "goals_fts_ad", "goals_fts_au"):
            conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text("DROP TABLE projects_fts"))
        conn.execute(text("DROP TABLE goals_fts"))
    assert [p["name"] for p in query.projects(engine, text="REHABILITERING")] == ["Samverkansteam"]
    assert [p["name"] for p in query.projects(engine, text="kumla")] == ["Steget vidare"]
    assert [g["text"] for g in query.goals(engine, text="samverkan")] == ["Öka samverkan mellan parterna"]


def test_each_goal_stored_once_also_when_it_belongs_to_a_project(tmp_path):
    """Sydnärke 2016 states goals inside its projects: the store keeps each goal once, with its project."""
    import pipeline
    from extractor.store.load import load_plan, open_store
    from extractor.store import query
    from tests.conftest import CORPUS

    plan = pipeline.run(CORPUS / "001_012a687b5704bc5b.txt")
    assert any(g.project for g in plan.goals)
    engine = open_store(tmp_path / "g.db")
    load_plan(engine, plan)
    stored = query.goals(engine)
    assert len(stored) == len(plan.goals)
    keys = [(g["text"], g.get("span_start")) for g in stored]
    assert len(set(keys)) == len(keys)
    by_project = sum(1 for g in stored if g.get("project"))
    assert by_project == sum(1 for g in plan.goals if g.project)


def layout_fingerprint() -> str:
    """The store's layout on SQLite: every table, index, trigger and full-text index the models make."""
    import hashlib

    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    ddl = [str(CreateTable(t).compile(dialect=dialect)) for t in m.Base.metadata.sorted_tables]
    ddl += sorted(str(CreateIndex(i).compile(dialect=dialect)) for t in m.Base.metadata.sorted_tables for i in t.indexes)
    ddl += m.label_list_statements("sqlite")
    ddl += [s for fts, (table, columns) in sorted(m.FTS_TABLES.items()) for s in m.fts_statements(fts, table, columns)]
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:12]


def test_schema_version_follows_the_models():
    """A reader takes a SQLite store whose user_version is SCHEMA_VERSION as complete; a change of the
    models must raise the version, or stores made before it would be read without being completed."""
    from extractor.store import SCHEMA_FINGERPRINT

    assert layout_fingerprint() == SCHEMA_FINGERPRINT, (
        f"the store's layout changed: raise SCHEMA_VERSION and set SCHEMA_FINGERPRINT = {layout_fingerprint()!r}")


def test_an_older_store_is_completed_before_it_is_read(tmp_path):
    """A store without the version mark (made by an older version) is completed, then read."""
    import sqlite3

    import pipeline
    from tests.conftest import CORPUS

    db = tmp_path / "old.db"
    engine = open_store(str(db))
    load_plan(engine, pipeline.run(CORPUS / "001_012a687b5704bc5b.txt"))
    expected = query.associations(engine)
    engine.dispose()
    with sqlite3.connect(db) as conn:  # as an older version left it: no counts, no label index, no mark
        for index in ("ix_budget_figures_label_listing", "ix_documents_listing", "ix_members_association_name"):
            conn.execute(f"DROP INDEX {index}")
        conn.execute("ALTER TABLE documents DROP COLUMN figure_count")
        conn.execute("ALTER TABLE members DROP COLUMN association")
        conn.execute("PRAGMA user_version = 0")
    reader = query.open_reader(str(db))
    assert query.associations(reader) == expected and expected[0]["figures"] > 0
    found = query.budget_figures(reader, label="summa")
    assert found and all("summa" in f["label"].casefold() for f in found)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'ix_budget_figures_label_listing'").fetchone()
