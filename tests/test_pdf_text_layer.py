"""The two PDF text layers give the same document: PDFium (the default) and pdfplumber.

``Settings.text_layer`` chooses who reads a PDF's characters and rules: PDFium, with pdfminer's
character boxes rebuilt from PDFium's origins and pdfminer's font metrics, or pdfplumber
(pdfminer's content-stream interpreter). What is compared, for every corpus PDF (corpus/pdf:
reportlab; corpus/more/pdf: LibreOffice, Chromium, Word), the fixtures the PDF tests read
(tests/fixtures/pdf: LibreOffice, Chromium) and the PDFs the tests make (damaged, rotated,
forms, many pages; and here: a ruled table inside a form XObject, rotated text, raised text,
curves, invisible text, horizontal scaling):

* the Document text, character for character, its marks (bold, italic, headings) and its page
  starts: everything after the ingest reads only these and the words, so the budget figures,
  projects, goals and metadata extracted are the same too;
* every word's span and page, and its box within 0.01 pt. The boxes are pdfminer's, rebuilt: the
  only difference left is PDFium's single-precision arithmetic (at most 0.002 pt on the corpus).

One difference is known and left: pdfminer leaves the character spacing (Tc) after the last
glyph of a string out of the string's advance, where the PDF reference and PDFium count it, so
a line that goes on in a second string after character spacing starts that spacing further right
in PDFium. No producer in the corpus sets character spacing that way.

Every page of the corpus is read by PDFium itself; pdfplumber reads only pages PDFium cannot
serve exactly (a rotated page, rotated text), and the result is the same there too.
"""
from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest

from extractor.ingest import pdf, pdfium_text
from tests.test_pdf_damaged import form_pdf, many_pages_pdf, readable_cases, reportlab_pdf, rotated_pdf

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "corpus" / "pdf").glob("*.pdf")) + sorted((ROOT / "corpus" / "more" / "pdf").glob("*.pdf"))
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "pdf").glob("*.pdf"))
PDFIUM = replace(pdf.SETTINGS, text_layer="pdfium")
PDFPLUMBER = replace(pdf.SETTINGS, text_layer="pdfplumber")
BOX_TOLERANCE = 0.01  # pt


def read_both(name: str, data: bytes):
    """(PDFium document, pdfplumber document, pages PDFium read, pages pdfplumber read for it)."""
    before = dict(pdfium_text.PAGES_READ)
    fast = pdf.ingest(Path(name), data, PDFIUM)
    served = {k: pdfium_text.PAGES_READ[k] - before.get(k, 0) for k in ("pdfium", "pdfplumber")}
    return fast, pdf.ingest(Path(name), data, PDFPLUMBER), served


def assert_same_document(fast, slow) -> None:
    assert fast.text == slow.text
    assert fast.marks == slow.marks
    assert fast.page_starts == slow.page_starts
    assert len(fast.words) == len(slow.words)
    for a, b in zip(fast.words, slow.words):
        assert (a.start, a.end, a.page) == (b.start, b.end, b.page)
        assert max(abs(x - y) for x, y in zip(a.box, b.box)) <= BOX_TOLERANCE, (fast.text[a.start:a.end], a.box, b.box)


@pytest.mark.parametrize("path", CORPUS + FIXTURES, ids=lambda p: p.name)
def test_corpus_pdf_reads_the_same_through_both_layers(path):
    fast, slow, served = read_both(path.name, path.read_bytes())
    assert_same_document(fast, slow)
    with pdfplumber.open(path) as doc:
        assert served == {"pdfium": len(doc.pages), "pdfplumber": 0}  # no page left to pdfplumber


def test_the_corpus_covers_every_producer():
    names = {p.name for p in CORPUS}
    assert len(CORPUS) == 26
    assert {n.split(".")[-2] for n in names if n.startswith("N")} == {"chrome", "lo", "docx"}


# -- PDFs the tests make -------------------------------------------------------------------------
def ruled_table_in_a_form(c, n):
    """A ruled table drawn inside a form XObject (its own coordinates), text beside it."""
    c.beginForm(f"table{n}")
    c.setFont("Helvetica", 10)
    for i in range(5):
        c.line(72, 700 - 20 * i, 400, 700 - 20 * i)
    for x in (72, 250, 400):
        c.line(x, 700, x, 620)
    for i, (label, amount) in enumerate([("Intäkter", "1 000"), ("Kostnader", "-800"), ("Resultat", "200"), ("Summa", "400")]):
        c.drawString(76, 686 - 20 * i, label)
        c.drawRightString(396, 686 - 20 * i, amount)
    c.endForm()
    c.saveState()
    c.translate(20, -40)
    c.doForm(f"table{n}")
    c.restoreState()
    c.drawString(72, 540, "Budget 2024 för Samordningsförbundet")


