"""RuleTagger: the regex baseline and the source of silver labels, behind the ``Tagger`` protocol."""

from __future__ import annotations

import re
from functools import lru_cache

from extractor import template as tpl
from extractor.segment import table_regions
from extractor.template import SECTION_PATTERNS
from extractor.types import NormalizedDoc, Span, TaggedDoc

_ROW_PATTERNS = tuple(
    dict.fromkeys(
        r.pattern
        for rows in (tpl.ACTIVE_2019, tpl.ACTIVE_2021, tpl.APPLICATIONS_2019, tpl.APPLICATIONS_2021)
        for r in rows
    )
)
ROW_RX = re.compile("|".join(f"(?:{p})" for p in (*_ROW_PATTERNS, tpl.GROUP_LABELS.pattern)))
TITLE_ITEM_RX = re.compile(r"第二十条\s*第\s*[(]\s*[一二三四五六七八九十]+\s*[)]\s*项")
COL_RX = re.compile("|".join(tpl.column_patterns()))  # every column header of the printed template
# A value: optional sign, digits, optional decimals, optional unit; not a list number like "1." or "2、". A sign
# right after a digit starts the next value of a glued run (80-10: 80 and -10 of 本年增/减), never vanishes.
# Not a date, a share or a counted figure of the prose (``template.prose_figure``): those are never cells.
VALUE_RX = re.compile(r"(?:(?<=\d)[+\-]|(?<![\d.])[+\-]?)\d+(?:\.\d+)?(?:\s*万元|\s*元)?(?![\d]|[.、][^\d]|[.、]$)")
# a blank marker is a cell of its own: bounded by layout (spaces, tabs, line breaks, a pipe table's bars)
BLANK_RX = re.compile(rf"(?:(?<=[\t\n |])|^)(?:{tpl.BLANK_MARKER.pattern})(?=[\t\n |]|$)", re.MULTILINE)
# A row label the template does not have (行政确认 in table 二, a local extra row): a line that starts with a
# word and is followed by a value. Tagged ROW so that it bounds the values around it: they never feed a
# template row (the assembler aligns only template labels).
_OTHER_ROW = re.compile(r"(?m)^[ \t|]*([\u4e00-\u9fff][\u4e00-\u9fff()、“”]{1,24})[ \t|]*(?=\n?[ \t|]*[+\-]?\d)")
_LABEL_CHAR = re.compile(r"[\u3400-\u9fff()“”\"、,.:;“”‘’/]")


class RuleTagger:
    """Regex tagger over the normalized text; tables are located by section headings first."""

    name = "rules-1"

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        text = doc.text
        headings = doc.headings
        spans: list[Span] = [Span(h.start, h.end, "SECTION") for h in headings]
        for start, end in table_regions(text, headings).values():
            spans.extend(self._tag_table(text, start, end))
        spans = _drop_overlaps(spans)
        return TaggedDoc(doc=doc, spans=tuple(spans), tagger=self.name)

    def _tag_table(self, text: str, start: int, end: int) -> list[Span]:
        claims = _Claims(start, end)
        for m in _heading_rx().finditer(text, start, end):
            claims.mark(m.start(), m.end())
        for m in TITLE_ITEM_RX.finditer(text, start, end):
            claims.claim(m.start(), m.end(), "TITLE_ITEM")
        rows = [m.span() for m in ROW_RX.finditer(text, start, end) if claims.free(m.start(), m.end())]
        for s, e in rows:
            claims.mark(s, e)
        for m in COL_RX.finditer(text, start, end):
            claims.claim(m.start(), m.end(), "COL")
        for s, e in rows:  # grow each key phrase over the unclaimed rest of its printed label
            claims.mark(s, e, taken=False)
            claims.claim(*_expand_label(text, s, e, start, end, claims.taken), "ROW")
        for s, e in _other_rows(text, start, end):
            claims.claim(s, e, "ROW")
        for seg_start, seg_end in _free_segments(claims.taken, start):
            for s, e, label in _values(text, seg_start, seg_end):
                claims.claim(seg_start + s, seg_start + e, label)
        return claims.spans


class _Claims:
    """The characters of a table region ``[start, end)`` already given a label: a span claims free ones only."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.taken = bytearray(end - start)
        self.spans: list[Span] = []

    def free(self, s: int, e: int) -> bool:
        return not any(self.taken[s - self.start : e - self.start])

    def mark(self, s: int, e: int, taken: bool = True) -> None:
        self.taken[s - self.start : e - self.start] = (b"\x01" if taken else b"\x00") * (e - s)

    def claim(self, s: int, e: int, label: str) -> None:
        if self.free(s, e):
            self.mark(s, e)
            self.spans.append(Span(s, e, label))


def _other_rows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Labels of rows the template lacks, in ``text[start:end]`` (see ``template.may_be_extra_row``)."""
    return [m.span(1) for m in _OTHER_ROW.finditer(text, start, end) if tpl.may_be_extra_row(m.group(1))]


def _values(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Values, then blank markers, of the unclaimed stretch ``text[start:end]`` of a table (offsets into it);
    what comes before it was claimed by a label."""
    segment = text[start:end]
    found = [
        (m.start(), m.end(), "VALUE")
        for m in VALUE_RX.finditer(segment)
        if not tpl.prose_figure(text, start + m.start(), start + m.end(), after_label=m.start() == 0 and start > 0)
    ]
    return found + [(m.start(), m.end(), "BLANK") for m in BLANK_RX.finditer(segment)]


def _free_segments(taken: bytearray, offset: int) -> list[tuple[int, int]]:
    """Maximal runs of unclaimed characters, as absolute offsets."""
    return [(offset + m.start(), offset + m.end()) for m in re.finditer(rb"\x00+", bytes(taken))]


@lru_cache(maxsize=1)
def _heading_rx() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for _, p in SECTION_PATTERNS))


def _expand_label(text: str, s: int, e: int, lo: int, hi: int, taken: bytearray) -> tuple[int, int]:
    """Grow a matched key phrase to the whole printed label: its numbering and the rest of its words."""

    def is_free(i: int) -> bool:
        return not taken[i - lo]

    while s > lo and is_free(s - 1):
        ch = text[s - 1]
        if _LABEL_CHAR.match(ch) and not (ch == ")" and text[s - 2 : s - 1].isdigit()):
            s -= 1
        elif ch.isdigit() and text[s : s + 1] in ".、":  # the item number; glued text may precede it
            s -= 1
            break
        else:
            break
    while e < hi and is_free(e) and _LABEL_CHAR.match(text[e]):
        e += 1
    return s, e


def _drop_overlaps(spans: list[Span]) -> list[Span]:
    spans.sort(key=lambda sp: (sp.start, -(sp.end - sp.start)))
    kept: list[Span] = []
    for sp in spans:
        if kept and sp.start < kept[-1].end:
            continue
        kept.append(sp)
    return kept
