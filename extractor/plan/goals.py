"""Goal statements: kind, indicator, numeric target, and the project they belong to.

A goal section is one whose heading names a goal in its first words, matched on lemmas
("Mål", "Målen", "Kvantitativa mål", "Verksamhetsmål 1", "Målsättning:", "Vision",
"UTVECKLINGSOMRÅDEN OCH MÅL"); "Utveckla en långsiktig vision" or "Måluppfyllelse" are not.
In a goal section the statements are its list items (of the first list style: numbered
or bullets) and the paragraphs before them; lines ending in a colon introduce, and
"Indikator: ..." lines belong to the goal before them. A paragraph opening with a goal
label ("Mål: ...") is a goal wherever it is, and web transcripts' run-in labels
("Vision: ...", "Målområde 1: Att ...") are read from the running text.
A goal inside a project's span belongs to that project.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Iterable, Optional

from extractor.document import Document
from extractor.layout.blocks import LIST_ITEM, Block, cells_of
from extractor import vocab
from extractor.vocab import nlp
from extractor.layout.sections import Node, Tree
from schemas import Goal, Project, Span, Target

GOAL_LEMMAS = vocab.GOAL_LEMMAS
_GOAL_LEMMA_SET = frozenset(GOAL_LEMMAS)
HEAD_WINDOW = 3  # the goal word must be among the heading's first words
KINDS = vocab.GOAL_KINDS
PROJECT_KIND = "project"
DEFAULT_KIND = "goal"
_GOAL_WORDS = r"(?:mål|målsättning(?:ar)?|vision|effektmål|resultatmål|processmål|projektmål|verksamhetsmål|målområde)"
# "Mål: ...", "Mål 1: ...", "Mål 2. ...", "Övergripande mål: ...", "Finansiellt mål: ...", "Effektmål: ..."
GOAL_LABEL = re.compile(
    rf"^\s*(?P<label>(?:[A-ZÅÄÖ][\wåäö-]+\s+)?{_GOAL_WORDS}(?:\s+(?:för\s+)?(?:19|20)\d{{2}})?)\s*:\s*(?=\S)"
    rf"|^\s*(?P<nlabel>(?:Mål|Delmål|Effektmål|Resultatmål|Processmål)\s+\d{{1,2}})\s*[:.]\s*(?=\S)", re.I)
INDICATOR = re.compile(r"^Indikator(?:er)?\s*:\s*", re.I)
# (kind, a word every match holds as written, pattern): a text without the word is not searched
RUN_IN = [
    ("vision", "Vision:", re.compile(r"\bVision:\s*(?P<text>[^.!?\n]{3,200}[.!?])")),
    # "Förbundets vision är att alla invånare ... ska ha möjlighet till egen försörjning."
    ("vision", "vision", re.compile(r"(?P<text>\b(?:Förbundets|Samordningsförbundets|Vår)\s+vision\s+är:?\s+[^.!?\n]{10,300}[.!?])")),
    # "Målområde 1: Att utveckla samverkanskultur och helhetstänkande En viktig ..." - the title ends
    # where a capitalised word starts the body
    ("goal_area", "Målområde", re.compile(r"\bMålområde\s+\d+:\s*(?!Aktiviteter)(?P<text>[A-ZÅÄÖ][^A-ZÅÄÖ\n]{3,200}?)(?=\s+[A-ZÅÄÖ]|$)")),
]
# run-in goal labels in running text (web transcripts): "Övergripande mål: Förbundet ska ...",
# "Mål för 2012: - Minst 500 personer ... - Minst 30 procent ..."
RUN_IN_LABEL = re.compile(
    r"(?<![\wåäö])(?=[A-ZÅÄÖm])(?P<label>(?:[A-ZÅÄÖ][\wåäö-]+\s+)?(?i:mål|målsättning(?:ar)?|effektmål|resultatmål|verksamhetsmål)"
    r"(?:\s+(?:för\s+)?(?:19|20)\d{2})?|Mål\s+\d{1,2})[ \t]*:[ \t]+(?=\S)")
RUN_IN_STOP = re.compile(r"\s\d{1,2}\.\s+[A-ZÅÄÖ]")
BULLET = re.compile(r"^\s*(?:[-–•*✓]\s*)+|^\s*\d{1,2}[.)]\s*")
TARGET = re.compile(
    r"(?:(?P<cmp>minst|högst|maximalt|max|över|under|mer än|fler än|mindre än|inte överstiga|understiga)\s+)?"
    r"(?<![\d–-])(?P<num>\d+(?:[,.]\d+)?)\s*(?P<unit>%|(?:procent|individer|personer|deltagare|handläggare|ungdomar|unga|elever|chefer"
    r"|medarbetare|utbildningstillfällen|tillfällen|seminarier|lärseminarier|träffar)\b)",
    re.I,
)
COMPARATORS = {"minst": ">=", "över": ">", "mer än": ">", "fler än": ">", "högst": "<=", "maximalt": "<=", "max": "<=",
               "under": "<", "mindre än": "<", "inte överstiga": "<=", "understiga": "<"}


def heading_lemmas(title: str) -> list[str]:
    t = re.sub(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s*", "", title)
    return nlp.lemmas(t.replace("/", " "))


def is_goal_heading(title: str) -> bool:
    if not nlp.may_hold_lemma(title, _GOAL_LEMMA_SET):
        return False  # no form of a goal word in it: no need to read its lemmas
    return any(l in GOAL_LEMMAS for l in heading_lemmas(title)[:HEAD_WINDOW])


# "Mål för 2013", "Mål 2022", "Målen för året": the year's goals, operational
YEAR_GOALS = re.compile(r"^(?:\d[\d.]*\s*)?mål(?:en)?\s+(?:för\s+)?(?:år\s+)?(?:(?:19|20)\d{2}|året)\b", re.I)
# a statement that names its own kind: "Det övergripande målet är ...", "Förbundets vision är ..."
OWN_KIND = [("overall", re.compile(r"^(?:det\s+)?övergripande\s+målet\b", re.I)),
            ("vision", re.compile(r"^(?:\w+s\s+)?vision(?:en)?\s+är\b", re.I))]


def kind_of(title: str) -> Optional[str]:
    if YEAR_GOALS.match(title.strip()):
        return "operational"
    lem = set(heading_lemmas(title))
    for kind, words in KINDS:
        if lem & words:
            return kind
    return None


def target_of(text: str, offset: int, doc: Document) -> Optional[Target]:
    for m in TARGET.finditer(text):
        before = text[max(0, m.start("num") - 2) : m.start("num")]
        if re.search(r"\d\s*[-–]\s*$", before):  # a range "10-20 %": no single target
            continue
        unit = "%" if m.group("unit").lower() in ("%", "procent") else m.group("unit").lower()
        cmp = m.group("cmp")
        return Target(value=float(m.group("num").replace(",", ".")), unit=unit,
                      comparator=COMPARATORS.get(cmp.lower()) if cmp else None, raw=m.group(0).strip(),
                      span=doc.span(offset + m.start(), offset + m.end()))
    return None


def _clean(text: str) -> tuple[str, int, Optional[str]]:
    """Statement text without bullet, number or goal label; how many chars were cut; the label."""
    m = BULLET.match(text)
    cut = m.end() if m else 0
    label = None
    lab = GOAL_LABEL.match(text[cut:])
    if lab:
        label = lab.group("label") or lab.group("nlabel")
        cut += lab.end()
    rest = text[cut:]
    cut += len(rest) - len(rest.lstrip())
    return text[cut:].rstrip(), cut, label


def unwrap(text: str) -> str:
    """A statement wrapped over lines as one line: 'rehabiliterings-\\ninsatser' -> 'rehabiliteringsinsatser'."""
    text = re.sub(r"(?<=[a-zåäö])-\n\s*(?=[a-zåäö])(?!(?:och|eller|samt)\b)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _split_statements(body: str) -> list[tuple[int, str]]:
    """'Minst 40 deltagare ska ... 2013. Minst 50 % av deltagarna ska ...' -> two goals, when every
    sentence says what shall be reached and a figure to reach."""
    parts, pos = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", body):
        parts.append((pos, body[pos:m.start()]))
        pos = m.end()
    parts.append((pos, body[pos:]))
    if len(parts) > 1 and all(re.search(r"\bska\b", p) and TARGET.search(p) for _, p in parts):
        return parts
    return [(0, body)]


def _prose_lines(b: Block) -> bool:
    """Space-aligned lines that are label and prose ('Projektmål:      Minst 40 deltagare ska ...'),
    not a table of figures."""
    cells = [cells_of(l) for l in b.lines]
    return all(len(c) <= 2 for c in cells) and any(len(c[-1][2].split()) >= 5 for c in cells if c)


def _listlike(doc: Document, blocks: list[Block]) -> list[Block]:
    """Blocks as statements: a 'table' of numbered lines ("1.   Minst 120 personer ...", aligned with
    spaces) is a list; a line that continues the one before (no blank line, no new item) joins it."""
    flat: list[Block] = []
    for b in blocks:
        if b.kind == "table" and b.lines and (
                all("\t" not in l.text for l in b.lines) and (LIST_ITEM.match(b.lines[0].text) or _prose_lines(b))
                or all(LIST_ITEM.match(l.text) and len(cells_of(l)) <= 2 for l in b.lines)):
            for l in b.lines:
                flat.append(Block("list_item" if LIST_ITEM.match(l.text) else "paragraph", l.start, l.end, [l]))
        else:
            flat.append(b)
    out: list[Block] = []
    for b in flat:
        prev = out[-1] if out else None
        if prev is not None and b.kind == "paragraph" and prev.kind in ("paragraph", "list_item") \
                and b.start == prev.end + 1 and len(b.lines) == 1:
            pt, bt = prev.text(doc).rstrip(), b.text(doc).strip()
            if bt and not INDICATOR.match(bt) and not GOAL_LABEL.match(bt) and \
                    (not pt.endswith((".", "!", "?", ":")) or bt[0].islower()):
                out[-1] = Block(prev.kind, prev.start, b.end, prev.lines + b.lines, prev.level, prev.number)
                continue
        out.append(b)
    return out


def _statement_blocks(doc: Document, node: Node, stop_at: set[int]) -> list[Block]:
    blocks = []
    for b in _listlike(doc, node.blocks):
        if b.start in stop_at:
            break  # a new project begins: the field is over
        if b.kind in ("table", "toc"):
            continue
        blocks.append(b)
    items = [b for b in blocks if b.kind == "list_item"]
    if not items:
        return [b for b in blocks if not b.text(doc).rstrip().endswith(":")]
    numbered = bool(re.match(r"^\s*\d", items[0].text(doc)))
    first = items[0].start
    out = []
    for b in blocks:
        text = b.text(doc)
        if INDICATOR.match(text.strip()):
            out.append(b)
        elif b.kind == "list_item" and bool(re.match(r"^\s*\d", text)) == numbered:
            out.append(b)
        elif b.kind == "paragraph" and b.start < first and not text.rstrip().endswith(":"):
            out.append(b)
    return out


def _project_at(projects: list[Project], offset: int) -> Optional[Project]:
    inside = [p for p in projects if p.span.start <= offset < max(p.span.end, p.span.start + 1)]
    return max(inside, key=lambda p: p.span.start) if inside else None


def _node_kind(node: Node) -> str:
    for n in node.chain()[:3]:
        k = kind_of(n.title)
        if k:
            return k
    return DEFAULT_KIND


def _make(doc: Document, text: str, start: int, kind: str, section: Optional[str], projects: list[Project],
          layout: str = "paragraph") -> list[Goal]:
    body, cut, label = _clean(text)
    if len(body) < 3 or not re.search(r"[a-zåäöA-ZÅÄÖ]{3}", body):
        return []
    if label and kind_of(label):
        kind = kind_of(label)
    elif label and re.match(r"\s*mål\s+\d", label, re.I) and kind == DEFAULT_KIND:
        kind = "operational"  # "Mål 4. ...": numbered goals of the year
    own = next((k for k, pat in OWN_KIND if pat.match(body)), None)
    if own:
        kind = own
    out = []
    for off, part in _split_statements(body) if label else [(0, body)]:
        a = start + cut + off
        part = part.rstrip()
        project = _project_at(projects, a)
        out.append(Goal(text=unwrap(part), kind=PROJECT_KIND if project else kind, target=target_of(part, a, doc),
                        project=project.name if project else None, section=section, span=doc.span(a, a + len(part)),
                        layout="label" if label else layout))
    return out


def _cells(doc: Document, b: Block) -> list[list[tuple[int, int, str]]]:
    """Rows of cells of a table block, or of a markdown table written as '| a | b |' lines."""
    rows = []
    for line in b.lines:
        if line.text.strip().startswith("|"):
            cells, pos = [], line.start
            for part in line.text.split("|"):
                lead = len(part) - len(part.lstrip())
                cells.append((pos + lead, pos + lead + len(part.strip()), re.sub(r"\*\*", "", part.strip())))
                pos += len(part) + 1
            cells = cells[1:-1] if len(cells) > 2 else cells
            if not all(re.fullmatch(r":?-+:?", c[2]) for c in cells if c[2]):
                rows.append(cells)
        else:
            rows.append(cells_of(line))
    return rows


def _table_blocks(doc: Document, blocks: list[Block]) -> list[Block]:
    """Table blocks, and runs of '| ... |' lines (markdown tables the layout reads as paragraphs)."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "table":
            out.append(b)
        elif b.text(doc).strip().startswith("|") and b.text(doc).count("|") >= 3:
            if out and out[-1].kind == "pipe" and b.start <= out[-1].end + 1:
                out[-1] = Block("pipe", out[-1].start, b.end, out[-1].lines + b.lines)
            else:
                out.append(Block("pipe", b.start, b.end, list(b.lines)))
    return out


