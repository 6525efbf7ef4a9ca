"""Projects, goals and metadata from small plans, one layout each, and the twelve plans of corpus/more."""
import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline
from extractor.layout import blocks as layout
from extractor.layout import sections
from extractor.errors import NotAPlan
from extractor.ingest import load
from extractor.plan import goals, metadata, projects
from extractor.vocab import nlp

MORE = Path(__file__).resolve().parent.parent / "corpus" / "more"
HEAD = ("Samordningsförbundet Exempelby\n\nVerksamhetsplan och budget 2022\n\nInledning\n\n"
        "Verksamhetsplanen beskriver förbundets mål, insatser och budget för det kommande året.\n\n")


def read(tmp_path, body: str, name: str = "plan.txt"):
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    doc = load(path)
    tree = sections.build(doc, layout.segment(doc))
    meta = metadata.extract(doc)
    start = metadata.content_start(doc.text)
    ps = projects.extract(doc, tree, start, meta.places, meta.plan_year)
    gs = goals.extract(doc, tree, ps, start)
    return doc, ps, gs


def by_name(ps):
    return {p.name: p for p in ps}


# -- projects, one layout each ---------------------------------------------------------------


def test_numbered_subsection_with_field_lines(tmp_path):
    _, ps, gs = read(tmp_path, """5. Insatser 2022

5.1 Arbetslivsteam Västra Skaraborg

Huvudman: Lidköpings kommun, Arbetsmarknadsenheten
Samverkansparter: Försäkringskassan, Arbetsförmedlingen och Skara kommun
Projekttid: 2022-01-01 – 2023-12-31
Budget 2022: 2 150 000 kr
Målgrupp: Personer 18–64 år med försörjningsstöd.
Syfte: Att samla stödet i ett gemensamt team.

Projektmål:

- Minst 120 deltagare ska skrivas in i teamet under 2022.

Kontaktperson: Malin Bergkvist, projektledare

5.2 Unga framåt

Projektägare: Skara kommun
Projekttid: 1 januari 2022 t.o.m. 31 december 2023
Beviljade medel: 1 800 000 kr för hela projekttiden, varav 900 000 kr under 2022
""")
    p = by_name(ps)["Arbetslivsteam Västra Skaraborg"]
    assert (p.owner, p.start, p.end, p.amount_sek) == (
        "Lidköpings kommun, Arbetsmarknadsenheten", date(2022, 1, 1), date(2023, 12, 31), 2150000)
    assert p.stakeholders == ["Försäkringskassan", "Arbetsförmedlingen", "Skara kommun"]
    assert p.target_group.startswith("Personer 18–64") and p.purpose.startswith("Att samla")
    assert p.contact == "Malin Bergkvist, projektledare" and p.layout == "fields" and p.guessed == []
    q = by_name(ps)["Unga framåt"]
    assert (q.owner, q.start, q.end, q.amount_sek, q.amount_kind) == (
        "Skara kommun", date(2022, 1, 1), date(2023, 12, 31), 900000, "year")
    goal = next(g for g in gs if g.text.startswith("Minst 120"))
    assert goal.project == "Arbetslivsteam Västra Skaraborg" and goal.kind == "project"
    assert (goal.target.value, goal.target.unit, goal.target.comparator) == (120, "deltagare", ">=")


def test_field_and_value_on_separate_lines_and_aligned(tmp_path):
    _, ps, _ = read(tmp_path, """4 Insatser 2022

4.1 Samverkansteam Norr

Huvudman:
Exempelby kommun, Socialkontoret
Projekttid:
1 september 2021
– 31 december 2023
Budget 2022:
1 900 000 kr

Teamet tar emot personer som har kontakt med flera myndigheter.

4.2 IPS Exempelby

      Huvudman      Region Exempel, Psykiatrin
      Period        jan 2022 – dec 2023
      Medel 2022    1 150 tkr
""")
    a, b = by_name(ps)["Samverkansteam Norr"], by_name(ps)["IPS Exempelby"]
    assert (a.owner, a.start, a.end, a.amount_sek) == ("Exempelby kommun, Socialkontoret", date(2021, 9, 1),
                                                       date(2023, 12, 31), 1900000)
    assert (b.owner, b.start, b.end, b.amount_sek) == ("Region Exempel, Psykiatrin", date(2022, 1, 1),
                                                       date(2023, 12, 31), 1150000)


