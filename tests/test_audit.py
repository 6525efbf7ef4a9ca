"""The audit on small plans written for the purpose: each check must fire, and only where it should."""
import textwrap

import pytest

import pipeline


def run_text(tmp_path, body: str):
    p = tmp_path / "plan.txt"
    p.write_text("Verksamhetsplan och budget 2020\n\nBudget\n\n" + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return pipeline.run(p)


def problems(plan):
    return sorted((f.kind, f.severity, f.year, f.stated, f.computed) for f in plan.findings if f.severity != "info")


def test_consistent_table_has_no_findings(tmp_path):
    plan = run_text(tmp_path, """
        \t2020\t2021
        Intäkter\ttkr\ttkr
        Medlemsavgifter\t1 000\t1 000
        Summa intäkter\t1 000\t1 000
        Kostnader\t\t
        Projekt A\t600\t700
        Administration\t300\t300
        Summa kostnader\t900\t1 000
        Resultat\t100\t0
    """)
    assert problems(plan) == []
    table = plan.budget_tables[0]
    assert table.unit == "tkr"
    row = next(r for r in table.rows if r.label == "Projekt A")
    assert row.section == "cost" and [c.amount_sek for c in row.cells] == [600_000, 700_000]
    assert next(r for r in table.rows if r.label == "Summa intäkter").is_total


def test_wrong_total_is_an_error_and_rounding_a_warning(tmp_path):
    plan = run_text(tmp_path, """
        \t2020\t2021
        Kostnader (tkr)\t\t
        A\t100\t100,4
        B\t200\t200,4
        C\t300\t300,4
        Summa kostnader\t700\t602
    """)
    assert problems(plan) == [("sum", "error", 2020, 700_000, 600_000), ("sum", "warning", 2021, 602_000, 601_200)]


def test_result_with_costs_printed_negative(tmp_path):
    plan = run_text(tmp_path, """
        \t2020
        Intäkter\t
        Bidrag\t5 000 kr
        Kostnader\t
        Projekt\t- 3 000 kr
        Administration\t- 1 000 kr
        Summa kostnader\t- 4 000 kr
        Årets resultat\t2 000 kr
    """)
    assert problems(plan) == [("result", "error", 2020, 2000, 1000)]


def test_equity_and_carry_forward(tmp_path):
    plan = run_text(tmp_path, """
        \t2020\t2021
        Medlemsavgifter\t1 000\t1 000
        Summa intäkter\t1 000\t1 000
        Kostnader\t\t
        Insatser\t-1 500\t-1 500
        \t-1 500\t-1 500
        Resultat\t-500\t-500
        Eget kapital vid årets ingång\t2 000\t1 400
        Beräknat resultat\t-500\t-500
        Beräknat EK vid årets utgång\t1 500\t1 000
    """)
    assert problems(plan) == [
        ("carry_forward", "error", 2021, 1400, 1500),
        ("equity", "error", 2021, 1000, 900),
    ]
    subtotal = next(r for r in plan.budget_tables[0].rows if r.label == "")
    assert subtotal.role == "subtotal" and subtotal.is_total


def test_row_total_column_and_percent_column(tmp_path):
    plan = run_text(tmp_path, """
        Sammanställd budget\t2020\t2021\tTotalt
        Projekt X\t100\t200\t310
    """)
    assert problems(plan) == [("row_total", "error", None, 310, 300)]
    plan = run_text(tmp_path, """
        Fördelning i kr för 2020

        Ledning\t100\t10 %
        Insatser\t900\t90 %
        TOTALT\t1 000\t100 %
    """)
    assert problems(plan) == []
    assert all(len(r.cells) == 1 for r in plan.budget_tables[0].rows)


def test_sign_convention_is_info_not_error(tmp_path):
    plan = run_text(tmp_path, """
        Köp av tjänster\t- 67 000
        Revision\t- 33 000
        TOTALT\t100 000
    """)
    assert problems(plan) == []
    assert [f.kind for f in plan.findings] == ["sign_convention"]


def test_space_aligned_table(tmp_path):
    plan = run_text(tmp_path, """
        Kostnader          2020        2021
        Projekt A         1 000       1 200
        Projekt B           500         600
        Summa kostnader   1 500       1 900
    """)
    table = plan.budget_tables[0]
    assert table.layout == "space"
    a = next(r for r in table.rows if r.label == "Projekt A")
    assert [(c.year, c.amount_sek) for c in a.cells] == [(2020, 1000), (2021, 1200)]
    assert problems(plan) == [("sum", "error", 2021, 1900, 1800)]


def test_statutory_split(tmp_path):
    plan = run_text(tmp_path, """
        \t2020
        Intäkter\t
        Försäkringskassan\t1 000
        Region Skåne\t600
        Lunds kommun\t400
        Summa intäkter\t2 000
    """)
    split = [f for f in plan.findings if f.kind == "statutory_split"]
    assert len(split) == 1 and split[0].severity == "warning"


def test_flattened_table_totals_decide_ambiguous_runs(tmp_path):
    body = ("Långsiktig text om förbundet och dess arbete under året som kommer att fortsätta. " * 4 +
            "9. Budget år 2020 ID Beskrivning Årsbudget Årsbudget (tkr) 2020 2019 "
            "10 000 Teamet 35 Bidrag 1 730 600 36 Övrigt 70 10 10 000 Totalt 1 800 610 "
            "20 000 Publikationer 30 Intäkter (försäljning) -20 20 000 Totalt -20 "
            "Kostnader totalt 1 780 610 Not 1: fördelning enligt nedan.")
    plan = run_text(tmp_path, body)
    table = plan.budget_tables[0]
    assert table.layout == "flattened" and table.unit == "tkr"
    bidrag = next(r for r in table.rows if r.label == "Bidrag")
    assert bidrag.code == "35"
    assert [(c.year, c.amount_sek) for c in bidrag.cells] == [(2020, 1_730_000), (2019, 600_000)]
    sale = next(r for r in table.rows if r.label.startswith("Intäkter (försäljning)"))
    assert [(c.year, c.amount_sek) for c in sale.cells] == [(2020, -20_000)]
    assert problems(plan) == []


def test_space_aligned_table_as_pdftotext_lays_it_out(tmp_path):
    """Section lines without figures inside the table, a header indented to the value columns,
    and a row with a missing value keep every cell in its column."""
    plan = run_text(tmp_path, """
                                           Budget 2022     Budget 2023
        Intäkter (tkr)
        Försäkringskassan                        1 000           1 000
        Region Västra Götaland                     500             500
        Kommunen                                   500             500
        Summa intäkter                           2 000           2 000
        Kostnader
        Projekt Alfa                             1 200
        Administration                             600             600
        Summa kostnader                          1 800             600
        Resultat                                   200           1 400
    """)
    assert len(plan.budget_tables) == 1
    table = plan.budget_tables[0]
    assert table.layout == "space" and table.unit == "tkr"
    assert [(c.label, c.year) for c in table.columns] == [("Budget 2022", 2022), ("Budget 2023", 2023)]
    alfa = next(r for r in table.rows if r.label == "Projekt Alfa")
    assert [(c.year, c.amount_sek) for c in alfa.cells] == [(2022, 1_200_000)]
    assert next(r for r in table.rows if r.label == "Kostnader").role == "header"
    assert problems(plan) == []
