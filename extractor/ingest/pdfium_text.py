"""PDF text layer read through PDFium: the words and rules pdfplumber gives, without interpreting
the content streams in Python.

pdfplumber reads a page by having pdfminer interpret its content streams and by turning every
character into a dictionary, all in Python; PDFium (pypdfium2, which pdfplumber itself depends on)
does the interpreting in C. This module asks PDFium for the characters and path objects of a page
and rebuilds what pdfplumber would have made of them:

* a character's box is pdfminer's: x from the origin to the origin plus the advance, y from the
  baseline plus the font's descent to that plus the font size, the size being the rendered one
  (the font size times the text matrix: Chromium sets its text at size 1 and scales it). PDFium's
  own boxes are the glyphs' outlines or an ascent/descent of its own, so the baseline comes from
  the character's origin and the descent from the font's descriptor exactly as pdfminer reads it
  (pdfminer's font objects, made from the page resources without interpreting any content);
* characters PDFium makes up (spaces between text objects, line breaks) are dropped; a hyphen it
  marks as ending a line is a hyphen again; a ligature it splits into its letters keeps their box;
* words are grouped as pdfplumber's ``extract_words`` groups them with ``extra_attrs`` of font
  name and size: runs of characters in content-stream order sharing font and size, clustered into
  lines by top within ``y_tolerance``, split at spaces, at x gaps over ``x_tolerance``, at a jump
  back and at a line change;
* the rules of ruled tables: each path object (inside form XObjects too) split into subpaths and
  made a line, a rectangle or a curve by pdfminer's rules, then into pdfplumber's edges, in
  pdfplumber's top-down coordinates, for pdfplumber's own ``TableFinder``.

A page this cannot serve exactly (a rotated page, rotated or vertical text, a Type 3 font, a font
PDFium and pdfminer do not both know, a font without widths) is left to pdfplumber:
:meth:`Layer.page` returns None.

Where PDFium's text page itself differs from pdfminer's characters, the difference stays (none
of it occurs in the corpus): PDFium drops a glyph printed twice at about one place (bold made by
overprinting) and a text object without extent, and puts a marked-content ActualText in place of
the glyphs; pdfminer leaves the character spacing after a string's last glyph out of its advance.
"""
from __future__ import annotations

import ctypes
import io
import itertools
import operator
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Optional

import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFType3Font
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfplumber.utils.text import LIGATURES

# Pages read by each reader since the process started: "pdfium", and "pdfplumber" for a page or a
# file PDFium cannot serve exactly (the benchmark and the tests report it).
PAGES_READ: Counter = Counter()

SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
SPACES = {0x20, 0x09, 0x0A, 0x0D, 0xA0}
HYPHEN_MARK = 0x02  # PDFium's code for a hyphen it takes to end a line
LIGATURES_BACK = {letters: ligature for ligature, letters in LIGATURES.items()}  # "fi" -> "ﬁ"
FORM_DEPTH = 8  # form XObjects nested deeper than this are not read (fonts, text order, rules)


def _c(name: str, argtypes, restype):
    """The C function ``name`` with its handles as plain integers (hashable, cheap to pass): a
    second prototype over the same address, so pypdfium2's own binding stays as it is."""
    bound = getattr(pdfium_c, name)
    fn = type(bound)(ctypes.cast(bound, ctypes.c_void_p).value)
    fn.argtypes, fn.restype = argtypes, restype
    return fn


