"""PDF ingest: the corpus plans as PDFs give the same results as their text versions.

corpus/pdf/<stem>.pdf are the text plans typeset by scripts/render_pdfs.py: running
headers and page numbers on every page, wrapped paragraphs, ruled and unruled tables,
budget tables continuing over a page break, a label wrapped inside its cell.
"""
from __future__ import annotations

import io
import random
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

import pipeline
from extractor.errors import EncryptedPdf, ExtractionError, NeedsOCR, NotAPlan, PdfError
from extractor.ingest import load
from extractor.ingest.pdf import join_wrapped

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
STEMS = sorted(p.stem for p in CORPUS.glob("*.txt"))
# Read off the rendered pages (top line and footer of each page).
RUNNING_HEADERS = {
    "000_aeb16daac0bbbe6e": "Lunds Samordningsförbund Verksamhetsplan och budget 2011",
    "001_012a687b5704bc5b": "Samordningsförbundet Sydnärke Verksamhetsplan 2016",
    "002_5592b8b8950a13b6": "Samordningsförbundet Trelleborg Verksamhetsplan och budget 2024",
    "003_336f07384b85b2b9": "Södra Dalarnas Samordningsförbund VERKSAMHETSPLAN OCH BUDGET ÅR 2019",
    "004_034b970862004510": "Lunds samordningsförbund Verksamhetsplan och Budget för Lunds samordningsförbund 2024",
}


def pdf_of(stem: str) -> Path:
    return CORPUS / "pdf" / f"{stem}.pdf"


@pytest.fixture(scope="module")
def plans():
    """stem -> (text plan, PDF plan), each run once."""
    return {stem: (pipeline.run(CORPUS / f"{stem}.txt"), pipeline.run(pdf_of(stem))) for stem in STEMS}


@pytest.fixture(scope="module")
def docs():
    return {stem: (load(CORPUS / f"{stem}.txt"), load(pdf_of(stem))) for stem in STEMS}


def test_every_text_plan_has_its_pdf():
    assert len(STEMS) == 5
    for stem in STEMS:
        assert pdf_of(stem).read_bytes()[:5] == b"%PDF-"


# -- same results as the text ------------------------------------------------------------
def figures(plan):
    return [(row.label, cell.year, cell.amount_sek) for t in plan.budget_tables for row in t.rows for cell in row.cells]


@pytest.mark.parametrize("stem", STEMS)
def test_same_budget_figures(plans, stem):
    text, pdf = plans[stem]
    assert figures(pdf) == figures(text)
    assert len(figures(pdf)) > 0
    assert [(t.title, t.unit, len(t.rows)) for t in pdf.budget_tables] == [(t.title, t.unit, len(t.rows)) for t in text.budget_tables]


@pytest.mark.parametrize("stem", STEMS)
def test_same_findings(plans, stem):
    text, pdf = plans[stem]
    key = lambda p: [(f.kind, f.severity, f.year, f.stated, f.computed) for f in p.findings]
    assert key(pdf) == key(text)


@pytest.mark.parametrize("stem", STEMS)
def test_same_projects_and_goals(plans, stem):
    text, pdf = plans[stem]
    projects = lambda p: [(x.name, x.owner, x.amount_sek, x.start, x.end) for x in p.projects]
    goals = lambda p: [(g.text, g.kind, g.indicator) for g in p.goals]
    assert projects(pdf) == projects(text)
    assert goals(pdf) == goals(text)


@pytest.mark.parametrize("stem", STEMS)
def test_same_association_year_and_members(plans, stem):
    text, pdf = plans[stem]
    assert (pdf.association, pdf.plan_year, pdf.budget_years) == (text.association, text.plan_year, text.budget_years)
    assert [(m.name, m.kind) for m in pdf.members] == [(m.name, m.kind) for m in text.members]


def test_budget_figures_match_gold_where_written(plans):
    """The Lund 2011 budget, read off the page: the PDF gives these figures (t kr -> kr)."""
    _, pdf = plans["000_aeb16daac0bbbe6e"]
    got = {(label, year): amount for label, year, amount in figures(pdf)}
    assert got[("Försäkringskassan", 2011)] == 1_624_000
    assert got[("Medel fr. Finsam Kävl-Lomma", 2013)] == 288_000  # the label wrapped inside its cell
    assert got[("Summa kostnader", 2013)] == 3_000_000
    assert got[("Medel till förfogande", 2012)] == 2_822_000


