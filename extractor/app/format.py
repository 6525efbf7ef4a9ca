"""Output for people and programs: aligned tables, JSON and CSV records, the plan summary.

Every command prints through here, so kronor are written one way (:func:`extractor.vocab.numbers.format_sek`)
and records look the same whatever command made them.
"""
from __future__ import annotations

import csv
import io
import json

import click

from extractor.errors import printable
from extractor.vocab.numbers import format_sek as sek
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas import PlanDocument


def summary(plan: PlanDocument) -> str:
    out = [f"{plan.source.path}  ({plan.source.format}, sha256 {plan.source.sha256[:12]})"]
    if plan.association or plan.plan_year:
        out.append(f"  association: {plan.association or '?'}   plan year: {plan.plan_year or '?'}")
    figures = sum(len(r.cells) for t in plan.budget_tables for r in t.rows)
    out.append(f"  budget tables: {len(plan.budget_tables)}   figures: {figures}")
    for i, t in enumerate(plan.budget_tables):
        years = sorted({c.year for c in t.columns if c.year})
        out.append(f"    [{i}] {t.title[:60]!s}  unit={t.unit}  rows={len(t.rows)}  years={years}")
    errors = [f for f in plan.findings if f.severity == "error"]
    warnings = [f for f in plan.findings if f.severity == "warning"]
    out.append(f"  findings: {len(errors)} errors, {len(warnings)} warnings")
    for f in plan.findings:
        if f.severity != "info":
            out.append(f"    {f.severity}: {f.message}")
    out.append(f"  goals: {len(plan.goals)}   projects: {len(plan.projects)}")
    return "\n".join(out)



BUDGET_COLUMNS = ["association", "plan_year", "table", "label", "section", "year", "column", "amount_sek", "span"]
PROJECT_COLUMNS = ["association", "plan_year", "name", "owner", "amount_sek", "amount_kind", "start", "end", "layout",
                   "guessed", "target_group", "purpose"]
GOAL_COLUMNS = ["association", "plan_year", "kind", "text", "project", "target_raw"]
ASSOCIATION_COLUMNS = ["association", "plans", "files", "years", "members", "projects", "figures"]
FINDING_COLUMNS = ["association", "plan_year", "severity", "kind", "year", "label", "message"]
FAILURE_COLUMNS = ["path", "reason", "failed_at"]
AMOUNT_FIELDS = {"amount_sek", "stated", "computed"}
MAX_WIDTH = 40
WIDE_FIELDS = {"purpose", "text", "path", "members"}  # prose: allowed 70 characters
WIDE = 70
WHOLE_FIELDS = {"message", "reason"}  # what a finding or a failure says is shown whole


def figure_records(plan: PlanDocument) -> list[dict]:
    """The budget figures of one extracted plan as records, like `finsam budget` prints stored ones."""
    return [{"association": plan.association, "plan_year": plan.plan_year, "table": t.title, "label": r.label,
             "section": r.section, "role": r.role, "year": c.year, "column": c.column, "kind": c.kind,
             "amount_sek": c.amount_sek, "raw": c.raw, "unit": c.unit, "unit_source": c.unit_source,
             "span_start": c.span.start, "span_end": c.span.end, "page": c.span.page}
            for t in plan.budget_tables for r in t.rows for c in r.cells]


def show(records: list[dict], fmt: str, columns: list[str]) -> None:
    if fmt == "json":
        click.echo(json.dumps([tidy(r) for r in records], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(to_csv([tidy(r) for r in records]), nl=False)
    elif records:
        click.echo(to_table(records, columns))
    else:
        click.echo("(no rows)", err=True)


def tidy(record: dict) -> dict:
    """Whole-krona floats as ints (1624000, not 1624000.0)."""
    return {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in record.items()}


def to_csv(records: list[dict]) -> str:
    if not records:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()})
    return out.getvalue()


def table_value(key: str, record: dict) -> str:
    if key == "span":
        start, end = record.get("span_start"), record.get("span_end")
        return "" if start is None else f"{start}-{end}"
    value = record.get(key)
    if value is None:
        return ""
    if key in AMOUNT_FIELDS and isinstance(value, (int, float)):
        return sek(value)
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    text = printable(" ".join(str(value).split()))
    if key in WHOLE_FIELDS:
        return text
    width = WIDE if key in WIDE_FIELDS else MAX_WIDTH
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(records: list[dict], columns: list[str]) -> str:
    """Aligned columns; numbers and amounts to the right."""
    cells = [[table_value(c, r) for c in columns] for r in records]
    numeric = [
        all(isinstance(r.get(c), (int, float)) for r in records if r.get(c) is not None) and c != "span"
        for c in columns
    ]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(row) for row in cells)])