def test_bold_names_with_several_fields_in_one_sentence(tmp_path):
    _, ps, _ = read(tmp_path, """Insatser 2022

Förbundet finansierar två insatser.

**Jobbcentrum Unga**

Huvudman: Exempelby kommun, Arbetsmarknadsenheten. Projekttid: 20220101-20231231. Budget 2022: 1 850 000 kr.

Jobbcentrum Unga är en samlokaliserad verksamhet.

**Stödlinjen**

Huvudman: Region Exempel. Period: fr.o.m. 2021-09-01, löpande. Budget 2022: 450 000 kr.
""")
    a, b = by_name(ps)["Jobbcentrum Unga"], by_name(ps)["Stödlinjen"]
    assert (a.owner, a.start, a.end, a.amount_sek) == ("Exempelby kommun, Arbetsmarknadsenheten", date(2022, 1, 1),
                                                       date(2023, 12, 31), 1850000)
    assert (b.owner, b.start, b.end, b.amount_sek) == ("Region Exempel", date(2021, 9, 1), None, 450000)


def test_run_in_name_before_the_first_label(tmp_path):
    _, ps, _ = read(tmp_path, "6. Insatser 2022 Förbundet finansierar två insatser. 6.1 Ungdomslotsen Huvudman: "
                              "Exempelby kommun, SDN Norr Projektperiod: 1 maj 2021 – 30 april 2023 Beviljat för 2022: "
                              "2 347 500 kr Ungdomslotsen ger unga en fast kontakt. 6.2 Hälsoskola Huvudman: Region "
                              "Exempel Projektperiod: 2022-01-01 – 2022-12-31 Beviljat för 2022: 648 900 kr Hälsoskolan "
                              "erbjuder gruppverksamhet.\n")
    assert {p.name: (p.owner, p.amount_sek) for p in ps} == {
        "Ungdomslotsen": ("Exempelby kommun, SDN Norr", 2347500), "Hälsoskola": ("Region Exempel", 648900)}


def test_insats_table_is_the_only_place_of_owners_and_amounts(tmp_path):
    _, ps, _ = read(tmp_path, """Insatser 2022

Förbundet finansierar insatserna i tabellen.

Tabell 1. Insatser 2022 (tkr)
Insats\tHuvudman\tPeriod\tBudget 2022\tTotalt
Vägen ut\tExempelby kommun, AMF\t2021-01-01 – 2023-06-30\t1 842,5\t4 000,0
Tidig rehabilitering (TR)\tRegion Exempel, Primärvården\t2022-04-01 – 2024-03-31\t645,0\t1 300,0
Summa\t\t\t2 487,5\t5 300,0
Kansli\t\t\t900,0\t2 700,0
""")
    assert {p.name: (p.owner, p.start, p.amount_sek, p.layout) for p in ps} == {
        "Vägen ut": ("Exempelby kommun, AMF", date(2021, 1, 1), 1842500, "table"),
        "Tidig rehabilitering (TR)": ("Region Exempel, Primärvården", date(2022, 4, 1), 645000, "table"),
    }


def test_markdown_insats_table(tmp_path):
    _, ps, _ = read(tmp_path, """## Insatser 2022

| Insats | Huvudman | Period | Budget 2022 (kr) |
|---|---|---|---:|
| Steg för steg | Region Exempel, Arbetsmarknadsenheten | 2018-08-01 – 2022-12-31 | 1 240 000 |
| **Summa** |  |  | **1 240 000** |
""")
    assert [(p.name, p.owner, p.end, p.amount_sek) for p in ps] == [
        ("Steg för steg", "Region Exempel, Arbetsmarknadsenheten", date(2022, 12, 31), 1240000)]


