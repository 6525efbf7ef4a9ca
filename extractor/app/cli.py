"""The `finsam` command line: one click command per function, every option in `--help`.

Only this package knows about the command line; the stages never print. Errors reach the user as
one line `error: PATH: reason` and exit code 1, never a traceback.
"""
from __future__ import annotations

import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import click

from extractor.app.format import (ASSOCIATION_COLUMNS, BUDGET_COLUMNS, FAILURE_COLUMNS, FINDING_COLUMNS,
                                  GOAL_COLUMNS, PROJECT_COLUMNS, figure_records, show, summary)
from extractor.errors import ExtractionError, one_line, printable, shown
from extractor.ingest import DEFAULT_MAX_MB, DEFAULT_TIMEOUT, MAX_MB_ENV, PDF_FACTOR, check_file, is_candidate
from extractor.vocab import numbers

if TYPE_CHECKING:
    from extractor.app import batch
    from schemas import PlanDocument

# The stages, the store and the report load inside the commands that use them, so that `finsam --help`
# and a query command start without the language pipeline, the models or the database layer they
# do not need.
DEFAULT_DB = "finsam.db"


def fail(exc: ExtractionError) -> None:
    click.echo(f"error: {exc.path}: {exc.detail}", err=True)
    sys.exit(1)


def run_or_fail(path) -> PlanDocument:
    """pipeline.run(path), or one error line and exit 1, whatever went wrong (a bug included)."""
    try:
        check_file(Path(path))  # a missing or empty file fails before the stages are loaded
    except ExtractionError as exc:
        fail(exc)
    import pipeline

    try:
        return pipeline.run(path)
    except ExtractionError as exc:
        fail(exc)
    except RecursionError:
        fail(ExtractionError(path, "too deeply nested to read (RecursionError)"))
    except Exception as exc:  # a bug in one stage: still one line, never a traceback
        fail(ExtractionError(path, f"unexpected {type(exc).__name__}: {one_line(exc)}"))


max_mb_option = click.option(
    "--max-mb", type=click.FloatRange(min=0, min_open=True), default=None, envvar=MAX_MB_ENV,
    show_default=f"{DEFAULT_MAX_MB:g}",
    help=f"Largest text read, in MB: a text file's size or a PDF's text (a PDF file may be "
         f"{PDF_FACTOR} times larger); larger inputs fail with the reason. Env: {MAX_MB_ENV}.")


def set_max_mb(max_mb: float | None) -> None:
    """The size limit, for this process and the workers it starts, while the command runs."""
    if max_mb is None:
        return
    before = os.environ.get(MAX_MB_ENV)
    os.environ[MAX_MB_ENV] = repr(max_mb)

    def restore() -> None:
        if before is None:
            os.environ.pop(MAX_MB_ENV, None)
        else:
            os.environ[MAX_MB_ENV] = before

    click.get_current_context().call_on_close(restore)


class Finsam(click.Group):
    """The command group; every error, a usage error included, is one line `error: ...` on stderr."""

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            click.echo(f"error: {printable(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug: still one line, never a traceback
            click.echo(f"error: unexpected {type(exc).__name__}: {one_line(exc)}", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=Finsam)
@click.version_option(package_name="finsam")
def cli() -> None:
    """Extract, audit, store and query the yearly plans of Swedish samordningsförbund."""


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "summary"], case_sensitive=False), default="table",
              show_default=True,
              help="table: a short overview for people (also 'summary'); json: the whole PlanDocument; csv: the "
                   "budget figures, one row each, with their spans.")
@max_mb_option
def extract(path: Path, fmt: str, max_mb) -> None:
    """Extract one plan (text or PDF) and print what was found.

    Example:

    \b
        finsam extract corpus/000_aeb16daac0bbbe6e.txt
        finsam extract plan.pdf --format json > plan.json
        finsam extract plan.txt --format csv > figures.csv
    """
    set_max_mb(max_mb)
    plan = run_or_fail(path)
    if fmt == "json":
        click.echo(plan.model_dump_json(indent=2))
        return
    if fmt == "csv":
        show(figure_records(plan), "csv", BUDGET_COLUMNS)
        return
    click.echo("\n".join(printable(line) for line in summary(plan).split("\n")))


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@max_mb_option
def text(path: Path, max_mb) -> None:
    """Print the canonical text of a plan: what every span's offsets point into.

    Example:

    \b
        finsam text corpus/pdf/000_aeb16daac0bbbe6e.pdf | less
    """
    from extractor.ingest import load

    set_max_mb(max_mb)
    try:
        doc = load(path)
    except ExtractionError as exc:
        fail(exc)
    except Exception as exc:
        fail(ExtractionError(path, f"unexpected {type(exc).__name__}: {one_line(exc)}"))
    click.echo(doc.text, nl=False)


