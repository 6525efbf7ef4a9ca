"""The Swedish language pipeline: built once, rules as data.

``spacy.blank("sv")`` with lemmas from spacy-lookups-data's lookup table, a small
lemma-exception table for words the lookup table gets wrong, a sentencizer and an
EntityRuler whose patterns are the tables below: member organisations, money,
percentages, dates and organisation numbers. No trained model is needed.

Lemmas are only ever compared with the vocabulary's words (goal headings, goal kinds, member
cues), so of the lookup table's 660 000 forms only those of these words are kept: read once from
spacy-lookups-data and cached (``$FINSAM_CACHE`` or the user's cache folder), so a process starts
without loading the whole table. Every other word is its own lemma, as it would be compared.

Amounts found in prose are valued by :mod:`extractor.vocab.numbers` (``parse_cell``,
``unit_factor``); this module only finds where they are.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from extractor.vocab import GOAL_KINDS, GOAL_LEMMAS, MEMBER_CUES, numbers

# Words the lookup table lemmatises wrongly or not at all (checked against
# spacy-lookups-data 1.0.5: "mål" -> "måla", "verksamhetsmålen" and
# "utvecklingsområden" unchanged).
LEMMA_EXCEPTIONS: dict[str, str] = {
    "mål": "mål",
    "målen": "mål",
    "målet": "mål",
    "målens": "mål",
    "verksamhetsmålen": "verksamhetsmål",
    "verksamhetsmålet": "verksamhetsmål",
    "utvecklingsområden": "utvecklingsområde",
    "utvecklingsområdena": "utvecklingsområde",
    "utvecklingsområdet": "utvecklingsområde",
    "målområdena": "målområde",
    "målområdet": "målområde",
    "projektmål": "projektmål",
    "effektmål": "effektmål",
}

MONTHS: dict[str, int] = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "nov": 11, "dec": 12,
}

# Words that open a period with no stated end: "fr.o.m. 2021-09-01", "från och med 1 mars 2021"
FROM_WORDS = ("fr.o.m.", "fr.o.m", "fr o m", "from", "från och med", "från")
# Unit spellings in prose that numbers.UNITS does not hold, and the unit they mean
UNIT_ALIASES: dict[str, str] = {"ksek": "tkr", "tkr.": "tkr", "mkr.": "mkr"}

STATE_MEMBERS = ("försäkringskassan", "arbetsförmedlingen")
REGION_WORDS = ("Region", "Landstinget", "Regionen")
# "Västerbottens läns landsting"
COUNTY_COUNCIL_WORDS = ("landsting", "landstinget")
# Words for a municipality after its name: "Köpings kommun", "Göteborgs Stad", "Trollhättans stad"
MUNICIPALITY_WORDS = ("kommun", "stad")
# First words of two-word municipality names: "Lilla Edets kommun", "Upplands Väsby kommun"
MUNICIPALITY_PREFIXES = ("Lilla", "Stora", "Upplands", "Östra", "Västra", "Norra", "Södra", "Övre", "Nedre")
_CAP = r"^[A-ZÅÄÖ][\wåäöéÅÄÖ-]*$"
_LINE_BREAK = {"IS_SPACE": True, "OP": "?"}  # a name wrapped over two lines
_NUM_GROUP_HEAD = r"^[-−–]?\d{1,3}(?:,\d+)?$"
_NUM_GROUP = r"^\d{3}(?:,\d+)?$"
_NUM_PLAIN = r"^[-−–]?\d+(?:,\d+)?$"
_UNIT_WORDS = sorted({w for u in list(numbers.UNITS) + list(UNIT_ALIASES) for w in [u.rstrip(".")] if " " not in w and w != ":-"})

# EntityRuler patterns: (label, id, token pattern). Ids on MEMBER tell the member kind.
PATTERNS: list[tuple[str, str, list[dict]]] = [
    ("MEMBER", "state", [{"LOWER": {"IN": list(STATE_MEMBERS)}}]),
    ("MEMBER", "region", [{"LOWER": "västra"}, {"LOWER": "götalandsregionen"}]),
    ("MEMBER", "region", [{"TEXT": {"IN": list(REGION_WORDS)}}, {"TEXT": {"REGEX": _CAP}}, {"LOWER": "län", "OP": "?"}]),
    ("MEMBER", "region", [{"TEXT": {"REGEX": _CAP}}, _LINE_BREAK, {"LOWER": "läns"}, _LINE_BREAK,
                          {"LOWER": {"IN": list(COUNTY_COUNCIL_WORDS)}}]),
    ("MEMBER", "municipality", [{"TEXT": {"IN": list(MUNICIPALITY_PREFIXES)}}, _LINE_BREAK, {"TEXT": {"REGEX": _CAP}},
                                _LINE_BREAK, {"LOWER": {"IN": list(MUNICIPALITY_WORDS)}}]),
    ("MEMBER", "municipality", [{"TEXT": {"REGEX": _CAP}}, _LINE_BREAK, {"LOWER": {"IN": list(MUNICIPALITY_WORDS)}}]),
    # "Linköpings, Åtvidabergs och Kinda kommuner": several municipalities, named as written
    ("MEMBER", "municipality_list", [
        {"TEXT": {"REGEX": _CAP}}, {"TEXT": {"REGEX": r"^(?:,|och|samt|[A-ZÅÄÖ][\wåäöÅÄÖ-]*)$"}, "OP": "*"},
        {"LOWER": {"IN": ["och", "samt"]}}, {"TEXT": {"REGEX": _CAP}}, {"LOWER": "kommuner"}]),
    # "kommunerna Askersund, Hallsberg, Kumla och Laxå": several municipalities in one entity
    ("MEMBER", "municipalities", [
        {"LOWER": "kommunerna"}, {"TEXT": {"REGEX": _CAP}},
        {"TEXT": {"REGEX": r"^(?:,|och|samt|[A-ZÅÄÖ][\wåäöÅÄÖ-]*)$"}, "OP": "*"}, {"TEXT": {"REGEX": _CAP}},
    ]),
    # money: "1 210 000 kr", "402 000 kr", "3,7 miljoner kr", "6 360 000 kronor"
    ("MONEY", "", [{"TEXT": {"REGEX": _NUM_GROUP_HEAD}}, {"TEXT": {"REGEX": _NUM_GROUP}, "OP": "*"},
                   {"LOWER": {"IN": _UNIT_WORDS + [u + "." for u in _UNIT_WORDS]}}]),
    ("MONEY", "", [{"TEXT": {"REGEX": _NUM_PLAIN}}, {"LOWER": {"IN": ["miljoner", "milj", "milj.", "mn", "t", "tusen"]}},
                   {"LOWER": {"IN": ["kr", "kr.", "kronor"]}}]),
    ("PERCENT", "", [{"TEXT": {"REGEX": r"^\d+(?:[,.]\d+)?$"}}, {"ORTH": "%"}]),
    ("PERCENT", "", [{"TEXT": {"REGEX": r"^\d+(?:[,.]\d+)?%$"}}]),
    ("PERCENT", "", [{"TEXT": {"REGEX": r"^\d+(?:[,.]\d+)?$"}}, {"LOWER": "procent"}]),
    # dates: "2016-01-01", "20150901", "1 februari 2024"; ranges in one token: "20150901-20161230"
    ("DATE_RANGE", "", [{"TEXT": {"REGEX": r"^\d{8}-\d{8}$"}}]),
    ("DATE_RANGE", "", [{"TEXT": {"REGEX": r"^\d{4}-\d{2}-\d{2}[-–]\d{4}-\d{2}-\d{2}$"}}]),
    ("DATE", "", [{"TEXT": {"REGEX": r"^(?:19|20)\d{2}-\d{2}-\d{2}$"}}]),
    ("DATE", "", [{"TEXT": {"REGEX": r"^(?:19|20)\d{6}$"}}]),
    ("DATE", "", [{"TEXT": {"REGEX": r"^\d{1,2}$"}}, {"LOWER": {"IN": list(MONTHS)}}, {"TEXT": {"REGEX": r"^(?:19|20)\d{2}$"}}]),
    ("ORGNR", "", [{"TEXT": {"REGEX": r"^\d{6}-\d{4}$"}}]),
]

# Words joining two dates into a range: "2016-01-01 – 2016-12-31", "1 februari 2024 tom 31 januari 2027"
RANGE_JOINERS = re.compile(r"^\s*(?:[-–—]|tom|t\.o\.m\.?|till och med|till)\s*$", re.I)


def lemma_targets() -> tuple[frozenset[str], tuple[str, ...]]:
    """(lemmas compared whole, beginnings of lemmas compared): what a lemma is ever checked against."""
    exact = set(GOAL_LEMMAS) | {w for _, words in GOAL_KINDS for w in words}
    return frozenset(exact), tuple(MEMBER_CUES)


def _cache_dir() -> Path:
    base = os.environ.get("FINSAM_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "finsam"


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """form -> lemma for the forms whose lemma (or which themselves) the vocabulary compares."""
    import importlib.metadata
    import importlib.resources

    exact, prefixes = lemma_targets()
    version = importlib.metadata.version("spacy-lookups-data")
    key = hashlib.sha256(json.dumps([version, sorted(exact), prefixes]).encode()).hexdigest()[:16]
    path = _cache_dir() / f"sv-lemmas-{key}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    source = importlib.resources.files("spacy_lookups_data") / "data" / "sv_lemma_lookup.json.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        full = json.load(f)

    def wanted(word: str) -> bool:
        return word in exact or word.startswith(prefixes)

    table = {form: lemma for form, lemma in full.items() if wanted(lemma) or wanted(form)}
    try:  # written whole or not at all: a concurrent process reads the old file or none
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: the table is built in every process
    return table


@Language.factory("finsam_lemmas")
def _make_lemma_fixer(nlp: Language, name: str):
    """Lower-case lookup (the table is keyed on lower-case forms) and the exception table."""
    def fix(doc: Doc) -> Doc:
        for tok in doc:
            tok.lemma_ = lemma_of(tok.lower_)
        return doc

    return fix


def lemma_of(low: str) -> str:
    """The lemma of a lower-case form: the exception table, then the lookup table, else the form."""
    return LEMMA_EXCEPTIONS.get(low) or lemma_table().get(low, low)


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process."""
    nlp = spacy.blank("sv")
    nlp.add_pipe("finsam_lemmas")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    nlp.initialize()  # clears ruler patterns, so they are added after
    nlp.tokenizer.max_cache_size = KEPT_CHUNKS
    flags: dict[tuple[str, str, str], int] = {}
    ruler.add_patterns([{"label": label, "id": pid, "pattern": _as_flags(nlp, pat, flags)} if pid else
                        {"label": label, "pattern": _as_flags(nlp, pat, flags)} for label, pid, pat in PATTERNS])
    return nlp