def test_bullets_with_dash_separated_parts(tmp_path):
    _, ps, _ = read(tmp_path, """Insatser 2022

Förbundet finansierar under 2022 följande insatser:

• Jobbtorg Plus – Exempelby kommun, Arbetsmarknadsförvaltningen – 2 300 tkr – 2021-07-01–2023-06-30
• Unga vuxna i Norr – Norrby kommun – 480 tkr – jan 2022–jun 2023
• Aktivitetscenter – Arbetsförmedlingen Exempelby – 1 350 tkr – 1 april 2022 t.o.m. 31 mars 2024

Insatser under beredning

• Förstudie unga – Norrby kommun – 300 tkr – hösten 2022 (ej beslutad)
""")
    assert {p.name: (p.owner, p.amount_sek, p.start, p.end) for p in ps} == {
        "Jobbtorg Plus": ("Exempelby kommun, Arbetsmarknadsförvaltningen", 2300000, date(2021, 7, 1), date(2023, 6, 30)),
        "Unga vuxna i Norr": ("Norrby kommun", 480000, date(2022, 1, 1), date(2023, 6, 30)),
        "Aktivitetscenter": ("Arbetsförmedlingen Exempelby", 1350000, date(2022, 4, 1), date(2024, 3, 31)),
    }



def test_dash_records_without_bullets_and_run_together(tmp_path):
    """A PDF draws the bullets as graphics: the records stand as plain lines, and two may run onto one."""
    _, ps, _ = read(tmp_path, """Insatser 2022

Förbundet finansierar under 2022 följande insatser:

Jobbtorg Plus – Exempelby kommun, Arbetsmarknadsförvaltningen – 2 300 tkr – 2021-07-01–2023-06-30 Unga vuxna i Norr – Norrby kommun – 480 tkr – 2022-01-01–2023-06-30
Aktivitetscenter – Arbetsförmedlingen Exempelby – 1 350 tkr – 1 april 2022 t.o.m. 31 mars 2024

Insatser under beredning

Förstudie unga – Norrby kommun – 300 tkr – hösten 2022 (ej beslutad)
""")
    assert {p.name: (p.owner, p.amount_sek, p.start, p.end) for p in ps} == {
        "Jobbtorg Plus": ("Exempelby kommun, Arbetsmarknadsförvaltningen", 2300000, date(2021, 7, 1), date(2023, 6, 30)),
        "Unga vuxna i Norr": ("Norrby kommun", 480000, date(2022, 1, 1), date(2023, 6, 30)),
        "Aktivitetscenter": ("Arbetsförmedlingen Exempelby", 1350000, date(2022, 4, 1), date(2024, 3, 31)),
    }

def test_run_in_list_of_funded_projects(tmp_path):
    _, ps, _ = read(tmp_path, "Insatser\n\nUnder 2022 finansierar förbundet följande insatser: Arbetsträning "
                              "(Xköpings kommun, 1,2 Mkr), Hälsolots (Region Y, 800 tkr) och Brukarråd.\n")
    assert {p.name: (p.owner, p.amount_sek, p.layout) for p in ps} == {
        "Arbetsträning": ("Xköpings kommun", 1200000, "run_in"),
        "Hälsolots": ("Region Y", 800000, "run_in"),
        "Brukarråd": (None, None, "run_in"),
    }


def test_heading_per_project_with_owner_and_amount_in_sentences(tmp_path):
    _, ps, _ = read(tmp_path, """Insatser 2022

Arbetsträning Norr

Projektet drivs av Arbetsförmedlingen i samverkan med kommunen. Förbundet bidrar med 650 000 kronor under perioden 1 mars 2021 till 28 februari 2023.

Hälsolots

Insatsen ägs av Exempelby kommun och pågår under 2022-01-01 – 2022-12-31. Förbundet har beviljat 300 tkr för 2022.

Uppföljning

Alla insatser följs upp i SUS.
""")
    a, b = by_name(ps)["Arbetsträning Norr"], by_name(ps)["Hälsolots"]
    assert (a.owner, a.amount_sek, a.amount_kind, a.start, a.end) == (
        "Arbetsförmedlingen", 650000, "total", date(2021, 3, 1), date(2023, 2, 28))
    assert (b.owner, b.amount_sek, b.amount_kind) == ("Exempelby kommun", 300000, "year")
    assert a.layout == "prose" and set(a.guessed) == {"owner", "amount", "period"}
    assert "Uppföljning" not in by_name(ps)


