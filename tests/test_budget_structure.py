"""Columns, sections, roles and codes of the corpus tables, as read from the plans."""
from tests.conftest import CORPUS, extracted


def plan(stem):
    return extracted(str(CORPUS / f"{stem}.txt"))


def row(table, label, nth=0):
    return [r for r in table.rows if r.label == label][nth]


def test_lund_2011_sections_and_roles():
    t = plan("000_aeb16daac0bbbe6e").budget_tables[0]
    assert [(c.year, c.kind) for c in t.columns] == [(2011, "budget"), (2012, "budget"), (2013, "budget")]
    assert row(t, "Intäkter").role == "header"
    assert (row(t, "Försäkringskassan").section, row(t, "Försäkringskassan").role) == ("income", None)
    assert row(t, "Ack. Res. Fr. föreg. år (prel)").role == "opening"
    assert (row(t, "Summa intäkter/tillgångar").role, row(t, "Summa intäkter/tillgångar").is_total) == ("total", True)
    assert row(t, "Unga vuxna").section == "cost"
    assert [c.year for c in row(t, "Projekt Rehabsamverkan").cells] == [2011, 2012]  # 2013 is empty
    assert (row(t, "Summa kostnader").section, row(t, "Summa kostnader").role) == ("cost", "total")
    assert row(t, "Medel till förfogande").role == "result"


def test_sydnarke_2016_result_and_balance_rows():
    tables = plan("001_012a687b5704bc5b").budget_tables
    budget = tables[2]
    assert [c.label for c in budget.columns] == ["Budget 2016", "Budget 2017", "Budget 2018"]
    assert row(budget, "Övrigt").cells == [] and row(budget, "Övrigt").role is None  # "- kr": empty cells
    assert row(budget, "Rörelsens kostnader").role == "total"
    assert row(budget, "Rörelseresultat").role == "result"
    assert row(budget, "Utbetalda projektpengar").cells[0].raw == "- 4 556 000"
    assert row(budget, "Utbetalda projektpengar").cells[0].amount_sek == -4_556_000
    share = tables[1]
    assert len(share.columns) == 1 and share.columns[0].year == 2016  # the percent column is not kept
    balance = tables[4]
    assert row(balance, "därav årets resultat").role == "of_which"
    assert row(balance, "Kortfristiga skulder").section == "liabilities"
    assert row(balance, "Kassa och bank").section == "assets"


def test_trelleborg_2024_year_typo_subtotals_and_equity():
    project, budget = plan("002_5592b8b8950a13b6").budget_tables
    assert [(c.year, c.kind) for c in project.columns][-1] == (None, "total")
    assert [c.year for c in project.columns][:4] == [2024, 2025, 2026, 2027]
    assert [c.year for c in budget.columns] == [2024, 2025, 2026]  # header printed "2 026"
    subtotals = [r for r in budget.rows if r.label == ""]
    assert [(r.role, r.is_total, r.section) for r in subtotals] == [("subtotal", True, "cost")] * 2
    assert row(budget, "Eget kapital vid årets ingång").role == "opening"
    assert row(budget, "Beräknat EK vid årets utgång").role == "closing"


def test_sodra_dalarna_2019_flattened_tables():
    overview, budget, members = plan("003_336f07384b85b2b9").budget_tables
    assert all(t.layout == "flattened" for t in (overview, budget, members))
    assert [c.year for c in overview.columns] == [2017, 2018, 2019, 2020, 2021]
    utfall = row(overview, "Utfall")
    assert [(c.year, c.kind, c.flags) for c in utfall.cells][:3] == [(2017, "actual", []), (2018, "actual", []),
                                                                       (2019, "forecast", ["*"])]
    allocation = row(overview, "Årstilldelning från huvudmännen")
    assert (allocation.cells[0].raw, allocation.cells[0].amount_sek) == ("6 000 + 1 000", 7_000_000)
    assert (allocation.cells[-1].kind, allocation.cells[-1].flags) == ("wish", ["**"])
    assert row(overview, "Eget kapital 31/12").role == "closing"
    assert (row(budget, "Styrelsen").code, row(budget, "Styrelsen").role) == ("10 000", "header")
    assert row(budget, "Konsulttjänster (revision)").code == "47"
    assert [r.code for r in budget.rows if r.label == "Totalt"] == [
        "10 000", "20 000", "21 000", "29 000", "35 000", "36 000", "37 000", "50 000"]
    assert row(budget, "Lokal- och markhyror, fastighetsservice").cells == []
    assert row(budget, "Intäkter (medelstilldelning från medlemmarna)").section == "income"
    assert row(budget, "Resultat").role == "result"
    assert all(r.section == "income" for r in members.rows)


def test_lund_2024_preliminary_year_and_decimal_tkr():
    t = plan("004_034b970862004510").budget_tables[0]
    assert [(c.year, c.kind) for c in t.columns] == [(2023, "forecast"), (2024, "budget"), (2025, "budget"), (2026, "budget")]
    region = row(t, "Region Skåne")
    assert (region.cells[0].raw, region.cells[0].amount_sek) == ("1 842,5", 1_842_500)
    assert row(t, "Sparade medel").role == "opening"
    assert row(t, "Tillgängliga medel").is_total


def test_projects_without_a_stated_amount_take_the_plan_years_budget_row():
    by_name = {p.name: p for p in plan("004_034b970862004510").projects}
    assert (by_name["USB"].amount_sek, by_name["USB"].budget_rows) == (1_380_000, ["IRIS USB"])
    assert "budget 2024" in by_name["USB"].amount_raw
    dalarna = {p.name: p.amount_sek for p in plan("003_336f07384b85b2b9").projects}
    assert dalarna["Samverkansteam Avesta"] == 2_720_000  # the cost centre's total for 2019
    assert dalarna["Samverkansteam Säter"] == 1_730_000
    sydnarke = {p.name: p for p in plan("001_012a687b5704bc5b").projects}
    assert (sydnarke["På väg"].amount_sek, sydnarke["På väg"].amount_raw) == (1_210_000, "Max 1 210 000 kr.")
