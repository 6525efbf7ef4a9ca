"""Document -> blocks: headings, paragraphs, list items, tables, table of contents.

A table is a run of lines whose cells are separated by tabs (text files, and the
PDF ingester writes its table rows the same way), or by runs of two or more spaces
with numbers in them. A run of tab lines whose last cells are small rising
page numbers under an "Innehåll"/"Innehållsförteckning" heading is a table of
contents, not a table. Long paragraph lines may hold tables flattened by web
transcripts; the budget parser looks for those inside paragraphs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from extractor.document import Document, Line
from extractor.vocab import LIST_ITEM, UNITS

TOC_HEADINGS = ("innehållsförteckning", "innehåll", "innehållsförtekning")
SPACE_SPLIT = re.compile(r"\s{2,}|\t")
SPACE_CELL = re.compile(r"\S(?:.*?\S)??(?=\s{2,}|$)")  # a cell of a line aligned with spaces
FIGURE_CELL = re.compile(r"[-−–\d\s.,%*]+(?:\s*t?\s?kr)?")
PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
PIPE = re.compile(r"\|")
RULE_LINE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{0,}:?\s*\|?\s*$|^\s*\|?\s*:?-{3,}:?\s*\|?\s*$")
LEADER = re.compile(r"\s*(?:\.{4,}|…{2,}|_{4,})\s*")  # dot leaders between a label and its figure
LEADER_LINE = re.compile(r"^\s*\S.*?(?:\.{4,}|…{2,}|_{4,})\s*[-−–(]?\s*\d")
TWO_SPACES = re.compile(r"\s\s")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class LayoutSettings:
    """Every number the layout stage decides by, in one place."""

    label_line: int = 70  # characters of a label line inside a table ("Intäkter", a wrapped label)
    label_run: int = 3  # label lines in a row between table rows ("Kostnader", "Insats 1: ...")
    heading_chars: int = 140  # a longer line is no heading
    numbered_heading_words: int = 14
    upper_heading_words: int = 12  # an upper-case line of at most this many words is a heading
    upper_share: float = 0.8  # of its letters
    title_words: int = 8  # a short capitalised line without a final stop is a title heading
    field_chars: int = 60  # 'Huvudman:' on a line of its own
    toc_entries: int = 4  # rising page numbers on at least this many lines make a table of contents
    toc_pages: int = 400


SETTINGS = LayoutSettings()
NUMBERED_HEADING = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s*([A-ZÅÄÖ][^\t]{0,120})$")


@dataclass
class Block:
    kind: str  # heading, paragraph, list_item, table, toc, field
    start: int
    end: int
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    number: Optional[str] = None

    def text(self, doc: Document) -> str:
        return doc.text[self.start : self.end]


def is_rule_line(text: str) -> bool:
    """A markdown table's rule under its header (``|---|---:|``): part of the table, no cells."""
    return "-" in text and bool(RULE_LINE.match(text))