def test_applications_not_decided_are_not_projects(tmp_path):
    _, ps, _ = read(tmp_path, """5. Insatser 2022

5.1 Stödlinjen

Huvudman: Exempelby kommun
Budget 2022: 450 000 kr

5.2 Ansökningar under beredning

5.2.1 Digital vägledning

Huvudman: Norrby kommun
Budget 2022: 250 000 kr

- Arbetsgivarnätverk – Exempelby kommun – ansökan om 200 000 kr, ej beslutad
""")
    assert [p.name for p in ps] == ["Stödlinjen"]


@pytest.mark.parametrize("text, start, end", [
    ("1 januari 2022 t.o.m. 31 december 2023", date(2022, 1, 1), date(2023, 12, 31)),
    ("jan 2022–dec 2023", date(2022, 1, 1), date(2023, 12, 31)),
    ("januari 2013 – december 2015", date(2013, 1, 1), date(2015, 12, 31)),
    ("20220301-20240229", date(2022, 3, 1), date(2024, 2, 29)),
    ("20120301–20140228", date(2012, 3, 1), date(2014, 2, 28)),
    ("fr.o.m. 2021-09-01, löpande", date(2021, 9, 1), None),
    ("1 mars 2021 till 28 februari 2023", date(2021, 3, 1), date(2023, 2, 28)),
    ("kalenderåret 2012 (2012-01-01 – 2012-12-31)", date(2012, 1, 1), date(2012, 12, 31)),
])
def test_periods_in_every_swedish_form(text, start, end):
    assert nlp.period_of(text).value == (start, end)


@pytest.mark.parametrize("text", ["hösten 2022", "helår 2021", "2017", "löpande under 2010"])
def test_a_season_or_a_year_is_no_exact_date(text):
    assert nlp.period_of(text) is None


def test_owner_on_one_line_or_three_gives_the_same_projects(tmp_path):
    seed = Path(__file__).resolve().parent.parent / "corpus" / "001_012a687b5704bc5b.txt"
    text = seed.read_text(encoding="utf-8")
    one_line = text.replace("Huvudman:\n\nFörsäkringskassan\n", "Huvudman: Försäkringskassan\n", 1)
    assert one_line != text
    path = tmp_path / "sydnarke.txt"
    path.write_text(one_line, encoding="utf-8")
    got = pipeline.run(path).projects
    want = pipeline.run(seed).projects
    assert [p.name for p in got] == [p.name for p in want] and len(got) == 11
    assert next(p for p in got if p.name == "På väg").owner == "Försäkringskassan"


# -- goals --------------------------------------------------------------------------------------


def test_goal_table_and_targets(tmp_path):
    _, _, gs = read(tmp_path, """Verksamhetsmål 2022

Mål\tIndikator\tMålvärde 2022
Fler personer ska ta del av förbundets insatser.\tAntal deltagare i SUS\tfler än 200 deltagare
Få deltagare ska avbryta en insats.\tAndel avbrott\thögst 10 %
""")
    assert [(g.text, g.indicator, g.target.value, g.target.unit, g.target.comparator, g.layout) for g in gs] == [
        ("Fler personer ska ta del av förbundets insatser.", "Antal deltagare i SUS", 200, "deltagare", ">", "table"),
        ("Få deltagare ska avbryta en insats.", "Andel avbrott", 10, "%", "<=", "table"),
    ]


