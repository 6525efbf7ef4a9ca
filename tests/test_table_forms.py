"""Each physical form of a budget table, on a small plan of its own, read into the same figures.

Every text below holds the same budget (income 1 000 + 200, costs 700 + 400, result 100) in
another form or with another way of printing figures and units; each must give exactly those
figures with their years, units and roles, and the audit must find the arithmetic holds.
"""
import pytest

import pipeline

HEAD = "Samordningsförbundet Provstad\n\nVerksamhetsplan och budget 2024\n\n"
WANT = {
    ("Medlemsbidrag", 2024): 1000, ("Medlemsbidrag", 2025): 1100,
    ("Ränteintäkter", 2024): 200, ("Ränteintäkter", 2025): 100,
    ("Summa intäkter", 2024): 1200, ("Summa intäkter", 2025): 1200,
    ("Personalkostnader", 2024): -700, ("Personalkostnader", 2025): -800,
    ("Lokalkostnader", 2024): -400, ("Lokalkostnader", 2025): -300,
    ("Summa kostnader", 2024): -1100, ("Summa kostnader", 2025): -1100,
    ("Årets resultat", 2024): 100, ("Årets resultat", 2025): 100,
}
ROWS = [("Medlemsbidrag", "1 000", "1 100"), ("Ränteintäkter", "200", "100"), ("Summa intäkter", "1 200", "1 200"),
        ("Personalkostnader", "-700", "-800"), ("Lokalkostnader", "-400", "-300"),
        ("Summa kostnader", "-1 100", "-1 100"), ("Årets resultat", "100", "100")]


def tab(unit_caption="(tkr)"):
    lines = [f"Budget 2024 och plan 2025 {unit_caption}", "\tBudget 2024\tPlan 2025", "Intäkter"]
    for label, a, b in ROWS[:3]:
        lines.append(f"{label}\t{a}\t{b}")
    lines.append("Kostnader")
    for label, a, b in ROWS[3:]:
        lines.append(f"{label}\t{a}\t{b}")
    return "\n".join(lines)


def pipe():
    lines = ["**Tabell 2. Budget 2024 och plan 2025 (tkr)**", "", "| Post | Budget 2024 | Plan 2025 |",
             "|---|---:|---:|", "| **Intäkter** | | |"]
    lines += [f"| {l} | {a.replace('-', '−')} | {b.replace('-', '−')} |" for l, a, b in ROWS[:3]]
    lines += ["| **Kostnader** | | |"] + [f"| {l} | {a.replace('-', '−')} | {b.replace('-', '−')} |" for l, a, b in ROWS[3:]]
    return "\n".join(lines)


def aligned():
    lines = ["Budget 2024 och plan 2025", "", f"{'':40}{'Budget 2024':>14}{'Plan 2025':>12}", f"{'':40}{'tkr':>14}{'tkr':>12}",
             "Intäkter"]
    for i, (l, a, b) in enumerate(ROWS):
        if i == 3:
            lines.append("Kostnader")
        neg = lambda v: f"({v[1:]})" if v.startswith("-") else v  # noqa: E731
        lines.append(f"{l:40}{neg(a):>14}{neg(b):>12}")
    return "\n".join(lines)


def stacked():
    lines = ["Tabell 2. Budget 2024 och plan 2025 (tkr)", "Budget 2024", "Plan 2025", "Intäkter"]
    for i, (l, a, b) in enumerate(ROWS):
        if i == 3:
            lines.append("Kostnader")
        lines += [l, a, b]
    return "\n".join(lines) + "\n\n7 Beslut\n\nStyrelsen fastställer budgeten."


def flattened():
    body = " ".join(f"{l} {a} {b}" for l, a, b in ROWS)
    return ("Transkript:\n\nSamordningsförbundet Provstad Verksamhetsplan och budget 2024 Förbundet finansierar insatser "
            "för personer som behöver samordnat stöd. 8. Budget 2024 Tabell 2. Budget 2024 och plan 2025 (tkr) "
            f"Budget 2024 Plan 2025 Intäkter {body} 9. Förslag till beslut Styrelsen föreslås fastställa budgeten.")


