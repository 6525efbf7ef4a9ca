"""Tables whose rows are lines: tab-separated, markdown pipes, dot leaders, aligned with spaces.

Each physical form only decides where a line's cells are (``layout.cells_of`` and
``layout.aligned_cells``); from there one reader serves them all:

* header rows are the leading rows whose cells are years, kinds of figures (Budget, Utfall,
  Prognos, Plan, Totalt), units (``tkr`` under each year) or names of columns that hold no
  kronor (Not, Konto, Andel, Invånare, Huvudman, Period); several header rows stack per column
  (``Prognos`` over ``2016`` over ``tkr``);
* a column whose header names no amount, or whose cells are mostly words, is left out;
* a table whose rows are years (``År | Medlemsbidrag | Kostnader | Resultat | Eget kapital``)
  is turned so its columns are years, like every other table;
* a label wrapped onto a line of its own (``Förbundets kansli (förbundschef,`` then
  ``processledare, administratör)``) is joined to its row; an account code before a label
  (``4010 Personalkostnader``) becomes the row's code.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from extractor import vocab
from extractor.layout.blocks import Block, aligned_cells, cells_of, is_rule_line
from extractor.vocab import numbers
from extractor.tables.grid import AMOUNT_KINDS, SETTINGS, Grid, GridColumn, GridRow, ValueCell, column_kind, is_header_cell, non_amount_kind, year_like
from extractor.vocab.numbers import Amount

Cell = tuple[int, int, str]
CODE = re.compile(r"^(\d{3,5})\s+(?=[A-ZÅÄÖa-zåäö])")
GLUED_FIGURE = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+\s*$")  # '2020-12-460 000': a figure lost in a text cell
DOT_LEADER = re.compile(r"\.{4,}|…{2,}")
DIGIT = re.compile(r"\d")
BALANCE = re.compile(r"balans", re.I)
YEAR_LABEL = re.compile(r"^\s*((?:19|20)\d{2})\b\s*(.*)$")
_YEAR_ROWS_HEADER = vocab.compile_words(vocab.YEAR_ROWS_HEADER)


def fold_spaces(s: str) -> str:
    """Spaces folded and trimmed (str.split() splits at what \\s+ matches)."""
    return " ".join(s.split())


def form_of(block: Block) -> str:
    texts = [l.text for l in block.lines]
    if any(t.lstrip().startswith("|") for t in texts):
        return "pipe"
    if any("\t" in t for t in texts):
        return "tab"
    if any(DOT_LEADER.search(t) for t in texts):
        return "leader"
    return "space"


def _cells(block: Block, form: str) -> list[list[Cell]]:
    lines = [l for l in block.lines if not is_rule_line(l.text)]
    if form == "space":
        return aligned_cells(lines)
    return [cells_of(line) for line in lines]


def has_header(block: Block) -> bool:
    rows = [r for r in _cells(block, form_of(block)) if any(c[2].strip() for c in r)]
    return _header_rows(rows) > 0


def _header_rows(rows: list[list[Cell]]) -> int:
    """How many leading rows are header rows."""
    n = 0
    for cells in rows:
        values = [c for c in cells[1:] if c[2].strip()]
        if not values or (n and cells[0][2].strip()):
            break  # only the first header row may name the label column; "Intäkter  tkr  tkr" is a row
        if any(isinstance(numbers.parse_cell(c[2]), Amount) and not year_like(c[2]) for c in values):
            break
        if n == 0 and non_amount_kind(cells[0][2]) == "text":
            break  # "Period   2017": a project's field, not a header over the label column
        header_like = all(is_header_cell(c[2]) for c in values)
        names = n == 0 and bool(_YEAR_ROWS_HEADER.search(cells[0][2]))  # "År | Medlemsbidrag | Kostnader"
        # a row of years with a word or two beside them ("2024  jan–aug  helår  2025") under or over the kinds
        years = not cells[0][2].strip() and any(numbers.parse_year(c[2]) is not None and year_like(c[2]) for c in values) \
            and all(len(c[2].split()) <= SETTINGS.year_header_words for c in values)
        if not (header_like or names or years):
            break
        n += 1
    return n


def _columns(rows: list[list[Cell]], nhead: int, width: int) -> tuple[list[GridColumn], str]:
    """Column headers stacked over the header rows; also the label column's header text."""
    head = rows[:nhead]
    # a header row with fewer cells than the body and no label cell stands over the last columns
    aligned = []
    for cells in head:
        if len(cells) < width and cells and is_header_cell(cells[0][2]):
            cells = [(cells[0][0], cells[0][0], "")] * (width - len(cells)) + cells
        aligned.append(cells)
    columns = []
    for idx in range(1, width):
        parts = [c[idx] for c in aligned if idx < len(c) and c[idx][2].strip()]
        label = fold_spaces(" ".join(p[2] for p in parts))
        year = numbers.parse_year(label) if label else None
        kind = (non_amount_kind(label) or column_kind(label)) if label else "budget"
        if kind == "total" and len(numbers.years_in(label)) >= 2:
            year = None  # "Totalt 2013–2015" is no one year's figure
        columns.append(GridColumn(label, year, kind, parts[0][0] if parts else None, parts[-1][1] if parts else None,
                                  unit=numbers.find_unit(label) if label else None))
    for prev, col in zip(columns, columns[1:]):
        if col.year is None and col.kind in ("actual", "forecast") and prev.year is not None:
            col.year = prev.year  # "Budget 2025 | Utfall jan–aug | Prognos helår": one year in several kinds
    label_head = fold_spaces(" ".join(c[0][2] for c in aligned if c))
    return columns, label_head


