"""The audit report: one PlanDocument and its canonical text -> one self-contained HTML page.

A person checks the extraction against the source on this page:

- findings first, each linking to the source span it is about;
- every budget table as a table, every cell linking to its figure in the text and back;
- projects and goals, each linking to its passage in the text and back;
- the canonical text itself (``white-space: pre-wrap``) with every figure marked
  (``<mark id="span-START-END">``, one per distinct figure span), projects and goals
  highlighted (``<span class="project">`` / ``<span class="goal">``).

Every piece of document text is escaped. Link labels (``P1``, ``G3``, page numbers)
are drawn by CSS from ``data-label`` attributes, so the text section's text content
is exactly the canonical text: offsets on the page are offsets in the document.
No scripts, no external resources. (``<pre>`` is opened with a newline, which HTML parsers
drop, so a text that begins with a newline keeps it.)
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Optional

from extractor.vocab.numbers import format_sek
from schemas import BudgetTable, Cell, Goal, PlanDocument, Project, Span

# Interval kinds, outermost first when two start and end at the same offsets.
# Figures are atomic: no other highlight may start or end inside one.
RANK = {"table": 0, "anchor": 1, "project": 2, "goal": 3, "figure": 4}

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #222; }
dd.guessed { background: #fff4d6; } dd.guessed em { color: #8a6100; font-size: .85em; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
.meta { color: #555; margin: 0 0 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1.2rem; }
th, td { border: 1px solid #ccc; padding: .15rem .5rem; vertical-align: top; }
td.amount, th.amount { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; } tr.header td { font-style: italic; background: #f6f6f6; }
.sev-error { background: #fde2e1; } .sev-warning { background: #fff4d6; } .sev-info { background: #eef4fb; }
td.flagged { outline: 2px solid #d33; }
a.flag { color: #d33; font-weight: 700; text-decoration: none; margin-left: .3rem; }
.small { font-size: .85em; color: #666; }
pre#text { white-space: pre-wrap; word-wrap: break-word; font: 13px/1.5 ui-monospace, monospace;
           background: #fcfcfc; border: 1px solid #ddd; padding: 1rem; tab-size: 8; }
mark.figure { background: #ffe98a; } mark.figure a { color: inherit; text-decoration: none; }
mark.figure.flagged { background: #ffb3ad; }
span.project { background: #dff3e3; } span.goal { background: #e3e8fb; }
span.anchor { outline: 1px dashed #d33; }
a.tag::before, small.where::after { content: attr(data-label); }
a.tag { font: 10px/1 system-ui, sans-serif; vertical-align: super; text-decoration: none;
        padding: 0 .2em; border-radius: .2em; margin-right: .1em; }
span.project > a.tag { background: #2e7d32; color: #fff; } span.goal > a.tag { background: #3949ab; color: #fff; }
small.where { font: 9px/1 system-ui, sans-serif; color: #777; vertical-align: sub; margin-left: .1em; }
:target { outline: 3px solid #e65100 !important; scroll-margin-top: 30vh; }
"""


# -- numbers and spans ---------------------------------------------------------------


def span_id(span: Span) -> str:
    return f"span-{span.start}-{span.end}"


def where(span: Optional[Span], digits: int = 1) -> str:
    """'p. 4, box 195.6 202.0 221.4 211.0' for PDF spans (the box in points: x0 top x1 bottom), '' for text."""
    if span is None or span.page is None:
        return ""
    text = f"p. {span.page}"
    if span.box:
        text += ", box " + " ".join(f"{v:.{digits}f}" for v in span.box)
    return text


def offsets(span: Optional[Span]) -> str:
    if span is None:
        return "no span"
    text = f"chars {span.start}–{span.end}"
    return f"{text}, {where(span)}" if span.page is not None else text


# -- what the page shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One budget cell, with its place in the tables: ``cell-T-R-C``."""

    table: int
    row: int
    col: int
    label: str
    cell: Cell

    @property
    def id(self) -> str:
        return f"cell-{self.table}-{self.row}-{self.col}"


def figures(plan: PlanDocument) -> list[Figure]:
    return [
        Figure(t, r, c, row.label, cell)
        for t, table in enumerate(plan.budget_tables)
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row.cells)
    ]


def all_goals(plan: PlanDocument) -> list[Goal]:
    """The plan's goals, then goals stated only inside a project (a goal listed in both counts once)."""
    seen = {(g.span.start, g.span.end, g.text) for g in plan.goals}
    extra = []
    for p in plan.projects:
        for g in p.goals:
            key = (g.span.start, g.span.end, g.text)
            if key not in seen:
                seen.add(key)
                extra.append(g.model_copy(update={"project": g.project or p.name}))
    return list(plan.goals) + extra


