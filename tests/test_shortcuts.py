"""The shortcuts taken for speed read what the plain reading reads, on every corpus text."""
import re

import pytest
import spacy

import pipeline
from extractor import vocab
from extractor.plan import metadata, projects
from extractor.vocab import nlp
from tests.conftest import CORPUS

TEXTS = sorted(CORPUS.glob("*.txt")) + sorted((CORPUS / "more").glob("*.txt"))


@pytest.fixture(scope="module")
def plain_ruler():
    """The entity rules as written (REGEX and IN tests called per token), in a pipeline of their own."""
    plain = spacy.blank("sv")
    ruler = plain.add_pipe("entity_ruler", config={"overwrite_ents": True})
    plain.initialize()
    ruler.add_patterns([{"label": label, "id": pid, "pattern": pat} if pid else {"label": label, "pattern": pat}
                        for label, pid, pat in nlp.PATTERNS])
    return plain


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_entity_rules_as_word_flags_find_what_the_rules_as_written_find(path, plain_ruler):
    text = path.read_text(encoding="utf-8")
    for s in nlp.sentences(text):
        if not any(c.isdigit() for c in s.text) and not metadata.MEMBER_HINT.search(s.text):
            continue
        ents = [(e.start_char, e.end_char, e.label_, e.ent_id_) for e in nlp.analyse(s.text).ents]
        assert ents == [(e.start_char, e.end_char, e.label_, e.ent_id_) for e in plain_ruler(s.text).ents], s.text


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_member_bound_is_never_below_the_members_found(path):
    for s in nlp.sentences(path.read_text(encoding="utf-8")):
        most = nlp.members_at_most(s.text)
        if most is not None:
            assert len({f.text for f in nlp.members_in(s.text)}) <= most, s.text


