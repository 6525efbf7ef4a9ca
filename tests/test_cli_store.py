"""The store's CLI through CliRunner: import, then budget/projects/goals/associations/findings."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline
from extractor.store.load import load_plan, open_store
from tests.test_store import lund_2011, orebro_2016

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
LUND_2011 = CORPUS / "000_aeb16daac0bbbe6e.txt"


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "plans.db")
    engine = open_store(path)
    load_plan(engine, lund_2011())
    load_plan(engine, orebro_2016())
    engine.dispose()
    return path


def invoke(*args: str):
    return CliRunner().invoke(pipeline.cli, list(args), catch_exceptions=False)


def as_json(*args: str) -> list[dict]:
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def as_csv(*args: str) -> list[dict]:
    result = invoke(*args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


# -- queries ---------------------------------------------------------------------


def test_budget_json(db):
    figures = as_json("budget", "--db", db, "--association", "lund", "--label", "försäkringskassan")
    assert [(f["year"], f["amount_sek"], f["raw"]) for f in figures] == [(2011, 1624000, "1 624"), (2012, 1700000, "1 700")]
    assert figures[0]["span_start"] == 130 and figures[0]["table"] == "Budget 2011"


def test_budget_csv(db):
    rows = as_csv("budget", "--db", db, "--section", "income", "--year", "2011")
    assert [r["label"] for r in rows] == ["Försäkringskassan", "Region Skåne", "Summa intäkter"]
    assert rows[0]["amount_sek"] == "1624000" and rows[0]["association"] == "Lunds samordningsförbund"


def test_budget_table_is_for_people(db):
    result = invoke("budget", "--db", db, "--label", "försäkringskassan", "--year", "2011")
    assert result.exit_code == 0
    header, rule, line = result.stdout.splitlines()
    assert header.split()[:3] == ["association", "plan_year", "table"]
    assert "1 624 000" in line and "130-135" in line
    assert set(rule) == {"-", " "}
    # amounts are right-aligned under their header
    assert line.index("1 624 000") + len("1 624 000") == header.index("amount_sek") + len("amount_sek")


def test_projects_example_from_the_help(db):
    rows = as_json("projects", "--db", db, "--owner", "kommun", "--min-amount", "500000", "--year", "2016")
    assert [(p["name"], p["owner"], p["amount_sek"]) for p in rows] == [("Steget vidare", "Kumla kommun", 750000)]
    # Swedish-style amount, and without the year both kommun projects over 500 000
    rows = as_json("projects", "--db", db, "--owner", "kommun", "--min-amount", "500 000")
    assert sorted(p["name"] for p in rows) == ["Samverkansteam", "Steget vidare"]


def test_projects_text_and_csv(db):
    rows = as_csv("projects", "--db", db, "--text", "rehabilitering")
    assert [r["name"] for r in rows] == ["Samverkansteam"]
    assert rows[0]["start"] == "2011-01-01"


def test_projects_bad_amount_is_a_usage_error(db):
    result = invoke("projects", "--db", db, "--min-amount", "mycket")
    assert result.exit_code == 2 and "not an amount" in result.output


def test_projects_bad_search_syntax_is_searched_as_words(db):
    result = invoke("projects", "--db", db, "--text", '"unbalanced')
    assert result.exit_code == 0 and "error" not in result.stderr


def test_goals_associations_findings(db):
    goals = as_json("goals", "--db", db, "--kind", "quantitative")
    assert [g["target_raw"] for g in goals] == ["minst 40 procent"]
    assert [g["text"] for g in as_json("goals", "--db", db, "--text", "samverkan")] == ["Öka samverkan mellan parterna"]
    assocs = as_json("associations", "--db", db)
    assert {a["association"]: a["projects"] for a in assocs} == {
        "Lunds samordningsförbund": 2, "Samordningsförbundet Sydnärke": 2}
    errors = as_json("findings", "--db", db, "--severity", "error")
    assert [f["label"] for f in errors] == ["Summa intäkter"]
    assert as_csv("findings", "--db", db, "--association", "sydnärke") == []


def test_query_without_database_is_one_error_line(tmp_path):
    missing = str(tmp_path / "none.db")
    result = invoke("budget", "--db", missing)
    assert result.exit_code == 1
    assert result.stderr == f"error: {missing}: no such database (create it with `finsam import PATH --db {missing}`)\n"
    assert not Path(missing).exists()


# -- import ------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    plans = tmp_path / "plans"
    (plans / "2011").mkdir(parents=True)
    (plans / "2011" / "good.txt").write_text("Verksamhetsplan 2011\n", encoding="utf-8")
    (plans / "empty.txt").write_bytes(b"")
    (plans / "image.txt").write_bytes(bytes(range(256)) * 4)
    (plans / "notes.docx").write_bytes(b"not a candidate")
    return plans


@pytest.fixture
def fake_parser(monkeypatch):
    """'good.txt' becomes the Lund plan without reading it; other files go through the real run().
    The replaced run() exists in this process only: extract here (FINSAM_WORKERS=1)."""
    monkeypatch.setenv("FINSAM_WORKERS", "1")
    real_run = pipeline.run

    def run(path):
        if Path(path).name == "good.txt":
            plan = lund_2011()
            plan.source.path = str(path)
            return plan
        return real_run(path)

    monkeypatch.setattr(pipeline, "run", run)


def test_import_folder_loads_the_good_file_and_reports_the_bad(tmp_path, folder, fake_parser):
    db = str(tmp_path / "new.db")
    result = invoke("import", str(folder), "--db", db)
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert out[0].startswith(f"loaded: {folder / '2011' / 'good.txt'} (Lunds samordningsförbund 2011: 2 tables, 6 figures")
    assert out[-1] == "1 loaded, 0 already present, 2 failed"
    assert result.stderr.splitlines() == [
        f"error: {folder / 'empty.txt'}: file is empty",
        f"error: {folder / 'image.txt'}: binary file, not text or PDF",
    ]
    assert [p["name"] for p in as_json("projects", "--db", db)] == ["Samverkansteam", "Unga till arbete"]
    failures = as_json("import", "--failed", "--db", db)
    assert [(Path(f["path"]).name, f["reason"]) for f in failures] == [
        ("empty.txt", "file is empty"), ("image.txt", "binary file, not text or PDF")]


def test_reimport_is_already_present_and_replace_replaces(tmp_path, folder, fake_parser):
    db = str(tmp_path / "new.db")
    good = str(folder / "2011" / "good.txt")
    assert invoke("import", good, "--db", db).exit_code == 0
    again = invoke("import", good, "--db", db)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [f"already present: {good}", "0 loaded, 1 already present, 0 failed"]
    replaced = invoke("import", good, "--db", db, "--replace")
    assert replaced.exit_code == 0
    assert replaced.stdout.splitlines()[0].startswith(f"replaced: {good}")
    assert replaced.stdout.splitlines()[-1] == "0 loaded, 1 replaced, 0 already present, 0 failed"
    assert len(as_json("budget", "--db", db)) == 6


def test_import_missing_file_goes_on(tmp_path, folder, fake_parser):
    db = str(tmp_path / "new.db")
    missing = str(tmp_path / "nowhere.txt")
    result = invoke("import", missing, str(folder / "2011"), "--db", db)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {missing}: cannot be read")
    assert result.stdout.splitlines()[-1] == "1 loaded, 0 already present, 1 failed"


def test_import_crash_in_a_stage_is_recorded_not_raised(tmp_path, folder, monkeypatch):
    def broken(path):
        raise KeyError("columns")

    monkeypatch.setattr(pipeline, "run", broken)
    monkeypatch.setenv("FINSAM_WORKERS", "1")
    db = str(tmp_path / "new.db")
    result = invoke("import", str(folder / "2011"), "--db", db)
    assert result.exit_code == 1
    assert result.stderr == f"error: {folder / '2011' / 'good.txt'}: unexpected KeyError: 'columns'\n"
    assert [f["reason"] for f in as_json("import", "--failed", "--db", db)] == ["unexpected KeyError: 'columns'"]


def test_import_needs_a_path():
    result = invoke("import")
    assert result.exit_code == 2 and "--failed" in result.output


# -- with the real parser ----------------------------------------------------------


def test_import_real_plan_keeps_text_and_spans(tmp_path):
    """Lund 2011, line 129: 'Försäkringskassan<TAB>1 624<TAB>1 624<TAB>1 624' (t kr, 2011-2013)."""
    db = str(tmp_path / "corpus.db")
    result = invoke("import", str(LUND_2011), "--db", db)
    assert result.exit_code == 0, result.output
    figures = as_json("budget", "--db", db, "--label", "försäkringskassan")
    assert [(f["year"], f["amount_sek"], f["raw"]) for f in figures][:3] == [
        (2011, 1624000, "1 624"), (2012, 1624000, "1 624"), (2013, 1624000, "1 624")]
    # every stored figure points at its raw text in the stored canonical text
    engine = open_store(db)
    with engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT text FROM documents")).scalar_one()
    engine.dispose()
    everything = as_json("budget", "--db", db)
    assert everything
    for f in everything:
        assert stored[f["span_start"]:f["span_end"]] == f["raw"], f


def test_budget_lists_figures_as_the_plan_does(tmp_path):
    """Figures come by document, then table by table and row by row as the plan lists them."""
    plan = pipeline.run(CORPUS / "003_336f07384b85b2b9.txt")
    assert len(plan.budget_tables) > 1
    path = str(tmp_path / "one.db")
    engine = open_store(path)
    load_plan(engine, plan)
    engine.dispose()
    listed = [(f["table"], f["label"], f["column"]) for f in as_json("budget", "--db", path)]
    assert listed == [(t.title, r.label, c.column) for t in plan.budget_tables for r in t.rows for c in r.cells]


def test_limit_shows_the_first_rows_and_says_more_match(db):
    every = as_json("budget", "--db", db)
    assert len(every) > 3
    result = invoke("budget", "--db", db, "--limit", "3")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2 + 3  # header, rule, three rows
    assert "the first 3 rows; more match" in result.stderr
    assert [f["id"] for f in as_json("budget", "--db", db, "--limit", "3")] == [f["id"] for f in every[:3]]
    exact = invoke("budget", "--db", db, "--limit", str(len(every)))
    assert "more match" not in exact.stderr
    assert len(as_csv("projects", "--db", db, "--limit", "0")) == len(as_json("projects", "--db", db))
