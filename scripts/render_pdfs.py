"""Render the corpus text plans to PDF: corpus/<stem>.txt -> corpus/pdf/<stem>.pdf.

The PDFs are test data for the PDF ingester, laid out the way real plans are:
A4 pages, a running header (association and plan title, taken from the first
lines of the text) and a page number in the footer on every page, wrapped
paragraphs, bold headings, list items with a hanging indent, and the
tab-separated tables of the text drawn as real tables.

Tables alternate between ruled (grid lines) and unruled (labels left, numbers
right-aligned): table ``t`` of file ``f`` is ruled when ``f + t`` is even. A table
whose cells must wrap is always ruled (wrapped cells without rules are ambiguous
even to a reader). In ruled tables the label column is narrow, so long labels wrap
inside their cell (after a space or a hyphen). The longest budget table of each
file continues on the next page (a page break is forced inside it).

The output is deterministic (``invariant=1``: fixed dates and document id), so
re-running gives the same bytes. Usage::

    .venv/bin/python scripts/render_pdfs.py [corpus/*.txt ...]
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.document import Document  # noqa: E402
from extractor.ingest import load  # noqa: E402
from extractor.layout.blocks import LIST_ITEM, heading_kind  # noqa: E402

# -- page and type ------------------------------------------------------------------
PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 22 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
BODY_SIZE, BODY_LEADING = 10, 13
TABLE_SIZE = 9
PARAGRAPH_GAP = 8  # points before a paragraph that follows a blank line in the text
CELL_PAD = 4  # ruled cell padding
UNRULED_GAP = 14  # white space between columns of an unruled table
MIN_SPLIT_ROWS = 12  # a budget table at least this long continues on the next page

FONT_CANDIDATES = [  # (regular, bold, italic, bold italic): DejaVu has every glyph the corpus uses (✓)
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf"),
    tuple(str(Path(reportlab.__file__).parent / "fonts" / f) for f in ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf")),
]
FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC = "Body", "Body-Bold", "Body-Oblique", "Body-BoldOblique"

NUMERIC_CELL = re.compile(r"[-–−]?\s*(?:\d[\d\s.,]*)?\s*(?:kr|tkr|%)?|\d{1,3}(?:\s\d{3})*(?:,\d+)?\s*%?")
AMOUNT = re.compile(r"\d{3}")
ASSOCIATION = re.compile(
    r"\b(?:Samordningsförbundet\s+(?!i\b)[A-ZÅÄÖ][\wåäöÅÄÖ-]+"
    r"|(?:(?:Södra|Norra|Västra|Östra|Mellersta)\s+)?[A-ZÅÄÖ][\wåäöÅÄÖ-]+s\s+[Ss]amordningsförbund)\b"
)
PLAN_TITLE = re.compile(r"verksamhetsplan[^.\n]{0,60}?(?:19|20)\d{2}", re.I)
HEADER_SCAN_LINES = 15


def register_fonts() -> None:
    for paths in FONT_CANDIDATES:
        if all(Path(p).exists() for p in paths):
            for name, p in zip((FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC), paths):
                pdfmetrics.registerFont(TTFont(name, p))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)
            return
    raise SystemExit("no usable TrueType font found")


# -- running header --------------------------------------------------------------------
def running_header(doc: Document) -> tuple[str, str]:
    """(association, plan title); either may be empty.

    The association is the name the text uses most (a title page may list others),
    the title the first "Verksamhetsplan ... YEAR" in the first lines."""
    names = [m.group(0) for m in ASSOCIATION.finditer(doc.text)]
    counts = Counter(n.lower() for n in names)
    association = max(names, key=lambda n: (counts[n.lower()], -names.index(n)), default="")
    head = [l.text for l in doc.lines if l.text.strip()][:HEADER_SCAN_LINES]
    title = next((m.group(0) for l in head for m in [PLAN_TITLE.search(l)] if m), "")
    return association, title


# -- text lines -> flowables ----------------------------------------------------------
def styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=BODY_LEADING, alignment=TA_LEFT)
    return {
        "body": body,
        "list": ParagraphStyle("list", parent=body, leftIndent=14, firstLineIndent=-14),
        "heading": ParagraphStyle("heading", parent=body, fontName=FONT_BOLD, fontSize=12, leading=15),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20),
    }


def markup(doc: Document, start: int, end: int) -> str:
    """The line's text as Paragraph markup, with the bold and italic marks of the text ingester."""
    tags = {"bold": "b", "italic": "i"}
    events: list[tuple[int, int, str]] = []
    for m in doc.marks_in(start, end):
        if m.kind in tags:
            a, b = max(m.start, start), min(m.end, end)
            events.append((a, 1, f"<{tags[m.kind]}>"))
            events.append((b, 0, f"</{tags[m.kind]}>"))
    out, pos = [], start
    for at, _, tag in sorted(events):
        out.append(escape(doc.text[pos:at]))
        out.append(tag)
        pos = at
    out.append(escape(doc.text[pos:end]))
    return "".join(out)