def _as_flags(nlp: Language, pattern: list[dict], flags: dict[tuple[str, str, str], int]) -> list[dict]:
    """The pattern with each REGEX and IN test of a token's text (TEXT, LOWER) as a flag of the
    vocabulary's words (``Vocab.add_flag``): the same test, made once per distinct word and read
    by the matcher without calling back into Python for every token."""
    from spacy.attrs import FLAG19, LOWER

    lower = nlp.vocab.lex_attr_getters[LOWER]  # how a word's LOWER is made

    def add_flag(getter) -> int:  # on a free bit of the custom range FLAG19-FLAG63
        bit = next(b for b in range(FLAG19, 64) if b not in nlp.vocab.lex_attr_getters)
        return nlp.vocab.add_flag(getter, bit)

    out = []
    for spec in pattern:
        spec = dict(spec)
        for attr in ("TEXT", "LOWER"):
            test = spec.get(attr)
            if not isinstance(test, dict) or set(test) - {"REGEX", "IN"} or len(test) != 1:
                continue
            (predicate, value), = test.items()
            key = (attr, predicate, json.dumps(value, ensure_ascii=False))
            if key not in flags:
                form = (lambda s: s) if attr == "TEXT" else lower
                if predicate == "REGEX":
                    rx = re.compile(value)
                    flags[key] = add_flag(lambda s, rx=rx, form=form: bool(rx.search(form(s))))
                else:
                    words = frozenset(value)
                    flags[key] = add_flag(lambda s, words=words, form=form: form(s) in words)
            del spec[attr]
            spec[flags[key]] = True
        out.append(spec)
    return out


