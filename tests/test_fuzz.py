"""Every public parsing function either returns a value or raises the project's own error, on any
input (hypothesis): amounts, units, years, dates, and a whole text through the whole walk."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pipeline
from extractor.errors import ExtractionError, ParseError
from extractor.vocab import nlp, numbers
from schemas import PlanDocument

ROOT = Path(__file__).resolve().parent.parent
LUND = (ROOT / "corpus" / "000_aeb16daac0bbbe6e.txt").read_text(encoding="utf-8")

QUICK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text close to what the parsers meet: digits, spaces of every kind, minus signs, units, marks.
NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789 ,.-−–+*%:kKrRtTmMnNsSeE()\u00a0\u202f\u2009\t")), max_size=30)
ANY_TEXT = st.one_of(NUMBERISH, st.text(max_size=40))


@QUICK
@given(ANY_TEXT)
@example("abc")
@example("1 2,3,4")
@example("NaN")
@example("-")
def test_number_value_returns_a_decimal_or_raises_parse_error(s):
    try:
        value = numbers.number_value(s)
    except ParseError:
        return
    assert isinstance(value, Decimal)


@QUICK
@given(ANY_TEXT)
@example("- 4 556 000 kr")
@example("6 000 + 1 000")
@example("2 461*")
def test_parse_cell_never_raises(s):
    cell = numbers.parse_cell(s)
    assert cell is None or cell in ("percent", "text") or isinstance(cell, numbers.Amount)
    if isinstance(cell, numbers.Amount):
        for factor in (1, 1000, 1_000_000):
            assert isinstance(cell.sek(factor), (int, float))


@QUICK
@given(st.integers(min_value=-10**27, max_value=10**27), st.sampled_from([" ", "\u00a0", "\u202f"]),
       st.sampled_from(["", " kr", " tkr", " Mkr"]))
def test_swedish_amounts_read_exactly(n, space, unit):
    digits = f"{abs(n):,}".replace(",", space)
    text = ("-" if n < 0 else "") + digits + unit
    cell = numbers.parse_cell(text)
    assert isinstance(cell, numbers.Amount)
    assert cell.value == n
    factor = numbers.unit_factor(cell.unit) or 1
    assert cell.sek(factor) == n * factor  # exact, however many digits


@QUICK
@given(ANY_TEXT)
def test_units_and_years_never_raise(s):
    unit = numbers.find_unit(s)
    assert unit is None or isinstance(unit, str)
    factor = numbers.unit_factor(s)
    assert factor is None or factor in (1, 1000, 1_000_000)
    year = numbers.parse_year(s)
    assert year is None or 1900 <= year <= 2099
    assert all(1900 <= y <= 2099 for y in numbers.years_in(s))
    assert all(1900 <= y <= 2099 for y in numbers.year_range(s))
    assert isinstance(numbers.normalise_unit(s), str)


@QUICK
@given(st.lists(st.tuples(st.text(alphabet="0123456789", min_size=1, max_size=4), st.booleans(),
                          st.sampled_from(["", "*"]), st.booleans()), min_size=1, max_size=7),
       st.integers(min_value=1, max_value=7))
def test_digit_run_segmentations_are_numbers(parts, count):
    groups, pos = [], 0
    for i, (digits, sign, flags, plus) in enumerate(parts):
        groups.append(numbers.Group(digits, pos, pos + len(digits), sign, flags, plus and i > 0))
        pos += len(digits) + 1
    for seg in numbers.segmentations(groups, count):
        assert len(seg) == count
        for first, last in seg:
            assert isinstance(numbers.group_value(groups, first, last), Decimal)


@QUICK
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_read_back(d):
    assert nlp.parse_date(d.isoformat()) == d
    assert nlp.parse_date(d.strftime("%Y%m%d")) == d
    month = [name for name, n in nlp.MONTHS.items() if n == d.month][0]
    assert nlp.parse_date(f"{d.day} {month} {d.year}") == d


@QUICK
@given(st.one_of(st.text(max_size=40), st.text(alphabet="0123456789- –tomjanurife", max_size=40)))
@example("2016-02-30")
@example("31 februari 2024")
def test_dates_never_raise(s):
    d = nlp.parse_date(s)
    assert d is None or isinstance(d, date)
    for found in nlp.date_ranges(s):
        a, b = found.value
        assert a <= b and s[found.start:found.end] == found.text
    for found in nlp.money_in(s):
        assert isinstance(found.value, (int, float))
    value = nlp.amount_of(s)
    assert value is None or isinstance(value, (int, float))


def run_text(tmp_path: Path, data: bytes) -> PlanDocument | None:
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    try:
        return pipeline.run(path)
    except ExtractionError:
        return None


@SLOW
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_plan_or_an_extraction_error(tmp_path, data):
    plan = run_text(tmp_path, data)
    assert plan is None or plan.budget_tables


@SLOW
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=len(LUND)), st.text(max_size=12)), max_size=12))
def test_a_damaged_plan_gives_a_plan_or_an_extraction_error(tmp_path, edits):
    """A real plan with random text put in at random places (tabs, digits, minus signs, units...)."""
    text = LUND
    for at, insert in sorted(edits, reverse=True):
        text = text[:at] + insert + text[at:]
    plan = run_text(tmp_path, text.encode("utf-8", "surrogatepass"))
    if plan is not None:
        for table in plan.budget_tables:
            for row in table.rows:
                for cell in row.cells:
                    assert plan.text[cell.span.start:cell.span.end] != "" or cell.raw == ""


def swedish(n: int) -> str:
    return ("-" if n < 0 else "") + f"{abs(n):,}".replace(",", " ")


@st.composite
def plan_texts(draw) -> str:
    """A short plan: a title naming the association, then a budget table of random rows and figures."""
    years = draw(st.lists(st.integers(min_value=2005, max_value=2030), min_size=1, max_size=4, unique=True))
    unit = draw(st.sampled_from(["", " (tkr)", " (kr)", " i tusental kronor"]))
    lines = [f"Verksamhetsplan och budget {years[0]}", "Samordningsförbundet Lund", "",
             f"Budget{unit}", "\t".join(["Intäkter"] + [str(y) for y in years])]
    labels = draw(st.lists(st.sampled_from(["Medlemsavgifter", "Försäkringskassan", "Region", "Kommunerna", "Övrigt",
                                            "Personal", "Lokaler", "Insatser", "Administration", "Summa", "Totalt",
                                            "Resultat", "Eget kapital"]), min_size=1, max_size=8))
    for label in labels:
        cells = [draw(st.one_of(st.integers(min_value=-10**9, max_value=10**9).map(swedish),
                                st.sampled_from(["-", "", "0", "12 %", "1 842,5", "2 461*"]))) for _ in years]
        lines.append("\t".join([label] + cells))
    return "\n".join(lines) + "\n"


@SLOW
@given(plan_texts())
def test_a_generated_plan_is_read_with_every_figure_at_its_place(tmp_path, text):
    plan = run_text(tmp_path, text.encode("utf-8"))
    if plan is None:
        return
    for table in plan.budget_tables:
        for row in table.rows:
            for cell in row.cells:
                assert plan.text[cell.span.start:cell.span.end] == cell.raw
