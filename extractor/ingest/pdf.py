"""PDF ingest: pdfplumber words -> the same canonical text the text ingester writes.

The canonical text of a PDF has the shape of a text plan, so every later stage
(layout, the one table parser, the audit) serves both formats:

* one line per paragraph: lines a paragraph wraps onto are joined again, and a
  word hyphenated across lines is joined (``verksam-`` + ``heten`` -> ``verksamheten``;
  ``funktions-`` + ``och`` keeps ``funktions- och``; ``Kävl-`` + ``Lomma`` keeps the hyphen);
* a blank line between paragraphs (a vertical gap larger than the line pitch);
* a table row is one line with its cells separated by tabs, exactly like the text
  files have them. Ruled tables come from pdfplumber's table finder (a cell wrapped
  onto several lines becomes one cell); unruled tables from the words' x-positions
  (label left, right-aligned numbers in columns that consecutive lines share). A
  table continuing on the next page simply continues: its rows stay consecutive lines;
* running headers and footers (the same line at about the same height on most pages)
  and page numbers (``3``, ``Sida 3``, ``3 (12)``) are dropped.

Every emitted word keeps its page and box (:class:`Word`), so ``Document.span`` gives
page and bounding box for any extracted value. Bold and italic words become
:class:`Mark` data, and a bold line set larger than the body is a heading mark.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Optional, Union

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils.exceptions import PdfminerException

from extractor.document import Document, Mark, Word
from extractor.vocab import LIST_ITEM, MINUS, UNITS
from extractor.errors import EncryptedPdf, NeedsOCR, PdfError
from extractor.ingest import pdfium_text
from extractor.ingest.text import PAGE_NUMBER
from schemas import Source


@dataclass(frozen=True)
class Settings:
    """Tolerances, in PDF points unless said otherwise."""

    x_tolerance: float = 1.5  # pdfplumber: chars closer than this form one word
    y_tolerance: float = 2.0
    line_tolerance: float = 3.0  # words whose tops differ by less are on one line
    space_gap: float = 0.15  # x size: a gap narrower than this between words is no space
    column_gap: float = 0.6  # x size: a wider gap between words separates table columns
    paragraph_gap: float = 0.4  # x size: a line gap this much above the usual pitch is a paragraph break
    space_width: float = 0.35  # x size: the width a space takes, for "would the next word have fit?"
    margin_zone: float = 0.12  # top and bottom share of the page where running headers live
    header_share: float = 0.5  # a header repeats on at least this share of the pages
    header_y_slack: float = 6.0
    table_break: float = 3.0  # x size: a wider gap between two lines ends a table
    # Who reads the characters and rules: "pdfium" (PDFium, pdfplumber only for a page or file it
    # cannot serve exactly) or "pdfplumber" (pdfminer's interpreter throughout). Both give the
    # same words and tables (tests/test_pdf_text_layer.py); PDFium is several times faster.
    text_layer: str = "pdfium"


SETTINGS = Settings()
# "funktions- och arbetsförmåga": a hyphen before these words is kept, with its space.
KEEP_HYPHEN_BEFORE = {"och", "eller", "samt", "resp", "resp.", "respektive", "till", "som", "alternativt"}
BARE_NUMBER = re.compile(r"^\s*[-–]?\s*\d{1,4}\s*[-–]?\s*$")
_UNIT = "|".join(re.escape(u).replace("\\ ", r"\s?") for u in sorted(UNITS, key=len, reverse=True))
NUMERIC = re.compile(rf"^[{MINUS}]?\s*[\d\s.,]*\d[\d\s.,]*\s*(?:{_UNIT}|%)?$|^[{MINUS}]\s*(?:{_UNIT})$", re.I)
WORD_HYPHEN_END = re.compile(r"\w-$")


# -- pieces read from the PDF --------------------------------------------------------------
@dataclass
class PWord:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int  # 1-based
    size: float
    bold: bool
    italic: bool

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class TextLine:
    words: list[PWord]
    page: int
    right: Optional[float] = None  # the right edge of its column, on a page set in columns
    column: int = 0  # the column it stands in (numbered per document), 0 outside columns
    column_start: bool = False  # the first line of a column after the first of its region

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Row:
    """A table row: cells, each a list of lines of words (a cell may wrap)."""

    cells: list[list[list[PWord]]]
    page: int
    top: float
    bottom: float
    table: int  # tables are numbered per document; rows of one table share it


Item = Union[TextLine, Row]


@dataclass
class Page:
    number: int
    height: float
    items: list[Item] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------
def read(path: Path, data: bytes, settings: Optional[Settings] = None) -> list[Page]:
    """Words and ruled tables of every page. Raises PdfError and its subclasses.

    A file pdfminer cannot read (a damaged cross-reference table, a broken page tree) is
    read again as PDFium repairs it; if that fails too, the first error stands. Each page
    is closed once read, so memory does not grow with the page count. The libraries'
    warnings about damaged files are quiet: a file that cannot be read gets one error."""
    settings = settings or SETTINGS
    if b"%PDF-" not in data[:1024]:
        raise PdfError(path, "not a PDF (no %PDF header), though its name says so")
    with quiet_libraries():
        try:
            pages = read_pages(path, data, settings)
        except EncryptedPdf:
            raise
        except PdfError as first:
            repaired = repair(data)
            if repaired is None:
                raise
            try:
                pages = read_pages(path, repaired, settings)
            except PdfError:
                raise first from None
    if not any(p.items for p in pages):
        raise NeedsOCR(path, f"PDF has {len(pages)} page(s) but no text layer (a scan?): it needs OCR")
    return pages


def read_pages(path: Path, data: bytes, settings: Settings) -> list[Page]:
    if settings.text_layer == "pdfium":
        pages = read_pages_pdfium(data, settings)
        if pages is not None:
            return pages
    elif settings.text_layer != "pdfplumber":
        raise ValueError(f"unknown text layer {settings.text_layer!r}: 'pdfium' or 'pdfplumber'")
    return read_pages_pdfplumber(path, data, settings)


def read_pages_pdfium(data: bytes, settings: Settings) -> Optional[list[Page]]:
    """Every page through PDFium (a page it cannot serve exactly through pdfplumber), or None
    when the file is for pdfplumber alone: one PDFium or pdfminer cannot open or walk, or one
    without a word on any page (a scan, or content only pdfminer's reading would fail on), so
    that such a file gets the answer, and the error, it always got."""
    try:
        layer = pdfium_text.Layer(data)
    except pdfium_text.Unreadable:
        return None
    pages: list[Page] = []
    table_ids = iter(range(10**9))
    plumber = None
    try:
        for index in range(len(layer)):
            got = layer.page(index, settings.x_tolerance, settings.y_tolerance)
            if got is None:
                if plumber is None:
                    plumber = pdfplumber.open(io.BytesIO(data))
                page = plumber.pages[index]
                pages.append(read_page(page, table_ids, settings))
                page.close()
                pdfium_text.PAGES_READ["pdfplumber"] += 1
                continue
            pdfium_text.PAGES_READ["pdfium"] += 1
            words = [PWord(text, x0, top, x1, bottom, index + 1, round(size, 1), *_style(font))
                     for text, x0, top, x1, bottom, size, font in got.words]
            tables = TableFinder(_Rules(got.edges, got.bbox), TableSettings.resolve(None)).tables if got.edges else []
            pages.append(page_items(index + 1, got.height, words, tables, table_ids, settings))
    except Exception:
        return None
    finally:
        layer.close()
        if plumber is not None:
            _close(plumber)
    if not pages or not any(p.items for p in pages):
        return None
    return pages


@dataclass
class _Rules:
    """What pdfplumber's table finder reads of a page with its default ("lines") strategy."""

    edges: list[dict]
    bbox: tuple[float, float, float, float]


def read_pages_pdfplumber(path: Path, data: bytes, settings: Settings) -> list[Page]:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # PdfminerException wrapping what pdfminer raised, or others on damaged files
        raise _pdf_error(path, exc, data) from None
    pages: list[Page] = []
    table_ids = iter(range(10**9))
    try:
        for page in pdf.pages:  # the page tree and content streams are parsed lazily, here
            pages.append(read_page(page, table_ids, settings))
            page.close()
            pdfium_text.PAGES_READ["pdfplumber"] += 1
    except Exception as exc:
        raise _pdf_error(path, exc, data) from None
    finally:
        _close(pdf)
    if not pages:
        raise PdfError(path, "PDF has no pages")
    return pages


def repair(data: bytes) -> Optional[bytes]:
    """The file as PDFium reads and writes it again (a new cross-reference table), or None."""
    try:
        import pypdfium2

        doc = pypdfium2.PdfDocument(data)
        try:
            out = io.BytesIO()
            doc.save(out)
        finally:
            doc.close()
        return out.getvalue()
    except Exception:
        return None


@contextmanager
def quiet_libraries():
    """pdfminer's log messages and warnings about a damaged file stay quiet while it is read."""
    logger = logging.getLogger("pdfminer")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _close(pdf) -> None:
    """Release the file without pdfplumber's close(), which walks the page tree again
    (and raises anew on a broken one, hiding the real error)."""
    try:
        pdf.flush_cache()
        pdf.stream.close()
    except Exception:
        pass


def _pdf_error(path: Path, exc: Exception, data: bytes = b"") -> PdfError:
    inner = exc.args[0] if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return EncryptedPdf(path, "PDF is encrypted: it needs a password to be read")
    detail = str(inner).strip() or type(inner).__name__
    if data and b"%%EOF" not in data:
        return PdfError(path, f"PDF is truncated or damaged (no %%EOF marker; {type(inner).__name__}: {detail[:120]})")
    return PdfError(path, f"PDF cannot be read ({type(inner).__name__}: {detail[:120]})")


def read_page(page, table_ids, settings: Settings) -> Page:
    number = page.page_number
    raw = page.extract_words(
        x_tolerance=settings.x_tolerance, y_tolerance=settings.y_tolerance, keep_blank_chars=False,
        extra_attrs=["fontname", "size"],
    )
    words = [PWord(w["text"], w["x0"], w["top"], w["x1"], w["bottom"], number, round(w["size"], 1), *_style(w["fontname"]))
             for w in raw]
    tables = page.find_tables() if (page.lines or page.rects) else []
    return page_items(number, float(page.height), words, tables, table_ids, settings)


def _style(fontname: str) -> tuple[bool, bool]:
    """(bold, italic) as the font's name says."""
    name = fontname.lower()
    return "bold" in name, any(k in name for k in ("italic", "oblique"))


def page_items(number: int, height: float, words: list[PWord], found_tables, table_ids, settings: Settings) -> Page:
    """A page's words and the ruled tables pdfplumber's table finder found: the rows of each
    table (the words whose centre lies in a cell), then the other words in lines, top down."""
    out = Page(number, height)
    # a ruled table of one row is a boxed or shaded header over an unruled body: words read it
    tables = [t for t in found_tables if len(t.rows) >= 2]
    taken: set[int] = set()
    for table in tables:
        table_id = next(table_ids)
        near = [i for i, w in enumerate(words) if _centre_in(w, table.bbox)]  # a cell's words are the table's
        for row in table.rows:
            cells = []
            for bbox in row.cells:
                inside = [] if bbox is None else [i for i in near if i not in taken and _centre_in(words[i], bbox)]
                taken.update(inside)
                cells.append(group_lines([words[i] for i in inside], settings))
            if any(cells):
                out.items.append(Row(cells, number, row.bbox[1], row.bbox[3], table_id))
    rest = [w for i, w in enumerate(words) if i not in taken]
    out.items += [TextLine(ws, number) for ws in group_lines(rest, settings)]
    out.items.sort(key=lambda it: it.top)
    return out


def _centre_in(w: PWord, bbox) -> bool:
    x, y = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def group_lines(words: list[PWord], settings: Settings = SETTINGS) -> list[list[PWord]]:
    """Words -> lines in reading order (clustered by ``top``, then left to right)."""
    lines: list[list[PWord]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(w.top - lines[-1][0].top) <= settings.line_tolerance:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(l, key=lambda w: w.x0) for l in lines]


# -- running headers and footers -----------------------------------------------------------
def _key(line: TextLine) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.text.strip().lower()))