@cli.command(name="schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the `extract --format json` output.

    Example:

    \b
        finsam schema > plan.schema.json
    """
    from schemas import PlanDocument

    click.echo(json.dumps(PlanDocument.model_json_schema(), indent=2, ensure_ascii=False))



# -- the store: import and query -------------------------------------------------------------

db_option = click.option(
    "--db", default=DEFAULT_DB, show_default=True, envvar="FINSAM_DB",
    help="SQLite file, or any SQLAlchemy URL (e.g. postgresql://user@host/finsam). Env: FINSAM_DB.",
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"], case_sensitive=False), default="table", show_default=True,
    help="table: aligned columns for people; json: a list of objects; csv: a header row, then one row each.",
)
association_option = click.option(
    "--association", "-a", help="Association name, any part, any case ('lund' finds Lunds samordningsförbund).",
)
plan_year_option = click.option("--year", "-y", type=int, help="Plan year of the document.")
all_sources_option = click.option(
    "--all-sources", is_flag=True,
    help="Every stored copy of a plan (the same plan from several files, e.g. .txt and .pdf); "
         "by default each plan counts once. The source column names each row's file.")

# The table format is for reading on a screen: it shows this many rows unless told (--limit).
TABLE_ROWS = 1000
limit_option = click.option(
    "--limit", type=click.IntRange(min=0), default=None,
    help=f"At most this many rows; 0: all. Default: {TABLE_ROWS} in the table format (a note says when more "
         f"match), all in json and csv.")


class Kronor(click.ParamType):
    """An amount in kronor written as a plan writes it: 500000, '500 000', '1 624 000,50', '450 tkr',
    '1,5 mnkr', '2 Mkr' (the same parser as the budget tables)."""

    name = "KRONOR"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float, Decimal)):
            return Decimal(str(value))
        text = str(value).strip()
        parsed = numbers.parse_cell(text)
        if isinstance(parsed, numbers.Amount):
            return parsed.value * (numbers.unit_factor(parsed.unit) or 1)
        cleaned = text.replace("\u00a0", "").replace(" ", "").replace("_", "").replace(",", ".")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.fail(f"{value!r} is not an amount in kronor", param, ctx)
        return amount


def open_db(db: str, create: bool = False):
    """The store's engine, or one error line and exit 1."""
    from extractor.store.load import open_store
    from sqlalchemy.exc import SQLAlchemyError

    must_exist(db, create)
    try:
        return open_store(db)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        click.echo(f"error: {db}: cannot open database ({one_line(exc)})", err=True)
        sys.exit(1)


def open_reader(db: str):
    """The store ready to query (extractor.store.query.Reader), or one error line and exit 1. A SQLite
    store is read without SQLAlchemy, which is why a query command starts fast."""
    from extractor.store import query as store_query

    must_exist(db)
    try:
        return store_query.open_reader(db)
    except Exception as exc:  # not a database (QueryError); a store completed first (SQLAlchemy); a driver
        click.echo(f"error: {db}: cannot open database ({one_line(exc)})", err=True)
        sys.exit(1)


def must_exist(db: str, create: bool = False) -> None:
    if not create and "://" not in db and not Path(db).exists():
        click.echo(f"error: {db}: no such database (create it with `finsam import PATH --db {db}`)", err=True)
        sys.exit(1)


def plan_files(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; folders walked recursively for plan files (.txt, .text, .md, .pdf)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if is_candidate(p))
            if not inside:
                click.echo(f"note: {path}: no plan files (.txt, .text, .md, .pdf) in this folder", err=True)
            found.extend(inside)
        else:
            found.append(path)
    return found


def warm_extractor() -> None:
    """Load the extraction stages and build the language pipeline (a worker does so as it starts)."""
    import pipeline  # noqa: F401
    from extractor.vocab import nlp

    nlp.get_nlp()


def extract_for_store(path: str) -> tuple:
    """pipeline.run(path) as plain data, for a worker process: ("ok", plan as JSON data, canonical text)
    or ("failed", reason). Never raises: a batch goes on."""
    import pipeline

    try:
        plan = pipeline.run(path)
        return ("ok", plan.model_dump(mode="json"), plan.text)
    except ExtractionError as exc:
        return ("failed", exc.detail)
    except RecursionError:
        return ("failed", "too deeply nested to read (RecursionError)")
    except MemoryError:
        return ("failed", "out of memory while extracting (see --max-mb)")
    except Exception as exc:  # a bug in one stage must not stop the batch; the reason is recorded
        return ("failed", f"unexpected {type(exc).__name__}: {one_line(exc)}")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Progress:
    """A progress bar with the current file on stderr (only on a terminal); lines printed
    while it runs go above it."""

    def __init__(self, total: int, enabled: bool):
        from tqdm import tqdm

        self.write = tqdm.write
        self.bar = tqdm(total=total, unit="file", file=sys.stderr, disable=not enabled, dynamic_ncols=True)

    def started(self, job: batch.Job) -> None:
        self.bar.set_postfix_str(shown(job.path.name), refresh=True)

    def say(self, line: str, err: bool = False) -> None:
        if self.bar.disable:
            click.echo(line, err=err)
        else:
            self.write(line, file=sys.stderr if err else sys.stdout)

    def done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


@cli.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@db_option
@click.option("--replace", is_flag=True, help="Re-extract and overwrite documents already stored (same sha256).")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=cpu_count, show_default="the CPU count",
              envvar="FINSAM_WORKERS",
              help="Processes extracting at once; 1 extracts in this process. Env: FINSAM_WORKERS.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar with the current file on stderr. Default: only when stderr is a terminal.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no line per stored file: errors and the summary only.")
