from decimal import Decimal

import pytest

from extractor.tables.flattened import readings, to_groups, tokenize
from extractor.vocab.numbers import Amount, find_unit, group_value, parse_cell, parse_year, unit_factor, year_range


@pytest.mark.parametrize("cell, value, raw, unit, flags", [
    ("1 624", "1624", "1 624", None, []),
    ("1\u00a0624", "1624", "1\u00a0624", None, []),
    ("1\u202f624", "1624", "1\u202f624", None, []),
    ("1 842,5", "1842.5", "1 842,5", None, []),
    ("- 4 556 000 kr", "-4556000", "- 4 556 000", "kr", []),
    ("−574 260", "-574260", "−574 260", None, []),
    ("–30 000", "-30000", "–30 000", None, []),
    ("-243", "-243", "-243", None, []),
    ("2 461*", "2461", "2 461", None, ["*"]),
    ("7 000**", "7000", "7 000", None, ["**"]),
    ("5 795 388 kr", "5795388", "5 795 388", "kr", []),
    ("3 742 tkr", "3742", "3 742", "tkr", []),
    ("120 t kr", "120", "120", "tkr", []),
    ("1,5 Mkr", "1.5", "1,5", "Mkr", []),
    ("2 mnkr", "2", "2", "Mkr", []),
    ("3 miljoner kr", "3", "3", "Mkr", []),
    ("6 000 + 1 000", "7000", "6 000 + 1 000", None, []),
    ("0", "0", "0", None, []),
    ("1.624.000", "1624000", "1.624.000", None, []),
])
def test_amounts(cell, value, raw, unit, flags):
    a = parse_cell(cell)
    assert isinstance(a, Amount)
    assert a.value == Decimal(value) and a.raw == raw and a.unit == unit and a.flags == flags


@pytest.mark.parametrize("cell", ["-", "- kr", "–", "", "  ", "-  kr"])
def test_empty_cells_are_not_numbers(cell):
    assert parse_cell(cell) is None


@pytest.mark.parametrize("cell", ["18 %", "100 %", "82%", "12,5 %"])
def test_percentages_are_not_amounts(cell):
    assert parse_cell(cell) == "percent"


@pytest.mark.parametrize("cell", ["22.1.2016", "03.02.2016", "Max 55 000", "Styrelsen", "t kr"])
def test_text_cells(cell):
    assert parse_cell(cell) == "text"


@pytest.mark.parametrize("header, year", [
    ("2011", 2011), ("Budget 2017", 2017), ("2023(prel.)", 2023), ("2 026", 2026),
    ("År 2024 11 månader", 2024), ("2027 1 månad", 2027), ("Totalt", None), ("Utfall 2015", 2015),
])
def test_years_in_headers(header, year):
    assert parse_year(header) == year


def test_units_and_factors():
    assert find_unit("Budget (tkr)") == "tkr"
    assert find_unit("Intäkter t kr") == "tkr"
    assert find_unit("Fördelning i kr i %") == "kr"
    assert find_unit("3,7 miljoner kr") == "Mkr"
    assert find_unit("inga enheter") is None
    assert unit_factor("kkr") == 1000 and unit_factor("Mkr") == 1_000_000 and unit_factor("kr") == 1
    assert year_range("Budget 2016-2018") == [2016, 2017, 2018]
    assert year_range("Flerårsplan 2024–2026") == [2024, 2025, 2026]


def _groups(text):
    groups, _empties = to_groups(tokenize(text, 0))
    return groups


def test_ambiguous_digit_runs_offer_every_reading():
    gs = _groups("1 730 600")
    found = {tuple(int(group_value(gs, a, b)) for a, b in seg) for seg in readings(gs, 2)}
    assert found == {(1730, 600), (1, 730600), (1730600,)}


def test_unambiguous_runs_have_one_reading_per_count():
    gs = _groups("6 734 7 464 6 764 2 461*")
    found = [tuple(int(group_value(gs, a, b)) for a, b in seg) for seg in readings(gs, 4)]
    assert found == [(6734, 7464, 6764, 2461)]