def test_member_bound_counts_member_words_and_gives_up_on_lists():
    assert nlp.members_at_most("Försäkringskassan, Region Örebro län och Kumla kommun") == 3
    assert nlp.members_at_most("Medlemmar är Linköpings, Åtvidabergs och Kinda kommuner") is None
    assert nlp.members_at_most("Förbundet arbetar med rehabilitering") == 0


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_name_patterns_on_the_lines_holding_a_name_word_match_as_over_the_whole_text(path):
    text = path.read_text(encoding="utf-8")
    lines = metadata.name_lines(text)
    for pat in metadata.NAME_PATTERNS:
        whole = [(m.span(), m.group("place")) for m in pat.finditer(text)]
        assert whole == [(m.span(), m.group("place")) for a, b in lines for m in pat.finditer(text, a, b)]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_field_labels_found_with_the_first_letter_test_as_without(path):
    text = path.read_text(encoding="utf-8")
    first = "(?=[" + re.escape(projects._FIELD_FIRST) + "])"
    assert first in projects.FIELD_RE.pattern
    plain = re.compile(projects.FIELD_RE.pattern.replace(first, ""), projects.FIELD_RE.flags)
    assert [m.span() for m in projects.FIELD_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_section_lookup_by_bisection_finds_what_a_scan_finds(path):
    stages = pipeline.stages(path)
    tree = stages.tree
    assert tree._sibling_starts() is not None  # the corpus's sections nest: the index is used
    nodes = list(tree.walk())
    offsets = sorted({n.start for n in nodes} | {n.end for n in nodes} | {n.end - 1 for n in nodes}
                     | set(range(0, len(stages.doc.text), 97)))
    for offset in offsets:
        best = None
        for n in nodes:
            if n.start <= offset < n.end and (best is None or n.start >= best.start):
                best = n
        assert tree.node_at(offset) is best, offset


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_goal_headings_judged_without_lemmas_when_no_goal_word_form_is_in_them(path):
    from extractor.plan import goals

    titles = {n.title for n in pipeline.stages(path).tree.walk()}
    for title in titles:
        by_lemmas = any(l in goals.GOAL_LEMMAS for l in goals.heading_lemmas(title)[:goals.HEAD_WINDOW])
        assert goals.is_goal_heading(title) == by_lemmas, title
        if by_lemmas:
            assert nlp.may_hold_lemma(title, frozenset(goals.GOAL_LEMMAS)), title


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_lines_without_a_cell_gap_are_one_cell(path):
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not projects.CELL_GAP.search(line):
            assert len(projects._split_cells(line)) <= 1, line


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_tokens_after_keeping_each_chunk_are_those_of_a_fresh_tokenizer(path):
    text = path.read_text(encoding="utf-8")
    fresh = spacy.blank("sv").tokenizer
    assert [(t.text, t.idx, t.whitespace_) for t in nlp.make_doc(text)] == \
        [(t.text, t.idx, t.whitespace_) for t in fresh(text)]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_column_kinds_with_one_search_first_as_kind_by_kind(path):
    from extractor.tables import grid
    from extractor.vocab import numbers

    def column_kind(label):
        return next((kind for kind, rx in grid._KIND_RES if rx.search(label)), "budget")

    def non_amount_kind(label):
        text = label.strip()
        if not text or numbers.find_unit(text) or any(rx.search(text) for _, rx in grid._KIND_RES):
            return None
        return next((kind for kind, rx in grid._NON_AMOUNT_RES if rx.search(text)), None)

    for line in path.read_text(encoding="utf-8").split("\n"):
        for cell in [line] + re.split(r"\t|\s{2,}|\|", line):
            assert grid.column_kind(cell) == column_kind(cell), cell
            assert grid.non_amount_kind(cell) == non_amount_kind(cell), cell


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_document_unit_found_at_its_words_as_by_one_search(path):
    from extractor.document import Document
    from extractor.tables import build
    from extractor.vocab import numbers

    plain = re.compile(rf"\b(?:alla\s+)?(?:belopp|siffror|summor)\b[^.\n]{{0,30}}?\bi\s+({numbers.UNIT_ALTERNATIVES})\b", re.I)
    body = path.read_text(encoding="utf-8")
    for tail in ("", "\nAlla belopp anges i tusentals kronor. Summor i kr.\n", "\nxbelopp i kr. SIFFROR  i  Mkr\n",
                 "\nſummor i tkr\n", "\nbelopp och annat som är längre än trettio tecken i kr; belopp i kr\n"):
        text = body + tail
        m = plain.search(text)
        assert build.document_unit(Document(str(path), text, None)) == (numbers.normalise_unit(m.group(1)) if m else None)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_row_roles_and_sections_with_one_search_first_as_word_by_word(path):
    from extractor.tables import build

    def classify(label, has_values, current, balance):
        role, text = None, label.lower()
        if not has_values:
            role = "header"
        elif build.OF_WHICH_RE.search(text):
            role = "of_which"
        elif not label.strip():
            role = "subtotal"
        elif build.TOTAL_RE.search(text):
            role = "total"
        elif build.RESULT_RE.search(text):
            role = "result"
        elif build.OPENING_RE.search(text):
            role = "opening"
        elif build.CLOSING_RE.search(text):
            role = "closing"
        section = next((name for name, rx in build.SECTION_WORDS if rx.search(text)), current)
        if balance and section == "income" and "tillgång" in text:
            section = "assets"
        if not balance and section == "assets" and role == "header":
            section = "income"
        if role in ("of_which",):
            section = current
        return section, role

    odd = ["ſumma", "SUMMA KOSTNADER", "Tıllgångar", "TİLLGÅNGAR", "Res\u212bultat", "İntäkter", "ınkomster", "Därav"]
    for line in path.read_text(encoding="utf-8").split("\n") + ["", " ", "Summa", "därav lön"] + odd:
        for label in [line] + re.split(r"\t|\s{2,}|\|", line):
            for has_values in (True, False):
                for current, balance in (("cost", False), ("income", False), ("assets", True)):
                    assert build.classify(label, has_values, current, balance) == \
                        classify(label, has_values, current, balance), label


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_first_letter_tests_change_no_match(path):
    from extractor.plan import goals

    text = path.read_text(encoding="utf-8") + "\nBudget 2022-2024. Mål 1: att nå fler. Övergripande mål: Alla ska ha arbete.\n"
    for pattern, first in ((goals.RUN_IN_LABEL, "(?=[A-ZÅÄÖm])"),):
        assert first in pattern.pattern
        plain = re.compile(pattern.pattern.replace(first, ""), pattern.flags)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_span_set_holds_an_offset_as_a_scan_of_its_spans_does():
    import random

    from extractor.plan.goals import _Spans
    from schemas import Span

    rng = random.Random(7)
    for _ in range(50):
        spans, taken = [], _Spans()
        for _ in range(40):
            a = rng.randrange(0, 500)
            span = Span(start=a, end=a + rng.choice([0, 1, 3, 20, 200]))
            spans.append(span)
            taken.add(span)
            for offset in range(-2, 720, 7):
                assert taken.holds(offset) == any(s.start <= offset < s.end for s in spans)


EDGE_TEXTS = ["", " ", "a", ".", "..", "Hej. Då", "\n\n", 'Slut.\n\nNästa (x). "Ja!" sa han.) Nej',
              "t.ex. kr. 5 000 kr. Max. Hej?! Ok", ". a", "!!! ??? ...", "(Hej.) (då)"]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in TEXTS] + EDGE_TEXTS,
                         ids=[p.stem for p in TEXTS] + [f"edge{i}" for i in range(len(EDGE_TEXTS))])
