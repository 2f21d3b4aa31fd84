"""NormalizedDoc text → the six report sections and the three table regions (half-open normalized offsets)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractor.schema import SectionKey, TableKey
from extractor.types import Heading

# Headings in report order. Each must follow the previous one; numbering may be missing or odd.
SECTION_PATTERNS: tuple[tuple[SectionKey, str], ...] = (
    ("overview", r"(?:一\s*[、.,]\s*)?(?:总体情况|概述)"),
    ("active_disclosure", r"二\s*[、.,]\s*(?:主动公开政府信息情况|政府信息主动公开情况)|主动公开政府信息情况"),
    ("applications", r"三\s*[、.,]\s*收到和处理政府信息公开申请情况|收到和处理政府信息公开申请情况"),
    (
        "review_litigation",
        r"四\s*[、.,]\s*(?:因)?政府信息公开(?:工作)?(?:被申请)?行政(?:法)?复议[、,]?\s*(?:提起)?行政诉讼情况",
    ),
    (
        "problems",
        r"五\s*[、.,]\s*(?:政府信息公开工作)?存在(?:的)?(?:主要)?问题(?:及|和)?(?:改进情况|整改措施|改进措施)?",
    ),
    ("other", r"六\s*[、.,]\s*其他需要报告的事项"),
)
SECTION_TABLE: dict[SectionKey, TableKey] = {
    "active_disclosure": "active",
    "applications": "applications",
    "review_litigation": "review",
}
# Where a table starts when its section heading is missing.
TABLE_FALLBACK: dict[TableKey, str] = {
    "active": r"第二十条\s*第\s*\(一\)\s*项",
    # a page that starts inside table 三 (a flipbook page, an excerpt) still prints its own row labels
    "applications": r"本列数据的勾稽关系|申请人情况|(?:一\s*[、.]\s*)?本年新收政府信息公开申请数量"
    r"|(?:二\s*[、.]\s*)?上年结转政府信息公开申请数量|四\s*[、.]\s*结转下年度继续办理",
    "review": r"行政复议\s*行政诉讼|行政复议\s*\t",
}
# Where the table itself starts inside its section (narrative before it is not part of the table).
TABLE_START: dict[TableKey, str] = {
    "active": r"第二十条",
    "applications": r"[(]本列数据的勾稽关系|申请人情况|自然人|本年新收",
    "review": r"行政复议",
}


def find_headings(text: str) -> list[Heading]:
    """First occurrence of each heading after the previous one found, preferring line starts."""
    found: list[Heading] = []
    pos = 0
    for key, pattern in SECTION_PATTERNS:
        rx = re.compile(pattern)
        at_line = re.compile(rf"(?:^|(?<=\n)|(?<=\s\s)|(?<=[。)]\s))[ \t]*(?:{pattern})", re.MULTILINE)
        m = at_line.search(text, pos) or (rx.search(text, pos) if key != "overview" else None)
        if m is None:
            continue
        start = m.start() + len(m.group()) - len(m.group().lstrip())
        found.append(Heading(key, start, m.end()))
        pos = m.end()
    return found


def section_bounds(text: str, headings: Sequence[Heading]) -> dict[SectionKey, tuple[int, int]]:
    """Section key → (heading start, next heading start or end of text)."""
    bounds: dict[SectionKey, tuple[int, int]] = {}
    for i, h in enumerate(headings):
        end = headings[i + 1].start if i + 1 < len(headings) else len(text)
        bounds[h.key] = (h.start, end)
    return bounds


def table_regions(text: str, headings: Sequence[Heading]) -> dict[TableKey, tuple[int, int]]:
    bounds = section_bounds(text, headings)
    regions: dict[TableKey, tuple[int, int]] = {}
    for section, table in SECTION_TABLE.items():
        if section in bounds:
            start, end = bounds[section]
            m = re.compile(TABLE_START[table]).search(text, start, end)
            regions[table] = (m.start() if m else start, end)
    for table, pattern in TABLE_FALLBACK.items():
        if table in regions:
            continue
        m = re.search(pattern, text)
        if m:
            later = [h.start for h in headings if h.start > m.end()]
            regions[table] = (m.start(), min(later) if later else len(text))
    return regions
