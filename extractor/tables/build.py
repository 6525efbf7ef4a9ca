"""Budget tables: layout blocks -> :class:`schemas.BudgetTable`.

Every physical form is first read into a :class:`~extractor.tables.grid.Grid` by its reader:

* ``lines``: tables whose rows are lines (tab-separated, markdown pipes, dot leaders, aligned with
  spaces; the PDF ingester writes its table rows as tab lines too), joined over page breaks here;
* ``flattened``: tables flattened onto one paragraph line by web transcripts;
* ``stacked``: tables printed one cell per line.

One function then classifies the grid's rows into sections and roles and builds the schema
objects, so the audit sees one shape whatever the form was.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import product
from typing import Callable, Optional

from extractor import vocab
from extractor.document import Document
from extractor.layout.blocks import Block
from extractor.vocab import numbers
from extractor.tables.grid import AMOUNT_KINDS, SETTINGS, Grid
from extractor.tables import lines
from extractor.tables.lines import grid_from_block
from schemas import BudgetRow, BudgetTable, Cell, Column

# -- row vocabulary, derived from the tables in ``vocab`` -------------------------------
LEGEND_RE = re.compile(r"(\*{1,3})\s*=\s*([a-zåäö]+)", re.I)
LEGEND_KINDS = vocab.LEGEND_KINDS

INCOME_RE = vocab.compile_words(vocab.INCOME_WORDS)
SECTION_WORDS = [(name, vocab.compile_words(words)) for name, words in vocab.SECTION_WORDS]
TOTAL_RE = re.compile("|".join([
    vocab.words_re("^" + w for w in vocab.TOTAL_WORDS),
    vocab.words_re(["=totalt", "=summa"]) + r"\s*$",
    vocab.words_re(vocab.TOTAL_PHRASES),
    vocab.words_re(["=totalt"]),
]), re.I)
OF_WHICH_RE = vocab.compile_words(vocab.OF_WHICH_WORDS)
OPENING_RE = vocab.compile_words(vocab.OPENING_WORDS)
CLOSING_RE = vocab.compile_words(vocab.CLOSING_WORDS)
RESULT_RE = vocab.compile_words(vocab.RESULT_WORDS)


def _any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that matches where any of ``patterns`` (all case-insensitive) matches."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.I)


ROLE_RE = _any_of([OF_WHICH_RE, TOTAL_RE, RESULT_RE, OPENING_RE, CLOSING_RE])  # a label with a role word
SECTION_RE = _any_of([rx for _, rx in SECTION_WORDS])  # a label with a section word

# classify reads a label in lower case, where the patterns above (their letters all lower case) match with
# case as they do case-blind, but several times faster (vocab.with_case, vocab.AS_CASE_BLIND)
_ROLE, _OF_WHICH, _TOTAL, _RESULT, _OPENING, _CLOSING, _SECTION = map(
    vocab.with_case, [ROLE_RE, OF_WHICH_RE, TOTAL_RE, RESULT_RE, OPENING_RE, CLOSING_RE, SECTION_RE])
_SECTION_WORDS = [(name, vocab.with_case(rx)) for name, rx in SECTION_WORDS]


# -- shared helpers -----------------------------------------------------------------
def plan_year_hint(doc: Document) -> Optional[int]:
    """The plan's year as its opening lines state it (used for tables with no year header)."""
    head = doc.text[:1500]
    m = re.search(r"(?:verksamhetsplan|budget)[^\n]{0,60}?((?:19|20)\d{2})", head, re.I)
    if m:
        return int(m.group(1))
    years = numbers.years_in(head)
    return Counter(years).most_common(1)[0][0] if years else None


CAPTION_START = vocab.CAPTION_START
NOT_A_TITLE = re.compile(r"kommentar|^noter?\b", re.I)


