"""finsam export (CSV for spreadsheets, JSON), and the SQLite file browsed with Datasette."""
from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline
from extractor.app import cli as commands
from extractor.app import batch
from extractor.store import query
from extractor.store.load import load_plan, open_store
from tests.test_store import lund_2011, orebro_2016

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TABLES = ["documents", "members", "budget_figures", "projects", "goals", "findings"]


def invoke(*args: str):
    return CliRunner().invoke(pipeline.cli, list(args), catch_exceptions=False)


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "plans.db")
    engine = open_store(path)
    load_plan(engine, lund_2011(), text="Lunds samordningsförbund ...")
    load_plan(engine, orebro_2016())
    engine.dispose()
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# -- CSV ----------------------------------------------------------------------------------


def test_csv_one_file_per_table_with_bom_and_header(db, tmp_path):
    out = tmp_path / "sheets"
    result = invoke("export", "--db", db, "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert result.stdout.splitlines()[2] == f"{out / 'budget_figures.csv'}  (7 rows)"
    raw = (out / "budget_figures.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,document_id,association,plan_year,table_id,table_title,row_id,label")
    figures = read_csv(out / "budget_figures.csv")
    fk = next(f for f in figures if f["label"] == "Försäkringskassan" and f["year"] == "2011")
    assert (fk["amount_sek"], fk["raw"], fk["association"], fk["table_title"]) == (
        "1624000", "1 624", "Lunds samordningsförbund", "Budget 2011")
    assert (fk["span_start"], fk["span_end"]) == ("130", "135")


def test_csv_rows_name_their_document_and_lists_are_joined(db, tmp_path):
    invoke("export", "--db", db, "--format", "csv", "--out", str(tmp_path))
    projects = read_csv(tmp_path / "projects.csv")
    assert [(p["name"], p["association"], p["plan_year"], p["amount_sek"]) for p in projects] == [
        ("Samverkansteam", "Lunds samordningsförbund", "2011", "600000"),
        ("Unga till arbete", "Lunds samordningsförbund", "2011", "450000"),
        ("Steget vidare", "Samordningsförbundet Sydnärke", "2016", "750000"),
        ("ÖREBRO-modellen", "Samordningsförbundet Sydnärke", "2016", "200000"),
    ]
    assert projects[0]["start_date"] == "2011-01-01"
    documents = read_csv(tmp_path / "documents.csv")
    assert [d["budget_years"] for d in documents] == ["2011; 2012", ""]
    assert "text" not in documents[0]  # the canonical text is too long for a spreadsheet cell
    assert [d["title"] for d in documents] == ["Lunds samordningsförbund 2011", "Samordningsförbundet Sydnärke 2016"]
    members = read_csv(tmp_path / "members.csv")
    assert [(m["name"], m["plan_year"]) for m in members][-1] == ("Örebro läns landsting", "2016")
    findings = read_csv(tmp_path / "findings.csv")
    assert [(f["label"], f["table_title"], f["stated"]) for f in findings] == [
        ("Summa intäkter", "Budget 2011", "2436000"), ("", "", "")]


def test_empty_store_still_writes_headers(tmp_path):
    db = str(tmp_path / "empty.db")
    open_store(db).dispose()
    invoke("export", "--db", db, "--format", "csv", "--out", str(tmp_path / "out"))
    lines = (tmp_path / "out" / "goals.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 and lines[0].startswith("id,document_id,association,plan_year,project_id,text,kind")


# -- JSON ---------------------------------------------------------------------------------


def test_json_files_are_lists_of_objects(db, tmp_path):
    result = invoke("export", "--db", db, "--format", "json", "--out", str(tmp_path / "j"))
    assert result.exit_code == 0
    goals = json.loads((tmp_path / "j" / "goals.json").read_text(encoding="utf-8"))
    assert [(g["text"], g["project_name"]) for g in goals if g["project_id"]] == [("Tjugo deltagare per år", "Samverkansteam")]
    documents = json.loads((tmp_path / "j" / "documents.json").read_text(encoding="utf-8"))
    assert documents[0]["text"] == "Lunds samordningsförbund ..." and documents[0]["budget_years"] == [2011, 2012]
    assert documents[0]["adopted"] == "2010-12-01"


def test_json_to_stdout_is_one_object(db):
    result = invoke("export", "--db", db, "--format", "json", "--out", "-")
    assert result.exit_code == 0
    everything = json.loads(result.stdout)
    assert list(everything) == TABLES
    amounts = sorted(f["amount_sek"] for f in everything["budget_figures"])
    assert amounts[:2] == [300000, 450000] and all(isinstance(a, int) for a in amounts)
    assert [f["flags"] for f in everything["budget_figures"]][0] == []


def test_export_errors(db, tmp_path):
    csv_to_stdout = invoke("export", "--db", db, "--format", "csv", "--out", "-")
    assert csv_to_stdout.exit_code == 2 and "--out - prints JSON only" in csv_to_stdout.output
    missing = invoke("export", "--db", str(tmp_path / "none.db"), "--format", "json", "--out", "-")
    assert missing.exit_code == 1 and missing.stderr.startswith(f"error: {tmp_path / 'none.db'}: no such database")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    unwritable = invoke("export", "--db", db, "--format", "csv", "--out", str(blocker / "sub"))
    assert unwritable.exit_code == 1 and unwritable.stderr.startswith(f"error: {blocker / 'sub'}: cannot write")


# -- Datasette ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> Path:
    """The five corpus texts, imported as `finsam import corpus/*.txt` would."""
    path = tmp_path_factory.mktemp("datasette") / "finsam.db"
    engine = open_store(path)
    results = list(batch.import_files(engine, sorted(CORPUS.glob("*.txt")), commands.extract_for_store))
    engine.dispose()
    assert [r.status for r in results] == ["loaded"] * 5, results
    return path


def browse(db: Path, *urls: str) -> list:
    """GET each url from Datasette serving ``db``; the JSON of each answer."""
    from datasette.app import Datasette

    async def fetch():
        ds = Datasette([str(db)])
        out = []
        for url in urls:
            response = await ds.client.get(url)
            assert response.status_code == 200, (url, response.text[:300])
            out.append(response.json())
        return out

    return asyncio.run(fetch())


def test_datasette_lists_the_tables_with_their_search_index(corpus_db):
    (database,) = browse(corpus_db, "/finsam.json")
    tables = {t["name"]: t for t in database["tables"]}
    for name in [*TABLES, "budget_tables", "budget_rows", "project_budget_rows", "failures"]:
        assert name in tables
    assert tables["projects"]["fts_table"] == "projects_fts"
    assert tables["goals"]["fts_table"] == "goals_fts"
    assert tables["documents"]["count"] == 5


def test_datasette_fetches_a_figure_with_its_document_label(corpus_db):
    """Lund 2011, line 129: 'Försäkringskassan<TAB>1 624<TAB>1 624<TAB>1 624' (t kr, 2011-2013)."""
    (figures,) = browse(
        corpus_db, "/finsam/budget_figures.json?label=Försäkringskassan&plan_year=2011&_labels=on&_shape=array")
    assert [(f["year"], f["amount_sek"], f["raw"]) for f in figures] == [
        (2011, 1624000, "1 624"), (2012, 1624000, "1 624"), (2013, 1624000, "1 624")]
    # the foreign key shows the document's title, not its bare id
    assert figures[0]["document_id"]["label"] == "Samordningsförbundet Lund 2011"
    assert figures[0]["table_id"]["label"]  # the budget table's title


def test_datasette_searches_projects_and_goals(corpus_db):
    """Södra Dalarna 2019 grants money to 'Samverkansteam Avesta', '... Kraften Hedemora' and '... Säter'."""
    projects, goals = browse(
        corpus_db,
        "/finsam/projects.json?_search=samverkansteam&_shape=array",
        "/finsam/goals.json?_search=samverkan&_shape=array",
    )
    assert sorted(p["name"] for p in projects) == [
        "Samverkansteam Avesta", "Samverkansteam Kraften Hedemora", "Samverkansteam Säter"]
    assert goals and all("samverkan" in g["text"].casefold() for g in goals)


def test_datasette_reports_foreign_keys(corpus_db):
    (figures,) = browse(corpus_db, "/finsam/budget_figures.json?_size=1")
    expandable = {fk["column"]: fk["other_table"] for fk, _label in figures["expandable_columns"]}
    assert expandable == {"document_id": "documents", "table_id": "budget_tables", "row_id": "budget_rows"}

    from datasette.app import Datasette

    async def goal_keys():
        return await Datasette([str(corpus_db)]).get_database().foreign_keys_for_table("goals")

    keys = {(k["column"], k["other_table"]) for k in asyncio.run(goal_keys())}
    assert keys == {("document_id", "documents"), ("project_id", "projects")}


def test_an_older_database_gets_titles_and_a_search_index_datasette_finds(tmp_path):
    """A store made before documents had a title and before the FTS tables named their
    content table Datasette's way is brought up to date when opened."""
    path = tmp_path / "old.db"
    engine = open_store(path)
    load_plan(engine, orebro_2016())
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.executescript("""
        DROP TRIGGER projects_fts_ai; DROP TRIGGER projects_fts_ad; DROP TRIGGER projects_fts_au;
        DROP TABLE projects_fts;
        CREATE VIRTUAL TABLE projects_fts USING fts5(name, owner, purpose, target_group, content='projects',
            content_rowid='id', tokenize='unicode61 remove_diacritics 2');
        INSERT INTO projects_fts(projects_fts) VALUES ('rebuild');
        ALTER TABLE documents DROP COLUMN title;
    """)
    conn.close()
    engine = open_store(path)
    assert [p["name"] for p in query.projects(engine, text="arbetsträning")] == ["Steget vidare"]
    engine.dispose()
    (database, hits) = browse(path, "/old.json", "/old/projects.json?_search=arbetsträning&_shape=array")
    assert {t["name"]: t["fts_table"] for t in database["tables"]}["projects"] == "projects_fts"
    assert [p["name"] for p in hits] == ["Steget vidare"]
    (docs,) = browse(path, "/old/documents.json?_shape=array")
    assert [d["title"] for d in docs] == ["Samordningsförbundet Sydnärke 2016"]
