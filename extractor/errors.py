"""One exception family. The CLI turns each into one line naming the file and the reason.

File names are shown with :func:`shown`: a name that is not UTF-8 (its bytes come back from
the file system as surrogates, ``os.fsdecode``) and control characters (a newline, a carriage
return, an escape) are written ``\\xNN`` so a name can neither break a line nor act on a terminal.
"""
from __future__ import annotations

import os
import re

# Characters shown escaped: C0 and C1 controls, DEL, and the surrogates that stand for
# the bytes of a name that is not UTF-8.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters, bidi controls and undecodable bytes written as ``\\xNN``."""
    return _UNSAFE.sub(lambda m: _escape(m.group(0)), text)


def shown(path) -> str:
    """A file name as it is shown and stored as text: :func:`printable` of ``os.fsdecode(path)``.
    ``c01_0\\xf6.txt`` for a Latin-1 name on a UTF-8 system; plain names are unchanged."""
    return printable(os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path))


def is_plain(path) -> bool:
    """Whether ``shown(path)`` gives the name back exactly (no byte or character needed escaping)."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    return _UNSAFE.search(text) is None


class ParseError(ValueError):
    """A value (amount, year, date) that the parsing functions cannot read."""


class ExtractionError(Exception):
    """Base class: a document could not be turned into a plan.

    ``path`` is the name as shown (:func:`shown`), ``detail`` the reason on one safe line.
    """

    reason = "cannot extract"

    def __init__(self, path, detail: str | None = None):
        self.path = shown(path)
        self.detail = printable(" ".join((detail or self.reason).split())) or self.reason
        super().__init__(f"{self.path}: {self.detail}")


class UnreadableFile(ExtractionError):
    reason = "file cannot be read"


class EmptyDocument(ExtractionError):
    reason = "file is empty"


class BinaryFile(ExtractionError):
    reason = "binary file, not text or PDF"


class TooLarge(ExtractionError):
    reason = "file is larger than the size limit"


class NotAPlan(ExtractionError):
    reason = "not a plan: it names no samordningsförbund's plan and holds no budget"


class PdfError(ExtractionError):
    reason = "PDF cannot be read"


class NeedsOCR(PdfError):
    reason = "PDF has no text layer (a scan): it needs OCR"


class EncryptedPdf(PdfError):
    reason = "PDF is encrypted"


def one_line(exc: BaseException) -> str:
    """An exception's message on one printable line (a database error's own message, not its wrapper)."""
    text = str(getattr(exc, "orig", None) or exc)
    return printable(" ".join(text.split())) or type(exc).__name__