_vp, _int, _dbl = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
_TextObject = _c("FPDFText_GetTextObject", (_vp, _int), _vp)
_Unicode = _c("FPDFText_GetUnicode", (_vp, _int), ctypes.c_uint)
_IsGenerated = _c("FPDFText_IsGenerated", (_vp, _int), _int)
_LooseBox = _c("FPDFText_GetLooseCharBox", (_vp, _int, ctypes.POINTER(pdfium_c.FS_RECTF)), _int)
_Origin = _c("FPDFText_GetCharOrigin", (_vp, _int, ctypes.POINTER(_dbl), ctypes.POINTER(_dbl)), _int)
_FontSize = _c("FPDFText_GetFontSize", (_vp, _int), _dbl)
_CharMatrix = _c("FPDFText_GetMatrix", (_vp, _int, ctypes.POINTER(pdfium_c.FS_MATRIX)), _int)
_CountChars = _c("FPDFText_CountChars", (_vp,), _int)
_Font = _c("FPDFTextObj_GetFont", (_vp,), _vp)
_FontName = _c("FPDFFont_GetBaseFontName", (_vp, ctypes.c_char_p, ctypes.c_size_t), ctypes.c_size_t)
_CountObjects = _c("FPDFPage_CountObjects", (_vp,), _int)
_GetObject = _c("FPDFPage_GetObject", (_vp, _int), _vp)
_FormCount = _c("FPDFFormObj_CountObjects", (_vp,), _int)
_FormObject = _c("FPDFFormObj_GetObject", (_vp, ctypes.c_ulong), _vp)
_ObjType = _c("FPDFPageObj_GetType", (_vp,), _int)
_ObjMatrix = _c("FPDFPageObj_GetMatrix", (_vp, ctypes.POINTER(pdfium_c.FS_MATRIX)), _int)
_DrawMode = _c("FPDFPath_GetDrawMode", (_vp, ctypes.POINTER(_int), ctypes.POINTER(_int)), _int)
_CountSegments = _c("FPDFPath_CountSegments", (_vp,), _int)
_Segment = _c("FPDFPath_GetPathSegment", (_vp, _int), _vp)
_SegmentPoint = _c("FPDFPathSegment_GetPoint", (_vp, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)), _int)
_SegmentType = _c("FPDFPathSegment_GetType", (_vp,), _int)
_SegmentClose = _c("FPDFPathSegment_GetClose", (_vp,), _int)
_Rotation = _c("FPDFPage_GetRotation", (_vp,), _int)

OBJ_TEXT, OBJ_PATH, OBJ_FORM = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
SEG_LINE, SEG_BEZIER, SEG_MOVE = pdfium_c.FPDF_SEGMENT_LINETO, pdfium_c.FPDF_SEGMENT_BEZIERTO, pdfium_c.FPDF_SEGMENT_MOVETO


class Unreadable(Exception):
    """PDFium or pdfminer cannot read the file's structure: pdfplumber reads it (and says why not)."""


class FontInfo:
    """A font as pdfminer reads it: the name pdfplumber reports, the descent pdfminer sizes its
    characters with, and the advance of each character by its text."""

    def __init__(self, font):
        self.font = font
        self.name = font.fontname if isinstance(font.fontname, str) else _name(font.fontname)
        self.descent = font.get_descent()  # below the baseline, a share of the font size (negative)
        self.exact = not isinstance(font, PDFType3Font) and not font.is_vertical()  # sized as here
        self._widths: Optional[dict] = None

    def widths(self) -> dict:
        """The advance of each character by its text, a share of the font size."""
        if self._widths is None:
            self._widths = self._read_widths()
        return self._widths

    def _read_widths(self) -> dict:
        """Text -> (advance, what PDFium's advance falls short of it); where glyphs of different
        advances show the same text (a ligature's part, a variant), a list of those, to be told
        apart by PDFium's box. PDFium keeps advances in whole thousandths of the font size."""
        # the text of a code: the ToUnicode map's, else (a font without one) the encoding's
        by_code = getattr(getattr(self.font, "unicode_map", None), "cid2unichr", None) or getattr(self.font, "cid2unicode", None) or {}
        codes: dict[str, set[int]] = {}
        for cid, text in by_code.items():
            codes.setdefault(text, set()).add(cid)
        out: dict = {}
        for text, cids in codes.items():
            widths = set()
            for cid in cids:
                try:
                    widths.add(self.font.char_width(cid))
                except Exception:
                    continue
            pairs = sorted((w, w - int(round(w * 1000, 6)) / 1000) for w in widths)
            if pairs:
                out[text] = pairs[0] if len(pairs) == 1 else pairs
        return out


