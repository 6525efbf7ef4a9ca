"""The one grid every table reader produces, and the header vocabulary they share.

A reader (tab, pipe, space-aligned, cell per line, flattened) turns the physical form of a
table into a :class:`Grid`: columns with year, kind and unit, and rows of a label and value
cells with their offsets in the canonical text. ``budget.build_table`` turns a grid into a
:class:`schemas.BudgetTable`; nothing after the grid knows which form the table had.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from extractor import vocab
from extractor.vocab import numbers
from extractor.vocab.numbers import Amount

@dataclass(frozen=True)
class TableSettings:
    """Every number the table readers decide by, in one place."""

    readings: int = 4096  # combinations of ambiguous flattened rows tried at most
    alternatives: int = 24  # placements of one flattened row's figures kept at most
    caption_chars: int = 160  # a longer 'Tabell N. ...' line is prose, not the table's title
    page_break_blocks: int = 4  # blocks of page furniture a table may continue across
    stacked_header_chars: int = 40  # one column header printed on a line of its own
    stacked_label_chars: int = 80  # a longer line ends a table printed one cell per line
    flattened_label_tokens: int = 12  # a longer run of words ends a flattened table
    year_header_words: int = 3  # words beside the years of a header line ('2024  jan–aug  helår')


SETTINGS = TableSettings()
_KIND_RES = [(kind, vocab.compile_words(words)) for kind, words in vocab.COLUMN_KINDS]
_NON_AMOUNT_RES = [(kind, vocab.compile_words(words)) for kind, words in vocab.NON_AMOUNT_COLUMNS]
# each table's words in one pattern: whether any of them is in a label, in one search
_ANY_KIND = vocab.compile_words(w for _, words in vocab.COLUMN_KINDS for w in words)
_ANY_NON_AMOUNT = vocab.compile_words(w for _, words in vocab.NON_AMOUNT_COLUMNS for w in words)
_MONTH = vocab.compile_words("=" + m for m in vocab.MONTHS + vocab.MONTH_ABBREVIATIONS)
_DIGIT = re.compile(r"\d")
_YEAR_OR_AMOUNT_WORD = re.compile(r"\b(?:år|belopp)\b", re.I)
AMOUNT_KINDS = {"budget", "actual", "forecast", "wish", "allocation", "equity", "total", "value"}


@dataclass
class ValueCell:
    start: int
    end: int
    amount: Amount


    @classmethod
    def found(cls, start: int, text: str, amount: Amount) -> "ValueCell":
        """The cell of ``amount`` read from ``text``, which starts at offset ``start``: the span covers the
        figure as printed, without a unit or footnote mark around it."""
        at = text.find(amount.raw)
        return cls(start + at, start + at + len(amount.raw), amount)


@dataclass
class GridRow:
    label: str
    start: int
    end: int
    values: dict[int, ValueCell] = field(default_factory=dict)  # column index -> value
    code: Optional[str] = None
    kind: Optional[str] = None  # in a table whose rows are years, the kind of this row's figures
    blank_cells: int = 0  # cells printed as empty ("-", "- kr"): a row, not a heading
    # alternatives for a row whose digit run is ambiguous: list of value dicts
    alternatives: list[dict[int, ValueCell]] = field(default_factory=list)


@dataclass
class GridColumn:
    label: str
    year: Optional[int]
    kind: str
    start: Optional[int] = None
    end: Optional[int] = None
    unit: Optional[str] = None  # a unit the column header states ("Belopp (kr)", "tkr" under a year)


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
    unit_source: str = "document"  # where the table's unit was read: header, caption or document default
    legend: dict[str, str] = field(default_factory=dict)
    balance: bool = False
    doubts: list[str] = field(default_factory=list)  # why some figures could not be placed with confidence


def column_kind(label: str) -> str:
    """The kind of the figures under a header: 'Utfall 2023' -> actual; no kind word -> budget."""
    if not _ANY_KIND.search(label):
        return "budget"
    for kind, rx in _KIND_RES:
        if rx.search(label):
            return kind
    return "budget"


def non_amount_kind(label: str) -> Optional[str]:
    """'Not', 'Konto', 'Andel', 'Invånare', 'Huvudman', 'Period': a column whose cells are not kronor."""
    text = label.strip()
    if not text or not _ANY_NON_AMOUNT.search(text) or numbers.find_unit(text) or _ANY_KIND.search(text):
        return None
    for kind, rx in _NON_AMOUNT_RES:
        if rx.search(text):
            return kind
    return None


def is_header_cell(text: str) -> bool:
    """A cell a header row holds: a year, a kind of figures, a unit or a non-amount column name."""
    t = text.strip()
    if not t:
        return False
    if non_amount_kind(t):
        return True
    if numbers.parse_year(t) is not None and year_like(t):
        named = _ANY_KIND.search(t) or numbers.find_unit(t)
        # a period ("1 januari 2015 – 31 december 2018", "2015-09-01 – 2018-08-31") is a value, not a header
        return bool(named) or not (_MONTH.search(t) or len(numbers.years_in(t)) >= 2)
    if not _DIGIT.search(t) and (numbers.find_unit(t) or _ANY_KIND.search(t)):
        return True
    return bool(_YEAR_OR_AMOUNT_WORD.search(t))


def year_like(text: str) -> bool:
    """A header cell that parses as a number is a year only if the number is one: '2 026', not '2 012 345 kr'."""
    amount = numbers.parse_cell(text)
    if not isinstance(amount, Amount):
        return True
    # '2017 tkr' over a column is a year and its unit; '2 017 tkr' is a figure
    plain = numbers.DIGITS_YEAR.fullmatch(amount.raw) is not None
    return (not amount.unit or plain) and not amount.flags and amount.value == numbers.parse_year(text) and amount.value > 0
