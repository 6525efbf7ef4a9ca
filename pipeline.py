"""finsam: ``run(path)``, the whole walk of one document, and the `finsam` command.

    ingest -> layout -> tables -> audit -> plan (metadata, goals, projects) -> PlanDocument

``stages(path)`` returns every intermediate result of the walk; ``run(path)`` the plan alone. The
command line lives in :mod:`extractor.app.cli`; this module hands it the arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractor import audit
from extractor.document import Document
from extractor.errors import NotAPlan
from extractor.ingest import load
from extractor.layout import blocks as layout
from extractor.tables import build as budget
from schemas import BudgetTable, Finding, PlanDocument


@dataclass
class Stages:
    """Every intermediate result of the walk of one document."""

    doc: Document  # ingest: the canonical text, lines, pages and boxes
    blocks: list  # layout: headings, paragraphs, lists, fields, tables
    tables: list[BudgetTable]  # tables: every budget table, its arithmetic chosen by the audit
    meta: object  # plan: association, years, members, places (extractor.plan.metadata.Metadata)
    tree: object  # layout: the section tree (extractor.layout.sections.Tree)
    plan: PlanDocument  # everything, as users get it


def stages(path: str | Path) -> Stages:
    """Read one plan and return every stage's result. Raises ExtractionError."""
    # the language stages load spaCy: imported here so the query commands start fast
    from extractor.layout import sections as section_tree
    from extractor.plan import goals, metadata, projects

    doc = load(path)
    blocks = layout.segment(doc)
    tables = budget.parse_tables(doc, blocks, audit.errors_in)
    meta = metadata.extract(doc)
    if not metadata.is_plan(doc.text, meta) and not (tables and metadata.speaks_of_plan(doc.text)):
        raise NotAPlan(path)  # neither an association's plan nor budget tables in a text about a plan or budget
    plan = PlanDocument(source=doc.source, budget_tables=tables, text=doc.text)
    plan.findings = audit.audit(tables)
    if not tables:
        plan.findings.append(Finding(
            kind="no_budget_table", severity="info",
            message="no budget table in this document (the budget may be an attachment, an image or another "
                    "document): metadata, goals and projects only"))
    plan.association, plan.association_aliases = meta.association, meta.aliases
    plan.plan_year, plan.budget_years, plan.members = meta.plan_year, meta.budget_years, meta.members
    plan.org_number, plan.adopted = meta.org_number, meta.adopted
    tree = section_tree.build(doc, blocks)
    plan.sections = section_tree.to_sections(doc, tree)
    start = metadata.content_start(doc.text)
    plan.projects = projects.extract(doc, tree, start, meta.places, meta.plan_year)
    plan.goals = goals.extract(doc, tree, plan.projects, start)
    goals.attach(plan.goals, plan.projects)
    projects.link_budget_rows(plan.projects, tables)
    projects.amounts_from_budget(plan.projects, tables, plan.plan_year)
    return Stages(doc, blocks, tables, meta, tree, plan)


def run(path: str | Path) -> PlanDocument:
    """Read one plan and return everything extracted from it. Raises ExtractionError."""
    return stages(path).plan


def __getattr__(name: str):
    """``pipeline.cli``, the `finsam` command, is loaded when asked for, so that ``import pipeline``
    (the workers of an import do) does not load the command line."""
    if name == "cli":
        from extractor.app.cli import cli

        return cli
    raise AttributeError(name)

if __name__ == "__main__":
    __getattr__("cli")()