@dataclass
class PageText:
    """What pdfplumber would give for a page: its height, its words, its edges."""

    height: float
    bbox: tuple[float, float, float, float]
    words: list[tuple[str, float, float, float, float, float, str]]  # text, x0, top, x1, bottom, size, font
    edges: Optional[list[dict]]  # None: the page has no line or rectangle (pdfplumber finds no table)


class Layer:
    """One document open in PDFium, with pdfminer's fonts of each page. Raises Unreadable."""

    def __init__(self, data: bytes):
        try:
            self.fonts = page_fonts(data)
        except Exception as exc:
            raise Unreadable(str(exc)) from None
        try:
            self.doc = pypdfium2.PdfDocument(data)
        except Exception as exc:
            raise Unreadable(str(exc)) from None
        if len(self.doc) != len(self.fonts):
            self.close()
            raise Unreadable("PDFium and pdfminer count the pages differently")

    def __len__(self) -> int:
        return len(self.fonts)

    def close(self) -> None:
        self.doc.close()

    def page(self, index: int, x_tolerance: float, y_tolerance: float) -> Optional[PageText]:
        """The words and edges of page ``index`` (0-based), or None when pdfplumber must read it."""
        page = self.doc[index]
        try:
            raw = page.raw
            if _Rotation(ctypes.cast(raw, _vp).value) % 4:
                return None
            x0, y0, x1, y1 = page.get_mediabox()
            height = abs(y1 - y0)
            order, paths = _objects(ctypes.cast(raw, _vp).value, height)
            textpage = page.get_textpage()
            try:
                chars = _chars(ctypes.cast(textpage.raw, _vp).value, self.fonts[index], height, order)
            finally:
                textpage.close()
            if chars is None:
                return None
            lines, rects, curves = paths
            edges = _edges(lines, rects, curves) if (lines or rects) else None
            return PageText(height, (min(x0, x1), 0.0, max(x0, x1), height), group_words(chars, x_tolerance, y_tolerance), edges)
        finally:
            page.close()


# -- fonts as pdfminer reads them ---------------------------------------------------------------
def page_fonts(data: bytes) -> list[dict[str, FontInfo]]:
    """For each page, its fonts (those of its form XObjects too) by name, as pdfminer makes them:
    the name pdfplumber reports, the descent and the widths pdfminer sizes characters with."""
    doc = PDFDocument(PDFParser(io.BytesIO(data)))
    manager = PDFResourceManager(caching=True)
    out = []
    for page in PDFPage.create_pages(doc):
        fonts: dict[str, FontInfo] = {}
        _resource_fonts(page.resources, manager, fonts, 0, set())
        out.append(fonts)
    return out


def _resource_fonts(resources, manager: PDFResourceManager, fonts: dict[str, FontInfo], depth: int, seen: set) -> None:
    resources = resolve1(resources)
    if not isinstance(resources, dict):
        return
    for spec in (resolve1(resources.get("Font")) or {}).values():
        objid = spec.objid if isinstance(spec, PDFObjRef) else None
        spec = resolve1(spec)
        info = FontInfo(manager.get_font(objid, spec))
        # PDFium names a font by its BaseFont, pdfminer by its descriptor's FontName: both find it
        base = _name(spec.get("BaseFont")) if isinstance(spec, dict) and spec.get("BaseFont") is not None else info.name
        for name in (info.name, base):
            fonts.setdefault(name, info)
            fonts.setdefault(SUBSET_TAG.sub("", name), info)
    if depth >= FORM_DEPTH:
        return
    for ref in (resolve1(resources.get("XObject")) or {}).values():
        key = ref.objid if isinstance(ref, PDFObjRef) else id(ref)
        xobject = resolve1(ref)
        if key in seen or not isinstance(xobject, PDFStream) or _name(xobject.get("Subtype")) != "Form":
            continue
        seen.add(key)
        _resource_fonts(xobject.get("Resources"), manager, fonts, depth + 1, seen)