def _text_columns(rows: list[list[Cell]], columns: list[GridColumn]) -> None:
    """A column whose cells are mostly words (owners, periods) holds no amounts."""
    for idx, col in enumerate(columns):
        if col.kind not in ("budget", "value") or col.year is not None and col.label:
            continue
        kinds = Counter()
        for cells in rows:
            if idx + 1 < len(cells) and cells[idx + 1][2].strip():
                parsed = numbers.parse_cell(cells[idx + 1][2])
                kinds["amount" if isinstance(parsed, Amount) else "text" if parsed == "text" else "other"] += 1
        if kinds["text"] > kinds["amount"]:
            col.kind = "text"


def _caption_year(columns: list[GridColumn], title: str, caption: str) -> None:
    """One amount column with no year ("Belopp (kr)") under a caption naming one year ("Medlemsbidrag 2021")."""
    amount = [c for c in columns if c.kind in AMOUNT_KINDS and c.kind != "total"]
    if len(amount) != 1 or amount[0].year is not None:
        return
    years = set(numbers.years_in(title)) or set(numbers.years_in(caption))
    if len(years) == 1:
        amount[0].year = years.pop()


def label_goes_on(label: str, nxt: str) -> bool:
    """Is ``nxt`` the rest of a label wrapped onto the next line?"""
    return (label.count("(") > label.count(")") or label.rstrip().endswith((",", "-", "–", "/", " och"))
            or nxt[:1].islower())


def _join_wrapped(rows: list[GridRow]) -> list[GridRow]:
    """A label-only row that continues the label before or after it is not a row of its own."""
    out: list[GridRow] = []
    for row in rows:
        prev = out[-1] if out else None
        if prev is not None and not row.values and not row.blank_cells and row.label and prev.label and \
                label_goes_on(prev.label, row.label):
            prev.label = fold_spaces(prev.label + " " + row.label)
            prev.end = max(prev.end, row.end)
            continue
        out.append(row)
    return out