def test_sentences_from_token_arrays_are_the_sentencizers(text):
    pipe = nlp.get_nlp()
    split = pipe.get_pipe("sentencizer")
    assert [(f.text, f.start, f.end) for f in nlp.sentences(text)] == \
        [(s.text, s.start_char, s.end_char) for s in split(pipe.make_doc(text)).sents]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_lines_without_a_table_mark_are_no_table_lines(path):
    from extractor.layout import blocks

    def plain(text):
        return "\t" in text or bool(blocks.PIPE_ROW.match(text)) or blocks.is_rule_line(text) \
            or bool(blocks.LEADER_LINE.match(text)) or blocks._is_space_table_line(text)

    for line in path.read_text(encoding="utf-8").split("\n") + ["a  1", "x ---", "Lön .... 5", "Lön …… 5", "a|b"]:
        assert blocks.is_table_line(line) == plain(line), line


def test_labels_in_lower_case_read_with_case_as_case_blind():
    """Every letter the row patterns hold is matched, case-blind, by the same characters of a lower-case
    text as it is with case once AS_CASE_BLIND has made them (str.lower() gives no character it would
    change again, so checking each character alone covers every text)."""
    import sys

    from extractor.tables import build

    letters = set()
    for rx in [build.ROLE_RE, build.SECTION_RE]:
        assert rx.flags & re.I
        plain = re.sub(r"\[[^\]]*\]", "", re.sub(r"\\[A-Za-z]", "", rx.pattern))  # escapes and classes aside
        letters |= {c for c in plain if c.isalpha()}
    assert letters and all(c == c.lower() for c in letters)
    any_letter = re.compile("[" + "".join(sorted(letters)) + "]", re.I)
    for code in range(sys.maxunicode + 1):
        lower = chr(code).lower()
        assert all(ch.lower() == ch for ch in lower)
        if any_letter.fullmatch(lower) or lower.translate(vocab.AS_CASE_BLIND) in letters:
            for c in letters:
                assert (re.fullmatch(re.escape(c), lower, re.I) is not None) == (lower.translate(vocab.AS_CASE_BLIND) == c)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_field_labels_read_with_case_in_the_lower_case_text_as_case_blind(path):
    text = path.read_text(encoding="utf-8")
    assert vocab.lower_case(text) is not None  # the shortcut is taken on the corpus
    for t in (text, text.upper()):
        plain = [(m.span(), m.group("sep"), m.group("year"), role) for m in projects.FIELD_RE.finditer(t)
                 if (role := projects._valid_field(t, m))]
        assert [(m.span(), m.group("sep"), m.group("year"), role) for m, role in projects._field_matches(t, 0)] == plain


CASED_IN_LOWER_CASE = [projects.FIELD_RE, metadata.BUDGET_RANGE, metadata.ADOPTION, metadata.MEMBER_HINT]