def caption_before(doc: Document, blocks: list[Block], index: int, limit: int = 3, reach: int = 8) -> tuple[str, str]:
    """(title, caption) from the blocks before a table: the nearest heading is the title,
    the text of the last few blocks the caption (where units and years are stated)."""
    texts: list[str] = []
    title = ""
    for n, b in enumerate(reversed(blocks[max(0, index - reach) : index])):
        if b.kind in ("table", "toc"):
            break
        t = lines.fold_spaces(b.text(doc))
        if n < limit:
            texts.append(t)
        if n == 0 and CAPTION_START.match(t) and len(t) < SETTINGS.caption_chars:
            title = t  # "Tabell 3. Resultatbudget 2025 ... (tkr)" names the table
            break
        if (b.kind == "heading" or (b.kind == "list_item" and len(t) < 60 and not t.endswith((".", ",")))) and len(t) < 120:
            if NOT_A_TITLE.search(t):
                continue  # "Budgetkommentar" heads the prose about the table, not the table
            title = t
            break
    texts.reverse()
    return title or (texts[-1][:90] if texts else ""), " ".join(texts)


def is_budget_grid(grid: Grid) -> bool:
    """Enough money in the value columns to call it a budget table."""
    amounts = sum(1 for r in grid.rows for i, v in r.values.items() if grid.columns[i].kind in AMOUNT_KINDS)
    labelled = sum(1 for r in grid.rows if r.values and not r.label.rstrip().endswith(":"))
    headed = any(c.label for c in grid.columns)
    # one figure under a field label ("Medel 2017   3 900 tkr") is a project's field, not a table
    return amounts >= 1 and (labelled >= 2 or (labelled >= 1 and headed)) and any(c.kind in AMOUNT_KINDS for c in grid.columns)


# -- classification -----------------------------------------------------------------------
def classify(label: str, has_values: bool, current: str, balance: bool) -> tuple[str, Optional[str]]:
    """(section, role) of a row from its label, the section it stands in and the table kind."""
    role: Optional[str] = None
    text = label.lower()
    words = text.translate(vocab.AS_CASE_BLIND)  # for the patterns with case (see vocab.AS_CASE_BLIND)
    if not has_values:
        role = "header"
    elif not _ROLE.search(words):  # none of the words below: only an empty label has a role
        role = None if label.strip() else "subtotal"
    elif _OF_WHICH.search(words):
        role = "of_which"
    elif not label.strip():
        role = "subtotal"
    elif _TOTAL.search(words):
        role = "total"
    elif _RESULT.search(words):
        role = "result"
    elif _OPENING.search(words):
        role = "opening"
    elif _CLOSING.search(words):
        role = "closing"
    section = current
    for name, rx in _SECTION_WORDS if _SECTION.search(words) else ():
        if rx.search(words):
            section = name
            break
    if balance and section == "income" and "tillgång" in text:
        section = "assets"
    if not balance and section == "assets" and role == "header":
        section = "income"  # "Tillgångar" heading the funds side of a plan budget
    if role in ("of_which",):
        section = current
    return section, role


@dataclass
class Memo:
    """What the tables built from one grid share: the rows read the same way (the audit reads rows, never
    changes them), and what each label and each unit is read as."""

    rows: dict[tuple, tuple[BudgetRow, str, bool]] = field(default_factory=dict)
    classes: dict[tuple, tuple[str, Optional[str]]] = field(default_factory=dict)  # classify's arguments -> result
    units: dict[str, tuple[Optional[int], str]] = field(default_factory=dict)  # unit -> (factor, normal name)


