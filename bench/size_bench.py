"""Is `pipeline.run` linear in a text plan's size? Times 0.5, 1, 2 and 5 MB text plans of two kinds.

    python bench/size_bench.py [--repeats N] [--sizes 0.5,1,2,4.99] [--kinds prose,plans]

* prose: a corpus plan followed by numbered follow-up sections of prose until the size, as
  bench/big_input_bench.py builds them (one budget, few projects, a long section tree);
* plans: the corpus plans (corpus/*.txt, corpus/more/*.txt) one after another, each under a
  numbered appendix heading, until the size: tables, projects, goals and sections all grow
  with the size.

The ingest refuses a text file over the size limit (``FINSAM_MAX_MB``, 5 MB by default, bytes of
the file), so the largest plan is just under it: 4.99 MB. In one warm process (the language
pipeline built first), single-threaded, the median of ``--repeats`` runs of each size. Linear:
the time per MB stays flat, time(5 MB) / time(0.5 MB) is about the size ratio (10); a quadratic
step would make it about 100.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pipeline  # noqa: E402
from big_input_bench import long_plan  # noqa: E402
from extractor.ingest import max_bytes  # noqa: E402

SLACK = 1.25  # time per MB of the largest plan at most this many times that of the smallest: linear


def many_plans(size: int) -> str:
    """The corpus plans one after another, each under a numbered appendix heading, while they fit in
    ``size`` bytes."""
    plans = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "corpus").glob("*.txt"))
             + sorted((ROOT / "corpus" / "more").glob("*.txt"))]
    out, total, i = [], 0, 0
    while True:
        part = f"\n\n{i + 1}. Bilaga {i + 1}\n\n" + plans[i % len(plans)]
        if total + len(part.encode()) > size:
            return "".join(out)
        out.append(part)
        total += len(part.encode())
        i += 1


KINDS = {"prose": long_plan, "plans": many_plans}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", default="0.5,1,2,4.99", help="MB (10**6 bytes), comma-separated")
    ap.add_argument("--kinds", default="prose,plans", help=f"comma-separated, of {', '.join(KINDS)}")
    args = ap.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    pipeline.run(ROOT / "corpus" / "003_336f07384b85b2b9.txt")  # warm: the language pipeline is built
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            rows = []
            for mb in sizes:
                path = Path(tmp) / f"{kind}-{mb:g}mb.txt"
                path.write_text(KINDS[kind](int(mb * 1_000_000)), encoding="utf-8")
                size = path.stat().st_size
                if size > max_bytes():
                    sys.exit(f"{path.name}: {size} bytes, over the ingest's limit of {max_bytes()} (FINSAM_MAX_MB)")
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    pipeline.run(path)
                    times.append(time.perf_counter() - t0)
                rows.append((size / 1e6, statistics.median(times)))
            report(kind, rows)


def report(kind: str, rows: list[tuple[float, float]]) -> None:
    base_mb, base_s = rows[0]
    print(f"{kind}: {'plan':>8} {'seconds':>8} {'s per MB':>9} {'size x':>7} {'time x':>7}")
    for mb, s in rows:
        print(f"{kind}: {mb:7.2f}M {s:8.2f} {s / mb:9.2f} {mb / base_mb:7.1f} {s / base_s:7.1f}")
    (mb0, s0), (mb1, s1) = rows[0], rows[-1]
    growth = (s1 / mb1) / (s0 / mb0)
    print(f"{kind}: time({mb1:.2f} MB) / time({mb0:.2f} MB) = {s1 / s0:.1f} for {mb1 / mb0:.1f} times the size; time per "
          f"MB x{growth:.2f} from the smallest to the largest: {'linear' if growth <= SLACK else 'NOT linear'} "
          f"(target: linear, per MB within x{SLACK})")


if __name__ == "__main__":
    main()