def _in_margin(line: TextLine, page: Page, settings: Settings) -> bool:
    zone = settings.margin_zone * page.height
    return line.top < zone or line.bottom > page.height - zone


def drop_running_lines(pages: list[Page], settings: Settings = SETTINGS) -> None:
    """Remove running headers/footers and page numbers, in place."""
    seen: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for page in pages:
        for it in page.items:
            if isinstance(it, TextLine) and _in_margin(it, page, settings):
                seen[_key(it)].append((page.number, it.top))
    need = max(2, settings.header_share * len(pages))
    running: dict[str, float] = {}
    for key, hits in seen.items():
        mid = median(t for _, t in hits)
        pages_hit = {p for p, t in hits if abs(t - mid) <= settings.header_y_slack}
        if len(pages_hit) >= need:
            running[key] = mid
    for page in pages:
        kept = [
            it for it in page.items
            if not (isinstance(it, TextLine) and _in_margin(it, page, settings)
                    and _key(it) in running and abs(it.top - running[_key(it)]) <= settings.header_y_slack)
        ]
        # a page number is the first or last line of its page, in the margin zone
        for end in (0, -1):
            if kept and isinstance(kept[end], TextLine) and _in_margin(kept[end], page, settings):
                text = kept[end].text
                if PAGE_NUMBER.match(text) or BARE_NUMBER.match(text):
                    kept.pop(end)
        page.items = kept


