"""Ingesters: bytes on disk -> :class:`extractor.document.Document`.

Only this package reads files.
"""
from __future__ import annotations

from pathlib import Path

from extractor.document import Document
from extractor.errors import EmptyDocument, UnreadableFile

PDF_MAGIC = b"%PDF"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
PDF_SUFFIXES = {".pdf"}


def load(path: str | Path) -> Document:
    """Read a plan from ``path``, choosing the ingester by content, then by suffix."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UnreadableFile(path, "is a directory") from None
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise EmptyDocument(path)
    if data.lstrip()[:4] == PDF_MAGIC or path.suffix.lower() in PDF_SUFFIXES:
        from extractor.ingest import pdf

        return pdf.ingest(path, data)
    from extractor.ingest import text

    return text.ingest(path, data)


def is_candidate(path: Path) -> bool:
    """Files a folder import picks up."""
    return path.is_file() and not path.name.startswith(".") and path.suffix.lower() in (TEXT_SUFFIXES | PDF_SUFFIXES)
