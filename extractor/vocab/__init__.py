"""The Swedish domain as data: every word the readers and the audit look for, in one place.

Each table here is the single source of one piece of domain knowledge; the table readers,
the audit and the PDF ingester derive their patterns from these tables (``words_re``), and
nothing else in the code spells a unit, a minus sign or a total word.
"""
from __future__ import annotations

import itertools
import re
from typing import Iterable, Iterator

# -- characters -------------------------------------------------------------------
SPACES = " \u00a0\u202f\u2009\u2007"  # thousands separators: space, no-break, narrow no-break, thin, figure
MINUS = "-−–"  # hyphen-minus, minus sign, en dash
FOOTNOTE_MARKS = "*¹²³⁴⁵⁶⁷⁸⁹⁾"  # '2 461*', '260¹⁾'

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december"]
MONTH_ABBREVIATIONS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec"]

# A list item: a bullet or a number with a dot or parenthesis before the text ("• ", "- ", "3) ").
LIST_ITEM = re.compile(r"^\s*(?:[-–•*✓]|\d{1,2}[.)])\s+")

# -- units: the word as printed (lower case, spaces folded) -> kronor per unit ---------
UNITS: dict[str, int] = {
    "kr": 1, "kronor": 1, "sek": 1, ":-": 1,
    "tkr": 1000, "t kr": 1000, "tkr.": 1000, "kkr": 1000, "tsek": 1000, "ksek": 1000, "t sek": 1000,
    "tusen kronor": 1000, "tusen kr": 1000, "tusentals kronor": 1000, "tusental kronor": 1000, "tusental kr": 1000,
    "tusentals kr": 1000,
    "mkr": 1_000_000, "mnkr": 1_000_000, "msek": 1_000_000, "milj kr": 1_000_000, "milj. kr": 1_000_000,
    "miljoner kr": 1_000_000, "miljoner kronor": 1_000_000, "mn kr": 1_000_000, "mn sek": 1_000_000,
}
UNIT_NAMES = {1: "kr", 1000: "tkr", 1_000_000: "Mkr"}  # the normal name of each factor

# Words below match anywhere in a label, compounds included ('kostnad' in 'Personalkostnader');
# '=word' matches the whole word only, '^word' only at the start of the label.

# -- column headers: words -> the kind of figures in the column ------------------------
# Order matters: the first kind whose words a header holds wins.
COLUMN_KINDS: list[tuple[str, list[str]]] = [
    ("actual", ["utfall", "bokslut", "redovisat", "verkligt"]),
    ("forecast", ["prognos", "=prel", "prel.", "preliminär"]),
    ("total", ["totalt", "summa", "=total"]),
    ("equity", ["eget kapital", "=ek"]),
    ("allocation", ["tilldelning", "medlemsavgift", "bidrag"]),
    ("wish", ["önskemål"]),
    ("budget", ["budget", "=plan", "flerårsplan", "=belopp", "beviljat", "beviljade"]),
]
# Columns whose cells are not amounts in kronor: notes, account codes, shares, counts, text.
NON_AMOUNT_COLUMNS: list[tuple[str, list[str]]] = [
    ("note", ["=not", "=noter", "=anm"]),
    ("code", ["=konto", "=kst", "=id", "=kontonr", "=ansvar"]),
    ("percent", ["=andel", "=procent", "%"]),
    ("count", ["=invånare", "=antal", "=befolkning", "=folkmängd"]),
    ("text", ["=huvudman", "=projektägare", "=ägare", "=period", "=projekttid", "=tid", "=kommentar", "=anordnare",
              "=samverkansparter", "=målgrupp"]),
]
# Footnote legends such as "(* = prognos, ** = önskemål)" -> cell kinds.
LEGEND_KINDS = {"prognos": "forecast", "önskemål": "wish", "utfall": "actual", "budget": "budget"}
# The first header cell of a table whose rows are years ("År | Medlemsbidrag | Kostnader | ...").
YEAR_ROWS_HEADER = ["=år", "=året", "=verksamhetsår"]

# -- row labels --------------------------------------------------------------------
TOTAL_WORDS = ["summa", "totalt", "totala", "total"]  # at the start of a label, or summa/totalt at its end
TOTAL_PHRASES = ["tillgängliga medel", "rörelsens kostnader"]
OF_WHICH_WORDS = ["^därav", "^varav"]
RESULT_WORDS = ["resultat", "medel till förfogande", "nettokostnad"]
OPENING_WORDS = ["vid årets ingång", "ingående", "ack. res", "föreg. år", "sparade medel", "från tidigare år",
                 "årets början", "=1 januari", "-01-01"]
CLOSING_WORDS = ["vid årets utgång", "utgående", "31/12", "medel till förfogande", "årets slut", "=31 december",
                 "-12-31"]
INCOME_WORDS = ["intäkt", "medlemsavgift", "medlemsbidrag", "driftbidrag", "medelstilldelning", "tilldelning", "bidrag från"]
# Row label words -> section; the first match wins.
SECTION_WORDS: list[tuple[str, list[str]]] = [
    ("result", ["resultat", "medel till förfogande", "nettokostnad", "överskott", "underskott"]),
    ("equity", ["eget kapital", "=ek", "sparade medel", "ack. res", "ackumulerad", "balanserad", "föreg. år"]),
    ("liabilities", ["skulder"]),
    ("income", INCOME_WORDS),
    ("cost", ["kostnad", "utgift", "insatser", "kansli", "administration", "projekt"]),
    ("assets", ["tillgångar", "fordringar", "^kassa", "=bank"]),
]
# Words that open a table's caption ("Tabell 3. Eget kapital (tkr)").
CAPTION_WORDS = ["tabell", "tab.", "bilaga", "figur"]
# Headings that open a group of rows ("Intäkter", then its rows), lower case.
SECTION_HEADINGS = ["intäkter", "kostnader", "insatser", "tillgångar", "skulder", "finansiering", "verksamhetskostnader"]
# A total's label that names the section it sums: "Summa intäkter" sums the income rows.
SECTION_IN_TOTAL = [("income", ["intäkt"]), ("cost", ["kostnad"])]