# -- canonical text -----------------------------------------------------------------------
def norm_lines(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if "\t" in line:
            out.append("\t".join(c.strip() for c in line.split("\t")))
        else:
            out.append(" ".join(line.split()))
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_table_lines_of_the_text_are_in_the_pdf_text(docs, stem):
    text, pdf = docs[stem]
    want = [l for l in norm_lines(text.text) if "\t" in l]
    got = [l for l in norm_lines(pdf.text) if "\t" in l]
    if stem != "003_336f07384b85b2b9":  # 003's tables are flattened into paragraphs
        assert want
    assert got == want


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_text_has_the_words_and_lines_of_the_text(docs, stem):
    """Paragraphs rejoined, hyphenation undone, headers gone: the same words in the same lines.

    If the text ingester changes what it keeps, re-render: scripts/render_pdfs.py."""
    text, pdf = docs[stem]
    assert pdf.text.split() == text.text.split()
    assert norm_lines(pdf.text) == norm_lines(text.text)


def test_paragraph_count_and_blank_lines(docs):
    """Paragraphs are separated by blank lines exactly where the text has them (leading spaces aside)."""
    strip = lambda t: ["\t".join(c.strip() for c in l.split("\t")) for l in t.split("\n")]
    for stem in STEMS:
        text, pdf = docs[stem]
        assert strip(pdf.text) == strip(text.text), stem


def test_long_flattened_paragraph_stays_one_line(docs):
    _, pdf = docs["003_336f07384b85b2b9"]
    long_lines = [l for l in pdf.text.split("\n") if len(l) > 1500]
    assert len(long_lines) >= 5
    assert any(l.startswith("Södra Dalarnas Samordningsförbund c/o Avesta kommun") for l in long_lines)
    assert all("\t" not in l for l in long_lines)


@pytest.mark.parametrize("stem", STEMS)
def test_running_headers_and_page_numbers_are_not_in_finsam_text(stem):
    pdf = pdf_of(stem)
    with pdfplumber.open(pdf) as doc:
        raw_pages = [p.extract_text() for p in doc.pages]
    header = RUNNING_HEADERS[stem]
    assert all(header in page for page in raw_pages)  # the header is there to be removed
    assert all(f"Sida {n}" in page for n, page in enumerate(raw_pages, 1))
    result = CliRunner().invoke(pipeline.cli, ["text", str(pdf)])
    assert result.exit_code == 0, result.output
    out = result.output
    txt_out = CliRunner().invoke(pipeline.cli, ["text", str(CORPUS / f"{stem}.txt")]).output
    assert out.count(header) == txt_out.count(header)  # a title page line may say the same, once
    assert not re.search(r"^\s*Sida \d+\s*$", out, re.M)
    assert not re.search(r"^\s*\d{1,3}\s*$", out, re.M) or re.search(r"^\s*\d{1,3}\s*$", txt_out, re.M)


def test_source_and_pages(docs):
    for stem in STEMS:
        _, pdf = docs[stem]
        with pdfplumber.open(pdf_of(stem)) as doc:
            n = len(doc.pages)
        assert pdf.source.format == "pdf" and pdf.source.pages == n >= 5
        assert len(pdf.source.sha256) == 64
        assert pdf.page_starts[0] == 0 and len(pdf.page_starts) == n
        assert pdf.page_starts == sorted(pdf.page_starts)


# -- spans point at the page ------------------------------------------------------------------
def words_in(page, box, pad=0.5) -> str:
    x0, top, x1, bottom = box
    words = page.within_bbox((x0 - pad, top - pad, x1 + pad, bottom + pad)).extract_words(x_tolerance=1.5)
    return "".join(w["text"] for w in words)


@pytest.mark.parametrize("stem", STEMS)
def test_every_figure_points_at_its_words_on_the_page(plans, docs, stem):
    _, plan = plans[stem]
    _, doc = docs[stem]
    with pdfplumber.open(pdf_of(stem)) as pdf:
        for table in plan.budget_tables:
            for row in table.rows:
                for cell in row.cells:
                    span = cell.span
                    assert span.page is not None and span.box is not None, cell
                    page = pdf.pages[span.page - 1]
                    raw = cell.raw.replace(" ", "")
                    mine = [w for w in doc.words if w.start < span.end and w.end > span.start]
                    if table.layout == "tab":
                        # a table cell: the box holds exactly the figure
                        assert words_in(page, span.box).replace(" ", "") in (raw, raw + "".join(cell.flags)), cell
                        continue
                    # a figure inside a paragraph (003's flattened tables) may share a word with its
                    # neighbour ("-243-100") or wrap onto the next line: each word box holds its word
                    spelled = "".join(words_in(pdf.pages[w.page - 1], w.box) for w in mine)
                    assert spelled == "".join(doc.text[w.start:w.end] for w in mine)
                    assert raw in spelled.replace(" ", ""), cell


def test_table_continues_on_next_page_as_consecutive_lines(plans, docs):
    """The long budget tables continue over a page break: rows on two pages, no blank line between."""
    for stem in ("000_aeb16daac0bbbe6e", "001_012a687b5704bc5b", "002_5592b8b8950a13b6", "004_034b970862004510"):
        _, plan = plans[stem]
        _, doc = docs[stem]
        table = max(plan.budget_tables, key=lambda t: len(t.rows))
        pages = {c.span.page for r in table.rows for c in r.cells}
        assert len(pages) == 2, (stem, pages)
        block = doc.text[table.rows[0].span.start:table.rows[-1].span.end]
        assert "\n\n" not in block and block.count("\n") == len(table.rows) - 1


def test_ruled_and_unruled_tables_are_both_covered():
    with pdfplumber.open(pdf_of("004_034b970862004510")) as pdf:
        ruled = [p for p in pdf.pages if p.find_tables()]
        assert len(ruled) == 2  # the budget, over two pages
    with pdfplumber.open(pdf_of("001_012a687b5704bc5b")) as pdf:
        page = next(p for p in pdf.pages if "Driftbidrag" in (p.extract_text() or ""))
        word = next(w for w in page.extract_words() if w["text"] == "Driftbidrag")
        # the 2016-2018 budget is unruled (numbers in right-aligned columns), below a ruled table
        assert page.find_tables()
        assert not any(t.bbox[1] <= word["top"] <= t.bbox[3] for t in page.find_tables())


def test_label_wrapped_in_its_cell_is_one_label(docs):
    _, doc = docs["000_aeb16daac0bbbe6e"]
    start = doc.text.index("Medel fr. Finsam Kävl-Lomma\t288\t288\t288")
    kavl = next(w for w in doc.words if doc.text[w.start:w.end] == "Kävl-" and w.start >= start)
    lomma = next(w for w in doc.words if doc.text[w.start:w.end] == "Lomma" and w.start >= start)
    assert lomma.start == kavl.end and kavl.page == lomma.page
    assert lomma.box[1] > kavl.box[3]  # Lomma is on the next line of the cell


def test_bold_words_become_marks(docs):
    _, doc = docs["004_034b970862004510"]
    at = doc.text.index("styrelse som består")
    assert doc.marks_in(at, at + len("styrelse"), "bold")
    assert not doc.marks_in(at + len("styrelse "), at + len("styrelse som"), "bold")
    heading = doc.text.index("BUDGET för 2024")
    assert doc.marks_in(heading, heading + 5, "heading")


# -- line joining ----------------------------------------------------------------------------
def tokens(*words):
    return [(w, None) for w in words]


@pytest.mark.parametrize("a,b,want", [
    ("verksam-", "heten", "verksamheten"),  # hyphenated at the line end
    ("funktions-", "och", "funktions- och"),  # "funktions- och arbetsförmåga"
    ("Kävl-", "Lomma", "Kävl-Lomma"),  # a compound with a hyphen, wrapped after it
    ("2016-", "2018", "2016-2018"),
    ("kr", "per", "kr per"),
    ("-", "67", "- 67"),
])
def test_join_wrapped(a, b, want):
    assert "".join(t for t, _ in join_wrapped(tokens(a), tokens(b))) == want


# -- bad PDFs --------------------------------------------------------------------------------
def make_pdf(path: Path, draw, **kwargs) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **kwargs)
    draw(c)
    c.showPage()
    c.save()
    return path