# -- columns of prose ------------------------------------------------------------------------
# A page may set its prose in two or three columns, with headings and tables across the whole
# width between them. Grouped by height alone, a line would run across all columns and mix
# their sentences. A *region* of columns is a run of lines with a gutter: an x band no word of
# the run crosses, with prose on both sides (several lines a side, several words a line,
# columns of about equal width standing side by side). Its words are read column by column
# (each column top to bottom, then the next), each column's lines knowing the column's right
# edge, so that wrapped lines join into paragraphs and a sentence carried from the foot of one
# column to the head of the next is joined too. Full-width lines (a heading over the page, a
# table row, which crosses the gutter or has figures beside its label) end a region and stay
# in page order; a page without a gutter is read exactly as before.
@dataclass(frozen=True)
class ColumnSettings:
    gutter: float = 1.2  # x size: the narrowest gutter between two columns
    lines: int = 4  # a column has at least this many lines in its region
    words: float = 2.5  # ... with this many words a line on average: prose, not table cells
    letters: float = 0.6  # ... most of them words, not figures
    share: float = 0.2  # a column is at least this share of its region's width
    balance: float = 0.5  # and at least this share of the widest column's width
    overlap: float = 0.5  # columns stand side by side over this share of the shorter one's height
    reach: float = 0.45  # a line reaching this share into a gutter past its column's edge ends the region
    tail: int = 3  # lines under a region that may stand apart from it (a heading, a table's caption or header)
    apart: float = 0.8  # x size: a gap setting the last lines of a column apart, below the others


COLUMNS = ColumnSettings()
Interval = tuple[float, float]


def split_columns(pages: list[Page], cs: ColumnSettings = COLUMNS, settings: Settings = SETTINGS) -> None:
    """Regions of each page set in columns -> their lines column by column, in place."""
    column_ids = iter(range(1, 10**9))
    for page in pages:
        items: list[Item] = []
        run: list[TextLine] = []
        for it in page.items + [None]:
            if isinstance(it, TextLine):
                run.append(it)
                continue
            items += read_columns(run, column_ids, cs, settings) if run else []
            run = []
            if it is not None:
                items.append(it)
        page.items = items


def read_columns(lines: list[TextLine], column_ids, cs: ColumnSettings = COLUMNS,
                 settings: Settings = SETTINGS) -> list[TextLine]:
    """A run of text lines of one page in reading order: each region of columns column by column."""
    out: list[TextLine] = []
    done = 0
    for start, end, cuts in column_regions(lines, cs, settings):
        out += lines[done:start]
        columns = _split_words([w for l in lines[start:end] for w in l.words], cuts)
        end -= len(_set_under(lines[start:end], columns, cuts, cs))
        columns = _split_words([w for l in lines[start:end] for w in l.words], cuts)
        for k, column in enumerate(columns):
            right, column_id = max(w.x1 for w in column), next(column_ids)
            grouped = group_lines(column, settings)
            out += [TextLine(ws, lines[start].page, right, column_id, k > 0 and n == 0) for n, ws in enumerate(grouped)]
        done = end
    return out + lines[done:]


def _set_under(region: list[TextLine], columns: list[list[PWord]], cuts: list[float],
               cs: ColumnSettings) -> list[TextLine]:
    """The last lines of a region that stand apart below all its columns, a gap across the whole
    region above them (a heading, a table's caption or header): they follow the region rather
    than end a column. A tail in one column stays when the column's text may run on into it."""
    size = median(w.size for l in region for w in l.words)
    apart = [m for m in range(max(1, len(region) - cs.tail), len(region))
             if region[m].top - max(w.bottom for l in region[:m] for w in l.words) > cs.apart * size]
    if not apart:
        return []
    tail = region[apart[0]:]
    m = apart[0]
    home = {_split_index(w, cuts) for l in tail for w in l.words}
    edges = [max(w.x1 for w in c) for c in columns]
    if any(_split_index(l.words[-1], cuts) > 0 and l.x1 >= edges[_split_index(l.words[-1], cuts)] - 1 for l in tail):
        return []  # a line filling a later column: its text goes on there
    if len(home) == 1 and (k := home.pop()) + 1 < len(columns):
        above = [[w for w in l.words if _split_index(w, cuts) == k] for l in region[:m]]
        above = [ws for ws in above if ws]
        nxt = [w for w in columns[k + 1] if w.top < tail[0].top]
        if not above or not nxt:
            return []
        # the column's text runs on into the next column from the line above the gap
        right = max(w.x1 for ws in above for w in ws)
        if not wraps_onto(TextLine(above[-1], tail[0].page), TextLine(group_lines(nxt)[0], tail[0].page), right):
            return []
    return tail


def _split_index(w: PWord, cuts: list[float]) -> int:
    return sum(1 for c in cuts if c <= (w.x0 + w.x1) / 2)


def column_regions(lines: list[TextLine], cs: ColumnSettings = COLUMNS,
                   settings: Settings = SETTINGS) -> list[tuple[int, int, list[float]]]:
    """Regions of columns in a run of lines: (first line, end, x of each gutter)."""
    if len(lines) < cs.lines:
        return []
    size = median(w.size for l in lines for w in l.words)
    width = cs.gutter * size
    lo, hi = min(l.x0 for l in lines), max(l.x1 for l in lines)
    free = [_free(l.words, lo, hi, width) for l in lines]
    out: list[tuple[int, int, list[float]]] = []
    i = done = 0
    while i < len(lines):
        band, j = free[i], i + 1
        ends = []  # (end, band) where a line closed one of the bands: the region may end there
        while j < len(lines):
            narrower = _meet(band, free[j], width)
            if not narrower or _tabular(lines[j], narrower):
                break
            if len(narrower) < len(band):
                ends.append((j, band))
            band, j = narrower, j + 1
        while i < j and _tabular(lines[i], band):
            i += 1  # a table's last row over the band
        cuts = gutters(lines[i:j], band, cs) if i < j else []
        for end, wider in reversed(ends):  # a full-width line keeping one gutter of three free
            if cuts or end - i < cs.lines:
                break
            j, cuts = end, gutters(lines[i:end], wider, cs)
        stop = _intruder(lines[i:j], cuts, cs) if cuts else None
        if stop is not None:  # the region ends above a line reaching into its gutter
            j = i + stop
            cuts = gutters(lines[i:j], _band(free[i:j], width), cs)
        if cuts and any(_beside(lines[k], cuts, settings) for k in (i - 1, j) if done <= k < len(lines)):
            cuts = []  # a line beside the region parts at its gutter too, by a narrower gap: a table
        if cuts:
            out.append((i, j, cuts))
            i = done = j
        else:
            i += 1
    return out


def _band(free: list[list[Interval]], width: float) -> list[Interval]:
    band = free[0]
    for f in free[1:]:
        band = _meet(band, f, width)
    return band


