"""The store on a real PostgreSQL server, started by the test in a temporary folder
(initdb and pg_ctl of Debian's `postgresql` package; skipped, with the reason, without them).

    apt-get install postgresql            # the server binaries (.ci/run installs them)
    pip install -e '.[postgres]'          # the driver (psycopg)
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline
from extractor.store import query
from extractor.store.load import load_plan, open_store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def server_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    pytest.importorskip("psycopg", reason="the PostgreSQL driver is an extra: pip install -e '.[postgres]'")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): apt-get install postgresql")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="finsam-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the package's user
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
        os.chmod(folder, 0o700)
    data, port = folder / "data", free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "finsam", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
        "-o", f"-p {port} -k {folder} -c listen_addresses=''", "start")
    try:
        run(str(binaries / "createdb"), "-h", str(folder), "-p", str(port), "-U", "finsam", "finsam")
        yield f"postgresql+psycopg://finsam@/finsam?host={folder}&port={port}", folder, port, run, binaries
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(postgres_url, name: str) -> str:
    url, folder, port, run, binaries = postgres_url
    run(str(binaries / "createdb"), "-h", str(folder), "-p", str(port), "-U", "finsam", name)
    return url.replace("/finsam?", f"/{name}?")


def test_import_and_query_on_postgresql(postgres_url, tmp_path):
    url = postgres_url[0]
    runner = CliRunner()
    files = [str(CORPUS / "000_aeb16daac0bbbe6e.txt"), str(CORPUS / "pdf" / "000_aeb16daac0bbbe6e.pdf"),
             str(CORPUS / "001_012a687b5704bc5b.txt")]
    result = runner.invoke(pipeline.cli, ["import", *files, "--db", url, "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "3 loaded, 0 already present, 0 failed"
    lund = json.loads(runner.invoke(pipeline.cli, ["associations", "--db", url, "-a", "lund", "--format", "json"]).stdout)
    assert [(a["plans"], a["files"], a["figures"]) for a in lund] == [(1, 2, 38)]
    figures = json.loads(runner.invoke(pipeline.cli, ["budget", "--db", url, "--label", "summa", "--format", "json"]).stdout)
    assert figures and all(isinstance(f["amount_sek"], int) for f in figures)
    # the same figures as SQLite holds
    sqlite = open_store(tmp_path / "same.db")
    for path in files:
        load_plan(sqlite, pipeline.run(path))
    pg = open_store(url)
    strip = lambda rows: sorted((r["label"], r["year"], r["amount_sek"]) for r in rows)  # noqa: E731
    assert strip(query.budget_figures(pg)) == strip(query.budget_figures(sqlite))
    # words: full text on both (word prefixes), the same projects and goals found
    for words in ("arbete", "unga vuxna", "samverkan", "rehab"):
        assert {p["name"] for p in query.projects(sqlite, text=words)} == {p["name"] for p in query.projects(pg, text=words)}
        assert {g["text"] for g in query.goals(sqlite, text=words)} == {g["text"] for g in query.goals(pg, text=words)}
    assert query.projects(pg, text="rehab") and query.projects(pg, text='"unga vuxna" OR samverkan')
    # an association matched on its name, in any case; a first page is the head of the whole answer
    for store in (sqlite, pg):
        summa = query.budget_figures(store, label="summa")
        lund = query.budget_figures(store, association="LUND", label="summa")
        assert lund and lund == [f for f in summa if "lund" in f["association"].lower()] != summa
        assert query.budget_figures(store, association="lund", label="summa", limit=2) == lund[:2]
        assert query.projects(store, association="nowhere") == [] == query.findings(store, association="nowhere")
        every = query.projects(store)
        assert len(every) > 3 and query.projects(store, limit=3) == every[:3]
        found = query.projects(store, text="rehab")
        assert len(found) > 2 and query.projects(store, text="rehab", limit=2) == found[:2]
        in_lund = [p for p in found if "lund" in p["association"].lower()]
        assert in_lund != found and query.projects(store, association="Lund", text="rehab", limit=5) == in_lund
    again = runner.invoke(pipeline.cli, ["import", *files, "--db", url, "--workers", "1"])
    assert again.stdout.splitlines()[-1] == "0 loaded, 3 already present, 0 failed"
    pg.dispose(), sqlite.dispose()


def test_exact_amounts_on_postgresql(postgres_url):
    from tests.test_store import lund_2011

    url = new_database(postgres_url, "exact")
    engine = open_store(url)
    plan = lund_2011(sha="e" * 64)
    huge = 999_999_999_999_999_999_999_999_999_000
    cell = plan.budget_tables[0].rows[0].cells[0]
    cell.amount_sek = huge
    load_plan(engine, plan)
    assert query.budget_figures(engine)[0]["amount_sek"] == huge
    engine.dispose()


def test_two_imports_create_the_tables_of_a_new_database_at_once(postgres_url):
    url = new_database(postgres_url, "race")
    script = ("import sys; sys.path.insert(0, sys.argv[2]); from extractor.store.load import open_store; "
              "open_store(sys.argv[1]).dispose()")
    procs = [subprocess.Popen([sys.executable, "-c", script, url, str(ROOT)], stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    engine = open_store(url)
    assert query.associations(engine) == []
    engine.dispose()