def test_lower_case_text_read_with_case_as_case_blind():
    """Each character of a text whose length str.lower() keeps is, in lower_case, one that the characters
    and classes of the patterns read with case in lower case (their characters, \\w, \\d, \\s, \\S, \\b)
    match as they match the character case-blind (str.lower() gives no character it would change again,
    so checking each character alone covers every text)."""
    import sys

    chars = set()
    for rx in CASED_IN_LOWER_CASE:
        assert rx.flags & re.I
        assert set(re.findall(r"\\([A-Za-z])", rx.pattern)) <= set("wdsSbtn")
        # the classes holding \w match what \w matches, and '-'; group names aside
        plain = re.sub(r"\\[A-Za-z]", "", re.sub(r"\[\\w[^\]]*\]|\?P<\w+>", "", rx.pattern))
        chars |= set(plain)
    assert {c for c in chars if c.isalpha()} and all(c == c.lower() for c in chars)
    classes = [(re.compile(c, re.I), re.compile(c)) for c in (r"\w", r"\d", r"\s")]
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        lower = ch.lower()
        if len(lower) != 1:
            continue  # lower_case gives None for a text holding it
        folded = vocab.lower_case(ch)
        assert folded is not None and len(folded) == 1
        for blind, cased in classes:
            assert (blind.fullmatch(ch) is None) == (cased.fullmatch(folded) is None), (ch, cased)
        if folded != ch or ch.upper() != ch or ch in chars:
            for c in chars:
                assert (re.fullmatch(re.escape(c), ch, re.I) is not None) == (folded == c), (ch, c)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_case_blind_patterns_read_with_case_in_lower_case_find_what_they_find(path):
    text = path.read_text(encoding="utf-8")
    for t in (text, text.upper(), text.title()):
        for rx in CASED_IN_LOWER_CASE[1:]:
            shortcut = vocab.CaseBlind(rx)
            assert [m.span() for m in shortcut.finditer(t)] == [m.span() for m in rx.finditer(t)]
            assert [m.span(1) if rx.groups else None for m in shortcut.finditer(t, 100)] \
                == [m.span(1) if rx.groups else None for m in rx.finditer(t, 100)]
        for s in nlp.sentences(t[:20000]):
            for rx in CASED_IN_LOWER_CASE[1:]:
                a, b = vocab.CaseBlind(rx).search(s.text), rx.search(s.text)
                assert (a and a.span()) == (b and b.span())


def test_run_in_goal_patterns_hold_their_word_as_written():
    """A text without an entry's word is not searched: each pattern spells the word outside any optional part."""
    from extractor.plan import goals

    for _, word, pat in goals.RUN_IN:
        assert word in pat.pattern and not pat.flags & re.I
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        for _, word, pat in goals.RUN_IN:
            assert all(word in m.group(0) for m in pat.finditer(text))


def test_cell_without_plus_valued_as_the_sum_of_its_one_part():
    from decimal import Decimal

    from extractor.vocab import numbers

    cells = ["-0", "0", "1 624", "- 4 556 000 kr", "1 842,50", "(1 250)", "12345678901234567890123456789012", "6 000 + 1 000"]
    for path in TEXTS:
        cells += path.read_text(encoding="utf-8").split()
    for raw in cells:
        cell = numbers.parse_cell(raw)
        if isinstance(cell, numbers.Amount):
            plain = sum((numbers.number_value(p) for p in re.split(r"\s*\+\s*", cell.raw)), Decimal(0))
            assert str(cell.value) == str(plain), raw


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_last_words_found_from_the_end_are_the_last_the_pattern_finds(path):
    """A flattened table's first label is sought among the last words before its first percent mark,
    found from the mark back, not by reading all the text before it."""
    from extractor.tables.flattened import _last_words

    text = path.read_text(encoding="utf-8") + " \u00a0x\u2003y\n\tz "
    for end in list(range(0, len(text), 97)) + [len(text)]:
        expected = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[:end])][-8:][::-1]
        assert _last_words(text, end, 8) == expected, end


def test_repeated_lines_after_the_quick_tests_as_before():
    """Past its first few lines the repeated-line test counts the lines once (a long plan stays
    linear); the answers are those of the quick test."""
    from extractor.ingest import load
    from extractor.tables.build import RepeatedLines
    from extractor.tables.lines import fold_spaces

    for path in TEXTS:
        doc = load(path)
        asked = [fold_spaces(l.text) for l in doc.lines if "\t" not in l.text and fold_spaces(l.text)]
        quick, counted = RepeatedLines(doc), RepeatedLines(doc)
        counted._quick = RepeatedLines.QUICK_TESTS  # no quick test at all
        for t in asked + ["", "ingen sådan rad"]:
            assert (t in quick) == (t in counted) == (asked.count(t) > 1), t
