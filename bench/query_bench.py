"""Queries at national scale: every documented query over an archive of over 16 000 plans.

    python bench/query_bench.py [--db FILE] [--n 16500] [--seed 11] [--runs 5] [--no-plans] [--no-postgres]

Without --db, builds the archive once: --n synthetic plans (tests/synth.py, about 6.3
projects each, so 16 500 plans give over 100 000 projects) imported with `finsam import
--workers all` into a SQLite file kept in the temp folder (finsam-national-N-SEED.sqlite) and
reused by later runs; the first build takes 40-60 minutes on two cores.

For each query the benchmark prints the rows found, the median time of the query itself
(the function in extractor/store/query.py, in-process: SQL and the rows made into dicts),
the target (< 50 ms), and the query plan of every SQL statement the query runs (SQLite's
EXPLAIN QUERY PLAN: SEARCH ... USING INDEX is an index, SCAN a whole table or index).
Where PostgreSQL is installed (initdb/pg_ctl of the `postgresql` package and the psycopg driver),
the same archive is copied into a server started in a temp folder and the same queries run
there, with EXPLAIN.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from tests import synth  # noqa: E402
from extractor.store import models as m  # noqa: E402
from extractor.store import query  # noqa: E402
from extractor.store.load import open_store  # noqa: E402
from extractor.app.cli import TABLE_ROWS  # noqa: E402

TARGET_MS = 50.0
COMMAND_TARGET_S = 0.3

# Every query the README documents, by the filter it exercises (an association of the synthetic
# archive stands for "lund"): (name, query function, filters).
QUERIES = [
    ("projects --owner kommun --min-amount 500000 --year 2016", "projects",
     {"owner": "kommun", "min_amount": 500000, "year": 2016}),
    ("projects --owner kommun --association kalmar", "projects", {"owner": "kommun", "association": "kalmar"}),
    ("projects --min-amount 5000000", "projects", {"min_amount": 5000000}),
    ("projects --year 2016", "projects", {"year": 2016}),
    ("projects --association kalmar", "projects", {"association": "kalmar"}),
    ("projects --text rehabilitering --year 2016", "projects", {"text": "rehabilitering", "year": 2016}),
    ("projects --text rehabilitering", "projects", {"text": "rehabilitering"}),
    ("budget --association kalmar --label summa", "budget_figures", {"association": "kalmar", "label": "summa"}),
    ("budget --label finansiella", "budget_figures", {"label": "finansiella"}),
    ("budget --label summa", "budget_figures", {"label": "summa"}),
    ("budget --section cost --association kalmar", "budget_figures", {"section": "cost", "association": "kalmar"}),
    ("budget --section result --plan-year 2020", "budget_figures", {"section": "result", "plan_year": 2020}),
    ("budget --association kalmar --year 2020", "budget_figures", {"association": "kalmar", "year": 2020}),
    ("goals --kind quantitative --year 2016", "goals", {"kind": "quantitative", "year": 2016}),
    ("goals --kind quantitative", "goals", {"kind": "quantitative"}),
    ("goals --association kalmar", "goals", {"association": "kalmar"}),
    ("associations", "associations", {}),
    ("associations --association kalmar", "associations", {"association": "kalmar"}),
    ("findings --severity error --year 2016", "findings", {"severity": "error", "year": 2016}),
    ("findings --severity error", "findings", {"severity": "error"}),
    ("findings --association kalmar", "findings", {"association": "kalmar"}),
]


def explain(db: query.Reader, statement: str, parameters) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    _, found = db.rows(prefix + statement, parameters)
    if db.dialect == "sqlite":
        return [str(row[-1]) for row in found]
    return [str(row[0]) for row in found]


def timed(fn, runs: int) -> tuple[int, float]:
    """(rows found, median ms) of ``runs`` calls, after one to warm the connection and the cache."""
    fn()
    times, found = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        found = len(fn())
        times.append(time.perf_counter() - t0)
    return found, statistics.median(times) * 1000


def run_queries(db: query.Reader, runs: int, plans: bool) -> list[tuple[str, int, float]]:
    """Each query as the command runs it for the table format (the first TABLE_ROWS rows, and one more to
    tell whether more match), against the target; and the whole answer (json, csv, --limit 0), with
    its cost per row."""
    out = []
    for name, fn_name, filters in QUERIES:
        fn = getattr(query, fn_name)
        shown, ms = timed(lambda: fn(db, limit=TABLE_ROWS + 1, **filters), runs)
        found, whole_ms = timed(lambda: fn(db, **filters), runs)
        out.append((name, found, ms))
        verdict = "ok" if ms < TARGET_MS else "OVER"
        per_row = f"{1000 * whole_ms / found:5.1f} us/row" if found else " " * 12
        print(f"  {name:50s} {min(shown, TABLE_ROWS):5d} rows {ms:7.1f} ms (target < {TARGET_MS:.0f} ms: {verdict:4s}) "
              f"| whole answer {found:6d} rows {whole_ms:7.1f} ms {per_row}")
        if plans:
            db.trace = []
            fn(db, limit=TABLE_ROWS + 1, **filters)
            seen, db.trace = db.trace, None
            printed = set()
            for statement, parameters in seen:
                plan = tuple(explain(db, statement, parameters))
                if plan in printed:
                    continue
                printed.add(plan)
                for line in plan:
                    print(f"      {line}")
    return out


def whole_commands(db: Path, runs: int) -> None:
    """Each query as a user runs it: the whole `finsam` process, table format (the first rows)."""
    finsam = Path(sys.executable).parent / "finsam"
    if not finsam.exists():
        return
    print("whole commands (a new process each, median):")
    for name, _, _ in QUERIES:
        args = [str(finsam), *name.split(), "--db", str(db)]
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(args, capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        t = statistics.median(times)
        print(f"  finsam {name:50s} {t:5.2f} s (target < {COMMAND_TARGET_S} s: {'ok' if t < COMMAND_TARGET_S else 'OVER'})")


def counts(engine) -> str:
    with engine.connect() as conn:
        n = {model.__tablename__: conn.scalar(select(func.count()).select_from(model))
             for model in (m.Document, m.Project, m.BudgetFigure, m.Goal, m.Finding)}
    return ", ".join(f"{v} {k}" for k, v in n.items())


def build_archive(db: Path, n: int, seed: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="finsam-national-"))
    try:
        t0 = time.perf_counter()
        synth.write_archive(folder, n, seed)
        print(f"wrote {n} synthetic plans in {time.perf_counter() - t0:.0f} s; importing (all cores) ...")
        finsam = Path(sys.executable).parent / "finsam"
        cmd = [str(finsam)] if finsam.exists() else [sys.executable, "-m", "pipeline"]
        partial = db.with_suffix(".partial")
        t0 = time.perf_counter()
        subprocess.run([*cmd, "import", str(folder), "--db", str(partial), "--workers", str(os.cpu_count() or 1),
                        "-q"], check=True)
        partial.rename(db)
        print(f"imported in {time.perf_counter() - t0:.0f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- PostgreSQL ------------------------------------------------------------------------------

def postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def start_postgres(binaries: Path):
    """A server in a temp folder (as tests/test_postgres.py starts it); returns (url, stop)."""
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="finsam-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
        os.chmod(folder, 0o700)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    data = folder / "data"
    run(str(binaries / "initdb"), "-D", str(data), "-U", "finsam", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
        "-o", f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off", "start")
    run(str(binaries / "createdb"), "-h", str(folder), "-p", str(port), "-U", "finsam", "finsam")

    def stop() -> None:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)

    return f"postgresql+psycopg://finsam@/finsam?host={folder}&port={port}", stop


def copy_store(source: Path, target) -> None:
    """Every row of every table, in the models' dependency order (the FTS tables are SQLite's own), read
    from one snapshot of the SQLite file and written with PostgreSQL's COPY."""
    import sqlite3

    src = sqlite3.connect(source)
    src.execute("BEGIN")  # every table read from one snapshot, whatever imports write meanwhile
    raw = target.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            for table in m.Base.metadata.sorted_tables:
                names = [c.name for c in table.columns]
                flags = [i for i, c in enumerate(table.columns) if c.type.python_type is bool]
                rows = src.execute(f"SELECT {', '.join(names)} FROM {table.name}")
                with cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                    while batch := rows.fetchmany(20000):
                        for row in batch:
                            if flags:
                                row = list(row)
                                for i in flags:
                                    row[i] = None if row[i] is None else bool(row[i])
                            copy.write_row(row)
            for table in m.Base.metadata.sorted_tables:
                if "id" in table.c:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table.name}))")
        raw.commit()
    finally:
        raw.close()
        src.close()
    # the label list is kept by a trigger, which COPY fires; statistics and the visibility map (for
    # index-only scans), as autovacuum leaves a table that has settled
    with target.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a store to query (default: the national archive, built once)")
    ap.add_argument("--n", type=int, default=16500, help="plans in the archive built without --db")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--runs", type=int, default=5, help="runs per query (median)")
    ap.add_argument("--no-plans", dest="plans", action="store_false", help="leave out the query plans")
    ap.add_argument("--no-postgres", dest="postgres", action="store_false",
                    help="SQLite only, even where PostgreSQL is installed")
    args = ap.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"finsam-national-{args.n}-{args.seed}.sqlite"
    if not db.exists():
        if args.db:
            sys.exit(f"error: {db}: no such store")
        build_archive(db, args.n, args.seed)
    engine = open_store(str(db))  # creates the indexes a store made by an older version lacks
    print(f"SQLite {db} ({db.stat().st_size / 2 ** 20:.0f} MiB): {counts(engine)}")
    run_queries(query.open_reader(str(db)), args.runs, args.plans)
    whole_commands(db, args.runs)
    if args.postgres:
        binaries = postgres_binaries()
        try:
            import psycopg  # noqa: F401
        except ImportError:
            binaries = None
        if binaries is None:
            print("PostgreSQL: skipped (no server binaries in /usr/lib/postgresql or no psycopg driver)")
            return
        url, stop = start_postgres(binaries)
        try:
            pg = open_store(url)
            t0 = time.perf_counter()
            copy_store(db, pg)
            print(f"PostgreSQL {binaries.parent.name}: copied in {time.perf_counter() - t0:.0f} s: {counts(pg)}")
            run_queries(query.engine_reader(pg), args.runs, args.plans)
            pg.dispose()
        finally:
            stop()
    engine.dispose()


if __name__ == "__main__":
    main()