def grid_from_block(block: Block, title: str, caption: str, year_hint: Optional[int]) -> Optional[Grid]:
    form = form_of(block)
    rows_cells = [r for r in _cells(block, form) if any(c[2].strip() for c in r)]
    if not rows_cells:
        return None
    width = max(len(r) for r in rows_cells)
    nhead = _header_rows(rows_cells)
    if nhead:
        columns, label_head = _columns(rows_cells, nhead, width)
    else:
        label_head = ""
        caption_years = numbers.years_in(caption)
        year = caption_years[-1] if caption_years else year_hint
        columns = [GridColumn("", year if idx == 1 else None, "budget") for idx in range(1, width)]
    body = rows_cells[nhead:]
    _text_columns(body, columns)
    _caption_year(columns, title, caption)
    grid = Grid(title=title, caption=caption, start=block.start, end=block.end, layout=form, columns=columns, rows=[],
                balance=bool(BALANCE.search(title + " " + caption)))
    if _years_as_rows(body, columns, label_head):
        return _transposed(grid, body)
    units: list[str] = []
    row_units: list[str] = []
    percents: Counter[int] = Counter()
    # columns no header names, in a table whose header names the others: a row reaching into them is misread
    unheaded = {i for i, c in enumerate(columns) if not c.label} if any(c.label for c in columns) else set()
    unheaded |= set(range(len(columns), width))
    text_columns = {i for i, c in enumerate(columns) if c.kind == "text"}
    codes = sum(1 for cells in body if CODE.match(cells[0][2].strip())) >= max(2, len([c for c in body if len(c) > 1]) // 3)
    for cells in body:
        s, e, text = cells[0]
        label = fold_spaces(text)
        row = GridRow(label=label, start=s + (len(text) - len(text.lstrip())), end=cells[-1][1])
        if codes and (m := CODE.match(label)):
            row.code, row.label = m.group(1), label[m.end():]
        if unheaded and any(isinstance(numbers.parse_cell(c[2]), Amount) for i, c in enumerate(cells[1:]) if i in unheaded):
            grid.doubts.append(f"{label or 'a row'}: more figures than the table has columns")
        if text_columns and any(i in text_columns and GLUED_FIGURE.search(c[2]) for i, c in enumerate(cells[1:])):
            grid.doubts.append(f"{label or 'a row'}: a figure run into the text of another column")
        field = non_amount_kind(label) == "text"  # a field such as "Period  2017" holds no kronor
        for idx, (cs, ce, t) in enumerate(cells[1:]):
            if idx >= len(columns) or columns[idx].kind not in AMOUNT_KINDS or field:
                continue
            parsed = numbers.parse_cell(t)
            if isinstance(parsed, Amount):
                row.values[idx] = ValueCell.found(cs, t, parsed)
                if parsed.unit:
                    units.append(parsed.unit)
            elif parsed is None and t.strip():
                row.blank_cells += 1
            elif parsed == "percent":
                percents[idx] += 1
            elif parsed == "text" and not DIGIT.search(t) and (unit := numbers.find_unit(t)):
                row_units.append(unit)  # a unit row ("Intäkter  t kr  t kr")
        if not row.label and not row.values:
            continue
        grid.rows.append(row)
    grid.rows = _join_wrapped(grid.rows)
    for idx, n in percents.items():  # a column of shares ("Andel"), not one row of them ("Eget kapital i %")
        if n > sum(1 for r in grid.rows if idx in r.values):
            columns[idx].kind = "percent"
            for row in grid.rows:
                row.values.pop(idx, None)
    set_unit(grid, units, label_head, caption, row_units)
    return grid


def set_unit(grid: Grid, units: list[str], label_head: str, caption: str, row_units: list[str] = ()) -> None:
    """The table's unit: printed in the cells or a unit row, else in the header, else in the caption."""
    heading_labels = " ".join(r.label for r in grid.rows if not r.values)
    col_units = [c.unit for c in grid.columns if c.unit]
    for source, unit in (("cell", Counter(units).most_common(1)[0][0] if units else None),
                         ("row", Counter(row_units).most_common(1)[0][0] if row_units else None),
                         ("column", Counter(col_units).most_common(1)[0][0] if col_units else None),
                         ("header", numbers.find_unit(label_head)),
                         ("row", numbers.find_unit(heading_labels)),
                         ("caption", numbers.find_unit(caption))):
        if unit:
            grid.unit, grid.unit_source = unit, source
            return


def _years_as_rows(body: list[list[Cell]], columns: list[GridColumn], label_head: str) -> bool:
    if any(c.year for c in columns):
        return False
    labels = [cells[0][2] for cells in body if any(c[2].strip() for c in cells[1:])]
    years = [int(m.group(1)) for l in labels if (m := YEAR_LABEL.match(l))]
    if len(labels) < 2 or len(years) != len(labels):
        return False
    return bool(_YEAR_ROWS_HEADER.search(label_head)) or all(0 < b - a <= 2 for a, b in zip(years, years[1:]))


def _transposed(grid: Grid, body: list[list[Cell]]) -> Grid:
    """Rows are years: each header column becomes a row, each year row a column."""
    names = grid.columns
    rows = [GridRow(label=c.label, start=c.start if c.start is not None else grid.start,
                    end=c.end if c.end is not None else grid.start) for c in names]
    columns: list[GridColumn] = []
    for cells in body:
        m = YEAR_LABEL.match(cells[0][2])
        if not m:
            continue
        rest = fold_spaces(m.group(2))
        col = len(columns)
        columns.append(GridColumn(fold_spaces(cells[0][2]), int(m.group(1)), column_kind(rest) if rest else "budget",
                                  cells[0][0], cells[0][1]))
        for idx, (cs, ce, t) in enumerate(cells[1:]):
            if idx >= len(rows) or names[idx].kind not in AMOUNT_KINDS:
                continue
            parsed = numbers.parse_cell(t)
            if isinstance(parsed, Amount):
                rows[idx].values[col] = ValueCell.found(cs, t, parsed)
    grid.columns = columns
    grid.rows = [r for r in rows if r.values]
    set_unit(grid, [], "", grid.caption)
    return grid