def _name(value) -> str:
    value = resolve1(value)
    if isinstance(value, PSLiteral):
        value = value.name
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value)


# -- characters ------------------------------------------------------------------------------
def _chars(textpage: int, fonts: dict[str, FontInfo], height: float, order: dict[int, int]):
    """(text, x0, top, x1, bottom, size, font name, font, stream order, index) of every character
    pdfminer would make, or None when one of them cannot be made exactly.

    PDFium places the characters of a text object with advances it keeps in whole thousandths
    of the font size (a width of 633.79 is 633); pdfminer with the font's own widths. Along a
    text object the difference adds up (half a point over a line set with fractional widths),
    so each character is moved by the sum of the differences before it in its object (and in
    the object it continues, one starting on the same baseline exactly where PDFium's advance
    of the one before ended: a bold lead-in, then the rest of the line), and ends at its origin
    plus its own advance (PDFium's loose box ends at the glyph's outline where that reaches
    further)."""
    rect, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
    ox, oy = _dbl(), _dbl()
    pox, poy, prect = ctypes.byref(ox), ctypes.byref(oy), ctypes.byref(rect)
    name_buf = ctypes.create_string_buffer(256)
    text_object, unicode_of, origin_of, generated = _TextObject, _Unicode, _Origin, _IsGenerated
    by_object: dict[int, list] = {}
    by_font: dict[int, Optional[FontInfo]] = {}
    out: list = []
    ordered, last_rank = True, -1
    # the object being read: its handle, state, and what its characters share
    current, state = None, None
    name = widths = None
    size = descent = scale = drift = 0.0
    rank = 0
    last_x = None  # the origin of the object's last character, for ligature pieces
    # the last character read: its baseline, where PDFium's advance of it ends, the drift there
    end_y, end_x, end_drift = None, 0.0, 0.0
    for i in range(_CountChars(textpage)):
        obj = text_object(textpage, i)
        if not obj:
            continue  # a line break PDFium made up
        code = unicode_of(textpage, i)
        if not code or (code in SPACES and generated(textpage, i)):
            continue  # a space PDFium made up between two text objects, or a character without one
        origin_of(textpage, i, pox, poy)
        x, y = ox.value, oy.value
        if obj != current:
            if state is not None:
                state[5], state[6] = drift, last_x
            state = by_object.get(obj)
            if state is None:
                font = _Font(obj)
                known = by_font.get(font, False)
                if known is False:
                    length = _FontName(font, name_buf, len(name_buf))
                    base = name_buf.value.decode("latin-1") if length else ""
                    known = fonts.get(base) or fonts.get(SUBSET_TAG.sub("", base))
                    by_font[font] = known
                if known is None or not known.exact:
                    return None
                _CharMatrix(textpage, i, matrix)
                a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
                if b or c or a <= 0 or d <= 0:
                    return None  # rotated, skewed or mirrored text: pdfminer's boxes are not upright
                font_size = _FontSize(textpage, i)
                carried = end_drift if end_y is not None and abs(y - end_y) < 1e-3 and abs(x - end_x) < 2e-4 else 0.0
                state = [known, font_size * d, known.descent * font_size * d, order.get(obj, len(order)),
                         font_size * a, carried, None]
                by_object[obj] = state
            current = obj
            known, size, descent, rank, scale, drift, last_x = state
            name, widths = known.name, known.widths()
            if rank < last_rank:
                ordered = False
            last_rank = rank
        text = chr(code) if code != HYPHEN_MARK else "-"
        if x == last_x and out and out[-1][8] == i - 1:
            # a piece of a ligature PDFium split into its letters: one character for pdfminer
            prev = out[-1]
            joined = prev[0] + text
            entry = widths.get(joined) or widths.get(LIGATURES_BACK.get(joined, ""))
            if type(entry) is list:
                entry = entry[-1]
            out[-1] = (joined, prev[1], prev[2], prev[1] + entry[0] * scale if entry is not None else prev[3], *prev[4:8], i)
            continue
        x0 = x + drift
        entry = widths.get(text)
        if type(entry) is list:  # glyphs of different advances show this text: PDFium's box tells
            _LooseBox(textpage, i, prect)
            entry = min(entry, key=lambda e: abs(x + e[0] * scale - rect.right))
        if entry is not None:
            width, short = entry
            x1 = x0 + width * scale
            end_y, end_x = y, x + (width - short) * scale
            drift += short * scale
            end_drift = drift
        else:
            _LooseBox(textpage, i, prect)
            x1 = rect.right + drift
            end_y = None
        bottom = y + descent
        out.append((text, x0, height - bottom - size, x1, height - bottom, size, name, rank, i))
        last_x = x
    if any(ch[3] == ch[1] and unicodedata.category(ch[0][0])[0] not in "ZMC" for ch in out):
        return None  # a letter without an advance (a font without widths): pdfminer stacks, PDFium spreads
    if not ordered:
        out.sort(key=lambda ch: (ch[7], ch[8]))  # content-stream order, as pdfminer reads it
    return [(LIGATURES.get(ch[0], ch[0]), *ch[1:]) if ch[0] in LIGATURES or len(ch[0]) > 1 else ch for ch in out]


