import pytest

from extractor.errors import BinaryFile, EmptyDocument, UnreadableFile
from extractor.ingest import load

PLAN = "Verksamhetsplan och budget 2020\n\nBudget\n\n\t2020\t2021\nIntäkter\t1 000\t2 000\nKostnader\t-500\t-1 000\nResultat\t500\t1 000\n"


@pytest.mark.parametrize("encoding, prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("latin-1", b"")])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_and_newlines_give_one_canonical_text(tmp_path, encoding, prefix, newline):
    p = tmp_path / "plan.txt"
    p.write_bytes(prefix + PLAN.replace("\n", newline).encode(encoding))
    doc = load(p)
    assert doc.text == PLAN
    assert "\r" not in doc.text and "\ufeff" not in doc.text


def test_stray_byte_in_utf8_does_not_crash(tmp_path):
    p = tmp_path / "plan.txt"
    p.write_bytes(PLAN.encode("utf-8").replace(b"Resultat", b"Res\xffultat"))
    doc = load(p)
    assert "Intäkter" in doc.text and doc.source.encoding == "utf-8"


def test_running_headers_html_and_markdown_are_not_content(tmp_path):
    header = "Lunds Samordningsförbund Verksamhetsplan och budget 2011"
    body = "\n\n".join([
        header, "Verksamhetsplan och budget 2011", "Om förbundet",
        "Text med **fet** stil och <i>kursiv</i> &amp; mer.",
        header, "Mer text efter sidbrytning.", "Sida 3", header, "Slut.",
    ])
    p = tmp_path / "plan.txt"
    p.write_text(body, encoding="utf-8")
    doc = load(p)
    assert doc.text.count(header) == 1  # the title page keeps its first line
    assert "**" not in doc.text and "<i>" not in doc.text and "&amp;" not in doc.text
    assert "Text med fet stil och kursiv & mer." in doc.text
    assert "Sida 3" not in doc.text
    bold = [doc.text[m.start:m.end] for m in doc.marks if m.kind == "bold"]
    italic = [doc.text[m.start:m.end] for m in doc.marks if m.kind == "italic"]
    assert bold == ["fet"] and italic == ["kursiv"]


def test_a_running_header_stands_at_the_edge_of_its_pages(tmp_path):
    """With page breaks, a repeated line naming the association is dropped at the top or bottom of a
    page, and kept where it stands inside a page (a field's value)."""
    header = "Samordningsförbundet Norrby"
    filler = "\n".join(f"Rad {i} med text om verksamheten." for i in range(8))
    pages = [
        f"Verksamhetsplan 2020\n\n{header}\n\n{filler}",
        f"{header}\n\n{filler}\n\nHuvudman:\n{header}\nProjekttid: 2020\n\n{filler}",
        f"{header}\n\n{filler}",
    ]
    p = tmp_path / "plan.txt"
    p.write_text("\f".join(pages), encoding="utf-8")
    doc = load(p)
    assert doc.text.count(header) == 2  # the title page's and the field's
    assert f"Huvudman:\n{header}\nProjekttid" in doc.text


def test_field_labels_that_repeat_stay(tmp_path):
    p = tmp_path / "plan.txt"
    p.write_text("Titel\n\nHuvudman:\n\nA\n\nHuvudman:\n\nB\n\nHuvudman:\n\nC\n", encoding="utf-8")
    assert load(p).text.count("Huvudman:") == 3


def test_form_feed_starts_a_page(tmp_path):
    p = tmp_path / "plan.txt"
    p.write_text("Sida ett\fSida två text\n", encoding="utf-8")
    doc = load(p)
    assert doc.source.pages == 2
    assert doc.span(doc.text.index("två"), doc.text.index("två") + 3).page == 2


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n")
    with pytest.raises(EmptyDocument):
        load(empty)
    binary = tmp_path / "x.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(BinaryFile):
        load(binary)
    with pytest.raises(UnreadableFile):
        load(tmp_path / "missing.txt")


def test_corpus_headers_removed():
    from tests.conftest import CORPUS

    text = load(CORPUS / "000_aeb16daac0bbbe6e.txt").text
    assert text.count("Lunds Samordningsförbund Verksamhetsplan och budget 2011") == 1
    assert "Lunds Samordningsförbund\n\nVerksamhetsplan och budget 2011\n\nArbetet" not in text
    lund24 = load(CORPUS / "004_034b970862004510.txt").text
    assert "**" not in lund24 and "IRIS." in lund24
    sydnarke = load(CORPUS / "001_012a687b5704bc5b.txt").text
    assert "<i>" not in sydnarke and "<ul" not in sydnarke
