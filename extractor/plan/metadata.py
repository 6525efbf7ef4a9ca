"""Who the plan belongs to: association, plan year, budget years, members, org. number, adoption date.

The association's name is weighed, not counted: a web transcript's top may be a list of
other documents' titles naming many associations (003), so only the text after a
"Transkript:" line counts when there is one, and a name in the opening lines, in the
members sentence or in the adoption sentence weighs more than one in passing.
Names are folded to one canonical form, ``Samordningsförbundet <Ort>``:
"Lunds Samordningsförbund", "Lunds samordningsförbund" and "Finsam Lund" are one association.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from extractor.document import Document
from extractor import vocab
from extractor.vocab import nlp
from schemas import Member, Span

CANONICAL = "Samordningsförbundet {place}"
# Spellings of a place that differ from its canonical form (lower-case key).
PLACE_ALIASES: dict[str, str] = {
    "kävl-lomma": "Kävlinge-Lomma",
    "kävlings-lomma": "Kävlinge-Lomma",
    "kävlinge lomma": "Kävlinge-Lomma",
    "lund": "Lund",
}
DIRECTION_WORDS = ("Norra", "Södra", "Västra", "Östra", "Mellersta", "Nordvästra", "Sydvästra", "Nordöstra", "Sydöstra")
NOT_PLACES = {"dnr", "innehåll", "tabell", "sida", "förbundets", "styrelsen", "transkript", "protokoll", "årsredovisning",
              "delårsrapport", "plan", "flerårsplan", "antagen", "fastställd", "verksamhetsplan", "verksamhetsplanen", "varje", "detta", "denna", "ett", "en", "vårt", "samtliga", "alla",
              "finsam", "respektive", "budget", "styrelsen", "förbundet", "nationella"}
TRANSCRIPT_MARK = re.compile(r"^\s*Transkript:\s*$", re.M)
_DIR = "|".join(DIRECTION_WORDS)
_WORD = r"[A-ZÅÄÖ][\wåäöÅÄÖé-]*"
NAME_PATTERNS = (
    # "Samordningsförbundet Sydnärke", "Samordningsförbundet i Trelleborg", "Samordningsförbundet Södra Dalarna"
    # "Samordningsförbundet Göteborg Nordost", "Samordningsförbundet Mitt i Dalarna", "... Trollhättan Lilla Edet Grästorp"
    re.compile(rf"\b(?:Samordningsförbund(?:et)?|SAMORDNINGSFÖRBUNDET)[ \t]+(?:i[ \t]+)?"
               rf"(?P<place>(?:(?:{_DIR})[ \t]+)?{_WORD}(?:[ \t]+(?:i[ \t]+)?{_WORD}){{0,3}})"),
    # "Lunds Samordningsförbund", "Södra Dalarnas samordningsförbund"
    re.compile(rf"(?P<place>(?:(?:{_DIR})[ \t]+)?{_WORD})[ \t]+[Ss]amordningsförbund\b(?!et)", re.U),
    re.compile(rf"(?P<place>(?:(?:{_DIR.upper()})[ \t]+)?[A-ZÅÄÖ]{{3,}})[ \t]+SAMORDNINGSFÖRBUND\b(?!ET)"),
    # "Finsam Lund", "Finsam i Lund", "Finsam Kävlings-Lomma"
    re.compile(rf"\b(?:Finsam|FINSAM)[ \t]+(?:i[ \t]+)?(?P<place>{_WORD}(?:[ \t]+{_WORD}){{0,3}})"),
)
# A name never crosses a line, and each of NAME_PATTERNS holds one of these words as written: the
# patterns are run over the lines that hold one, not over the whole text.
# Each alternative a word as written: a search goes at once to the places where one may start.
NAME_WORDS = re.compile(r"Samordningsförbund|samordningsförbund|SAMORDNINGSFÖRBUND|Finsam|FINSAM")
OPENING_CHARS = 300  # a name this close to the content start is the title
WEIGHTS = {"title": 5, "members": 3, "adoption": 3, "text": 1}
MEMBER_CUES = vocab.MEMBER_CUES
ADOPTION = re.compile(r"(?:fastställ|antag|beslutad|godkän)\w*\s+av\s+(?:förbunds)?styrelsen", re.I)
PLAN_TITLE = re.compile(r"verksamhetsplan", re.I)
YEAR = r"(?:19|20)\d{2}"
BUDGET_RANGE = re.compile(rf"(?:budget(?:en)?(?:\s+för)?(?:\s+år)?|flerårsplan|åren|plan\s+för\s+åren"
                          rf"|verksamhetsplan(?:en)?(?:\s+och\s+budget)?(?:\s+för)?(?:\s+år)?)"
                          rf"\s+({YEAR})\s*[-–—]\s*({YEAR})", re.I)
# the two above read with case in the text in lower case (as case-blind, several times faster)
_ADOPTION, _BUDGET_RANGE = vocab.CaseBlind(ADOPTION), vocab.CaseBlind(BUDGET_RANGE)
ORG_NR = re.compile(r"org(?:anisations)?\.?\s*-?\s*nr\.?\s*:?\s*(\d{6}-\d{4})", re.I)


@dataclass
class Metadata:
    association: Optional[str] = None
    aliases: list[str] = field(default_factory=list)
    association_span: Optional[Span] = None
    plan_year: Optional[int] = None
    budget_years: list[int] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    org_number: Optional[str] = None
    adopted: Optional[date] = None
    places: list[str] = field(default_factory=list)  # the member municipalities' places


def content_start(text: str) -> int:
    """Where the plan's own text begins: after a 'Transkript:' line when there is one."""
    if "Transkript:" not in text:  # what TRANSCRIPT_MARK needs, found at once: most texts hold no mark
        return 0
    m = TRANSCRIPT_MARK.search(text)
    return m.end() if m else 0