def group_words(chars, x_tolerance: float, y_tolerance: float) -> list[tuple]:
    """pdfplumber's ``extract_words(x_tolerance, y_tolerance, extra_attrs=["fontname", "size"])``
    over upright characters: runs of one font and size, each clustered into lines by top and
    read left to right, a word ending at a space, a gap, a jump back or a change of line."""
    words = []
    for _, run in itertools.groupby(chars, key=_FONT_AND_SIZE):
        run = list(run)
        tops = sorted({ch[2] for ch in run})
        if len(tops) == 1:
            lines = [run]
        else:
            cluster, last, k = {}, tops[0], 0
            for top in tops:
                if top > last + y_tolerance:
                    k += 1
                cluster[top], last = k, top
            grouped: list[list] = [[] for _ in range(k + 1)]
            for ch in run:
                grouped[cluster[ch[2]]].append(ch)
            lines = grouped
        for line in lines:
            line.sort(key=_X0)
            word: list = []
            prev = None
            for ch in line:
                if ch[0].isspace():
                    if word:
                        words.append(word)
                        word = []
                    prev = None
                    continue
                if prev is not None and (ch[1] < prev[1] or ch[1] > prev[3] + x_tolerance or abs(ch[2] - prev[2]) > y_tolerance):
                    words.append(word)
                    word = []
                word.append(ch)
                prev = ch
            if word:
                words.append(word)
    out = []
    for w in words:
        first = w[0]
        if len(w) == 1:
            out.append((first[0], first[1], first[2], first[3], first[4], first[5], first[6]))
        else:
            out.append(("".join([ch[0] for ch in w]), min([ch[1] for ch in w]), min([ch[2] for ch in w]),
                        max([ch[3] for ch in w]), max([ch[4] for ch in w]), first[5], first[6]))
    return out


_FONT_AND_SIZE = operator.itemgetter(6, 5)
_X0 = operator.itemgetter(1)