TABLE_GOAL = re.compile(r"^(?:\w+)?mål\b|^mål", re.I)
TABLE_INDICATOR = re.compile(r"indikator|mått\b|nyckeltal", re.I)
TABLE_TARGET = re.compile(r"målvärde|målnivå|mål\s+(?:19|20)\d{2}|nivå", re.I)


def from_tables(doc: Document, node: Node, kind: str, projects: list[Project]) -> list[Goal]:
    """A goal table: 'Mål | Indikator | Målvärde 2022', one goal a row."""
    out = []
    for b in _table_blocks(doc, node.blocks):
        rows = [r for r in _cells(doc, b) if r]
        if len(rows) < 2:
            continue
        head = [c[2].strip() for c in rows[0]]
        if not head or not TABLE_GOAL.match(head[0]):
            continue
        ind = next((i for i, h in enumerate(head) if i and TABLE_INDICATOR.search(h)), None)
        tgt = next((i for i, h in enumerate(head) if i and TABLE_TARGET.search(h)), None)
        if ind is None and tgt is None:
            continue
        for r in rows[1:]:
            a, e, t = r[0]
            if len(t.strip()) < 3:
                continue
            project = _project_at(projects, a)
            target = None
            if tgt is not None and tgt < len(r):
                target = target_of(r[tgt][2], r[tgt][0], doc)
            target = target or target_of(t, a, doc)
            out.append(Goal(text=unwrap(t), kind=PROJECT_KIND if project else kind, target=target,
                            indicator=r[ind][2].strip() or None if ind is not None and ind < len(r) else None,
                            project=project.name if project else None, section=node.title, span=doc.span(a, e),
                            layout="table"))
    return out