def html_residue():
    cells = "".join(f"<tr><td>{l}</td><td>{a}</td><td>{b}</td></tr>\n" for l, a, b in ROWS)
    return ("Budget 2024 och plan 2025 (belopp i tusental kronor)\n"
            "<tr><td>&nbsp;</td><td>Budget 2024</td><td>Plan 2025</td></tr>\n" + cells)


def ksek_dots():
    lines = ["Budget (KSEK)", "Post\tBudget 2024\tPlan 2025"]
    lines += [f"{l}\t{a.replace(' ', '.')}\t{b.replace(' ', '.')}" for l, a, b in ROWS]
    return "\n".join(lines)


FORMS = {"tab": (tab, "tab"), "pipe": (pipe, "pipe"), "aligned": (aligned, "space"), "stacked": (stacked, "stacked"),
         "flattened": (flattened, "flattened"), "html": (html_residue, "tab"), "ksek": (ksek_dots, "tab")}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_form_gives_the_figures(form, tmp_path):
    make, layout = FORMS[form]
    path = tmp_path / f"{form}.txt"
    path.write_text(HEAD + make() + "\n", encoding="utf-8")
    plan = pipeline.run(path)
    assert len(plan.budget_tables) == 1, [t.title for t in plan.budget_tables]
    table = plan.budget_tables[0]
    got = {(r.label, c.year): c.amount_sek for r in table.rows for c in r.cells}
    assert got == {k: v * 1000 for k, v in WANT.items()}
    assert table.layout == layout and table.unit == "tkr"
    roles = {r.label: r.role for r in table.rows if r.cells}
    assert roles["Summa intäkter"] == roles["Summa kostnader"] == "total" and roles["Årets resultat"] == "result"
    assert not [f for f in plan.findings if f.severity in ("error", "warning")]
    for r in table.rows:
        for c in r.cells:
            assert plan.text[c.span.start : c.span.end] == c.raw


def test_leader_lines_in_prose(tmp_path):
    path = tmp_path / "leaders.txt"
    path.write_text(HEAD + "Kostnader 2024\n\nPersonalkostnader .......... 1 250 000 kr\nLokaler ...................... "
                    "250 000 kr\nSumma kostnader ............ 1 500 000 kr\n", encoding="utf-8")
    table = pipeline.run(path).budget_tables[0]
    assert table.layout == "leader"
    assert [(r.label, [(c.year, c.amount_sek) for c in r.cells]) for r in table.rows] == [
        ("Personalkostnader", [(2024, 1250000)]), ("Lokaler", [(2024, 250000)]), ("Summa kostnader", [(2024, 1500000)])]


def test_years_as_rows_notes_codes_and_members(tmp_path):
    path = tmp_path / "shapes.txt"
    path.write_text(HEAD + "Tabell 1. Medlemsbidrag 2024\nMedlem\tInvånare\tAndel\tBelopp (kr)\n"
                    "Försäkringskassan\t\t50 %\t500 000\nRegion Provlän\t\t25 %\t250 000\nProvstads kommun\t12 345\t25 %\t250 000\n"
                    "Summa\t12 345\t100 %\t1 000 000\n\n"
                    "Tabell 2. Detaljbudget (KSEK)\nKonto / benämning\tNot\tBudget 2024\tPlan 2025\n"
                    "3010 Medlemsavgifter\t1\t1 000\t1 000\n4010 Personal¹⁾\t2\t-900\t-950\nÅrets resultat\t\t100\t50\n\n"
                    "Tabell 3. Flerårsöversikt (tkr)\nÅr\tMedlemsbidrag\tKostnader\tResultat\tEget kapital\n"
                    "2023 Bokslut\t1 000\t800\t200\t700\n2024 Budget\t1 000\t900\t100\t800\n", encoding="utf-8")
    plan = pipeline.run(path)
    members, detail, years = plan.budget_tables
    assert [(r.label, [(c.year, c.amount_sek) for c in r.cells]) for r in members.rows] == [
        ("Försäkringskassan", [(2024, 500000)]), ("Region Provlän", [(2024, 250000)]),
        ("Provstads kommun", [(2024, 250000)]), ("Summa", [(2024, 1000000)])]
    assert [(r.code, r.label, [c.amount_sek for c in r.cells]) for r in detail.rows] == [
        ("3010", "Medlemsavgifter", [1000000, 1000000]), ("4010", "Personal¹⁾", [-900000, -950000]),
        (None, "Årets resultat", [100000, 50000])]
    assert [(c.year, c.kind) for c in years.columns] == [(2023, "actual"), (2024, "budget")]
    assert {(r.label, c.year): c.amount_sek for r in years.rows for c in r.cells}[("Eget kapital", 2024)] == 800000
    assert not [f for f in plan.findings if f.severity in ("error", "warning")]


