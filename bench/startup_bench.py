"""Start-up: whole `finsam` commands as a user runs them, each beside its target.

Times `finsam --help`, every query command on a small store, `finsam extract` on one text plan (the
language data cached as after a first run) and an error path, as whole processes (median of 5), and
prints the modules `python -X importtime` shows as the slowest to import for `--help` and a query.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINSAM = str(Path(sys.executable).with_name("finsam"))
PLAN = ROOT / "corpus" / "more" / "N15.txt"
RUNS = 5


def timed(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(args, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def slowest_imports(code: str, n: int = 5) -> list[str]:
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT).stderr
    rows = []
    for line in out.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s+(\S.*)", line)
        if m and not m.group(2).startswith(" "):
            rows.append((int(m.group(1)), m.group(2).strip()))
    return [f"{name} {us / 1000:.0f} ms" for us, name in sorted(rows, reverse=True)[:n]]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "startup.db")
        subprocess.run([FINSAM, "import", str(ROOT / "corpus" / "000_aeb16daac0bbbe6e.txt"), "--db", db, "--quiet",
                        "--workers", "1"], capture_output=True, check=True)
        subprocess.run([FINSAM, "extract", str(PLAN)], capture_output=True)  # the lemma cache, as after a first run
        cases = [
            ("finsam --help", [FINSAM, "--help"], 0.3),
            *((f"finsam {query} (a query command)", [FINSAM, query, "--db", db], 0.3)
              for query in ("projects", "budget", "goals", "associations", "findings")),
            ("finsam extract, one text plan", [FINSAM, "extract", str(PLAN)], 1.5),
            ("finsam extract, a missing file (an error path)", [FINSAM, "extract", "no-such-plan.txt"], 0.5),
        ]
        for name, args, target in cases:
            t = timed(args)
            print(f"{name}: {t:.2f} s (target < {target} s: {'met' if t < target else 'not met'})")
    print("slowest imports of --help:", "; ".join(slowest_imports("from extractor.app import cli")))
    print("slowest imports of a query:", "; ".join(slowest_imports("from extractor.app import cli; "
                                                                    "from extractor.store import query")))


if __name__ == "__main__":
    main()