# Municipalities whose name ends in -å: their genitive ends in -ås like Borås or Västerås does.
PLACES_IN_A = {"luleå", "piteå", "skellefteå", "umeå", "ånge"}


def place_key(place: str, genitive: bool) -> str:
    place = re.sub(r"\s+", " ", place.strip())
    if place.isupper():  # "SÖDRA DALARNA" -> "Södra Dalarna"; an acronym ("TLG") stays as it is
        place = " ".join(w if is_acronym(w) else w.capitalize() for w in place.split())
    # "Lunds samordningsförbund" -> Lund; place names ending in -ås/-ss keep their s (Borås),
    # unless the name without it is a place ending in -å ("Piteås" -> Piteå)
    if genitive and place.endswith("s") and (not place.endswith(("ås", "ss", "us")) or place[:-1].lower() in PLACES_IN_A):
        place = place[:-1]
    return PLACE_ALIASES.get(place.lower(), place)


def is_acronym(word: str) -> bool:
    return word.isupper() and not re.search(r"[AEIOUYÅÄÖ]", word)


def _initials_hold(acronym: str, place: str) -> bool:
    """'TLG' abbreviates 'Trollhättan Lilla Edet Grästorp': its letters are, in order, initials of the words."""
    initials = iter(w[0].upper() for w in place.split())
    return all(any(c == i for i in initials) for c in acronym)


def canonical_name(place: str) -> str:
    return CANONICAL.format(place=place)


