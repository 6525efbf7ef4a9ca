"""Funded projects and activities, and the budget rows that fund them.

A plan lists what it funds under a heading naming projects/activities and a decision
("Beslutade projekt/verksamheter", "AKTIVITETER OCH INSATSER SOM BEVILJATS MEDEL",
"Finansiera ... projekt/verksamheter"). Under it a project is one of:

- a numbered section with field labels (Huvudman, Ort, Projektperiod, Kostnad, ...);
- a title "Projekt X" followed by its fields and its own budget table;
- a bold name (the ingester keeps ``**`` as ``doc.marks`` of kind "bold");
- a list item "Name. What it does ..." that speaks of a project;

or a run-in sentence "... följande verksamheter beviljats medel ...: A B C" whose names
run together (web transcripts). Names that are "ej ännu beslutade" are not granted.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Optional

from extractor.document import Document
from extractor.layout import Block, cells_of
from extractor.parse import nlp, numbers
from extractor.sections import Node, Tree, field_label
from schemas import BudgetTable, Project

CONTAINER_PROJECT = re.compile(r"projekt|verksamhet|insats|aktivitet", re.I)
CONTAINER_GRANT = re.compile(r"beslut|bevilja|finansier", re.I)
# field label -> Project attribute
FIELD_ROLES: dict[str, str] = {
    "huvudman": "owner", "projektägare": "owner", "ägare": "owner",
    "intressenter": "stakeholders",
    "ort": "place",
    "projektperiod": "period", "projekttid": "period", "projektid": "period", "period": "period",
    "finansiering": "amount", "kostnad": "amount",
    "målgrupp": "target_group",
    "syfte": "purpose",
    "kontaktperson": "contact", "kontakt": "contact",
}
INLINE_FIELD = re.compile(r"^(?P<label>[A-ZÅÄÖ][a-zåäö]+)\s*:\s*(?P<value>\S.*)$", re.S)
PROJECT_CUE = re.compile(r"\b(?:projekt\w*|förstudie\w*|verksamhet\w*|insats\w*|delprojekt\w*)\b", re.I)
OWNER_PHRASE = re.compile(r"\b(?:ägs|drivs)\s+av\s+(?P<owner>[A-ZÅÄÖ][\wåäöÅÄÖ-]*(?:\s+[A-ZÅÄÖ]?[\wåäöÅÄÖ-]+){0,3}?)(?=\s+(?:och|som|i|med)\b|[.,;])")
RENAMED = re.compile(r"(?:nu\s+heter|numera\s+heter|bytt\s+namn\s+till)\s+(?P<new>[A-ZÅÄÖ][\wåäöÅÄÖ-]*(?:\s+[A-ZÅÄÖ][\wåäöÅÄÖ-]*)*)")
GRANTED_LIST = re.compile(
    r"följande\s+(?:verksamheter|insatser|projekt|aktiviteter)\s+(?:har\s+)?(?:beviljats|beslutats|fått)[^:.]*:\s*", re.I)
NOT_GRANTED = re.compile(r"ej\s+ännu\s+beslutade|inte\s+(?:ännu\s+)?beslutade|ej\s+beslutade", re.I)
NAME_NOISE = re.compile(r"^(?:projektet|projekt|delprojektet|insatsen)\s+", re.I)
# tokens that say nothing about which project a budget row funds
GENERIC_TOKENS = {"projekt", "projektet", "insats", "insatser", "verksamhet", "och", "i", "för", "av", "med"}
BULLET = re.compile(r"^\s*(?:[-–•*✓]\s*)+")


# -- small helpers --------------------------------------------------------------------


def clean_name(title: str) -> str:
    """'Projektet "På väg"' -> 'På väg'; 'IPS(Individual ...)' -> 'IPS'; 'IRIS.' -> 'IRIS'."""
    t = title.strip()
    q = re.search(r"[\"”“]([^\"”“]+)[\"”“]", t)
    if q:
        return q.group(1).strip()
    t = re.sub(r"\s*\(.*?\)\s*", " ", t).strip()
    t = re.sub(r"\s*\(.*$", "", t).strip()
    t = NAME_NOISE.sub("", t).strip(" .,:;–-")
    return t[:1].upper() + t[1:]


def name_key(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.lower()))


def _block_texts(doc: Document, blocks: list[Block]) -> list[str]:
    return [BULLET.sub("", b.text(doc)).strip() for b in blocks if b.kind not in ("table", "toc") and b.text(doc).strip()]


def _fields(node: Node) -> list[Node]:
    return [c for c in node.children if c.kind == "field"]


def _apply_field(p: Project, role: str, values: list[str], offset_text: str = "") -> None:
    if not values:
        return
    first = values[0].strip().rstrip(".")
    if role == "owner" and not p.owner:
        p.owner = first
    elif role == "stakeholders" and not p.stakeholders:
        sentence = re.split(r"\.\s", values[0])[0]
        p.stakeholders = [s.strip(" .") for s in re.split(r",\s*|\s+och\s+|\s+samt\s+", sentence) if s.strip(" .")]
    elif role == "place" and not p.place:
        p.place = first
    elif role == "period" and not p.start:
        for v in values:
            ranges = nlp.date_ranges(v)
            if ranges:
                p.start, p.end = ranges[0].value
                break
    elif role == "amount" and p.amount_sek is None:
        value = nlp.amount_of(values[0])
        if value is not None:
            p.amount_sek, p.amount_raw = value, values[0].strip()
    elif role == "target_group" and not p.target_group:
        p.target_group = " ".join(values)
    elif role == "purpose" and not p.purpose:
        p.purpose = " ".join(values)
    elif role == "contact" and not p.contact:
        p.contact = first


def _table_total(doc: Document, blocks: list[Block]) -> Optional[tuple[float, str]]:
    """The last figure of a total row ("Totalt", "Total", "Summa") in a project's own table."""
    for b in blocks:
        if b.kind != "table":
            continue
        for line in b.lines:
            cells = cells_of(line)
            if not cells or not re.match(r"^(?:total|totalt|summa)\b", cells[0][2].strip(), re.I):
                continue
            for _, _, raw in reversed(cells[1:]):
                cell = numbers.parse_cell(raw)
                if isinstance(cell, numbers.Amount):
                    return abs(float(cell.sek(numbers.unit_factor(cell.unit) or 1))), raw.strip()
    return None


