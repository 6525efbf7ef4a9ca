"""Ingesters: bytes on disk -> :class:`extractor.document.Document`.

Only this package reads files. Whatever the name, bytes or size of a file, :func:`load`
returns a Document or raises an :class:`~extractor.errors.ExtractionError` naming the file
(shown safely, see :func:`extractor.errors.shown`) and the reason.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model loads with the readers, not with `import extractor.ingest`
    from extractor.document import Document
from extractor.errors import EmptyDocument, TooLarge, UnreadableFile, shown

PDF_MAGIC = b"%PDF"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
PDF_SUFFIXES = {".pdf"}

# Lone surrogates (a PDF font mapping to no character) cannot be written as UTF-8 anywhere.
SURROGATE = re.compile(r"[\ud800-\udfff]")

# The largest text read, in MB (10**6 bytes): a text file's size, or the text of a PDF once
# read; FINSAM_MAX_MB (the CLI's --max-mb) sets it. A plan's text is rarely over 0.2 MB; a
# 2 MB text takes about 410 MB of memory to extract, 5 MB about 450 MB, 10 MB 565 MB
# (bench/big_input_bench.py). A PDF file may be PDF_FACTOR times larger (fonts, images).
DEFAULT_MAX_MB = 5.0
PDF_FACTOR = 40
MAX_MB_ENV = "FINSAM_MAX_MB"
DEFAULT_TIMEOUT = 300.0  # seconds one input may take to read and extract in an import


def max_bytes() -> int:
    try:
        mb = float(os.environ.get(MAX_MB_ENV, DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(mb * 1_000_000)


def load(path: str | os.PathLike) -> Document:
    """Read a plan from ``path``, choosing the ingester by content, then by suffix."""
    path = Path(path)
    data = read_bytes(path)
    if not data.strip():
        raise EmptyDocument(path)
    if is_pdf(path, data):
        from extractor.ingest import pdf

        doc = pdf.ingest(path, data)
        size, limit = len(doc.text.encode("utf-8")), max_bytes()
        if size > limit:
            raise TooLarge(path, f"the PDF's text is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:g} MB "
                                 f"(--max-mb or {MAX_MB_ENV} raises it)")
    else:
        from extractor.ingest import text

        doc = text.ingest(path, data)
    # the name as text that any output can carry (JSON, the database, a terminal)
    doc.path = doc.source.path = shown(path)
    if SURROGATE.search(doc.text):  # one character for one: every offset stays
        doc.text = SURROGATE.sub("\ufffd", doc.text)
    return doc


def is_pdf(path: Path, head: bytes) -> bool:
    return head.lstrip()[:4] == PDF_MAGIC or path.suffix.lower() in PDF_SUFFIXES


def check_file(path: Path) -> os.stat_result:
    """A file that can be read at all (it exists, is a regular file), or UnreadableFile with the reason;
    cheap, so that a bad path fails before anything else is loaded."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UnreadableFile(path, f"is a link to a missing file ({shown(os.readlink(path))})") from None
        raise UnreadableFile(path, "cannot be read (no such file)") from None
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile(path, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(path, "is not a regular file (a device, pipe or socket)")
    if info.st_size == 0:
        raise EmptyDocument(path)
    return info


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or UnreadableFile / TooLarge with the reason."""
    info = check_file(path)
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
            limit = max_bytes() * (PDF_FACTOR if is_pdf(path, head) else 1)
            if info.st_size > limit:
                kind = "PDF" if is_pdf(path, head) else "text"
                raise TooLarge(path, f"{kind} file is {info.st_size / 1e6:.1f} MB, over the limit of {limit / 1e6:g} MB "
                                     f"(--max-mb or {MAX_MB_ENV} raises it)")
            return head + f.read(limit + 1 - len(head))
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None


def is_candidate(path: Path) -> bool:
    """Files a folder import picks up; a link whose target is missing too (it is reported)."""
    if path.name.startswith(".") or path.suffix.lower() not in (TEXT_SUFFIXES | PDF_SUFFIXES):
        return False
    return path.is_file() or (path.is_symlink() and not path.exists())