# -- path objects ----------------------------------------------------------------------------
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _objects(page: int, height: float):
    """The stream order of the page's text objects, and its lines, rectangles and curves."""
    order: dict[int, int] = {}
    lines: list = []
    rects: list = []
    curves: list = []
    m = pdfium_c.FS_MATRIX()
    fill, stroke = _int(), _int()
    x, y = ctypes.c_float(), ctypes.c_float()

    def walk(holder: int, count, get, outer: Matrix, depth: int) -> None:
        for i in range(count(holder)):
            obj = get(holder, i)
            kind = _ObjType(obj)
            if kind == OBJ_TEXT:
                order[obj] = len(order)
            elif kind == OBJ_FORM and depth < FORM_DEPTH:
                _ObjMatrix(obj, m)
                walk(obj, _FormCount, _FormObject, _mul((m.a, m.b, m.c, m.d, m.e, m.f), outer), depth + 1)
            elif kind == OBJ_PATH:
                _DrawMode(obj, fill, stroke)
                if fill.value or stroke.value:  # a path only clipping is no object in pdfminer
                    _ObjMatrix(obj, m)
                    _path(obj, _mul((m.a, m.b, m.c, m.d, m.e, m.f), outer), height, x, y, lines, rects, curves)

    walk(page, _CountObjects, _GetObject, IDENTITY, 0)
    return order, (lines, rects, curves)


def _path(obj: int, matrix: Matrix, height: float, x, y, lines: list, rects: list, curves: list) -> None:
    """A path object's subpaths as pdfminer's ``paint_path`` makes them (top-down coordinates)."""
    a, b, c, d, e, f = matrix
    ops: list[tuple[str, tuple[float, float]]] = []
    n, k = _CountSegments(obj), 0
    while k < n:
        seg = _Segment(obj, k)
        kind = _SegmentType(seg)
        if kind == SEG_BEZIER and k + 2 < n:  # two control points, then the end point
            k += 2
            seg = _Segment(obj, k)
        _SegmentPoint(seg, x, y)
        px, py = x.value, y.value
        point = (a * px + c * py + e, b * px + d * py + f)
        ops.append(("m" if kind == SEG_MOVE else "c" if kind == SEG_BEZIER else "l", point))
        if _SegmentClose(seg):
            ops.append(("h", ops[0][1]))  # placeholder: set to the subpath's start below
        k += 1
    subpaths: list[list] = []
    for op in ops:
        if op[0] == "m" or not subpaths:
            subpaths.append([])
        subpaths[-1].append(op)
    for sub in subpaths:
        if sub[0][0] != "m":
            continue
        shape = "".join(op for op, _ in sub)
        pts = [sub[0][1] if op == "h" else p for op, p in sub]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"  # a redundant line back to the start, closed
            pts.pop()
        pts = [(px, height - py) for px, py in pts]
        if shape in ("ml", "mlh"):
            lines.append(pts[:2])
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
            if pts[0] == pts[4] and square:
                rects.append((min(x0, x2), min(y0, y2), max(x0, x2), max(y0, y2)))
            else:
                curves.append(pts)
        else:
            curves.append(pts)


def _edge(kind: str, x0: float, x1: float, top: float, bottom: float, orientation: Optional[str]) -> dict:
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "orientation": orientation}


def _edges(lines: list, rects: list, curves: list) -> list[dict]:
    """pdfplumber's ``page.edges``: a line's edge, a rectangle's four, a curve's segments."""
    out = []
    for (xa, ta), (xb, tb) in lines:
        top, bottom = min(ta, tb), max(ta, tb)
        out.append(_edge("line", min(xa, xb), max(xa, xb), top, bottom, "h" if top == bottom else "v"))
    for x0, top, x1, bottom in rects:
        out += [_edge("rect_edge", x0, x1, top, top, "h"), _edge("rect_edge", x0, x1, bottom, bottom, "h"),
                _edge("rect_edge", x0, x0, top, bottom, "v"), _edge("rect_edge", x1, x1, top, bottom, "v")]
    for pts in curves:
        for (xa, ta), (xb, tb) in zip(pts, pts[1:]):
            orientation = "v" if xa == xb else ("h" if ta == tb else None)
            out.append(_edge("curve_edge", min(xa, xb), max(xa, xb), min(ta, tb), max(ta, tb), orientation))
    return out
