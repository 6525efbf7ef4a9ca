"""PDFs nobody here typeset, of the kinds public PDF test suites hold: damaged cross-reference
tables, broken page trees, broken fonts, huge pages, many pages, forms, data after %%EOF.

Each is made here (raw PDF syntax, or reportlab and pypdf), then read through `finsam text`,
`finsam extract` and `finsam import`: a readable file is read, an unreadable one gives one
line naming the file and the reason, never a traceback, a hang or a library's warning.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline
from extractor.errors import PdfError
from extractor.ingest import load

ROOT = Path(__file__).resolve().parent.parent
LUND_PDF = ROOT / "corpus" / "pdf" / "000_aeb16daac0bbbe6e.pdf"
WORDS = "Budget 2024 Samordningsförbundet"


def raw_pdf(objects: list[bytes], root: int = 1, xref: bool = True, eof: bool = True, trailer_extra: bytes = b"") -> bytes:
    """A PDF from numbered objects (1, 2, ...), with a correct cross-reference table unless
    ``xref`` is False (then offsets point nowhere)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % (offset if xref else offset + 7919)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n" % (len(objects) + 1, root, trailer_extra, start)
    if eof:
        out += b"%%EOF\n"
    return bytes(out)


def text_stream(text: str, font: bytes = b"/F1") -> bytes:
    content = b"BT " + font + b" 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def simple(text: str = WORDS, mediabox: bytes = b"[0 0 595 842]", font: bytes = FONT) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        text_stream(text),
        font,
    ]


def readable_cases() -> dict[str, bytes]:
    good = raw_pdf(simple())
    cyclic = simple()
    cyclic[1] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"  # the page tree contains itself
    return {
        "cyclic-page-tree": raw_pdf(cyclic),
        "missing-root": raw_pdf(simple(), root=42),  # the catalog is found by its type
        "plain": good,
        "data-after-eof": good + b"\n" + b"garbage after the end " * 40,
        "no-eof-marker": good[: good.rindex(b"%%EOF")],
        "damaged-xref": raw_pdf(simple(), xref=False),
        "huge-page": raw_pdf(simple(mediabox=b"[0 0 14400 14400]")),
        "font-without-widths": raw_pdf(simple(font=b"<< /Type /Font /Subtype /TrueType /BaseFont /NoSuchFont "
                                                   b"/FirstChar 32 /LastChar 33 /Widths [1] /FontDescriptor 99 0 R >>")),
    }


def unreadable_cases() -> dict[str, bytes]:
    cyclic_parent = simple()
    cyclic_parent[2] = b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R] /Count 1 >>"  # a "page" that is its own tree
    half = LUND_PDF.read_bytes()
    return {
        "page-is-its-own-kid": raw_pdf(cyclic_parent),
        "truncated": half[: len(half) // 2],
        "type0-font-without-descendants": raw_pdf(simple(font=b"<< /Type /Font /Subtype /Type0 /DescendantFonts 77 0 R >>")),
        "kids-not-an-array": raw_pdf([simple()[0], b"<< /Type /Pages /Kids 7 /Count 1 >>"]),
        "header-only": b"%PDF-1.7\n",
        "contents-not-a-stream": raw_pdf(simple()[:3] + [b"(not a stream)", FONT]),
    }


def reportlab_pdf(draw, pages: int = 1, **canvas_options) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, **canvas_options)
    for n in range(pages):
        draw(c, n)
        c.showPage()
    c.save()
    return buf.getvalue()


def form_pdf() -> bytes:
    """An AcroForm: labels drawn as text, answers in form fields."""
    def draw(c, n):
        c.drawString(72, 760, "Ansökningsblankett")  # a form, not a plan: no association, no plan or budget heading
        c.drawString(72, 720, "Projektnamn:")
        c.acroForm.textfield(name="projekt", value="Unga till arbete", x=180, y=712, width=200, height=18)
        c.drawString(72, 690, "Belopp:")
        c.acroForm.textfield(name="belopp", value="500 000", x=180, y=682, width=200, height=18)
    return reportlab_pdf(draw)


def many_pages_pdf(pages: int = 120) -> bytes:
    def draw(c, n):
        for i in range(40):
            c.drawString(72, 800 - 18 * i, f"Sida {n + 1} rad {i + 1}: Samordningsförbundet följer upp insatserna")
    return reportlab_pdf(draw, pages)


def rotated_pdf() -> bytes:
    """A page rotated with pypdf: the words still come out."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(raw_pdf(simple()))).pages:
        writer.add_page(page.rotate(90))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("damaged")
    for name, data in {**readable_cases(), **unreadable_cases()}.items():
        (out / f"{name}.pdf").write_bytes(data)
    (out / "form.pdf").write_bytes(form_pdf())
    (out / "many-pages.pdf").write_bytes(many_pages_pdf())
    (out / "rotated.pdf").write_bytes(rotated_pdf())
    return out


def cli(*args: str):
    return CliRunner().invoke(pipeline.cli, list(args))


@pytest.mark.parametrize("name", [*readable_cases(), "rotated"])
def test_readable_pdfs_are_read(folder, name):
    result = cli("text", str(folder / f"{name}.pdf"))
    assert result.exit_code == 0, result.output
    # a font without widths runs the words together; a rotated page puts letters on lines of their own
    assert WORDS.replace(" ", "") in "".join(result.stdout.split())
    assert result.stderr == ""  # no library warning


@pytest.mark.parametrize("name", list(unreadable_cases()))
def test_unreadable_pdfs_fail_with_one_line(folder, name):
    path = folder / f"{name}.pdf"
    with pytest.raises(PdfError) as info:
        load(path)
    for command in ("text", "extract"):
        result = cli(command, str(path))
        assert result.exit_code == 1
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.stdout == ""
        assert result.stderr == f"error: {path}: {info.value.detail}\n"
    if name == "truncated":
        assert "truncated" in info.value.detail
    if name == "type0-font-without-descendants":
        # the error of the broken font itself, not one raised while closing the file
        assert "cannot be read" in info.value.detail


def test_form_fields_and_many_pages(folder):
    form = load(folder / "form.pdf")
    assert "Projektnamn:" in form.text and "Belopp:" in form.text
    many = load(folder / "many-pages.pdf")
    assert many.source.pages == 120
    assert "Sida 120 rad 40" in many.text


def test_the_whole_folder_imports_in_one_run(folder, tmp_path):
    db = str(tmp_path / "damaged.db")
    result = cli("import", str(folder), "--db", db, "--workers", "1", "--no-progress")
    assert result.exit_code == 1  # none of them is a plan
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines()]
    names = sorted(p.name for p in folder.glob("*.pdf"))
    assert sorted(re.match(r"error: .*/([^/:]+): ", e).group(1) for e in errors) == names
    readable = {f"{n}.pdf" for n in readable_cases()} | {"form.pdf", "many-pages.pdf", "rotated.pdf"}
    for line in errors:
        name = re.match(r"error: .*/([^/:]+): ", line).group(1)
        if name in readable:
            assert line.endswith("not a plan: it names no samordningsförbund's plan and holds no budget"), line
        else:
            assert "PDF" in line, line
    assert result.stdout.splitlines()[-1] == f"0 loaded, 0 already present, {len(names)} failed"