def _split_at(line: Line, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """Cells between the separators ``pattern`` finds, each trimmed, in document offsets."""
    out = []
    pos = 0
    for m in list(pattern.finditer(line.text)) + [None]:
        end = m.start() if m else len(line.text)
        part = line.text[pos:end]
        lead = len(part) - len(part.lstrip())
        out.append((line.start + pos + lead, line.start + pos + len(part.rstrip()), part.strip()))
        pos = m.end() if m else end
    return out


def cells_of(line: Line) -> list[tuple[int, int, str]]:
    """Cells of a table line as (start, end, text) in document offsets."""
    if PIPE_ROW.match(line.text):
        inner = line.text.strip()
        first = line.text.index("|")
        return _split_at(Line(line.start + first + 1, line.start + first + len(inner) - 1, inner[1:-1]), PIPE)
    if "\t" not in line.text and _is_leader_line(line.text):
        return _split_at(line, LEADER)
    out = []
    pos = 0
    if "\t" in line.text:
        for part in line.text.split("\t"):
            out.append((line.start + pos, line.start + pos + len(part), part))
            pos += len(part) + 1
        return out
    for m in SPACE_CELL.finditer(line.text):
        out.append((line.start + m.start(), line.start + m.end(), m.group(0)))
    return out


def _has_table_mark(text: str) -> bool:
    """What any table line holds: a tab, a pipe, a rule's dash, a dot leader, or two spaces in a row
    (substring tests first: one pattern of them all scans a line several times slower)."""
    return "\t" in text or "|" in text or "-" in text or _has_leader(text) or TWO_SPACES.search(text) is not None


def _has_leader(text: str) -> bool:
    """The shortest run of each kind of dot leader LEADER matches, as a substring."""
    return "...." in text or "……" in text or "____" in text


def is_table_line(text: str) -> bool:
    if "\t" in text:
        return True
    if not _has_table_mark(text):
        return False
    return ("|" in text and bool(PIPE_ROW.match(text))) or is_rule_line(text) or _is_leader_line(text) \
        or _is_space_table_line(text)


def _is_leader_line(text: str) -> bool:
    """A label, a dot leader and a figure (the leader tested for first: most lines have none)."""
    return _has_leader(text) and bool(LEADER_LINE.match(text))


def _is_space_table_line(text: str) -> bool:
    stripped = text.strip()
    if "  " not in stripped:
        return False
    parts = [p for p in SPACE_SPLIT.split(stripped) if p]
    if len(parts) < 2:
        return False
    if all(p.lower().strip("()") in UNITS for p in parts[1:]):
        return True  # a unit row: "Intäkter      tkr      tkr"
    return any(_DIGIT.search(p) for p in parts[1:])


def _is_label_line(text: str) -> bool:
    t = text.strip()
    return 0 < len(t) <= SETTINGS.label_line and "  " not in t and "\t" not in t and not t.endswith((".", ":", ";")) \
        and not LIST_ITEM.match(t) and not is_table_line(t)


def _bridges_space_table(lines: list[Line], j: int, group: list[Line]) -> bool:
    """A short label line ("Intäkter", or the rest of a wrapped label) between rows of a table belongs to it;
    so does a header of column names over the first row."""
    t = lines[j].text.strip()
    if len(t) > SETTINGS.label_line or t.endswith((".", ":", ";")) or LIST_ITEM.match(t):
        return False
    nxt = j + 1
    while group and nxt < len(lines) and nxt - j <= SETTINGS.label_run and _is_label_line(lines[nxt].text):
        nxt += 1  # "Kostnader" then "Förbundsgemensamma kostnader", then the rows
    if nxt >= len(lines) or not is_table_line(lines[nxt].text):
        return False
    if not group:
        return len(SPACE_SPLIT.split(t)) >= 3  # "Insats   Huvudman   Period   Belopp"
    return "  " not in t or _is_space_table_line(lines[nxt].text)


def aligned_cells(lines: list[Line]) -> list[list[tuple[int, int, str]]]:
    """Cells of a space-aligned table placed in columns by where they stand on the line.

    Column ranges are the union of the value cells' character ranges across lines (numbers
    align on their right edge, headers span them), so a row with a missing value, or a
    header row indented to the first value column, still gets each cell in its column.
    Returns, per line, [label, value column 1, value column 2, ...]; missing cells are empty."""
    cells = [cells_of(line) for line in lines]
    label_edge = min((c[0][0] - l.start for c, l in zip(cells, lines) if c and len(c) > 1 and
                      not _DIGIT.search(c[0][2])), default=0)
    spans: list[list[int]] = []
    for line, row in zip(lines, cells):
        for s, e, t in row:
            a, b = s - line.start, e - line.start
            if a <= label_edge and not FIGURE_CELL.fullmatch(t):
                continue  # the label
            spans.append([a, b])
    columns: list[list[int]] = []
    for a, b in sorted(spans):
        if columns and a <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], b)
        else:
            columns.append([a, b])
    out = []
    for line, row in zip(lines, cells):
        placed: list[tuple[int, int, str]] = [(line.start, line.start, "")] + [(line.end, line.end, "")] * len(columns)
        for s, e, t in row:
            a, b = s - line.start, e - line.start
            col = next((k for k, (x, y) in enumerate(columns) if a < y and b > x), None)
            if col is None:
                placed[0] = (s, e, t)
            else:
                placed[col + 1] = (s, e, t)
        out.append(placed)
    return out