@click.option("--failed", is_flag=True, help="Only list the files earlier imports could not load, and why.")
@click.option("--retry-failed", is_flag=True,
              help="Extract again files whose bytes (sha256) an earlier import could not load; "
                   "by default they are reported as failed without being read again.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, envvar="FINSAM_TIMEOUT",
              help="Seconds one file may take; a file that takes longer fails and the batch goes on. "
                   "Env: FINSAM_TIMEOUT.")
@max_mb_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"], case_sensitive=False), default="table", show_default=True,
              help="How --failed lists the failures.")
def import_cmd(paths: tuple[Path, ...], db: str, replace: bool, workers: int, progress, quiet: bool,
               failed: bool, retry_failed: bool, timeout: float, max_mb, fmt: str) -> None:
    """Extract plans and store them in the database.

    PATHS are files or folders (walked recursively for .txt, .text, .md and .pdf).
    Extraction runs in --workers processes; this process alone writes, one transaction
    per document. A document already stored (same sha256) is skipped before extraction
    unless --replace, so running the same import again is quick and adds nothing.

    Prints one line per file and a summary; a file that fails is reported, recorded
    (see --failed) with its sha256 and skipped, the others still load; the same bytes are
    not extracted again unless --retry-failed. A file taking longer than --timeout fails.
    Exits 1 if any file failed.

    Example:

    \b
        finsam import plans/ --db finsam.db
        finsam import plans/ --workers 4 --timeout 120
        finsam import --failed
    """
    from extractor.store import query as store_query

    set_max_mb(max_mb)
    if failed:
        show(query_or_fail(store_query.failures, open_reader(db)), fmt, FAILURE_COLUMNS)
        return
    if not paths:
        raise click.UsageError("give at least one PATH to import, or --failed to list failures")
    files = plan_files(paths)
    pool = None
    if workers > 1 and len(files) > 1:
        from extractor.app.workers import Pool

        # started first: the workers load the extractor while this process loads the store and sorts out
        # the files already stored
        pool = Pool(extract_for_store, min(workers, len(files)), timeout, warm=warm_extractor).start()
    try:
        import_into(db, files, workers, replace, progress, quiet, retry_failed, timeout, pool)
    finally:
        if pool is not None:
            pool.close(kill=True)


