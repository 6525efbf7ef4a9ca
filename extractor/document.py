"""The canonical document every stage after ingest works on.

``Document.text`` is the canonical text: what ``finsam text`` prints and what every
:class:`schemas.Span` points into. For PDFs, ``words`` maps character ranges back to
a page and a box so spans can carry both.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Optional

from schemas import Source, Span


@dataclass
class Line:
    start: int
    end: int  # exclusive, without the newline
    text: str


@dataclass
class Word:
    """A run of canonical text placed on a PDF page."""

    start: int
    end: int
    page: int
    box: tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass
class Mark:
    """Typographic emphasis the ingester removed from the text but kept as data."""

    start: int
    end: int
    kind: str  # bold, italic, heading


@dataclass
class Document:
    path: str
    text: str
    source: Source
    marks: list[Mark] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)  # offset where each page begins: [0, start of page 2, ...]
    lines: list[Line] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = split_lines(self.text)
        self._word_starts = [w.start for w in self.words]

    # -- spans -------------------------------------------------------------
    def page_of(self, offset: int) -> Optional[int]:
        """1-based page number of a text offset, or None for a text without pages."""
        if not self.page_starts:
            return None
        return max(bisect.bisect_right(self.page_starts, offset), 1)

    def span(self, start: int, end: int) -> Span:
        """A span for ``text[start:end]`` with page and box where the source has them."""
        if not self.words:
            return Span(start=start, end=end, page=self.page_of(start))
        i = max(bisect.bisect_right(self._word_starts, start) - 1, 0)
        hits: list[Word] = []
        while i < len(self.words) and self.words[i].start < end:
            w = self.words[i]
            if w.end > start:
                hits.append(w)
            i += 1
        if not hits:
            return Span(start=start, end=end, page=self.page_of(start))
        page = hits[0].page
        same = [w for w in hits if w.page == page]
        box = (  # PDF points; a hundredth of a point is far below what a reader can see
            round(min(w.box[0] for w in same), 2),
            round(min(w.box[1] for w in same), 2),
            round(max(w.box[2] for w in same), 2),
            round(max(w.box[3] for w in same), 2),
        )
        return Span(start=start, end=end, page=page, box=box)

    def marks_in(self, start: int, end: int, kind: str | None = None) -> list[Mark]:
        return [m for m in self.marks if m.start < end and m.end > start and (kind is None or m.kind == kind)]


def split_lines(text: str) -> list[Line]:
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines
