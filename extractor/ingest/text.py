"""Plain-text ingest: decode, normalise, drop residue, build the canonical text.

What is not content and does not reach the canonical text:
running page headers that repeat through the text, page-number lines,
markdown emphasis and HTML tags (kept as :class:`Mark` data), HTML entities.
A form feed starts a new page.
"""
from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from pathlib import Path

from extractor.document import Document, Mark
from extractor.errors import BinaryFile, EmptyDocument
from schemas import Source

# Words that make a repeated short line a running header rather than content.
HEADER_WORDS = ("samordningsförbund", "verksamhetsplan", "finsam", "verksamhets- och budgetplan")
# Lines at the very top of a document are its title page: first occurrences there stay.
OPENING_LINES = 12
PAGE_NUMBER = re.compile(r"^\s*(?:sida\s+\d+(?:\s*(?:av|\(|/)\s*\d+\)?)?|-\s*\d+\s*-|\d+\s*\(\d+\)|\d+\s*/\s*\d+)\s*$", re.I)

TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*?(/?)>")
STYLE_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading"}
MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
MD_HEADING = re.compile(r"^(#{1,6})\s+")


def _has_residue(line: str) -> bool:
    """Does the line hold what TAG, an entity, MD_BOLD or MD_HEADING needs (a '<', '&', '#', '**' or '__')?"""
    return "<" in line or "&" in line or "#" in line or "**" in line or "__" in line


def utf16_encoding(data: bytes) -> str | None:
    """"utf-16" (with a BOM), "utf-16-le" or "utf-16-be" (without: Latin text in UTF-16 has a zero
    byte in every other place), or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:8192]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    for zeros, clean, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) > half * 0.3 and clean.count(0) < half * 0.02:
            try:
                data[: len(data) // 2 * 2].decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def looks_binary_text(text: str) -> bool:
    """Decoded text that is mostly control characters is not a text."""
    sample = text[:8192]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\x0c\r")
    return control > len(sample) * 0.05


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding). UTF-16 (with or without BOM), UTF-8 with or without BOM,
    else Windows-1252.

    A UTF-8 file with a stray invalid byte stays UTF-8 (the byte becomes U+FFFD);
    a file that is not UTF-8 at all is read as cp1252, which maps every byte.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    wide = utf16_encoding(data)
    if wide:
        return data[: len(data) // 2 * 2].decode(wide, errors="replace").lstrip("\ufeff"), wide
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    good_multibyte = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    if good_multibyte and bad <= max(2, good_multibyte // 20):
        return lenient, "utf-8"
    return data.decode("cp1252", errors="replace"), "cp1252"


_NOT_CONTROL = bytes(range(32, 256)) + b"\t\n\x0c\r"  # the bytes looks_binary does not count


def looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = len(sample.translate(None, _NOT_CONTROL))  # the control bytes left
    return control > len(sample) * 0.05


CELL_TAG = re.compile(r"</t[dh]\s*>", re.I)


def _strip_residue(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Remove HTML tags, entities and markdown emphasis from one line; return marks in line offsets."""
    if not _has_residue(line):
        return line, []  # nothing to remove: no tag, entity, emphasis or heading mark
    marks: list[tuple[int, int, str]] = []
    out: list[str] = []
    open_styles: dict[str, list[int]] = {}
    pos = 0
    length = 0
    m = MD_HEADING.match(line)
    heading = False
    if m:
        pos = m.end()
        heading = True
    for tag in TAG.finditer(line, pos):
        chunk = html.unescape(line[pos : tag.start()])
        out.append(chunk)
        length += len(chunk)
        name = tag.group(2).lower()
        style = STYLE_TAGS.get(name)
        if style:
            if tag.group(1):
                starts = open_styles.get(style)
                if starts:
                    marks.append((starts.pop(), length, style))
            else:
                open_styles.setdefault(style, []).append(length)
        elif name in ("br", "p", "li") and out and not out[-1].endswith(" "):
            out.append(" ")
            length += 1
        elif name in ("td", "th") and tag.group(1):
            out.append("\t")  # a table cell of HTML residue ends where its tag closes
            length += 1
        pos = tag.end()
    chunk = html.unescape(line[pos:])
    out.append(chunk)
    text = "".join(out)
    if "\t" in text and CELL_TAG.search(line):
        text = text.rstrip("\t")
    # markdown bold/underline-bold: drop the markers, keep a mark
    while True:
        m = MD_BOLD.search(text)
        if not m:
            break
        inner = m.group(2)
        start, stop = m.start(), m.end()
        text = text[:start] + inner + text[stop:]

        def shift(pos: int, start: int = start, stop: int = stop) -> int:
            return pos - 4 if pos >= stop else pos - 2 if pos >= start + 2 else pos

        marks = [(shift(a), shift(b), k) for a, b, k in marks]
        marks.append((start, start + len(inner), "bold"))
    if heading:
        marks.append((0, len(text), "heading"))
    # leading residue of an emptied list (e.g. "<ul ...> • a • b") stays as text bullets
    return text, marks


