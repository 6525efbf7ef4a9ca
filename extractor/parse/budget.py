"""Budget tables: layout blocks -> BudgetTable (stub replaced below)."""
from __future__ import annotations

from extractor.document import Document
from schemas import BudgetTable


def parse_tables(doc: Document, blocks) -> list[BudgetTable]:
    return []
