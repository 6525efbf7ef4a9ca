"""The CLI as users call it: extract, text, schema; one clear line for bad input."""
import json
from pathlib import Path

from click.testing import CliRunner

from pipeline import cli
from tests.conftest import CORPUS, ROOT

LUND_2011 = CORPUS / "000_aeb16daac0bbbe6e.txt"


def test_extract_json_keeps_the_contract():
    result = CliRunner().invoke(cli, ["extract", str(LUND_2011), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data["source"]) >= {"path", "sha256", "format", "pages"}
    for key in ("association", "plan_year", "members", "budget_tables", "findings", "goals", "projects"):
        assert key in data
    table = data["budget_tables"][0]
    assert set(table) >= {"title", "unit", "span", "rows"}
    row = table["rows"][0]
    assert set(row) >= {"label", "section", "is_total", "cells"}
    cell = next(c for r in table["rows"] for c in r["cells"])
    assert set(cell) >= {"year", "column", "amount_sek", "raw", "span"}
    assert set(data["findings"][0]) >= {"kind", "severity", "message", "year", "stated", "computed", "span"}


def test_extract_spans_point_into_text_output():
    runner = CliRunner()
    text = runner.invoke(cli, ["text", str(LUND_2011)]).output
    data = json.loads(runner.invoke(cli, ["extract", str(LUND_2011), "--format", "json"]).output)
    cells = [c for t in data["budget_tables"] for r in t["rows"] for c in r["cells"]]
    assert cells
    for c in cells:
        assert text[c["span"]["start"]:c["span"]["end"]] == c["raw"]
    for f in data["findings"]:
        assert f["span"] and text[f["span"]["start"]:f["span"]["end"]].strip()


def test_published_schema_is_current():
    result = CliRunner().invoke(cli, ["schema"])
    assert json.loads(result.output) == json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))


def test_bad_input_is_one_line_and_nonzero(tmp_path):
    runner = CliRunner()
    cases = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 8,
        "prose.txt": "Verksamhetsplan 2020\n\nVi ska samverka mer.\n".encode(),
    }
    reasons = {"empty.txt": "empty", "binary.txt": "binary", "prose.txt": "not a plan"}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(cli, ["extract", str(path)])
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and reasons[name] in lines[0], result.output
        assert "Traceback" not in result.output
