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
from typing import Optional

from extractor.document import Document
from extractor.layout import Block
from extractor.parse import nlp
from extractor.sections import Node, Tree
from schemas import Goal, Project, Target

GOAL_LEMMAS = {"mål", "målsättning", "vision", "verksamhetsmål", "målområde", "utvecklingsområde", "verksamhetsidé",
               "projektmål", "effektmål"}
HEAD_WINDOW = 3  # the goal word must be among the heading's first words
# kind -> lemmas in a heading that say it; the first kind that matches wins
KINDS: list[tuple[str, set[str]]] = [
    ("vision", {"vision", "verksamhetsidé"}),
    ("financial", {"finansiell", "ekonomisk"}),
    ("quantitative", {"kvantitativ"}),
    ("individual", {"individuell", "individ"}),
    ("goal_area", {"målområde"}),
    ("development_area", {"utvecklingsområde"}),
    ("overall", {"övergripande"}),
    ("operational", {"verksamhetsmål"}),
]
PROJECT_KIND = "project"
DEFAULT_KIND = "goal"
GOAL_LABEL = re.compile(r"^(?:Mål|Målsättning|Målsättningar|Projektmål|Effektmål)\s*:\s*(?=\S)")
INDICATOR = re.compile(r"^Indikator(?:er)?\s*:\s*", re.I)
RUN_IN = [
    ("vision", re.compile(r"\bVision:\s*(?P<text>[^.!?\n]{3,200}[.!?])")),
    # "Målområde 1: Att utveckla samverkanskultur och helhetstänkande En viktig ..." - the title ends
    # where a capitalised word starts the body
    ("goal_area", re.compile(r"\bMålområde\s+\d+:\s*(?!Aktiviteter)(?P<text>[A-ZÅÄÖ][^A-ZÅÄÖ\n]{3,200}?)(?=\s+[A-ZÅÄÖ]|$)")),
]
BULLET = re.compile(r"^\s*(?:[-–•*✓]\s*)+|^\s*\d{1,2}[.)]\s*")
TARGET = re.compile(
    r"(?:(?P<cmp>minst|högst|maximalt|max|över|under|mer än|fler än|mindre än|inte överstiga|understiga)\s+)?"
    r"(?<![\d–-])(?P<num>\d+(?:[,.]\d+)?)\s*(?P<unit>%|(?:procent|individer|personer|deltagare|handläggare|ungdomar|unga|elever|chefer)\b)",
    re.I,
)
COMPARATORS = {"minst": ">=", "över": ">", "mer än": ">", "fler än": ">", "högst": "<=", "maximalt": "<=", "max": "<=",
               "under": "<", "mindre än": "<", "inte överstiga": "<=", "understiga": "<"}


def heading_lemmas(title: str) -> list[str]:
    t = re.sub(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s*", "", title)
    return nlp.lemmas(t.replace("/", " "))


def is_goal_heading(title: str) -> bool:
    return any(l in GOAL_LEMMAS for l in heading_lemmas(title)[:HEAD_WINDOW])


def kind_of(title: str) -> Optional[str]:
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


def _clean(text: str) -> tuple[str, int]:
    """Statement text without bullet, number or goal label; and how many chars were cut."""
    m = BULLET.match(text)
    cut = m.end() if m else 0
    rest = text[cut:]
    lab = GOAL_LABEL.match(rest)
    if lab:
        cut += lab.end()
    return text[cut:].strip(), cut


def _statement_blocks(doc: Document, node: Node, stop_at: set[int]) -> list[Block]:
    blocks = []
    for b in node.blocks:
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


def _make(doc: Document, text: str, start: int, kind: str, section: Optional[str], projects: list[Project]) -> Optional[Goal]:
    body, cut = _clean(text)
    if len(body) < 3:
        return None
    a = start + cut
    project = _project_at(projects, a)
    return Goal(text=body, kind=PROJECT_KIND if project else kind, target=target_of(body, a, doc),
                project=project.name if project else None, section=section, span=doc.span(a, a + len(body)))


def extract(doc: Document, tree: Tree, projects: list[Project], content_start: int = 0) -> list[Goal]:
    goals: list[Goal] = []
    taken: set[int] = set()
    project_heads = {p.span.start for p in projects}
    # a project head that starts inside a block stops that block too
    for p in projects:
        for n in tree.walk():
            for b in n.blocks:
                if b.start <= p.span.start < b.end:
                    project_heads.add(b.start)
    for node in tree.walk():
        if node.start < content_start or not is_goal_heading(node.title):
            continue
        kind = _node_kind(node)
        last: Optional[Goal] = None
        for b in _statement_blocks(doc, node, project_heads):
            text = b.text(doc).strip()
            taken.add(b.start)
            ind = INDICATOR.match(text)
            if ind:
                if last is not None:
                    value = text[ind.end() :].strip()
                    last.indicator = f"{last.indicator}; {value}" if last.indicator else value
                continue
            g = _make(doc, b.text(doc), b.start, kind, node.title, projects)
            if g:
                goals.append(g)
                last = g
    # "Mål: ..." paragraphs outside goal sections
    for node in tree.walk():
        for b in node.blocks:
            if b.start in taken or b.start < content_start or b.kind not in ("paragraph", "list_item"):
                continue
            text = b.text(doc)
            if GOAL_LABEL.match(BULLET.sub("", text)):
                g = _make(doc, text, b.start, DEFAULT_KIND, node.title, projects)
                if g:
                    goals.append(g)
                    taken.add(b.start)
    # run-in labels in transcripts
    body = doc.text[content_start:]
    for kind, pat in RUN_IN:
        for m in pat.finditer(body):
            a = content_start + m.start("text")
            if any(g.span.start <= a < g.span.end for g in goals):
                continue
            g = _make(doc, m.group("text"), a, kind, None, projects)
            if g:
                goals.append(g)
    goals.sort(key=lambda g: g.span.start)
    return goals


def attach(goals: list[Goal], projects: list[Project]) -> None:
    """Project.goals: the goals whose project is that project."""
    by_name = {p.name: p for p in projects}
    for g in goals:
        if g.project in by_name:
            by_name[g.project].goals.append(g)