def import_into(db: str, files: list[Path], workers: int, replace: bool, progress, quiet: bool, retry_failed: bool,
                timeout: float, pool) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from extractor.app import batch

    engine = open_db(db, create=True)
    if progress is None:
        progress = sys.stderr.isatty()
    bar = Progress(len(files), enabled=progress and not quiet)
    tally = {"loaded": 0, "replaced": 0, "present": 0, "failed": 0}
    failures: list[batch.Result] = []
    earlier = 0
    try:
        for result in batch.import_files(engine, files, extract_for_store, workers, replace, bar.started,
                                         timeout=timeout, retry_failed=retry_failed, pool=pool):
            tally[result.status] += 1
            earlier += result.earlier
            bar.done()
            name, message = shown(result.path), printable(result.line)
            if result.status == "failed":
                failures.append(result)
                bar.say(f"error: {name}: {message}" + (" (failed before; not read again)" if result.earlier else ""),
                        err=True)
            elif quiet:
                continue
            elif result.status == "present":
                bar.say(f"already present: {name}" + (f" ({message})" if message else ""))
            else:
                bar.say(f"{result.status}: {name} ({message})")
    except SQLAlchemyError as exc:  # the database itself went away; what was committed stays
        bar.close()
        click.echo(f"error: {db}: {one_line(exc)}", err=True)
        sys.exit(1)
    bar.close()
    if failures:
        click.echo(f"failed ({len(failures)}):")
        for result in failures:
            click.echo(f"  {shown(result.path)}: {printable(result.line)}")
    replaced = f", {tally['replaced']} replaced" if replace else ""
    again = f" ({earlier} failed before, not read again: --retry-failed)" if earlier else ""
    click.echo(f"{tally['loaded']} loaded{replaced}, {tally['present']} already present, {tally['failed']} failed{again}")
    sys.exit(1 if tally["failed"] else 0)


@cli.command(name="export")
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"], case_sensitive=False), required=True,
              help="csv: NAME.csv per table, UTF-8 with BOM (Excel reads å ä ö); json: NAME.json per table.")
@click.option("--out", "-o", default=None,
              help="Folder to write into (made if missing); '-' (the default for json) prints one object {table: rows}.")
def export_cmd(db: str, fmt: str, out: str) -> None:
    """Write the stored tables for spreadsheets and programs.

    Tables: documents, members, budget_figures, projects, goals, findings. Every row keeps its
    ids, the document's association and plan year, and its span; amounts are plain numbers.
    The canonical text of each document is in the json export only.

    Example:

    \b
        finsam export --format csv --out sheets/
        finsam export --format json > finsam.json
    """
    from extractor.store import export
    from sqlalchemy.exc import SQLAlchemyError

    if out is None:
        if fmt != "json":
            raise click.UsageError("--format csv writes one file per table: give a folder with --out")
        out = "-"
    if out == "-" and fmt != "json":
        raise click.UsageError("--out - prints JSON only: add --format json, or give a folder")
    try:
        tables = export.read_tables(open_db(db))
    except SQLAlchemyError as exc:
        click.echo(f"error: {db}: cannot read ({one_line(exc)})", err=True)
        sys.exit(1)
    if out == "-":
        click.echo(json.dumps(export.as_json(tables), ensure_ascii=False, indent=2))
        return
    write = export.write_csv if fmt == "csv" else export.write_json
    try:
        written = write(Path(out), tables)
    except OSError as exc:
        click.echo(f"error: {out}: cannot write ({exc.strerror or exc})", err=True)
        sys.exit(1)
    for path, (_, rows) in zip(written, tables.values()):
        click.echo(f"{path}  ({len(rows)} rows)")


def show_query(name: str, db: str, fmt: str, columns: list[str], limit: int | None = None, **filters) -> None:
    """A query command's whole work: the store's query ``name`` with ``filters``, shown as ``fmt``, at most
    ``limit`` rows (None: the format's default, 0: all)."""
    from extractor.store import query as store_query

    if limit is None:
        limit = TABLE_ROWS if fmt == "table" else 0
    found = query_or_fail(getattr(store_query, name), open_reader(db), limit=limit + 1 if limit else None, **filters)
    show(found[:limit] if limit else found, fmt, columns)
    if limit and len(found) > limit:
        click.echo(f"note: the first {limit} rows; more match (--limit 0 shows all)",
                   err=True)


def query_or_fail(fn, db, **filters) -> list[dict]:
    from extractor.store.query import QueryError

    try:
        return fn(db, **filters)
    except QueryError as exc:
        click.echo(f"error: query failed: {one_line(exc)}", err=True)
        sys.exit(1)


