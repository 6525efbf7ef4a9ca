"""Batch import: triage by sha256, extraction in worker processes, writes in one process,
concurrent imports into one SQLite file."""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

import pipeline
from extractor.app import cli as commands
from extractor.app import batch
from extractor.store import load as store_load
from extractor.store.load import load_plan, open_store, write_transaction
from extractor.store import query
from tests.test_store import lund_2011

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LUND_2011 = CORPUS / "000_aeb16daac0bbbe6e.txt"
SYDNARKE_2016 = CORPUS / "001_012a687b5704bc5b.txt"
TRELLEBORG_2024 = CORPUS / "002_5592b8b8950a13b6.txt"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fake_extract(path: str) -> tuple:
    """A cheap extractor for pool tests: the small Lund plan under the file's own sha256;
    a file named crash* kills its worker process."""
    if Path(path).name.startswith("crash"):
        os._exit(3)
    plan = lund_2011(sha=sha(Path(path)))
    plan.source.path = path
    return ("ok", plan.model_dump(mode="json"), "the canonical text")


def counts(db) -> dict[str, int]:
    engine = open_store(db)
    with engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
               for t in ("documents", "budget_figures", "projects", "goals", "failures")}
    engine.dispose()
    return out


@pytest.fixture
def engine(tmp_path):
    engine = open_store(tmp_path / "batch.db")
    yield engine
    engine.dispose()


@pytest.fixture
def plans(tmp_path) -> Path:
    """Two real plans, a copy of one of them, and a file that is no plan."""
    folder = tmp_path / "plans"
    (folder / "2016").mkdir(parents=True)
    shutil.copy(LUND_2011, folder / "lund-2011.txt")
    shutil.copy(SYDNARKE_2016, folder / "2016" / "sydnarke-2016.txt")
    shutil.copy(LUND_2011, folder / "2016" / "copy-of-lund.txt")
    (folder / "notes.txt").write_text("Inköpslista: mjölk, ägg\n", encoding="utf-8")
    return folder


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.txt"))


# -- triage ---------------------------------------------------------------------------


def test_triage_skips_stored_documents_and_copies_before_extraction(engine, plans, tmp_path):
    plan = lund_2011(sha=sha(LUND_2011))
    load_plan(engine, plan)
    missing = tmp_path / "gone.txt"
    skipped, jobs = batch.triage(engine, [*files(plans), missing])
    copy = plans / "2016" / "copy-of-lund.txt"  # sorted first of the two identical files
    assert [(r.path, r.status, r.line) for r in skipped] == [
        (copy, "present", ""),
        (plans / "lund-2011.txt", "present", f"same content as {copy}"),
    ]
    assert [(j.path.name, j.sha256) for j in jobs] == [
        ("sydnarke-2016.txt", sha(SYDNARKE_2016)),
        ("notes.txt", sha(plans / "notes.txt")),
        ("gone.txt", None),  # unreadable: the extractor will say why
    ]


def test_triage_with_replace_extracts_stored_documents_but_not_copies(engine, plans):
    load_plan(engine, lund_2011(sha=sha(LUND_2011)))
    found = batch.triage(engine, files(plans), replace=True)
    # the first of two identical files is extracted again; the second is a copy that waits for its outcome
    assert found.skipped == []
    assert [j.path.name for j in found.jobs] == ["copy-of-lund.txt", "sydnarke-2016.txt", "notes.txt"]
    assert found.copies[sha(LUND_2011)] == [plans / "lund-2011.txt"]


# -- in-process and worker processes ------------------------------------------------------