def build_table(doc: Document, grid: Grid, chosen: Optional[dict[int, int]] = None,
                memo: Optional[Memo] = None) -> BudgetTable:
    """The grid as a budget table, with the readings ``chosen`` of its ambiguous rows. Tables built
    from one grid with one ``memo`` share what they read the same way."""
    if memo is None:
        memo = Memo()
    unit = grid.unit or "kr"
    factor = numbers.unit_factor(unit) or 1
    unit_source = grid.unit_source if grid.unit else "document"
    columns = [Column(index=i, label=c.label, year=c.year, kind=c.kind,
                      span=doc.span(c.start, c.end) if c.start is not None else None)
               for i, c in enumerate(grid.columns) if c.kind in AMOUNT_KINDS]
    rows: list[BudgetRow] = []
    current = "cost" if not grid.balance else "assets"
    if not grid.balance and INCOME_RE.search(grid.caption):
        current = "income"  # a table of members' contributions
    opened = False
    for r_index, grow in enumerate(grid.rows):
        choice = chosen.get(r_index, 0) if chosen is not None and grow.alternatives else None
        key = (r_index, choice, current, opened)  # all a row's reading depends on
        if key in memo.rows:
            row, current, opened = memo.rows[key]
            rows.append(row)
            continue
        values = grow.values if choice is None else grow.alternatives[choice]
        how = (grow.label, bool(values) or grow.blank_cells > 0, current, grid.balance)
        if how not in memo.classes:
            memo.classes[how] = classify(*how)
        section, role = memo.classes[how]
        if role == "header":
            if section == current and opened and section in ("income",) and not INCOME_RE.search(grow.label):
                section = "cost"  # an unnamed group after the income block is a cost group
            current = section
            opened = True
        cells = []
        for idx, vc in sorted(values.items()):
            col = grid.columns[idx]
            if col.kind not in AMOUNT_KINDS:
                continue
            cell_unit, source = ((vc.amount.unit, "cell") if vc.amount.unit else (col.unit, "column") if col.unit
                                 else (unit, unit_source))
            if cell_unit not in memo.units:
                memo.units[cell_unit] = (numbers.unit_factor(cell_unit), numbers.normalise_unit(cell_unit))
            cell_factor, unit_name = memo.units[cell_unit]
            f = cell_factor or factor
            kind = grow.kind or col.kind
            for flag in vc.amount.flags:
                if flag in grid.legend:
                    kind = grid.legend[flag]
            cells.append(Cell(year=col.year, column=col.label or (str(col.year) if col.year else ""), kind=kind,
                              amount_sek=vc.amount.sek(f), raw=vc.amount.raw, unit=unit_name,
                              unit_source=source, flags=vc.amount.flags, span=doc.span(vc.start, vc.end)))
        if role is None and section == "income" and current == "cost" and not INCOME_RE.search(grow.label):
            section = "cost"
        row = BudgetRow(label=grow.label, code=grow.code, section=section, role=role,
                        is_total=role in ("total", "subtotal"), span=doc.span(grow.start, grow.end), cells=cells)
        rows.append(row)
        memo.rows[key] = (row, current, opened)
    return BudgetTable(title=grid.title or grid.caption[:90], unit=unit, layout=grid.layout,  # type: ignore[arg-type]
                       span=doc.span(grid.start, grid.end), columns=columns, rows=rows, doubts=grid.doubts)


Judge = Callable[[BudgetTable], tuple[int, int]]  # a table -> (errors, warnings) its arithmetic gives


def resolve(doc: Document, grid: Grid, judge: Judge) -> BudgetTable:
    """Pick, for rows whose digit run was ambiguous, the reading the table's own totals confirm:
    the one ``judge`` (the audit's arithmetic, passed in by the caller) finds fewest mistakes in."""
    ambiguous = [i for i, r in enumerate(grid.rows) if len(r.alternatives) > 1]
    if not ambiguous:
        return build_table(doc, grid)
    options = [range(len(grid.rows[i].alternatives)) for i in ambiguous]
    memo = Memo()
    best = None
    for n, combo in enumerate(product(*options)):
        if n >= SETTINGS.readings:
            break
        if best is not None and (0, 0, sum(combo)) >= best[0]:
            continue  # not even a reading without mistakes would score better than the best so far
        chosen = dict(zip(ambiguous, combo))
        table = build_table(doc, grid, chosen, memo)
        score = (*judge(table), sum(combo))
        if best is None or score < best[0]:
            best = (score, table)
    return best[1]


def text_regions(blocks: list[Block]) -> list[Block]:
    """Runs of consecutive text blocks holding a long paragraph: where flattened tables hide.

    A transcript may break a flattened table across paragraphs, so a run is searched whole."""
    regions: list[Block] = []
    run: list[Block] = []
    for b in blocks + [Block("end", 0, 0)]:
        if b.kind in ("paragraph", "list_item", "heading", "field"):
            run.append(b)
            continue
        if run and any(x.end - x.start > 200 for x in run):
            regions.append(Block("paragraph", run[0].start, run[-1].end, [l for x in run for l in x.lines]))
        run = []
    return regions


PAGE_MARK = re.compile(r"^\s*(?:sida|page|s\.)?\s*\d{1,3}(?:\s*(?:av|/|\()\s*\d{1,3}\)?)?\b", re.I)


