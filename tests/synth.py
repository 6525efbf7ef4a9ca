"""A synthetic archive of plans with gold known by construction.

Each synthetic plan is one of the corpus plans with

* another association: the place names of the plan (and its region) replaced by a real
  Swedish municipality and its region, from :data:`PLACES`;
* other years: every year in the text shifted by the same number of years (plan year,
  column headers, dates, captions), so the plan stays consistent with itself;
* other figures: every amount of the budget tables scaled by one factor per document
  (and a small jitter per distinct amount, so identical amounts stay identical), rounded
  to as many significant digits as printed, and re-formatted in the style of the cell it
  replaces (thousands separator, decimal comma, sign style ``-574 260`` / ``- 67 000``,
  unit ``kr``, ``<i>`` tags). Totals, results, carried balances and the statutory split
  are recomputed from their parts by the rules in :data:`TEMPLATES`, so by default every
  table adds up and the audit has nothing to find;
* optionally one known mistake: a chosen total, result or balance printed off by a few
  per cent. Everything computed from it uses the printed (wrong) figure, as a real plan
  would, so exactly one finding follows, recorded in the gold.

The flattened Södra Dalarna 2019 plan (003) takes only the name and year changes: its
tables are flattened onto one line, so its figures are kept, and so is its one real
mistake (the 2018 equity), which is in its gold, shifted.

Nothing here imports the extractor: the gold does not depend on the code it tests.

    variant = draw(random.Random(1), template="000")
    text, gold = make(variant)
    write_archive(Path("/tmp/archive"), n=1000, seed=1)
"""
from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# -- names ------------------------------------------------------------------------------
# Real municipalities and their regions. Chosen so that none occurs in a corpus plan, and
# (but for -ås) none ends in s, whose genitive would be ambiguous.
PLACES: list[tuple[str, str]] = [
    ("Uppsala", "Region Uppsala"), ("Enköping", "Region Uppsala"), ("Tierp", "Region Uppsala"),
    ("Nyköping", "Region Sörmland"), ("Eskilstuna", "Region Sörmland"), ("Katrineholm", "Region Sörmland"),
    ("Linköping", "Region Östergötland"), ("Norrköping", "Region Östergötland"), ("Motala", "Region Östergötland"),
    ("Jönköping", "Region Jönköpings län"), ("Värnamo", "Region Jönköpings län"),
    ("Växjö", "Region Kronoberg"), ("Ljungby", "Region Kronoberg"),
    ("Kalmar", "Region Kalmar län"), ("Västervik", "Region Kalmar län"),
    ("Karlskrona", "Region Blekinge"), ("Karlshamn", "Region Blekinge"),
    ("Halmstad", "Region Halland"), ("Varberg", "Region Halland"), ("Falkenberg", "Region Halland"),
    ("Borås", "Västra Götalandsregionen"), ("Skövde", "Västra Götalandsregionen"),
    ("Uddevalla", "Västra Götalandsregionen"), ("Trollhättan", "Västra Götalandsregionen"),
    ("Lidköping", "Västra Götalandsregionen"),
    ("Karlstad", "Region Värmland"), ("Arvika", "Region Värmland"),
    ("Västerås", "Region Västmanland"), ("Sala", "Region Västmanland"), ("Köping", "Region Västmanland"),
    ("Gävle", "Region Gävleborg"), ("Sandviken", "Region Gävleborg"), ("Hudiksvall", "Region Gävleborg"),
    ("Sundsvall", "Region Västernorrland"), ("Härnösand", "Region Västernorrland"),
    ("Örnsköldsvik", "Region Västernorrland"),
    ("Östersund", "Region Jämtland Härjedalen"),
    ("Umeå", "Region Västerbotten"), ("Skellefteå", "Region Västerbotten"),
    ("Luleå", "Region Norrbotten"), ("Piteå", "Region Norrbotten"), ("Kiruna", "Region Norrbotten"),
    ("Gotland", "Region Gotland"),
    ("Kristianstad", "Region Skåne"), ("Helsingborg", "Region Skåne"), ("Ystad", "Region Skåne"),
    ("Landskrona", "Region Skåne"),
    ("Falun", "Region Dalarna"), ("Borlänge", "Region Dalarna"), ("Mora", "Region Dalarna"),
    ("Ludvika", "Region Dalarna"),
    ("Norrtälje", "Region Stockholm"), ("Södertälje", "Region Stockholm"), ("Botkyrka", "Region Stockholm"),
]
ASSOCIATION = "Samordningsförbundet {place}"  # the canonical form the extractor reports
YEAR_SHIFTS = range(-8, 7)  # years added to every year of a plan
FACTORS = (0.4, 2.5)  # range of the per-document scale factor (log-uniform)
JITTER = 0.15  # each distinct amount also varies by up to this much