def test_import_in_process_then_again_extracts_nothing(engine, plans):
    results = {r.path.name: r for r in batch.import_files(engine, files(plans), commands.extract_for_store)}
    assert {name: r.status for name, r in results.items()} == {
        "copy-of-lund.txt": "loaded",  # sorted first: the other Lund file is its copy
        "lund-2011.txt": "present",
        "sydnarke-2016.txt": "loaded",
        "notes.txt": "failed",
    }
    assert results["notes.txt"].message == "not a plan: it names no samordningsförbund's plan and holds no budget"
    assert [f["reason"] for f in query.failures(engine)] == ["not a plan: it names no samordningsförbund's plan and holds no budget"]
    assert {a["association"] for a in query.associations(engine)} == {
        "Samordningsförbundet Lund", "Samordningsförbundet Sydnärke"}

    calls = []

    def counting(path):
        calls.append(path)
        return commands.extract_for_store(path)

    again = list(batch.import_files(engine, files(plans), counting))
    assert calls == []  # the failure is remembered by its sha256: not extracted again
    assert sorted(r.status for r in again) == ["failed", "present", "present", "present"]
    assert [(r.path.name, r.message, r.earlier) for r in again if r.status == "failed"] == [
        ("notes.txt", "not a plan: it names no samordningsförbund's plan and holds no budget", True)]
    retried = list(batch.import_files(engine, files(plans), counting, retry_failed=True))
    assert calls == [str(plans / "notes.txt")]  # only the file that failed is tried again
    assert sorted(r.status for r in retried) == ["failed", "present", "present", "present"]


def test_payload_rebuilds_the_same_plan(corpus_text):
    """What a worker sends back is plain data; validated in the importing process it is the same plan."""
    from tests.conftest import extracted

    plan = extracted(str(corpus_text))
    status, data, canonical = commands.extract_for_store(str(corpus_text))
    assert status == "ok" and canonical == plan.text
    rebuilt = batch.plan_or_reason(("ok", data, canonical))
    assert rebuilt == plan and rebuilt.text == plan.text


def test_worker_processes_store_the_same_as_in_process(tmp_path, plans):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    for db, workers in ((one, 1), (two, 2)):
        engine = open_store(db)
        statuses = sorted(r.status for r in batch.import_files(engine, files(plans), commands.extract_for_store, workers))
        engine.dispose()
        assert statuses == ["failed", "loaded", "loaded", "present"], workers
    assert counts(one) == counts(two)
    e1, e2 = open_store(one), open_store(two)
    def strip(rows):  # workers finish in any order: compare without ids, in a fixed order
        rows = [{k: v for k, v in r.items() if k not in ("id", "document_id")} for r in rows]
        return sorted(rows, key=lambda r: (r["source"], r["span_start"] or 0, r.get("column") or "", r.get("name") or ""))

    assert strip(query.budget_figures(e1)) == strip(query.budget_figures(e2))
    assert strip(query.projects(e1)) == strip(query.projects(e2))
    # the canonical text travels back from the worker: spans still point at the raw figures
    with e2.connect() as conn:
        texts = dict(conn.execute(text("SELECT id, text FROM documents")).all())
    for f in query.budget_figures(e2):
        assert texts[f["document_id"]][f["span_start"]:f["span_end"]] == f["raw"]
    e1.dispose(), e2.dispose()


def test_a_worker_that_dies_fails_its_own_file_only(engine, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "crash.txt", "d.txt"):
        (folder / name).write_text(f"plan {name}\n", encoding="utf-8")
    results = {r.path.name: r for r in batch.import_files(engine, files(folder), fake_extract, workers=2)}
    assert {n: r.status for n, r in results.items()} == {
        "a.txt": "loaded", "b.txt": "loaded", "crash.txt": "failed", "d.txt": "loaded"}
    assert results["crash.txt"].message == batch.WORKER_DIED
    assert [f["path"] for f in query.failures(engine)] == [str(folder / "crash.txt")]


def warm_marker() -> None:
    """A warm-up for pool tests: leaves a mark in the folder FINSAM_TEST_WARM names."""
    Path(os.environ["FINSAM_TEST_WARM"], f"warm-{os.getpid()}").write_text("", encoding="utf-8")