def rotated_text(c, n):
    c.drawString(72, 700, "Verksamhetsplan 2024 med budget")
    c.saveState()
    c.translate(300, 400)
    c.rotate(90)
    c.drawString(0, 0, "En rad på tvären")
    c.restoreState()


def raised_invisible_curved(c, n):
    t = c.beginText(72, 700)
    t.setFont("Helvetica", 11)
    t.textOut("Fotnot")
    t.setRise(4)
    t.setFont("Helvetica", 7)
    t.textOut("1")
    t.setRise(0)
    t.setFont("Helvetica", 11)
    t.textOut(" fortsätter här")
    t.setTextRenderMode(3)  # invisible, as an OCR layer under a scan
    t.textLine("")
    t.textLine("Osynlig text 123 456")
    c.drawText(t)
    path = c.beginPath()
    path.moveTo(72, 600)
    path.curveTo(100, 650, 200, 650, 300, 600)
    path.lineTo(300, 500)
    path.close()
    c.drawPath(path)
    c.roundRect(72, 300, 200, 100, 10)
    c.drawString(80, 350, "I en ruta med runda hörn")


def scaled_and_bold(c, n):
    t = c.beginText(72, 700)
    t.setFont("Helvetica", 11)
    t.setHorizScale(80)
    t.textLine("Intäkter totalt 1 000 2 000")
    t.setHorizScale(100)
    t.setFont("Helvetica-Bold", 11)
    t.textOut("Fet inledning: ")
    t.setFont("Helvetica", 11)
    t.textOut("och resten av raden i vanlig stil")
    c.drawText(t)


MADE = {
    **readable_cases(),
    "form": form_pdf(),
    "many-pages": many_pages_pdf(),
    "rotated-page": rotated_pdf(),
    "ruled-table-in-a-form": reportlab_pdf(ruled_table_in_a_form),
    "rotated-text": reportlab_pdf(rotated_text),
    "raised-invisible-curved": reportlab_pdf(raised_invisible_curved),
    "scaled-and-bold": reportlab_pdf(scaled_and_bold),
}
# pdfminer's boxes of rotated text are not upright; PDFium and pdfminer find other page trees in
# two damaged files (pdfminer's is read, as always); pdfminer stacks the letters of a font
# without widths where PDFium spreads them
LEFT_TO_PDFPLUMBER = {"rotated-page", "rotated-text", "cyclic-page-tree", "missing-root", "font-without-widths"}


@pytest.mark.parametrize("name", list(MADE))
def test_made_pdf_reads_the_same_through_both_layers(name):
    data = MADE[name]
    fast, slow, served = read_both(f"{name}.pdf", data)
    assert_same_document(fast, slow)
    if name in LEFT_TO_PDFPLUMBER:
        assert served["pdfplumber"] >= 1
        assert fast.text == slow.text
    else:
        assert served["pdfplumber"] == 0 and served["pdfium"] >= 1


def test_a_page_left_to_pdfplumber_takes_its_place_among_the_others():
    """Page 2 of 3 has rotated text: pdfplumber reads it, PDFium the others, in page order."""
    def draw(c, n):
        c.drawString(72, 470, f"Sida {n + 1}: verksamheten följs upp varje kvartal")
        ruled_table_in_a_form(c, n)
        if n == 1:
            rotated_text(c, n)

    data = reportlab_pdf(draw, pages=3)
    fast, slow, served = read_both("three.pdf", data)
    assert served == {"pdfium": 2, "pdfplumber": 1}
    assert_same_document(fast, slow)
    assert [fast.text.count(f"Sida {n}:") for n in (1, 2, 3)] == [1, 1, 1]
    assert fast.text.count("Kostnader\t-800") == 3  # each page's ruled table, rows as tab-separated lines


def test_rules_are_pdfplumbers_edges():
    """The rules PDFium's path objects make are pdfplumber's edges, a table in a form XObject too."""
    data = MADE["ruled-table-in-a-form"]
    layer = pdfium_text.Layer(data)
    try:
        page = layer.page(0, 1.5, 2.0)
    finally:
        layer.close()
    with pdfplumber.open(io.BytesIO(data)) as doc:
        theirs = doc.pages[0].edges
    key = lambda e: (e["orientation"], round(e["x0"], 2), round(e["top"], 2), round(e["x1"], 2), round(e["bottom"], 2))
    assert sorted(map(key, page.edges)) == sorted(map(key, theirs))
    assert len(theirs) == 8
    rows = [it for it in pdf.read(Path("t.pdf"), data, PDFIUM)[0].items if isinstance(it, pdf.Row)]
    assert [[" ".join(w.text for line in cell for w in line) for cell in row.cells] for row in rows] == [
        ["Intäkter", "1 000"], ["Kostnader", "-800"], ["Resultat", "200"], ["Summa", "400"]]


def test_an_unknown_text_layer_is_refused():
    with pytest.raises(ValueError, match="text layer"):
        pdf.read(Path("x.pdf"), MADE["plain"], replace(pdf.SETTINGS, text_layer="ocr"))