def test_numbered_and_labelled_goals(tmp_path):
    _, _, gs = read(tmp_path, """Vision och mål

Vision: Alla i Exempelby ska nå egen försörjning.

Effektmål: Fler deltagare ska gå till arbete eller studier.

Resultatmål: Minst 60 % av deltagarna ska ha förbättrat sin hälsa.

Processmål: Samtliga insatser ska registrera deltagarna i SUS.

Verksamhetsmål 2022

Mål 1: Minst 60 % av deltagarna ska ha förbättrat sin arbetsförmåga.

Mål 2. 50 procent av deltagarna ska vara kvinnor.

Finansiellt mål: Det egna kapitalet ska inte överstiga 20 procent av medlemsbidragen.
""")
    got = {g.text: (g.kind, g.target and (g.target.value, g.target.unit, g.target.comparator)) for g in gs}
    assert got == {
        "Alla i Exempelby ska nå egen försörjning.": ("vision", None),
        "Fler deltagare ska gå till arbete eller studier.": ("overall", None),
        "Minst 60 % av deltagarna ska ha förbättrat sin hälsa.": ("operational", (60, "%", ">=")),
        "Samtliga insatser ska registrera deltagarna i SUS.": ("operational", None),
        "Minst 60 % av deltagarna ska ha förbättrat sin arbetsförmåga.": ("operational", (60, "%", ">=")),
        "50 procent av deltagarna ska vara kvinnor.": ("operational", (50, "%", None)),
        "Det egna kapitalet ska inte överstiga 20 procent av medlemsbidragen.": ("financial", (20, "%", "<=")),
    }


def test_goals_wrapped_over_lines_and_in_running_text(tmp_path):
    _, _, gs = read(tmp_path, """Verksamhetsmål 2022

  •   Minst 400 personer ska under 2022 ta del av individinriktade insatser som förbundet
      finansierar.
  •   Minst 40 procent av deltagarna ska vid avslut ha gått till arbete eller studier.

Mål och inriktning Övergripande mål: Förbundet ska bidra till att fler kommer i arbete. Mål för 2022: - Minst 500 personer ska delta i förbundets insatser. - Minst 30 procent av deltagarna ska gå till arbete. 5. Målgrupper
""")
    texts = [g.text for g in gs]
    assert "Minst 400 personer ska under 2022 ta del av individinriktade insatser som förbundet finansierar." in texts
    assert "Förbundet ska bidra till att fler kommer i arbete." in texts
    assert "Minst 500 personer ska delta i förbundets insatser." in texts
    assert "Minst 30 procent av deltagarna ska gå till arbete." in texts


# -- metadata, plans without a budget table ----------------------------------------------------------


def test_members_however_listed(tmp_path):
    cases = {
        "Förbundets medlemmar är Försäkringskassan, Arbetsförmedlingen, Region Östergötland samt Linköpings, "
        "Åtvidabergs och Kinda kommuner.": ["Försäkringskassan", "Arbetsförmedlingen", "Region Östergötland",
                                           "Linköpings kommun", "Åtvidabergs kommun", "Kinda kommun"],
        "Förbundets parter är Landstinget Dalarna, Försäkringskassan, Arbetsförmedlingen och kommunerna Gagnef och "
        "Leksand.": ["Landstinget Dalarna", "Försäkringskassan", "Arbetsförmedlingen", "Gagnefs kommun",
                     "Leksands kommun"],
        "Förbundet bildades av Försäkringskassan, Arbetsförmedlingen, Västerbottens läns landsting, Göteborgs Stad "
        "och Lilla Edets kommun.": ["Försäkringskassan", "Arbetsförmedlingen", "Västerbottens läns landsting",
                                    "Göteborgs Stad", "Lilla Edets kommun"],
        "Medlem\tAndel\nFörsäkringskassan\t50 %\nRegion Exempel\t25 %\nExempelby kommun\t25 %\n": [
            "Försäkringskassan", "Region Exempel", "Exempelby kommun"],
    }
    for i, (body, want) in enumerate(cases.items()):
        path = tmp_path / f"m{i}.txt"
        path.write_text(HEAD + body + "\n", encoding="utf-8")
        assert [m.name for m in metadata.extract(load(path)).members] == want, body


