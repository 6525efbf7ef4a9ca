"""Pydantic v2 models: the contract between stages and the JSON users get.

Every extracted value carries a :class:`Span` pointing into the document's
canonical text (``finsam text PATH`` prints it).
"""
from __future__ import annotations

from datetime import date
from typing import Literal, Optional, Union

Number = Union[int, float]

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]


class Span(BaseModel):
    """Character offsets ``[start, end)`` into the canonical text; page and box for PDFs."""

    start: int
    end: int
    page: Optional[int] = None
    box: Optional[tuple[float, float, float, float]] = Field(
        default=None, description="x0, top, x1, bottom in PDF points on `page`"
    )


class Source(BaseModel):
    path: str
    sha256: str
    format: Literal["text", "pdf"]
    pages: Optional[int] = None
    encoding: Optional[str] = None


class Member(BaseModel):
    name: str
    kind: Literal["state", "region", "municipality", "other"]
    span: Optional[Span] = None


class Column(BaseModel):
    index: int
    label: str
    year: Optional[int] = None
    kind: Literal["budget", "actual", "forecast", "wish", "allocation", "equity", "total", "value"] = "value"
    span: Optional[Span] = None


class Cell(BaseModel):
    year: Optional[int] = None
    column: str
    kind: str = "value"
    amount_sek: Optional[Number] = Field(description="kronor as printed, sign included")
    raw: str
    unit: str = "kr"
    unit_source: Literal["cell", "column", "header", "row", "caption", "document"] = Field(
        default="document", description="where the unit was printed: in the cell, its column's header, the table's "
        "header, a unit row, the caption, or the document's default (kronor)")
    flags: list[str] = Field(default_factory=list, description="footnote marks such as '*' or '**'")
    span: Span


class BudgetRow(BaseModel):
    label: str
    code: Optional[str] = Field(default=None, description="cost-centre or account number printed before the label")
    section: str = "other"
    role: Optional[str] = Field(
        default=None,
        description="header, total, subtotal, result, opening, closing, of_which, or null for a plain row",
    )
    is_total: bool = False
    span: Span
    cells: list[Cell] = Field(default_factory=list)
    project: Optional[str] = Field(default=None, description="name of the project this row funds, if linked")


class BudgetTable(BaseModel):
    title: str
    unit: str
    layout: Literal["tab", "space", "pipe", "leader", "stacked", "flattened"] = Field(
        default="tab", description="the physical form the table was read from: tab-separated, aligned with spaces, "
        "markdown pipes, dot leaders, one cell per line, or flattened onto one line")
    span: Span
    columns: list[Column] = Field(default_factory=list)
    rows: list[BudgetRow] = Field(default_factory=list)
    doubts: list[str] = Field(default_factory=list, description="why figures of this table could not be read with "
                              "confidence; the audit then reports the table as unreadable instead of checking it")


class Finding(BaseModel):
    kind: str
    severity: Severity
    message: str
    year: Optional[int] = None
    stated: Optional[Number] = None
    computed: Optional[Number] = None
    table: Optional[int] = None
    label: Optional[str] = None
    span: Optional[Span] = None


class Section(BaseModel):
    title: str
    level: int
    number: Optional[str] = None
    kind: Optional[str] = Field(default=None, description="numbered, upper, title, field (a label such as 'Huvudman:'), toc")
    span: Span
    children: list["Section"] = Field(default_factory=list)


class Target(BaseModel):
    value: float
    unit: str
    comparator: Optional[str] = None
    raw: str
    span: Optional[Span] = None


class Goal(BaseModel):
    text: str
    kind: str
    indicator: Optional[str] = None
    target: Optional[Target] = None
    project: Optional[str] = None
    section: Optional[str] = None
    layout: Optional[str] = Field(
        default=None, description="where it was read: list, paragraph, label ('Mål 1: ...'), table (a goal table), run_in"
    )
    span: Span


class Project(BaseModel):
    name: str
    owner: Optional[str] = None
    stakeholders: list[str] = Field(default_factory=list)
    place: Optional[str] = None
    start: Optional[date] = None
    end: Optional[date] = None
    amount_sek: Optional[float] = None
    amount_raw: Optional[str] = None
    amount_kind: Optional[Literal["year", "total"]] = Field(
        default=None, description="year: the amount for the plan year; total: only the total for the whole period is stated"
    )
    target_group: Optional[str] = None
    purpose: Optional[str] = None
    contact: Optional[str] = None
    goals: list[Goal] = Field(default_factory=list)
    budget_rows: list[str] = Field(default_factory=list, description="labels of budget rows that fund it")
    layout: Optional[str] = Field(
        default=None,
        description="where it was read: fields (a heading and field lines), table (an insats table), bullets, "
        "run_in (a sentence listing projects), prose (a heading and sentences), bold, list",
    )
    guessed: list[str] = Field(
        default_factory=list,
        description="fields the reader inferred rather than read from a label or a table cell: owner or period "
        "taken from prose, amount taken from a budget row",
    )
    span: Span


class PlanDocument(BaseModel):
    source: Source
    association: Optional[str] = None
    association_aliases: list[str] = Field(default_factory=list, description="the names the plan uses for its association")
    plan_year: Optional[int] = None
    budget_years: list[int] = Field(default_factory=list)
    members: list[Member] = Field(default_factory=list)
    org_number: Optional[str] = None
    adopted: Optional[date] = None
    sections: list[Section] = Field(default_factory=list)
    budget_tables: list[BudgetTable] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    text: Optional[str] = Field(
        default=None, exclude=True, description="the canonical text spans point into; stored, not in the JSON output"
    )


Section.model_rebuild()
