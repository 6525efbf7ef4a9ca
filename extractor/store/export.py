"""The store's tables as files for spreadsheets and programs: CSV or JSON, one file per table.

Each table keeps its own columns and ids (so the files join as the database does), and
the rows that belong to a document say which association and plan year they are from,
so a spreadsheet opened alone still reads. Amounts are plain numbers (1624000, 1842.5),
dates ISO (2011-01-01). CSV is UTF-8 with a byte order mark, so Excel reads å, ä and ö;
lists (flags, stakeholders) are joined with "; ". The canonical text of a document is
in the JSON export only: it is far longer than a spreadsheet cell holds.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, select

from extractor.store import models as m
from extractor.store.query import plain

# What is exported, in this order: file name -> model.
TABLES: dict[str, type[m.Base]] = {
    "documents": m.Document,
    "members": m.Member,
    "budget_figures": m.BudgetFigure,
    "projects": m.Project,
    "goals": m.Goal,
    "findings": m.Finding,
}
# Copied from the document into every row of the other tables, right after document_id.
DOCUMENT_FIELDS = ("association", "plan_year")
CSV_LEFT_OUT = {"documents": {"text"}}  # too long for a cell (Excel stops at 32 767 characters)


def statement(name: str) -> Select:
    """Every column of the table; after ``document_id`` the document's association and plan
    year, after ``table_id`` the budget table's title."""
    model = TABLES[name]
    columns: list = []
    for column in model.__table__.columns:
        if model is not m.Document and column.name in DOCUMENT_FIELDS:
            continue  # budget_figures keeps copies; the document's own values stand in for them
        columns.append(column)
        if column.name == "document_id":
            columns += [getattr(m.Document, f) for f in DOCUMENT_FIELDS]
        elif column.name == "table_id":
            columns.append(m.BudgetTable.title.label("table_title"))
    stmt = select(*columns)
    if model is not m.Document:
        stmt = stmt.join(m.Document, model.document_id == m.Document.id)
    if "table_id" in model.__table__.columns:
        stmt = stmt.outerjoin(m.BudgetTable, model.table_id == m.BudgetTable.id)
    return stmt.order_by(model.id)


def number(value: Any) -> Any:
    """Whole kronor as integers: 1624000, not 1624000.0; bytes (a file name that is not UTF-8) as hex."""
    if isinstance(value, bytes):
        return value.hex()
    return int(value) if isinstance(value, float) and value.is_integer() else value


def read_tables(engine: Engine) -> dict[str, tuple[list[str], list[dict]]]:
    """name -> (column names, rows as plain dicts), for every exported table."""
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            result = conn.execute(statement(name))
            columns = list(result.keys())
            out[name] = (columns, [{k: number(plain(v)) for k, v in r.items()} for r in result.mappings()])
    return out


def csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join("" if v is None else str(number(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


def write_csv(folder: Path, tables: dict[str, tuple[list[str], list[dict]]]) -> list[Path]:
    """One NAME.csv per table, a header row even when empty. Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (columns, rows) in tables.items():
        keep = [c for c in columns if c not in CSV_LEFT_OUT.get(name, set())]
        path = folder / f"{name}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(keep)
            writer.writerows([csv_value(r[c]) for c in keep] for r in rows)
        written.append(path)
    return written


def as_json(tables: dict[str, tuple[list[str], list[dict]]]) -> dict[str, list[dict]]:
    return {name: rows for name, (_, rows) in tables.items()}


def write_json(folder: Path, tables: dict[str, tuple[list[str], list[dict]]]) -> list[Path]:
    """One NAME.json per table: a list of objects. Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in as_json(tables).items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
