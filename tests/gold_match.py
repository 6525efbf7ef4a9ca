"""Matching extracted budget figures against hand-written gold (corpus/more/*.gold.json).

A gold figure is found when an extracted cell has its amount (to 0.5 kr), its year (None for a
Totalt column) and a similar label: the same words, one label inside the other (a code or a group
heading before it), or a close spelling.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

# the same label similarity as scripts/score_plans.py, so the tests and the score agree
_spec = importlib.util.spec_from_file_location("score_plans", Path(__file__).resolve().parent.parent / "scripts" / "score_plans.py")
_score = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_score)
similar = _score.similar


def cells_of(plan) -> list[dict]:
    return [{"label": r.label, "year": c.year, "amount": c.amount_sek, "raw": c.raw, "span": c.span}
            for t in plan.budget_tables for r in t.rows for c in r.cells]


def match(gold_figures: list[dict], cells: list[dict]) -> tuple[list[dict], list[dict]]:
    """(gold figures not found, extracted cells that match no gold figure). Optional gold figures
    (dashes, blanks) may match or not."""
    free = list(range(len(cells)))
    missing = []
    ordered = [g for g in gold_figures if "optional" not in g["flags"]] + \
              [g for g in gold_figures if "optional" in g["flags"]]
    for g in ordered:
        hit = next((i for i in free if cells[i]["amount"] is not None
                    and abs(float(cells[i]["amount"]) - g["amount_sek"]) <= 0.5
                    and (g["year"] is None or cells[i]["year"] == g["year"])
                    and (g["label"] is None or similar(g["label"], cells[i]["label"]))), None)
        if hit is None:
            if "optional" not in g["flags"]:
                missing.append(g)
        else:
            free.remove(hit)
    return missing, [cells[i] for i in free]


def finding_matches(f, e: dict) -> bool:
    return f.stated is not None and abs(float(f.stated) - e["stated"]) <= 0.5 and (e["year"] is None or f.year in (e["year"], None))
