"""Layout blocks -> the section tree of a plan.

Heading styles, from strongest to weakest (the rank: smaller is higher in the tree):

- numbered headings ``1. Inledning``, ``6. IPS(Individual ...)``, ``11.Ledning ...``: rank = depth,
  or nested under the unnumbered heading that directly precedes the series' first item
  (001: "Beslutade projekt/verksamheter" then "1. Projektet "På väg"" ... "11.Ledning ...").
  A numbered line is a heading only if it stands alone (blank lines around it), reads as
  a title (no final full stop, no colon inside) and continues a series (1, then 2, ...):
  "1. Personer mellan 18 till 40 år ..." in a run of list lines is a list item.
- upper-case headings ``BUDGET``, ``MÅLGRUPPER UNDER 2011``, ``BUDGET för 2024``: rank 1;
- short title lines (``Vision``, ``Kvantitativa mål``): rank 2, or one deeper when they directly
  follow an empty heading of the same rank ("Arbetsorganisation" then "Styrelsen");
- field labels (``Huvudman:``, ``Målgrupp:``, and the labels of :data:`FIELD_LABELS` without a
  colon, "Huvudman" then "Hallsbergs kommun"): one deeper than the section they are in.
  Inside a field, a short line is the field's value, not a heading, unless prose follows it.

Title-page lines (heading-like lines before the first prose, except the last) make no
section. A table of contents (layout block ``toc``) belongs to its heading's section,
marked ``kind="toc"``, and is never content.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterator, Optional

from extractor.document import Document
from extractor.layout.blocks import NUMBERED_HEADING, TOC_HEADINGS, Block, heading_kind, upper_share
from schemas import Section

# Labels of project/goal fields and the project attribute each one fills (None: a field that is
# no project attribute). A lone line with one of these (with or without a colon, or followed by
# one qualifier word: "Målgrupp individnivå") is a field label.
FIELD_LABELS: dict[str, Optional[str]] = {
    "huvudman": "owner", "huvudmän": "owner", "projektägare": "owner", "ägare": "owner", "anordnare": "owner",
    "utförare": "owner", "ansvarig organisation": "owner",
    "intressenter": "stakeholders", "samverkansparter": "stakeholders", "samverkanspartner": "stakeholders",
    "samarbetsparter": "stakeholders",
    "ort": "place",
    "projektperiod": "period", "projekttid": "period", "projektid": "period", "period": "period",
    "tidsperiod": "period", "insatsperiod": "period",
    "finansiering": "amount", "kostnad": "amount", "beviljade medel": "amount",
    "beviljat belopp": "amount",
    "syfte": "purpose", "målgrupp": "target_group", "målgrupper": "target_group",
    "kontaktperson": "contact", "kontakt": "contact",
    "projektmål": "goals", "mål": None, "målsättning": None, "målsättningar": None, "effektmål": None,
    "bakgrund": None, "sammanfattning": None, "aktualiseras genom": None, "indikator": None, "indikatorer": None,
    "projektledare": None, "deltagare": None,
}
# Amount labels that are fields only with a year or a colon ("Budget 2022:", "Medel 2017  3 900 tkr",
# "Beviljat för 2012:"); alone they are headings ("Budget").
YEAR_FIELD_LABELS: dict[str, str] = {
    "budget": "amount", "medel": "amount", "beviljat": "amount", "beviljade medel": "amount", "belopp": "amount",
    "kostnad": "amount", "finansiering": "amount", "bidrag": "amount",
}
PROSE_WORDS = 8  # a block with at least this many words is prose


@dataclass
class Node:
    title: str
    kind: str  # numbered, upper, title, field, toc
    rank: int
    start: int  # start of the heading line
    heading_end: int
    end: int = 0
    number: Optional[str] = None
    blocks: list[Block] = field(default_factory=list)  # direct content, in order
    children: list["Node"] = field(default_factory=list)
    parent: Optional["Node"] = None

    def walk(self) -> Iterator["Node"]:
        yield self
        for c in self.children:
            yield from c.walk()

    def chain(self) -> list["Node"]:
        out, n = [], self
        while n is not None:
            out.append(n)
            n = n.parent
        return out


@dataclass
class Tree:
    roots: list[Node]
    loose: list[Block]  # content outside any section (title page)
    toc: list[Block]
    # the starts of each list of siblings (the roots under None), made at the first node_at; None
    # when the sections do not nest (the tree is read as built, never changed after)
    _starts: Optional[dict[Optional[int], list[int]]] = field(default=None, init=False, repr=False, compare=False)
    _indexed: bool = field(default=False, init=False, repr=False, compare=False)

    def walk(self) -> Iterator[Node]:
        for r in self.roots:
            yield from r.walk()

    def node_at(self, offset: int) -> Optional[Node]:
        """The innermost section whose span holds ``offset`` (of those holding it, the last to start)."""
        starts = self._sibling_starts()
        if starts is None:
            best = None
            for n in self.walk():
                if n.start <= offset < n.end and (best is None or n.start >= best.start):
                    best = n
            return best
        # nested sections: the ones holding an offset are a chain from a root down, and of a list of
        # siblings only the last to start at or before the offset can hold it
        best, level, key = None, self.roots, None
        while level:
            i = bisect_right(starts[key], offset) - 1
            if i < 0 or not level[i].start <= offset < level[i].end:
                break
            best = level[i]
            level, key = best.children, id(best)
        return best

    def _sibling_starts(self) -> Optional[dict[Optional[int], list[int]]]:
        """Each list of siblings' starts, if every section lies within its parent and siblings
        follow one another without overlapping; else None."""
        if not self._indexed:
            self._indexed = True
            starts: dict[Optional[int], list[int]] = {}
            for key, level, parent in [(None, self.roots, None)] + [(id(n), n.children, n) for n in self.walk()]:
                if parent is not None and any(not parent.start <= c.start or c.end > parent.end for c in level):
                    return None
                if any(a.start > b.start or a.end > b.start for a, b in zip(level, level[1:])):
                    return None
                starts[key] = [n.start for n in level]
            self._starts = starts
        return self._starts


def _words(text: str) -> int:
    return len(text.split())


def _is_prose(text: str) -> bool:
    """At least PROSE_WORDS words (split no further than that)."""
    return len(text.split(maxsplit=PROSE_WORDS - 1)) >= PROSE_WORDS


UPPER_WORD = re.compile(r"[A-ZÅÄÖ]{4,}\b")  # "BUDGET för 2024"
UPPER_WORD_THEN_WORDS = re.compile(r"[A-ZÅÄÖ]{4,}\s+[a-zåäö]+\s+[a-zåäö]")


def is_upper_heading(text: str) -> bool:
    t = text.strip().rstrip(":").strip()
    if len(t) > 140 or t.endswith((".", ",", ";")):
        return False
    words = _words(t)
    if words <= 12 and upper_share(t) > 0.8:
        return True
    return words <= 6 and UPPER_WORD.match(t) is not None and not UPPER_WORD_THEN_WORDS.match(t)


def field_label(text: str) -> Optional[str]:
    """'Huvudman:' -> 'huvudman'; 'Målgrupp individnivå' -> 'målgrupp'; 'Arbetet ...:' -> None."""
    t = text.strip()
    colon = t.endswith(":")
    t = t.rstrip(":").strip()
    if len(t.split(maxsplit=3)) > 3:
        return None  # a label has at most three words (FIELD_LABELS at most two): prose is no label
    low = t.lower()
    if low in FIELD_LABELS:
        return low
    first = low.split()[0] if low else ""
    if first in FIELD_LABELS and _words(t) <= 2:
        return first
    if colon and 0 < _words(t) <= 3 and not NUMBERED_HEADING.match(t):
        return low
    return None


FIELD_WITH_VALUE = re.compile(r"^\s*(?P<label>[A-ZÅÄÖ][\wåäö]*(?: [\wåäö]+){0,2}?)(?: (?:för )?(?:19|20)\d{2})?\s*:\s*\S")


def is_field_with_value(text: str) -> bool:
    """'Huvudman: Försäkringskassan', 'Budget 2022: 450 000 kr': a field and its value on one line,
    content of the section it is in, never a heading."""
    m = FIELD_WITH_VALUE.match(text)
    if not m:
        return False
    label = m.group("label").lower()
    return label in FIELD_LABELS or label in YEAR_FIELD_LABELS


def _number_parts(number: str) -> list[int]:
    return [int(p) for p in number.split(".") if p]


def _standalone(doc: Document, block: Block) -> bool:
    before = doc.text[max(0, block.start - 2) : block.start]
    after = doc.text[block.end : block.end + 2]
    return (block.start == 0 or before == "\n\n" or before.endswith("\n") and block.start == 1) and (
        after.startswith("\n\n") or block.end >= len(doc.text.rstrip())
    )


def _numbered(doc: Document, block: Block) -> Optional[tuple[str, str]]:
    """(number, title) when the block is shaped like a numbered heading."""
    text = block.text(doc).strip()
    m = NUMBERED_HEADING.match(text)
    if not m:
        return None
    ok, _, number = heading_kind(text)
    if not ok or number is None:
        return None
    title = m.group(2).strip()
    if ":" in title.rstrip(":") or not _standalone(doc, block):
        return None
    return number, title


def build(doc: Document, blocks: list[Block]) -> Tree:
    """The section tree of a document."""
    first_prose = next((i for i, b in enumerate(blocks) if b.kind in ("paragraph", "list_item") and _is_prose(b.text(doc))),
                       len(blocks))

    roots: list[Node] = []
    loose: list[Block] = []
    toc: list[Block] = []
    stack: list[Node] = []
    last_numbered: dict[int, tuple[list[int], int]] = {}  # depth -> (number parts, base rank)
    prev_heading: Optional[Node] = None
    content_since_heading = False

    def close_until(rank: int, at: int) -> None:
        while stack and stack[-1].rank >= rank:
            stack.pop().end = at

    def open_node(node: Node) -> None:
        nonlocal prev_heading, content_since_heading
        close_until(node.rank, node.start)
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)
        prev_heading = node
        content_since_heading = False

    def add_content(block: Block) -> None:
        nonlocal content_since_heading
        if stack:
            stack[-1].blocks.append(block)
        else:
            loose.append(block)
        content_since_heading = True

    def in_field() -> bool:
        return bool(stack) and stack[-1].kind == "field"

    def next_is_prose(i: int) -> bool:
        j = i + 1
        return (j < len(blocks) and blocks[j].kind in ("paragraph", "list_item")
                and _is_prose(blocks[j].text(doc)) and not _numbered(doc, blocks[j]))

    def _label_without_colon(i: int) -> bool:
        """'Huvudman' then 'Hallsbergs kommun': a label when a short value follows or fields are open."""
        if i + 1 >= len(blocks):
            return False
        top = stack[-1] if stack else None
        return (top is not None and top.kind in ("field", "numbered")) or not next_is_prose(i)

    # the title page: heading-like lines before the first prose, all but the last
    title_page_end = -1
    heads_before = [i for i in range(first_prose) if blocks[i].kind in ("heading", "field") or _numbered(doc, blocks[i])]
    if len(heads_before) > 1:
        title_page_end = heads_before[-2]

    for i, b in enumerate(blocks):
        text = b.text(doc).strip()
        if b.kind == "toc":
            toc.append(b)
            if stack and not content_since_heading:
                stack[-1].kind = "toc"
            continue
        if b.kind == "table":
            add_content(b)
            continue
        if i <= title_page_end:
            loose.append(b)
            continue
        numbered = _numbered(doc, b) if b.kind in ("list_item", "heading", "paragraph") else None
        if numbered:
            number, title = numbered
            parts = _number_parts(number)
            depth = len(parts)
            prev = last_numbered.get(depth)
            parent_prev = last_numbered.get(depth - 1) if depth > 1 else None
            base: Optional[int] = None
            if parts[-1] == 1 and depth == 1:
                if prev_heading is not None and prev_heading.kind in ("title", "upper") and not content_since_heading:
                    base = prev_heading.rank
                else:
                    base = 0
            elif parts[-1] == 1 and parent_prev and parent_prev[0] == parts[:-1]:
                base = parent_prev[1]
            elif prev and prev[0][:-1] == parts[:-1] and prev[0][-1] + 1 == parts[-1]:
                base = prev[1]
            if base is not None:
                last_numbered[depth] = (parts, base)
                for d in [d for d in last_numbered if d > depth]:
                    del last_numbered[d]
                open_node(Node(title, "numbered", base + depth, b.start, b.end, number=number))
                continue
        if b.kind in ("heading", "paragraph") and is_field_with_value(text):
            add_content(b)
            continue
        if b.kind in ("heading", "field", "paragraph") and is_upper_heading(text) and _words(text) <= 12:
            open_node(Node(text.rstrip(":").strip(), "upper", 1, b.start, b.end))
            continue
        label = field_label(text) if b.kind in ("heading", "field", "paragraph") else None
        if label and (text.endswith(":") or _label_without_colon(i)):
            inner = next((n for n in reversed(stack) if n.kind != "field"), None)
            open_node(Node(text.rstrip(":").strip(), "field", (inner.rank if inner else 0) + 1, b.start, b.end))
            continue
        if b.kind == "heading":
            if in_field() and (not content_since_heading or not next_is_prose(i)):
                add_content(b)  # a field's value ("Hallsbergs kommun", "Stiftelsen Activa i Örebro län")
                continue
            rank = 2
            if prev_heading is not None and not content_since_heading and prev_heading.rank == 2 and stack and stack[-1] is prev_heading:
                rank = 3
            kind = "toc" if text.lower().rstrip(":") in TOC_HEADINGS else "title"
            open_node(Node(text, kind, rank, b.start, b.end))
            continue
        add_content(b)
    close_until(-1, len(doc.text))
    return Tree(roots, loose, toc)


def to_sections(doc: Document, tree: Tree) -> list[Section]:
    def conv(n: Node) -> Section:
        end = n.end
        while end > n.start and doc.text[end - 1].isspace():
            end -= 1
        return Section(title=n.title, level=n.rank, number=n.number, kind=n.kind, span=doc.span(n.start, end),
                       children=[conv(c) for c in n.children])

    return [conv(r) for r in tree.roots]


def parse(doc: Document, blocks: list[Block]) -> list[Section]:
    return to_sections(doc, build(doc, blocks))
