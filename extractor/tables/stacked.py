"""Tables printed one cell per line, as ``pdftotext`` without ``-layout`` leaves them.

    Tabell 2. Budget 2013 och plan 2014–2015 (kr)
    Budget 2013
    Plan 2014
    Intäkter
    Medlemsavgift Försäkringskassan/
    Arbetsförmedlingen
    3 300 000
    3 400 000

The header is a run of short lines that are column headers (a year or a kind of figures, or
the name of a column without kronor such as ``Huvudman`` or ``Period``); its amount columns
give how many figures each row has. The body is a run of labels and figures: the lines of
text before a row's figures are its label (a label wrapped onto a second line is joined,
lines before it are headings such as ``Kostnader``); in a table with text columns the first
line is the label and the next lines, up to the figures, are the text cells. Page furniture
(a page number followed by the running header) is skipped; a numbered heading, a caption or
a sentence ends the table.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterator, Optional

from extractor import vocab
from extractor.document import Document, Line
from extractor.layout.blocks import NUMBERED_HEADING, is_table_line
from extractor.vocab import numbers
from extractor.tables.grid import AMOUNT_KINDS, SETTINGS, Grid, GridColumn, GridRow, ValueCell, column_kind, non_amount_kind, \
    year_like
from extractor.tables.lines import label_goes_on, set_unit
from extractor.vocab.numbers import Amount

CAPTION = vocab.CAPTION_START
BUDGET_OR_PLAN = re.compile(r"\b(?:budget|plan)\b", re.I)


def _header_line(text: str) -> bool:
    """A line that is one column header: 'Budget 2013', 'Plan 2015', 'Budget 2013 (kr)', 'Huvudman', 'Totalt'."""
    t = text.strip()
    if not t or len(t) > SETTINGS.stacked_header_chars or is_table_line(text) or t.endswith((".", ":")) or NUMBERED_HEADING.match(t):
        return False
    if non_amount_kind(t):
        return True
    words = len(t.split())
    if words > 3:
        return False
    if numbers.parse_year(t) is not None and year_like(t):
        return _named(t) or numbers.DIGITS_YEAR.fullmatch(t) is not None
    return words == 1 and _named(t) and not isinstance(numbers.parse_cell(t), Amount)


def _named(header: str) -> bool:
    """Does a header name a kind of figures ('Utfall', 'Budget', 'Plan') or a unit?"""
    return column_kind(header) != "budget" or bool(BUDGET_OR_PLAN.search(header)) or bool(numbers.find_unit(header))


def _short(text: str) -> bool:
    """Is the line short enough for a column header (what _header_line asks first)?"""
    return 0 < len(text.strip()) <= SETTINGS.stacked_header_chars


def _value(text: str) -> Optional[tuple[Optional[Amount]]]:
    """A figure or an empty cell ('–') standing alone on its line, else None."""
    parsed = numbers.parse_cell(text)
    if isinstance(parsed, Amount) or (parsed is None and text.strip()):
        return (parsed if isinstance(parsed, Amount) else None,)
    return None


class _Reader:
    def __init__(self, doc: Document, year_hint: Optional[int]):
        self.doc = doc
        self.lines = doc.lines
        self.year_hint = year_hint
        self._repeated: Optional[set[str]] = None
        self.page_furniture = self._page_furniture()

    @property
    def repeated(self) -> set[str]:
        """The lines (stripped) the document holds more than once; counted the first time asked for."""
        if self._repeated is None:
            counts = Counter(t for t in (l.text.strip() for l in self.lines) if t)
            self._repeated = {t for t, n in counts.items() if n > 1}
        return self._repeated

    def furniture(self, k: int) -> bool:
        return k in self.page_furniture

    def _page_furniture(self) -> set[int]:
        """A page number line and the running header lines right after it (lines the document repeats)."""
        out: set[int] = set()
        for k, line in enumerate(self.lines):
            t = line.text.strip()
            if not (0 < len(t) <= 3 and t.isdecimal()):  # one to three digits (what \d{1,3} matches)
                continue
            if 0 < k < len(self.lines) - 1 and not self.lines[k - 1].text.strip() and not self.lines[k + 1].text.strip():
                out.add(k)  # a lone number between blank lines: a page number
                continue
            j, marked = k + 1, []
            while j < len(self.lines) and len(marked) < 3:
                t = self.lines[j].text.strip()
                if not t:
                    j += 1
                    continue
                if t not in self.repeated or _value(t):
                    break
                marked.append(j)
                j += 1
            if marked:
                out.update([k] + marked)
        return out

    def next_text(self, k: int) -> Optional[int]:
        while k < len(self.lines) and not self.lines[k].text.strip():
            k += 1
        return k if k < len(self.lines) else None

    def ends_table(self, text: str) -> bool:
        t = text.strip()
        return (len(t) > SETTINGS.stacked_label_chars or t.endswith((".", ":", ";")) or bool(CAPTION.match(t))
                or bool(NUMBERED_HEADING.match(t)) and not _value(t) or is_table_line(text))

    def caption(self, k: int) -> tuple[str, str, int, str]:
        """(title, caption, start offset, label column header) from the lines before a header run."""
        texts: list[Line] = []
        j = k - 1
        while j >= 0 and len(texts) < 2:
            t = self.lines[j].text.strip()
            if not t:
                if texts:
                    break
                j -= 1
                continue
            texts.append(self.lines[j])
            j -= 1
        label_head = ""
        if texts and len(texts[0].text.strip()) <= SETTINGS.stacked_header_chars and not CAPTION.match(texts[0].text) \
                and not numbers.find_unit(texts[0].text) and len(texts) > 1:
            label_head = texts[0].text.strip()  # "Insats" over the labels
            texts = texts[1:]
        cap = " ".join(l.text.strip() for l in reversed(texts))
        start = texts[-1].start if texts else self.lines[k].start
        return cap[:120], cap, start, label_head

    def grids(self) -> Iterator[Grid]:
        k = 0
        while k < len(self.lines):
            if k + 1 >= len(self.lines) or not _short(self.lines[k + 1].text):
                k += 1  # a run of headers is two lines at least, each short enough to be one
                continue
            run = []
            j = k
            while j < len(self.lines) and _header_line(self.lines[j].text):
                run.append(self.lines[j])
                j += 1
            amounts = [l for l in run if non_amount_kind(l.text) is None] if len(run) >= 2 else []
            if amounts and (len(amounts) >= 2 or len(run) > len(amounts)):
                grid, end = self.read(k, run, j)
                if grid is not None:
                    yield grid
                    k = end
                    continue
            k = max(j, k + 1)

    def read(self, k: int, run: list[Line], body: int) -> tuple[Optional[Grid], int]:
        title, caption, start, label_head = self.caption(k)
        columns = []
        for line in run:
            label = line.text.strip()
            kind = non_amount_kind(label) or column_kind(label)
            year = numbers.parse_year(label)
            columns.append(GridColumn(label, year, kind, line.start + (len(line.text) - len(line.text.lstrip())),
                                      line.end, unit=numbers.find_unit(label)))
        value_cols = [i for i, c in enumerate(columns) if c.kind in AMOUNT_KINDS]
        text_cols = len(columns) > len(value_cols)
        rows: list[GridRow] = []
        pending: list[Line] = []
        k = body
        end = body
        while k < len(self.lines):
            line = self.lines[k]
            t = line.text.strip()
            if not t or self.furniture(k):
                k += 1
                continue
            if _value(t) and (pending or not text_cols):
                values, k = self.values(k, len(value_cols))
                if not pending:
                    break
                rows.extend(self.rows(pending, values, value_cols, text_cols))
                pending = []
                end = k
                continue
            nxt = self.next_text(k + 1)
            if self.ends_table(line.text) or (_header_line(t) and nxt is not None and _header_line(self.lines[nxt].text)):
                break
            pending.append(line)
            k += 1
        rows = [r for r in rows]
        if sum(1 for r in rows if r.values) < 2:
            return None, body
        grid = Grid(title=title, caption=caption, start=start, end=self.lines[end - 1].end, layout="stacked",
                    columns=columns, rows=rows)
        if not any(c.year for c in columns):
            years = numbers.years_in(caption)
            if years:
                columns[value_cols[0]].year = years[-1]
        set_unit(grid, [], label_head, caption)
        return grid, end

    def values(self, k: int, count: int) -> tuple[list[tuple[Line, Optional[Amount]]], int]:
        out: list[tuple[Line, Optional[Amount]]] = []
        while k < len(self.lines) and len(out) < count:
            t = self.lines[k].text.strip()
            if not t or self.furniture(k):
                k += 1
                continue
            v = _value(t)
            if v is None:
                break
            out.append((self.lines[k], v[0]))
            k += 1
        return out, k

    def rows(self, pending: list[Line], values, value_cols: list[int], text_cols: bool) -> list[GridRow]:
        if text_cols:
            labels = [[pending[0]]]  # the label, then the text cells up to the figures
        else:
            labels = []
            for line in pending:
                if labels and label_goes_on(" ".join(l.text.strip() for l in labels[-1]), line.text.strip()):
                    labels[-1].append(line)
                else:
                    labels.append([line])
        out = [GridRow(label=g[0].text.strip(), start=g[0].start, end=g[-1].end) for g in labels[:-1]]
        last = labels[-1]
        row = GridRow(label=re.sub(r"\s+", " ", " ".join(l.text.strip() for l in last)), start=last[0].start,
                      end=last[-1].end)
        for col, (line, amount) in zip(value_cols, values):
            if amount is None:
                row.blank_cells += 1
                continue
            row.values[col] = ValueCell.found(line.start, line.text, amount)
            row.end = max(row.end, line.end)
        out.append(row)
        return out


def grids_in(doc: Document, year_hint: Optional[int]) -> Iterator[Grid]:
    """Every table printed one cell per line."""
    yield from _Reader(doc, year_hint).grids()
