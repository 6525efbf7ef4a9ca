"""Growth: import a synthetic archive of plans and query it.

    python bench/archive_bench.py [--n 1000] [--seed 1] [--workers 1,all] [--repeat 3] [--runs 5] [--sample 100] [--keep DIR]

Targets: at least 1.8x the documents/s from one worker to two; the writer not the bottleneck.

1. Writes --n synthetic plans (tests/synth.py, scripts/make_archive.py) to a folder.
2. For each --workers value, alternately and --repeat times (median), times `finsam import FOLDER --db fresh.sqlite --workers W -q`
   (a fresh SQLite file each time) and reports the peak RSS of the import: ru_maxrss of the
   children of a small wrapper process that runs only that import, i.e. the largest single
   process among the import and its extraction workers (not their sum).
3. The writer's share: over a sample of the plans (--sample), in this process, the time the
   workers spend per plan (``extractor.app.cli.extract_for_store``: extraction and the plan as data) and the
   time the single writer spends (``batch.store``: the plan validated from that data and loaded in
   one transaction); the writer's busy share of a two-worker import is its time for all plans over
   that import's wall time, and it bounds the speed-up workers can give (1 / share).
4. Over the database of the last import, times typical `finsam projects` and `finsam budget`
   queries as users run them (a new process each: start-up included, output to /dev/null),
   median of --runs, and the same queries in-process (extractor.store.query), so start-up
   and query time can be told apart.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import synth  # noqa: E402

FINSAM = [sys.executable, "-m", "pipeline"] if not (Path(sys.executable).parent / "finsam").exists() \
    else [str(Path(sys.executable).parent / "finsam")]

# The queries: (name, CLI arguments, query function name, keyword filters).
QUERIES = [
    ("projects (all)", ["projects"], "projects", {}),
    ("projects --owner kommun --min-amount 500000", ["projects", "--owner", "kommun", "--min-amount", "500000"],
     "projects", {"owner": "kommun", "min_amount": 500000}),
    ("projects --text rehabilitering", ["projects", "--text", "rehabilitering"], "projects", {"text": "rehabilitering"}),
    ("projects --association uppsala --year 2016", ["projects", "--association", "uppsala", "--year", "2016"],
     "projects", {"association": "uppsala", "year": 2016}),
    ("budget --label summa", ["budget", "--label", "summa"], "budget_figures", {"label": "summa"}),
    ("budget --association kalmar --year 2020", ["budget", "--association", "kalmar", "--year", "2020"],
     "budget_figures", {"association": "kalmar", "year": 2020}),
    ("budget --section cost --format csv", ["budget", "--section", "cost", "--format", "csv"],
     "budget_figures", {"section": "cost"}),
]

# Runs one command and prints its wall time and the peak RSS of its process tree's largest process.
WRAPPER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
took = time.perf_counter() - t0
print(json.dumps({"seconds": took, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "rc": done.returncode, "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}))
"""


