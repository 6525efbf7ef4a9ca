"""Tables flattened onto one paragraph line, as web transcripts leave them.

Three shapes are recognised inside a long paragraph:

* rows of labels: ``ID Beskrivning Årsbudget Årsbudget (tkr) 2019 2018 10 000 Styrelsen
  47 Konsulttjänster (revision) 40 40 ...`` — a unit marker, then the year columns, then
  labels, each preceded by an account or cost-centre code when the header names an ID
  column, and followed by its values;
* rows of years: ``(tkr) Årstilldelning från huvudmännen Budget Utfall Eget kapital 31/12
  2017 6 000 + 1 000 6 000 6 139 1 761 2018 ...`` — column names, then one row per year;
* label/percent lists: ``Försäkringskassan med Arbetsförmedlingen (50 %) ... Totalt (100 %)
  3 180 000 kr ... 6 360 000 kr`` — labels first, then as many amounts.

Where the lost cell borders make a digit run ambiguous (``1 730 600``), every reading
that fits the column count is kept as an alternative; the budget parser lets the
table's own totals choose.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Iterator, Optional

from extractor.document import Document
from extractor.layout.blocks import Block
from extractor.vocab import numbers
from extractor.tables.grid import SETTINGS, Grid, GridColumn, GridRow, ValueCell, column_kind
from extractor.vocab import LEGEND_KINDS, SECTION_HEADINGS

LEGEND_RE = re.compile(r"(\*{1,3})\s*=\s*([a-zåäö]+)", re.I)
from extractor.vocab.numbers import Amount, Group

TOKEN_RE = re.compile(
    r"(?P<date>(?:19|20)\d{2}-\d{2}-\d{2})"  # a date is a word of a period, not figures
    r"|(?P<paren>\([^()]*\))"
    r"|(?P<num>[-−–]?\d+(?:,\d+)?\*{0,3})(?=[\s\-−–]|$)"
    r"|(?P<dash>[-−–])(?=\s|$)"
    r"|(?P<plus>\+)(?=\s)"
    r"|(?P<word>\S+)"
)
DATE = re.compile(r"(?:19|20)\d{2}-\d{2}-\d{2}")
NUM_TOKEN = re.compile(r"([-−–])?(\d+(?:,\d+)?)(\*{0,3})")  # sign, digits, footnote marks
YEAR_RANGE_END = re.compile(r"[-–]\d{4}")
TWO_DIGITS = re.compile(r"\d{2}")
_UNIT_MARKER = rf"\((?:belopp\s+)?(?:i\s+)?(?:{numbers.UNIT_ALTERNATIVES})\)"
UNIT_MARKER = re.compile(rf"^{_UNIT_MARKER}$", re.I)  # '(tkr)', '(i kr)'
UNIT_MARKER_IN = re.compile(_UNIT_MARKER, re.I)  # a text without one holds no table of labels or years

HEADER_WORDS = {"id", "konto", "kst", "beskrivning", "text", "årsbudget", "budget", "utfall", "prognos", "belopp", "plan"}
CODE_WORDS = {"id", "konto", "kst"}
HEADING_NUMBER = re.compile(r"^\d{1,2}\.$")
END_WORDS = re.compile(r"^(?:not|anm|källa|kommentar)\b", re.I)
PERCENT_MARK = re.compile(r"\(\s*\d+(?:,\d+)?\s?%\s*\)")
AMOUNT_KR = re.compile(rf"\s*((?:[-−–]\s?)?(?:{numbers.NUMBER}))\s*kr\.?")
FUNCTION_WORDS = {"med", "och", "i", "för", "av", "samt", "&"}


@dataclass(slots=True)
class Tok:
    kind: str  # paren, num, dash, plus, word
    text: str
    start: int
    end: int

    @property
    def is_year(self) -> bool:
        return self.kind == "num" and numbers.DIGITS_YEAR.fullmatch(self.text) is not None


def tokenize(text: str, offset: int) -> list[Tok]:
    out = []
    for m in TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        out.append(Tok("word" if kind == "date" else kind, m.group(0), offset + m.start(), offset + m.end()))
    for i in range(1, len(out) - 1):  # the dash of a period "2011-05-01 – 2013-04-30"
        if out[i].kind == "dash" and DATE.fullmatch(out[i - 1].text) and DATE.fullmatch(out[i + 1].text):
            out[i].kind = "word"
    return out


def _is_numeric(t: Tok) -> bool:
    return t.kind in ("num", "dash", "plus")


def to_groups(tokens: list[Tok]) -> tuple[list[Group], int]:
    """Number tokens -> digit groups (signs and "+" attached); also count empty-cell dashes."""
    groups: list[Group] = []
    empties = 0
    pending_sign: Optional[Tok] = None
    plus = False
    for i, t in enumerate(tokens):
        if t.kind == "dash":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.kind == "num" and not nxt.text[0] in "-−–":
                pending_sign = t
            else:
                empties += 1
            continue
        if t.kind == "plus":
            plus = True
            continue
        m = NUM_TOKEN.fullmatch(t.text)
        if not m:
            continue
        sign = bool(m.group(1)) or pending_sign is not None
        start = pending_sign.start if pending_sign is not None else t.start
        groups.append(Group(m.group(2), start, t.end, sign, m.group(3), plus=plus))
        pending_sign = None
        plus = False
    return groups, empties


def readings(groups: list[Group], width: int, empties: int = 0, exact: bool = False) -> list[list[tuple[int, int]]]:
    """Segmentations of a digit run into at most ``width`` numbers, fullest first.

    With ``exact``, only the readings with the most numbers that any reading reaches: a run
    that can fill every column is read as filling them."""
    out = []
    for count in range(min(width - empties, len(groups)), 0, -1):
        out.extend(numbers.segmentations(groups, count))
        if exact and out:
            break
    return out


def value_cells(groups: list[Group], seg: list[tuple[int, int]], doc_text: str) -> list[ValueCell]:
    cells = []
    for a, b in seg:
        start, end = groups[a].start, groups[b].end
        flags = [groups[b].flags] if groups[b].flags else []
        raw_end = end - len(groups[b].flags)
        value = numbers.group_value(groups, a, b)
        cells.append(ValueCell(start, raw_end, Amount(value=value, raw=doc_text[start:raw_end], flags=flags)))
    return cells


def placements(cells: list[ValueCell], width: int) -> list[dict[int, ValueCell]]:
    if len(cells) == width:
        return [dict(enumerate(cells))]
    return [dict(zip(pos, cells)) for pos in combinations(range(width), len(cells))]


def heading_before(tokens: list[Tok], index: int, lower: int) -> Optional[int]:
    """Index of the nearest "N." heading number before ``index``."""
    for k in range(index - 1, lower - 1, -1):
        t = tokens[k]
        if t.kind == "word" and HEADING_NUMBER.match(t.text) and k + 1 < len(tokens) and tokens[k + 1].text[:1].isupper():
            return k
    return None


def title_from(tokens: list[Tok], k: Optional[int], stop: int, doc_text: str) -> str:
    if k is None:
        return ""
    end = min(stop, k + 9)
    for j in range(k + 1, end):  # a heading ends after its year or year range
        if numbers.DIGITS_YEAR.search(tokens[j].text):
            end = j + 1
            if end < len(tokens) and YEAR_RANGE_END.fullmatch(tokens[end].text):
                end += 1  # a year range "2019-2021"
            break
    return doc_text[tokens[k].start : tokens[end - 1].end]


def split_column_names(tokens: list[Tok]) -> list[tuple[str, int, int]]:
    """'Årstilldelning från huvudmännen Budget Utfall Eget kapital 31/12' -> four names."""
    names: list[list[Tok]] = []
    for t in tokens:
        if t.text[:1].isupper() or not names:
            names.append([t])
        else:
            names[-1].append(t)
    return [(" ".join(x.text for x in n), n[0].start, n[-1].end) for n in names]


def page_furniture(text: str) -> list[tuple[int, int]]:
    """Spans of the page number and running header a transcript leaves at the start of each page's
    paragraph ('4 Samordningsförbundet X Verksamhetsplan och budget 2012 ...'): the longest run of
    words that at least two such paragraphs start with."""
    starts = [m for m in re.finditer(r"(?:^|\n\n)(\d{1,3}) (?=\S)", text)]
    if len(starts) < 2:
        return []
    heads = [text[m.end() : m.end() + 200] for m in starts]
    common = os.path.commonprefix(heads)
    common = common[: common.rfind(" ") + 1] if " " in common else ""
    if len(common.split()) < 3:
        return []
    return [(m.start(1), m.end() + len(common)) for m, h in zip(starts, heads) if h.startswith(common)]


def grids_in(doc: Document, block: Block, year_hint: Optional[int]) -> Iterator[Grid]:
    text = doc.text[block.start : block.end]
    if not UNIT_MARKER_IN.search(text):  # the tables of labels or years start at a unit marker
        yield from _percent_lists(doc, block, year_hint)
        return
    junk = [(block.start + a, block.start + b) for a, b in page_furniture(text)]
    tokens = tokenize(text, block.start)
    if junk:
        tokens = [t for t in tokens if not any(a <= t.start < b for a, b in junk)]
    legend = {flag: LEGEND_KINDS.get(word.lower(), word.lower()) for flag, word in LEGEND_RE.findall(text)}
    lower = 0
    for a, tok in enumerate(tokens):
        if a < lower or tok.kind != "paren" or not UNIT_MARKER.match(tok.text):
            continue
        unit = numbers.find_unit(tok.text)
        nxt = a + 1
        years = []
        while nxt < len(tokens) and tokens[nxt].is_year:
            years.append(tokens[nxt])
            nxt += 1
        pairs = _named_years(tokens, a + 1)
        if len(years) >= 2:
            grid, lower = _label_rows(doc, tokens, a, nxt, years, unit, lower)
        elif len(pairs) >= 2:  # "(kr) Budget 2012 Plan 2013 Plan 2014 Intäkter ..."
            grid, lower = _label_rows(doc, tokens, a, a + 1 + 2 * len(pairs), [y for _, y in pairs], unit, lower,
                                      named=[w for w, _ in pairs])
        elif before := _named_years_before(tokens, a, lower):  # "Insats Huvudman Period Belopp 2012 (kr) ..."
            grid, lower = _label_rows(doc, tokens, a, a + 1, [y for _, y in before], unit, lower,
                                      named=[w for w, _ in before])
        else:
            grid, lower = _year_rows(doc, tokens, a, unit, lower)
        if grid:
            grid.legend = legend
            yield grid
    yield from _percent_lists(doc, block, year_hint)


def _is_unit_word(text: str) -> bool:
    return numbers.unit_factor(text.rstrip(".,;")) is not None


def _named_years(tokens: list[Tok], i: int) -> list[tuple[Tok, Tok]]:
    """Column headers of a kind word and a year each: 'Budget 2012 Plan 2013 Prognos 2011'."""
    pairs = []
    while i + 1 < len(tokens) and tokens[i].kind == "word" and tokens[i + 1].is_year \
            and (column_kind(tokens[i].text) != "budget" or tokens[i].text.lower() in HEADER_WORDS):
        pairs.append((tokens[i], tokens[i + 1]))
        i += 2
    return pairs


def _named_years_before(tokens: list[Tok], anchor: int, lower: int) -> list[tuple[Tok, Tok]]:
    """Column headers of a kind word and a year each, right before the unit marker."""
    pairs: list[tuple[Tok, Tok]] = []
    i = anchor - 2
    while i >= lower and tokens[i + 1].is_year and tokens[i].kind == "word" \
            and (column_kind(tokens[i].text) != "budget" or tokens[i].text.lower() in HEADER_WORDS):
        pairs.insert(0, (tokens[i], tokens[i + 1]))
        i -= 2
    return pairs


def _label_rows(doc: Document, tokens: list[Tok], anchor: int, body: int, years: list[Tok], unit, lower: int,
                named: Optional[list[Tok]] = None):
    k = anchor - 1
    while not named and k >= lower and tokens[k].kind == "word" and tokens[k].text.lower() in HEADER_WORDS:
        k -= 1
    header = tokens[k + 1 : anchor] if not named else named
    has_codes = any(t.text.lower() in CODE_WORDS for t in header)
    kinds = [column_kind(t.text) for t in header if t.text.lower() not in ("id", "konto", "kst", "beskrivning", "text")]
    columns = []
    for i, y in enumerate(years):
        label = (kinds and header[-len(years) + i].text if len(header) >= len(years) else "") or ""
        start = header[-len(years) + i].start if named else y.start
        columns.append(GridColumn(f"{label} {y.text}".strip(), int(y.text), kinds[i] if i < len(kinds) else "budget", start, y.end))
    title = title_from(tokens, heading_before(tokens, k + 1, lower), k + 1, doc.text) or " ".join(t.text for t in header)
    width = len(years)

    # split the body into alternating number runs and label runs
    runs: list[tuple[list[Tok], list[Tok]]] = []
    label_at = 0  # the index of the last run's first label token
    i = body
    end_index = len(tokens)
    while i < len(tokens):
        nums = []
        while i < len(tokens) and _is_numeric(tokens[i]):
            nums.append(tokens[i])
            i += 1
        words = []
        while i < len(tokens) and not _is_numeric(tokens[i]):
            words.append(tokens[i])
            i += 1
        if words and (_is_unit_word(words[0].text) or words[0].text[:1].islower()) and runs:
            # "... uppgå till 2 286 905 kr.": figures with a unit after them are prose; so is the label before them
            end_index = label_at if runs[-1][1] else i
            runs[-1] = (runs[-1][0], [])
            break
        if words and (END_WORDS.match(words[0].text) or len(words) > SETTINGS.flattened_label_tokens
                      or (words[0].kind == "word" and HEADING_NUMBER.match(words[0].text))):
            runs.append((nums, []))
            end_index = i - len(words)
            break
        runs.append((nums, words))
        label_at = i - len(words)
    rows: list[GridRow] = []
    doubts: list[str] = []
    pending: Optional[GridRow] = None
    for nums, words in runs:
        code = None
        if has_codes and words:
            nums, code = _peel_code(nums)
        if pending is not None:
            if not _assign(pending, nums, width, doc.text):
                doubts.append(f"{pending.label}: more figures than the table has columns")
            rows.append(pending)
        if words and len(words) > 1 and words[0].text.lower() in SECTION_HEADINGS and words[1].text[:1].isupper():
            rows.append(GridRow(label=words[0].text, start=words[0].start, end=words[0].end))  # "Intäkter Staten ..."
            words = words[1:]
        while words and (DATE.fullmatch(words[-1].text) or words[-1].text in "-−–"):
            words = words[:-1]  # a period after the label stands in a column of its own
        if words:
            label = doc.text[words[0].start : words[-1].end]
            pending = GridRow(label=label, start=(code[1] if code else words[0].start), end=words[-1].end,
                              code=code[0] if code else None)
        else:
            pending = None
    if pending is not None:
        rows.append(pending)
    for r in rows:
        if r.values:
            r.end = max(v.end for v in r.values.values())
        elif r.alternatives:
            r.end = max(v.end for alt in r.alternatives for v in alt.values())
    end = tokens[end_index - 1].end if end_index > 0 else tokens[-1].end
    start = tokens[k + 1].start
    grid = Grid(title=title, caption=title, start=start, end=end, layout="flattened", columns=columns, rows=rows, unit=unit,
                doubts=doubts)
    return grid, end_index


def _peel_code(nums: list[Tok]):
    """The trailing account or cost-centre code of a number run: ('10 000', start) or ('47', start)."""
    if len(nums) >= 2 and TWO_DIGITS.fullmatch(nums[-2].text) and nums[-1].text == "000":
        return nums[:-2], (f"{nums[-2].text} 000", nums[-2].start)
    if nums and TWO_DIGITS.fullmatch(nums[-1].text):
        return nums[:-1], (nums[-1].text, nums[-1].start)
    return nums, None


def _assign(row: GridRow, nums: list[Tok], width: int, doc_text: str) -> bool:
    """The row's figures placed in the columns (several placements where the digit run is ambiguous);
    False when there are more figures than columns, so none can be placed."""
    groups, empties = to_groups(nums)
    row.blank_cells = empties
    if not groups:
        return True
    alternatives: list[dict[int, ValueCell]] = []
    for seg in readings(groups, width, empties, exact=True):
        alternatives.extend(placements(value_cells(groups, seg, doc_text), width))
        if len(alternatives) > SETTINGS.alternatives:
            break
    if not alternatives:
        return False
    if len(alternatives) == 1:
        row.values = alternatives[0]
    else:
        row.alternatives = alternatives
        row.values = alternatives[0]
    return True


def _year_rows(doc: Document, tokens: list[Tok], anchor: int, unit, lower: int):
    i = anchor + 1
    header: list[Tok] = []
    while i < len(tokens) and not (tokens[i].is_year and i + 1 < len(tokens) and _is_numeric(tokens[i + 1])):
        if _is_numeric(tokens[i]) and not tokens[i].is_year:
            return None, lower
        header.append(tokens[i])
        i += 1
        if len(header) > 16:
            return None, lower
    names = split_column_names(header)
    if len(names) < 2 or i >= len(tokens):
        return None, lower
    width = len(names)
    rows = [GridRow(label=n, start=s, end=e) for n, s, e in names]
    columns: list[GridColumn] = []
    last_year = None
    while i < len(tokens) and tokens[i].is_year and (last_year is None or 0 < int(tokens[i].text) - last_year <= 2):
        year_tok = tokens[i]
        last_year = int(year_tok.text)
        i += 1
        vals = []
        while i < len(tokens) and _is_numeric(tokens[i]) and not (tokens[i].is_year and int(tokens[i].text) - last_year in (1, 2)
                                                                  and len(to_groups(vals)[0]) >= width):
            vals.append(tokens[i])
            i += 1
        groups, empties = to_groups(vals)
        segs = readings(groups, width, empties, exact=True)
        if not segs:
            break
        cells = value_cells(groups, segs[0], doc.text)
        col = len(columns)
        columns.append(GridColumn(year_tok.text, last_year, "budget", year_tok.start, year_tok.end))
        for r, cell in zip(rows, cells):
            r.values[col] = cell
            r.end = max(r.end, cell.end)
    if len(columns) < 2:
        return None, lower
    for r in rows:
        r.kind = column_kind(r.label)
    title = title_from(tokens, heading_before(tokens, anchor, lower), anchor, doc.text) or f"({unit})"
    last = max(v.end for r in rows for v in r.values.values())
    grid = Grid(title=title, caption=title, start=tokens[anchor].start, end=last, layout="flattened", columns=columns,
                rows=rows, unit=unit)
    return grid, i


def _percent_lists(doc: Document, block: Block, year_hint: Optional[int]) -> Iterator[Grid]:
    text = doc.text[block.start : block.end]
    marks = list(PERCENT_MARK.finditer(text))
    i = 0
    while i < len(marks):
        run = [marks[i]]
        j = i + 1
        while j < len(marks) and _short_label(text[marks[j - 1].end() : marks[j].start()]):
            run.append(marks[j])
            j += 1
        i = j
        if len(run) < 3:
            continue
        amounts = []
        pos = run[-1].end()
        while len(amounts) < len(run):
            m = AMOUNT_KR.match(text, pos)
            if not m:
                break
            amounts.append(m)
            pos = m.end()
        if len(amounts) != len(run):
            continue
        first_start = _first_label_start(text, run[0].start())
        label_bounds = [(first_start, run[0].end())] + [(run[k - 1].end(), run[k].end()) for k in range(1, len(run))]
        caption_start = max(text.rfind("Not ", 0, first_start), 0) if "Not " in text[max(0, first_start - 200):first_start] else max(0, first_start - 120)
        caption = text[caption_start:first_start].strip()
        years = numbers.years_in(caption)
        year = years[-1] if years else year_hint
        rows = []
        for (a, b), m in zip(label_bounds, amounts):
            label = re.sub(r"\s+", " ", text[a:b]).strip()
            lead = len(text[a:b]) - len(text[a:b].lstrip())
            parsed = numbers.parse_cell(m.group(0))
            if not isinstance(parsed, Amount):
                break
            s = block.start + m.start(1)
            row = GridRow(label=label, start=block.start + a + lead, end=block.start + m.end())
            row.values[0] = ValueCell(s, s + len(m.group(1)), parsed)
            rows.append(row)
        else:
            columns = [GridColumn(str(year) if year else "", year, "allocation")]
            yield Grid(title=caption, caption=caption, start=block.start + first_start, end=block.start + pos,
                       layout="flattened", columns=columns, rows=rows, unit="kr")


def _short_label(between: str) -> bool:
    words = between.split()
    return 0 < len(words) <= 6 and not re.search(r"\d", between)


def _last_words(text: str, end: int, n: int) -> list[tuple[int, int]]:
    """(start, end) of the last ``n`` runs of non-space before ``end``, the last first: those
    ``re.finditer(r"\\S+", text[:end])`` ends with, found from the end (\\s is what str.isspace() says)."""
    out: list[tuple[int, int]] = []
    pos = end
    while len(out) < n:
        while pos > 0 and text[pos - 1].isspace():
            pos -= 1
        if pos == 0:
            break
        stop = pos
        while pos > 0 and not text[pos - 1].isspace():
            pos -= 1
        out.append((pos, stop))
    return out


def _first_label_start(text: str, mark_start: int) -> int:
    """Walk back from the first percent mark over capitalised words and small joining words."""
    start = mark_start
    for a, b in _last_words(text, mark_start, 8):
        word = text[a:b]
        if word[:1].isupper() or word.lower() in FUNCTION_WORDS:
            start = a
            continue
        break
    while start < mark_start:  # the label begins with a capitalised word
        m = re.match(r"\S+\s*", text[start:mark_start])
        if m and not m.group(0)[:1].isupper():
            start += m.end()
        else:
            break
    return start