def _fill_from_blocks(doc: Document, p: Project, blocks: list[Block]) -> None:
    for text in _block_texts(doc, blocks):
        m = INLINE_FIELD.match(text)
        if m and m.group("label").lower() in FIELD_ROLES:
            _apply_field(p, FIELD_ROLES[m.group("label").lower()], [m.group("value")])
        if not p.owner:
            o = OWNER_PHRASE.search(text)
            if o:
                p.owner = o.group("owner").strip()


# -- the four layouts ---------------------------------------------------------------------


def containers(tree: Tree) -> list[Node]:
    return [n for n in tree.walk() if n.kind != "field" and CONTAINER_PROJECT.search(n.title) and CONTAINER_GRANT.search(n.title)]


def _node_blocks(node: Node) -> list[Block]:
    out = []
    for n in node.walk():
        out.extend(n.blocks)
    return sorted(out, key=lambda b: b.start)


def from_numbered(doc: Document, container: Node) -> list[Project]:
    out = []
    for n in container.children:
        if n.kind != "numbered":
            continue
        p = Project(name=clean_name(n.title), span=doc.span(n.start, _trim(doc, n.end)))
        for f in _fields(n):
            role = FIELD_ROLES.get(field_label(f.title + ":") or "")
            if role:
                _apply_field(p, role, _block_texts(doc, f.blocks))
        _fill_from_blocks(doc, p, n.blocks)
        if p.amount_sek is None:
            total = _table_total(doc, _node_blocks(n))
            if total:
                p.amount_sek, p.amount_raw = total
        out.append(p)
    return out


