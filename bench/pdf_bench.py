"""PDF throughput: the whole pipeline against bare pdfplumber, pages per second.

    .venv/bin/python bench/pdf_bench.py [--repeat 5] [PDF ...]

Runs ``pipeline.run`` over the corpus PDFs, and pdfplumber's ``extract_words`` over
every page of the same files, in the same process, alternately, ``--repeat`` times;
prints the median pages per second of each and their ratio. The goal: the whole
pipeline (ingest, layout, parsing, audit) takes at most 1.5x the time pdfplumber
alone takes to read the words.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

import pipeline  # noqa: E402
from extractor.ingest.pdf import SETTINGS  # noqa: E402

GOAL = 1.5


def bare_pdfplumber(paths: list[Path]) -> int:
    pages = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words(x_tolerance=SETTINGS.x_tolerance, y_tolerance=SETTINGS.y_tolerance)
                pages += 1
    return pages


def whole_pipeline(paths: list[Path]) -> int:
    pages = 0
    for path in paths:
        pages += pipeline.run(path).source.pages or 0
    return pages


def timed(fn, paths) -> tuple[float, int]:
    t0 = time.perf_counter()
    pages = fn(paths)
    return time.perf_counter() - t0, pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    paths = args.pdfs or sorted((ROOT / "corpus" / "pdf").glob("*.pdf"))
    whole_pipeline(paths[:1])  # warm up: imports, lexicons, models loaded once
    times = {"pdfplumber extract_words": [], "pipeline.run": []}
    pages = 0
    for _ in range(args.repeat):
        for name, fn in (("pdfplumber extract_words", bare_pdfplumber), ("pipeline.run", whole_pipeline)):
            seconds, pages = timed(fn, paths)
            times[name].append(seconds)
    print(f"{len(paths)} PDFs, {pages} pages, median of {args.repeat} runs")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, seconds in medians.items():
        print(f"  {name:26s} {seconds:7.3f} s  {pages / seconds:7.1f} pages/s")
    ratio = medians["pipeline.run"] / medians["pdfplumber extract_words"]
    verdict = "within" if ratio <= GOAL else "over"
    print(f"  ratio pipeline / pdfplumber: {ratio:.2f}x ({verdict} the {GOAL}x goal)")


if __name__ == "__main__":
    main()