def paragraph(doc: Document, line, after_blank: bool, is_title: bool, st: dict) -> Paragraph:
    text = line.text.strip()
    heading, _, _ = heading_kind(text)
    if is_title:
        style = st["title"]
    elif LIST_ITEM.match(text):
        style = st["list"]
    elif heading:
        style = st["heading"]
    else:
        style = st["body"]
    if after_blank:  # on the style, not the flowable: the parts of a split paragraph are made from the style
        style = ParagraphStyle(style.name + "-gap", parent=style, spaceBefore=PARAGRAPH_GAP)
    lead = len(line.text) - len(line.text.lstrip())
    return Paragraph(markup(doc, line.start + lead, line.end), style)


# -- tables ----------------------------------------------------------------------------
@dataclass
class TableSpec:
    rows: list[list[str]]
    bold: list[list[bool]]
    italic: list[list[bool]]


def table_spec(doc: Document, lines) -> TableSpec:
    rows, bold, italic = [], [], []
    for line in lines:
        cells, b, it = [], [], []
        pos = line.start
        for part in line.text.split("\t"):
            cells.append(part.strip())
            b.append(bool(doc.marks_in(pos, pos + len(part), "bold")))
            it.append(bool(doc.marks_in(pos, pos + len(part), "italic")))
            pos += len(part) + 1
        rows.append(cells), bold.append(b), italic.append(it)
    width = max(len(r) for r in rows)
    for r, b, it in zip(rows, bold, italic):
        r += [""] * (width - len(r))
        b += [False] * (width - len(b))
        it += [False] * (width - len(it))
    return TableSpec(rows, bold, italic)


def is_numeric(cell: str) -> bool:
    return bool(cell) and NUMERIC_CELL.fullmatch(cell) is not None


def is_header_row(cells: list[str]) -> bool:
    return not cells[0] or any(re.search(r"\b(?:19|20)\d{2}\b", c) for c in cells[1:])


def is_budget_like(spec: TableSpec) -> bool:
    return sum(1 for r in spec.rows if any(AMOUNT.search(c) for c in r[1:])) >= len(spec.rows) // 2


def width_of(text: str, font: str = FONT, size: float = TABLE_SIZE) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def wrap(text: str, limit: float, font: str = FONT) -> list[str]:
    """Greedy wrap at spaces and after hyphens inside words (``Kävl-`` / ``Lomma``)."""
    tokens = re.findall(r"(\S*?[^\s-]-(?=\S)|\S+)(\s*)", text)  # ('Kävl-', ''), ('Lomma', ''); ('-', ' ')
    lines: list[str] = []
    cur, sep = "", ""
    for tok, space in tokens:
        cand = tok if not cur else cur + sep + tok
        if cur and width_of(cand, font) > limit:
            lines.append(cur)
            cur = tok
        else:
            cur = cand
        sep = " " if space else ""
    if cur:
        lines.append(cur)
    return lines


def column_widths(spec: TableSpec, ruled: bool) -> tuple[list[float], bool]:
    """Widths per column and whether every cell fits on one line."""
    pad = 2 * CELL_PAD if ruled else UNRULED_GAP
    ncols = len(spec.rows[0])
    natural = [max(width_of(r[c], FONT_BOLD) for r in spec.rows) + pad for c in range(ncols)]
    tokens = [max((width_of(t, FONT_BOLD) for r in spec.rows for t in re.split(r"(?<=-)|\s+", r[c]) if t), default=0) + pad
              for c in range(ncols)]
    widths = list(natural)
    if ruled:
        # a narrow label column: labels longer than most wrap inside their cell
        labels = sorted(width_of(r[0]) for r in spec.rows if r[0])
        if len(labels) >= 8:
            widths[0] = max(labels[int(len(labels) * 0.8)] + pad, tokens[0])
    if sum(widths) > FRAME_W:
        widths = water_fill(widths, tokens, FRAME_W)
    fits = all(width_of(r[c], FONT_BOLD) + pad <= widths[c] + 0.01 for r in spec.rows for c in range(ncols))
    return widths, fits


def water_fill(widths: list[float], floors: list[float], total: float) -> list[float]:
    """Shrink the widest columns to a common cap (never below their floor) until they fit ``total``."""
    lo, hi = 0.0, max(widths)
    for _ in range(50):
        cap = (lo + hi) / 2
        if sum(min(w, max(cap, f)) for w, f in zip(widths, floors)) > total:
            hi = cap
        else:
            lo = cap
    return [min(w, max(lo, f)) for w, f in zip(widths, floors)]


