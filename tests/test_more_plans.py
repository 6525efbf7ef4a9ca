"""Twelve more plans in layouts of their own (corpus/more), as text and as PDFs from three producers
(LibreOffice, a browser's print, a Word document): every budget figure and every arithmetic mistake
against hand-written gold, and no figure or error beyond it.

The plans are tab tables with account codes and notes, space-aligned `pdftotext -layout` pages,
markdown pipes, one cell per line, web transcripts flattened onto one line, tables whose rows are
years, members' tables with shares and inhabitants, and units in captions (KSEK, tkr, kr).
"""
import json
import re
from pathlib import Path

import pytest

from tests.conftest import CORPUS, extracted
from tests.gold_match import cells_of, finding_matches, match

MORE = CORPUS / "more"
PLANS = sorted(MORE.glob("*.txt")) + sorted((MORE / "pdf").glob("*.pdf"))


def gold_of(path: Path) -> dict:
    return json.loads((MORE / f"{path.name.split('.')[0]}.gold.json").read_text(encoding="utf-8"))


@pytest.fixture(params=PLANS, ids=lambda p: p.name)
def plan_path(request):
    return request.param


def test_every_gold_figure_found(plan_path):
    """Every figure is read, or its table is reported as unreadable: never silently lost."""
    plan = extracted(str(plan_path))
    missing, _ = match(gold_of(plan_path)["budget"], cells_of(plan))
    unreadable = [plan.text[f.span.start : f.span.end] for f in plan.findings if f.kind == "unreadable_table"]
    lost = [g for g in missing if not any(g["label"][:12] in text for text in unreadable)]
    assert not lost, [(g["table"], g["label"], g["year"], g["amount_sek"]) for g in lost]
    assert len(missing) <= 1  # an unreadable table costs at most the figure it could not place


def test_no_figure_beyond_gold(plan_path):
    _, extra = match(gold_of(plan_path)["budget"], cells_of(extracted(str(plan_path))))
    assert not extra, [(c["label"], c["year"], c["amount"]) for c in extra]


def test_every_mistake_found_and_no_false_error(plan_path):
    gold = gold_of(plan_path)
    findings = extracted(str(plan_path)).findings
    for e in gold["errors"]:
        assert any(f.severity == "error" and finding_matches(f, e) for f in findings), e
    for w in gold["warnings"]:
        assert any(f.severity in ("error", "warning") and finding_matches(f, w) for f in findings), w
    false = [f.message for f in findings if f.severity == "error" and not any(finding_matches(f, e) for e in gold["errors"])]
    assert not false


def test_every_figure_grounded(plan_path):
    plan = extracted(str(plan_path))
    for c in cells_of(plan):
        piece = plan.text[c["span"].start : c["span"].end]
        assert re.sub(r"\D", "", piece) == re.sub(r"\D", "", c["raw"]) and piece, c


def test_units_in_captions_and_headers():
    """KSEK in a caption, '(tkr)' in a caption, 'Belopp i tkr' over the labels, 'Belopp (kr)' over a column."""
    n07 = extracted(str(MORE / "N07.txt"))
    assert {t.unit for t in n07.budget_tables} == {"tkr"}
    assert all(c.unit_source == "caption" for r in n07.budget_tables[0].rows for c in r.cells)
    n19 = extracted(str(MORE / "N19.txt"))
    result = next(t for t in n19.budget_tables if t.title.startswith("Tabell 3"))
    assert result.unit == "tkr" and {c.unit_source for r in result.rows for c in r.cells} == {"header"}
    n02 = extracted(str(MORE / "N02.txt"))
    assert {c.unit_source for c in n02.budget_tables[0].rows[0].cells} == {"column"}