def genitive(name: str) -> str:
    return name if name.endswith(("s", "x", "z")) else name + "s"


# -- numbers as printed -----------------------------------------------------------------
AMOUNT_RE = re.compile(
    r"^(?P<pre>\s*(?:<[a-z]+>)?)(?P<sign>[-−–] ?)?(?P<num>\d{1,3}(?:[ \u00a0]\d{3})*(?:,\d+)?)"
    r"(?P<post>(?: ?t? ?kr)?(?:</[a-z]+>)?\s*)$"
)
PERCENT_RE = re.compile(r"^\s*\d+ ?%\s*$")
TAG_RE = re.compile(r"<[^>]+>")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d|:\d)")  # not the law's number, 2003:1210
SPACED_YEAR_RE = re.compile(r"(?<![\d ])2 0(\d{2})(?!\d)")  # '2 026' in a header row


@dataclass(frozen=True)
class Style:
    """How a cell prints its number: '<i>- 4 556 000 kr</i>' is pre '<i>', sign '- ', post ' kr</i>'."""

    pre: str = ""
    sign: Optional[str] = None
    sep: str = " "
    post: str = ""


def parse_amount(cell: str) -> Optional[tuple[Fraction, Style]]:
    """(value in the printed unit, style) of a number cell; None for anything else."""
    m = AMOUNT_RE.match(cell)
    if not m:
        return None
    num = m["num"]
    sep = "\u00a0" if "\u00a0" in num else " "
    value = Fraction(num.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    if m["sign"]:
        value = -value
    return value, Style(m["pre"], m["sign"], sep, m["post"])


def format_number(value: Fraction, style: Style, negative_sign: str = "-") -> str:
    """The digits and sign as printed (the 'raw' of a figure): '- 67 000', '1 842,5'."""
    mag = abs(value)
    whole = int(mag)
    text = f"{whole:,}".replace(",", style.sep)
    if mag != whole:
        tenths = (mag - whole) * 10
        if tenths.denominator != 1:
            raise ValueError(f"{value} has more than one decimal")
        text += f",{int(tenths)}"
    return ((style.sign or negative_sign) if value < 0 else "") + text


# -- table rules ------------------------------------------------------------------------
Rule = Callable[["Evaluation", int, str, int], Optional[int]]  # (evaluation, table, row, column) -> kronor


def total(*keys: str) -> Rule:
    """The sum of these rows (blank cells left out)."""
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        values = [ev.value(t, k, col) for k in keys]
        values = [v for v in values if v is not None]
        return sum(values) if values else None
    return rule


def span(first: str, last: str) -> Rule:
    """The sum of the rows from first to last, in table order."""
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        keys = ev.tables[t].keys
        return total(*keys[keys.index(first): keys.index(last) + 1])(ev, t, key, col)
    return rule


def negated(inner: Rule) -> Rule:
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        v = inner(ev, t, key, col)
        return None if v is None else -v
    return rule


def minus(a: str, b: str) -> Rule:
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        return ev.value(t, a, col) - ev.value(t, b, col)
    return rule


def same(row: str) -> Rule:
    return total(row)


def half(state: str) -> Rule:
    """The statutory split: region and municipalities 25 % each where the state pays 50 %."""
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        v = ev.value(t, state, col)
        return None if v is None else v // 2
    return rule


def carried(closing: str) -> Rule:
    """An opening balance: the first year's is a figure of its own, later years carry the previous closing."""
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        return ev.leaf(t, key, col) if col == 0 else ev.value(t, closing, col - 1)
    return rule


def other_table(table: int, row: str) -> Rule:
    """The same column of a row in an earlier table of the plan."""
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        return ev.value(table, row, col)
    return rule


def row_total(total_col: int) -> Rule:
    """A row whose 'Totalt' column is the sum of its year columns (which are figures of their own)."""
    def rule(ev: Evaluation, t: int, key: str, col: int) -> Optional[int]:
        if col != total_col:
            return ev.leaf(t, key, col)
        cols = [c for c, y in enumerate(ev.tables[t].recipe.years) if y is not None and c != col]
        values = [ev.value(t, key, c) for c in cols]
        return sum(v for v in values if v is not None)
    return rule


PCT = "percent"  # a column of percentages: recomputed, not a figure


@dataclass(frozen=True)
class Injectable:
    """A row a mistake may go into, and the finding the audit then reports."""

    key: str
    kind: str  # sum, result, equity, row_total
    column: Optional[int] = None  # a fixed column (row_total: the Totalt column)


@dataclass(frozen=True)
class TableRecipe:
    first_line: str  # the table's first tab-separated line in the template, exactly
    years: tuple  # per value column: the template year, None (no year) or PCT
    unit: int  # kronor per printed unit
    unit_name: str
    rules: dict[str, Rule]  # row key (label without tags; '#1', '#2' for unlabelled rows) -> rule
    header: bool = False  # the first line holds column headers
    percent_of: Optional[str] = None  # the row the percentages are of
    injectable: tuple[Injectable, ...] = ()


@dataclass(frozen=True)
class Template:
    stem: str
    plan_year: int
    names: list[tuple[str, str]]  # (regex, replacement with {place} {gen} {PLACE} {GEN} {region} {regiongen})
    tables: tuple[TableRecipe, ...] = ()  # empty: figures kept as in the corpus gold


REGION_SKANE = (r"\bRegion Skåne(s?)\b", "{region}\\1")
TEMPLATES: dict[str, Template] = {
    "000": Template(
        stem="000_aeb16daac0bbbe6e", plan_year=2011,
        names=[(r"\bLunds\b", "{gen}"), (r"\bLund\b", "{place}"), REGION_SKANE],
        tables=(
            TableRecipe(
                first_line="\t2011\t2012\t2013", years=(2011, 2012, 2013), unit=1000, unit_name="tkr", header=True,
                rules={
                    "Region Skåne": half("Försäkringskassan"),
                    "Lunds kommun": half("Försäkringskassan"),
                    "Ack. Res. Fr. föreg. år (prel)": carried("Medel till förfogande"),
                    "Summa intäkter/tillgångar": span("Försäkringskassan", "Ack. Res. Fr. föreg. år (prel)"),
                    "Summa kostnader": span("Projekt Rehabsamverkan", "Administration"),
                    "Medel till förfogande": minus("Summa intäkter/tillgångar", "Summa kostnader"),
                },
                injectable=(Injectable("Summa kostnader", "sum"), Injectable("Medel till förfogande", "result")),
            ),
        ),
    ),
    "001": Template(
        stem="001_012a687b5704bc5b", plan_year=2016,
        names=[(r"\bSydnärkes\b", "{gen}"), (r"\bSydnärke\b", "{place}"),
               (r"\bRegion Örebro(?: län)?(s?)\b", "{region}\\1")],
        tables=(
            TableRecipe(
                first_line="Köp av administrativa tjänster\t- 67 000", years=(2016,), unit=1, unit_name="kr",
                rules={"TOTALT": negated(span("Köp av administrativa tjänster", "Representation"))},
            ),
            TableRecipe(
                first_line="Ledning administration mm\t1 024 476\t18 %", years=(2016, PCT), unit=1, unit_name="kr",
                rules={"Ledning administration mm": other_table(0, "TOTALT"),
                       "TOTALT": total("Ledning administration mm", "Insatser till deltagare")},
                percent_of="TOTALT",
                injectable=(Injectable("TOTALT", "sum"),),
            ),
            TableRecipe(
                first_line="\tBudget 2016\tBudget 2017\tBudget 2018", years=(2016, 2017, 2018), unit=1, unit_name="kr",
                header=True,
                rules={
                    "Summa intäkter": total("Driftbidrag", "Övrigt"),
                    "Rörelsens kostnader": span("Utbetalda projektpengar", "Representation"),
                    "Rörelseresultat": total("Summa intäkter", "Rörelsens kostnader"),
                    "Resultat": total("Rörelseresultat", "Finansiella intäkter", "Finansiella kostnader"),
                },
                injectable=(Injectable("Rörelsens kostnader", "sum"), Injectable("Resultat", "result")),
            ),
            TableRecipe(
                first_line="Verksamhetens intäkter\t4 400 000 kr", years=(2016,), unit=1, unit_name="kr",
                rules={
                    "Verksamhetens nettokostnader": total("Verksamhetens intäkter", "Verksamhetens kostnader"),
                    "Årets resultat": total("Verksamhetens nettokostnader", "Finansiella intäkter",
                                            "Finansiella kostnader"),
                },
            ),
            TableRecipe(
                first_line="Tillgångar\t", years=(2016,), unit=1, unit_name="kr",
                rules={
                    "Summa omsättningstillgångar": total("Kortfristiga fordringar", "Kassa och bank"),
                    "Summa tillgångar": same("Summa omsättningstillgångar"),
                    "Eget kapital": minus("Summa tillgångar", "Summa skulder"),
                    "därav årets resultat": other_table(3, "Årets resultat"),
                    "Summa skulder": same("Kortfristiga skulder"),
                    "Summa eget kapital och skulder": total("Eget kapital", "Summa skulder"),
                },
            ),
        ),
    ),
    "002": Template(
        stem="002_5592b8b8950a13b6", plan_year=2024,
        names=[(r"\bTrelleborgs\b", "{gen}"), (r"\bTrelleborg\b", "{place}"),
               (r"\b([Tt])relleborgare(n?)\b", "invånare\\2"), REGION_SKANE],
        tables=(
            TableRecipe(
                first_line="Sammanställd budget\tÅr 2024 11 månader\tÅr 2025 12 månader\tÅr 2026 12 månader"
                           "\t2027 1 månad\tTotalt",
                years=(2024, 2025, 2026, 2027, None), unit=1, unit_name="kr", header=True,
                rules={"Total": row_total(4)}, injectable=(Injectable("Total", "row_total", column=4),),
            ),
            TableRecipe(
                first_line="\t2024\t2025\t2 026", years=(2024, 2025, 2026), unit=1, unit_name="kr", header=True,
                rules={
                    "Summa intäkter": same("Medlemsavgifter"),
                    "#1": same("Samansvar"),
                    "#2": span("Konsultarvode Förbundschef", "Övrigt/bankavgift"),
                    "Totala kostnader": total("#1", "#2"),
                    "Resultat": total("Summa intäkter", "Totala kostnader"),
                    "Eget kapital vid årets ingång": carried("Beräknat EK vid årets utgång"),
                    "Beräknat resultat": same("Resultat"),
                    "Beräknat EK vid årets utgång": total("Eget kapital vid årets ingång", "Beräknat resultat"),
                },
                injectable=(Injectable("Totala kostnader", "sum"), Injectable("Resultat", "result"),
                            Injectable("Beräknat EK vid årets utgång", "equity")),
            ),
        ),
    ),
    "003": Template(
        stem="003_336f07384b85b2b9", plan_year=2019,
        names=[(r"\bSödra Dalarnas\b", "{gen}"), (r"\bSödra Dalarna\b", "{place}"), (r"\bSÖDRA DALARNAS\b", "{GEN}")],
    ),
    "004": Template(
        stem="004_034b970862004510", plan_year=2024,
        names=[(r"\bLunds\b", "{gen}"), (r"\bLund\b", "{place}"), (r"\bLUNDS\b", "{GEN}"), REGION_SKANE],
        tables=(
            TableRecipe(
                first_line="\t2023(prel.)\t2024\t2025\t2026", years=(2023, 2024, 2025, 2026), unit=1000,
                unit_name="tkr", header=True,
                rules={
                    "Region Skåne": half("Staten"),
                    "Lunds kommun": half("Staten"),
                    "Summa intäkter": span("Staten", "Räntor"),
                    "Sparade medel": carried("Medel till förfogande"),
                    "Tillgängliga medel": total("Summa intäkter", "Sparade medel"),
                    "Summa kostnader": span("AKTIV", "Utvärderingar"),
                    "Medel till förfogande": minus("Tillgängliga medel", "Summa kostnader"),
                },
                injectable=(Injectable("Summa kostnader", "sum"), Injectable("Medel till förfogande", "result")),
            ),
        ),
    ),
}


# -- one table of one plan --------------------------------------------------------------
@dataclass
class TableLines:
    recipe: TableRecipe
    first: int  # index of the first line in the document's lines
    rows: list[list[str]]  # cells of each line
    keys: list[str]  # row key of each body line ('' for the header)
    original: dict[tuple[str, int], tuple[Fraction, Style]] = field(default_factory=dict)


def row_key(label: str, unlabelled: int) -> str:
    plain = " ".join(TAG_RE.sub("", label).split())
    return plain or f"#{unlabelled}"


def locate(lines: list[str], recipe: TableRecipe) -> TableLines:
    first = lines.index(recipe.first_line)
    end = first
    while end < len(lines) and "\t" in lines[end]:
        end += 1
    rows = [line.split("\t") for line in lines[first:end]]
    table = TableLines(recipe, first, rows, [])
    unlabelled = 0
    for i, cells in enumerate(rows):
        if i == 0 and recipe.header:
            table.keys.append("")
            continue
        if not TAG_RE.sub("", cells[0]).strip():
            unlabelled += 1
        key = row_key(cells[0], unlabelled)
        if key in table.keys:
            raise ValueError(f"two rows {key!r} in a table of the template")
        table.keys.append(key)
        for col, cell in enumerate(cells[1:]):
            parsed = parse_amount(cell)
            if parsed and col < len(recipe.years) and recipe.years[col] != PCT:
                table.original[(key, col)] = (parsed[0] * recipe.unit, parsed[1])
    missing = set(recipe.rules) - set(table.keys)
    if missing:
        raise ValueError(f"rules for rows the table does not have: {sorted(missing)}")
    return table


@dataclass
class Injection:
    table: int
    key: str
    col: int
    kind: str
    delta_fraction: float  # signed share of the value the printed figure is off by


class Evaluation:
    """The printed value of every cell, computed lazily so rules may look anywhere."""

    def __init__(self, tables: list[TableLines], seed: int, factor: float, injection: Optional[Injection]):
        self.tables = tables
        self.seed = seed
        self.factor = factor
        self.injection = injection
        self.printed: dict[tuple[int, str, int], Optional[int]] = {}
        self.computed: Optional[int] = None  # the injected cell's right value
        self._busy: set = set()

    def leaf(self, t: int, key: str, col: int) -> Optional[int]:
        """A figure of its own: the template's scaled, to as many significant digits as printed."""
        orig = self.tables[t].original.get((key, col))
        if orig is None:
            return None
        unit = self.tables[t].recipe.unit
        printed = abs(orig[0]) / unit
        if printed == 0:
            return 0
        jitter = random.Random(f"{self.seed}/{abs(orig[0])}").uniform(1 - JITTER, 1 + JITTER)
        step = granularity(printed)
        scaled = max(1, round(float(printed) * self.factor * jitter / step)) * step
        return int(scaled * unit) * (1 if orig[0] > 0 else -1)

    def value(self, t: int, key: str, col: int) -> Optional[int]:
        at = (t, key, col)
        if at in self.printed:
            return self.printed[at]
        if at in self._busy:
            raise ValueError(f"rules of table {t} go round in a circle at {key!r}")
        self._busy.add(at)
        table = self.tables[t]
        rule = table.recipe.rules.get(key)
        if (key, col) not in table.original:
            v = None  # a blank cell stays blank
        elif rule is None:
            v = self.leaf(t, key, col)
        else:
            v = rule(self, t, key, col)
        inj = self.injection
        if v is not None and inj and (inj.table, inj.key, inj.col) == at:
            self.computed = v
            v = v + mistake(v, inj.delta_fraction, table.recipe.unit)
        self._busy.discard(at)
        self.printed[at] = v
        return v


def granularity(printed: Fraction) -> int:
    """The rounding step that keeps a figure as round as printed, with at least two significant digits."""
    n = int(printed)
    if n != printed or n == 0:
        return 1
    zeros = len(str(n)) - len(str(n).rstrip("0"))
    return 10 ** min(zeros, max(len(str(n)) - 2, 0))


def mistake(value: int, fraction: float, unit: int) -> int:
    """How far off an injected figure is printed: a few per cent, whole units, at least 10 units
    (beyond what rounding could explain for any table of the corpus)."""
    units = round(abs(value) * abs(fraction) / unit)
    units = max(units, 10)
    return int(units * unit) * (1 if fraction > 0 else -1)


# -- the text -------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """Everything a synthetic plan is made from: make(variant) is a pure function of it."""

    template: str
    place: str
    region: str
    shift: int
    factor: float
    seed: int
    inject: bool = False
    form: str = "tab"  # the physical form the tab tables are printed in: tab, pipe or aligned


FORMS = ("tab", "pipe", "aligned")


def visible(cell: str) -> int:
    return len(TAG_RE.sub("", cell))


def reshape(lines: list[str], form: str) -> list[str]:
    """A tab table's lines printed as markdown pipes or aligned with spaces; the cells stay as they are."""
    if form == "tab" or not any("\t" in l for l in lines):
        return lines
    rows = [l.split("\t") for l in lines]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if form == "pipe":
        out = ["| " + " | ".join(r) + " |" for r in rows]
        if not any(parse_amount(c) for c in rows[0][1:]):
            out.insert(1, "|---|" + "---:|" * (width - 1))
        return out
    widths = [max(visible(r[i]) for r in rows) + 4 for i in range(width)]
    out = []
    for r in rows:
        if not any(c.strip() for c in r[1:]):
            out.append(r[0])
            continue
        cells = [r[0] + " " * (widths[0] - visible(r[0]))]
        cells += [" " * (widths[i] - visible(r[i])) + r[i] for i in range(1, width)]
        out.append("".join(cells).rstrip())
    return out


def renamer(template: Template, variant: Variant) -> Callable[[str], str]:
    values = {"place": variant.place, "gen": genitive(variant.place), "PLACE": variant.place.upper(),
              "GEN": genitive(variant.place).upper(), "region": variant.region}
    patterns = [(re.compile(rx), repl.format(**values)) for rx, repl in template.names]

    def rename(text: str) -> str:
        for rx, repl in patterns:
            text = rx.sub(repl, text)
        return text
    return rename


def shift_years(text: str, shift: int, spaced: bool = False) -> str:
    text = YEAR_RE.sub(lambda m: str(int(m.group(1)) + shift), text)
    if spaced:
        text = SPACED_YEAR_RE.sub(lambda m: "2 " + str(2000 + int(m.group(1)) + shift)[1:], text)
    return text


def negative_sign(table: TableLines) -> str:
    """How a figure printed positive in the template prints when it turns negative: as the table's others do."""
    signs = [style.sign for _, style in table.original.values() if style.sign]
    return signs[0] if signs else "-"


def render_table(table: TableLines, t: int, ev: Evaluation, rename: Callable[[str], str], shift: int) -> list[str]:
    def prose(s: str) -> str:
        return shift_years(rename(s), shift)


    recipe = table.recipe
    sign = negative_sign(table)
    out = []
    for i, cells in enumerate(table.rows):
        key = table.keys[i]
        if i == 0 and recipe.header:
            out.append("\t".join(shift_years(rename(c), shift, spaced=True) for c in cells))
            continue
        new = [prose(cells[0])]
        for col, cell in enumerate(cells[1:]):
            if col < len(recipe.years) and recipe.years[col] == PCT and PERCENT_RE.match(cell):
                base = ev.value(t, recipe.percent_of, 0)
                new.append(f"{round(100 * ev.value(t, key, 0) / base)} %")
            elif (key, col) in table.original:
                style = table.original[(key, col)][1]
                v = ev.value(t, key, col)
                new.append(style.pre + format_number(Fraction(v, recipe.unit), style, sign) + style.post)
            else:
                new.append(prose(cell))
        out.append("\t".join(new))
    return out


@lru_cache(maxsize=None)
def template_text(stem: str) -> str:
    return (CORPUS / f"{stem}.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def corpus_gold(stem: str) -> dict:
    return json.loads((CORPUS / "gold" / f"{stem}.budget.json").read_text(encoding="utf-8"))


def choose_injection(template: Template, tables: list[TableLines], rng: random.Random) -> Optional[Injection]:
    options = [(t, inj) for t, table in enumerate(tables) for inj in table.recipe.injectable]
    if not options:
        return None
    t, inj = rng.choice(options)
    table = tables[t]
    cols = [inj.column] if inj.column is not None else \
        [c for c, y in enumerate(table.recipe.years) if (inj.key, c) in table.original]
    fraction = rng.uniform(0.03, 0.12) * rng.choice((-1, 1))
    return Injection(t, inj.key, rng.choice(cols), inj.kind, fraction)


def make(variant: Variant) -> tuple[str, dict]:
    """The text of one synthetic plan and its gold."""
    template = TEMPLATES[variant.template]
    rename = renamer(template, variant)

    def prose(s: str) -> str:
        return shift_years(rename(s), variant.shift)

    text = template_text(template.stem)
    lines = text.split("\n")
    tables = [locate(lines, r) for r in template.tables]
    rng = random.Random(variant.seed)
    injection = choose_injection(template, tables, rng) if variant.inject else None
    ev = Evaluation(tables, variant.seed, variant.factor, injection)
    rendered: dict[int, tuple[list[str], int]] = {}
    for t, table in enumerate(tables):
        rendered[table.first] = (reshape(render_table(table, t, ev, rename, variant.shift), variant.form), len(table.rows))
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in rendered:
            out.extend(rendered[i][0])
            i += rendered[i][1]
        else:
            out.append(prose(lines[i]))
            i += 1
    gold = {
        "template": template.stem,
        "association": ASSOCIATION.format(place=variant.place),
        "plan_year": template.plan_year + variant.shift,
        "variant": {"place": variant.place, "region": variant.region, "year_shift": variant.shift,
                    "factor": variant.factor, "seed": variant.seed, "inject": variant.inject},
        "tables": figures(tables, ev, variant, rename) if tables else shifted_gold(template, variant),
        "findings": findings(tables, ev, injection, variant, rename) if tables
        else shifted_gold_findings(template, variant),
    }
    return "\n".join(out), gold


def figures(tables: list[TableLines], ev: Evaluation, variant: Variant, rename) -> list[dict]:
    out = []
    for t, table in enumerate(tables):
        recipe = table.recipe
        rows = []
        for i, cells in enumerate(table.rows):
            key = table.keys[i]
            if not key:
                continue
            label = " ".join(TAG_RE.sub("", rename(cells[0])).split())
            for col in range(len(cells) - 1):
                if (key, col) not in table.original:
                    continue
                year = recipe.years[col]
                v = ev.value(t, key, col)
                style = table.original[(key, col)][1]
                rows.append({"label": label, "year": None if year is None else year + variant.shift,
                             "amount_sek": v, "raw": format_number(Fraction(v, recipe.unit), style, negative_sign(table))})
        out.append({"index": t, "unit": recipe.unit_name, "figures": rows})
    return out


def findings(tables: list[TableLines], ev: Evaluation, injection: Optional[Injection], variant: Variant,
             rename) -> list[dict]:
    if injection is None:
        return []
    table = tables[injection.table]
    row = table.rows[table.keys.index(injection.key)]
    year = table.recipe.years[injection.col]
    return [{
        "kind": injection.kind, "severity": "error",
        "year": None if year is None else year + variant.shift,
        "label": " ".join(TAG_RE.sub("", rename(row[0])).split()),
        "stated": ev.printed[(injection.table, injection.key, injection.col)],
        "computed": ev.computed, "table": injection.table,
    }]


def shifted_gold(template: Template, variant: Variant) -> list[dict]:
    """Figures of a template whose tables are kept: the corpus gold with the years shifted."""
    rename = renamer(template, variant)
    tables = copy.deepcopy(corpus_gold(template.stem)["tables"])
    out = []
    for t in tables:
        figs = [{"label": rename(f["label"]), "year": None if f["year"] is None else f["year"] + variant.shift,
                 "amount_sek": f["amount_sek"], "raw": f["raw"], "flags": f["flags"]} for f in t["figures"]]
        out.append({"index": t["index"], "unit": t["unit"], "figures": figs})
    return out


def shifted_gold_findings(template: Template, variant: Variant) -> list[dict]:
    out = []
    for f in copy.deepcopy(corpus_gold(template.stem)["findings"]):
        if f["year"] is not None:
            f["year"] += variant.shift
        out.append(f)
    return out


# -- many plans ---------------------------------------------------------------------------
def draw(rng: random.Random, template: Optional[str] = None, inject_rate: float = 0.0,
         templates: tuple[str, ...] = tuple(TEMPLATES)) -> Variant:
    """A random variant: template, place, year shift, factor, seed, and whether to inject a mistake."""
    name = template or rng.choice(templates)
    place, region = rng.choice(PLACES)
    shift = rng.choice(YEAR_SHIFTS)
    low, high = FACTORS
    factor = round(low * (high / low) ** rng.random(), 4)
    seed = rng.randrange(2 ** 32)
    inject = rng.random() < inject_rate and bool(TEMPLATES[name].tables)
    return Variant(name, place, region, shift, factor, seed, inject, form=FORMS[seed % len(FORMS)])


def slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


def dump_gold(gold: dict) -> str:
    """JSON with one line per figure and finding, like the corpus gold."""
    def line(obj) -> str:
        return json.dumps(obj, ensure_ascii=False)

    head = {k: v for k, v in gold.items() if k not in ("tables", "findings")}
    parts = [f"  {line(k)}: {line(v)}" for k, v in head.items()]
    tables = []
    for t in gold["tables"]:
        figs = ",\n".join(f"      {line(f)}" for f in t["figures"])
        tables.append(f'    {{"index": {t["index"]}, "unit": {line(t["unit"])}, "figures": [\n{figs}\n    ]}}')
    parts.append('  "tables": [\n' + ",\n".join(tables) + "\n  ]")
    parts.append('  "findings": [' + ", ".join(line(f) for f in gold["findings"]) + "]")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_archive(out: Path, n: int, seed: int, inject_rate: float = 0.0,
                  templates: tuple[str, ...] = tuple(TEMPLATES)) -> list[Path]:
    """n synthetic plans in out/, each `<name>.txt` with its `<name>.gold.json`. Every text differs
    (an import keys documents by the sha256 of their bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    seen: set[str] = set()
    paths = []
    for i in range(n):
        for _ in range(100):
            variant = draw(rng, inject_rate=inject_rate, templates=templates)
            text, gold = make(variant)
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if digest not in seen:
                break
        else:
            raise RuntimeError("cannot draw a plan that differs from the others; allow more templates")
        seen.add(digest)
        name = f"{i:05d}_{variant.template}_{slug(variant.place)}_{gold['plan_year']}"
        path = out / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        gold = {"document": path.name, **gold}
        (out / f"{name}.gold.json").write_text(dump_gold(gold), encoding="utf-8")
        paths.append(path)
    return paths
