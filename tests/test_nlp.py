"""The Swedish pipeline: built once, lemmas for heading words, entity rules on real plan phrases."""
from datetime import date

from extractor.vocab import nlp


def test_pipeline_is_built_once():
    assert nlp.get_nlp() is nlp.get_nlp()
    names = nlp.get_nlp().pipe_names
    assert "finsam_lemmas" in names and "sentencizer" in names and "entity_ruler" in names


def test_the_small_lemma_table_lemmatises_as_the_whole_one(tmp_path, monkeypatch):
    """Only the forms of the words the vocabulary compares are kept, and they get the lemma the whole
    spacy-lookups-data table gives; the table is cached and read back the same."""
    import gzip
    import importlib.resources
    import json

    monkeypatch.setenv("FINSAM_CACHE", str(tmp_path))
    nlp.lemma_table.cache_clear()
    try:
        small = nlp.lemma_table()
        assert list(tmp_path.rglob("sv-lemmas-*.json"))
        nlp.lemma_table.cache_clear()
        assert nlp.lemma_table() == small
    finally:
        nlp.lemma_table.cache_clear()
    source = importlib.resources.files("spacy_lookups_data") / "data" / "sv_lemma_lookup.json.gz"
    with gzip.open(source.open("rb"), "rt", encoding="utf-8") as f:
        full = json.load(f)
    exact, prefixes = nlp.lemma_targets()
    assert len(small) < len(full) / 100
    for form, lemma in full.items():
        if lemma in exact or lemma.startswith(prefixes) or form in exact or form.startswith(prefixes):
            assert small[form] == lemma


def test_goal_words_lemmatise_to_their_heading_word():
    # the lookup table alone gives "mål" -> "måla"; the exception table fixes it
    assert nlp.lemmas("mål målen målet") == ["mål", "mål", "mål"]
    assert nlp.lemmas("Målområde målområden") == ["målområde", "målområde"]
    assert nlp.lemmas("verksamhetsmålen Utvecklingsområden") == ["verksamhetsmål", "utvecklingsområde"]
    assert nlp.lemmas("Kvantitativa Individuella Finansiellt") == ["kvantitativ", "individuell", "finansiell"]
    assert nlp.lemmas("Målgrupp")[0] != "mål"


def test_members_including_a_list_of_municipalities():
    text = ("Samordningsförbundet Sydnärke är en fristående juridisk person där kommunerna Askersund, Hallsberg, "
            "Kumla och Laxå, tillsammans med Region Örebro län, Försäkringskassan och Arbetsförmedlingen samverkar")
    found = [(f.text, f.kind) for f in nlp.members_in(text)]
    assert found == [("Askersunds kommun", "municipality"), ("Hallsbergs kommun", "municipality"),
                     ("Kumla kommun", "municipality"), ("Laxå kommun", "municipality"),
                     ("Region Örebro län", "region"), ("Försäkringskassan", "state"), ("Arbetsförmedlingen", "state")]
    first = nlp.members_in(text)[0]
    assert text[first.start:first.end] == "Askersund"


def test_regions_and_landsting():
    kinds = {f.text: f.kind for f in nlp.members_in("Landstinget Dalarna (25 %) Avesta kommun och Västra Götalandsregionen.")}
    assert kinds == {"Landstinget Dalarna": "region", "Avesta kommun": "municipality", "Västra Götalandsregionen": "region"}


def test_money_and_percent():
    text = "Max 1 210 000 kr. Staten ger 3,7 miljoner kr och minst 80 % samt 20% av 6 360 000 kronor."
    assert [f.value for f in nlp.money_in(text)] == [1210000, 3700000, 6360000]
    assert [f.value for f in nlp.percents_in(text)] == [80.0, 20.0]
    assert nlp.amount_of("Max 55 000") == 55000
    assert nlp.amount_of("402 000 kr för perioden 2016-01-01 – 2016-12-31") == 402000
    assert nlp.amount_of("3 742 tkr") == 3742000


def test_date_ranges_in_the_plans_formats():
    ranges = [f.value for f in nlp.date_ranges(
        "Projektperiod: 20150901-20161230. Finansiering: 402 000 kr för perioden 2016-01-01 – 2016-12-31. "
        "Projektid: 1 februari 2024 tom 31 januari 2027. Period 2016-01-01-2016-12-31")]
    assert ranges == [(date(2015, 9, 1), date(2016, 12, 30)), (date(2016, 1, 1), date(2016, 12, 31)),
                      (date(2024, 2, 1), date(2027, 1, 31)), (date(2016, 1, 1), date(2016, 12, 31))]
    assert nlp.parse_date("20161331") is None
