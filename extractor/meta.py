"""Report metadata (agency, report year, publication date), sections, and figures outside the tables."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from extractor.schema import Figure, Meta, Section, SectionKey
from extractor.segment import find_headings, section_bounds
from extractor.types import NormalizedDoc

_TITLE = re.compile(
    r"(?:标题\s*:\s*)?(?P<agency>[^\n\t:]{0,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:的)?\s*"
    r"(?:政府)?信息公开(?:工作)?\s*(?:年度)?\s*(?:报告|年报)"
)
_AGENCY_TAIL = re.compile(
    r"(?:政府|办公室|办事处|局|委员会|委|厅|部|署|院|中心|区|县|市|州|省|镇|乡|街道|管委会|公司)$"
)
_PUBLISHED = re.compile(
    r"(?:发布时间|发布日期|公开日期|成文日期|发文日期|日期)\s*[:]?\s*(?P<y>(?:19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})"
)
PREAMBLE_CHARS = 800


def find_meta(doc: NormalizedDoc) -> Meta:
    text = doc.text
    head = text[:3000]
    agency: str | None = None
    year: int | None = None
    title_end = 0
    candidates = [m for m in _TITLE.finditer(head)]
    hint = doc.source.title_hint
    hint_match = _TITLE.search(_fold(hint)) if hint else None
    for m in candidates:
        if "根据" in m.group("agency") or "编制" in m.group("agency"):
            continue
        year = int(m.group("year"))
        title_end = m.end()
        raw_agency = doc.raw(*m.span("agency")).strip() if m.group("agency").strip() else ""
        agency = raw_agency or _previous_line_agency(doc, m.start())
        break
    if (agency is None or year is None) and hint_match:
        year = year or int(hint_match.group("year"))
        agency = agency or (hint_match.group("agency").strip() or None)
    if agency:
        agency = _expand(agency, text, title_end)
    published = None
    pm = _PUBLISHED.search(text[:5000])
    if pm:
        published = f"{pm['y']}-{int(pm['m']):02d}-{int(pm['d']):02d}"
    return Meta(agency=agency, year=year, published=published)


def _fold(text: str) -> str:
    return text.replace("：", ":").replace("（", "(").replace("）", ")")


def _previous_line_agency(doc: NormalizedDoc, pos: int) -> str | None:
    before = doc.text[:pos].rstrip("\n ").rsplit("\n", 1)
    line_start = len(before[0]) + 1 if len(before) == 2 else 0
    line = doc.text[line_start:pos].strip()
    if line and len(line) <= 30 and _AGENCY_TAIL.search(line):
        s = doc.text.index(line, line_start)
        return doc.raw(s, s + len(line)).strip()
    return None


def _expand(agency: str, text: str, title_end: int) -> str:
    """'洪泽区人民政府' → '淮安市洪泽区人民政府' when the preamble after the title names it with its city."""
    if not re.match(r"[\u4e00-\u9fff]{2,6}?[区县]", agency):
        return agency
    prefixes: Counter[str] = Counter()
    preamble = text[title_end : title_end + PREAMBLE_CHARS]
    for m in re.finditer(re.escape(agency), preamble):
        before = preamble[max(0, m.start() - 6) : m.start()]
        for n in range(3, len(before) + 1):  # the shortest city name: 淮安市, not 由淮安市
            cand = before[-n:]
            if cand[-1] in "省市州盟" and re.fullmatch(r"[\u4e00-\u9fff]+", cand):
                prefixes[cand] += 1
                break
    if prefixes:
        return prefixes.most_common(1)[0][0] + agency
    return agency


def find_sections(doc: NormalizedDoc) -> dict[SectionKey, Section]:
    headings = find_headings(doc.text)
    bounds = section_bounds(doc.text, headings)
    out: dict[SectionKey, Section] = {}
    for h in headings:
        start, end = bounds[h.key]
        out[h.key] = Section(
            title=doc.text[h.start : h.end], text=doc.text[h.end : end].strip(), span=doc.raw_span(start, end)
        )
    return out


_FIGURE = re.compile(
    r"(?P<label>[\u4e00-\u9fff“”\"]{2,16}?)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>条|件|个|次|篇|项|人次|万元|元)"
)


def find_figures(doc: NormalizedDoc) -> list[Figure]:
    """Figures printed in the narrative (for reports without the official tables)."""
    figures = []
    for m in _FIGURE.finditer(doc.text):
        value = Decimal(m["value"])
        figures.append(
            Figure(
                label=m["label"].strip('“”"'),
                value=int(value) if value == value.to_integral_value() and "." not in m["value"] else value,
                unit=m["unit"],
                span=doc.raw_span(m.start("value"), m.end("value")),
            )
        )
    return figures