class _Spans:
    """Spans ``[start, end)`` to ask whether one of them holds an offset, as they are added: kept by
    start, so that only those starting less than the longest one's length before it are looked at."""

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.longest = 0
        for span in spans:
            self.add(span)

    def add(self, span: Span) -> None:
        i = bisect_right(self.starts, span.start)
        self.starts.insert(i, span.start)
        self.ends.insert(i, span.end)
        self.longest = max(self.longest, span.end - span.start)

    def holds(self, offset: int) -> bool:
        i = bisect_right(self.starts, offset) - 1
        while i >= 0 and self.starts[i] >= offset - self.longest:
            if offset < self.ends[i]:
                return True
            i -= 1
        return False


def from_run_in_labels(doc: Document, body_start: int, goals: list[Goal], projects: list[Project]) -> list[Goal]:
    """Goal labels inside running text (web transcripts): 'Övergripande mål: Förbundet ska ...',
    'Mål för 2012: - Minst 500 personer ... - Minst 30 procent ...'."""
    text = doc.text
    out: list[Goal] = []
    taken = _Spans(g.span for g in goals)  # the goals' spans and those of the goals found here
    for m in RUN_IN_LABEL.finditer(text, body_start):
        a = m.end()
        if taken.holds(a) or taken.holds(m.start()):
            continue
        if not m.group("label")[0].isupper():
            continue
        stop = RUN_IN_STOP.search(text, a)
        nxt = RUN_IN_LABEL.search(text, a)
        end = min(stop.start() if stop else len(text), nxt.start() if nxt else len(text))
        chunk = text[a:end]
        kind = kind_of(m.group("label")) or DEFAULT_KIND
        if chunk.startswith("- "):
            pieces = [(x.start(1), x.group(1)) for x in re.finditer(r"(?:^|\s)-\s+(.+?)(?=\s-\s|$)", chunk, re.S)]
        else:
            sent = re.search(r"[.!?](?=\s|$)", chunk)
            pieces = [(0, chunk[: sent.end()] if sent else chunk)]
        for off, piece in pieces:
            piece = piece.strip()
            if len(piece) < 10:
                continue
            g_start = a + off + (len(chunk[off:]) - len(chunk[off:].lstrip()))
            if taken.holds(g_start):
                continue
            project = _project_at(projects, g_start)
            out.append(Goal(text=unwrap(piece), kind=PROJECT_KIND if project else kind,
                            target=target_of(piece, g_start, doc), project=project.name if project else None,
                            span=doc.span(g_start, g_start + len(piece)), layout="run_in"))
            taken.add(out[-1].span)
    return out