def _intruder(region: list[TextLine], cuts: list[float], cs: ColumnSettings) -> Optional[int]:
    """The first line, below the region's first lines, reaching into a gutter well past where
    the columns beside it end (a table's caption or header across the gutter), or None."""
    for c in cuts:
        ends = [max((w.x1 for w in l.words if (w.x0 + w.x1) / 2 < c), default=None) for l in region]
        starts = [min((w.x0 for w in l.words if (w.x0 + w.x1) / 2 >= c), default=None) for l in region]
        left = sorted(e for e in ends if e is not None)
        right = sorted(e for e in starts if e is not None)
        if not left or not right:
            continue
        edge_l, edge_r = left[int(0.8 * (len(left) - 1))], right[int(0.2 * (len(right) - 1))]
        reach = cs.reach * max(edge_r - edge_l, 0.0)
        for n in range(cs.lines, len(region)):
            if (ends[n] is not None and ends[n] > edge_l + reach) or (starts[n] is not None and starts[n] < edge_r - reach):
                return n
    return None


def _beside(line: TextLine, cuts: list[float], settings: Settings = SETTINGS) -> bool:
    """Parted at a gutter by a gap as wide as a table's between cells, but no table row of figures."""
    parted = any(p.x1 <= c <= w.x0 and w.x0 - p.x1 > settings.column_gap * max(p.size, w.size)
                 for c in cuts for p, w in zip(line.words, line.words[1:]))
    return parted and not _tabular(line, [(c, c) for c in cuts])


def _tabular(line: TextLine, bands: list[Interval]) -> bool:
    """A table row across the bands: words, then figures alone (``Kansli  1 200  1 300``)."""
    parts = [p for p in _split_words(line.words, [(a + b) / 2 for a, b in bands]) if p]
    return (len(parts) >= 2 and all(_figure(w.text) for w in parts[-1])
            and any(c.isdigit() for w in parts[-1] for c in w.text))


def _figure(text: str) -> bool:
    return bool(AMOUNT.match(text) or DASH_CELL.match(text) or text.lower() in UNIT_WORDS)


def justified(line: TextLine, slack: float = 0.15) -> bool:
    """Are the gaps between all words of a line one width (``slack`` x size), as justification
    stretches them? A table row's gaps differ: a space inside a label or figure, wide between cells."""
    gaps = [b.x0 - a.x1 for a, b in zip(line.words, line.words[1:])]
    return len(gaps) >= 2 and max(gaps) - min(gaps) <= slack * line.size


def _free(words: list[PWord], lo: float, hi: float, width: float) -> list[Interval]:
    """The x bands of ``lo``..``hi`` no word of a line covers, at least ``width`` wide."""
    out, x = [], lo
    for w in sorted(words, key=lambda w: w.x0):
        if w.x0 - x >= width:
            out.append((x, w.x0))
        x = max(x, w.x1)
    if hi - x >= width:
        out.append((x, hi))
    return out


def _meet(a: list[Interval], b: list[Interval], width: float) -> list[Interval]:
    """The bands free in both, at least ``width`` wide."""
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi - lo >= width:
                out.append((lo, hi))
    return out


def _split_words(words: list[PWord], cuts: list[float]) -> list[list[PWord]]:
    columns: list[list[PWord]] = [[] for _ in range(len(cuts) + 1)]
    for w in words:
        columns[_split_index(w, cuts)].append(w)
    return columns


def gutters(lines: list[TextLine], bands: list[Interval], cs: ColumnSettings = COLUMNS) -> list[float]:
    """The gutters among ``bands`` (free over all ``lines``) that part columns of prose: all of
    them, else the widest one alone that does; [] when none does."""
    words = [w for l in lines for w in l.words]
    inner = [(a, b) for a, b in bands
             if any(w.x1 <= a for w in words) and any(w.x0 >= b for w in words)]
    tries = [inner] + ([[band] for band in sorted(inner, key=lambda ab: ab[0] - ab[1])] if len(inner) > 1 else [])
    for choice in tries:
        cuts = sorted((a + b) / 2 for a, b in choice)
        if cuts and _prose_columns(_split_words(words, cuts), cs):
            return cuts
    return []


def _prose_columns(columns: list[list[PWord]], cs: ColumnSettings) -> bool:
    if any(not c for c in columns):
        return False
    widths = [max(w.x1 for w in c) - min(w.x0 for w in c) for c in columns]
    total = max(w.x1 for c in columns for w in c) - min(w.x0 for c in columns for w in c)
    if min(widths) < cs.share * total or min(widths) < cs.balance * max(widths):
        return False
    for c in columns:
        lines = group_lines(c)
        if len(lines) < cs.lines or len(c) < cs.words * len(lines):
            return False
        if sum(1 for w in c if any(ch.isalpha() for ch in w.text)) < cs.letters * len(c):
            return False
    spans = [(min(w.top for w in c), max(w.bottom for w in c)) for c in columns]
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        if min(a1, b1) - max(a0, b0) < cs.overlap * min(a1 - a0, b1 - b0):
            return False
    return True


# -- unruled tables ----------------------------------------------------------------------------
# A table without rules is found and read from the words' geometry alone:
#
# * a *value line* splits into segments at wide gaps and has an amount in a segment after the
#   first (the label); its segments outside the label give the value columns: the union of their
#   x-extents over all value lines of the table (right-aligned figures of one column overlap,
#   those of neighbouring columns never do), so a column stays put where cells are empty;
# * the lines between and around value lines that fit the columns (label-only lines, header
#   lines over the value columns, wrapped cell text) belong to the table; a line of prose
#   crossing from the label into the value columns ends it, and line spacing alone never does;
# * header lines above the first value line combine per column (``Prognos`` / ``2016``,
#   ``Budget`` spanning ``2024 | 2025``, a unit row ``tkr tkr``); a label-only line is a section
#   line (``Intäkter``) or, when it wraps a label (tight spacing, a lowercase start, a line
#   ending in ``och`` or a comma), part of the neighbouring row's label;
# * a table that ends one page and opens the next is one table, its columns read from both
#   parts, and a header repeated at the top of the next page is dropped.
AMOUNT = re.compile(
    r"^[-–−]?\s*\(?\d{1,3}(?:[ \u00a0.]\d{3})*(?:,\d+)?\)?\s*(?:%|kr|tkr|t kr|mkr|ksek|sek)?$"
    r"|^[-–−]?\s*\d+(?:,\d+)?\s*(?:%|kr|tkr|t kr|mkr|ksek|sek)?$", re.I)
DASH_CELL = re.compile(rf"^[{MINUS}]\s*(?:{_UNIT}|%)?$", re.I)  # nothing: an empty or zero cell
YEAR_CELL = re.compile(r"^(?:19|20)\d\d$")
# a label line ending so goes on in the next line of its cell
JOINING_WORDS = KEEP_HYPHEN_BEFORE | {"i", "för", "av", "med", "på", "om", "inom", "från", "vid", "mot", "de", "den", "det", "en", "ett"}