def name_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` that holds one of NAME_WORDS, in order."""
    out: list[tuple[int, int]] = []
    for m in NAME_WORDS.finditer(text):
        if out and m.start() < out[-1][1]:
            continue  # on the line already taken
        end = text.find("\n", m.end())
        out.append((text.rfind("\n", 0, m.start()) + 1, len(text) if end < 0 else end))
    return out


def association(text: str, start: int, members_span: Optional[tuple[int, int]], adoption_span: Optional[tuple[int, int]]):
    scores: dict[str, float] = defaultdict(float)
    forms: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    body = text[start:]
    lines = name_lines(body)
    for i, pat in enumerate(NAME_PATTERNS):
        for m in (m for a, b in lines for m in pat.finditer(body, a, b)):
            raw_place = m.group("place")
            words = raw_place.split()
            cut = next((k for k, w in enumerate(words) if w.lower() in NOT_PLACES or (k and w.lower() == "i" and k == len(words) - 1)), None)
            if cut is not None:
                words = words[:cut]
            while words and words[-1].lower() == "i":
                words.pop()
            if not words:
                continue
            kept = re.match(r"\S+(?:\s+\S+){%d}" % (len(words) - 1), m.group("place"))
            raw_place = " ".join(words)
            key = place_key(raw_place, genitive=i in (1, 2))
            a, b = start + m.start(), start + (m.end() if i else m.start("place") + kept.end())
            where = "text"
            if a - start < OPENING_CHARS:
                where = "title"
            elif members_span and members_span[0] <= a < members_span[1]:
                where = "members"
            elif adoption_span and adoption_span[0] <= a < adoption_span[1]:
                where = "adoption"
            scores[key] += WEIGHTS[where]
            forms[key].append((text[a:b], a, b))
    # "Trelleborgs" seen after "Samordningsförbundet" is Trelleborg
    for key in list(scores):
        if key.endswith("s") and key[:-1] in scores:
            scores[key[:-1]] += scores.pop(key)
            forms[key[:-1]] += forms.pop(key)
    # "Samordningsförbundet Trollhättan Lilla Edet Grästorp, FINSAM TLG": the acronym is the name
    for key in [k for k in scores if is_acronym(k)]:
        full = [k for k in scores if not is_acronym(k) and len(k.split()) > 1 and _initials_hold(key, k)]
        if full:
            target = max(full, key=lambda k: scores[k])
            scores[target] += scores.pop(key)
            forms[target] += forms.pop(key)
    if not scores:
        return None, [], None
    best = max(scores, key=lambda k: (scores[k], -forms[k][0][1]))
    aliases = list(dict.fromkeys(f for f, _, _ in forms[best]))
    first = forms[best][0]
    return canonical_name(best), aliases, (first[1], first[2])


MEMBER_HINT = re.compile(r"försäkringskassa|arbetsförmedling|region|landsting|kommun", re.I)
_MEMBER_HINT = vocab.CaseBlind(MEMBER_HINT)


def members(sentences: list[nlp.Found], start: int) -> tuple[list[tuple[nlp.Found, int]], Optional[tuple[int, int]]]:
    """The members named in the plan's members sentence (the sentence naming most member
    organisations, with a cue word such as 'medlemmar' or 'parter' counting double).
    ``sentences``: those of the text from ``start`` on."""
    # the sentences that may name a member, those that may name the most first (a list of municipalities:
    # no bound), so that the best is met early and the others are not analysed; an equal score goes to
    # the earlier sentence, as in reading order
    hinted = [(i, s, nlp.members_at_most(s.text)) for i, s in enumerate(sentences) if _MEMBER_HINT.search(s.text)]
    hinted.sort(key=lambda h: (h[2] is not None, -(h[2] or 0), h[0]))
    best, best_key, best_span = [], (0.0, 0), None
    for i, s, most in hinted:
        if most is not None and (most + 2, -i) <= best_key:
            break  # no sentence left can outscore the best, even with a cue word
        found = nlp.members_in(s.text)
        names = {f.text for f in found}
        if not names or (len(names) + 2, -i) <= best_key:
            continue
        cue = any(any(l.startswith(c) for c in MEMBER_CUES) for l in nlp.lemmas(s.text))
        key = (len(names) + (2 if cue else 0), -i)
        if key > best_key:
            best, best_key, best_span = [(f, start + s.start) for f in found], key, (start + s.start, start + s.end)
    return best, best_span


MEMBERS_TABLE_HEAD = re.compile(r"^\W*(?:medlem|medlemmar|medlemsorganisation|part|parter|huvudman|huvudmän)\W*$", re.I)


def members_table(text: str, start: int) -> list[tuple[nlp.Found, int]]:
    """Members listed in a table whose first column is headed 'Medlem' (or 'Part'): one a row."""
    lines = text[start:].split("\n")
    pos = start
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    for i, line in enumerate(lines):
        first = re.split(r"\t|\s{2,}|\|", line.strip().strip("|"))[0] if line.strip() else ""
        if not MEMBERS_TABLE_HEAD.match(first.strip()):
            continue
        found = []
        for j in range(i + 1, len(lines)):
            row = lines[j]
            if not row.strip():
                break
            label = re.split(r"\t|\s{2,}|(?<=\S)\s*\|", row.strip().strip("|"))[0]
            lead = row.find(label)
            for f in nlp.members_in(label):
                found.append((f, offsets[j] + max(lead, 0)))
        if found:
            return found
    return []


def plan_year(text: str, start: int) -> Optional[int]:
    for m in PLAN_TITLE.finditer(text, start):
        line_end = text.find("\n", m.end())
        window = text[m.end() : min(line_end if line_end >= 0 else len(text), m.end() + 100)]
        y = re.search(rf"(?<!\d){YEAR}(?!\d)", window)
        if y:
            return int(y.group(0))
    return None


def budget_years(text: str, start: int, year: Optional[int]) -> list[int]:
    years = {year} if year else set()
    for m in _BUDGET_RANGE.finditer(text, start):
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < b - a <= 5 and (year is None or a <= year + 1):
            years.update(range(a, b + 1))
    return sorted(years)


def adoption(sentences: list[nlp.Found], start: int) -> tuple[Optional[date], Optional[tuple[int, int]]]:
    """The date the plan was adopted, from the first sentence saying so, and that sentence's span.
    ``sentences``: those of the text from ``start`` on."""
    for s in sentences:
        sent, a, b = s.text, start + s.start, start + s.end
        m = _ADOPTION.search(sent)
        if not m:
            continue
        for d in nlp.dates_in(sent):
            if d.start >= m.start():
                return d.value, (a, b)
    return None, None


PLAN_SIGNAL = re.compile(r"\b(?:verksamhetsplan\w*|budget\w*|flerårsplan\w*|verksamhetsår)\b", re.I)


def is_plan(text: str, meta: Metadata) -> bool:
    """A plan names its association and speaks of a plan or a budget: a document without a budget
    table (the budget attached as an image or another file) is still a plan; an article, minutes or
    a municipality's own budget is not."""
    return meta.association is not None and bool(PLAN_SIGNAL.search(text, content_start(text)))


def speaks_of_plan(text: str) -> bool:
    """The text speaks of a plan or a budget (verksamhetsplan, budget, ...) at all."""
    return bool(PLAN_SIGNAL.search(text))


def extract(doc: Document) -> Metadata:
    text = doc.text
    start = content_start(text)
    sentences = nlp.sentences(text[start:])
    found, members_span = members(sentences, start)
    if len({f.text for f, _ in found}) < 3:  # no sentence names them all: a members table may
        tabled = members_table(text, start)
        if len({f.text for f, _ in tabled}) > len({f.text for f, _ in found}):
            found = tabled
    adopted, adoption_span = adoption(sentences, start)
    name, aliases, name_span = association(text, start, members_span, adoption_span)
    year = plan_year(text, start)
    meta = Metadata(association=name, aliases=aliases, plan_year=year, budget_years=budget_years(text, start, year),
                    adopted=adopted)
    if name_span:
        meta.association_span = doc.span(*name_span)
    seen = set()
    for f, offset in found:
        if f.text in seen:
            continue
        seen.add(f.text)
        meta.members.append(Member(name=f.text, kind=f.kind, span=doc.span(offset + f.start, offset + f.end)))
        if f.kind == "municipality":
            meta.places.append(re.sub(r"s? kommun$", "", f.text))
            meta.places.append(f.text.replace(" kommun", ""))
    m = ORG_NR.search(text, start)
    if m:
        meta.org_number = m.group(1)
    return meta