def from_titles(doc: Document, container: Node) -> list[Project]:
    """'Projekt Samansvar' and the sibling sections after it (Syfte, Målgrupp, Projekt mål, ...)."""
    out = []
    kids = container.children
    for i, n in enumerate(kids):
        if n.kind not in ("title", "field") or not re.match(r"^projekt\s+\S", n.title, re.I) or field_label(n.title):
            continue
        if re.match(r"^projekt\s+mål", n.title, re.I):
            continue
        end_i = next((j for j in range(i + 1, len(kids)) if re.match(r"^projekt\s+(?!mål)\S", kids[j].title, re.I)), len(kids))
        end = kids[end_i].start if end_i < len(kids) else container.end
        p = Project(name=clean_name(n.title), span=doc.span(n.start, _trim(doc, end)))
        scope = [n] + kids[i + 1 : end_i]
        for s in scope:
            for f in [s] + _fields(s):
                role = FIELD_ROLES.get(field_label(f.title) or "")
                if role:
                    _apply_field(p, role, _block_texts(doc, f.blocks))
        blocks = [b for s in scope for b in _node_blocks(s)]
        _fill_from_blocks(doc, p, blocks)
        if p.amount_sek is None:
            total = _table_total(doc, blocks)
            if total:
                p.amount_sek, p.amount_raw = total
        out.append(p)
    return out


def from_bold(doc: Document, container: Node) -> list[Project]:
    marks = [m for m in doc.marks_in(container.heading_end, container.end, "bold")]
    blocks = [b for b in _node_blocks(container) if b.kind in ("list_item", "paragraph")]
    if not marks:
        return []

    def block_of(offset: int) -> Optional[Block]:
        return next((b for b in blocks if b.start <= offset < b.end), None)

    heads = []
    for m in marks:
        b = block_of(m.start)
        if b is None:
            continue
        name = doc.text[m.start : m.end].strip(" .,:;")
        if not name:
            continue
        rest = doc.text[m.end : b.end]
        renamed = RENAMED.search(rest[:120])
        start = m.start
        if renamed and not any(doc.marks_in(m.end, m.end + renamed.start(), "bold")):
            name = renamed.group("new").strip()
        heads.append((name, start, b))
    out = []
    for i, (name, start, b) in enumerate(heads):
        later = [h for h in heads[i + 1 :] if h[2] is not b]
        end = later[0][2].start if later else container.end
        if any(h[2] is b for h in heads[i + 1 :]):
            end = b.end
        p = Project(name=name, span=doc.span(start, _trim(doc, end)))
        in_span = [x for x in blocks if start <= x.start < end or x is b]
        _fill_from_blocks(doc, p, in_span)
        out.append(p)
    return out


def from_list_items(doc: Document, container: Node) -> list[Project]:
    out = []
    items = [b for b in container.blocks if b.kind == "list_item"]
    for b in items:
        text = BULLET.sub("", b.text(doc)).strip()
        m = re.match(r"^(?P<name>[^.]{1,60}?)\.\s+(?P<body>.+)$", text)
        if not m or len(m.group("name").split()) > 4:
            continue
        name, body = m.group("name"), m.group("body")
        if not (NAME_NOISE.match(name + " ") or PROJECT_CUE.search(body[:80])):
            continue
        out.append(Project(name=clean_name(name), span=doc.span(b.start, b.end)))
    return out


def split_run_in(names: str, places: list[str]) -> list[tuple[int, int]]:
    """Split names that run together: 'Samverkansteam Avesta Samverkansteam Säter Grundutbildning i ...'.

    A new name starts at a capitalised word that follows a closing parenthesis, a
    lower-case word that is not a function word, a place name, or that repeats the
    first word of an earlier name. A capitalised word after a capitalised word or a
    function word ("till Studieförbundet") continues the name.
    """
    tokens = list(re.finditer(r"\([^)]*\)|[^\s()]+", names))
    starts = [0] if tokens else []
    heads = {tokens[0].group(0)} if tokens else set()
    place_set = {p.lower() for p in places}
    for prev, tok in zip(tokens, tokens[1:]):
        w, pw = tok.group(0), prev.group(0)
        if not w[:1].isupper():
            continue
        if w.lower() in place_set:
            continue
        new = (
            pw.endswith(")")
            or (pw[:1].islower() and not nlp.is_stop(pw))
            or pw.lower() in place_set
            or w in heads
        )
        if new:
            starts.append(tok.start())
            heads.add(w)
    bounds = starts + [len(names)]
    return [(a, len(names[a:b].rstrip()) + a) for a, b in zip(bounds, bounds[1:])]


