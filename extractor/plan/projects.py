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
from bisect import bisect_right
import re
from collections import Counter
from typing import Optional

from extractor.document import Document
from extractor.layout.blocks import Block, cells_of
from extractor import vocab
from extractor.vocab import nlp, numbers
from extractor.layout.sections import FIELD_LABELS, YEAR_FIELD_LABELS, Node, Tree, field_label
from schemas import BudgetTable, Project

CONTAINER_PROJECT = re.compile(r"projekt|verksamhet|insats|aktivitet", re.I)
CONTAINER_GRANT = re.compile(r"beslut|bevilja|finansier", re.I)
# field label -> Project attribute (the one table of field labels is sections.FIELD_LABELS)
FIELD_ROLES: dict[str, str] = {label: role for label, role in FIELD_LABELS.items() if role and role != "goals"}
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


def _keys(name: str) -> set[str]:
    return {k for k in (name_key(name), name_key(re.sub(r"\([^)]*\)", " ", name))) if k}


GUESSABLE = {"amount_sek": "amount", "amount_raw": "amount", "amount_kind": "amount", "start": "period", "end": "period"}
MERGED_FIELDS = ("owner", "place", "start", "end", "amount_sek", "amount_raw", "amount_kind", "target_group",
                 "purpose", "contact")


def merge(found: list[Project]) -> list[Project]:
    """One project per name: the first reading found stays, later readings (an insats table, a budget
    row) fill the fields it lacks."""
    out: list[Project] = []
    for p in found:
        same = next((q for q in out if _keys(q.name) & _keys(p.name)), None)
        if same is None:
            out.append(p)
            continue
        filled = set()
        had_start = same.start is not None
        for f in MERGED_FIELDS:
            if getattr(same, f) in (None, "", []) and getattr(p, f) not in (None, "", []):
                if f == "end" and had_start:
                    continue
                setattr(same, f, getattr(p, f))
                filled.add(GUESSABLE.get(f, f))
        if same.start and same.end is None and p.start == same.start and p.end:
            same.end = p.end  # a period read whole elsewhere ("1 januari 2023 – 31" in a broken table row)
            filled.add("period")
        if not same.stakeholders and p.stakeholders:
            same.stakeholders = p.stakeholders
        same.guessed += [g for g in p.guessed if g in filled and g not in same.guessed]
    return sorted(out, key=lambda p: p.span.start)


def extract(doc: Document, tree: Tree, content_start: int = 0, places: Optional[list[str]] = None,
            year: Optional[int] = None) -> list[Project]:
    projects: list[Project] = []
    for c in containers(tree):
        if c.start < content_start:
            continue
        found = from_numbered(doc, c) or from_titles(doc, c) or from_bold(doc, c) or from_list_items(doc, c)
        for p in found:
            p.layout = p.layout or "fields"
        projects.extend(found)
    run_in = from_run_in(doc, content_start, places or [])
    for p in run_in:
        p.layout = "run_in"
    projects.extend(run_in)
    projects.sort(key=lambda p: p.span.start)
    projects.extend(from_fields(doc, tree, content_start, year))
    projects.extend(from_insats_tables(doc, tree, content_start, year))
    projects.extend(from_bullets(doc, tree, content_start, year))
    projects.extend(from_funded_list(doc, tree, content_start, year))
    projects.extend(from_prose(doc, tree, content_start, year))
    return merge([p for p in projects if name_key(p.name)])


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
            p.amount_kind = "year"
            if "amount" not in p.guessed:
                p.guessed.append("amount")


# -- every layout: field records, bullets, run-in lists, insats tables, prose ------------------

_YEAR = r"(?:19|20)\d{2}"


def _alternation(labels) -> str:
    return "|".join(sorted({re.escape(label).replace(r"\ ", r"[ \t]+") for label in labels}, key=len, reverse=True))