def test_association_of_several_words_and_plan_years(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("FINSAM TLG\n\nVerksamhetsplan 2022–2023\n\nSamordningsförbundet Trollhättan Lilla Edet "
                    "Grästorp, FINSAM TLG, är en arena för samverkan. Samordningsförbundet Mitt i Dalarna är ett "
                    "annat förbund.\n", encoding="utf-8")
    m = metadata.extract(load(path))
    assert m.association == "Samordningsförbundet Trollhättan Lilla Edet Grästorp"
    assert "FINSAM TLG" in m.aliases
    assert (m.plan_year, m.budget_years) == (2022, [2022, 2023])


def test_plan_without_budget_table_is_still_a_plan(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(HEAD + "Förbundets medlemmar är Försäkringskassan, Arbetsförmedlingen, Region Exempel och "
                    "Exempelby kommun.\n\nBudgeten finns i bilaga 1.\n\n5. Insatser 2022\n\n5.1 Stödlinjen\n\n"
                    "Huvudman: Exempelby kommun\nBudget 2022: 450 000 kr\n", encoding="utf-8")
    plan = pipeline.run(path)
    assert plan.budget_tables == [] and plan.association == "Samordningsförbundet Exempelby"
    assert [(f.kind, f.severity) for f in plan.findings] == [("no_budget_table", "info")]
    assert [(p.name, p.owner, p.amount_sek) for p in plan.projects] == [("Stödlinjen", "Exempelby kommun", 450000)]


def test_a_document_that_is_no_plan_is_refused(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text("Kommunens budget 2022\n\nKommunfullmäktige beslutade om skattesatsen.\n", encoding="utf-8")
    with pytest.raises(NotAPlan):
        pipeline.run(path)
    result = CliRunner().invoke(pipeline.cli, ["extract", str(path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "not a plan" in result.output


def test_projects_stated_hides_guessed_fields(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(HEAD + "Förbundets medlemmar är Försäkringskassan och Exempelby kommun.\n\nInsatser 2022\n\n"
                    "Arbetsträning Norr\n\nProjektet drivs av Exempelby kommun. Förbundet bidrar med 650 000 kronor "
                    "under 2022.\n\n5. Insatser\n\n5.1 Stödlinjen\n\nHuvudman: Norrby kommun\n"
                    "Budget 2022: 450 000 kr\n", encoding="utf-8")
    db = str(tmp_path / "f.db")
    runner = CliRunner()
    assert runner.invoke(pipeline.cli, ["import", str(plan), "--db", db, "--workers", "1"]).exit_code == 0

    def names(*args):
        out = runner.invoke(pipeline.cli, ["projects", "--db", db, "--format", "json", *args])
        return {p["name"]: (p["owner"], p["amount_sek"]) for p in json.loads(out.output)}

    assert names("--owner", "kommun") == {"Arbetsträning Norr": ("Exempelby kommun", 650000),
                                          "Stödlinjen": ("Norrby kommun", 450000)}
    assert names("--owner", "kommun", "--stated") == {"Stödlinjen": ("Norrby kommun", 450000)}
    assert names("--stated")["Arbetsträning Norr"] == (None, None)


# -- the twelve plans of corpus/more ---------------------------------------------------------------

MORE_STEMS = sorted(p.name[: -len(".gold.json")] for p in MORE.glob("*.gold.json"))


def norm(s):
    return " ".join(re.findall(r"\w+", (s or "").lower()))


@pytest.mark.parametrize("stem", MORE_STEMS)
def test_more_plans_against_gold(stem):
    gold = json.loads((MORE / f"{stem}.gold.json").read_text(encoding="utf-8"))
    plan = pipeline.run(MORE / f"{stem}.txt")
    assert norm(plan.association) == norm(gold["association"])
    assert plan.plan_year == gold["plan_year"]
    assert {m.name for m in plan.members} >= set(gold["members"])
    found = 0
    for g in gold["projects"]:
        keys = {norm(n) for n in [g["name"]] + g.get("aliases", [])}
        p = next((p for p in plan.projects if norm(p.name) in keys), None)
        assert p is not None, g["name"]
        found += 1
        assert p.amount_sek == g["amount_sek"], g["name"]
        assert (p.start, p.end) == (date.fromisoformat(g["start"]) if g["start"] else None,
                                    date.fromisoformat(g["end"]) if g["end"] else None), g["name"]
        if g.get("owner") or p.owner is not None:
            assert norm(p.owner or "") == norm(g["owner"] or ""), g["name"]
    words = [set(norm(g["text"]).split()) for g in gold["goals"]]
    got = [set(norm(g.text).split()) for g in plan.goals]
    assert all(any(len(w & x) >= 0.6 * len(w) for x in got) for w in words)


def test_audit_page_marks_guessed_fields(tmp_path):
    from extractor.app import report

    path = tmp_path / "plan.txt"
    path.write_text(HEAD + "Insatser 2022\n\nArbetsträning Norr\n\nProjektet drivs av Exempelby kommun. Förbundet "
                    "bidrar med 650 000 kronor under 2022.\n\n5. Insatser\n\n5.1 Stödlinjen\n\n"
                    "Huvudman: Norrby kommun\nBudget 2022: 450 000 kr\n", encoding="utf-8")
    page = report.render(pipeline.run(path))
    guessed = re.findall(r'<dd class="guessed"[^>]*>([^<]*)<em>', page)
    assert [g.strip() for g in guessed] == ["Exempelby kommun", "650 000 kr"]
    assert "Norrby kommun</dd>" in page


def test_labels_with_words_before_their_colon(tmp_path):
    _, ps, _ = read(tmp_path, """1. Insatser

1.1 Lotsen

Huvudman för insatsen: Exempelby kommun, Socialtjänsten
Tidsperiod: 2022-01-01 – 2022-12-31
Medel från förbundet 2022: 300 000 kr
""")
    assert [(p.name, p.owner, p.start, p.end, p.amount_sek) for p in ps] == [
        ("Lotsen", "Exempelby kommun, Socialtjänsten", date(2022, 1, 1), date(2022, 12, 31), 300000)]


def test_goal_kinds_from_year_headings_and_own_words(tmp_path):
    _, _, gs = read(tmp_path, """Vision och mål

Det övergripande målet är: Förbundet ska bidra till att fler når egen försörjning.

Mål för 2022

1. Minst 120 personer ska delta i förbundets insatser under 2022.
2. Högst 10 % av deltagarna ska avbryta sin insats i förtid.
""")
    assert [(g.kind, g.target and (g.target.value, g.target.comparator)) for g in gs] == [
        ("overall", None), ("operational", (120, ">=")), ("operational", (10, "<="))]


def test_a_numbered_line_set_as_a_heading_is_a_heading_not_a_list_item(tmp_path):
    """'7. Samverkan' set as a heading by the source (here Markdown's '#', in a PDF its type) ends the
    section before it; the same numbering without heading type stays a numbered list."""
    from extractor.ingest import load
    from extractor.layout import blocks as layout

    path = tmp_path / "plan.md"
    path.write_text("# Verksamhetsplan 2016\n\n## 6. Insatser 2016\n\nInsatser under beredning\n\n"
                    "1. Första ansökan om stöd\n2. Andra ansökan om stöd\n\n"
                    "## 7. Samverkan och information\n\nFörbundet ska stödja de lokala grupperna.\n", encoding="utf-8")
    doc = load(path)
    kinds = {doc.text[b.start:b.end].strip(): b.kind for b in layout.segment(doc)}
    assert kinds["7. Samverkan och information"] == "heading"
    assert kinds["1. Första ansökan om stöd"] == "list_item"


def test_an_insats_table_whose_header_repeats_after_a_page_break(tmp_path):
    """A table going on onto the next page repeats its header: that row is no project."""
    path = tmp_path / "plan.txt"
    path.write_text(HEAD + "Insatser 2022\n\nInsats\tHuvudman\tPeriod\tBudget 2022 (kr)\n"
                    "Stödlinjen\tNorrby kommun\t2022-01-01 – 2022-12-31\t450 000\n"
                    "Insats\tHuvudman\tPeriod\tBudget 2022 (kr)\n"
                    "Arbetsträning Norr\tRegion Norr\t2021-01-01 – 2023-06-30\t650 000\n", encoding="utf-8")
    found = {p.name: p.amount_sek for p in pipeline.run(path).projects}
    assert found == {"Stödlinjen": 450_000, "Arbetsträning Norr": 650_000}