def continues(doc: Document, blocks: list[Block], prev: int, cur: int, repeated: "RepeatedLines | set[str]") -> bool:
    """Does the table block ``cur`` continue the table block ``prev`` over a page break?

    It does when it has no header of its own, stands in the same physical form, and all that
    stands between them is page furniture: a page number ("Sida 3 av 4") or a line the document
    repeats (a running header, a breadcrumb)."""
    between = blocks[prev + 1 : cur]
    if len(between) > SETTINGS.page_break_blocks or lines.form_of(blocks[cur]) != lines.form_of(blocks[prev]):
        return False
    for b in between:
        if b.kind in ("table", "toc"):
            return False
        t = lines.fold_spaces(b.text(doc))
        if not (PAGE_MARK.match(t) or t in repeated):
            return False
    return not lines.has_header(blocks[cur])  # the dearest test last


class RepeatedLines:
    """The lines (spaces folded) a document holds more than once, tab lines aside; counted the
    first time one is asked for, as most documents never ask."""

    QUICK_TESTS = 8  # lines tested on the whole text before the lines are counted: a test reads the text

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._lines: Optional[set[str]] = None
        self._quick = 0

    def __contains__(self, text: str) -> bool:
        if self._lines is None and self._quick < self.QUICK_TESTS:  # a few, so that a long plan stays linear
            self._quick += 1
            words = text.split()
            if not words or self.doc.text.count(max(words, key=len)) < 2:
                return False  # a line held twice holds each of its words twice: most lines asked about end here
        if self._lines is None:
            counts = Counter(t for l in self.doc.lines if "\t" not in l.text and (t := lines.fold_spaces(l.text)))
            self._lines = {t for t, n in counts.items() if n > 1}
        return text in self._lines


def table_blocks(doc: Document, blocks: list[Block]) -> list[tuple[int, Block]]:
    """The table blocks, each joined with the blocks that continue it on the next page."""
    repeated = RepeatedLines(doc)
    out: list[tuple[int, Block]] = []
    last = None
    for i, block in enumerate(blocks):
        if block.kind != "table":
            continue
        if out and last is not None and continues(doc, blocks, last, i, repeated):
            first, joined = out[-1]
            out[-1] = (first, Block("table", joined.start, block.end, joined.lines + block.lines))
        else:
            out.append((i, block))
        last = i
    return out


DOCUMENT_UNIT = re.compile(rf"\b(?:belopp|siffror|summor)\b[^.\n]{{0,30}}?\bi\s+({numbers.UNIT_ALTERNATIVES})\b", re.I)
# where DOCUMENT_UNIT may match: its words, the first letter spelt out as re.I reads it ('ſ' is a long s),
# since a pattern that starts with a set of letters, not a case-blind one, is scanned for several times faster
UNIT_WORD = re.compile(r"[bBsSſ](?i:elopp|iffror|ummor)")


def document_unit(doc: Document) -> Optional[str]:
    """A unit the plan states for all its figures ('Alla belopp anges i tusentals kronor')."""
    for word in UNIT_WORD.finditer(doc.text):
        m = DOCUMENT_UNIT.match(doc.text, word.start())
        if m:
            return numbers.normalise_unit(m.group(1))
    return None


def parse_tables(doc: Document, blocks: list[Block], judge: Judge) -> list[BudgetTable]:
    """Every budget table in the document, in reading order; ``judge`` chooses between readings of an
    ambiguous table (see :func:`resolve`)."""
    from extractor.tables import flattened, stacked

    year_hint = plan_year_hint(doc)
    default = document_unit(doc)
    grids: list[Grid] = []
    for i, block in table_blocks(doc, blocks):
        title, caption = caption_before(doc, blocks, i)
        grid = grid_from_block(block, title, caption, year_hint)
        if grid and is_budget_grid(grid):
            grids.append(grid)
    for region in text_regions(blocks):
        grids.extend(g for g in flattened.grids_in(doc, region, year_hint) if is_budget_grid(g))
    for grid in stacked.grids_in(doc, year_hint):
        if is_budget_grid(grid) and not any(g.start < grid.end and grid.start < g.end for g in grids):
            grids.append(grid)
    tables: list[BudgetTable] = []
    for grid in grids:
        if not grid.unit and default:
            grid.unit, grid.unit_source = default, "document"
        tables.append(resolve(doc, grid, judge))
    tables.sort(key=lambda t: t.span.start)
    return tables