def segments(line: TextLine, settings: Settings = SETTINGS) -> list[list[PWord]]:
    """Split a line where the gap between words is wide enough to separate columns."""
    if line.column and justified(line):
        return [list(line.words)]  # a line of a prose column, its spaces stretched to the edge
    out = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        if w.x0 - prev.x1 > settings.column_gap * max(prev.size, w.size):
            out.append([w])
        else:
            out[-1].append(w)
    return [piece for seg in out for piece in split_amounts(seg)]


NUMBER_WORD = re.compile(r"^[-–−(]?\d+(?:,\d+)?\)?%?$")
GROUP_WORD = re.compile(r"^\d{3}(?:,\d+)?\)?%?$")


def split_amounts(seg: list[PWord]) -> list[list[PWord]]:
    """Figures of neighbouring columns set close together (``-3 700 -3 900``) -> one segment
    each: a figure goes on only with a three-digit group a space away."""
    if len(seg) < 2 or not all(NUMBER_WORD.match(w.text) for w in seg) or AMOUNT.match(_text(seg)):
        return [seg]
    out = [[seg[0]]]
    for prev, w in zip(seg, seg[1:]):
        if GROUP_WORD.match(w.text) and not prev.text.endswith(("%", ")")) and w.x0 - prev.x1 <= 0.45 * w.size:
            out[-1].append(w)
        else:
            out.append([w])
    return out


def _text(seg: list[PWord]) -> str:
    return " ".join(w.text for w in seg)


def _is_value(seg: list[PWord]) -> bool:
    t = _text(seg)
    return bool(AMOUNT.match(t) or DASH_CELL.match(t))


def line_kind(segs: list[list[PWord]]) -> str:
    """``value`` (a label and amounts), ``years`` (a header of year cells) or ``text``."""
    if len(segs) < 2:
        return "text"
    if not _is_value(segs[-1]) or not any(_is_value(s) for s in segs[1:]):
        return "text"
    figures = [s for s in segs[1:] if _is_value(s) and re.search(r"\d", _text(s))]
    if not figures:
        return "value"  # a row of dashes
    if all(YEAR_CELL.match(_text(s)) for s in figures):
        # years over the columns are a header; a year ending wrapped cell text ("28 februari" /
        # "2027") is text
        return "years" if all(YEAR_CELL.match(_text(s)) for s in segs[1:]) else "text"
    return "value"


def _label_seg(segs: list[list[PWord]]) -> Optional[list[PWord]]:
    return None if _is_value(segs[0]) else segs[0]


@dataclass
class Grid:
    """Column zones of one table: the label zone, then one zone per value column."""

    cols: list[tuple[float, float]]
    bounds: list[float]  # left boundary of each value column's zone

    @classmethod
    def of(cls, value_segs: list[list[list[PWord]]]) -> Optional["Grid"]:
        spans, label_right = [], None
        for segs in value_segs:
            label = _label_seg(segs)
            if label is not None:
                label_right = max(label_right or 0.0, label[-1].x1)
            spans += [(s[0].x0, s[-1].x1) for s in (segs[1:] if label is not None else segs)]
        cols: list[list[float]] = []
        for a, b in sorted(spans):
            if cols and a <= cols[-1][1] + 1:
                cols[-1][1] = max(cols[-1][1], b)
            else:
                cols.append([a, b])
        if not cols:
            return None
        left = cols[0][0] - 1 if label_right is None or label_right >= cols[0][0] else (label_right + cols[0][0]) / 2
        bounds = [left] + [(p[1] + c[0]) / 2 for p, c in zip(cols, cols[1:])]
        return cls([(a, b) for a, b in cols], bounds)

    def zones(self, seg: list[PWord], slack: float = 2.0) -> list[int]:
        """Zones a segment overlaps (0 = label, k = value column k)."""
        a, b = seg[0].x0, seg[-1].x1
        edges = [-1e9] + self.bounds + [1e9]
        out = [z for z in range(len(edges) - 1) if min(b, edges[z + 1]) - max(a, edges[z]) > slack]
        if not out:  # a narrow segment on a boundary
            mid = (a + b) / 2
            out = [max(z for z in range(len(edges) - 1) if edges[z] <= mid)]
        return out

    def zone_at(self, x: float) -> int:
        return sum(1 for b in self.bounds if b <= x)

    def split(self, seg: list[PWord]) -> list[list[PWord]]:
        """A header segment cut where its words stand in different columns."""
        out: list[list[PWord]] = []
        for w in seg:
            if out and self.zone_at((out[-1][-1].x0 + out[-1][-1].x1) / 2) == self.zone_at((w.x0 + w.x1) / 2):
                out[-1].append(w)
            else:
                out.append([w])
        return out

    def best_zone(self, seg: list[PWord]) -> int:
        a, b = seg[0].x0, seg[-1].x1
        edges = [-1e9] + self.bounds + [1e9]
        return max(range(len(edges) - 1), key=lambda z: min(b, edges[z + 1]) - max(a, edges[z]))

    def fits(self, segs: list[list[PWord]], slack: float = 2.0) -> bool:
        """A line that can be part of the table: no segment crosses from the label into the
        values (a header reaching a little left of its column does not)."""
        for s in segs:
            a, b = s[0].x0, s[-1].x1
            in_label = min(b, self.bounds[0]) - a
            if in_label > max(slack, 0.3 * (b - a)) and b - self.cols[0][0] > slack:
                return False
        return True

    def right_edges_match(self, segs: list[list[PWord]], slack: float = 4.0) -> bool:
        """Does a value line end in this table's last column?"""
        return abs(segs[-1][-1].x1 - self.cols[-1][1]) <= slack or self.cols[-1][0] - slack <= segs[-1][-1].x1 <= self.cols[-1][1] + slack

    def in_values(self, segs: list[list[PWord]]) -> bool:
        return any(max(self.zones(s)) > 0 for s in segs)

    def compatible(self, other: "Grid") -> bool:
        return len(self.cols) and len(other.cols) and abs(self.cols[-1][1] - other.cols[-1][1]) <= 4


@dataclass
class Block:
    """Lines of a table found on one page; ``rows`` are filled once its columns are known."""

    lines: list[TextLine]
    segs: list[list[list[PWord]]]
    kinds: list[str]
    page: int
    chain: Optional[list["Block"]] = None

    @property
    def top(self) -> float:
        return self.lines[0].top

    def grid(self) -> Optional[Grid]:
        return Grid.of([s for s, k in zip(self.segs, self.kinds) if k == "value"])


