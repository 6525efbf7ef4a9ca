"""BudgetTables -> Findings: the arithmetic of every table, checked against itself.

Checks, per value column:

* ``sum``: a total row against its parts. Which rows are its parts is read from the
  table's structure: the rows since the last total or heading, or, for a total that
  closes several groups (``Totala kostnader`` after two subtotals), the groups since
  an earlier heading, or the items of the section its label names.
* ``result``: a result row against income minus costs (costs printed positive or
  negative), or against the previous result plus what came after it.
* ``equity``: closing equity against opening equity plus the result; in a table whose
  rows are years, equity against last year's equity plus allocation minus outcome.
* ``carry_forward``: a year's opening balance against the previous year's closing.
* ``row_total``: a "Totalt" column against the year columns of its row.
* ``statutory_split``: members' contributions against the 50/25/25 split of the law.

A mismatch within what rounding can explain (half a unit of the table's unit per
figure in the computation) is a warning; beyond it an error. A total printed with
the opposite sign of its parts is a sign convention: info.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from extractor import vocab
from extractor.vocab import numbers
from schemas import BudgetRow, BudgetTable, Finding

Key = tuple[str, Optional[int]]

@dataclass(frozen=True)
class AuditSettings:
    """Every number the audit decides by, in one place."""

    rounding: float = 0.5  # a figure rounded to tkr or Mkr may be off by this share of its unit
    split_tolerance: float = 0.005  # members' shares this close to the law's 50/25/25 hold


SETTINGS = AuditSettings()
MEMBER_RES = [(group, vocab.compile_words(words)) for group, words in vocab.MEMBER_GROUPS]
STATUTORY_SPLIT = vocab.STATUTORY_SPLIT
SECTION_IN_LABEL = [(name, vocab.compile_words(words)) for name, words in vocab.SECTION_IN_TOTAL]
COST_ROW_RE = vocab.compile_words(vocab.OUTCOME_ROW_WORDS)
CLOSING_RESULT_RE = re.compile(r"medel till förfogande|utgång", re.I)
ACTUAL_ROW_RE = re.compile(r"\s*utfall", re.I)


@dataclass
class Item:
    row: int
    values: dict[Key, float]
    section: str
    role: Optional[str]
    consumed: bool = False


@dataclass
class Context:
    table: BudgetTable
    index: int
    factor: int
    findings: list[Finding] = field(default_factory=list)


def sek(v: float) -> str:
    return numbers.format_sek(v, unit=True)


def values_of(row: BudgetRow) -> dict[Key, float]:
    return {(c.column, c.year): c.amount_sek for c in row.cells if c.amount_sek is not None}


def cell_span(row: BudgetRow, key: Key):
    for c in row.cells:
        if (c.column, c.year) == key:
            return c.span
    return row.span


def compare(ctx: Context, row: BudgetRow, key: Key, stated: float, computed: float, n: int, kind: str,
            what: str, allow_flip: bool = True) -> None:
    """Record a finding when stated and computed differ."""
    # figures rounded to tkr or Mkr may be off by half a unit each; whole kronor are exact
    tolerance = SETTINGS.rounding * ctx.factor * max(n, 1) if ctx.factor > 1 else 0
    diff = stated - computed
    label = row.label or "(unlabelled subtotal)"
    year = key[1]
    where = f"{label} {year}" if year else f"{label} ({key[0] or 'value'})"
    if abs(diff) < 1e-6:
        return
    if allow_flip and abs(stated + computed) < 1e-6:
        ctx.findings.append(Finding(kind="sign_convention", severity="info", year=year, stated=stated, computed=computed,
                                    table=ctx.index, label=row.label, span=cell_span(row, key),
                                    message=f"{where}: printed {sek(stated)} while {what} give {sek(computed)} (sign convention)"))
        return
    severity = "warning" if abs(diff) <= tolerance else "error"
    ctx.findings.append(Finding(
        kind=kind, severity=severity, year=year, stated=stated, computed=computed, table=ctx.index, label=row.label,
        span=cell_span(row, key),
        message=f"{where}: stated {sek(stated)}, {what} give {sek(computed)} (difference {sek(diff)}"
                + (", within rounding)" if severity == "warning" else ")"),
    ))


def _fits(stated: dict[Key, float], items: list[Item], factor: int, signed_cost: Optional[bool] = None) -> bool:
    for key, value in stated.items():
        computed = _combine(items, key, signed_cost)
        tol = SETTINGS.rounding * factor * max(len(items), 1)
        if abs(value - computed) > tol and abs(value + computed) > tol:
            return False
    return True


def _combine(items: list[Item], key: Key, signed_cost: Optional[bool] = None) -> float:
    """Sum of items for one column; with signed_cost=False costs printed positive are subtracted."""
    total = 0.0
    for it in items:
        v = it.values.get(key)
        if v is None:
            continue
        total += -v if (signed_cost is False and it.section == "cost") else v
    return total


def check_sums_and_results(ctx: Context) -> None:
    rows = ctx.table.rows
    items: list[Item] = []
    markers: list[int] = []
    boundary = 0
    last_result = 0
    for r_index, row in enumerate(rows):
        stated = values_of(row)
        if row.role == "header":
            markers.append(len(items))
            boundary = len(items)
            continue
        if row.role == "of_which" or not stated:
            continue
        if row.role in ("total", "subtotal"):
            candidates = _sum_candidates(row, items, markers, boundary, last_result)
            chosen = next((c for c in candidates if _fits(stated, c, ctx.factor)), None)
            if chosen is None:
                chosen = candidates[0] if candidates else []
            if chosen:
                for key, value in stated.items():
                    present = [it for it in chosen if key in it.values]
                    compare(ctx, row, key, value, _combine(chosen, key), len(present), "sum", "its rows")
                for it in chosen:
                    it.consumed = True
            items.append(Item(r_index, stated, row.section, row.role))
            boundary = len(items)
        elif row.role == "result":
            pool = [it for it in items[last_result:] if not it.consumed]
            without_balance = [it for it in pool if it.role not in ("opening", "closing") and it.section != "equity"
                               or it.role == "result"]
            flows = [it for it in without_balance if it.section in ("income", "cost") or it.role == "result"]
            options = [(pool, True), (pool, False), (without_balance, True), (without_balance, False)]
            chosen = next(((p, s) for p, s in options if p and _fits(stated, p, ctx.factor, s)), None)
            if chosen is None and flows:
                # no reading fits: report against the income and costs, costs signed as printed
                negative_costs = any(v < 0 for it in without_balance if it.section == "cost" for v in it.values.values())
                chosen = (without_balance, negative_costs)
            # a result after nothing but balances (an equity table's "Årets resultat") is an input, not a sum
            if chosen:
                p, signed = chosen
                for key, value in stated.items():
                    present = [it for it in p if key in it.values]
                    compare(ctx, row, key, value, _combine(p, key, signed), len(present), "result",
                            "income and costs", allow_flip=False)
                for it in p:
                    it.consumed = True
            items.append(Item(r_index, stated, row.section, row.role))
            last_result = len(items) - 1
            boundary = len(items)
        elif row.role == "closing":
            opening = next((it for it in reversed(items) if it.role == "opening"), None)
            result = next((it for it in reversed(items) if it.role == "result"), None)
            if opening and result:
                for key, value in stated.items():
                    if key in opening.values and key in result.values:
                        compare(ctx, row, key, value, opening.values[key] + result.values[key], 2, "equity",
                                "opening equity and the result", allow_flip=False)
            items.append(Item(r_index, stated, row.section, row.role, consumed=True))
        else:
            items.append(Item(r_index, stated, row.section, row.role))


def _sum_candidates(row: BudgetRow, items: list[Item], markers: list[int], boundary: int, last_result: int) -> list[list[Item]]:
    seen: set[tuple[int, ...]] = set()
    out: list[list[Item]] = []

    def add(c: list[Item]) -> None:
        ids = tuple(id(it) for it in c)
        if c and ids not in seen:
            seen.add(ids)
            out.append(c)

    named = next((name for name, rx in SECTION_IN_LABEL if rx.search(row.label)), None)
    if named:
        add([it for it in items[last_result:] if not it.consumed and (it.section == named or
             (named == "cost" and it.section not in ("income", "equity", "result")))])
    add([it for it in items[boundary:] if not it.consumed])
    for m in reversed(markers):
        add([it for it in items[m:] if not it.consumed])
    add([it for it in items[last_result:] if not it.consumed])
    return out


def check_carry_forward(ctx: Context) -> None:
    rows = ctx.table.rows
    opening = [r for r in rows if r.role == "opening"]
    closing = [r for r in rows if r.role == "closing" or (r.role == "result" and CLOSING_RESULT_RE.search(r.label))]
    if not opening or not closing:
        return
    o, c = opening[0], closing[-1]
    closes = {cell.year: cell.amount_sek for cell in c.cells if cell.year and cell.amount_sek is not None}
    for cell in o.cells:
        if cell.year and cell.amount_sek is not None and (cell.year - 1) in closes:
            compare(ctx, o, (cell.column, cell.year), cell.amount_sek, closes[cell.year - 1], 1, "carry_forward",
                    f"the closing balance of {cell.year - 1} ({c.label}) would", allow_flip=False)


def check_equity_roll(ctx: Context) -> None:
    """Tables whose columns are years and rows are allocation, budget, outcome and equity."""
    rows = ctx.table.rows
    if any(r.role == "result" for r in rows):
        return
    equity = next((r for r in rows if r.role == "closing" and r.section == "equity"), None)
    income = next((r for r in rows if r.section == "income" and r.role is None), None)
    costs = [r for r in rows if COST_ROW_RE.search(r.label) and r.role is None]
    if not (equity and income and costs):
        return
    actual = next((r for r in costs if ACTUAL_ROW_RE.match(r.label)), costs[0])
    eq = {c.year: c.amount_sek for c in equity.cells if c.year and c.amount_sek is not None}
    inc = {c.year: c.amount_sek for c in income.cells if c.year and c.amount_sek is not None}
    out = {c.year: c.amount_sek for c in actual.cells if c.year and c.amount_sek is not None}
    for cell in equity.cells:
        y = cell.year
        if y and (y - 1) in eq and y in inc and y in out:
            compare(ctx, equity, (cell.column, y), cell.amount_sek, eq[y - 1] + inc[y] - out[y], 3, "equity",
                    f"{y - 1} equity + {income.label} - {actual.label}", allow_flip=False)


def check_row_totals(ctx: Context) -> None:
    """A 'Totalt' column against the year columns it covers: the years its header names
    ('Totalt 2013–2015'), else every year column when there are at least two."""
    for col in ctx.table.columns:
        if col.kind != "total" or col.year is not None:
            continue
        named = set(numbers.year_range(col.label)) if len(numbers.years_in(col.label)) >= 2 else set()
        for row in ctx.table.rows:
            cell = next((c for c in row.cells if c.column == col.label and c.amount_sek is not None), None)
            parts = [c for c in row.cells if c.year is not None and c.kind != "total" and c.amount_sek is not None
                     and (not named or c.year in named)]
            years = {c.year for c in parts}
            if cell is None or len(years) < 2 or (named and years != named):
                continue
            compare(ctx, row, (cell.column, cell.year), cell.amount_sek, sum(p.amount_sek for p in parts), len(parts),
                    "row_total", "its year columns")


def member_group(label: str) -> Optional[str]:
    return next((group for group, rx in MEMBER_RES if rx.search(label)), None)


def check_statutory_split(ctx: Context) -> None:
    by_year: dict[Optional[int], dict[str, float]] = {}
    spans = {}
    for row in ctx.table.rows:
        if row.is_total or row.section != "income":
            continue
        group = member_group(row.label)
        if not group:
            continue
        for c in row.cells:
            if c.amount_sek is not None and c.amount_sek > 0:
                by_year.setdefault(c.year, {}).setdefault(group, 0.0)
                by_year[c.year][group] += c.amount_sek
                spans.setdefault(c.year, row.span)
    for year, groups in by_year.items():
        if set(groups) != set(STATUTORY_SPLIT):
            continue
        total = sum(groups.values())
        shares = {g: v / total for g, v in groups.items()}
        off = {g: s for g, s in shares.items() if abs(s - STATUTORY_SPLIT[g]) > SETTINGS.split_tolerance}
        text = ", ".join(f"{g} {shares[g]:.1%}" for g in STATUTORY_SPLIT)
        ctx.findings.append(Finding(
            kind="statutory_split", severity="warning" if off else "info", year=year, table=ctx.index,
            stated=total, computed=None, span=spans.get(year),
            message=(f"members' contributions {year}: {text}; the law's split is 50 % state, 25 % region, 25 % municipalities"
                     + ("" if off else " (holds)")),
        ))


def audit_table(table: BudgetTable, index: int) -> list[Finding]:
    if table.doubts:
        # figures that could not be placed would make every sum look wrong: say so once, check nothing
        return [Finding(kind="unreadable_table", severity="info", table=index, span=table.span,
                        message=f"{table.title or 'table'}: figures not read with confidence ({'; '.join(table.doubts[:3])}); "
                                "its arithmetic is not checked")]
    ctx = Context(table, index, numbers.unit_factor(table.unit) or 1)
    check_sums_and_results(ctx)
    check_carry_forward(ctx)
    check_equity_roll(ctx)
    check_row_totals(ctx)
    check_statutory_split(ctx)
    return ctx.findings


def errors_in(table: BudgetTable) -> tuple[int, int]:
    """(errors, warnings) the table's arithmetic gives: how a reader chooses between readings."""
    findings = audit_table(table, 0)
    return sum(f.severity == "error" for f in findings), sum(f.severity == "warning" for f in findings)


def audit(tables: list[BudgetTable]) -> list[Finding]:
    findings: list[Finding] = []
    for i, table in enumerate(tables):
        findings.extend(audit_table(table, i))
    return findings
