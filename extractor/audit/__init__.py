"""The audit stage: BudgetTables -> Findings (see :mod:`extractor.audit.checks`)."""
from extractor.audit.checks import audit, audit_table, errors_in

__all__ = ["audit", "audit_table", "errors_in"]