def from_run_in(doc: Document, start: int, places: list[str]) -> list[Project]:
    out = []
    for m in GRANTED_LIST.finditer(doc.text, start):
        a = m.end()
        para_end = doc.text.find("\n", a)
        para_end = len(doc.text) if para_end < 0 else para_end
        rest = doc.text[a:para_end]
        stop = NOT_GRANTED.search(rest)
        if stop:
            # back up to the start of the sentence saying what is not granted
            caps = [c.start() for c in re.finditer(r"(?<=\s)[A-ZÅÄÖ]", rest[: stop.start()])]
            end = caps[-1] if caps else stop.start()
        else:
            dot = re.search(r"[.!?](?:\s|$)", rest)
            end = dot.start() if dot else len(rest)
        for s, e in split_run_in(rest[:end], places):
            name = rest[s:e].strip()
            if name:
                out.append(Project(name=name, span=doc.span(a + s, a + e)))
    return out


def _trim(doc: Document, end: int) -> int:
    while end > 0 and doc.text[end - 1].isspace():
        end -= 1
    return end


def extract(doc: Document, tree: Tree, content_start: int = 0, places: Optional[list[str]] = None) -> list[Project]:
    projects: list[Project] = []
    for c in containers(tree):
        if c.start < content_start:
            continue
        found = from_numbered(doc, c) or from_titles(doc, c) or from_bold(doc, c) or from_list_items(doc, c)
        projects.extend(found)
    projects.extend(from_run_in(doc, content_start, places or []))
    seen, out = set(), []
    for p in sorted(projects, key=lambda p: p.span.start):
        key = name_key(p.name)
        if key and key not in seen:
            seen.add(key)
            out.append(p)
    return out


# -- budget rows ----------------------------------------------------------------------------


def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"\w+", text.lower()) if t not in GENERIC_TOKENS}


def link_budget_rows(projects: list[Project], tables: list[BudgetTable]) -> None:
    """Fill Project.budget_rows and BudgetRow.project: a row funds the project whose name's
    tokens all occur in the row label (or the other way round); where several do, the one
    sharing the rarest tokens ("IRIS USB" is USB, not IRIS, when IRIS heads many rows)."""
    rows = [r for t in tables for r in t.rows if not r.is_total and r.role not in ("total", "subtotal", "result")]
    if not rows or not projects:
        return
    df = Counter(tok for r in rows for tok in _tokens(r.label))
    n = len(rows)

    def idf(tok: str) -> float:
        return math.log((n + 1) / (df.get(tok, 0) + 0.5))

    names = [(p, _tokens(p.name)) for p in projects]
    for r in rows:
        label = _tokens(r.label)
        if not label:
            continue
        best, best_score = None, 0.0
        for p, toks in names:
            # the name inside the label, or the label inside the name covering most of it
            if not toks or not (toks <= label or (label <= toks and 2 * len(label) >= len(toks))):
                continue
            score = sum(idf(t) for t in toks & label)
            if score > best_score:
                best, best_score = p, score
        if best is not None:
            r.project = best.name
            if r.label not in best.budget_rows:
                best.budget_rows.append(r.label)


def amounts_from_budget(projects: list[Project], tables: list[BudgetTable], year: Optional[int]) -> None:
    """A project whose text states no amount gets the plan year's figure of the budget rows that fund it.

    A linked row that heads a group of rows (a cost centre such as ``35 000 Samverkansteam Avesta``)
    stands for the group's total row. ``amount_raw`` says where the amount comes from."""
    if year is None:
        return
    for p in projects:
        if p.amount_sek is not None:
            continue
        total, raws = 0.0, []
        for table in tables:
            for i, row in enumerate(table.rows):
                if row.project != p.name:
                    continue
                source = row
                if row.role == "header":
                    source = next((r for r in table.rows[i + 1 :] if r.is_total and (r.code == row.code or not row.code)), row)
                for cell in source.cells:
                    if cell.year == year and cell.amount_sek is not None and cell.kind != "total":
                        total += abs(cell.amount_sek)
                        raws.append(f"{cell.raw} {cell.unit} ({row.label}, budget {year})")
        if raws:
            p.amount_sek = int(total) if float(total).is_integer() else total
            p.amount_raw = "; ".join(raws)