# "Huvudman: X", "Budget 2022: X", "Beviljat för 2012: X", "Huvudman      X" (aligned), "Huvudman:\nX",
# and a label with words after it before its colon: "Huvudman för insatsen: X", "Medel från förbundet 2022: X"
_QUALIFIER = r"(?P<{}>(?:[ \t]+(?!(?:19|20)\d{{2}}\b)[\wåäöÅÄÖ-]+){{1,3}}?)??"
# the first letters of the labels, tested before the labels themselves: most places in a text start none
_FIELD_FIRST = "".join(sorted({label[0].lower() for label in (*YEAR_FIELD_LABELS, *FIELD_LABELS)}))
FIELD_RE = re.compile(
    rf"(?<![\wåäöÅÄÖ-])(?=[{re.escape(_FIELD_FIRST)}])(?:(?P<ylabel>{_alternation(YEAR_FIELD_LABELS)}){_QUALIFIER.format('yqual')}"
    rf"(?:[ \t]+(?:för[ \t]+)?(?:år[ \t]+)?(?P<year>{_YEAR}))?"
    rf"|(?P<plabel>{_alternation(FIELD_LABELS)}){_QUALIFIER.format('pqual')})"
    rf"(?P<sep>[ \t]*:|[ \t]{{2,}}(?=\S)|[ \t]*(?=\n))", re.I)
PARAGRAPH_END = re.compile(r"\n[ \t]*\n")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
SECTION_NUMBER = re.compile(r"(?:^|\s)\d{1,2}(?:\.\d{1,2})+\.?\s+(?=[A-ZÅÄÖ])")
NOT_DECIDED = re.compile(
    r"\b(?:ej|inte|icke)\s+(?:ännu\s+)?beslutad\w*|\bunder\s+beredning\b|\bbereds\b|\bplanerad\w*\s+(?:insats|projekt|ansökan)\w*"
    r"|\bansökan\s+om\b|\bansökningar\b", re.I)
# headings of a plan's own parts, never the name of a project that has fields under it
PLAN_PART = re.compile(r"^(?:budget|resultatbudget|balansbudget|driftbudget|ekonomi|eget\s+kapital|resultat|balans"
                       r"|verksamhetsplan|inledning|sammanfattning|vision|mål|\w*mål|målgrupp\w*|organisation|styrelse"
                       r"|finansiellt|ekonomiskt|övergripande"
                       r"|uppföljning|förslag\s+till\s+beslut|beslut|medlemsbidrag|tabell)\b", re.I)
CONTAINER_TITLE = re.compile(r"^(?:\d[\d.]*\s*)?(?:[\wåäö]+\s+)?(?:insatser|projekt|verksamheter|aktiviteter)\b", re.I)
TOTAL_WORDS = re.compile(r"\b(?:totalt|sammanlagt|hela\s+(?:projekt)?(?:tiden|perioden)|för\s+perioden|under\s+perioden)\b", re.I)
TAIL_CHARS = 3000  # prose after a project's last field that still belongs to it, at most
MARKUP = re.compile(r"\*\*|__|^#+\s*|\s*#+$")
ITEM_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?:[•▪◦·*✓]|[-–](?=\s))[ \t]+")
PART_SPLIT = re.compile(r"[ \t]+[–—-][ \t]+")
OWNER_SENTENCE = re.compile(
    r"\b(?:(?:drivs|ägs|bedrivs|leds|genomförs)\s+av|(?:huvudman|projektägare)\s+(?:för\s+\w+\s+)?(?:är|blir))\s+"
    r"(?P<owner>[A-ZÅÄÖ][\wåäöÅÄÖ-]*(?:,?\s+(?:[A-ZÅÄÖ][\wåäöÅÄÖ-]*|(?:i|och)\s+(?=[A-ZÅÄÖ])[A-ZÅÄÖ][\wåäöÅÄÖ-]*"
    r"|läns\s+landsting|kommun|stad|landsting))*)")
FUNDING_VERB = re.compile(r"\b(?:finansier\w*|bevilja\w*|bidrar|bidra|avsätt\w*|budgeter\w*|tilldela\w*|medel)\b", re.I)


# FIELD_RE with case, for a text in lower case (vocab.lower_case): its letters are all lower case
_FIELD_CASED = vocab.with_case(FIELD_RE)