def _header_key(line: str) -> str:
    return " ".join(line.split()).lower()  # spaces folded: what \s+ matches, str.split() splits at


def running_headers(lines: list[str]) -> set[str]:
    """Keys of short lines that repeat and name the association or the plan: running headers."""
    return _running_headers([_header_key(l) for l in lines])


def _running_headers(keys: list[str]) -> set[str]:
    counts = Counter(k for k in keys if k)
    found = set()
    for key, n in counts.items():
        if n < 2 or len(key) > 120 or "\t" in key or key.endswith((":", ".")):
            continue
        if any(w in key for w in HEADER_WORDS):
            found.add(key)
    return found


PAGE_EDGE = 3  # non-blank lines at the top and at the bottom of a page where running headers stand


def page_edges(pages: list[list[tuple[str, list]]]) -> set[int]:
    """The numbers (counted over all pages) of the first and last PAGE_EDGE non-blank lines of each page."""
    edges: set[int] = set()
    start = 0
    for page in pages:
        filled = [start + i for i, (text, _) in enumerate(page) if text.strip()]
        edges.update(filled[:PAGE_EDGE] + filled[-PAGE_EDGE:])
        start += len(page)
    return edges


def canonicalise(raw: str) -> tuple[str, list[Mark], list[int]]:
    """Raw decoded text -> canonical text, emphasis marks, page start offsets."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    pages_raw = raw.split("\f")
    cleaned_pages: list[list[tuple[str, list]]] = []
    for page in pages_raw:
        lines = [l.rstrip(" \u00a0") for l in page.split("\n")]
        # a page without residue anywhere (most) needs no line looked at
        cleaned_pages.append([_strip_residue(l) for l in lines] if _has_residue(page) else [(l, []) for l in lines])
    all_keys = [_header_key(t) for page in cleaned_pages for t, _ in page]  # each line's, in order
    # In a text with page breaks a running header stands at the top or the bottom of its pages: a line
    # like it elsewhere on a page (the association named as a field's value) is text.
    edges = page_edges(cleaned_pages) if len(cleaned_pages) > 1 else None
    headers = _running_headers(all_keys if edges is None else [k if i in edges else "" for i, k in enumerate(all_keys)])
    keys = iter(all_keys)
    line_no = -1

    out: list[str] = []
    marks: list[Mark] = []
    page_starts: list[int] = [0] if len(cleaned_pages) > 1 else []
    seen_headers: set[str] = set()
    length = 0
    nonblank_seen = 0
    blank_run = 0
    for pno, page in enumerate(cleaned_pages):
        if pno:
            page_starts.append(length)
            blank_run = 0
        for text, line_marks in page:
            key = next(keys)
            line_no += 1
            if key:
                nonblank_seen += 1
                if key in headers and (edges is None or line_no in edges):
                    first_on_title_page = key not in seen_headers and nonblank_seen <= OPENING_LINES
                    seen_headers.add(key)
                    if not first_on_title_page:
                        continue
                if PAGE_NUMBER.match(text):
                    continue
            if not key:  # a blank line (its key folds all its spaces away)
                blank_run += 1
                if blank_run > 1 or length == 0:
                    continue
            else:
                blank_run = 0
            for a, b, k in line_marks:
                if b > a:
                    marks.append(Mark(length + a, length + b, k))
            out.append(text)
            length += len(text) + 1
    canonical = "\n".join(out).rstrip() + "\n"
    return canonical, marks, page_starts


def ingest(path: Path, data: bytes) -> Document:
    if utf16_encoding(data):
        decoded, encoding = decode(data)
        if looks_binary_text(decoded):
            raise BinaryFile(path)
    elif looks_binary(data):
        raise BinaryFile(path)
    else:
        decoded, encoding = decode(data)
    canonical, marks, page_starts = canonicalise(decoded)
    if not canonical.strip():
        raise EmptyDocument(path, "file has no text")
    source = Source(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        format="text",
        pages=len(page_starts) or None,
        encoding=encoding,
    )
    return Document(path=str(path), text=canonical, source=source, marks=marks, page_starts=page_starts)