def wrapped(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def time_import(folder: Path, db: Path, workers: int, n: int) -> dict:
    if db.exists():
        db.unlink()
    result = wrapped([*FINSAM, "import", str(folder), "--db", str(db), "--workers", str(workers), "-q"])
    if result["rc"] != 0:
        sys.exit(f"import with --workers {workers} failed (exit {result['rc']}):\n{result['stderr']}")
    summary = result["stdout"].strip().splitlines()[-1:] or [""]
    result["summary"] = summary[0]
    result["docs_per_s"] = n / result["seconds"]
    return result


def median_cli(db: Path, args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([*FINSAM, *args, "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def median_in_process(db: Path, fn_name: str, filters: dict, runs: int) -> tuple[float, int]:
    from extractor.store import query
    from extractor.store.load import open_store

    engine = open_store(str(db))
    fn = getattr(query, fn_name)
    fn(engine, **filters)  # warm the connection and SQLite's cache
    times, found = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        found = len(fn(engine, **filters))
        times.append(time.perf_counter() - t0)
    engine.dispose()
    return statistics.median(times), found


def writer_share(paths: list[Path], sample: int, work: Path) -> tuple[float, float]:
    """Seconds per plan of a worker (extract) and of the writer (validate and store), over ``sample`` plans."""
    from extractor.app import batch
    from extractor.app.cli import extract_for_store
    from extractor.store.load import open_store

    db = work / "writer.sqlite"
    if db.exists():
        db.unlink()
    engine = open_store(str(db))
    chosen = paths[:: max(1, len(paths) // sample)][:sample]
    extract_for_store(str(chosen[0]))  # warm: the language pipeline built once
    extract = write = 0.0
    for path in chosen:
        t0 = time.perf_counter()
        payload = extract_for_store(str(path))
        t1 = time.perf_counter()
        result = batch.store(engine, batch.Job(path, None), payload)
        t2 = time.perf_counter()
        if result.status not in ("loaded", "replaced"):
            sys.exit(f"{path}: {result.status}: {result.message}")
        extract += t1 - t0
        write += t2 - t1
    engine.dispose()
    return extract / len(chosen), write / len(chosen)


def parse_workers(text: str) -> list[int]:
    return [os.cpu_count() or 1 if w.strip() == "all" else int(w) for w in text.split(",") if w.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description="Import a synthetic archive and query it.")
    ap.add_argument("--n", type=int, default=1000, help="plans in the archive (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", default="1,all", help="comma-separated --workers values; 'all' = CPU count")
    ap.add_argument("--runs", type=int, default=5, help="runs per query (median)")
    ap.add_argument("--repeat", type=int, default=3, help="imports per --workers value, alternating (median)")
    ap.add_argument("--sample", type=int, default=100, help="plans timed in-process for the writer's share")
    ap.add_argument("--keep", type=Path, help="write the archive and databases here and keep them")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="finsam-archive-"))
    folder = work / "archive"
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    paths = synth.write_archive(folder, args.n, args.seed)
    size = sum(p.stat().st_size for p in paths) / 2 ** 20
    print(f"archive: {len(paths)} synthetic plans, {size:.1f} MiB, written in {time.perf_counter() - t0:.1f} s "
          f"({os.cpu_count()} CPUs)")
    db = work / "archive.sqlite"
    rates: dict[int, float] = {}
    walls: dict[int, float] = {}
    # the worker counts alternate, --repeat times, and each is reported by its median: one run of an import
    # on a shared machine varies by several percent
    runs: dict[int, list[dict]] = {}
    for _ in range(args.repeat):
        for workers in parse_workers(args.workers):
            runs.setdefault(workers, []).append(time_import(folder, db, workers, len(paths)))
    for workers, results in runs.items():
        r = sorted(results, key=lambda x: x["seconds"])[len(results) // 2]
        rates[workers], walls[workers] = r["docs_per_s"], r["seconds"]
        every = ", ".join(f"{x['seconds']:.1f}" for x in results)
        print(f"import --workers {workers}: {r['seconds']:.1f} s = {r['docs_per_s']:.1f} documents/s (median of "
              f"{len(results)}: {every} s); peak RSS {max(x['maxrss_kib'] for x in results) / 1024:.0f} MiB "
              f"(largest process); {r['summary']}")
    if 1 in rates and 2 in rates:
        speedup = rates[2] / rates[1]
        print(f"import speed-up from 1 to 2 workers: {speedup:.2f}x (target >= 1.8x: "
              f"{'met' if speedup >= 1.8 else 'NOT met'})")
    if args.sample > 0:
        per_extract, per_write = writer_share(paths, args.sample, work)
        print(f"per plan (in-process, {min(args.sample, len(paths))} plans): worker {per_extract * 1000:.0f} ms, "
              f"writer {per_write * 1000:.0f} ms ({100 * per_write / (per_extract + per_write):.0f} % of one plan's "
              f"work)")
        if 2 in walls:
            busy = per_write * len(paths) / walls[2]
            print(f"writer busy {100 * busy:.0f} % of the --workers 2 import's wall time (not the bottleneck "
                  f"while < 100 %; it allows up to {1 / busy if busy else float('inf'):.1f}x the documents/s)")
    print(f"database: {db.stat().st_size / 2 ** 20:.1f} MiB")
    for name, cli_args, fn_name, filters in QUERIES:
        cli = median_cli(db, cli_args, args.runs)
        inner, found = median_in_process(db, fn_name, filters, args.runs)
        print(f"{name}: {found} rows; command {cli * 1000:.0f} ms, query alone {inner * 1000:.1f} ms "
              f"(median of {args.runs})")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
