"""PDF throughput: the whole pipeline beside its peers on the same PDFs, pages per second.

    .venv/bin/python bench/pdf_bench.py [--repeat 3] [--no-profile] [PDF ...]

Over the corpus PDFs of every producer (corpus/pdf: reportlab; corpus/more/pdf: LibreOffice,
Chromium, Word), in one process, alternately, ``--repeat`` times (median):

* ``pipeline.run``: the whole walk (ingest, layout, parsing, audit) to a PlanDocument;
* pdfplumber ``extract_words`` on every page, with the ingest's tolerances (finsam's reader);
* pdfminer ``extract_pages`` with its default layout analysis (LAParams), the text layer under both;
* camelot's stream flavour (``camelot.read_pdf(flavor="stream", pages="all")``), the peer a user could
  pick for unruled tables, when installed (``pip install -e '.[bench]'``). camelot reads only the
  first page unless told ``pages="all"``; that figure is printed too, for what a bare call measures.

Targets: pipeline.run at least camelot stream's pages/s, and at most 1.3x the time of
bare ``extract_words``. Then, unless ``--no-profile``, one profiled pass of ``pipeline.run``
shows where its time goes (pdfminer's content-stream interpreter, pdfplumber's objects, word
grouping, table finding, the rest of the ingest, the later stages).
"""
from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
from pdfminer.high_level import extract_pages  # noqa: E402

import pipeline  # noqa: E402
from extractor.ingest.pdf import SETTINGS  # noqa: E402

RATIO_GOAL = 1.3  # pipeline.run / bare extract_words, time


def corpus_pdfs() -> list[Path]:
    return sorted((ROOT / "corpus" / "pdf").glob("*.pdf")) + sorted((ROOT / "corpus" / "more" / "pdf").glob("*.pdf"))


def bare_pdfplumber(paths: list[Path]) -> int:
    pages = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words(x_tolerance=SETTINGS.x_tolerance, y_tolerance=SETTINGS.y_tolerance)
                page.close()
                pages += 1
    return pages


def bare_pdfminer(paths: list[Path]) -> int:
    return sum(1 for path in paths for _ in extract_pages(path))


def whole_pipeline(paths: list[Path]) -> int:
    return sum(pipeline.run(path).source.pages or 0 for path in paths)


def camelot_reader(pages: str):
    try:
        import camelot
    except ImportError:
        return None

    def read(paths: list[Path]) -> int:
        n = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no tables found on page N"
            for path in paths:
                camelot.read_pdf(str(path), flavor="stream", pages=pages)
                n += 1 if pages == "1" else len(pdfplumber.open(path).pages)
        return n

    return read


def page_count(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            total += len(pdf.pages)
    return total


PROFILE_PARTS = [  # (what, function in the profile whose cumulative time it is)
    ("pdfminer: content streams interpreted", "pdfinterp.py", "process_page"),
    ("pdfplumber: chars and rules made into objects", "page.py", "iter_layout_objects"),
    ("pdfplumber: chars grouped into words", "text.py", "extract_words"),
    ("pdfplumber: ruled tables found", "page.py", "find_tables"),
    ("ingest: the whole PDF reader", "pdf.py", "ingest"),
    ("pipeline.run", "pipeline.py", "run"),
]


def profile(paths: list[Path]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    whole_pipeline(paths)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _, name), (_, _, _, ct, _) in stats.items():
        key = (Path(filename).name, name)
        cumulative[key] = max(cumulative.get(key, 0.0), ct)
    total = cumulative.get(("pipeline.py", "run"), 0.0) or 1.0
    print("  profile of pipeline.run (cProfile, cumulative; the parts overlap from the top down):")
    for what, filename, name in PROFILE_PARTS:
        seconds = cumulative.get((filename, name), 0.0)
        print(f"    {what:48s} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    reader = cumulative.get(("pdf.py", "ingest"), 0.0)
    print(f"    {'after the reader: layout, parsing, audit':48s} {total - reader:7.2f} s  "
          f"{100 * (total - reader) / total:5.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    paths = args.pdfs or corpus_pdfs()
    pages = page_count(paths)
    contenders = {
        "pipeline.run": whole_pipeline,
        "pdfplumber extract_words": bare_pdfplumber,
        "pdfminer extract_pages": bare_pdfminer,
    }
    camelot_all, camelot_first = camelot_reader("all"), camelot_reader("1")
    if camelot_all is not None:
        contenders["camelot stream (all pages)"] = camelot_all
    for fn in contenders.values():  # warm up: imports, lexicons, models loaded once
        fn(paths[:1])
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeat):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn(paths)
            times[name].append(time.perf_counter() - t0)
    print(f"{len(paths)} PDFs ({pages} pages; reportlab, LibreOffice, Chromium, Word), median of {args.repeat} runs")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, seconds in medians.items():
        print(f"  {name:30s} {seconds:7.2f} s  {pages / seconds:7.1f} pages/s")
    if camelot_first is not None:
        t0 = time.perf_counter()
        n = camelot_first(paths)
        seconds = time.perf_counter() - t0
        print(f"  {'camelot stream (first page)':30s} {seconds:7.2f} s  {n / seconds:7.1f} pages/s  "
              f"(camelot's default pages='1': {n} of the {pages} pages)")
    ratio = medians["pipeline.run"] / medians["pdfplumber extract_words"]
    print(f"  pipeline.run / extract_words: {ratio:.2f}x time (target <= {RATIO_GOAL}x: "
          f"{'met' if ratio <= RATIO_GOAL else 'NOT met'})")
    if camelot_all is not None:
        ours, theirs = pages / medians["pipeline.run"], pages / medians["camelot stream (all pages)"]
        print(f"  pipeline.run vs camelot stream: {ours:.1f} vs {theirs:.1f} pages/s = {ours / theirs:.2f}x "
              f"(target >= 1.0x: {'met' if ours >= theirs else 'NOT met'})")
    else:
        print("  camelot: not installed (pip install -e '.[bench]'); compared with pdfminer and pdfplumber only")
    if not args.no_profile:
        profile(paths)


if __name__ == "__main__":
    main()
