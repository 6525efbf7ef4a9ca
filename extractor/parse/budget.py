"""Budget tables: layout blocks -> :class:`schemas.BudgetTable`.

Three layouts reach this module:

* tab tables (text files, and the PDF ingester writes table rows the same way),
* space-aligned tables (cells apart by two or more spaces),
* tables flattened onto one paragraph line by web transcripts (see ``flattened``).

All three are first turned into :class:`Grid` objects (header columns plus rows of
label and value cells with their offsets); one function then classifies rows into
sections and roles and builds the schema objects, so the audit sees one shape.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from extractor.document import Document
from extractor.layout import Block, aligned_cells, cells_of
from extractor.parse import numbers
from extractor.parse.numbers import Amount, parse_cell, parse_year
from schemas import BudgetRow, BudgetTable, Cell, Column

# -- lexicons -------------------------------------------------------------------
# Column header words -> column kind.
COLUMN_KINDS = [
    (re.compile(r"utfall|bokslut|redovisat|verkligt", re.I), "actual"),
    (re.compile(r"prognos|prel\b|prel\.|preliminär", re.I), "forecast"),
    (re.compile(r"totalt|summa|total\b", re.I), "total"),
    (re.compile(r"eget kapital|\bek\b", re.I), "equity"),
    (re.compile(r"tilldelning|medlemsavgift|bidrag", re.I), "allocation"),
    (re.compile(r"önskemål", re.I), "wish"),
    (re.compile(r"budget|plan\b", re.I), "budget"),
]
COLUMN_KIND_NAMES = {"budget", "actual", "forecast", "wish", "allocation", "equity", "total", "value"}
# Footnote legends such as "(* = prognos, ** = önskemål)" -> cell kinds.
LEGEND_RE = re.compile(r"(\*{1,3})\s*=\s*([a-zåäö]+)", re.I)
LEGEND_KINDS = {"prognos": "forecast", "önskemål": "wish", "utfall": "actual", "budget": "budget"}

INCOME_RE = re.compile(r"intäkt|medlemsavgift|driftbidrag|medelstilldelning|tilldelning|bidrag från", re.I)
# Row label words -> section. Order matters: the first match wins.
SECTION_WORDS = [
    ("result", re.compile(r"resultat|medel till förfogande|nettokostnad|överskott|underskott", re.I)),
    ("equity", re.compile(r"eget kapital|\bek\b|sparade medel|ack\.?\s*res|ackumulerad|balanserad|föreg\.? år", re.I)),
    ("liabilities", re.compile(r"skulder", re.I)),
    ("income", INCOME_RE),
    ("cost", re.compile(r"kostnad|utgift|insatser|kansli|administration|projekt", re.I)),
    ("assets", re.compile(r"tillgångar|fordringar|^kassa\b|\bbank\b", re.I)),
]
TOTAL_RE = re.compile(r"^\s*(?:summa|totalt|totala|total)\b|\b(?:totalt|summa)\s*$|tillgängliga medel|rörelsens kostnader|\btotalt\b", re.I)
OF_WHICH_RE = re.compile(r"^\s*(?:därav|varav)\b", re.I)
OPENING_RE = re.compile(r"vid årets ingång|ingående|ack\.?\s*res|föreg\.? år|sparade medel|från tidigare år|årets början", re.I)
CLOSING_RE = re.compile(r"vid årets utgång|utgående|31/12|medel till förfogande|årets slut", re.I)
RESULT_RE = re.compile(r"resultat|medel till förfogande|nettokostnad", re.I)


# -- the intermediate grid --------------------------------------------------------
@dataclass
class ValueCell:
    start: int
    end: int
    amount: Amount


@dataclass
class GridRow:
    label: str
    start: int
    end: int
    values: dict[int, ValueCell] = field(default_factory=dict)  # column index -> value
    code: Optional[str] = None
    kind: Optional[str] = None  # in a table whose rows are years, the kind of this row's figures
    blank_cells: int = 0  # cells printed as empty ("-", "- kr"): a row, not a heading
    # alternatives for a flattened row whose digit run is ambiguous: list of value dicts
    alternatives: list[dict[int, ValueCell]] = field(default_factory=list)


@dataclass
class GridColumn:
    label: str
    year: Optional[int]
    kind: str
    start: Optional[int] = None
    end: Optional[int] = None


@dataclass
class Grid:
    title: str
    caption: str
    start: int
    end: int
    layout: str
    columns: list[GridColumn]
    rows: list[GridRow]
    unit: Optional[str] = None
    legend: dict[str, str] = field(default_factory=dict)
    balance: bool = False


# -- shared helpers -----------------------------------------------------------------
def column_kind(label: str) -> str:
    for rx, kind in COLUMN_KINDS:
        if rx.search(label):
            return kind
    return "budget"


def plan_year_hint(doc: Document) -> Optional[int]:
    """The plan's year as its opening lines state it (used for tables with no year header)."""
    head = doc.text[:1500]
    m = re.search(r"(?:verksamhetsplan|budget)[^\n]{0,60}?((?:19|20)\d{2})", head, re.I)
    if m:
        return int(m.group(1))
    years = numbers.years_in(head)
    return Counter(years).most_common(1)[0][0] if years else None