def _names_columns(segs: list[list[PWord]], grid: Grid) -> bool:
    """A header line: a name over each value column (a new table starts under it)."""
    heads = [s for s in segs if not _is_value(s) and grid.zone_at((s[0].x0 + s[-1].x1) / 2) > 0]
    return len(grid.cols) >= 2 and len(heads) >= len(grid.cols)


def _gap(a: TextLine, b: TextLine) -> float:
    return b.top - a.bottom


def find_blocks(lines: list[TextLine], settings: Settings = SETTINGS) -> list[Union[TextLine, Block]]:
    """A run of text lines of one page -> text lines and table blocks."""
    segs = [segments(l, settings) for l in lines]
    kinds = [line_kind(s) for s in segs]
    values = [i for i, k in enumerate(kinds) if k == "value"]
    if not values:
        return list(lines)
    grid = Grid.of([segs[i] for i in values])
    if grid is None:
        return list(lines)
    size = median(l.size for l in lines)
    far = settings.table_break * size
    # value lines joined by lines that fit the columns
    groups: list[list[int]] = []
    for i in values:
        if groups:
            j0 = groups[-1][-1]
            between = range(j0 + 1, i)
            own = Grid.of([segs[k] for k in groups[-1] if kinds[k] == "value"])
            if (all(grid.fits(segs[j]) and kinds[j] != "years" and not _names_columns(segs[j], own) for j in between)
                    and own.right_edges_match(segs[i])
                    and all(_gap(lines[j], lines[j + 1]) <= far for j in range(j0, i))):
                groups[-1] += list(between) + [i]
                continue
        groups.append([i])
    out: list[Union[TextLine, Block]] = []
    done = 0
    for g in groups:
        a, b = g[0], g[-1]
        grid = Grid.of([segs[i] for i in g if kinds[i] == "value"]) or grid  # this table's own columns
        if sum(kinds[i] == "value" for i in g) < 2 and len(grid.cols) < 2:
            continue  # one figure after a label: a field line ("Budget 2020: 700 000 kr"), not a table
        inner = [_gap(lines[i], lines[i + 1]) for i in range(a, b)]
        pitch = median(inner) if inner else size
        # upwards: header lines, and section lines just above the first row
        j, header, top = a - 1, False, a
        while (j >= max(done, a - 8) and grid.fits(segs[j]) and not _sentence(lines[j])
               and _gap(lines[j], lines[j + 1]) <= far):
            if kinds[j] == "years" or grid.in_values(segs[j]):
                header, top = True, j
            elif header:
                break  # a title above the header
            elif top == j + 1 and _gap(lines[j], lines[j + 1]) <= 1.5 * pitch + 1:
                top = j  # a section line hugging the first row
            j -= 1
        a = top
        # downwards: the last row's cells wrapping onto tight lines
        while (b + 1 < len(lines) and kinds[b + 1] == "text" and grid.fits(segs[b + 1])
               and _gap(lines[b], lines[b + 1]) <= 0.5 * size and b + 1 - g[-1] <= 2
               and (grid.in_values(segs[b + 1]) or _starts_lower(lines[b + 1]) or _goes_on(_text(segs[b][0])))):
            b += 1
        out += lines[done:a]
        out.append(Block(lines[a:b + 1], segs[a:b + 1], kinds[a:b + 1], lines[a].page))
        done = b + 1
    out += lines[done:]
    return out


def _sentence(line: TextLine) -> bool:
    """A line of prose ending a sentence: never a header."""
    return len(line.words) >= 4 and line.text.rstrip().endswith((".", ":"))


def _starts_lower(line: TextLine) -> bool:
    return line.text[:1].islower()


def _goes_on(text: str) -> bool:
    text = text.rstrip()
    return text.endswith((",", "-", "–", "(")) or text.rsplit(" ", 1)[-1].lower() in JOINING_WORDS


def block_rows(block: Block, grid: Grid, leading: float, table_id: int, settings: Settings = SETTINGS) -> list[Row]:
    """The rows of one table block, cells in the grid's columns."""
    n = len(grid.cols) + 1
    lines, segs, kinds = block.lines, block.segs, block.kinds
    first_value = next((i for i, k in enumerate(kinds) if k == "value"), len(lines))
    # the header: lines above the first value line up to the last one reaching the value columns
    head_end = 0
    for i in range(first_value):
        if kinds[i] == "years" or grid.in_values(segs[i]):
            head_end = i + 1
    rows: list[Row] = []
    if head_end:
        rows.append(header_row(lines[:head_end], segs[:head_end], grid, table_id))
    # the body: one row per value line, other lines joined to a neighbour or rows of their own
    body = list(range(head_end, len(lines)))
    anchors = [i for i in body if kinds[i] != "text"]
    adjacent = [_gap(lines[i], lines[i + 1]) for i in anchors[:-1] if i + 1 in anchors]
    row_gap = median(adjacent) if adjacent else leading
    size = median(l.size for l in lines)
    padded = row_gap > leading + 0.5 * size  # cells have padding: a wrapped cell's lines are closer
    tight = (leading + row_gap) / 2
    owner: dict[int, int] = {i: i for i in anchors}
    # cells aligned to the top when the body opens with a row's first line: text wrapping in
    # other cells then belongs to the row above, else (centred cells) to the nearer row
    top_aligned = bool(body) and body[0] in anchors
    for i in body:
        if i in owner:
            continue
        prev = i - 1 if i - 1 in anchors else None
        nxt = i + 1 if i + 1 in anchors else None
        label_only = not grid.in_values(segs[i])
        if not label_only:  # wrapped text of other cells: the nearer row
            cands = [k for k in anchors if k != i]
            above = [k for k in cands if k < i]
            if top_aligned and above:
                owner[i] = above[-1]
            elif cands:
                owner[i] = min(cands, key=lambda k: (abs((lines[k].top + lines[k].bottom) / 2 - (lines[i].top + lines[i].bottom) / 2), k > i))
            else:
                owner[i] = i
            continue
        if lines[i].bold and not any(k is not None and lines[k].bold for k in (prev, nxt)):
            owner[i] = i  # a bold section line
        elif padded:
            if prev is not None and _gap(lines[prev], lines[i]) <= tight:
                owner[i] = prev
            elif nxt is not None and _gap(lines[i], lines[nxt]) <= tight:
                owner[i] = nxt
            else:
                owner[i] = i
        elif prev is not None and (_starts_lower(lines[i]) or _goes_on(_text(segs[prev][0]))):
            owner[i] = prev
        elif nxt is not None and (_goes_on(lines[i].text) or _starts_lower(lines[nxt])):
            owner[i] = nxt
        else:
            owner[i] = i
    members: dict[int, list[int]] = defaultdict(list)
    for i in body:
        members[owner[i]].append(i)
    for key in sorted(members):
        idx = sorted(members[key])
        cells: list[list[list[PWord]]] = [[] for _ in range(n)]
        filled_by: dict[int, int] = {}  # column -> the line its last cell line came from
        for i in idx:
            for seg in segs[i]:
                z = grid.best_zone(seg)
                if filled_by.get(z) == i:
                    cells[z][-1].extend(seg)
                else:
                    cells[z].append(list(seg))
                filled_by[z] = i
        rows.append(Row(cells, block.page, min(lines[i].top for i in idx), max(lines[i].bottom for i in idx), table_id))
    return rows


