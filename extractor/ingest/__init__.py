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

from extractor.document import Document
from extractor.errors import EmptyDocument, TooLarge, UnreadableFile, shown

PDF_MAGIC = b"%PDF"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
PDF_SUFFIXES = {".pdf"}

# Lone surrogates (a PDF font mapping to no character) cannot be written as UTF-8 anywhere.
SURROGATE = re.compile(r"[\ud800-\udfff]")

# The largest file read, in MB (10**6 bytes); FINSAM_MAX_MB (the CLI's --max-mb) sets it.
# A plan is rarely over 5 MB as PDF and 1 MB as text; far larger inputs are refused with
# a clear reason rather than read into memory.
DEFAULT_MAX_MB = 200.0
MAX_MB_ENV = "FINSAM_MAX_MB"


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
    if data.lstrip()[:4] == PDF_MAGIC or path.suffix.lower() in PDF_SUFFIXES:
        from extractor.ingest import pdf

        doc = pdf.ingest(path, data)
    else:
        from extractor.ingest import text

        doc = text.ingest(path, data)
    # the name as text that any output can carry (JSON, the database, a terminal)
    doc.path = doc.source.path = shown(path)
    if SURROGATE.search(doc.text):  # one character for one: every offset stays
        doc.text = SURROGATE.sub("\ufffd", doc.text)
    return doc


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or UnreadableFile / TooLarge with the reason."""
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
    limit = max_bytes()
    if info.st_size > limit:
        raise TooLarge(path, f"file is {info.st_size / 1e6:.1f} MB, over the limit of {limit / 1e6:g} MB "
                             f"(--max-mb or {MAX_MB_ENV} raises it)")
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None


def is_candidate(path: Path) -> bool:
    """Files a folder import picks up; a link whose target is missing too (it is reported)."""
    if path.name.startswith(".") or path.suffix.lower() not in (TEXT_SUFFIXES | PDF_SUFFIXES):
        return False
    return path.is_file() or (path.is_symlink() and not path.exists())