def first_figures(figs: list[Figure]) -> dict[tuple[int, int], Figure]:
    """Distinct figure spans -> the first cell with that span (the one its mark links to)."""
    out: dict[tuple[int, int], Figure] = {}
    for f in figs:
        out.setdefault((f.cell.span.start, f.cell.span.end), f)
    return out


def flagged_cells(plan: PlanDocument, figs: list[Figure]) -> dict[str, list[int]]:
    """Cell id -> indexes of the findings whose span is that cell's span."""
    by_span: dict[tuple[int, int], list[str]] = {}
    for f in figs:
        by_span.setdefault((f.cell.span.start, f.cell.span.end), []).append(f.id)
    out: dict[str, list[int]] = {}
    for i, finding in enumerate(plan.findings):
        if finding.span is not None:
            for cell_id in by_span.get((finding.span.start, finding.span.end), []):
                out.setdefault(cell_id, []).append(i)
    return out


# -- the text with its highlights ----------------------------------------------------------


@dataclass(eq=False)
class Interval:
    """One highlight over ``text[start:end]``. ``open_first`` carries the id and any link
    label; a highlight split to keep the HTML nested is reopened with ``open_again``."""

    start: int
    end: int
    kind: str
    open_first: str
    open_again: str
    close: str
    after: str = ""

    @property
    def sort_key(self) -> tuple:
        return (self.start, -self.end, RANK[self.kind])


def figure_interval(fig: Figure, flagged: bool) -> Interval:
    cell, span = fig.cell, fig.cell.span
    title = f"{fig.label} · {cell.column}: {format_sek(cell.amount_sek) or '–'} kr (printed {cell.raw!r} {cell.unit})"
    if span.page is not None:
        title += f" · {where(span)}"
    cls = "figure flagged" if flagged else "figure"
    opening = f'<mark id="{span_id(span)}" class="{cls}" title="{escape(title)}"><a href="#{fig.id}">'
    label = f'<small class="where" data-label="{escape(where(span, 0))}"></small>' if span.page is not None else ""
    return Interval(span.start, span.end, "figure", opening, f'<mark class="{cls}"><a href="#{fig.id}">',
                    "</a></mark>", after=label)


def record_interval(kind: str, number: int, name: str, span: Span) -> Interval:
    """A project or goal in the text: ``text-project-N``, its tag linking to ``project-N``."""
    label = ("P" if kind == "project" else "G") + str(number + 1)
    tag = (f'<a class="tag" href="#{kind}-{number}" data-label="{label}" '
           f'title="{escape(kind)} {label}: {escape(name)}"></a>')
    return Interval(span.start, span.end, kind, f'<span id="text-{kind}-{number}" class="{kind}">{tag}',
                    f'<span class="{kind}">', "</span>")


def plain_interval(kind: str, element_id: str, span: Span) -> Interval:
    return Interval(span.start, span.end, kind, f'<span id="{element_id}" class="{kind}">',
                    f'<span class="{kind}">', "</span>")


def snap(iv: Interval, atoms: list[tuple[int, int]]) -> Interval:
    """Move a highlight's ends out of any figure they fall inside, so figures stay whole."""
    for start, end in atoms:
        if start < iv.start < end:
            iv.start = start
        if start < iv.end < end:
            iv.end = end
    return iv


def intervals(plan: PlanDocument, text: str) -> list[Interval]:
    marks = first_figures(figures(plan))
    finding_spans = {(f.span.start, f.span.end) for f in plan.findings if f.span is not None}
    out = [figure_interval(f, key in finding_spans) for key, f in marks.items()]
    out += [plain_interval("table", f"text-table-{i}", t.span) for i, t in enumerate(plan.budget_tables)]
    anchors = {(f.span.start, f.span.end): f.span for f in plan.findings if f.span is not None}
    out += [plain_interval("anchor", span_id(s), s) for key, s in anchors.items() if key not in marks]
    out += [record_interval("project", i, p.name, p.span) for i, p in enumerate(plan.projects)]
    out += [record_interval("goal", i, g.text, g.span) for i, g in enumerate(all_goals(plan))]
    atoms = sorted(marks)
    limit = len(text)
    kept = []
    for iv in out:
        iv.start, iv.end = max(0, min(iv.start, limit)), max(0, min(iv.end, limit))
        if iv.start > iv.end:
            continue
        kept.append(iv if iv.kind == "figure" else snap(iv, atoms))
    return sorted(kept, key=lambda iv: iv.sort_key)


