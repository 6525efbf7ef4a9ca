"""Metadata against gold written by reading the plans (corpus/gold/<stem>.plan.json)."""
import json
from datetime import date
from pathlib import Path

import pytest

from extractor.ingest import load
from extractor.plan import metadata

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
STEMS = sorted(p.name[: -len(".plan.json")] for p in (CORPUS / "gold").glob("*.plan.json"))


def gold(stem):
    return json.loads((CORPUS / "gold" / f"{stem}.plan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=STEMS)
def case(request):
    stem = request.param
    return gold(stem), metadata.extract(load(CORPUS / f"{stem}.txt"))


def test_gold_covers_the_corpus():
    assert len(STEMS) == 5


def test_association_is_canonical(case):
    g, m = case
    assert m.association == g["association"]
    assert set(g["aliases"]) <= set(m.aliases)


def test_years(case):
    g, m = case
    assert m.plan_year == g["plan_year"]
    assert m.budget_years == g["budget_years"]


def test_members(case):
    g, m = case
    assert sorted((x.name, x.kind) for x in m.members) == sorted((x["name"], x["kind"]) for x in g["members"])


def test_org_number_and_adoption(case):
    g, m = case
    assert m.org_number == g["org_number"]
    assert m.adopted == (date.fromisoformat(g["adopted"]) if g["adopted"] else None)


def test_member_spans_point_at_the_names():
    doc = load(CORPUS / "000_aeb16daac0bbbe6e.txt")
    for member in metadata.extract(doc).members:
        assert doc.text[member.span.start:member.span.end] == member.name


def test_aliases_fold_into_one_association():
    assert metadata.place_key("Lunds", genitive=True) == metadata.place_key("Lund", genitive=False) == "Lund"
    assert metadata.place_key("SÖDRA DALARNAS", genitive=True) == "Södra Dalarna"
    assert metadata.place_key("Borås", genitive=True) == "Borås"


def test_junk_titles_do_not_decide_the_association():
    # 003's top lists other documents naming other associations; only the transcript counts
    doc = load(CORPUS / "003_336f07384b85b2b9.txt")
    start = metadata.content_start(doc.text)
    assert doc.text[start:].lstrip().startswith("Södra Dalarnas Samordningsförbund")
    assert metadata.extract(doc).association == "Samordningsförbundet Södra Dalarna"