def _valid_field(text: str, m: re.Match) -> Optional[str]:
    """The role of a field label match (in ``text`` or in ``text`` in lower case), or None when it is
    no field here."""
    raw = text[m.start("ylabel"):m.end("ylabel")] if m.group("ylabel") else text[m.start("plabel"):m.end("plabel")]
    label = re.sub(r"\s+", " ", raw.lower())
    if not raw[0].isupper():
        return None
    role = FIELD_LABELS.get(label) if label in FIELD_LABELS else None
    year_role = YEAR_FIELD_LABELS.get(label)
    colon = ":" in m.group("sep")
    if role is None and label not in FIELD_LABELS:
        if not year_role or not (m.group("year") or colon):
            return None
        role = year_role
    elif m.group("year") and year_role:
        role = year_role
    if role is None:
        return "other"
    if (m.group("yqual") or m.group("pqual")) and not colon:
        return None
    if not colon:
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text[line_start:m.start()].strip():
            return None  # aligned or lone labels stand at the start of their line
    return role


def _field_matches(text: str, start: int) -> list[tuple[re.Match, str]]:
    """The field labels in ``text`` from ``start`` on, and their roles. The matches' groups are those
    of the text in lower case (``raw`` of a label is read from ``text``)."""
    low = vocab.lower_case(text)
    out = []
    for m in FIELD_RE.finditer(text, start) if low is None else _FIELD_CASED.finditer(low, start):
        role = _valid_field(text, m)
        if role:
            out.append((m, role))
    return out