# Rows of a table whose columns are years and rows allocation, outcome and equity: the outcome rows.
OUTCOME_ROW_WORDS = ["^utfall", "^budget", "^kostnader"]

# -- words compared by their lemma (the language pipeline lemmatises only towards these) --------
# A heading holding one of these lemmas among its first words heads goals.
GOAL_LEMMAS = {"mål", "målsättning", "vision", "verksamhetsmål", "målområde", "utvecklingsområde", "verksamhetsidé",
               "projektmål", "effektmål", "resultatmål", "processmål", "strategisk", "målvärde"}
# kind -> lemmas in a goal heading that say it; the first kind that matches wins
GOAL_KINDS: list[tuple[str, set[str]]] = [
    ("vision", {"vision", "verksamhetsidé"}),
    ("financial", {"finansiell", "ekonomisk"}),
    ("quantitative", {"kvantitativ"}),
    ("individual", {"individuell", "individ"}),
    ("goal_area", {"målområde"}),
    ("development_area", {"utvecklingsområde"}),
    ("overall", {"övergripande", "effektmål", "långsiktig"}),
    ("operational", {"verksamhetsmål", "resultatmål", "processmål", "strategisk"}),
]
# Beginnings of lemmas in a sentence that names the members ("medlemmar", "parterna", "huvudmän").
MEMBER_CUES = ("medlem", "part", "huvudman", "samverka", "medlemsorganisation", "bilda")

# -- members: the statutory split of the contributions ----------------------------------
MEMBER_GROUPS: list[tuple[str, list[str]]] = [
    ("state", ["försäkringskassan", "arbetsförmedlingen", "=staten", "statlig"]),
    ("region", ["region", "landsting"]),
    ("municipality", ["kommun", "=stad"]),  # "Göteborgs Stad"
]
STATUTORY_SPLIT = {"state": 0.50, "region": 0.25, "municipality": 0.25}

_W = r"[\wåäöÅÄÖ]"


def words_re(words: Iterable[str]) -> str:
    """An alternation of the words for a regex (see the marks above). A space matches any run of
    spaces; a dot may be left out ('ack res' and 'ack. res')."""
    words = set(words)
    parts: list[tuple[str, str]] = []
    for w in sorted(words, key=lambda x: len(x.lstrip("=^")), reverse=True):
        mark, word = (w[0], w[1:]) if w[:1] in "=^" else ("", w)
        p = re.escape(word).replace(r"\.\ ", r"\.?\s*").replace(r"\ ", r"\s+")
        if p.endswith(r"\."):
            p = p[:-2] + r"\.?"
        if mark == "^":
            p = rf"^\s*{p}(?!{_W})"
        parts.append((mark, p))
    # whole words next to each other in the order share one test of the word boundaries: the same
    # matches, the boundaries tested once at each place rather than once per word
    out = []
    for whole, run in itertools.groupby(parts, key=lambda part: part[0] == "="):
        alternatives = [p for _, p in run]
        if whole:
            out.append(rf"(?<!{_W})(?:{'|'.join(alternatives)})(?!{_W})")
        else:
            out += alternatives
    # the characters a match can start with, tested first: a search skips every other place at once
    firsts = {w.lstrip("=")[:1] for w in words}
    if firsts and all(c and not c.isspace() and c not in "^." for c in firsts):
        return f"(?=[{''.join(re.escape(c) for c in sorted(firsts))}])(?:" + "|".join(out) + ")"
    return "(?:" + "|".join(out) + ")"


def compile_words(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(words_re(words), re.I)


CAPTION_START = re.compile(rf"^\s*{words_re(CAPTION_WORDS)}\s*\d", re.I)


# A pattern whose letters are all lower case matches a text case-blind (re.I) where it matches, with
# case, the text in lower case once the two letters str.lower() leaves and re.I reads as others are
# made those: 'ı' (dotless) is read as 'i', 'ſ' as 's'. With case, a pattern is several times faster.
AS_CASE_BLIND = str.maketrans({"ı": "i", "ſ": "s"})


def with_case(rx: re.Pattern[str]) -> re.Pattern[str]:
    """``rx`` (case-blind, its letters all lower case) matched with case: for :func:`lower_case` texts."""
    return re.compile(rx.pattern, rx.flags & ~re.I)


def lower_case(text: str) -> str | None:
    """``text`` as a pattern from :func:`with_case` reads it, at the same offsets; None where str.lower()
    changes the length of the text ('İ' becomes two characters), so that offsets would not be the same."""
    low = text.lower()
    if len(low) != len(text):
        return None
    return low.translate(AS_CASE_BLIND) if "ı" in low or "ſ" in low else low


class CaseBlind:
    """A case-blind pattern (its letters all lower case) searched with case in the text in lower case,
    case-blind where :func:`lower_case` gives no such text. The matches are those of the text in lower
    case: their offsets and their groups without letters are the text's."""

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.blind = rx
        self.cased = with_case(rx)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        low = lower_case(text)
        return self.blind.search(text, pos) if low is None else self.cased.search(low, pos)

    def finditer(self, text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        low = lower_case(text)
        return self.blind.finditer(text, pos) if low is None else self.cased.finditer(low, pos)
