"""The command line follows its ecosystem's habits (as sqlite-utils does): an example in every
`--help`, `--format table|json|csv`, one `error: ...` line for every error, choices in any case,
amounts written as plans write them."""
import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline

ROOT = Path(__file__).resolve().parent.parent
LUND = ROOT / "corpus" / "000_aeb16daac0bbbe6e.txt"
COMMANDS = sorted(pipeline.cli.commands)


def invoke(*args):
    return CliRunner().invoke(pipeline.cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("habits") / "h.db"
    assert invoke("import", LUND, "--db", path, "--workers", "1", "--quiet").exit_code == 0
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    example = result.output.split("Example:")[1].split("Options:")[0]
    assert f"finsam {command}" in example


def test_extract_formats():
    table = invoke("extract", LUND)
    assert table.exit_code == 0 and "budget tables: 1" in table.output
    assert invoke("extract", LUND, "--format", "summary").output == table.output
    data = json.loads(invoke("extract", LUND, "--format", "JSON").output)
    rows = list(csv.DictReader(io.StringIO(invoke("extract", LUND, "--format", "csv").output)))
    assert len(rows) == sum(len(r["cells"]) for t in data["budget_tables"] for r in t["rows"])
    assert rows[0]["label"] == "Försäkringskassan" and rows[0]["amount_sek"] == "1624000"
    assert rows[0]["unit"] == "tkr" and rows[0]["unit_source"] == "row"


def test_errors_are_one_line():
    for args, says in [(("nosuch",), "No such command"), (("extract",), "Missing argument"),
                       (("extract", "nowhere.txt"), "nowhere.txt"), (("export", "--format", "csv", "--db", LUND), "--out")]:
        result = invoke(*args)
        assert result.exit_code != 0 and "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.stderr


def test_choices_and_sections_in_any_case(db):
    lower = json.loads(invoke("budget", "--db", db, "--section", "cost", "--format", "json").output)
    assert lower and json.loads(invoke("budget", "--db", db, "--section", "Cost", "--format", "json").output) == lower
    errors = json.loads(invoke("findings", "--db", db, "--severity", "ERROR", "--format", "json").output)
    assert [f["severity"] for f in errors] == ["error"] * 3


def test_amounts_as_plans_write_them(db):
    def names(*args):
        return sorted(p["name"] for p in json.loads(invoke("projects", "--db", db, *args, "--format", "json").output))

    assert names("--min-amount", "1 000 tkr") == names("--min-amount", "1000000") == names("--min-amount", "1 Mkr")
    assert names("--min-amount", "1,5 mnkr") == names("--min-amount", "1500000")


def test_finding_messages_are_whole_in_a_table(db):
    out = invoke("findings", "--db", db).output
    assert "(difference -200 000 kr)" in out


def test_export_json_to_stdout_by_default(db):
    data = json.loads(invoke("export", "--db", db, "--format", "json").output)
    assert set(data) >= {"documents", "budget_figures", "projects", "goals", "findings"}


def test_a_search_that_is_not_fts_syntax_is_searched_as_words(db):
    for text in ("AND", '"unga', "NOT (", "unga AND"):
        result = invoke("projects", "--db", db, "--text", text, "--format", "json")
        assert result.exit_code == 0 and not result.stderr.strip(), (text, result.stderr)
    assert [p["name"] for p in json.loads(invoke("projects", "--db", db, "--text", '"unga', "--format", "json").output)] \
        == ["Unga vuxna"]
