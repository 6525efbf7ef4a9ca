"""An archive import that nothing stops or corrupts: names that are not UTF-8 or hold control
characters, UTF-16 text, copies of failures, failures remembered across runs, the same plan in
two formats, files that hang, workers outliving their import, sizes, exact amounts."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

import pipeline
from extractor.app import cli as commands
from extractor.errors import printable, shown
from extractor.ingest import load
from extractor.app import batch
from extractor.store import query
from extractor.store import export as store_export
from extractor.store.load import load_plan, open_store
from tests.test_store import lund_2011

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LUND_TXT = CORPUS / "000_aeb16daac0bbbe6e.txt"
LUND_PDF = CORPUS / "pdf" / "000_aeb16daac0bbbe6e.pdf"
SYDNARKE = CORPUS / "001_012a687b5704bc5b.txt"
TRELLEBORG = CORPUS / "002_5592b8b8950a13b6.txt"
LATIN1_NAME = os.fsdecode(b"c01_0\xf6.txt")  # 'c01_0ö.txt' written in Latin-1 on a UTF-8 system


def cli(*args: str):
    return CliRunner().invoke(pipeline.cli, list(args))


def as_json(*args: str):
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# -- names ----------------------------------------------------------------------------------


def test_names_are_shown_escaped():
    assert shown(LATIN1_NAME) == "c01_0\\xf6.txt"
    assert shown("a\nb\rc\x1b[2J.txt") == "a\\x0ab\\x0dc\\x1b[2J.txt"
    assert shown("Verksamhetsplan Södra Dalarna 2019.txt") == "Verksamhetsplan Södra Dalarna 2019.txt"
    assert printable("\u202eevil") == "\\u202eevil"  # right-to-left override


def test_a_name_that_is_not_utf8_is_extracted_imported_audited(tmp_path):
    path = tmp_path / LATIN1_NAME
    shutil.copy(SYDNARKE, path)
    shown_path = str(tmp_path / "c01_0\\xf6.txt")
    result = cli("extract", str(path), "--format", "json")
    no_traceback(result)
    assert json.loads(result.stdout)["source"]["path"] == shown_path
    report = tmp_path / "report.html"
    assert cli("audit", str(path), "--html", str(report)).exit_code == 0

    db = str(tmp_path / "names.db")
    result = cli("import", str(tmp_path), "--db", db, "--workers", "1")
    no_traceback(result)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(f"loaded: {shown_path} (Samordningsförbundet Sydnärke 2016")
    # stored losslessly: shown escaped, the bytes kept, so the stored plan is found and read again
    engine = open_store(db)
    with engine.connect() as conn:
        stored, raw = conn.execute(text("SELECT source_path, source_path_bytes FROM documents")).one()
    assert (stored, raw) == (shown_path, os.fsencode(path))
    sha = query.documents_named(engine, shown_path)[0]["sha256"]
    again = cli("audit", sha[:12], "--db", db, "--html", str(report))
    assert again.exit_code == 0, again.output
    exported = json.loads(cli("export", "--db", db, "--format", "json", "--out", "-").stdout)
    assert exported["documents"][0]["source_path_bytes"] == os.fsencode(path).hex()
    assert cli("export", "--db", db, "--format", "csv", "--out", str(tmp_path / "csv")).exit_code == 0


def test_control_characters_in_a_name_never_reach_the_terminal(tmp_path):
    bad = tmp_path / "plan\r\x1b[31mred\n.txt"
    bad.write_text("Inga siffror här\n", encoding="utf-8")
    db = str(tmp_path / "ctl.db")
    result = cli("import", str(tmp_path), "--db", db, "--workers", "1")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path}/plan\\x0d\\x1b[31mred\\x0a.txt: not a plan: it names no samordningsförbund's plan and holds no budget\n"
    assert not any(ch in result.output for ch in "\r\x1b")
    assert [f["path"] for f in as_json("import", "--failed", "--db", db)] == [f"{tmp_path}/plan\\x0d\\x1b[31mred\\x0a.txt"]


def test_a_dangling_link_is_reported(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    result = cli("import", str(tmp_path / "plans"), "--db", str(tmp_path / "l.db"), "--workers", "1")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path}/plans/gone.txt: is a link to a missing file ({tmp_path}/nowhere.txt)\n"


def test_a_pipe_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "plan.txt"
    os.mkfifo(fifo)
    result = cli("extract", str(fifo))
    assert (result.exit_code, result.stderr) == (1, f"error: {fifo}: is not a regular file (a device, pipe or socket)\n")


# -- bytes and sizes --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_with_or_without_bom(tmp_path, encoding):
    path = tmp_path / "plan.txt"
    path.write_bytes(TRELLEBORG.read_text(encoding="utf-8").encode(encoding))
    assert load(path).text == load(TRELLEBORG).text
    plan, same = pipeline.run(path), pipeline.run(TRELLEBORG)
    assert plan.budget_tables == same.budget_tables


def test_size_limit_is_an_option_with_a_clear_reason(tmp_path):
    result = cli("extract", str(LUND_TXT), "--max-mb", "0.01")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {LUND_TXT}: text file is 0.0 MB, over the limit of 0.01 MB "
                             "(--max-mb or FINSAM_MAX_MB raises it)\n").replace("0.0 MB", f"{LUND_TXT.stat().st_size / 1e6:.1f} MB")


def test_a_long_plan_is_read_in_pieces(tmp_path):
    """Over spaCy's 1 000 000 characters: the plan's own figures, metadata and goals come out."""
    from extractor.vocab import nlp

    body = LUND_TXT.read_text(encoding="utf-8")
    filler = "".join(f"\n{i}. Uppföljning\n\nSamordningsförbundet följer upp insatserna varje kvartal och "
                     f"redovisar resultaten till styrelsen.\n" for i in range(1, 9000))
    path = tmp_path / "long.txt"
    path.write_text(body + filler, encoding="utf-8")
    assert len(load(path).text) > 1_000_000
    plan, short = pipeline.run(path), pipeline.run(LUND_TXT)
    assert plan.budget_tables == short.budget_tables
    assert (plan.association, plan.plan_year, plan.members) == (short.association, short.plan_year, short.members)
    text_ = load(path).text
    assert "".join(nlp.pieces(text_)) == text_
    assert all(len(p) <= nlp.PIECE for p in nlp.pieces(text_))


# -- summaries, copies, failures remembered -----------------------------------------------------


def test_copies_of_failures_and_a_true_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"nonplan{i}.txt").write_text("Inköpslista: mjölk, ägg\n", encoding="utf-8")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "empty.txt").write_bytes(b"")
    db = str(tmp_path / "f.db")
    result = cli("import", str(folder), "--db", db, "--workers", "1")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "0 loaded, 0 already present, 5 failed"
    assert result.stderr.splitlines() == [
        f"error: {folder}/empty.pdf: file is empty",
        f"error: {folder}/empty.txt: file is empty (same content as {folder}/empty.pdf)",
        f"error: {folder}/nonplan0.txt: not a plan: it names no samordningsförbund's plan and holds no budget",
        f"error: {folder}/nonplan1.txt: not a plan: it names no samordningsförbund's plan and holds no budget (same content as {folder}/nonplan0.txt)",
        f"error: {folder}/nonplan2.txt: not a plan: it names no samordningsförbund's plan and holds no budget (same content as {folder}/nonplan0.txt)",
    ]
    failed = as_json("import", "--failed", "--db", db)
    assert sorted(Path(f["path"]).name for f in failed) == ["empty.pdf", "empty.txt", "nonplan0.txt", "nonplan1.txt",
                                                            "nonplan2.txt"]
    assert {f["reason"] for f in failed} == {"file is empty", "not a plan: it names no samordningsförbund's plan and holds no budget"}
    assert as_json("associations", "--db", db) == []
    # again: the same, nothing read again
    again = cli("import", str(folder), "--db", db, "--workers", "1")
    assert again.stdout.splitlines()[-1] == "0 loaded, 0 already present, 5 failed (5 failed before, not read again: --retry-failed)"
    assert len(as_json("import", "--failed", "--db", db)) == 5


def test_a_failure_is_not_extracted_again_unless_asked(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.txt").write_text("Inköpslista\n", encoding="utf-8")
    engine = open_store(tmp_path / "r.db")
    calls = []

    def counting(path):
        calls.append(Path(path).name)
        return commands.extract_for_store(path)

    paths = [folder / "notes.txt"]
    assert [r.status for r in batch.import_files(engine, paths, counting)] == ["failed"]
    shutil.copy(folder / "notes.txt", folder / "renamed.txt")  # the same bytes under another name
    results = list(batch.import_files(engine, [*paths, folder / "renamed.txt"], counting))
    assert calls == ["notes.txt"]
    assert [(r.path.name, r.status, r.earlier) for r in results] == [("notes.txt", "failed", True),
                                                                      ("renamed.txt", "failed", True)]
    assert sorted(Path(f["path"]).name for f in query.failures(engine)) == ["notes.txt", "renamed.txt"]
    list(batch.import_files(engine, paths, counting, retry_failed=True))
    assert calls == ["notes.txt", "notes.txt"]
    # the file becomes a plan: its failure goes
    shutil.copy(LUND_TXT, folder / "notes.txt")
    assert [r.status for r in batch.import_files(engine, paths, counting)] == ["loaded"]
    assert [Path(f["path"]).name for f in query.failures(engine)] == ["renamed.txt"]
    engine.dispose()


# -- one plan, several files ------------------------------------------------------------------


def test_the_same_plan_as_text_and_pdf_counts_once(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(LUND_TXT, folder / "lund.txt")
    shutil.copy(LUND_PDF, folder / "lund.pdf")
    shutil.copy(SYDNARKE, folder / "sydnarke.txt")
    db = str(tmp_path / "same.db")
    result = cli("import", str(folder), "--db", db, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert f"the same plan as {folder}/lund.pdf" in result.stdout  # the PDF comes first in the walk
    lund = as_json("associations", "--db", db, "--association", "lund")
    assert [(a["plans"], a["files"], a["figures"]) for a in lund] == [(1, 2, 38)]
    figures = as_json("budget", "--db", db, "--association", "lund")
    assert len(figures) == 38 and {f["source"] for f in figures} == {f"{folder}/lund.pdf"}
    every = as_json("budget", "--db", db, "--association", "lund", "--all-sources")
    assert len(every) == 76 and {f["source_format"] for f in every} == {"pdf", "text"}
    assert len(as_json("projects", "--db", db, "--association", "lund")) == 3
    assert len(as_json("projects", "--db", db, "--association", "lund", "--all-sources")) == 6
    assert len(as_json("goals", "--db", db, "--association", "lund", "--all-sources")) == 2 * len(
        as_json("goals", "--db", db, "--association", "lund"))
    # replacing the plan's first file keeps exactly one copy counted
    assert cli("import", str(folder / "lund.pdf"), "--db", db, "--replace", "--workers", "1").exit_code == 0
    lund = as_json("associations", "--db", db, "--association", "lund")
    assert [(a["plans"], a["files"], a["figures"]) for a in lund] == [(1, 2, 38)]
    assert {f["source"] for f in as_json("budget", "--db", db, "--association", "lund")} == {f"{folder}/lund.txt"}


def test_different_plans_of_one_association_are_not_copies(tmp_path):
    engine = open_store(tmp_path / "two.db")
    a = lund_2011(sha="a" * 64)
    b = lund_2011(sha="b" * 64)
    for table in b.budget_tables:
        for row in table.rows:
            for cell in row.cells:
                cell.amount_sek = (cell.amount_sek or 0) + 1  # other figures
    load_plan(engine, a), load_plan(engine, b)
    assert [x["plans"] for x in query.associations(engine)] == [2]
    c = lund_2011(sha="c" * 64)
    c.plan_year = 2012  # same figures, another year
    load_plan(engine, c)
    assert [x["plans"] for x in query.associations(engine)] == [3]
    engine.dispose()


# -- exact amounts ----------------------------------------------------------------------------


def test_amounts_are_exact_from_the_cell_to_the_database_and_back(tmp_path):
    from extractor.vocab import numbers

    huge = numbers.parse_cell("999 999 999 999 999 999 999 999 999").sek(1000)
    assert huge == 999_999_999_999_999_999_999_999_999_000
    plan = lund_2011(sha="d" * 64)
    cells = [c for t in plan.budget_tables for r in t.rows for c in r.cells]
    cells[0].amount_sek, cells[1].amount_sek, cells[2].amount_sek = huge, 1842.5, -0.01
    plan.projects[0].amount_sek = 12_345_678_901_234_567
    engine = open_store(tmp_path / "exact.db")
    load_plan(engine, plan)
    stored = [f["amount_sek"] for f in query.budget_figures(engine)][:3]
    assert stored == [huge, 1842.5, -0.01] and isinstance(stored[0], int)
    assert query.projects(engine)[0]["amount_sek"] == 12_345_678_901_234_567
    exported = store_export.as_json(store_export.read_tables(engine))["budget_figures"]
    assert [f["amount_sek"] for f in exported][:3] == [huge, 1842.5, -0.01]
    assert query.projects(engine, min_amount=12_345_678_901_234_567)[0]["name"] == plan.projects[0].name
    db = str(tmp_path / "exact.db")
    out = cli("budget", "--db", db, "--format", "json")
    assert "999999999999999999999999999000" in out.stdout
    assert "999 999 999 999 999 999 999 999 999 000" in cli("budget", "--db", db).stdout
    exact = cli("projects", "--db", db, "--min-amount", "12 345 678 901 234 567", "--format", "json")
    assert [p["amount_sek"] for p in json.loads(exact.stdout)] == [12_345_678_901_234_567]
    above = cli("projects", "--db", db, "--min-amount", "12345678901234568", "--format", "json")
    assert json.loads(above.stdout) == []
    engine.dispose()


# -- time limits and processes ------------------------------------------------------------------


def slow_extract(path: str) -> tuple:
    """A stand-in extractor: a file named hang* never finishes, others are the small Lund plan."""
    if Path(path).name.startswith("hang"):
        while True:
            time.sleep(0.05)
    plan = lund_2011(sha=batch.file_sha256(Path(path)))
    plan.source.path = path
    return ("ok", plan.model_dump(mode="json"), "text")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_that_hangs_fails_alone(tmp_path, workers):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "hang.txt", "c.txt"):
        (folder / name).write_text(f"{name}\n", encoding="utf-8")
    engine = open_store(tmp_path / "t.db")
    start = time.monotonic()
    results = {r.path.name: r for r in batch.import_files(engine, sorted(folder.iterdir()), slow_extract,
                                                           workers=workers, timeout=2)}
    assert time.monotonic() - start < 30
    assert {n: r.status for n, r in results.items()} == {"a.txt": "loaded", "hang.txt": "failed", "c.txt": "loaded"}
    assert results["hang.txt"].message == batch.timed_out(2)
    engine.dispose()


ORPHAN_SCRIPT = """
import sys, time, multiprocessing
from collections import deque
from pathlib import Path
sys.path.insert(0, {root!r})
from extractor.app import batch
from tests.test_robust import slow_extract

