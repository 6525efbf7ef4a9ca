"""Every budget figure and every arithmetic finding of the corpus, against hand-written gold."""
import re
from collections import Counter

import pytest

from tests.conftest import extracted, gold


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ").replace("−", "-").replace("–", "-")).strip().lower()


def figures_of(table):
    return Counter(
        (norm(r.label), c.year, c.amount_sek, norm(c.raw), tuple(c.flags)) for r in table.rows for c in r.cells
    )


def gold_figures(table):
    return Counter(
        (norm(f["label"]), f["year"], f["amount_sek"], norm(f["raw"]), tuple(f["flags"])) for f in table["figures"]
    )


def test_every_table_found(corpus_text):
    g = gold(corpus_text.stem, "budget")
    plan = extracted(str(corpus_text))
    assert len(plan.budget_tables) == len(g["tables"]), [t.title for t in plan.budget_tables]


def test_every_figure_with_label_year_and_amount(corpus_text):
    g = gold(corpus_text.stem, "budget")
    plan = extracted(str(corpus_text))
    for gt, table in zip(g["tables"], plan.budget_tables):
        want, got = gold_figures(gt), figures_of(table)
        assert got == want, {"missing": want - got, "unexpected": got - want, "table": gt["index"]}


def test_units(corpus_text):
    g = gold(corpus_text.stem, "budget")
    plan = extracted(str(corpus_text))
    assert [t.unit for t in plan.budget_tables] == [t["unit"] for t in g["tables"]]


def test_findings_match_gold(corpus_text):
    """The audit finds each real mistake in the corpus and raises nothing where the arithmetic holds."""
    g = gold(corpus_text.stem, "budget")
    plan = extracted(str(corpus_text))
    got = Counter((f.kind, f.severity, f.year, f.stated, f.computed, f.table)
                  for f in plan.findings if f.severity in ("error", "warning"))
    want = Counter((f["kind"], f["severity"], f["year"], f["stated"], f["computed"], f["table"]) for f in g["findings"])
    assert got == want


def test_every_figure_grounded_in_text(corpus_text):
    """Each cell's span points at its raw text in the canonical text that `finsam text` prints."""
    plan = extracted(str(corpus_text))
    from extractor.ingest import load

    text = load(corpus_text).text
    for table in plan.budget_tables:
        for row in table.rows:
            for cell in row.cells:
                assert text[cell.span.start : cell.span.end] == cell.raw, (row.label, cell)
            if row.label:
                assert row.label in text[row.span.start : row.span.end]