def _is_toc(lines: list[Line], previous_text: str) -> bool:
    nums = []
    for l in lines:
        cells = cells_of(l)
        last = cells[-1][2].strip() if len(cells) > 1 else ""
        if not last.isdigit():
            return False
        nums.append(int(last))
    rising = all(b >= a for a, b in zip(nums, nums[1:]))
    return rising and (previous_text.strip().lower() in TOC_HEADINGS or (len(nums) >= SETTINGS.toc_entries and max(nums) < SETTINGS.toc_pages))


def heading_kind(text: str) -> tuple[bool, int, Optional[str]]:
    """Is a lone line a heading? -> (yes, level, number)."""
    t = text.strip()
    if not t or len(t) > SETTINGS.heading_chars or "\t" in t:
        return False, 0, None
    m = NUMBERED_HEADING.match(t)
    if m and not t.endswith((".", ",", ";")) and len(t.split()) <= SETTINGS.numbered_heading_words:
        number = m.group(1)
        return True, number.count(".") + 1, number
    words = len(t.split())
    if words <= SETTINGS.upper_heading_words and upper_share(t) > SETTINGS.upper_share:
        return True, 1, None
    if words <= SETTINGS.title_words and not t.endswith((".", ",", ";", ":")) and t[0].isupper():
        return True, 2, None
    return False, 0, None


def upper_share(text: str) -> float:
    """The share of the letters in ``text`` that are upper case (0 without letters)."""
    letters = "".join(filter(str.isalpha, text))
    return sum(map(str.isupper, letters)) / len(letters) if letters else 0.0


def _set_as_heading(doc: Document, line: Line) -> bool:
    """Does the source set the whole line as a heading (a PDF's larger or bold type, a Markdown '#')?
    '7. Samverkan' so set is a numbered heading, not an item of a numbered list."""
    text = line.text
    first = line.start + len(text) - len(text.lstrip())
    last = line.start + len(text.rstrip())
    return any(m.start <= first and m.end >= last for m in doc.marks_in(line.start, line.end, "heading"))


def segment(doc: Document) -> list[Block]:
    blocks: list[Block] = []
    lines = doc.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        if not text.strip():
            i += 1
            continue
        if is_table_line(text) or _bridges_space_table(lines, i, []):
            j = i
            group: list[Line] = []
            while j < len(lines) and lines[j].text.strip():
                t = lines[j].text
                if is_table_line(t) or _bridges_space_table(lines, j, group):
                    group.append(lines[j])
                    j += 1
                    continue
                break
            prev = blocks[-1].text(doc) if blocks else ""
            kind = "toc" if _is_toc(group, prev) else "table"
            blocks.append(Block(kind, group[0].start, group[-1].end, group))
            i = j
            continue
        if len(text) < SETTINGS.field_chars and text.rstrip().endswith(":"):
            blocks.append(Block("field", line.start, line.end, [line]))
        elif LIST_ITEM.match(text) and not _set_as_heading(doc, line):
            blocks.append(Block("list_item", line.start, line.end, [line]))
        else:
            is_heading, level, number = heading_kind(text)
            if is_heading:
                blocks.append(Block("heading", line.start, line.end, [line], level=level, number=number))
            else:
                blocks.append(Block("paragraph", line.start, line.end, [line]))
        i += 1
    return blocks