def header_row(lines: list[TextLine], segs: list[list[list[PWord]]], grid: Grid, table_id: int) -> Row:
    """Header lines -> one row: each column's header words top to bottom. An upper line with
    fewer headers than the columns below it (``Budget`` over ``2024 | 2025``) heads each of
    those columns with its nearest header."""
    n = len(grid.cols) + 1
    cells: list[list[list[PWord]]] = [[] for _ in range(n)]
    centre = lambda s: (s[0].x0 + s[-1].x1) / 2
    col_centre = {z: (grid.cols[z - 1][0] + grid.cols[z - 1][1]) / 2 for z in range(1, n)}
    pieces = [[p for s in line_segs for p in grid.split(s)] for line_segs in segs]
    for k, line_pieces in enumerate(pieces):
        below = {grid.zone_at(centre(p)) for later in pieces[k + 1:] for p in later} - {0}
        target: dict[int, list[list[PWord]]] = defaultdict(list)
        values = []
        for p in line_pieces:
            (values if grid.zone_at(centre(p)) > 0 else target[0]).append(p)
        bare = {z for z in below if _only_year_or_unit(z, pieces[k + 1:], grid)}
        if values and bare - {grid.zone_at(centre(p)) for p in values}:
            # a spanning header (Budget over 2024 | 2025): each year column under its territory
            values.sort(key=lambda p: p[0].x0)
            cuts = [(p[-1].x1 + q[0].x0) / 2 for p, q in zip(values, values[1:])]
            for z in sorted(bare):
                target[z].append(values[sum(1 for c in cuts if c <= col_centre[z])])
            for p in values:
                if grid.zone_at(centre(p)) not in bare:
                    target[grid.zone_at(centre(p))].append(p)
        else:
            for p in values:
                target[grid.zone_at(centre(p))].append(p)
        for z, ps in target.items():
            cells[z].append([w for p in ps for w in p])
    return Row(cells, lines[0].page, lines[0].top, lines[-1].bottom, table_id)


UNIT_WORDS = set(UNITS) | {f"({u})" for u in UNITS} | {"%"}


def _only_year_or_unit(z: int, lower: list[list[list[PWord]]], grid: Grid) -> bool:
    """Do the lower header lines name column ``z`` by a year or unit alone (``2024``, ``tkr``)?"""
    words = [w.text for line in lower for p in line if grid.zone_at((p[0].x0 + p[-1].x1) / 2) == z for w in p]
    return bool(words) and all(YEAR_CELL.match(t) or t.lower() in UNIT_WORDS for t in words)


def line_pitch_gap(pages: list[Page]) -> float:
    """The usual gap between consecutive text lines (bottom to next top)."""
    gaps = Counter()
    for page in pages:
        for a, b in zip(page.items, page.items[1:]):
            if isinstance(a, TextLine) and isinstance(b, TextLine):
                gaps[round(b.top - a.bottom, 1)] += 1
    positive = [(n, g) for g, n in gaps.items() if g >= 0]
    return max(positive)[1] if positive else 2.0


def find_tables_in_text(pages: list[Page], gap: float, settings: Settings = SETTINGS) -> None:
    """Unruled tables of all pages -> rows; a table going on over a page break stays one table."""
    for page in pages:
        items: list = []
        run: list[TextLine] = []
        for it in page.items + [None]:
            if isinstance(it, TextLine) and not (run and it.column != run[-1].column):
                run.append(it)
                continue
            items += find_blocks(run, settings) if run else []
            run = []
            if isinstance(it, TextLine):
                run.append(it)  # a column of its own, or the page below columns
            elif it is not None:
                items.append(it)
        page.items = items
    # chains: a block ending a page and one opening the next, with the same right column
    chains: list[list[Block]] = []
    prev_last = None
    for page in pages:
        first = page.items[0] if page.items else None
        if isinstance(first, Block) and isinstance(prev_last, Block) and prev_last.chain is not None:
            g1, g2 = prev_last.grid(), first.grid()
            if g1 is not None and g2 is not None and g1.compatible(g2):
                first.chain = prev_last.chain
                first.chain.append(first)
        for it in page.items:
            if isinstance(it, Block) and it.chain is None:
                it.chain = [it]
                chains.append(it.chain)
        prev_last = page.items[-1] if page.items else None
    table_ids = iter(range(10**6, 10**9))
    rows_of: dict[int, list[Row]] = {}
    for chain in chains:
        grid = Grid.of([s for b in chain for s, k in zip(b.segs, b.kinds) if k == "value"])
        table_id = next(table_ids)
        head = None
        for n, block in enumerate(chain):
            if grid is None:
                rows_of[id(block)] = []
                continue
            rows = block_rows(block, grid, gap, table_id, settings)
            if n == 0 and rows:
                head = row_key(rows[0])
            elif rows and head is not None and row_key(rows[0]) == head:
                rows = rows[1:]  # the header repeated on the next page
            rows_of[id(block)] = rows
    for page in pages:
        items = []
        for it in page.items:
            if isinstance(it, Block):
                rows = rows_of.get(id(it))
                items += rows if rows else it.lines
            else:
                items.append(it)
        page.items = items


def row_key(row: Row) -> tuple:
    return tuple(" ".join(w.text for line in cell for w in line) for cell in row.cells)


def is_paragraph_gap(a: TextLine, b: TextLine, gap: float, settings: Settings = SETTINGS) -> bool:
    return b.top - a.bottom > gap + settings.paragraph_gap * max(a.size, b.size)


# -- joining lines into the canonical text ---------------------------------------------------
Token = tuple[str, Optional[PWord]]


def line_tokens(words: list[PWord], settings: Settings = SETTINGS) -> list[Token]:
    out: list[Token] = []
    for prev, w in zip([None] + words, words):
        if prev is not None and w.x0 - prev.x1 > settings.space_gap * w.size:
            out.append((" ", None))
        out.append((w.text, w))
    return out


def join_wrapped(a: list[Token], b: list[Token]) -> list[Token]:
    """``a`` continued by the line ``b`` it wrapped onto: a space, or a hyphen joined."""
    if not a or not b:
        return a + b
    last, word = a[-1]
    first = b[0][0]
    if WORD_HYPHEN_END.search(last):
        if first.lower() in KEEP_HYPHEN_BEFORE:
            return a + [(" ", None)] + b
        if first[:1].islower() and last[-2:-1].isalpha():  # a word hyphenated at the line end
            return a[:-1] + [(last[:-1], word)] + b
        return a + b  # "Kävl-" + "Lomma", "2016-" + "2018": written with a hyphen
    return a + [(" ", None)] + b


