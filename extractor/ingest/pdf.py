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
from pdfplumber.utils.exceptions import PdfminerException

from extractor.document import Document, Mark, Word
from extractor.errors import EncryptedPdf, NeedsOCR, PdfError
from extractor.ingest.text import PAGE_NUMBER
from extractor.layout import LIST_ITEM
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


SETTINGS = Settings()
# "funktions- och arbetsförmåga": a hyphen before these words is kept, with its space.
KEEP_HYPHEN_BEFORE = {"och", "eller", "samt", "resp", "resp.", "respektive", "till", "som", "alternativt"}
BARE_NUMBER = re.compile(r"^\s*[-–]?\s*\d{1,4}\s*[-–]?\s*$")
NUMERIC = re.compile(r"^[-–−]?\s*[\d\s.,]*\d[\d\s.,]*\s*(?:kr|tkr|t kr|mkr|%)?$|^-\s*kr$", re.I)
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
def read(path: Path, data: bytes, settings: Settings = SETTINGS) -> list[Page]:
    """Words and ruled tables of every page. Raises PdfError and its subclasses.

    A file pdfminer cannot read (a damaged cross-reference table, a broken page tree) is
    read again as PDFium repairs it; if that fails too, the first error stands. Each page
    is closed once read, so memory does not grow with the page count. The libraries'
    warnings about damaged files are quiet: a file that cannot be read gets one error."""
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
    words = [
        PWord(w["text"], w["x0"], w["top"], w["x1"], w["bottom"], number, round(w["size"], 1),
              "bold" in w["fontname"].lower(), any(k in w["fontname"].lower() for k in ("italic", "oblique")))
        for w in raw
    ]
    out = Page(number, float(page.height))
    tables = page.find_tables() if (page.lines or page.rects) else []
    taken: set[int] = set()
    for table in tables:
        table_id = next(table_ids)
        for row in table.rows:
            cells = []
            for bbox in row.cells:
                inside = [] if bbox is None else [i for i, w in enumerate(words) if i not in taken and _centre_in(w, bbox)]
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


# -- unruled tables ----------------------------------------------------------------------------
def segments(line: TextLine, settings: Settings = SETTINGS) -> list[list[PWord]]:
    """Split a line where the gap between words is wide enough to separate columns."""
    out = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        if w.x0 - prev.x1 > settings.column_gap * max(prev.size, w.size):
            out.append([w])
        else:
            out[-1].append(w)
    return out


def columns_of(rows: list[list[list[PWord]]]) -> list[tuple[float, float]]:
    """Column x-ranges: the union of overlapping segment extents of the multi-segment lines."""
    spans = sorted((seg[0].x0, seg[-1].x1) for segs in rows for seg in segs)
    cols: list[list[float]] = []
    for a, b in spans:
        if cols and a <= cols[-1][1] + 1:
            cols[-1][1] = max(cols[-1][1], b)
        else:
            cols.append([a, b])
    return [(a, b) for a, b in cols]


def _column_of(seg: list[PWord], cols: list[tuple[float, float]]) -> int:
    a, b = seg[0].x0, seg[-1].x1
    overlaps = [min(b, c1) - max(a, c0) for c0, c1 in cols]
    best = max(range(len(cols)), key=lambda i: overlaps[i])
    if overlaps[best] > 0:
        return best
    return min(range(len(cols)), key=lambda i: abs((a + b) / 2 - (cols[i][0] + cols[i][1]) / 2))


def _numeric_tail(segs: list[list[PWord]]) -> bool:
    return all(NUMERIC.match(" ".join(w.text for w in seg)) for seg in segs[1:])


def find_unruled_tables(lines: list[TextLine], table_ids, settings: Settings = SETTINGS) -> list[Item]:
    """A block of lines without paragraph gaps -> its table rows (tab cells) and remaining text lines."""
    segs = [segments(l, settings) for l in lines]
    multi = [i for i, s in enumerate(segs) if len(s) >= 2]
    if not multi or (len(multi) == 1 and not (len(lines) == 1 and _numeric_tail(segs[multi[0]]))):
        return list(lines)
    cols = columns_of([segs[i] for i in multi])
    if len(cols) < 2:
        return list(lines)
    label_right = cols[1][0]

    def fits(i: int) -> bool:  # a label-only line inside a table: it stays in the label column
        return len(segs[i]) >= 2 or (lines[i].x0 < cols[0][1] and lines[i].x1 < label_right)

    # the table is the run of fitting lines around the multi-segment lines
    first, last = multi[0], multi[-1]
    if not all(fits(i) for i in range(first, last + 1)):
        return list(lines)
    while first > 0 and fits(first - 1):
        first -= 1
    while last + 1 < len(lines) and fits(last + 1):
        last += 1
    table_id = next(table_ids)
    out: list[Item] = list(lines[:first])
    for i in range(first, last + 1):
        cells: list[list[list[PWord]]] = [[] for _ in cols]
        for seg in segs[i]:
            c = _column_of(seg, cols)
            if cells[c]:
                cells[c][0].extend(seg)
            else:
                cells[c].append(list(seg))
        out.append(Row(cells, lines[i].page, lines[i].top, lines[i].bottom, table_id))
    out.extend(lines[last + 1:])
    return out


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
    table_ids = iter(range(10**6, 10**9))
    for page in pages:
        items: list[Item] = []
        block: list[TextLine] = []
        for it in page.items + [None]:
            if isinstance(it, TextLine) and (not block or not is_paragraph_gap(block[-1], it, gap, settings)):
                block.append(it)
                continue
            if block:
                items.extend(find_unruled_tables(block, table_ids, settings))
                block = []
            if isinstance(it, TextLine):
                block = [it]
            elif it is not None:
                items.append(it)
        page.items = items


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
                    if same_page and is_paragraph_gap(prev, it, gap, settings):
                        out += [BLANK, tokens]
                    elif wraps_onto(prev, it, right, current, settings):
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


def ingest(path: Path, data: bytes, settings: Settings = SETTINGS) -> Document:
    pages = read(path, data, settings)
    drop_running_lines(pages, settings)
    gap = line_pitch_gap(pages)
    find_tables_in_text(pages, gap, settings)
    lines = assemble(pages, gap, settings)
    text, words, marks, page_starts = build(lines, len(pages))
    source = Source(path=str(path), sha256=hashlib.sha256(data).hexdigest(), format="pdf", pages=len(pages))
    return Document(path=str(path), text=text, source=source, marks=marks, words=words, page_starts=page_starts)