@cli.command(name="budget")
@db_option
@association_option
@click.option("--year", "-y", type=int, help="Year of the figure's column (a 2016 plan has 2016 and 2017 budgets).")
@click.option("--plan-year", type=int, help="Plan year of the document.")
@click.option("--section", help="Budget section, any case: income, cost, result, equity, other, ...")
@click.option("--label", "-l", help="Row label, any part, any case ('summa' finds every total row).")
@click.option("--table", help="Table title, any part, or the table's index in its document (0, 1, ...).")
@all_sources_option
@limit_option
@format_option
def budget_cmd(db, association, year, plan_year, section, label, table, all_sources, fmt, limit) -> None:
    """Budget figures, one per table cell, with the span each came from.

    Example:

    \b
        finsam budget --association lund --label summa
        finsam budget --section cost --year 2024 --format csv
    """
    show_query("budget_figures", db, fmt, BUDGET_COLUMNS, limit=limit, association=association, year=year, plan_year=plan_year,
               section=section and section.lower(), label=label, table=table, all_sources=all_sources)


@cli.command(name="projects")
@db_option
@association_option
@plan_year_option
@click.option("--owner", "-o", help="Owner (huvudman), any part, any case: 'kommun' finds every municipality.")
@click.option("--min-amount", type=Kronor(), help="At least this many kronor ('500 000' or 500000).")
@click.option("--max-amount", type=Kronor(), help="At most this many kronor.")
@click.option("--text", "-t", help="Words in name, owner, purpose or target group; a word also finds compounds "
                                   "it begins ('arbetsmarknad' finds 'arbetsmarknadsinsats'). FTS5 syntax allowed.")
@click.option("--stated", is_flag=True,
              help="Only what the plans state plainly: a field the reader inferred (an owner taken from prose, an "
                   "amount taken from a budget row) is left empty and matches no --owner/--min-amount/--max-amount.")
@all_sources_option
@limit_option
@format_option
def projects_cmd(db, association, year, owner, min_amount, max_amount, text, stated, all_sources, fmt, limit) -> None:
    """Projects (insatser) the plans fund: every project owned by a kommun with more than
    500 000 kr in 2016 plans, say.

    Example:

    \b
        finsam projects --owner kommun --min-amount 500000 --year 2016
        finsam projects --min-amount '1,5 mnkr' --stated
        finsam projects --text rehabilitering --format json
    """
    show_query("projects", db, fmt, PROJECT_COLUMNS, limit=limit, association=association, year=year, owner=owner,
               min_amount=min_amount, max_amount=max_amount, text=text, stated=stated, all_sources=all_sources)


@cli.command(name="goals")
@db_option
@association_option
@plan_year_option
@click.option("--kind", "-k", help="Goal kind, any case: vision, overall, operational, quantitative, financial, ...")
@click.option("--text", "-t", help="Words in the goal (FTS5 on SQLite; a word also finds compounds it begins).")
@all_sources_option
@limit_option
@format_option
def goals_cmd(db, association, year, kind, text, all_sources, fmt, limit) -> None:
    """Goals of the plans, including goals stated inside a project.

    Example:

    \b
        finsam goals --kind quantitative
        finsam goals --text deltagare --association skellefteå
    """
    show_query("goals", db, fmt, GOAL_COLUMNS, limit=limit, association=association, year=year, kind=kind and kind.lower(), text=text,
               all_sources=all_sources)


@cli.command(name="associations")
@db_option
@association_option
@all_sources_option
@limit_option
@format_option
def associations_cmd(db, association, all_sources, fmt, limit) -> None:
    """Associations stored: plans (a plan stored from several files counts once), files, plan years,
    members, projects and budget figures.

    Example:

    \b
        finsam associations
        finsam associations --all-sources --format csv
    """
    show_query("associations", db, fmt, ASSOCIATION_COLUMNS, limit=limit, association=association, all_sources=all_sources)


@cli.command(name="findings")
@db_option
@association_option
@plan_year_option
@click.option("--severity", "-s", type=click.Choice(["error", "warning", "info"], case_sensitive=False), help="Only this severity.")
@all_sources_option
@limit_option
@format_option
def findings_cmd(db, association, year, severity, fmt, limit, all_sources=False) -> None:
    """Audit findings: totals that do not add up, results, carry-forward, the statutory split.

    Example:

    \b
        finsam findings --severity error
        finsam findings --association umeå --format json
    """
    show_query("findings", db, fmt, FINDING_COLUMNS, limit=limit, association=association, year=year, severity=severity,
               all_sources=all_sources)