def test_workers_started_before_the_files_are_known(engine, tmp_path, monkeypatch):
    """An import's workers start (and warm up) while it sorts out the files; they extract what is new
    and stop at the end; with nothing new they are stopped at once."""
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("FINSAM_TEST_WARM", str(marks))
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(f"plan {name}\n", encoding="utf-8")
    pool = batch.Pool(fake_extract, 2, 60.0, warm=warm_marker).start()
    processes = [w.process for w in pool.workers]
    results = list(batch.import_files(engine, files(folder), fake_extract, workers=2, pool=pool))
    assert sorted(r.status for r in results) == ["loaded"] * 3
    assert pool.workers == [] and not any(p.is_alive() for p in processes)
    assert len(list(marks.iterdir())) == 2  # each worker warmed up once

    pool = batch.Pool(fake_extract, 2, 60.0, warm=warm_marker).start()
    processes = [w.process for w in pool.workers]
    t0 = time.monotonic()
    again = list(batch.import_files(engine, files(folder), fake_extract, workers=2, pool=pool))
    assert [r.status for r in again] == ["present"] * 3
    assert not any(p.is_alive() for p in processes) and time.monotonic() - t0 < 2.0


def niceness(path: str) -> tuple:
    return ("failed", str(os.nice(0)))


@pytest.mark.skipif(not hasattr(os, "nice"), reason="scheduling priorities are Unix's")
def test_workers_yield_the_cpu_to_the_writer(tmp_path):
    """Workers run at a lower priority than the importing process, whose writer they all wait for."""
    from collections import deque

    from extractor.app import workers

    jobs = deque(batch.Job(tmp_path / f"{i}.txt", None) for i in range(2))
    found = {payload[1] for _, payload in batch.Pool(niceness, 2, 60.0).run(jobs, lambda job: None)}
    assert found == {str(min(os.nice(0) + workers.WORKER_NICENESS, 19))}