def build_table(spec: TableSpec, ruled: bool, split: bool = False) -> list:
    """The table as flowables; with ``split`` a page break is forced after its middle row."""
    widths, _ = column_widths(spec, ruled)
    pad = 2 * CELL_PAD if ruled else UNRULED_GAP
    data = []
    cell_style: list[tuple[str, int, int, str]] = []  # (command, column, row, value)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), TABLE_SIZE),
        ("LEADING", (0, 0), (-1, -1), TABLE_SIZE + 2),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if ruled:
        style += [("GRID", (0, 0), (-1, -1), 0.5, colors.black)] + [
            (k, (0, 0), (-1, -1), CELL_PAD) for k in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")
        ]
    else:
        style += [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), UNRULED_GAP),
                  ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
    for i, (row, brow, irow) in enumerate(zip(spec.rows, spec.bold, spec.italic)):
        out = []
        header = i == 0 and is_header_row(row)
        for c, cell in enumerate(row):
            bold, italic = brow[c] or header, irow[c]
            font = {(False, False): FONT, (True, False): FONT_BOLD, (False, True): FONT_ITALIC, (True, True): FONT_BOLD_ITALIC}[(bold, italic)]
            if font != FONT:
                cell_style.append(("FONTNAME", c, i, font))
            if is_numeric(cell) or (header and c > 0):
                cell_style.append(("ALIGN", c, i, "RIGHT"))
            out.append("\n".join(wrap(cell, widths[c] - pad, font)) if cell else "")
        data.append(out)
    middle = len(data) // 2
    parts = [(0, middle), (middle, len(data))] if split else [(0, len(data))]
    flowables: list = []
    for n, (a, b) in enumerate(parts):
        if n:
            flowables.append(PageBreak())
        part_style = style + [(k, (c, i - a), (c, i - a), v) for k, c, i, v in cell_style if a <= i < b]
        t = Table(data[a:b], colWidths=widths, hAlign="LEFT")
        t.setStyle(TableStyle(part_style))
        flowables.append(t)
    return flowables


# -- the document ----------------------------------------------------------------------
def items_of(doc: Document) -> list[tuple[str, list, bool]]:
    """(kind, lines, after_blank): 'table' for a run of tab lines, else 'line' for one text line."""
    items: list[tuple[str, list, bool]] = []
    run: list = []
    run_blank = blank = True
    for line in doc.lines:
        if "\t" in line.text:
            if not run:
                run_blank = blank
            run.append(line)
            continue
        if run:
            items.append(("table", run, run_blank))
            run, blank = [], False
        if not line.text.strip():
            blank = True
            continue
        items.append(("line", [line], blank))
        blank = False
    if run:
        items.append(("table", run, run_blank))
    return items


def flowables(doc: Document, file_index: int) -> list:
    st = styles()
    items = items_of(doc)
    specs = {i: table_spec(doc, lines) for i, (kind, lines, _) in enumerate(items) if kind == "table"}
    budget = [i for i, s in specs.items() if is_budget_like(s) and len(s.rows) >= MIN_SPLIT_ROWS]
    longest = max(budget, key=lambda i: len(specs[i].rows), default=None)
    out: list = []
    table_index = 0
    for i, (kind, lines, after_blank) in enumerate(items):
        if kind == "line":
            out.append(paragraph(doc, lines[0], after_blank, not out, st))
            continue
        spec = specs[i]
        ruled = (file_index + table_index) % 2 == 0 or not column_widths(spec, False)[1]
        table_index += 1
        out.append(Spacer(1, PARAGRAPH_GAP))
        out.extend(build_table(spec, ruled, split=i == longest))
        out.append(Spacer(1, PARAGRAPH_GAP))
    return out


def render(txt: Path, out: Path, file_index: int) -> None:
    doc = load(txt)
    association, title = running_header(doc)

    def decorate(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        y = PAGE_H - 14 * mm
        if association:
            canvas.drawString(MARGIN_X, y, association)
        if title:
            canvas.drawRightString(PAGE_W - MARGIN_X, y, title)
        canvas.drawCentredString(PAGE_W / 2, 12 * mm, f"Sida {canvas.getPageNumber()}")
        canvas.restoreState()

    out.parent.mkdir(parents=True, exist_ok=True)
    pdf = SimpleDocTemplate(
        str(out), pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=title or txt.stem, author=association, creator="finsam scripts/render_pdfs.py",
        subject="", invariant=1,
    )
    pdf.build(flowables(doc, file_index), onFirstPage=decorate, onLaterPages=decorate)


def main(argv: list[str]) -> None:
    register_fonts()
    paths = [Path(a) for a in argv] or sorted((ROOT / "corpus").glob("*.txt"))
    for path in paths:
        file_index = int(re.match(r"\d+", path.stem).group(0)) if re.match(r"\d+", path.stem) else 0
        out = path.parent / "pdf" / f"{path.stem}.pdf"
        render(path, out, file_index)
        print(out.relative_to(ROOT) if out.is_relative_to(ROOT) else out)


if __name__ == "__main__":
    main(sys.argv[1:])