def _strip(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


NOT_A_TITLE = re.compile(r"kommentar|^noter?\b", re.I)


def caption_before(doc: Document, blocks: list[Block], index: int, limit: int = 3, reach: int = 8) -> tuple[str, str]:
    """(title, caption) from the blocks before a table: the nearest heading is the title,
    the text of the last few blocks the caption (where units and years are stated)."""
    texts: list[str] = []
    title = ""
    for n, b in enumerate(reversed(blocks[max(0, index - reach) : index])):
        if b.kind in ("table", "toc"):
            break
        t = _strip(b.text(doc))
        if n < limit:
            texts.append(t)
        if (b.kind == "heading" or (b.kind == "list_item" and len(t) < 60 and not t.endswith((".", ",")))) and len(t) < 120:
            if NOT_A_TITLE.search(t):
                continue  # "Budgetkommentar" heads the prose about the table, not the table
            title = t
            break
    texts.reverse()
    return title or (texts[-1][:90] if texts else ""), " ".join(texts)


# -- tab and space tables ---------------------------------------------------------------
def _is_header_cell(text: str) -> bool:
    t = text.strip()
    return bool(t) and (parse_year(t) is not None or column_kind(t) != "budget" or bool(re.search(r"budget|år\b", t, re.I)))


def _year_like(text: str) -> bool:
    """A header cell that parses as a number is a year only if the number is one: '2 026', not '2 012 345 kr'."""
    amount = parse_cell(text)
    if not isinstance(amount, Amount):
        return True
    return not amount.unit and not amount.flags and amount.value == parse_year(text) and amount.value > 0


def grid_from_block(doc: Document, block: Block, title: str, caption: str, year_hint: Optional[int]) -> Optional[Grid]:
    spaced = not any("\t" in line.text for line in block.lines)
    rows_cells = aligned_cells(block.lines) if spaced else [cells_of(line) for line in block.lines]
    if not rows_cells:
        return None
    width = max(len(r) for r in rows_cells)
    columns: list[GridColumn] = []
    body_start = 0
    first = rows_cells[0]
    value_cells = [c for c in first[1:] if c[2].strip()]
    if value_cells and all(_is_header_cell(c[2]) and (not isinstance(parse_cell(c[2]), Amount) or _year_like(c[2]))
                           for c in value_cells):
        for idx in range(1, width):
            cell = first[idx] if idx < len(first) else None
            label = _strip(cell[2]) if cell else ""
            columns.append(GridColumn(label, parse_year(label) if label else None, column_kind(label) if label else "budget",
                                      cell[0] if cell else None, cell[1] if cell else None))
        body_start = 1
    else:
        caption_years = numbers.years_in(caption)
        year = caption_years[-1] if caption_years else year_hint
        for idx in range(1, width):
            columns.append(GridColumn("", year if idx == 1 else None, "budget"))
    grid = Grid(title=title, caption=caption, start=block.start, end=block.end, layout="space" if spaced else "tab",
                columns=columns, rows=[],
                unit=None, balance=bool(re.search(r"balans", title + " " + caption, re.I)))
    percent_cols: set[int] = set()
    all_units: list[str] = []
    for cells in rows_cells[body_start:]:
        label_cell = cells[0]
        label = _strip(label_cell[2])
        row = GridRow(label=label, start=label_cell[0], end=cells[-1][1])
        units = []
        for idx, (s, e, t) in enumerate(cells[1:], start=0):
            if idx >= len(columns):
                break
            parsed = parse_cell(t)
            if isinstance(parsed, Amount):
                at = t.find(parsed.raw)
                row.values[idx] = ValueCell(s + at, s + at + len(parsed.raw), parsed)
                if parsed.unit:
                    units.append(parsed.unit)
            elif parsed is None and t.strip():
                row.blank_cells += 1
            elif parsed == "percent":
                percent_cols.add(idx)
            elif parsed == "text" and not re.search(r"\d", t) and (unit := numbers.find_unit(t)):
                units.append(unit)  # a unit row ("Intäkter  t kr  t kr")
        if not row.label and not row.values:
            continue
        grid.rows.append(row)
        all_units.extend(units)
    # the unit: printed in the cells or a unit row, else in the header row, else in the caption
    heading_labels = " ".join(r.label for r in grid.rows if not r.values)
    grid.unit = (Counter(all_units).most_common(1)[0][0] if all_units else None) or \
        numbers.find_unit(" ".join(c[2] for c in first)) or numbers.find_unit(heading_labels) or numbers.find_unit(caption)
    for idx in percent_cols:
        if idx < len(columns):
            columns[idx].kind = "percent"
    return grid


def is_budget_grid(grid: Grid) -> bool:
    """Enough money in the value columns to call it a budget table."""
    amounts = sum(1 for r in grid.rows for i, v in r.values.items() if grid.columns[i].kind != "percent")
    labelled = sum(1 for r in grid.rows if r.values)
    return amounts >= 1 and labelled >= 1 and any(c.kind != "percent" for c in grid.columns)


# -- classification -----------------------------------------------------------------------
def classify(label: str, has_values: bool, current: str, balance: bool) -> tuple[str, Optional[str]]:
    """(section, role) of a row from its label, the section it stands in and the table kind."""
    role: Optional[str] = None
    text = label.lower()
    if not has_values:
        role = "header"
    elif OF_WHICH_RE.search(text):
        role = "of_which"
    elif not label.strip():
        role = "subtotal"
    elif TOTAL_RE.search(text):
        role = "total"
    elif RESULT_RE.search(text):
        role = "result"
    elif OPENING_RE.search(text):
        role = "opening"
    elif CLOSING_RE.search(text):
        role = "closing"
    section = current
    for name, rx in SECTION_WORDS:
        if rx.search(text):
            section = name
            break
    if balance and section == "income" and "tillgång" in text:
        section = "assets"
    if not balance and section == "assets" and role == "header":
        section = "income"  # "Tillgångar" heading the funds side of a plan budget
    if role in ("of_which",):
        section = current
    return section, role


def build_table(doc: Document, grid: Grid, chosen: Optional[dict[int, int]] = None) -> BudgetTable:
    unit = grid.unit or "kr"
    factor = numbers.unit_factor(unit) or 1
    columns = [Column(index=i, label=c.label, year=c.year, kind=c.kind if c.kind in COLUMN_KIND_NAMES else "value",
                      span=doc.span(c.start, c.end) if c.start is not None else None)
               for i, c in enumerate(grid.columns) if c.kind != "percent"]
    rows: list[BudgetRow] = []
    current = "cost" if not grid.balance else "assets"
    if not grid.balance and INCOME_RE.search(grid.caption):
        current = "income"  # a table of members' contributions
    opened = False
    for r_index, grow in enumerate(grid.rows):
        values = grow.values
        if chosen is not None and grow.alternatives:
            values = grow.alternatives[chosen.get(r_index, 0)]
        section, role = classify(grow.label, bool(values) or grow.blank_cells > 0, current, grid.balance)
        if role == "header":
            if section == current and opened and section in ("income",) and not INCOME_RE.search(grow.label):
                section = "cost"  # an unnamed group after the income block is a cost group
            current = section
            opened = True
        cells = []
        for idx, vc in sorted(values.items()):
            col = grid.columns[idx]
            if col.kind == "percent":
                continue
            f = numbers.unit_factor(vc.amount.unit) if vc.amount.unit else factor
            kind = grow.kind or col.kind
            for flag in vc.amount.flags:
                if flag in grid.legend:
                    kind = grid.legend[flag]
            cells.append(Cell(year=col.year, column=col.label or (str(col.year) if col.year else ""), kind=kind,
                              amount_sek=vc.amount.sek(f or factor), raw=vc.amount.raw,
                              unit=numbers.normalise_unit(vc.amount.unit) if vc.amount.unit else unit,
                              flags=vc.amount.flags, span=doc.span(vc.start, vc.end)))
        if role is None and section == "income" and current == "cost" and not INCOME_RE.search(grow.label):
            section = "cost"
        rows.append(BudgetRow(label=grow.label, code=grow.code, section=section, role=role,
                              is_total=role in ("total", "subtotal"), span=doc.span(grow.start, grow.end), cells=cells))
    return BudgetTable(title=grid.title or grid.caption[:90], unit=unit, layout=grid.layout,  # type: ignore[arg-type]
                       span=doc.span(grid.start, grid.end), columns=columns, rows=rows)


def resolve(doc: Document, grid: Grid) -> BudgetTable:
    """Pick, for rows whose digit run was ambiguous, the reading the table's own totals confirm."""
    from itertools import product

    from extractor.audit import audit_table

    ambiguous = [i for i, r in enumerate(grid.rows) if len(r.alternatives) > 1]
    if not ambiguous:
        return build_table(doc, grid)
    options = [range(len(grid.rows[i].alternatives)) for i in ambiguous]
    best = None
    for n, combo in enumerate(product(*options)):
        if n >= 4096:
            break
        chosen = dict(zip(ambiguous, combo))
        table = build_table(doc, grid, chosen)
        findings = audit_table(table, 0)
        score = (sum(f.severity == "error" for f in findings), sum(f.severity == "warning" for f in findings), sum(combo))
        if best is None or score < best[0]:
            best = (score, table)
    return best[1]


def text_regions(blocks: list[Block]) -> list[Block]:
    """Runs of consecutive text blocks holding a long paragraph: where flattened tables hide.

    A transcript may break a flattened table across paragraphs, so a run is searched whole."""
    regions: list[Block] = []
    run: list[Block] = []
    for b in blocks + [Block("end", 0, 0)]:
        if b.kind in ("paragraph", "list_item", "heading", "field"):
            run.append(b)
            continue
        if run and any(x.end - x.start > 200 for x in run):
            regions.append(Block("paragraph", run[0].start, run[-1].end, [l for x in run for l in x.lines]))
        run = []
    return regions


def parse_tables(doc: Document, blocks: list[Block]) -> list[BudgetTable]:
    """Every budget table in the document, in reading order."""
    from extractor.parse import flattened

    year_hint = plan_year_hint(doc)
    tables: list[BudgetTable] = []
    for i, block in enumerate(blocks):
        if block.kind == "table":
            title, caption = caption_before(doc, blocks, i)
            grid = grid_from_block(doc, block, title, caption, year_hint)
            if grid and is_budget_grid(grid):
                tables.append(resolve(doc, grid))
    for region in text_regions(blocks):
        for grid in flattened.grids_in(doc, region, year_hint):
            if is_budget_grid(grid):
                tables.append(resolve(doc, grid))
    tables.sort(key=lambda t: t.span.start)
    return tables