def test_a_table_that_cannot_be_read_is_said_so_not_an_error(tmp_path):
    """A row with more figures than the header has columns: the figures cannot be placed, so the
    table is reported unreadable (info) and no arithmetic error is raised from a guess."""
    path = tmp_path / "unreadable.txt"
    path.write_text(HEAD + "Budget (tkr)\n\tBudget 2024\tPlan 2025\nMedlemsbidrag\t1 000\t1 100\n"
                    "Kansli\t300\t200\t100\nSumma\t1 400\t1 300\n", encoding="utf-8")
    plan = pipeline.run(path)
    assert [(f.kind, f.severity) for f in plan.findings] == [("unreadable_table", "info")]
    assert "Kansli: more figures than the table has columns" in plan.findings[0].message


def test_one_year_in_several_kinds_with_two_header_lines(tmp_path):
    path = tmp_path / "kinds.txt"
    path.write_text(HEAD + "Resultatbudget (belopp i tkr)\n\n"
                    "                          Budget      Utfall     Prognos      Budget\n"
                    "                            2024    jan–aug       helår         2025\n"
                    "Medlemsbidrag              4 000       2 667       4 000        4 200\n"
                    "Kostnader                 -3 980      -2 525      -3 875       -4 330\n"
                    "Årets resultat                20         142         125         -130\n", encoding="utf-8")
    plan = pipeline.run(path)
    table = plan.budget_tables[0]
    assert [(c.label, c.year, c.kind) for c in table.columns] == [
        ("Budget 2024", 2024, "budget"), ("Utfall jan–aug", 2024, "actual"), ("Prognos helår", 2024, "forecast"),
        ("Budget 2025", 2025, "budget")]
    assert [c.amount_sek for c in table.rows[-1].cells] == [20000, 142000, 125000, -130000]
    assert not [f for f in plan.findings if f.severity in ("error", "warning")]


def test_unit_stated_once_for_the_whole_plan(tmp_path):
    path = tmp_path / "docunit.txt"
    path.write_text(HEAD + "Alla belopp anges i tusentals kronor.\n\nEget kapital\n\n\t2023\t2024\n"
                    "Ingående eget kapital\t2 100\t1 900\nÅrets resultat\t-200\t-400\nUtgående eget kapital\t1 900\t1 500\n",
                    encoding="utf-8")
    cells = [c for r in pipeline.run(path).budget_tables[0].rows for c in r.cells]
    assert [(c.amount_sek, c.unit, c.unit_source) for c in cells[:2]] == [(2100000, "tkr", "document"), (1900000, "tkr", "document")]


def test_a_report_full_of_figures_is_not_a_plan(tmp_path):
    """Tables alone do not make a plan: a report in another language, naming no association and
    speaking of no plan or budget, is refused with the reason."""
    from extractor.errors import NotAPlan

    path = tmp_path / "report.txt"
    path.write_text("WARN Report\n\nCompany\tEmployees\tNotice date\nAcme Corp\t1 250\t2015\nFoo Inc\t310\t2016\n",
                    encoding="utf-8")
    with pytest.raises(NotAPlan, match="names no samordningsförbund's plan"):
        pipeline.run(path)