def cell_tokens(lines: list[list[PWord]], settings: Settings = SETTINGS) -> list[Token]:
    out: list[Token] = []
    for words in lines:
        out = join_wrapped(out, line_tokens(words, settings))
    return out


BULLET = re.compile(r"^\s*[-–•*✓]\s")


def starts_item(line: TextLine, current: str) -> bool:
    """Does ``line`` begin a new list item? A bullet always does; a number ("7)", "2.") only
    inside a numbered list, else it is more likely a paragraph wrapped before a number."""
    text = line.text + " "
    if BULLET.match(text):
        return True
    return bool(LIST_ITEM.match(text)) and bool(LIST_ITEM.match(current))


def wraps_onto(a: TextLine, b: TextLine, right: float, current: str = "", settings: Settings = SETTINGS) -> bool:
    """Did ``a`` end only because ``b``'s first word would not fit? (greedy line filling)

    ``current`` is the output line ``a`` ends, to tell list items from wrapped text."""
    if starts_item(b, current) or a.bold != b.bold or abs(a.size - b.size) > 0.5:
        return False
    first = b.words[0]
    return a.x1 + settings.space_width * a.size + (first.x1 - first.x0) > right - 1


BLANK = None


def assemble(pages: list[Page], gap: float, settings: Settings = SETTINGS) -> list[Optional[list[Token]]]:
    """Items of all pages -> output lines (token lists) and BLANK separators."""
    text_lines = [it for p in pages for it in p.items if isinstance(it, TextLine)]
    right = max((l.x1 for l in text_lines), default=0.0)
    out: list[Optional[list[Token]]] = []
    prev: Optional[Item] = None
    last_of_page: dict[int, Item] = {p.number: p.items[-1] for p in pages if p.items}
    first_of_page: dict[int, Item] = {p.number: p.items[0] for p in pages if p.items}
    for page in pages:
        for it in page.items:
            if isinstance(it, Row):
                tokens = row_tokens(it, settings)
                if not (isinstance(prev, Row) and continues_table(prev, it, last_of_page, first_of_page)):
                    out.append(BLANK)
                out.append(tokens)
            else:
                tokens = line_tokens(it.words, settings)
                if isinstance(prev, TextLine) and out and out[-1] is not BLANK:
                    current = _tokens_text(out[-1])
                    same_page = prev.page == it.page
                    fits = wraps_onto(prev, it, right if prev.right is None else prev.right, current, settings)
                    if it.column_start and not fits:
                        out.append(tokens)  # the next column goes on with a line of its own
                    elif same_page and not it.column_start and is_paragraph_gap(prev, it, gap, settings):
                        out += [BLANK, tokens]
                    elif fits:
                        out[-1] = join_wrapped(out[-1], tokens)
                    elif same_page or starts_item(it, current) and LIST_ITEM.match(current):
                        out.append(tokens)  # a line break, or the next item of a list going on over a page break
                    else:
                        out += [BLANK, tokens]
                else:
                    out += [BLANK, tokens]
            prev = it
    return out


def _tokens_text(tokens: list[Token]) -> str:
    return "".join(t for t, _ in tokens)


def continues_table(a: Row, b: Row, last_of_page, first_of_page) -> bool:
    if a.table == b.table:
        return True
    # a table going on over a page break: last row of one page, first of the next, same width
    return (b.page == a.page + 1 and last_of_page.get(a.page) is a and first_of_page.get(b.page) is b
            and len(a.cells) == len(b.cells))


def row_tokens(row: Row, settings: Settings = SETTINGS) -> list[Token]:
    out: list[Token] = []
    for i, cell in enumerate(row.cells):
        if i:
            out.append(("\t", None))
        out.extend(cell_tokens(cell, settings))
    return out


# -- the document ----------------------------------------------------------------------------
def normalise_blanks(lines: list[Optional[list[Token]]]) -> list[Optional[list[Token]]]:
    """No blank line at the start or end, never two in a row."""
    out: list[Optional[list[Token]]] = []
    for line in lines:
        if line is BLANK and (not out or out[-1] is BLANK):
            continue
        out.append(line)
    while out and out[-1] is BLANK:
        out.pop()
    return out


def build(lines: list[Optional[list[Token]]], npages: int) -> tuple[str, list[Word], list[Mark], list[int]]:
    """Output lines -> canonical text, words with boxes, marks, page start offsets."""
    parts: list[str] = []
    words: list[Word] = []
    marks: list[Mark] = []
    pos = 0
    body_size = _body_size(lines)
    for line in normalise_blanks(lines):
        start = pos
        runs: dict[str, Optional[int]] = {"bold": None, "italic": None}
        line_words: list[PWord] = []
        for text, pw in line or []:
            if pw is not None or text == "\t":
                for kind in runs:
                    on = pw is not None and getattr(pw, kind)
                    if on and runs[kind] is None:
                        runs[kind] = pos
                    elif not on and runs[kind] is not None:
                        marks.append(Mark(runs[kind], _trim_end(parts, pos), kind))
                        runs[kind] = None
            if pw is not None:
                words.append(Word(pos, pos + len(text), pw.page, pw.box))
                line_words.append(pw)
            parts.append(text)
            pos += len(text)
        for kind, frm in runs.items():
            if frm is not None:
                marks.append(Mark(frm, pos, kind))
        if line_words and all(w.bold for w in line_words) and max(w.size for w in line_words) >= 1.15 * body_size:
            marks.append(Mark(start, pos, "heading"))
        parts.append("\n")
        pos += 1
    text = "".join(parts)
    page_starts = [0]
    for p in range(2, npages + 1):
        at = next((w.start for w in words if w.page >= p), len(text))
        line_start = text.rfind("\n", 0, at) + 1
        page_starts.append(line_start if not text[line_start:at].strip() else at)  # a row's empty first cell
    return text, words, marks, page_starts


def _trim_end(parts: list[str], pos: int) -> int:
    return pos - 1 if parts and parts[-1] in (" ", "\t") else pos


def _body_size(lines) -> float:
    sizes = Counter(pw.size for line in lines if line for _, pw in line if pw is not None)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def ingest(path: Path, data: bytes, settings: Optional[Settings] = None) -> Document:
    settings = settings or SETTINGS
    pages = read(path, data, settings)
    drop_running_lines(pages, settings)
    split_columns(pages)
    gap = line_pitch_gap(pages)
    find_tables_in_text(pages, gap, settings)
    lines = assemble(pages, gap, settings)
    text, words, marks, page_starts = build(lines, len(pages))
    source = Source(path=str(path), sha256=hashlib.sha256(data).hexdigest(), format="pdf", pages=len(pages))
    return Document(path=str(path), text=text, source=source, marks=marks, words=words, page_starts=page_starts)