@cli.command(name="audit")
@click.argument("document", required=False)
@db_option
@association_option
@plan_year_option
@click.option("--severity", "-s", type=click.Choice(["error", "warning", "info"], case_sensitive=False), help="Only this severity.")
@format_option
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write DOCUMENT's audit report here: one self-contained HTML page linking every finding, "
                   "table cell, project and goal to its place in the text.")
@all_sources_option
@max_mb_option
@click.pass_context
def audit_cmd(ctx, document, db, association, year, severity, fmt, html_path, all_sources, max_mb) -> None:
    """Audit findings, or one document's audit report.

    Without DOCUMENT: the findings of every stored plan (as `finsam findings`).
    DOCUMENT is a plan file; with --db (or when no such file exists) a stored document,
    named by its path or a sha256 prefix, re-extracted from its source file.

    Example:

    \b
        finsam audit corpus/000_aeb16daac0bbbe6e.txt --html report.html
        finsam audit 854e0340 --db finsam.db --html report.html
        finsam audit --severity error
    """
    from extractor.app import report

    if document is None:
        if html_path:
            raise click.UsageError("--html writes one document's report: give a DOCUMENT")
        ctx.invoke(findings_cmd, db=db, association=association, year=year, severity=severity, fmt=fmt,
                   all_sources=all_sources)
        return
    set_max_mb(max_mb)
    db_given = ctx.get_parameter_source("db") in (click.core.ParameterSource.COMMANDLINE,
                                                  click.core.ParameterSource.ENVIRONMENT)
    plan = plan_to_audit(document, db, db_given)
    if html_path is None:
        found = [finding_record(plan, f) for f in plan.findings if not severity or f.severity == severity]
        show(found, fmt, FINDING_COLUMNS)
        return
    try:
        html_path.write_text(report.render(plan), encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: {html_path}: cannot write the report ({one_line(exc)})", err=True)
        sys.exit(1)
    figures = sum(len(r.cells) for t in plan.budget_tables for r in t.rows)
    click.echo(f"wrote {html_path}: {len(plan.findings)} findings, {figures} figures, "
               f"{len(plan.projects)} projects, {len(plan.goals)} goals")


def plan_to_audit(document: str, db: str, db_given: bool) -> PlanDocument:
    """The plan DOCUMENT names: a file, or a stored document re-extracted from its source file."""
    from extractor.store import query as store_query

    path = Path(document)
    if db_given or not path.is_file():
        if not db_given and "://" not in db and not Path(db).exists():
            fail(ExtractionError(document, "no such file"))
        matches = query_or_fail(store_query.documents_named, open_reader(db), key=document)
        if len(matches) > 1:
            fail(ExtractionError(document, f"names {len(matches)} stored documents: give more of the sha256"))
        if matches:
            return rerun_stored(matches[0])
        if not path.is_file():
            fail(ExtractionError(document, f"no such file, and no document in {db} has this path or sha256 prefix"))
    return run_or_fail(path)


def rerun_stored(stored: dict) -> PlanDocument:
    """Re-extract a stored document from its source file, which must be the file that was imported."""
    from extractor.store.load import source_file
    import pipeline

    source = source_file(stored)
    try:
        plan = pipeline.run(os.fsdecode(source))
    except ExtractionError as exc:
        fail(ExtractionError(source, f"the stored document's source cannot be re-read ({exc.detail})"))
    except Exception as exc:
        fail(ExtractionError(source, f"unexpected {type(exc).__name__}: {one_line(exc)}"))
    if plan.source.sha256 != stored["sha256"]:
        fail(ExtractionError(source, f"changed since it was imported (sha256 {stored['sha256'][:12]}); import it again"))
    return plan


def finding_record(plan: PlanDocument, f) -> dict:
    """A finding of a plan not (necessarily) stored, shaped like query.findings' records."""
    span = f.span
    table = plan.budget_tables[f.table].title if f.table is not None and 0 <= f.table < len(plan.budget_tables) else None
    return {
        "association": plan.association, "plan_year": plan.plan_year, "severity": f.severity, "kind": f.kind,
        "message": f.message, "year": f.year, "stated": f.stated, "computed": f.computed, "label": f.label,
        "table": table, "source": plan.source.path, "span_start": span and span.start,
        "span_end": span and span.end, "page": span and span.page,
    }


# -- output: table for people, json and csv for programs ----------------------------------

# Columns the table format shows (json and csv carry every field).