def highlight(text: str, ivs: list[Interval]) -> str:
    """Escaped text with properly nested highlights: a highlight that crosses another's end
    is closed and reopened around it (figures never are: nothing starts or ends inside one)."""
    starts: dict[int, list[Interval]] = {}
    for iv in ivs:
        starts.setdefault(iv.start, []).append(iv)
    bounds = sorted({iv.start for iv in ivs} | {iv.end for iv in ivs})
    out: list[str] = []
    stack: list[Interval] = []
    pos = 0
    for p in bounds:
        out.append(escape(text[pos:p]))
        pos = p
        if any(iv.end == p for iv in stack):
            reopen = []
            while any(iv.end == p for iv in stack):
                iv = stack.pop()
                out.append(iv.close)
                if iv.end == p:
                    out.append(iv.after)
                else:
                    reopen.append(iv)
            for iv in reversed(reopen):
                out.append(iv.open_again)
                stack.append(iv)
        for iv in starts.get(p, []):  # already outermost first
            out.append(iv.open_first)
            if iv.end == p:
                out.append(iv.close + iv.after)
            else:
                stack.append(iv)
    out.append(escape(text[pos:]))
    return "".join(out)


# -- sections of the page --------------------------------------------------------------------


def findings_html(plan: PlanDocument) -> str:
    if not plan.findings:
        return "<p>No findings: every total, result and split the audit checks adds up.</p>"
    rows = []
    for i, f in enumerate(plan.findings):
        links = []
        if f.span is not None:
            links.append(f'<a class="source" href="#{span_id(f.span)}">{escape(offsets(f.span))}</a>')
        if f.table is not None and 0 <= f.table < len(plan.budget_tables):
            links.append(f'<a class="table-link" href="#table-{f.table}">table {f.table + 1}</a>')
        rows.append(
            f'<tr id="finding-{i}" class="sev-{escape(f.severity)}"><td>{escape(f.severity)}</td>'
            f"<td>{escape(f.kind)}</td><td>{escape(f.message)}</td><td>{f.year or ''}</td>"
            f'<td class="amount">{format_sek(f.stated)}</td><td class="amount">{format_sek(f.computed)}</td>'
            f"<td>{' · '.join(links) or 'no source'}</td></tr>"
        )
    head = ("<tr><th>severity</th><th>kind</th><th>message</th><th>year</th>"
            '<th class="amount">stated</th><th class="amount">computed</th><th>source</th></tr>')
    return f'<table id="findings">{head}{"".join(rows)}</table>'


def column_slots(table: BudgetTable) -> list[str]:
    """Column headers: the table's columns, then any column a cell names that the table lacks;
    a column no cell fills is left out."""
    slots = [c.label for c in table.columns]
    used = [False] * len(slots)
    for row in table.rows:
        taken: set[int] = set()
        for cell in row.cells:
            i = next((i for i, s in enumerate(slots) if s == cell.column and i not in taken), None)
            if i is None:
                slots.append(cell.column)
                used.append(False)
                i = len(slots) - 1
            taken.add(i)
            used[i] = True
    return [s for s, u in zip(slots, used) if u]


def place(row_cells: list[Cell], slots: list[str]) -> list[Optional[int]]:
    """For each slot, the index of the row's cell under it (or None)."""
    placed: list[Optional[int]] = [None] * len(slots)
    for c, cell in enumerate(row_cells):
        i = next((i for i, s in enumerate(slots) if s == cell.column and placed[i] is None), None)
        if i is not None:
            placed[i] = c
    return placed


def cell_html(fig: Figure, findings: list[int]) -> str:
    cell = fig.cell
    shown = format_sek(cell.amount_sek) if cell.amount_sek is not None else cell.raw
    flags = "".join(cell.flags)
    title = f"printed {cell.raw!r} {cell.unit}; {offsets(cell.span)}"
    back = "".join(f'<a class="flag" href="#finding-{i}" title="finding {i + 1}">!</a>' for i in findings)
    cls = "amount flagged" if findings else "amount"
    return (f'<td id="{fig.id}" class="{cls}" title="{escape(title)}">'
            f'<a class="cell-link" href="#{span_id(cell.span)}">{escape(shown)}</a>{escape(flags)}{back}</td>')


