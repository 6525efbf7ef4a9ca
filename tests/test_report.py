"""The audit report (extractor/report.py, `finsam audit`): parsed with html.parser, and in headless Chromium."""
from __future__ import annotations

import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline
from extractor.app import report
from schemas import BudgetRow, BudgetTable, Cell, Column, Finding, Goal, PlanDocument, Project, Source, Span
from tests.conftest import CORPUS, TEXTS, extracted

LUND_2011 = CORPUS / "000_aeb16daac0bbbe6e.txt"
VOID = {"meta", "br", "img", "input", "hr", "link", "wbr"}
XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']


class Page(HTMLParser):
    """Elements by id with their text, marks, links; asserts the tags nest properly."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.open: list[list] = []  # [tag, attrs, text parts] of elements still open
        self.by_id: dict[str, tuple[str, dict, str]] = {}
        self.marks: list[tuple[dict, str]] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.attr_names: set[str] = set()
        self.text_parts: list[str] = []
        self.feed(html)
        self.close()
        assert not self.open, f"unclosed: {[o[0] for o in self.open]}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.attr_names |= set(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag not in VOID:
            self.open.append([tag, attrs, []])

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes <{self.open[-1][0] if self.open else None}>"
        tag, attrs, parts = self.open.pop()
        text = "".join(parts)
        if "id" in attrs:
            assert attrs["id"] not in self.by_id, f"duplicate id {attrs['id']}"
            self.by_id[attrs["id"]] = (tag, attrs, text)
        if tag == "mark":
            self.marks.append((attrs, text))

    def handle_data(self, data):
        for element in self.open:
            element[2].append(data)

    def text_of(self, element_id: str) -> str:
        return self.by_id[element_id][2]

    def canonical(self) -> str:
        text = self.text_of("text")
        return text[1:] if text.startswith("\n") else text  # the newline after <pre> is not content


def distinct_figures(plan: PlanDocument) -> dict[tuple[int, int], report.Figure]:
    return report.first_figures(report.figures(plan))


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[PlanDocument, Page]]:
    out = {}
    for path in TEXTS:
        plan = extracted(str(path))
        out[path.stem] = (plan, Page(report.render(plan)))
    return out


# -- plain tests: html.parser over the corpus ---------------------------------------------


@pytest.mark.parametrize("stem", [p.stem for p in TEXTS])
def test_every_figure_is_one_mark_with_its_text(pages, stem):
    plan, page = pages[stem]
    figs = report.figures(plan)
    assert figs, "every corpus plan has budget figures"
    assert len(page.marks) == len(distinct_figures(plan)) == len(figs)
    for fig in figs:
        tag, attrs, text = page.by_id[report.span_id(fig.cell.span)]
        assert tag == "mark" and text == fig.cell.raw == plan.text[fig.cell.span.start:fig.cell.span.end]
        cell_tag, _, cell_text = page.by_id[fig.id]
        assert cell_tag == "td" and f"#{report.span_id(fig.cell.span)}" in page.links


@pytest.mark.parametrize("stem", [p.stem for p in TEXTS])
def test_text_section_is_the_canonical_text(pages, stem):
    plan, page = pages[stem]
    assert page.canonical() == plan.text


@pytest.mark.parametrize("stem", [p.stem for p in TEXTS])
def test_findings_link_to_their_source(pages, stem):
    plan, page = pages[stem]
    assert plan.findings
    for i, f in enumerate(plan.findings):
        tag, _, row_text = page.by_id[f"finding-{i}"]
        assert tag == "tr" and f.message in row_text
        target = report.span_id(f.span)
        assert f"#{target}" in page.links
        assert page.text_of(target) == plan.text[f.span.start:f.span.end]


@pytest.mark.parametrize("stem", [p.stem for p in TEXTS])
def test_no_dangling_links(pages, stem):
    _, page = pages[stem]
    assert page.links
    for href in page.links:
        assert href.startswith("#") and href[1:] in page.by_id, href


@pytest.mark.parametrize("stem", [p.stem for p in TEXTS])
def test_projects_and_goals_link_both_ways(pages, stem):
    plan, page = pages[stem]
    goals = report.all_goals(plan)
    for kind, records in (("project", plan.projects), ("goal", goals)):
        for i, record in enumerate(records):
            tag, attrs, text = page.by_id[f"text-{kind}-{i}"]
            assert attrs["class"] == kind
            assert text and plan.text[record.span.start:record.span.end].startswith(text)
            assert f"#{kind}-{i}" in page.links and f"#text-{kind}-{i}" in page.links


def test_lund_2011_known_finding_and_cell():
    """Read in the plan: 'Summa kostnader\t4 000\t4 000\t3 000', the 2011 total is 200 tkr short."""
    plan = extracted(str(LUND_2011))
    page = Page(report.render(plan))
    start = plan.text.index("Summa kostnader\t4 000") + len("Summa kostnader\t")
    mark = f"span-{start}-{start + 5}"
    tag, attrs, text = page.by_id[mark]
    assert (tag, text) == ("mark", "4 000") and "flagged" in attrs["class"]
    errors = [i for i, f in enumerate(plan.findings) if f.severity == "error" and f.year == 2011]
    assert len(errors) == 1
    assert f'href="#{mark}"' in report.findings_html(plan)
    cell_id = next(f.id for f in report.figures(plan) if (f.cell.span.start, f.cell.span.end) == (start, start + 5))
    td, _, shown = page.by_id[cell_id]
    assert td == "td" and shown.startswith("4 000 000")  # kronor, Swedish style
    assert page.text_of("findings").count("4 000 000") >= 1 and "4 200 000" in page.text_of("findings")


def test_pdf_figures_show_page_and_box():
    pdf = CORPUS / "pdf" / "000_aeb16daac0bbbe6e.pdf"
    plan = extracted(str(pdf))
    html = report.render(plan)
    page = Page(html)
    fig = report.figures(plan)[0]
    _, attrs, text = page.by_id[report.span_id(fig.cell.span)]
    assert text == fig.cell.raw and f"p. {fig.cell.span.page}, box" in attrs["title"]
    assert html.count('<small class="where" data-label="p. ') == len(report.figures(plan))
    assert page.canonical() == plan.text


# -- nesting and escaping on purpose-written plans ----------------------------------------


def span_of(text: str, needle: str, after: int = 0) -> Span:
    start = text.index(needle, after)
    return Span(start=start, end=start + len(needle))


def hostile_plan() -> PlanDocument:
    text = (
        "Plan 2024 " + XSS[0] + "\n"
        "Projekt Bro " + XSS[1] + " mål: fler i arbete\n"
        "Budget\t2024\n"
        "Bro\t1 000\n"
        "Summa\t2 000\n"
        "slut\n"
    )
    bro, total = span_of(text, "1 000"), span_of(text, "2 000")
    cells = [Cell(year=2024, column="2024", amount_sek=1000, raw="1 000", span=bro)]
    total_cells = [Cell(year=2024, column="2024", amount_sek=2000, raw="2 000", span=total)]
    table = BudgetTable(
        title=XSS[0], unit="kr", span=span_of(text, "Budget\t2024\nBro\t1 000\nSumma\t2 000"),
        columns=[Column(index=0, label="2024", year=2024)],
        rows=[
            BudgetRow(label=XSS[1], span=span_of(text, "Bro\t1 000"), cells=cells),
            BudgetRow(label="Summa", role="total", is_total=True, span=span_of(text, "Summa\t2 000"), cells=total_cells),
        ],
    )
    # The project runs from "Projekt" into the table (crossing the table's start); the goal
    # starts inside the project and ends inside figure "1 000" (it must be kept whole).
    project = Project(name=XSS[0], owner=XSS[1], purpose=XSS[0],
                      span=Span(start=text.index("Projekt"), end=text.index("2024\nBro")))
    goal = Goal(text=XSS[1], kind="operational", span=Span(start=text.index("mål"), end=bro.start + 2))
    findings = [
        Finding(kind="sum", severity="error", message=XSS[0] + XSS[1], year=2024, stated=2000, computed=1000,
                table=0, label=XSS[1], span=total),
        Finding(kind="other", severity="warning", message="whole row", span=span_of(text, "Bro\t1 000")),
        Finding(kind="other", severity="info", message="no span", table=0),
    ]
    return PlanDocument(
        source=Source(path=XSS[1], sha256="0" * 64, format="text"), association=XSS[0], plan_year=2024,
        budget_tables=[table], findings=findings, projects=[project], goals=[goal], text=text,
    )


def test_hostile_text_produces_no_live_element():
    plan = hostile_plan()
    html = report.render(plan)
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags
    assert not any(name.startswith("on") for name in page.attr_names)
    assert page.canonical() == plan.text  # every payload is shown as text
    assert XSS[0] in page.text_of("findings") and XSS[1] in page.text_of("table-0")
    assert "<script>" not in html and "<img" not in html


def test_overlapping_spans_nest_and_figures_stay_whole():
    plan = hostile_plan()
    page = Page(report.render(plan))  # Page asserts every end tag closes the innermost open element
    assert [text for _, text in page.marks] == ["1 000", "2 000"]
    assert page.by_id["span-" + "-".join(map(str, (plan.findings[1].span.start, plan.findings[1].span.end)))][0] == "span"
    assert page.text_of("text-project-0").startswith("Projekt Bro")
    assert page.text_of("text-goal-0").startswith("mål: fler i arbete")
    assert "#table-0" in page.links  # the finding without a span links to its table
    assert page.canonical() == plan.text


# -- the command -------------------------------------------------------------------------


def test_audit_command_writes_the_report(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(pipeline.cli, ["audit", str(LUND_2011), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert "38 figures" in result.output
    page = Page(out.read_text(encoding="utf-8"))
    assert len(page.marks) == 38


def test_audit_command_from_the_database(tmp_path):
    db = str(tmp_path / "plans.db")
    runner = CliRunner()
    assert runner.invoke(pipeline.cli, ["import", str(LUND_2011), "--db", db]).exit_code == 0
    sha = extracted(str(LUND_2011)).source.sha256
    out = tmp_path / "stored.html"
    result = runner.invoke(pipeline.cli, ["audit", sha[:10], "--db", db, "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == report.render(extracted(str(LUND_2011)))
    listed = runner.invoke(pipeline.cli, ["audit", "--db", db, "--severity", "error", "--format", "csv"])
    assert listed.exit_code == 0 and listed.output.count("\n") == 1 + 3  # header + three sums
    missing = runner.invoke(pipeline.cli, ["audit", "ffffffffff", "--db", db, "--html", str(out)])
    assert missing.exit_code == 1 and "ffffffffff" in missing.output


def test_audit_command_needs_a_document_for_html(tmp_path):
    result = CliRunner().invoke(pipeline.cli, ["audit", "--html", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "DOCUMENT" in result.output


# -- in a real browser ------------------------------------------------------------------------

CHROMEDRIVER = Path("/usr/bin/chromedriver")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_missing() -> str | None:
    if not (shutil.which("chromium") and CHROMEDRIVER.exists()):
        return "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="finsam-chromium-")
    options = webdriver.ChromeOptions()
    for arg in BROWSER_ARGS + [f"--user-data-dir={profile}", "--window-size=1280,1600"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_report_in_browser(browser, path, tmp_path):
    from selenium.webdriver.common.by import By

    plan = extracted(str(path))
    out = tmp_path / "report.html"
    out.write_text(report.render(plan), encoding="utf-8")
    browser.get(out.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title.startswith("Audit:")
    assert len(browser.find_elements(By.CSS_SELECTOR, "pre#text mark")) == len(report.figures(plan))
    assert browser.execute_script("return document.getElementById('text').textContent") in (plan.text, "\n" + plan.text)

    # A finding's link lands on its source: for a figure, the mark with the figure's text.
    spans = set(distinct_figures(plan))
    linked = [(i, f) for i, f in enumerate(plan.findings) if f.span]
    assert linked
    i, finding = next(((i, f) for i, f in linked if (f.span.start, f.span.end) in spans), linked[0])  # a figure's, if any
    target = report.span_id(finding.span)
    browser.find_element(By.CSS_SELECTOR, f"#finding-{i} a.source").click()
    assert browser.execute_script("return location.hash") == f"#{target}"
    landed = browser.find_element(By.ID, target)
    assert landed.get_attribute("textContent") == plan.text[finding.span.start:finding.span.end]
    figure = next((f for f in report.figures(plan) if f.cell.span == finding.span), None)
    if figure is not None:
        assert landed.tag_name == "mark" and landed.get_attribute("textContent") == figure.cell.raw

    # A cell's link lands on the mark whose text is the cell's raw, and the mark links back.
    figs = report.figures(plan)
    fig = figs[len(figs) // 2]
    browser.find_element(By.CSS_SELECTOR, f"#{fig.id} a.cell-link").click()
    assert browser.execute_script("return location.hash") == f"#{report.span_id(fig.cell.span)}"
    mark = browser.find_element(By.ID, report.span_id(fig.cell.span))
    assert mark.tag_name == "mark" and mark.get_attribute("textContent") == fig.cell.raw
    mark.find_element(By.TAG_NAME, "a").click()
    assert browser.execute_script("return location.hash") == f"#{fig.id}"

    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.exists() and shot.stat().st_size > 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
