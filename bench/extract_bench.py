"""Documents per second through `pipeline.run` (what `finsam extract` does) on the corpus texts.

    python bench/extract_bench.py [--rounds N]

Prints the median over rounds of the whole corpus, after one warm-up round (which pays for
building the language pipeline once).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pipeline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    files = sorted((ROOT / "corpus").glob("*.txt"))
    t0 = time.perf_counter()
    for f in files:
        pipeline.run(f)
    first = time.perf_counter() - t0
    times = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for f in files:
            pipeline.run(f)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    size = sum(f.stat().st_size for f in files) / 1024
    print(f"extract (text): {len(files)} documents, {size:.0f} KiB; first round {first:.2f} s (includes start-up)")
    print(f"extract (text): median {med:.3f} s per corpus round = {len(files) / med:.1f} documents/s, "
          f"{size / med:.0f} KiB/s")


if __name__ == "__main__":
    main()