def table_html(plan: PlanDocument, t: int, table: BudgetTable, flagged: dict[str, list[int]]) -> str:
    slots = column_slots(table)
    head = "".join(f'<th class="amount">{escape(s)}</th>' for s in slots)
    body = []
    for r, row in enumerate(table.rows):
        cells = []
        for c in place(row.cells, slots):
            if c is None:
                cells.append("<td></td>")
            else:
                fig = Figure(t, r, c, row.label, row.cells[c])
                cells.append(cell_html(fig, flagged.get(fig.id, [])))
        role = row.role or ("total" if row.is_total else "")
        label = escape(row.label) + (f' <span class="small">→ {escape(row.project)}</span>' if row.project else "")
        code = f'<span class="small">{escape(row.code)}</span> ' if row.code else ""
        body.append(f'<tr class="{escape(role)}" title="{escape(row.section)}; {escape(offsets(row.span))}">'
                    f"<td>{code}{label}</td>{''.join(cells)}</tr>")
    caption = (f'<h3>{t + 1}. {escape(table.title)} <span class="small">({escape(table.unit)}, {escape(table.layout)}; '
               f'<a href="#text-table-{t}">in the text</a>)</span></h3>')
    return (f'<section id="table-{t}">{caption}<table class="budget"><tr><th>row</th>{head}</tr>'
            f'{"".join(body)}</table></section>')


def project_html(i: int, p: Project) -> str:
    amount = f"{format_sek(p.amount_sek)} kr" if p.amount_sek is not None else p.amount_raw
    if amount and p.amount_kind == "total":
        amount += " (total for the period)"
    facts = [
        ("owner", "owner", p.owner), ("amount", "amount", amount),
        ("start", "period", p.start and p.start.isoformat()), ("end", "period", p.end and p.end.isoformat()),
        ("place", "place", p.place), ("target group", "", p.target_group), ("purpose", "", p.purpose),
        ("budget rows", "", ", ".join(p.budget_rows)),
    ]
    shown = "".join(
        f'<dt>{k}</dt><dd class="guessed" title="inferred, not stated plainly">{escape(str(v))} <em>(guessed)</em></dd>'
        if field in p.guessed else f"<dt>{k}</dt><dd>{escape(str(v))}</dd>"
        for k, field, v in facts if v)
    read = f" · read from {escape(p.layout)}" if p.layout else ""
    return (f'<li id="project-{i}"><a href="#text-project-{i}">P{i + 1}. {escape(p.name)}</a> '
            f'<span class="small">{escape(offsets(p.span))}{read}</span><dl>{shown}</dl></li>')


def goal_html(i: int, g: Goal) -> str:
    extra = [escape(g.kind)]
    if g.project:
        extra.append(f"project {escape(g.project)}")
    if g.target:
        extra.append(f"target {escape(g.target.raw)}")
    if g.indicator:
        extra.append(f"indicator {escape(g.indicator)}")
    if g.layout:
        extra.append(f"read from {escape(g.layout)}")
    return (f'<li id="goal-{i}"><a href="#text-goal-{i}">G{i + 1}. {escape(g.text)}</a> '
            f'<span class="small">{" · ".join(extra)} · {escape(offsets(g.span))}</span></li>')


def render(plan: PlanDocument, text: Optional[str] = None) -> str:
    """The whole page. ``text`` defaults to ``plan.text`` (the canonical text spans point into)."""
    text = plan.text if text is None else text
    if text is None:
        raise ValueError("the report needs the document's canonical text")
    figs = figures(plan)
    flagged = flagged_cells(plan, figs)
    goals = all_goals(plan)
    src = plan.source
    name = plan.association or src.path
    title = f"Audit: {name} {plan.plan_year or ''}".strip()
    errors = sum(f.severity == "error" for f in plan.findings)
    warnings = sum(f.severity == "warning" for f in plan.findings)
    meta = (f"{escape(src.path)} · {escape(src.format)} · sha256 {escape(src.sha256[:12])} · "
            f"{len(plan.budget_tables)} tables, {len(figs)} figures, {len(plan.projects)} projects, {len(goals)} goals · "
            f"{errors} errors, {warnings} warnings")
    tables = "".join(table_html(plan, t, table, flagged) for t, table in enumerate(plan.budget_tables))
    projects = "".join(project_html(i, p) for i, p in enumerate(plan.projects)) or "<li>none found</li>"
    goal_items = "".join(goal_html(i, g) for i, g in enumerate(goals)) or "<li>none found</li>"
    return f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">{meta}</p>
<p class="small">Click a finding, a table cell, a project or a goal to see its source in the text below;
click a highlight in the text to see what it became. Yellow: budget figures; green: projects; blue: goals.</p>
<h2 id="findings-heading">Findings</h2>
{findings_html(plan)}
<h2 id="tables">Budget tables</h2>
{tables or "<p>No budget tables.</p>"}
<h2 id="projects">Projects</h2>
<ol class="records">{projects}</ol>
<h2 id="goals">Goals</h2>
<ol class="records">{goal_items}</ol>
<h2 id="text-heading">Text</h2>
<pre id="text">
{highlight(text, intervals(plan, text))}</pre>
</body></html>
"""
