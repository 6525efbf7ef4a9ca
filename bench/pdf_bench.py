"""PDF throughput: the whole pipeline beside its peers on the same PDFs, pages per second.

    .venv/bin/python bench/pdf_bench.py [--repeat 3] [--no-profile] [PDF ...]

Over the corpus PDFs of every producer (corpus/pdf: reportlab; corpus/more/pdf: LibreOffice,
Chromium, Word), in one process, alternately, ``--repeat`` times (median):

* ``pipeline.run`` with each text layer (``Settings.text_layer``): the whole walk (ingest,
  layout, parsing, audit) to a PlanDocument, reading the characters and rules through PDFium
  (the default) and through pdfplumber (pdfminer's interpreter);
* pdfplumber ``extract_words`` on every page, with the ingest's tolerances (the old reader, bare);
* PDFium's bare text: pypdfium2's text page of every page and its text (no boxes, no words);
* pdfminer ``extract_pages`` with its default layout analysis (LAParams), pdfplumber's text layer;
* camelot's stream flavour (``camelot.read_pdf(flavor="stream", pages="all")``), the peer a user could
  pick for unruled tables, when installed (``pip install -e '.[bench]'``). camelot reads only the
  first page unless told ``pages="all"``; that figure is printed too, for what a bare call measures.

Targets: pipeline.run (PDFium) at least camelot stream's pages/s, and at most 1.3x the time of
bare ``extract_words``. Then, unless ``--no-profile``, one profiled pass of ``pipeline.run``
shows where its time goes (PDFium's characters, words, rules and tables, pdfminer's fonts, the
rest of the ingest, the later stages), and how many pages each reader served.
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
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
import pypdfium2  # noqa: E402
from pdfminer.high_level import extract_pages  # noqa: E402

import pipeline  # noqa: E402
from extractor.ingest import pdf as pdf_ingest, pdfium_text  # noqa: E402
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


def bare_pdfium(paths: list[Path]) -> int:
    pages = 0
    for path in paths:
        doc = pypdfium2.PdfDocument(path.read_bytes())
        try:
            for page in doc:
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
                pages += 1
        finally:
            doc.close()
    return pages


@contextmanager
def text_layer(name: str):
    """pipeline.run reading PDFs through ``name`` ("pdfium" or "pdfplumber")."""
    saved = pdf_ingest.SETTINGS
    pdf_ingest.SETTINGS = replace(saved, text_layer=name)
    try:
        yield
    finally:
        pdf_ingest.SETTINGS = saved


def whole_pipeline(paths: list[Path], layer: str = "pdfium") -> int:
    with text_layer(layer):
        return sum(pipeline.run(path).source.pages or 0 for path in paths)


def pipeline_pdfplumber(paths: list[Path]) -> int:
    return whole_pipeline(paths, "pdfplumber")


def camelot_reader(pages: str, counts: dict[Path, int]):
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
                n += 1 if pages == "1" else counts[path]
        return n

    return read


def page_counts(paths: list[Path]) -> dict[Path, int]:
    counts = {}
    for path in paths:
        with pdfplumber.open(path) as pdf:
            counts[path] = len(pdf.pages)
    return counts


PROFILE_PARTS = [  # (what, function in the profile whose cumulative time it is)
    ("documents opened: PDFium, and pdfminer's fonts", "pdfium_text.py", "__init__"),
    ("  of which pdfminer's fonts (no content read)", "pdfium_text.py", "page_fonts"),
    ("PDFium: characters, pdfminer's boxes", "pdfium_text.py", "_chars"),
    ("words grouped as extract_words does", "pdfium_text.py", "group_words"),
    ("PDFium: path objects made rules", "pdfium_text.py", "_objects"),
    ("pdfplumber: ruled tables found (TableFinder)", "table.py", "__init__"),
    ("pdfplumber: pages PDFium could not serve", "pdf.py", "read_page"),
    ("ingest: the whole PDF reader", "pdf.py", "ingest"),
    ("pipeline.run", "pipeline.py", "run"),
]


def profile(paths: list[Path]) -> None:
    pdfium_text.PAGES_READ.clear()
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
    read = pdfium_text.PAGES_READ
    print(f"  pages read through PDFium: {read['pdfium']}, through pdfplumber (pages PDFium cannot serve "
          f"exactly): {read['pdfplumber']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    paths = args.pdfs or corpus_pdfs()
    counts = page_counts(paths)
    pages = sum(counts.values())
    contenders = {
        "pipeline.run": whole_pipeline,
        "pipeline.run (pdfplumber layer)": pipeline_pdfplumber,
        "pdfplumber extract_words": bare_pdfplumber,
        "PDFium bare text": bare_pdfium,
        "pdfminer extract_pages": bare_pdfminer,
    }
    camelot_all, camelot_first = camelot_reader("all", counts), camelot_reader("1", counts)
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
        print(f"  {name:32s} {seconds:7.2f} s  {pages / seconds:7.1f} pages/s")
    if camelot_first is not None:
        t0 = time.perf_counter()
        n = camelot_first(paths)
        seconds = time.perf_counter() - t0
        print(f"  {'camelot stream (first page)':32s} {seconds:7.2f} s  {n / seconds:7.1f} pages/s  "
              f"(camelot's default pages='1': {n} of the {pages} pages)")
    ratio = medians["pipeline.run"] / medians["pdfplumber extract_words"]
    print(f"  pipeline.run / extract_words: {ratio:.2f}x time (target <= {RATIO_GOAL}x: "
          f"{'met' if ratio <= RATIO_GOAL else 'NOT met'})")
    old = medians["pipeline.run (pdfplumber layer)"] / medians["pipeline.run"]
    print(f"  pipeline.run, PDFium layer vs pdfplumber layer: {old:.2f}x faster")
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
