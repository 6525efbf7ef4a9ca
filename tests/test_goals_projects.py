"""Sections, projects and goals against gold written by reading the plans."""
import json
import re
from datetime import date
from pathlib import Path

import pytest

import pipeline

from extractor.layout import sections
from extractor.plan import projects
from schemas import BudgetRow, BudgetTable, Project, Span

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
STEMS = sorted(p.name[: -len(".plan.json")] for p in (CORPUS / "gold").glob("*.plan.json"))


def norm(s: str) -> str:
    return " ".join(re.findall(r"\w+", s.lower()))


class Extracted:
    """A corpus plan's intermediate stages, as the pipeline made them."""

    def __init__(self, stem):
        st = pipeline.stages(CORPUS / f"{stem}.txt")
        self.doc, self.blocks, self.tree, self.tables = st.doc, st.blocks, st.tree, st.tables
        self.projects, self.goals = st.plan.projects, st.plan.goals
        self.gold = json.loads((CORPUS / "gold" / f"{stem}.plan.json").read_text(encoding="utf-8"))


_cache = {}


def extracted(stem) -> Extracted:
    if stem not in _cache:
        _cache[stem] = Extracted(stem)
    return _cache[stem]


@pytest.fixture(params=STEMS)
def ex(request):
    return extracted(request.param)


# -- sections --------------------------------------------------------------------------


def titles(tree):
    return [(n.kind, n.number, n.title) for n in tree.walk()]


def test_numbered_headings_and_numbered_list_items():
    t = extracted("002_5592b8b8950a13b6").tree
    numbered = [(n.number, n.title) for n in t.walk() if n.kind == "numbered"]
    assert [num for num, _ in numbered] == [str(i) for i in range(1, 12)]
    assert numbered[0] == ("1", "Inledning")
    # "1. Besluta om mål och riktlinjer ..." is a list item in section 2, not a heading
    assert all("Besluta" not in title for _, title in numbered)


def test_project_sections_nest_under_their_heading():
    t = extracted("001_012a687b5704bc5b").tree
    parent = next(n for n in t.walk() if n.title == "Beslutade projekt/verksamheter")
    assert [c.number for c in parent.children] == [str(i) for i in range(1, 12)]
    ips = parent.children[5]
    assert ips.title.startswith("IPS(Individual")
    assert [f.title for f in ips.children][:3] == ["Sammanfattning", "Huvudman", "Intressenter"]
    mottagning = parent.children[1]
    # "Huvudman" without a colon, then its value "Hallsbergs kommun"
    huvudman = mottagning.children[0]
    assert (huvudman.kind, huvudman.title) == ("field", "Huvudman")
    assert huvudman.blocks[0].text(extracted("001_012a687b5704bc5b").doc) == "Hallsbergs kommun"


def test_upper_case_headings_and_lists_in_000():
    ex = extracted("000_aeb16daac0bbbe6e")
    kinds = {n.title: n.kind for n in ex.tree.walk()}
    assert kinds["BUDGET"] == "upper" and kinds["MÅLGRUPPER UNDER 2011"] == "upper"
    assert not any(n.title.startswith("Personer mellan 18") or n.title.startswith("Arbetslösa") for n in ex.tree.walk())


def test_table_of_contents_is_not_content():
    ex = extracted("001_012a687b5704bc5b")
    toc = [n for n in ex.tree.walk() if n.kind == "toc"]
    assert [n.title for n in toc] == ["Innehållsförteckning"]
    assert ex.tree.toc and all(b not in toc[0].blocks for b in ex.tree.toc)
    names = {norm(p.name) for p in ex.projects}
    assert len(names) == 11  # the TOC lists "På väg", "IPS", ... again: no duplicates from it


def test_every_section_keeps_its_span(ex):
    secs = sections.to_sections(ex.doc, ex.tree)

    def walk(ss):
        for s in ss:
            yield s
            yield from walk(s.children)

    for s in walk(secs):
        text = ex.doc.text[s.span.start:s.span.end]
        assert s.title.split()[0].strip('"(') in text.split("\n")[0], (s.title, text[:60])
        for c in s.children:
            assert s.span.start <= c.span.start and c.span.end <= s.span.end


# -- projects ----------------------------------------------------------------------------


def test_projects_match_gold(ex):
    got = {norm(p.name): p for p in ex.projects}
    want = {norm(p["name"]): p for p in ex.gold["projects"]}
    assert sorted(got) == sorted(want), "missing: %s extra: %s" % (set(want) - set(got), set(got) - set(want))
    for key, g in want.items():
        p = got[key]  # the gold holds what the text states; a field taken from a budget row or prose is guessed
        assert (None if "owner" in p.guessed else p.owner) == g["owner"], key
        assert (None if "amount" in p.guessed else p.amount_sek) == g["amount_sek"], key
        assert p.start == (date.fromisoformat(g["start"]) if g["start"] else None), key
        assert p.end == (date.fromisoformat(g["end"]) if g["end"] else None), key
        assert p.place == g["place"], key


def test_project_spans_start_at_the_name(ex):
    for p in ex.projects:
        head = ex.doc.text[p.span.start:p.span.start + 200]
        assert norm(p.name).split()[0] in norm(head) or "nu heter" in head, p.name