if __name__ == "__main__":
    jobs = deque(batch.Job(Path(f"hang{{i}}.txt"), None) for i in range(2))
    run = batch.Pool(slow_extract, 2, None).run(jobs, lambda job: None)
    def started():
        time.sleep(1.0)
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    import threading
    threading.Thread(target=started).start()
    for _ in run:
        pass
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_import(tmp_path):
    script = tmp_path / "orphans.py"
    script.write_text(ORPHAN_SCRIPT.format(root=str(ROOT)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    children = [int(p) for p in proc.stdout.readline().split()]
    assert len(children) == 2 and all(map(alive, children))
    tracker = [int(p) for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(alive, children + tracker)):
        time.sleep(0.1)
    assert not any(map(alive, children + tracker))


def test_a_killed_import_loses_nothing_on_rerun(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for src in (LUND_TXT, SYDNARKE, TRELLEBORG):
        shutil.copy(src, folder / src.name)
    db = str(tmp_path / "k.db")
    command = [sys.executable, "-m", "pipeline", "import", str(folder), "--db", db, "--workers", "1", "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    engine = open_store(db)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM documents")).scalar():
                break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == 3
        assert conn.execute(text("SELECT count(DISTINCT document_id) FROM budget_figures")).scalar() == 3
    engine.dispose()


def real_or_hang(path: str) -> tuple:
    """The real extractor, except that a file named hang* never finishes."""
    if Path(path).name.startswith("hang"):
        while True:
            time.sleep(0.05)
    return commands.extract_for_store(path)


def test_an_archive_of_everything_imports_in_one_run(tmp_path):
    """Names not UTF-8 and with control characters, UTF-16, copies of failures, the same plan as
    text and PDF, a link to nothing, a file that hangs: one run, a true summary. (Long plans:
    test_a_long_plan_is_read_in_pieces and bench/big_input_bench.py.)"""
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(SYDNARKE, folder / LATIN1_NAME)
    (folder / "notes\r\n.txt").write_text("Inköpslista\n", encoding="utf-8")
    (folder / "utf16.txt").write_bytes(TRELLEBORG.read_text(encoding="utf-8").encode("utf-16-le"))
    for i in range(3):
        (folder / f"list{i}.txt").write_text("Inköpslista: mjölk, ägg\n", encoding="utf-8")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "empty.txt").write_bytes(b"")
    shutil.copy(LUND_TXT, folder / "lund.txt")
    shutil.copy(LUND_PDF, folder / "lund.pdf")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "hang.txt").write_text("x\n", encoding="utf-8")
    engine = open_store(tmp_path / "all.db")
    paths = commands.plan_files((folder,))
    assert len(paths) == 12
    results = list(batch.import_files(engine, paths, real_or_hang, workers=2, timeout=20))
    status = {shown(r.path.name): r.status for r in results}
    assert len(results) == 12
    assert status == {
        "c01_0\\xf6.txt": "loaded", "notes\\x0d\\x0a.txt": "failed", "utf16.txt": "loaded",
        "list0.txt": "failed", "list1.txt": "failed", "list2.txt": "failed", "empty.pdf": "failed",
        "empty.txt": "failed", "lund.txt": "loaded", "lund.pdf": "loaded", "gone.txt": "failed", "hang.txt": "failed",
    }
    assert {r.message for r in results if r.path.name == "hang.txt"} == {batch.timed_out(20)}
    assert len(query.failures(engine)) == 8
    associations = {a["association"]: (a["plans"], a["files"]) for a in query.associations(engine)}
    assert associations == {"Samordningsförbundet Lund": (1, 2), "Samordningsförbundet Sydnärke": (1, 1),
                            "Samordningsförbundet Trelleborg": (1, 1)}
    # a re-run reads nothing again and says the same
    again = list(batch.import_files(engine, paths, real_or_hang, workers=2, timeout=20))
    assert {shown(r.path.name): r.status for r in again} == {
        name: "present" if s == "loaded" else s for name, s in status.items()}
    assert all(r.earlier for r in again if r.status == "failed" and r.path.name != "gone.txt")
    engine.dispose()
