"""One exception family. The CLI turns each into one line naming the file and the reason."""


class ExtractionError(Exception):
    """Base class: a document could not be turned into a plan."""

    reason = "cannot extract"

    def __init__(self, path, detail: str | None = None):
        self.path = str(path)
        self.detail = detail or self.reason
        super().__init__(f"{self.path}: {self.detail}")


class UnreadableFile(ExtractionError):
    reason = "file cannot be read"


class EmptyDocument(ExtractionError):
    reason = "file is empty"


class BinaryFile(ExtractionError):
    reason = "binary file, not text or PDF"


class NotAPlan(ExtractionError):
    reason = "no budget table found: not a plan"


class PdfError(ExtractionError):
    reason = "PDF cannot be read"


class NeedsOCR(PdfError):
    reason = "PDF has no text layer (a scan): it needs OCR"


class EncryptedPdf(PdfError):
    reason = "PDF is encrypted"
