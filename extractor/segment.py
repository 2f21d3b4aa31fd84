"""NormalizedDoc text → the six report sections and the three table regions (half-open normalized offsets)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractor.schema import SectionKey, TableKey
from extractor.template import SECTION_PATTERNS, SECTION_TABLE, TABLE_FALLBACK, TABLE_NUMBER, TABLE_START
from extractor.types import Heading


def find_headings(text: str) -> list[Heading]:
    """First occurrence of each heading after the previous one found, preferring line starts."""
    found: list[Heading] = []
    pos = 0
    for key, pattern in SECTION_PATTERNS:
        rx = re.compile(pattern)
        lead = rf"(?:^|(?<=\n)|(?<=\s\s)|(?<=[。)]\s))[ \t]*(?:{TABLE_NUMBER})?"  # a line's start, a table number
        at_line = re.compile(rf"{lead}(?:{pattern})", re.MULTILINE)
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


CONTEXT = 64  # characters of text read on either side of a table region, as the tagger's context
# The most of one table region a tagger reads. The fullest table 三, as converter markdown with a cell per line,
# is about 10,000 characters; a region far longer is a heading found in narrative, with the rest of a long
# text after it, and tagging all of it would cost minutes (a 40 MB text: over 10) for no table.
MAX_REGION = 40_000


def tagged_stretches(
    text: str, headings: Sequence[Heading], context: int = CONTEXT, longest: int = MAX_REGION
) -> list[tuple[int, int]]:
    """The stretches of ``text`` a tagger must read: each table region (its first ``longest`` characters)
    with ``context`` characters on either side, overlapping ones merged. Narrative outside them holds no table
    cell (its stated figures are read from the text itself), so the model passes over it."""
    stretches: list[tuple[int, int]] = []
    for lo, hi in sorted(table_regions(text, headings).values()):
        lo, hi = max(0, lo - context), min(len(text), min(hi, lo + longest) + context)
        if stretches and lo <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], max(hi, stretches[-1][1]))
        else:
            stretches.append((lo, hi))
    return stretches