TARGET_VALUE = re.compile(r"\bMålvärde(?:\s+(?:för\s+)?(?:19|20)\d{2})?\s*:\s*", re.I)


def _blocks_holding(tree: Tree, offsets: list[int]) -> set[int]:
    """Starts of the blocks of the tree's sections that hold one of ``offsets`` (a project head that
    starts inside a block stops that block too)."""
    blocks = sorted((b.start, b.end) for n in tree.walk() for b in n.blocks)
    starts = [a for a, _ in blocks]
    reach = list(accumulate((b for _, b in blocks), max))  # the furthest end of the blocks so far
    out: set[int] = set()
    for x in offsets:
        i = bisect_right(starts, x) - 1
        while i >= 0 and reach[i] > x:  # only blocks starting at or before x, while one may reach past it
            if blocks[i][1] > x:
                out.add(blocks[i][0])
            i -= 1
    return out


def extract(doc: Document, tree: Tree, projects: list[Project], content_start: int = 0) -> list[Goal]:
    goals: list[Goal] = []
    taken: set[int] = set()
    project_heads = {p.span.start for p in projects} | _blocks_holding(tree, [p.span.start for p in projects])
    for node in tree.walk():
        if node.start < content_start or not is_goal_heading(node.title):
            continue
        kind = _node_kind(node)
        table_goals = from_tables(doc, node, kind, projects)
        goals.extend(table_goals)
        last: Optional[Goal] = None
        for b in _statement_blocks(doc, node, project_heads):
            text = b.text(doc).strip()
            taken.add(b.start)
            ind = INDICATOR.match(text)
            if ind:
                if last is not None:
                    value = unwrap(text[ind.end() :])
                    last.indicator = f"{last.indicator}; {value}" if last.indicator else value
                    tv = TARGET_VALUE.search(text)
                    if last.target is None and tv:
                        last.target = target_of(text[tv.end():], b.start + tv.end(), doc)
                continue
            made = _make(doc, b.text(doc), b.start, kind, node.title, projects, "list" if b.kind == "list_item" else "paragraph")
            goals.extend(made)
            if made:
                last = made[-1]
    # "Mål: ...", "Mål 1. ...", "Finansiellt mål: ..." paragraphs outside goal sections
    for node in tree.walk():
        for b in _listlike(doc, node.blocks):
            if b.start in taken or b.start < content_start or b.kind not in ("paragraph", "list_item"):
                continue
            text = b.text(doc)
            if GOAL_LABEL.match(BULLET.sub("", text).lstrip()):
                made = _make(doc, text, b.start, _node_kind(node) if is_goal_heading(node.title) else DEFAULT_KIND,
                             node.title, projects)
                goals.extend(made)
                if made:
                    taken.add(b.start)
    # run-in labels in transcripts
    body = doc.text[content_start:]
    taken = _Spans(g.span for g in goals)
    for kind, word, pat in RUN_IN:
        for m in pat.finditer(body) if word in body else ():
            a = content_start + m.start("text")
            if taken.holds(a):
                continue
            made = _make(doc, m.group("text"), a, kind, None, projects, "run_in")
            goals.extend(made)
            for g in made:
                taken.add(g.span)
    goals.extend(from_run_in_labels(doc, content_start, goals, projects))
    goals.sort(key=lambda g: g.span.start)
    return goals


def attach(goals: list[Goal], projects: list[Project]) -> None:
    """Project.goals: the goals whose project is that project."""
    by_name = {p.name: p for p in projects}
    for g in goals:
        if g.project in by_name:
            by_name[g.project].goals.append(g)
