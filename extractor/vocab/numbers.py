"""Swedish amounts, units and years. Pure functions, no state.

Formats handled: space, no-break-space and thin-space thousands separators
(``1 624``, ``5 795 388``), decimal comma (``1 842,5``), minus as ``-``, ``−``, ``–``
or ``- `` before the number (``- 4 556 000 kr``), footnote marks (``2 461*``),
units in the cell, ``6 000 + 1 000`` sums, and empty cells (``-``, ``- kr``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterator, Optional

from extractor.errors import ParseError
from extractor.vocab import FOOTNOTE_MARKS, MINUS, SPACES, UNIT_NAMES, UNITS

_SP = f"[{SPACES}]"

_SP_RUN = re.compile(f"{_SP}+")
_SPACE_CHARS = re.compile(f"[{SPACES}]")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")

_UNIT_ALT = "|".join(sorted((re.escape(u).replace("\\ ", _SP + "?") for u in UNITS), key=len, reverse=True))
UNIT_ALTERNATIVES = _UNIT_ALT
UNIT_RE = re.compile(rf"(?<![\wåäöÅÄÖ])(?:{_UNIT_ALT})(?![\wåäöÅÄÖ])", re.I)

NUMBER = rf"\d{{1,3}}(?:{_SP}\d{{3}})+(?:,\d+)?|\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?|\d+(?:,\d+)?"
SIGNED = rf"(?:(?:[{MINUS}]{_SP}?)?(?:{NUMBER})|\((?:{NUMBER})\))"  # '(1 250)' is negative
FLAGS = rf"\*{{1,3}}|[{FOOTNOTE_MARKS}]+|(?<=\s)\d\)"  # '2 461*', '260¹⁾', '260 1)'

CELL_RE = re.compile(
    rf"^\s*(?P<num>{SIGNED}(?:\s*\+\s*(?:{NUMBER}))*)\s*(?P<flags>{FLAGS})?\s*(?P<unit>{_UNIT_ALT})?\s*(?P<flags2>{FLAGS})?\s*$",
    re.I,
)
_PLUS = re.compile(r"\s*\+\s*")
EMPTY_RE = re.compile(rf"^\s*(?:[{MINUS}]+\s*(?:{_UNIT_ALT})?|(?:{_UNIT_ALT})\s*[{MINUS}]+|0?:-|)\s*$", re.I)
PERCENT_RE = re.compile(rf"^\s*(?:[{MINUS}]{_SP}?)?\d+(?:[,.]\d+)?{_SP}?%\s*$")
DIGITS_YEAR = re.compile(r"(?:19|20)\d{2}")  # a year's four digits, 1900-2099, as a pattern to search or fullmatch
# "2 026" is a year typed with a thousands space, but not the head of "2 012 345".
YEAR_RE = re.compile(rf"(?<!\d)(?:19|20)\d{{2}}(?!\d)|(?<!\d)(?<!\d{_SP})2{_SP}0\d{{2}}(?!\d)(?!{_SP}\d)")


@dataclass
class Amount:
    value: Decimal  # in the unit as printed (tkr figures stay in tkr here)
    raw: str  # the number as printed, without unit and footnote marks
    unit: Optional[str] = None  # unit printed in the cell, normalised
    flags: list[str] = field(default_factory=list)

    def sek(self, factor: int) -> float:
        v = self.value * factor
        return int(v) if v == v.to_integral_value() else float(v)


def unit_factor(unit: str | None) -> Optional[int]:
    if not unit:
        return None
    key = _SP_RUN.sub(" ", unit.strip().lower())
    return UNITS.get(key)


def normalise_unit(unit: str) -> str:
    f = unit_factor(unit)
    return UNIT_NAMES.get(f, unit) if f else unit


def find_unit(text: str) -> Optional[str]:
    """The first unit word in a caption or header ('t kr', '(tkr)', 'i kr')."""
    m = UNIT_RE.search(text)
    return normalise_unit(m.group(0)) if m else None


def number_value(s: str) -> Decimal:
    """'1 842,5' -> Decimal('1842.5'); '- 4 556 000' -> -4556000; '1.624' -> 1624.

    Raises :class:`~extractor.errors.ParseError` (a ValueError) for what is not a number."""
    original = s
    s = s.strip()
    neg = s[:1] in MINUS or (s[:1] == "(" and s[-1:] == ")")
    if neg:
        s = s[1:-1] if s[:1] == "(" else s[1:]
    digits = _SPACE_CHARS.sub("", s)
    if _DOTTED.fullmatch(digits):
        digits = digits.replace(".", "")
    try:
        v = Decimal(digits.replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ParseError(f"not a number: {original!r}") from None
    return -v if neg else v


def format_sek(amount, unit: bool = False) -> str:
    """Kronor the Swedish way: 1 624 000; -4 556 000; 1 842,50 (exact, however many digits); with
    ``unit``, followed by ' kr'. The one formatter of amounts for people."""
    if amount is None:
        return ""
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    text = text.replace(",", " ").replace(".", ",")
    return f"{text} kr" if unit else text


def parse_cell(text: str) -> Amount | None | str:
    """One table cell -> Amount, or None for an empty cell, or 'percent' / 'text'."""
    if EMPTY_RE.match(text):
        return None
    if PERCENT_RE.match(text):
        return "percent"
    m = CELL_RE.match(text)
    if not m:
        return "text"
    num = m.group("num").strip()
    if "+" in num:  # '6 000 + 1 000': one cell, the sum
        value = sum((number_value(p) for p in _PLUS.split(num)), Decimal(0))
    else:
        value = Decimal(0) + number_value(num)  # as the sum of the one part is: -0 and 0 are 0
    flags = [f for f in (m.group("flags"), m.group("flags2")) if f]
    unit = normalise_unit(m.group("unit")) if m.group("unit") else None
    return Amount(value=value, raw=num, unit=unit, flags=flags)


def parse_year(text: str) -> Optional[int]:
    """The year named in a column header: '2011', 'Budget 2017', '2023(prel.)', '2 026', 'År 2024 11 månader'."""
    m = YEAR_RE.search(text)
    if not m:
        return None
    return int(_SPACE_CHARS.sub("", m.group(0)))


def years_in(text: str) -> list[int]:
    return [int(_SPACE_CHARS.sub("", m.group(0))) for m in YEAR_RE.finditer(text)]


def year_range(text: str) -> list[int]:
    """'2016-2018' -> [2016, 2017, 2018]; '2024–2026' -> [2024, 2025, 2026]; '2019' -> [2019]."""
    m = re.search(r"((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < b - a <= 10:
            return list(range(a, b + 1))
    return years_in(text)


# -- flattened digit runs ------------------------------------------------------
# A run such as "1 730 600" is a sequence of digit groups; which groups belong
# together is ambiguous once the table's cell borders are lost.

@dataclass
class Group:
    text: str
    start: int
    end: int
    sign: bool
    flags: str
    plus: bool = False  # joined to the previous group by "+": the two are one cell

    @property
    def digits(self) -> str:
        return self.text.split(",")[0]


def segmentations(groups: list[Group], count: int) -> Iterator[list[tuple[int, int]]]:
    """All ways to split digit groups into ``count`` numbers, as (first, last) index pairs.

    A number is a head of 1-3 digits followed by 3-digit groups (or one plain group
    of any length); a sign or a footnote mark ends or starts a number.
    """
    n = len(groups)

    def can_continue(i: int) -> bool:
        g = groups[i]
        if g.plus:
            return True
        prev = groups[i - 1]
        return (
            not g.sign
            and not prev.flags
            and "," not in prev.text
            and len(g.digits) == 3
            and len(prev.digits) <= 3
        )

    def rec(i: int, left: int) -> Iterator[list[tuple[int, int]]]:
        if i == n:
            if left == 0:
                yield []
            return
        if left == 0:
            return
        if groups[i].digits.startswith("0") and len(groups[i].digits) > 1:
            return
        if groups[i].plus:
            return
        j = i
        while True:
            if not (j + 1 < n and groups[j + 1].plus):
                for rest in rec(j + 1, left - 1):
                    yield [(i, j)] + rest
            if j + 1 < n and (groups[j + 1].plus or (can_continue(j + 1) and len(groups[i].digits) <= 3)):
                j += 1
            else:
                break

    yield from rec(0, count)


def group_value(groups: list[Group], first: int, last: int) -> Decimal:
    """Value of groups[first..last]; groups joined by "+" are added."""
    total = Decimal(0)
    part: list[Group] = []
    for g in groups[first : last + 1] + [None]:  # type: ignore[operator]
        if part and (g is None or g.plus):
            v = number_value(" ".join(x.text for x in part))
            total += -v if part[0].sign else v
            part = []
        if g is not None:
            part.append(g)
    return total


__all__ = [
    "Amount", "Group", "parse_cell", "parse_year", "years_in", "year_range", "find_unit", "unit_factor",
    "number_value", "segmentations", "group_value", "UNITS",
]