def test_broken_payloads_fail_their_file(engine, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("x", encoding="utf-8")
    job = batch.Job(path, sha(path))
    bad = batch.store(engine, job, ("ok", {"source": {"path": "x"}}, "t"))
    assert bad.status == "failed" and bad.message.startswith("invalid plan from the extractor (source.sha256:")

    def raises(p):
        raise RuntimeError("boom")

    assert list(batch.extract_all([job], raises)) == [(job, ("failed", "unexpected RuntimeError: boom"))]
    assert query.projects(engine) == []


# -- several writers --------------------------------------------------------------------------


def test_document_stored_by_another_process_meanwhile_is_already_present(engine, tmp_path):
    """Both imports found the file new and extracted it; the second to write reports it present."""
    path = tmp_path / "lund.txt"
    shutil.copy(LUND_2011, path)
    skipped, jobs = batch.triage(engine, [path])
    assert skipped == [] and len(jobs) == 1
    payload = fake_extract(str(path))
    assert batch.store(engine, jobs[0], payload).status == "loaded"  # the other import
    late = batch.store(engine, jobs[0], payload)
    assert (late.status, late.message) == ("present", "")
    assert len(query.associations(engine)) == 1 and query.failures(engine) == []


def test_a_load_holds_the_write_lock_from_its_first_read(engine, tmp_path):
    other = sqlite3.connect(tmp_path / "batch.db", timeout=0)
    with write_transaction(engine):
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    other.close()


def test_load_retries_while_the_database_is_locked(tmp_path, monkeypatch):
    """SQLite waits its busy timeout, then says "database is locked": the load tries again."""
    monkeypatch.setattr(store_load, "SQLITE_PRAGMAS", ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=20"))
    engine = open_store(tmp_path / "locked.db")
    holder = sqlite3.connect(tmp_path / "locked.db", check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO failures (path, reason, failed_at) VALUES ('x', 'y', '2024-01-01')")
    release = threading.Timer(0.4, holder.commit)
    release.start()
    started = time.monotonic()
    assert load_plan(engine, lund_2011()) == "loaded"
    assert time.monotonic() - started >= 0.3
    release.join()
    holder.close()
    assert len(query.projects(engine)) == 2
    engine.dispose()


def test_two_imports_into_one_file_at_once_lose_nothing(tmp_path):
    """Two real processes import overlapping folders into one SQLite file at the same time."""
    shared, only_a, only_b = tmp_path / "shared", tmp_path / "only-a", tmp_path / "only-b"
    for folder in (shared, only_a, only_b):
        folder.mkdir()
    for plan in sorted(CORPUS.glob("*.txt"))[:3]:
        shutil.copy(plan, shared / plan.name)
    shutil.copy(CORPUS / "003_336f07384b85b2b9.txt", only_a)
    shutil.copy(CORPUS / "004_034b970862004510.txt", only_b)
    db = tmp_path / "shared.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pipeline", "import", "--db", str(db), "--workers", "1"]
    procs = [
        subprocess.Popen([*command, str(shared), str(only_a)], cwd=tmp_path, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE),
        subprocess.Popen([*command, str(shared), str(only_b)], cwd=tmp_path, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE),
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, (out, err)
        assert err == ""
    summaries = [out.splitlines()[-1] for out, _ in outputs]
    loaded = [int(s.split()[0]) for s in summaries]
    present = [int(s.split(", ")[1].split()[0]) for s in summaries]
    # each process saw its 4 files; the 5 distinct plans were loaded once in all
    assert [a + b for a, b in zip(loaded, present)] == [4, 4]
    assert sum(loaded) == 5 and sum(present) == 3
    c = counts(db)
    assert c["documents"] == 5 and c["failures"] == 0
    # the same rows as one import of the five plans
    single = tmp_path / "single.db"
    engine = open_store(single)
    list(batch.import_files(engine, sorted(CORPUS.glob("*.txt")), commands.extract_for_store))
    engine.dispose()
    assert counts(single) == c


# -- the command ------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(pipeline.cli, list(args), catch_exceptions=False)


def test_import_command_lists_failures_again_and_exits_1(tmp_path, plans):
    db = str(tmp_path / "cli.db")
    result = invoke("import", str(plans), "--db", db, "--workers", "1")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-3:] == [
        "failed (1):",
        f"  {plans / 'notes.txt'}: not a plan: it names no samordningsförbund's plan and holds no budget",
        "2 loaded, 1 already present, 1 failed",
    ]
    # the copy right after the file it copies
    assert lines[0].startswith(f"loaded: {plans / '2016' / 'copy-of-lund.txt'} (Samordningsförbundet Lund 2011")
    assert lines[1] == f"already present: {plans / 'lund-2011.txt'} (same content as {plans / '2016' / 'copy-of-lund.txt'})"
    assert result.stderr == f"error: {plans / 'notes.txt'}: not a plan: it names no samordningsförbund's plan and holds no budget\n"
    # again: nothing new, the failure not read again, and quiet keeps only errors and the summary
    again = invoke("import", str(plans), "--db", db, "--workers", "1", "--quiet")
    assert again.stdout.splitlines() == [
        "failed (1):", f"  {plans / 'notes.txt'}: not a plan: it names no samordningsförbund's plan and holds no budget",
        "0 loaded, 3 already present, 1 failed (1 failed before, not read again: --retry-failed)"]
    assert again.stderr == f"error: {plans / 'notes.txt'}: not a plan: it names no samordningsförbund's plan and holds no budget (failed before; not read again)\n"


def test_import_progress_bar_names_the_current_file(tmp_path, plans):
    db = str(tmp_path / "cli.db")
    result = invoke("import", str(plans / "2016"), "--db", db, "--workers", "1", "--progress")
    assert result.exit_code == 0
    assert "2/2" in result.stderr and "sydnarke-2016.txt" in result.stderr
    assert result.stdout.splitlines()[-1] == "2 loaded, 0 already present, 0 failed"
    # not a terminal: no bar unless asked
    assert invoke("import", str(plans / "2016"), "--db", db).stderr == ""


def test_workers_option(tmp_path):
    assert invoke("import", "--workers", "0", "x").exit_code == 2
    assert "--workers" in invoke("import", "--help").stdout


def test_a_file_that_fails_again_is_listed_once(tmp_path):
    from click.testing import CliRunner

    from pipeline import cli

    bad = tmp_path / "in" / "noise.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"not a pdf at all " * 50)
    db = str(tmp_path / "f.db")
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["import", str(bad.parent), "--db", db, "--workers", "1", "--no-progress"])
        assert result.exit_code == 1
        assert "not a PDF" in result.output
    listed = runner.invoke(cli, ["import", "--failed", "--db", db, "--format", "json"])
    import json

    rows = json.loads(listed.output)
    assert [r["path"] for r in rows] == [str(bad)]
