"""finsam: the command line, and ``run(path)``: the whole walk of one document.

    ingest -> layout -> parse (budget, metadata, goals, projects) -> audit -> PlanDocument

Only this module knows about the CLI; stages never print.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from extractor import audit, layout
from extractor.errors import ExtractionError, NotAPlan
from extractor.ingest import load
from extractor.parse import budget
from schemas import PlanDocument

DEFAULT_DB = "finsam.db"


def run(path: str | Path) -> PlanDocument:
    """Read one plan and return everything extracted from it. Raises ExtractionError."""
    doc = load(path)
    blocks = layout.segment(doc)
    tables = budget.parse_tables(doc, blocks)
    if not tables:
        raise NotAPlan(path)
    plan = PlanDocument(source=doc.source, budget_tables=tables, text=doc.text)
    plan.findings = audit.audit(tables)
    return plan


def fail(exc: ExtractionError) -> None:
    click.echo(f"error: {exc.path}: {exc.detail}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(package_name="finsam")
def cli() -> None:
    """Extract, audit, store and query the yearly plans of Swedish samordningsförbund."""


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "summary"]), default="summary", show_default=True,
              help="json: the whole PlanDocument; summary: a short overview for people.")
def extract(path: Path, fmt: str) -> None:
    """Extract one plan (text or PDF) and print what was found."""
    try:
        plan = run(path)
    except ExtractionError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(plan.model_dump_json(indent=2))
        return
    click.echo(summary(plan))


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def text(path: Path) -> None:
    """Print the canonical text of a plan: what every span's offsets point into."""
    try:
        doc = load(path)
    except ExtractionError as exc:
        fail(exc)
    click.echo(doc.text, nl=False)


@cli.command(name="schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the `extract --format json` output."""
    click.echo(json.dumps(PlanDocument.model_json_schema(), indent=2, ensure_ascii=False))


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


if __name__ == "__main__":
    cli()