# Characters analysed at once. A longer text (a 300-page plan) is analysed in pieces cut at
# paragraph or line ends and joined again, so memory stays flat and spaCy's length limit is never met.
PIECE = 100_000


def pieces(text: str, size: int = PIECE) -> list[str]:
    """``text`` cut into pieces of at most ``size`` characters, at a blank line, a line end or a
    space where there is one; the pieces joined are the text."""
    out = []
    while len(text) > size:
        cut = max(text.rfind(sep, size // 2, size) for sep in ("\n\n", "\n", " "))
        cut = size if cut < 0 else cut + 1
        out.append(text[:cut])
        text = text[cut:]
    return out + [text] if text or not out else out


# The tokenizer keeps the tokens of each chunk of text between spaces, so that a word met again is
# not split again; but spaCy's tokenizer (3.8) stops keeping any in a text once it has met a chunk
# holding a special case ("kr", "t.ex."), and a plan always holds one early: every later chunk was
# split anew, ten times slower than a kept one. So each new chunk is first tokenised on its own,
# where it is kept unless it holds a special case itself. The tokens are the same either way (a
# chunk's tokens never depend on its neighbours: that is what lets the tokenizer keep them).
KEPT_CHUNKS = 100_000  # chunks the tokenizer keeps (spaCy keeps 10 000): a few MB
_seen_chunks: set[str] = set()


def make_doc(text: str) -> Doc:
    """``nlp.make_doc(text)``, the chunks of ``text`` not met before tokenised (and kept) first."""
    nlp = get_nlp()
    tokenizer = nlp.tokenizer
    if len(_seen_chunks) < tokenizer.max_cache_size:
        new = set(text.split()) - _seen_chunks
        for chunk in new:
            tokenizer(chunk)
        _seen_chunks.update(new)
    return nlp.make_doc(text)


# Each reader runs the steps it needs of the pipeline, on the tokens: the entity readers the
# entity ruler (whose patterns read token texts alone), the lemmas the lemma table, the sentences
# the sentencizer.


def _by_pieces(text: str, read: Callable[[Doc], Doc]) -> Doc:
    """``read`` on the text's tokens; a long text piece by piece (:func:`pieces`), the docs joined."""
    if len(text) <= PIECE:
        return read(make_doc(text))
    return Doc.from_docs([read(make_doc(piece)) for piece in pieces(text)], ensure_whitespace=False)


@lru_cache(maxsize=64)
def analyse(text: str) -> Doc:
    """The text's tokens and entities (cached: a text is analysed once however many readers ask)."""
    return _by_pieces(text, get_nlp().get_pipe("entity_ruler"))


def tokens(text: str) -> Doc:
    """The text tokenised, and nothing more."""
    return _by_pieces(text, lambda doc: doc)


@lru_cache(maxsize=8)
def forms_of(lemmas: frozenset[str]) -> tuple[str, ...]:
    """The lower-case forms whose lemma (as :func:`lemmas` gives it) is one of ``lemmas``."""
    candidates = set(lemma_table()) | set(LEMMA_EXCEPTIONS) | set(lemmas)
    return tuple(sorted(f for f in candidates if lemma_of(f).lower() in lemmas))


def may_hold_lemma(text: str, lemmas: frozenset[str]) -> bool:
    """False when no word of ``text`` can have one of ``lemmas``: no form of them is in its lower case."""
    low = text.lower()
    return any(f in low for f in forms_of(lemmas))


def lemmas(text: str) -> list[str]:
    """The lemmas of the words of ``text`` (punctuation and spaces left out), lower case."""
    return [lemma_of(t.lower_).lower() for t in tokens(text) if not t.is_punct and not t.is_space]


def is_stop(word: str) -> bool:
    return word.lower() in get_nlp().Defaults.stop_words


# -- members ---------------------------------------------------------------------------


@dataclass
class Found:
    """Something found in a text, with offsets relative to that text."""

    text: str
    start: int
    end: int
    kind: str = ""
    value: object = None


def municipality_name(place: str) -> str:
    """'Hallsberg' -> 'Hallsbergs kommun'; 'Kumla' -> 'Kumla kommun' (no genitive s after a vowel or s)."""
    place = place.strip()
    if place.lower().endswith(("a", "e", "i", "o", "u", "y", "å", "ä", "ö", "s", "x", "z")):
        return f"{place} kommun"
    return f"{place}s kommun"


def members_in(text: str) -> list[Found]:
    """Member organisations named in ``text``: kind state, region or municipality."""
    out: list[Found] = []
    for ent in analyse(text).ents:
        if ent.label_ != "MEMBER":
            continue
        kind = ent.ent_id_
        if kind == "municipalities":
            body = ent.text.split(None, 1)[1]
            for m in re.finditer(r"[A-ZÅÄÖ][\wåäöÅÄÖ-]*", body):
                start = ent.start_char + len(ent.text) - len(body) + m.start()
                out.append(Found(municipality_name(m.group(0)), start, start + len(m.group(0)), "municipality"))
            continue
        if kind == "municipality_list":
            out.extend(_municipality_list(text, ent.start_char, ent.end_char))
            continue
        name = re.sub(r"\s+", " ", ent.text)
        if kind == "state":
            name = name[0].upper() + name[1:].lower()
        if kind == "region" and name.startswith("Regionen"):
            continue
        out.append(Found(name, ent.start_char, ent.end_char, kind))
    return out


# Words one of which every MEMBER entity holds (in any case, within a word: "Västra
# Götalandsregionen"), except the lists of municipalities, which end in or open with "kommuner"
# ("kommunerna"). The longer forms ("Regionen", "landstinget") hold the shorter.
_MEMBER_WORDS = tuple(sorted({w.lower() for w in (*STATE_MEMBERS, *REGION_WORDS, *COUNTY_COUNCIL_WORDS, *MUNICIPALITY_WORDS)}))
_MEMBER_WORDS = tuple(w for w in _MEMBER_WORDS if not any(v != w and v in w for v in _MEMBER_WORDS))
_MUNICIPALITY_LISTS = "kommuner"


def members_at_most(text: str) -> Optional[int]:
    """At most how many members ``members_in(text)`` finds, without analysing it: entities do not
    overlap, so each holds a member word of its own. None when ``text`` may list municipalities."""
    low = text.lower()
    if _MUNICIPALITY_LISTS in low:
        return None
    return sum(low.count(w) for w in _MEMBER_WORDS)


def _municipality_list(text: str, a: int, b: int) -> list[Found]:
    """'Försäkringskassan, Region X samt Essunga, Grästorps och Vara kommuner': the municipalities
    are the one-word names before 'kommuner' (each 'X kommun' as written); the members named
    before them are read on their own."""
    body = text[a:b].rsplit(None, 1)[0]  # without "kommuner"
    names: list[re.Match] = []
    head_end = 0
    for m in reversed([m for m in re.finditer(r"(?:^|,\s*|\s+(?:och|samt)\s+)(?P<name>[^,]+?)(?=\s*,|\s+(?:och|samt)\s+|$)", body)]):
        words = m.group("name").split()
        ok = len(words) == 1 or (len(words) == 2 and words[0] in MUNICIPALITY_PREFIXES)
        if not ok or m.group("name").lower() in STATE_MEMBERS or words[0] in REGION_WORDS:
            head_end = m.end()
            break
        names.append(m)
        if re.match(r"\s+samt\s+", m.group(0)):
            head_end = m.start()
            break
    out = [Found(f"{m.group('name')} kommun", a + m.start("name"), a + m.end("name"), "municipality")
           for m in reversed(names)]
    if head_end:
        out = [Found(f.text, f.start + a, f.end + a, f.kind) for f in members_in(body[:head_end])] + out
    return out


# -- money, percentages ------------------------------------------------------------------


def money_in(text: str) -> list[Found]:
    """Amounts with a unit in prose -> Found(value=kronor). Valued by numbers.parse_cell."""
    out = []
    for ent in analyse(text).ents:
        if ent.label_ != "MONEY":
            continue
        amount = amount_of(ent.text)
        if amount is not None:
            out.append(Found(ent.text, ent.start_char, ent.end_char, "money", amount))
    return out


def amount_of(raw: str, default_unit: str = "kr") -> Optional[float]:
    """'1 210 000 kr' -> 1210000; '3,7 miljoner kr' -> 3700000; 'Max 55 000' -> 55000 (unit kr by default)."""
    m = re.search(rf"(?P<num>{numbers.NUMBER})\s*(?P<unit>[^\d()]*)", raw)
    if not m:
        return None
    unit = m.group("unit").strip().rstrip(".,;").strip()
    unit = re.sub(r"\s+", " ", unit)
    first = unit.split(" ")[0].lower() if unit else ""
    if first in UNIT_ALIASES:
        unit = UNIT_ALIASES[first]
    factor = numbers.unit_factor(unit) if unit else None
    if factor is None:
        unit_m = numbers.UNIT_RE.search(unit)
        factor = numbers.unit_factor(unit_m.group(0)) if unit_m else numbers.unit_factor(default_unit)
    cell = numbers.parse_cell(m.group("num"))
    if not isinstance(cell, numbers.Amount):
        return None
    return cell.sek(factor or 1)


def percents_in(text: str) -> list[Found]:
    out = []
    for ent in analyse(text).ents:
        if ent.label_ == "PERCENT":
            v = float(re.search(r"\d+(?:[,.]\d+)?", ent.text).group(0).replace(",", "."))
            out.append(Found(ent.text, ent.start_char, ent.end_char, "percent", v))
    return out


# -- dates --------------------------------------------------------------------------------


def parse_date(s: str) -> Optional[date]:
    """'2016-01-01', '20150901', '1 februari 2024' -> date; None when not a real date."""
    s = s.strip()
    try:
        m = re.fullmatch(r"((?:19|20)\d{2})-?(\d{2})-?(\d{2})", s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})\s+([a-zåäö]+)\.?\s+((?:19|20)\d{2})", s, re.I)
        if m and m.group(2).lower() in MONTHS:
            return date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None
    return None


def dates_in(text: str) -> list[Found]:
    out = []
    for ent in analyse(text).ents:
        if ent.label_ == "DATE":
            d = parse_date(ent.text)
            if d:
                out.append(Found(ent.text, ent.start_char, ent.end_char, "date", d))
    return out


def date_ranges(text: str) -> list[Found]:
    """Date ranges -> Found(value=(start, end)): '20150901-20161230', '2016-01-01 – 2016-12-31',
    '1 februari 2024 tom 31 januari 2027'."""
    out = []
    doc = analyse(text)
    ents = [e for e in doc.ents if e.label_ in ("DATE", "DATE_RANGE")]
    used = set()
    for e in ents:
        if e.label_ == "DATE_RANGE":
            m = re.fullmatch(r"(\d{4}-?\d{2}-?\d{2})[-–](\d{4}-?\d{2}-?\d{2})", e.text)
            a, b = (parse_date(m.group(1)), parse_date(m.group(2))) if m else (None, None)
            if a and b:
                out.append(Found(e.text, e.start_char, e.end_char, "range", (a, b)))
    dates = [e for e in ents if e.label_ == "DATE"]
    for x, y in zip(dates, dates[1:]):
        if x.start_char in used:
            continue
        if RANGE_JOINERS.match(text[x.end_char : y.start_char]):
            a, b = parse_date(x.text), parse_date(y.text)
            if a and b and a <= b:
                out.append(Found(text[x.start_char : y.end_char], x.start_char, y.end_char, "range", (a, b)))
                used.add(y.start_char)
    return sorted(out, key=lambda f: f.start)


def sentences(text: str) -> list[Found]:
    """The sentences of ``text`` as the pipeline's sentencizer splits them; a long text piece by
    piece, never held tokenised as a whole."""
    out, offset = [], 0
    for piece in pieces(text):
        out += [Found(piece[a:b], offset + a, offset + b, "sentence") for a, b in sentence_bounds(make_doc(piece))]
        offset += len(piece)
    return out


@lru_cache(maxsize=1)
def _punct_char_ids() -> "numpy.ndarray":
    import numpy

    strings = get_nlp().vocab.strings
    return numpy.array(sorted(strings.add(c) for c in get_nlp().get_pipe("sentencizer").punct_chars), dtype=numpy.uint64)


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) characters of the sentences spaCy's sentencizer finds in ``doc``, read from the
    token arrays instead of token by token: a token that is neither punctuation nor one of the
    sentencizer's sentence-final characters starts a sentence when such a character stands between
    it and the previous such token; the first token starts one too."""
    import numpy
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH

    if not len(doc):
        return []
    tokens = doc.to_array([IS_PUNCT, ORTH, IDX, LENGTH])
    final = numpy.isin(tokens[:, 1], _punct_char_ids())
    words = numpy.flatnonzero((tokens[:, 0] == 0) & ~final)
    finals_before = numpy.concatenate(([0], numpy.cumsum(final)))  # [i]: sentence-final tokens before token i
    after_previous = numpy.concatenate(([0], words[:-1] + 1))  # the first token after the previous word
    starts = words[finals_before[words] > finals_before[after_previous]]
    starts = numpy.union1d([0], starts)
    lasts = numpy.append(starts[1:], len(doc)) - 1
    return list(zip(tokens[starts, 2].tolist(), (tokens[lasts, 2] + tokens[lasts, 3]).tolist()))


_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_DATE = rf"\d{{1,2}}\s+(?:{_MONTH_ALT})\.?\s+(?:19|20)\d{{2}}"
_ISO_DATE = r"(?:19|20)\d{2}-\d{2}-\d{2}|(?:19|20)\d{6}"


def _month_year(n: int) -> str:
    return rf"(?P<m{n}>{_MONTH_ALT})\.?\s+(?P<y{n}>(?:19|20)\d{{2}})"



_JOIN = r"\s*(?:[-–—]|t\.?\s?o\.?\s?m\.?|till och med|till)\s*"
MONTH_RANGE = re.compile(rf"(?<![\w\d])(?:{_month_year(1)}){_JOIN}(?:{_month_year(2)})(?!\w)", re.I)
_FROM_ALT = "|".join(re.escape(w).replace("\\ ", r"\s*") for w in sorted(FROM_WORDS, key=len, reverse=True))
OPEN_START = re.compile(rf"(?<!\w)(?:{_FROM_ALT})\s*(?:den\s+)?(?P<date>{_DAY_DATE}|{_ISO_DATE})", re.I)
DAY_RANGE = re.compile(rf"(?<![\d-])(?P<a>{_DAY_DATE}|{_ISO_DATE}){_JOIN}(?P<b>{_DAY_DATE}|{_ISO_DATE})(?!\d)", re.I)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def period_of(text: str) -> Optional[Found]:
    """The first period stated in ``text`` -> Found(value=(start, end)); end is None when the
    period is open ("fr.o.m. 2021-09-01"). Day dates in every form ``date_ranges`` reads, month
    ranges ("jan 2022–dec 2023", "januari 2013 – december 2015": first to last day), open starts.
    A season or a bare year ("hösten 2022", "2017") states no exact date and gives None."""
    found = [f for f in date_ranges(text)]
    r = DAY_RANGE.search(text)
    if r:
        a, b = parse_date(r.group("a")), parse_date(r.group("b"))
        if a and b and a <= b:
            found.append(Found(r.group(0), r.start(), r.end(), "range", (a, b)))
    m = MONTH_RANGE.search(text)
    if m:
        a = date(int(m.group("y1")), MONTHS[m.group("m1").lower()], 1)
        b = _month_end(int(m.group("y2")), MONTHS[m.group("m2").lower()])
        if a <= b:
            found.append(Found(m.group(0), m.start(), m.end(), "range", (a, b)))
    o = OPEN_START.search(text)
    if o:
        d = parse_date(o.group("date"))
        if d:
            found.append(Found(o.group(0), o.start(), o.end(), "from", (d, None)))
    return min(found, key=lambda f: f.start) if found else None
