"""PDF pages setting their prose in two or three columns beside full-width headings and tables:
the canonical text reads each column top to bottom, then the next, and keeps tables whole.

tests/fixtures/pdf/columns.chrome.html is printed by Chromium (tests/fixtures/pdf/render.py)."""
from __future__ import annotations

import difflib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extractor.ingest import load
from extractor.ingest import pdf
from tests.conftest import CORPUS, extracted

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pdf"
COLUMNS = FIXTURES / "columns.chrome.pdf"
MORE = CORPUS / "more"
# plans whose prose is printed in two columns, from a browser and from a word processor, with
# their projects as headings and field lines (N15 and N17 list theirs as unbulleted dash lines)
TWO_COLUMN_PLANS = ["N13.chrome.pdf", "N21.docx.pdf"]


class Blocks(HTMLParser):
    """The source's headings and paragraphs in order, each as one line of text."""

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "h1", "h2"):
            self._open = []

    def handle_endtag(self, tag):
        if tag in ("p", "h1", "h2") and self._open is not None:
            self.blocks.append(re.sub(r"\s+", " ", "".join(self._open)).strip())
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def source_blocks() -> list[str]:
    parser = Blocks()
    parser.feed(COLUMNS.with_suffix(".html").read_text(encoding="utf-8"))
    return parser.blocks


def test_every_paragraph_of_two_and_three_columns_whole_and_in_order():
    text = load(COLUMNS).text
    lines = text.split("\n")
    at = 0
    for block in source_blocks():
        if block.startswith("Verksamhetsplan"):  # the title wraps onto a second line
            continue
        assert block in lines, f"not one line of the text: {block[:60]!r}"
        found = lines.index(block, at)
        assert found >= at, f"out of order: {block[:60]!r}"
        at = found


def test_table_between_column_regions_stays_whole():
    rows = [line.split("\t") for line in load(COLUMNS).text.split("\n") if "\t" in line]
    assert rows == [
        ["", "Budget 2024", "Plan 2025"],
        ["Medlemsavgifter", "4 000 000", "4 000 000"],
        ["Övriga intäkter", "250 000", "200 000"],
        ["Summa intäkter", "4 250 000", "4 200 000"],
        ["Insatser", "-3 100 000", "-3 000 000"],
        ["Kansli", "-1 150 000", "-1 200 000"],
        ["Summa kostnader", "-4 250 000", "-4 200 000"],
        ["Årets resultat", "0", "0"],
    ]
    text = load(COLUMNS).text
    assert text.index("bereder ärenden till styrelsen.") < text.index("Budget 2024\tPlan 2025") < text.index("Insatser 2024")


def test_words_keep_their_column_boxes():
    doc = load(COLUMNS)
    left = doc.text.index("Samordningsförbundet Norrvik bildades")
    right = doc.text.index("Medlemmar är Försäkringskassan")
    third = doc.text.index("Hälsolotsen ger tidigt stöd")
    x = [doc.span(i, i + 10).box[0] for i in (left, right, third)]
    assert x[0] < 150 < 300 < x[1] and x[2] > 380
    assert all(doc.span(i, i + 10).page == 1 for i in (left, right, third))


def test_budget_of_the_fixture_is_read():
    plan = extracted(str(COLUMNS))
    (table,) = plan.budget_tables
    cells = {(r.label, c.year): c.amount_sek for r in table.rows for c in r.cells}
    assert cells[("Summa intäkter", 2024)] == 4_250_000
    assert cells[("Kansli", 2025)] == -1_200_000
    assert not [f for f in plan.findings if f.severity == "error"]


def _norm(s) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\wåäö]+", " ", str(s or "").casefold())).strip()


@pytest.mark.parametrize("name", TWO_COLUMN_PLANS)
def test_projects_of_two_column_plans_against_gold(name):
    gold = json.loads((MORE / f"{name.split('.')[0]}.gold.json").read_text(encoding="utf-8"))
    found = {_norm(p.name): p for p in extracted(str(MORE / "pdf" / name)).projects}
    for g in gold["projects"]:
        names = [_norm(n) for n in [g["name"], *g.get("aliases", [])]]
        hit = next((p for n in names for f, p in found.items() if difflib.SequenceMatcher(None, n, f).ratio() >= 0.8), None)
        assert hit is not None, f"{name}: project {g['name']!r} not found"
        if g.get("amount_sek") is not None:
            assert hit.amount_sek == g["amount_sek"], g["name"]
        if g.get("owner"):
            assert _norm(g["owner"]) in _norm(hit.owner) or _norm(hit.owner) in _norm(g["owner"]), g["name"]


@pytest.mark.parametrize("path", sorted((MORE / "pdf").glob("*.lo.pdf")) + [FIXTURES / "spanning.pdf", FIXTURES / "pagebreak.pdf"],
                         ids=lambda p: p.name)
def test_single_column_pages_and_tables_have_no_columns(path):
    pages = pdf.read(path, path.read_bytes())
    pdf.drop_running_lines(pages)
    pdf.split_columns(pages)
    assert not [it for p in pages for it in p.items if isinstance(it, pdf.TextLine) and it.column]