def _clean_head(text: str) -> str:
    """'5.1 **Projektet "På väg"**' -> 'På väg'; 'Insats 1: Navigatorcentrum' -> 'Navigatorcentrum'."""
    t = re.sub(r"\s+", " ", MARKUP.sub("", text.strip())).strip()
    t = MARKUP.sub("", t).strip()
    t = re.sub(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+", "", t)
    q = re.search(r"[\"”“]([^\"”“]+)[\"”“]", t)
    if q:
        t = q.group(1)
    t = NAME_NOISE.sub("", t) if len(NAME_NOISE.sub("", t).split()) >= 1 and NAME_NOISE.match(t) else t
    t = re.sub(r"^(?:insats|projekt|delprojekt)\s+\d+\s*[:.–-]\s*", "", t, flags=re.I)
    return t.strip(" :–-")


def _heading_like(line: str) -> bool:
    t = _clean_head(line)
    return bool(t) and len(t.split()) <= 14 and not t.endswith((".", ",", ";", ":")) and t[0].isupper() \
        and "\t" not in line.strip() and not FIELD_RE.match(t + ":")


def _head_of(doc: Document, tree: Tree, a: int) -> Optional[tuple[str, int]]:
    """The name a record of fields starting at ``a`` belongs to, and where it stands."""
    text = doc.text
    line_start = text.rfind("\n", 0, a) + 1
    before = text[line_start:a]
    if before.strip():  # run-in: "6.1 Ungdomslotsen Angered Huvudman: ..."
        cut = 0
        for m in SENTENCE_END.finditer(before):
            cut = m.end()
        for m in SECTION_NUMBER.finditer(before, cut):
            cut = m.end()
        name = _clean_head(before[cut:])
        if name and len(name.split()) <= 14 and name[0].isupper():
            return name, line_start + cut + (len(before[cut:]) - len(before[cut:].lstrip()))
        return None
    # the nearest line above
    pos = line_start - 1
    for _ in range(4):
        if pos <= 0:
            break
        ls = text.rfind("\n", 0, pos) + 1
        line = text[ls:pos]
        pos = ls - 1
        if not line.strip():
            continue
        if _heading_like(line) and not CONTAINER_TITLE.match(_clean_head(line)):
            return _clean_head(line), ls + len(line) - len(line.lstrip())
        break
    node = tree.node_at(a)
    while node is not None and node.kind == "field":
        node = node.parent
    if node is not None and node.kind in ("numbered", "title", "upper") and not CONTAINER_TITLE.match(node.title):
        return _clean_head(node.title), node.start
    return None


def _first_line(value: str) -> str:
    v = value.strip()
    v = v.split("\n")[0]
    m = SENTENCE_END.search(v)
    if m and not re.match(r"\d", v[m.end():].strip()[:1] or "x"):
        v = v[: m.start()]
    return re.sub(r"\s+", " ", MARKUP.sub("", v)).strip(" .,;")


def _amount_of_value(value: str, label_year: Optional[int], year: Optional[int]) -> Optional[tuple[float, str, str]]:
    """(kronor, raw, kind) from a field value: 'X kr för hela projekttiden, varav Y kr under 2022' is Y
    for a 2022 plan; 'X kr totalt för projekttiden' is a total."""
    v = value.strip()
    first = re.split(r"\n[ \t]*\n", v)[0]
    sent = SENTENCE_END.search(first)
    clause = first[: sent.start()] if sent else first
    monies = nlp.money_in(clause)
    if not monies:
        return None
    if year is not None:
        for f in monies:
            before, after = clause[max(0, f.start - 15):f.start], clause[f.end:f.end + 30]
            if re.search(r"varav|därav|av\s+dessa", before, re.I) and re.search(rf"\b{year}\b", after):
                return f.value, f.text, "year"
    f = monies[0]
    total = bool(TOTAL_WORDS.search(clause)) and not label_year
    return f.value, f.text, "total" if total else "year"


def _set_amount(p: Project, found: Optional[tuple[float, str, str]]) -> None:
    if found and p.amount_sek is None:
        p.amount_sek, p.amount_raw, p.amount_kind = found


def _set_period(p: Project, value: str) -> None:
    if p.start or p.end:
        return
    f = nlp.period_of(value)
    if f:
        p.start, p.end = f.value


def _fill(p: Project, role: str, value: str, label_year: Optional[int], year: Optional[int]) -> None:
    if role == "owner" and not p.owner:
        p.owner = _first_line(value) or None
    elif role == "stakeholders" and not p.stakeholders:
        p.stakeholders = [s.strip(" .") for s in re.split(r",\s*|\s+och\s+|\s+samt\s+", _first_line(value)) if s.strip(" .")]
    elif role == "place" and not p.place:
        p.place = _first_line(value) or None
    elif role == "period":
        _set_period(p, value)
    elif role == "amount":
        _set_amount(p, _amount_of_value(value, label_year, year))
    elif role in ("target_group", "purpose") and not getattr(p, role):
        text = re.sub(r"\s+", " ", re.split(r"\n[ \t]*\n", value.strip())[0]).strip()
        setattr(p, role, text or None)
    elif role == "contact" and not p.contact:
        p.contact = _first_line(value) or None


def _excluded(doc: Document, tree: Tree, offset: int, text: str) -> bool:
    """Applications not yet decided, or anything under a heading that says so."""
    if NOT_DECIDED.search(text):
        return True
    node = tree.node_at(offset)
    return any(NOT_DECIDED.search(n.title) for n in (node.chain() if node else []))


def from_fields(doc: Document, tree: Tree, start: int, year: Optional[int]) -> list[Project]:
    """A name (numbered heading, title line, bold line, or run-in before the first label) followed by
    field lines: one field a line, a label and its value on separate lines, aligned in columns, or
    several fields in one sentence ("Huvudman: X. Projekttid: Y. Budget 2021: Z.")."""
    text = doc.text
    matches = _field_matches(text, start)
    records: list[list[tuple[re.Match, str, str]]] = []
    prev_end = None
    for i, (m, role) in enumerate(matches):
        nxt = matches[i + 1][0].start() if i + 1 < len(matches) else len(text)
        vstart = m.end()
        if m.group("sep").strip() == "" and text[vstart:vstart + 1] in ("\n", ""):
            vstart += 1
        line_end = text.find("\n", vstart)
        if not text[vstart:line_end if line_end >= 0 else len(text)].strip():
            # 'Huvudman\n\nKumla kommun': the value is the next line that is not blank
            nonblank = re.compile(r"\S").search(text, vstart)
            if nonblank and nonblank.start() < nxt:
                vstart = text.rfind("\n", 0, nonblank.start()) + 1
        para = PARAGRAPH_END.search(text, vstart if text[vstart:vstart + 1] != "\n" else vstart + 1)
        vend = min(nxt, para.start() if para else len(text))
        value = text[vstart:vend]
        gap = text[prev_end:m.start()] if prev_end is not None else "x"
        roles = {r for _, r, _ in records[-1]} if records else set()
        if not records or gap.strip() or (role in roles and role != "other"):
            records.append([])
        records[-1].append((m, role, value))
        prev_end = vend
    out = []
    heads: list[int] = []
    for rec in records:
        roles = {r for _, r, v in rec if v.strip()}
        core = roles & {"owner", "period", "amount"}
        if not ("owner" in core or len(core) >= 2):
            continue
        head = _head_of(doc, tree, rec[0][0].start())
        if head is None:
            continue
        name, head_start = head
        if field_label(name + ":") in FIELD_LABELS or len(name) < 2 or PLAN_PART.match(name) or ": " in name:
            continue
        values = " ".join(v for _, _, v in rec)
        if _excluded(doc, tree, head_start, name + " " + values[:300]):
            continue
        p = Project(name=name, span=doc.span(head_start, head_start + len(name)), layout="fields")
        for m, role, value in rec:
            if role != "other":
                _fill(p, role, value, int(m.group("year")) if m.group("year") else None, year)
        last = rec[-1]
        p.span = doc.span(head_start, _trim(doc, last[0].end() + len(last[2])))
        out.append(p)
        heads.append(head_start)
    # a project's span runs to the next heading that is not a field, or the next project's name
    heads_after = sorted(n.start for n in tree.walk() if n.kind != "field")
    for i, p in enumerate(out):
        limit = out[i + 1].span.start if i + 1 < len(out) else len(text)
        after = bisect_right(heads_after, p.span.start)
        end = heads_after[after] if after < len(heads_after) else len(text)
        end = max(min(end, limit, p.span.end + TAIL_CHARS), p.span.end)
        p.span = doc.span(p.span.start, _trim(doc, min(end, limit)))
    return out


def _join_item(doc: Document, i: int) -> tuple[str, int, int]:
    """A bullet line and its indented continuation lines."""
    lines = doc.lines
    first = lines[i]
    m = ITEM_BULLET.match(first.text)
    indent = len(m.group("indent"))
    parts, end = [first.text[m.end():]], first.end
    j = i + 1
    while j < len(lines) and lines[j].text.strip() and not ITEM_BULLET.match(lines[j].text) \
            and len(lines[j].text) - len(lines[j].text.lstrip()) > indent and "\t" not in lines[j].text:
        parts.append(lines[j].text.strip())
        end = lines[j].end
        j += 1
    return " ".join(p.strip() for p in parts), first.start + m.end(), end


def _classify_parts(p: Project, parts: list[str], year: Optional[int]) -> None:
    for part in parts:
        money = nlp.money_in(part)
        if money and p.amount_sek is None and len(part.split()) <= 8:
            _set_amount(p, _amount_of_value(part, None, year))
            continue
        period = nlp.period_of(part)
        if period and not (p.start or p.end):
            p.start, p.end = period.value
            continue
        if not p.owner and part[:1].isupper() and not re.search(r"\d", part):
            p.owner = part.strip(" .")


def _records(parts: list[str]) -> list[list[str]]:
    """Dash-separated parts cut into records: a record ends with its period, and a period followed
    by more words (two records run onto one line, as a PDF may print a list without its bullets)
    starts the next record with those words."""
    records: list[list[str]] = [[]]
    for part in parts:
        m = nlp.DAY_RANGE.match(part) or nlp.MONTH_RANGE.match(part)
        rest = part[m.end():].strip() if m else ""
        if m and rest[:1].isupper():
            records[-1].append(part[:m.end()])
            records.append([rest])
        else:
            records[-1].append(part)
    return [r for r in records if r]


def from_bullets(doc: Document, tree: Tree, start: int, year: Optional[int]) -> list[Project]:
    """'• Name – owner – 450 tkr – 2022-01-01–2023-12-31': a list item whose dash-separated parts
    are a name, an owner, an amount and a period. A line of such parts without its bullet (a PDF
    draws bullets as graphics) is one too when it holds both an amount and a period."""
    out = []
    for i, line in enumerate(doc.lines):
        bulleted = bool(ITEM_BULLET.match(line.text))
        if line.start < start or "\t" in line.text or not (bulleted or len(PART_SPLIT.findall(line.text)) >= 2):
            continue
        item, a, b = _join_item(doc, i) if bulleted else (line.text.strip(), line.start, line.end)
        for parts in _records([x.strip() for x in PART_SPLIT.split(item)]):
            if len(parts) < 3:
                continue
            name = _clean_head(parts[0])
            if not name or len(name.split()) > 12 or not name[0].isupper() or _excluded(doc, tree, a, item):
                continue
            at = doc.text.find(parts[0], a, b)
            p = Project(name=name, span=doc.span(at if at >= 0 else a, b), layout="bullets")
            _classify_parts(p, parts[1:], year)
            if not p.owner or (p.amount_sek is None and p.start is None) \
                    or (not bulleted and (p.amount_sek is None or (p.start is None and p.end is None))):
                continue
            out.append(p)
    return out


FUNDED_LIST = re.compile(
    r"följande(?:\s+[\wåäö-]+){0,2}?\s+(?:verksamheter|insatser|projekt|aktiviteter)\b[^:.\n]{0,80}:[ \t]*(?=\S)", re.I)


def _split_top(text: str) -> list[tuple[int, int]]:
    """Items of 'A (x, 1,2 Mkr), B (y) och C' split at commas and 'och'/'samt' outside parentheses."""
    out, depth, a, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = re.match(r",\s+|\s+(?:och|samt)\s+", text[i:])
            if m and (c == "," or c.isspace()):
                out.append((a, i))
                a = i + m.end()
                i = a
                continue
        i += 1
    out.append((a, len(text)))
    return [(x, y) for x, y in out if text[x:y].strip()]


def from_funded_list(doc: Document, tree: Tree, start: int, year: Optional[int]) -> list[Project]:
    """'Under 2019 finansierar förbundet följande insatser: A (Xköpings kommun, 1,2 Mkr), B (Region Y,
    800 tkr) och C.' The sentence must say the activities are funded or granted."""
    text = doc.text
    out = []
    for m in FUNDED_LIST.finditer(text, start):
        sent_start = max(text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        lead = text[sent_start:m.end()]
        if not FUNDING_VERB.search(lead) or NOT_DECIDED.search(lead):
            continue
        a = m.end()
        para_end = text.find("\n", a)
        para_end = len(text) if para_end < 0 else para_end
        rest = text[a:para_end]
        depth, end = 0, len(rest)
        for i, c in enumerate(rest):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and c in ".!?" and (i + 1 == len(rest) or rest[i + 1].isspace()):
                end = i
                break
        body = rest[:end]
        if "," not in body and "(" not in body:
            continue  # names running together: from_run_in reads those
        for x, y in _split_top(body):
            item = body[x:y].strip()
            im = re.match(r"^(?P<name>[^()]+?)\s*(?:\((?P<inner>[^()]*)\))?\s*$", item)
            if not im or NOT_DECIDED.search(item):
                continue
            name = _clean_head(im.group("name"))
            if not name or not name[0].isupper() or len(name.split()) > 12:
                continue
            p = Project(name=name, span=doc.span(a + x, a + x + len(item)), layout="run_in")
            if im.group("inner"):
                _classify_parts(p, [s.strip() for s in re.split(r",\s+", im.group("inner"))], year)
            out.append(p)
    return out


TABLE_NAME_HEAD = re.compile(r"^(?:insats|insatser|projekt|verksamhet|verksamheter|aktivitet|aktiviteter)\b", re.I)
TABLE_OWNER_HEAD = re.compile(r"^(?:huvudman|huvudmän|projektägare|ägare|utförare|anordnare)\b", re.I)
TABLE_PERIOD_HEAD = re.compile(r"^(?:period|projekttid|projektperiod|tidsperiod|tid)\b", re.I)
TABLE_AMOUNT_HEAD = re.compile(r"belopp|budget|beviljat|beviljade|medel|kostnad|bidrag|(?:19|20)\d{2}", re.I)
TABLE_TOTAL_HEAD = re.compile(r"^(?:totalt|total|summa)\b", re.I)
TOTAL_ROW = re.compile(r"^(?:summa|totalt|total|s:a)\b", re.I)


CELL_GAP = re.compile(r"\t|\||\s\s")  # what separates the cells of a table line (_split_cells)


def _split_cells(line: str) -> list[tuple[int, str]]:
    """(offset in line, text) of the cells of one table line: tabs, '|' or runs of spaces."""
    if "\t" in line:
        out, pos = [], 0
        for part in line.split("\t"):
            out.append((pos + len(part) - len(part.lstrip()), part.strip()))
            pos += len(part) + 1
        return out
    if line.strip().startswith("|"):
        out, pos = [], 0
        for part in line.split("|"):
            out.append((pos + len(part) - len(part.lstrip()), MARKUP.sub("", part.strip()).strip()))
            pos += len(part) + 1
        return out[1:-1] if len(out) > 2 else out
    return [(m.start(), m.group(0)) for m in re.finditer(r"\S(?:.*?\S)?(?=\s{2,}|$)", line)]


def from_insats_tables(doc: Document, tree: Tree, start: int, year: Optional[int]) -> list[Project]:
    """An insats table, 'Insats | Huvudman | Period | Belopp 2022': one project a row, with the owner,
    period and amount of its cells. Tab, pipe and space-aligned tables; a cell wrapped onto the next
    line (aligned under its column) continues its row."""
    lines = doc.lines
    out: list[Project] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.start < start or not CELL_GAP.search(line.text):
            i += 1
            continue  # a line without a tab, a pipe or two spaces in a row is one cell: no header
        head = _split_cells(line.text)
        texts = [t for _, t in head]
        if len(head) < 3 or not TABLE_NAME_HEAD.match(texts[0]) or not any(TABLE_OWNER_HEAD.match(t) for t in texts):
            i += 1
            continue
        col = {"name": 0}
        for k, t in enumerate(texts):
            if k and "owner" not in col and TABLE_OWNER_HEAD.match(t):
                col["owner"] = k
            elif k and "period" not in col and TABLE_PERIOD_HEAD.match(t):
                col["period"] = k
            elif k and TABLE_TOTAL_HEAD.match(t):
                col.setdefault("total", k)
            elif k and TABLE_AMOUNT_HEAD.search(t):
                if year is not None and str(year) in t or "amount" not in col:
                    col["amount"] = k
        caption = " ".join(l.text for l in lines[max(0, i - 2):i])
        unit_line = lines[i + 1].text if i + 1 < len(lines) else ""
        unit = numbers.find_unit(line.text) or (numbers.find_unit(unit_line) if not re.search(r"[a-zåäö]{5}", unit_line) else None) \
            or numbers.find_unit(caption) or "kr"
        factor = numbers.unit_factor(unit) or 1
        starts = [a for a, _ in head]
        spaced = "\t" not in line.text and not line.text.strip().startswith("|")
        rows: list[tuple[int, int, dict[int, str]]] = []
        j = i + 1
        while j < len(lines) and lines[j].text.strip():
            lt = lines[j].text
            if re.fullmatch(r"[\s|:-]+", lt):
                j += 1
                continue
            cells = _split_cells(lt)
            if spaced:
                placed: dict[int, str] = {}
                for a, t in cells:
                    k = max((k for k, s in enumerate(starts) if s <= a + 2), default=0)
                    placed[k] = (placed.get(k, "") + " " + t).strip()
            else:
                placed = {k: t for k, (_, t) in enumerate(cells) if t}
            amount_col = col.get("amount")
            wrapped = amount_col is not None and not placed.get(amount_col) and rows and rows[-1][2].get(amount_col) \
                and not (placed.get(col.get("owner", -1), "x")[:1].isupper())
            if rows and (0 not in placed or wrapped):
                for k, t in placed.items():  # a wrapped cell continues its row
                    before = rows[-1][2].get(k, "")
                    rows[-1][2][k] = (before + t if before.endswith("-") else before + " " + t).strip()
                rows[-1] = (rows[-1][0], lines[j].end, rows[-1][2])
            else:
                rows.append((lines[j].start, lines[j].end, placed))
            j += 1
        for a, b, cells in rows:
            name = _clean_head(cells.get(0, ""))
            if TOTAL_ROW.match(name):
                break  # what follows a total row is no longer the table's insatser
            if not name or not any(v for k, v in cells.items() if k):
                continue
            if name.casefold() == texts[0].strip().casefold():
                continue  # the header repeated where the table goes on after a page break
            if NOT_DECIDED.search(" ".join(cells.values())):
                continue
            p = Project(name=name, span=doc.span(a, b), layout="table")
            if "owner" in col and cells.get(col["owner"]):
                p.owner = re.sub(r"\s+", " ", cells[col["owner"]]).strip(" .")
            if "period" in col and cells.get(col["period"]):
                _set_period(p, cells[col["period"]])
            for key, kind in (("amount", "year"), ("total", "total")):
                if key in col and cells.get(col[key]) and p.amount_sek is None:
                    cell = numbers.parse_cell(cells[col[key]])
                    if isinstance(cell, numbers.Amount):
                        f = numbers.unit_factor(cell.unit) or factor
                        p.amount_sek, p.amount_raw, p.amount_kind = abs(float(cell.sek(f))), f"{cells[col[key]]} {unit}", kind
            if p.owner or p.amount_sek is not None:
                out.append(p)
        i = j
    return out


# a heading naming the projects a plan funds: "Insatser 2021", "Finansierade projekt", "Våra verksamheter"
PROSE_CONTAINER = re.compile(r"\b(?:\w*insats(?:er|erna|en)?|projekt(?:en|et)?|verksamheter(?:na)?|aktiviteter(?:na)?)\b", re.I)
PERIOD_CUE = re.compile(r"\b(?:period\w*|under|från|fr\.?o\.?m|mellan|pågår|löper|startar|avslutas)\b", re.I)


def from_prose(doc: Document, tree: Tree, start: int, year: Optional[int]) -> list[Project]:
    """A heading per project under a heading naming projects ('Insatser 2021'), with the owner and the
    amount in sentences: 'Projektet drivs av Arbetsförmedlingen ... förbundet bidrar med 650 000
    kronor under perioden 1 mars 2021 till 28 februari 2023'. Every field read so is marked guessed."""
    text = doc.text
    out = []
    def candidates(c: Node):
        yield from c.children
        # title headings one rank down nest only the first under the container: the next ones are
        # its siblings, as long as each is a project
        siblings = c.parent.children if c.parent else tree.roots
        if c.kind == "title" and c.children:
            for n in siblings[siblings.index(c) + 1:]:
                if n.kind != "title" or n.rank != c.rank:
                    break
                yield n

    for c in tree.walk():
        if c.kind == "field" or c.start < start or not PROSE_CONTAINER.search(c.title) or PLAN_PART.match(c.title):
            continue
        for n in candidates(c):
            sibling = n not in c.children
            name = _clean_head(n.title)
            if n.kind == "field" or PROSE_CONTAINER.fullmatch(name) or NOT_DECIDED.search(n.title) or not name \
                    or len(name.split()) > 12 or field_label(name + ":") in FIELD_LABELS or PLAN_PART.match(name):
                if sibling:
                    break
                continue
            body = text[n.heading_end:n.end]
            if any(r in ("owner", "amount") for _, r in _field_matches(body, 0)):
                continue  # a field record: from_fields reads it
            p = Project(name=name, span=doc.span(n.start, _trim(doc, n.end)), layout="prose")
            for s in nlp.sentences(body):
                o = OWNER_SENTENCE.search(s.text)
                if o and not p.owner:
                    p.owner = o.group("owner").strip(" ,")
                    p.guessed.append("owner")
                if p.amount_sek is None and FUNDING_VERB.search(s.text):
                    money = nlp.money_in(s.text)
                    if money:
                        _set_amount(p, _amount_of_value(s.text, None, year))
                        p.guessed.append("amount")
                if p.start is None and PERIOD_CUE.search(s.text):
                    _set_period(p, s.text)
                    if p.start is not None:
                        p.guessed.append("period")
            if (p.owner or p.amount_sek is not None) and not _excluded(doc, tree, n.start, body[:400]):
                out.append(p)
            elif sibling:
                break
    return out