def plan_page(c) -> None:
    y = 780
    for line in ["Verksamhetsplan och budget 2020", "", "Intäkter  1 000  2 000"]:
        c.drawString(72, y, line)
        y -= 16


def fails_cleanly(path: Path, error: type[ExtractionError], words: str):
    with pytest.raises(error) as info:
        pipeline.run(path)
    assert re.search(words, info.value.detail, re.I), info.value.detail
    result = CliRunner().invoke(pipeline.cli, ["extract", str(path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert lines == [f"error: {path}: {info.value.detail}"]
    return info.value


def test_encrypted_pdf(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", plan_page, encrypt="secret")
    fails_cleanly(path, EncryptedPdf, "encrypted")


def test_scanned_pdf_needs_ocr(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("L", (600, 800), 255)
    ImageDraw.Draw(img).rectangle((50, 50, 550, 120), fill=0)  # a dark bar where the scan's text would be
    buf = io.BytesIO()
    img.save(buf, format="PNG")

    def draw(c):
        from reportlab.lib.utils import ImageReader

        c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, width=595, height=842)

    path = make_pdf(tmp_path / "scan.pdf", draw)
    err = fails_cleanly(path, NeedsOCR, "needs OCR")
    assert isinstance(err, PdfError)


def test_truncated_pdf(tmp_path):
    data = pdf_of("000_aeb16daac0bbbe6e").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    fails_cleanly(path, PdfError, "truncated")


def test_random_bytes_with_pdf_header(tmp_path):
    rng = random.Random(7)
    path = tmp_path / "noise.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(4000)) + b"\n%%EOF\n")
    fails_cleanly(path, PdfError, "cannot be read")


def test_pdf_without_budget_is_not_a_plan(tmp_path):
    def draw(c):
        c.drawString(72, 780, "Protokoll fört vid styrelsemöte")
        c.drawString(72, 760, "Styrelsen beslutade att godkänna dagordningen.")

    path = make_pdf(tmp_path / "minutes.pdf", draw)
    assert "Protokoll fört vid styrelsemöte" in load(path).text
    fails_cleanly(path, NotAPlan, "not a plan")


def test_a_batch_goes_on_after_a_bad_pdf(tmp_path):
    bad = tmp_path / "a_truncated.pdf"
    bad.write_bytes(pdf_of("000_aeb16daac0bbbe6e").read_bytes()[:3000])
    results = {}
    for path in (bad, pdf_of("000_aeb16daac0bbbe6e")):
        try:
            results[path.name] = len(figures(pipeline.run(path)))
        except ExtractionError as exc:
            results[path.name] = type(exc).__name__
    assert results == {"a_truncated.pdf": "PdfError", "000_aeb16daac0bbbe6e.pdf": 38}


# -- rendering is deterministic ----------------------------------------------------------------
def test_render_is_deterministic(tmp_path):
    src = tmp_path / "000_aeb16daac0bbbe6e.txt"
    src.write_bytes((CORPUS / src.name).read_bytes())
    script = ROOT / "scripts" / "render_pdfs.py"
    outs = []
    for _ in range(2):
        subprocess.run([sys.executable, str(script), str(src)], check=True, capture_output=True, cwd=ROOT)
        outs.append((tmp_path / "pdf" / "000_aeb16daac0bbbe6e.pdf").read_bytes())
    assert outs[0] == outs[1]
    assert outs[0][:5] == b"%PDF-"


def test_handmade_pdf_hyphenation_headers_and_unruled_table(tmp_path):
    """A PDF drawn line by line (Helvetica, no layout engine): the same rules apply."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "hand.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    body = [
        "Samordningsförbundets verksamhet bygger på lagen om finansiell samord-",
        "ning och ska öka den enskildes funktions- och arbetsförmåga genom att",
        "stödja samverkan.",
    ]
    for page in (1, 2):
        c.setFont("Helvetica", 8)
        c.drawString(72, 810, "Finsam Exempel")
        c.drawRightString(523, 810, "Verksamhetsplan 2021")
        c.drawCentredString(297, 30, f"{page} (2)")
        c.setFont("Helvetica", 10)
        if page == 1:
            for i, line in enumerate(body):
                c.drawString(72, 760 - 13 * i, line)
        else:
            rows = [("", "2021", "2022"), ("Intäkter", "", ""), ("Staten", "1 500", "1 600"), ("Summa", "1 500", "1 600")]
            for i, (label, a, b) in enumerate(rows):
                y = 760 - 13 * i
                c.drawString(72, y, label)
                c.drawRightString(300, y, a) if a else None
                c.drawRightString(380, y, b) if b else None
        c.showPage()
    c.save()
    doc = load(path)
    lines = doc.text.split("\n")
    assert lines[0] == ("Samordningsförbundets verksamhet bygger på lagen om finansiell samordning och ska öka "
                        "den enskildes funktions- och arbetsförmåga genom att stödja samverkan.")
    assert "\t2021\t2022\nIntäkter\t\t\nStaten\t1 500\t1 600\nSumma\t1 500\t1 600\n" in doc.text
    assert "Finsam Exempel" not in doc.text and "(2)" not in doc.text
    assert doc.page_starts == [0, doc.text.index("\t2021")]