def test_no_heading_or_toc_line_is_a_project(ex):
    heading_titles = {norm(n.title) for n in ex.tree.walk() if n.kind in ("upper", "title", "field", "toc")}
    for p in ex.projects:
        assert norm(p.name) not in heading_titles


def test_not_yet_decided_activities_are_not_projects():
    names = {p.name for p in extracted("003_336f07384b85b2b9").projects}
    assert not any("GULF 8" in n or "GULF led 5" in n for n in names)


# -- goals --------------------------------------------------------------------------------


def test_goals_match_gold(ex):
    got = list(ex.goals)
    want = ex.gold["goals"]
    for g in want:
        hits = [x for x in got if norm(x.text).startswith(norm(g["text_prefix"]))]
        assert len(hits) == 1, g["text_prefix"]
        x = hits[0]
        assert x.kind == g["kind"], g["text_prefix"]
        assert x.project == g["project"], g["text_prefix"]
        if g["target_value"] is None:
            assert x.target is None, g["text_prefix"]
        else:
            assert (x.target.value, x.target.unit) == (g["target_value"], g["target_unit"]), g["text_prefix"]
    assert len(got) == len(want), [x.text[:40] for x in got]


def test_no_heading_is_a_goal(ex):
    heading_titles = {norm(n.title) for n in ex.tree.walk()}
    assert not [g.text for g in ex.goals if norm(g.text) in heading_titles]


def test_indicators_in_002():
    gs = extracted("002_5592b8b8950a13b6").goals
    fin = next(g for g in gs if g.kind == "financial")
    assert fin.indicator.startswith("beräkning av utgående kapital")
    assert fin.target.comparator == "<="
    three = next(g for g in gs if g.text.startswith("Samordningsförbundets medlemmar får"))
    assert three.indicator.count("Resultatet i genomförda enkät") == 2


def test_goal_spans_point_at_the_text(ex):
    for g in ex.goals:
        assert ex.doc.text[g.span.start:g.span.end] == g.text


def test_goals_attach_to_their_projects():
    ex = extracted("001_012a687b5704bc5b")
    framsteget = next(p for p in ex.projects if p.name == "Framsteget")
    assert len(framsteget.goals) == 5


# -- budget rows --------------------------------------------------------------------------


def _row(label):
    return BudgetRow(label=label, span=Span(start=0, end=1))


def test_link_budget_rows_prefers_the_specific_project():
    rows = [_row(l) for l in ["AKTIV", "IRIS (Övergripande)", "IRIS USB", "IRIS VSB", "IRIS Höganäs",
                              "Hållbart näringsliv/arbetsmarknad", "Administration", "Övrigt"]]
    table = BudgetTable(title="t", unit="tkr", span=Span(start=0, end=1), rows=rows)
    ps = [Project(name=n, span=Span(start=0, end=1)) for n in
          ["IRIS", "USB", "VSB", "IRIS Höganäs", "Hållbart näringsliv och arbetsmarknad", "AKTIV", "Ledning och administration, övrigt"]]
    projects.link_budget_rows(ps, [table])
    assert {r.label: r.project for r in rows} == {
        "AKTIV": "AKTIV", "IRIS (Övergripande)": "IRIS", "IRIS USB": "USB", "IRIS VSB": "VSB",
        "IRIS Höganäs": "IRIS Höganäs", "Hållbart näringsliv/arbetsmarknad": "Hållbart näringsliv och arbetsmarknad",
        "Administration": None, "Övrigt": None}
    assert next(p for p in ps if p.name == "USB").budget_rows == ["IRIS USB"]


@pytest.mark.parametrize("stem,label,project", [
    ("004_034b970862004510", "IRIS USB", "USB"),
    ("004_034b970862004510", "IRIS SydÖst", "IRIS Sydöst"),
    ("002_5592b8b8950a13b6", "Samansvar", "Samansvar"),
    ("000_aeb16daac0bbbe6e", "Projekt Rehabsamverkan", "Rehabsamverkan"),
])
def test_link_budget_rows_on_the_corpus(stem, label, project):
    ex = extracted(stem)
    ps = ex.projects
    rows = [r for t in ex.tables for r in t.rows if r.label == label]
    assert rows, f"the budget parser gives no row {label!r}"
    assert rows[0].project == project
    assert label in next(p for p in ps if p.name == project).budget_rows


def test_run_in_names_split():
    names = ("Samverkansteam Avesta Samverkansteam Kraften Hedemora Samverkansteam Säter Workshop lösningsfokuserat "
             "ledarskap Vidareutbildning i lösningsfokus (VULF 5) AfterWork Lösningsfokus (6 till 9) Bidrag till "
             "Studieförbundet Vuxenskolans föreläsningsserie")
    parts = [names[a:b] for a, b in projects.split_run_in(names, ["Avesta", "Hedemora", "Säter"])]
    assert parts == ["Samverkansteam Avesta", "Samverkansteam Kraften Hedemora", "Samverkansteam Säter",
                     "Workshop lösningsfokuserat ledarskap", "Vidareutbildning i lösningsfokus (VULF 5)",
                     "AfterWork Lösningsfokus (6 till 9)", "Bidrag till Studieförbundet Vuxenskolans föreläsningsserie"]
