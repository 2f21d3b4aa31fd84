"""extract(): SourceDoc → ExtractionOutput, and the per-document error record. No I/O here."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from extractor import template as tpl
from extractor.assemble import CellDraft, assemble
from extractor.calibration import document_confidence
from extractor.constraints import evaluate
from extractor.crosscheck import Reading, combine, joined_name, support, table_score
from extractor.io.readers import doc_id_of, sniff_format
from extractor.meta import find_figures, find_meta, find_sections
from extractor.normalize import normalize
from extractor.resolve import Resolution, resolve
from extractor.schema import (
    Cell,
    CellStatus,
    Check,
    CheckStatus,
    ErrorInfo,
    ExtractionOutput,
    Issue,
    IssueCode,
    Review,
    SourceInfo,
    TableKey,
    TextEnd,
)
from extractor.segment import CONTEXT, table_regions
from extractor.tagging import Tagger
from extractor.tagging.nbest import alternatives
from extractor.types import NormalizedDoc, SourceDoc, TaggedDoc

log = logging.getLogger(__name__)
# Printed only in the pre-2019 statistics table (统计表 with 指标名称 / 计量单位, 收到申请数 / 当面申请 …).
_PRE2019_TABLE = re.compile(r"指标名称|计量单位|统计表|收到申请数|当面申请|信函申请|网上申请数")
# Section titles of pre-2019 reports (概述, 依申请公开情况, 咨询情况, 收费及减免 …).
_PRE2019_PROSE = re.compile(r"依申请公开(?:政府信息)?(?:的)?情况|咨询情况|举报|收费及减免|总体工作情况|概述")
FEW_CELLS = 20  # a "table" of fewer cells read than this, in a report printing the pre-2019 table, is prose


def cell_from_draft(doc: NormalizedDoc, key: str, draft: CellDraft) -> Cell:
    """A drafted cell as the contract's ``Cell``: offsets into the original text, its printed labels."""
    row_label, column_label = tpl.cell_labels(key)
    if draft.start is None or draft.end is None:
        return Cell(
            value=None,
            raw="",
            span=None,
            confidence=draft.confidence,
            status=draft.status,
            alternatives=[list(a) for a in draft.alternatives],
            row_label=row_label,
            column_label=column_label,
        )
    span = doc.raw_span(draft.start, draft.end)
    layout = doc.source.layout
    # An OCR'd cell is no surer than its least certain character.
    confidence = draft.confidence * (layout.min_confidence(*span) if layout else 1.0)
    return Cell(
        value=draft.value,
        raw=doc.source.raw_text[span[0] : span[1]],
        span=span,
        confidence=round(confidence, 4),
        status=draft.status,
        alternatives=[list(a) for a in draft.alternatives],
        box=layout.box(*span) if layout else None,
        row_label=row_label,
        column_label=column_label,
    )


def _template(resolution: Resolution, cells: dict[str, Cell], doc: NormalizedDoc, year: int | None) -> str:
    """The layout of the tables printed, not of words in the narrative: the found tables decide; without them
    the pre-2019 statistics table, a year before 2019, or (no year) pre-2019 section titles say pre2019."""
    text = doc.text
    read = sum(c.status is not CellStatus.MISSING for c in cells.values())
    old_table = bool(_PRE2019_TABLE.search(text))
    if resolution.layouts and not (read < FEW_CELLS and (old_table or (year is not None and year <= 2018))):
        if resolution.template != "unknown":
            return resolution.template
        return "2019" if year in (2019, 2020) else "2021"  # table 四 alone is the same in both layouts
    if old_table or (year is not None and year <= 2018) or (year is None and _PRE2019_PROSE.search(text)):
        return "pre2019"
    return "unknown"


def resolved(tagged: TaggedDoc, year: int | None = None) -> tuple[Resolution, list[Check]]:
    """Tagged text → the tables assembled as readings, resolved by their arithmetic, and the rule checks."""
    resolution = resolve(assemble(tagged, year))
    return resolution, evaluate(list(resolution.rules), resolution.cells)


def read_tables(tagged: TaggedDoc, year: int | None = None) -> tuple[Resolution, dict[str, Cell], list[Check]]:
    """Tagged text → the resolved tables, their cells (offsets into the original text) and rule checks."""
    resolution, checks = resolved(tagged, year)
    return resolution, contract_cells(tagged.doc, resolution), checks


def contract_cells(doc: NormalizedDoc, resolution: Resolution) -> dict[str, Cell]:
    return {k: cell_from_draft(doc, k, d) for k, d in resolution.cells.items()}


Tables = tuple[Resolution, list[Check], str, list[str]]  # resolution, checks, tagger, notes


def read_document(doc: NormalizedDoc, taggers: list[Tagger], year: int | None = None) -> Tables:
    """The tables as the first tagger reads them, or, table by table, the reading the template's arithmetic
    supports best (``crosscheck``) among the first tagger's, its next-best readings of its doubtful characters
    in a table its reading leaves open (``reconsidered``) and the other taggers': resolution, checks, tagger
    name, and notes."""
    tagged = taggers[0].tag(doc)
    resolution, checks = resolved(tagged, year)
    first = Reading(tagged.tagger, resolution, checks)
    readings = [first, *reconsidered(tagged, first, year)]
    if len(readings) == 1 and len(taggers) == 1:
        return resolution, checks, tagged.tagger, []
    names = [tagged.tagger]
    for other in taggers[1:]:
        more = other.tag(doc)
        names.append(more.tagger)
        readings.append(Reading(more.tagger, *resolved(more, year)))
    combined, checks, notes = combine(readings)
    return combined, checks, joined_name(names), notes


RECONSIDERED: tuple[TableKey, ...] = ("applications", "review")  # the tables with rules to choose by


def reconsidered(tagged: TaggedDoc, first: Reading, year: int | None = None) -> list[Reading]:
    """For each table with rules that ``first`` (the reading of ``tagged``) leaves open (``_open``), the tagger's
    next-best reading of its doubtful characters in that table (``tagging.nbest``) that the table's arithmetic
    supports better (no more rules failing or not assessable, cells missing, or cells repaired or inferred, and
    fewer of one), the least costly of equals; as a reading of that table alone, named by what it reads
    otherwise."""
    if not tagged.distributions:
        return []
    regions = table_regions(tagged.doc.text, tagged.doc.headings)
    out: list[Reading] = []
    for table in RECONSIDERED:
        if table not in first.resolution.layouts or table not in regions:
            continue
        before = support(table_score(first, table))
        if not _open(first, table):
            continue
        lo, hi = regions[table]
        best: tuple[tuple[int, ...], float, Reading] | None = None
        for alt in alternatives(tagged, (lo, hi)):
            near = tuple(sp for sp in alt.tagged.spans if sp.end > lo - CONTEXT and sp.start < hi + CONTEXT)
            resolution, checks = resolved(replace(alt.tagged, spans=near), year)
            if table not in resolution.layouts:
                continue  # read otherwise, the table's labels are no longer found
            name = f"{tagged.tagger} reading {alt.reading} at {alt.start}–{alt.end}"
            reading = Reading(name, _only(resolution, table), checks)
            better = support(table_score(reading, table))
            if _dominates(better, before) and (best is None or (better, alt.cost) < best[:2]):
                best = (better, alt.cost, reading)
        if best is not None:
            out.append(best[2])
    return out


def _dominates(better: tuple[int, ...], before: tuple[int, ...]) -> bool:
    """``better`` (``crosscheck.support``: rules not holding, failing, missing, repaired or inferred) has no more
    rules not holding, cells missing, or cells missing or placed by repair (a missing cell now split from a glued
    run is read, not lost) than ``before``; and more rules hold, or fewer fail, or fewer cells are missing with no
    more placed by repair (a page number read into an empty table holds no rule and is placed by inference). Its
    failing rules may be more only where more rules hold (a value read that lets two rules be checked, one holding
    and one failing, as a report's own slip fails it; never one that lets rules be checked only to fail them)."""
    unheld, fails, missing, repaired, *_ = better
    was_unheld, was_fails, was_missing, was_repaired, *_ = before
    kept, old = [unheld, missing, missing + repaired], [was_unheld, was_missing, was_missing + was_repaired]
    no_worse = all(b <= a for a, b in zip(old, kept, strict=True)) and (fails <= was_fails or unheld < was_unheld)
    gained = unheld < was_unheld or fails < was_fails or (missing < was_missing and repaired <= was_repaired)
    return no_worse and gained


def _open(reading: Reading, table: TableKey) -> bool:
    """A rule of ``table`` fails, or a cell of it is missing or placed by inference (a short row): what a value
    the tagger doubted away, or a digit it took for a value, leaves. (A glued run split by the rules is not, nor
    a table the text stops inside: its later cells are missing as printed.)"""
    cut = reading.resolution.cut
    if cut is not None and cut.table == table:
        return False
    if any(c.status is CheckStatus.FAIL and tpl.table_of(c.rule) == table for c in reading.checks):
        return True
    return any(
        c.status in (CellStatus.MISSING, CellStatus.INFERRED) and tpl.table_of(k) == table
        for k, c in reading.cells.items()
    )


def _only(resolution: Resolution, table: TableKey) -> Resolution:
    """``resolution`` restricted to ``table``: a reading made for one table is a candidate for no other."""
    return Resolution(
        layouts={table: resolution.layouts[table]},
        cells={k: c for k, c in resolution.cells.items() if tpl.table_of(k) == table},
        issues=tuple(i for i in resolution.issues if tpl.table_of(i.path) == table),
        rules=tuple(r for r in resolution.rules if tpl.table_of(r.name) == table),
        cut=resolution.cut if resolution.cut is not None and resolution.cut.table == table else None,
    )


def extract(source: SourceDoc, *, tagger: Tagger, cross_check: Tagger | None = None) -> ExtractionOutput:
    """Run normalize → tag → assemble → validate on one document. With ``cross_check`` (a second tagger, the
    rules), each table is the reading of either tagger that the table's rules support best."""
    doc = normalize(source)
    meta = find_meta(doc)
    taggers = [tagger, *([cross_check] if cross_check else [])]
    resolution, checks, tagger_name, notes = read_document(doc, taggers, meta.year)
    cells = contract_cells(doc, resolution)
    issues = _reported(resolution)
    reasons = [f"{i.path}: {i.code.value}: {i.detail}" for i in issues if i.code is not IssueCode.ROW_NOT_FOUND]
    reasons += notes
    reasons += [f"{c.rule}: {c.detail}" for c in checks if c.status is CheckStatus.FAIL]
    template = _template(resolution, cells, doc, meta.year)
    text_end = None
    if template == "pre2019":  # words of the narrative read as a table: not the official tables
        cells, checks = {}, []
    elif resolution.cut is not None:
        table, after = resolution.cut.table, resolution.cut.after
        text_end = TextEnd(table=table, after=after, offset=len(source.raw_text))
        reasons.append(f"{table}: the text ends inside the table after {after or 'its header'}; later cells missing")
    uncertain = any(c.status in (CellStatus.MISSING, CellStatus.REPAIRED, CellStatus.INFERRED) for c in cells.values())
    return ExtractionOutput(
        doc_id=source.doc_id,
        source=SourceInfo(
            path=source.path,
            format=source.format,
            encoding=source.encoding + "".join(f"+{n.step}" for n in doc.notes if n.step in ENCODING_REPAIRS),
        ),
        template=template,  # type: ignore[arg-type]
        template_detail={} if template == "pre2019" else {str(t): v for t, v in resolution.layouts.items()},
        meta=meta,
        sections=find_sections(doc),
        cells=cells,
        checks=checks,
        review=Review(needed=bool(reasons) or uncertain or not cells, reasons=reasons[:50]),
        text_end=text_end,
        issues=issues,
        figures=find_figures(doc) if template in ("pre2019", "unknown") else [],
        confidence=document_confidence(cells),
        tagger=tagger_name,
    )


ENCODING_REPAIRS = ("mojibake", "pinyin", "t2s")  # normalizer steps that say how the text was encoded


def _reported(resolution: Resolution) -> list[Issue]:
    """The issues an output carries: all of them but the rows not found of a table not found (that table's own
    ``table_not_found`` says it)."""
    return [
        i
        for i in resolution.issues
        if i.code is not IssueCode.ROW_NOT_FOUND or tpl.table_of(i.path) in resolution.layouts
    ]


def error_record(path: str, data: bytes | None, kind: str, message: str) -> ExtractionOutput:
    fmt = sniff_format(path, data or b"")
    return ExtractionOutput(
        doc_id=doc_id_of(data) if data is not None else "",
        source=SourceInfo(path=path, format=fmt, encoding="unknown"),
        review=Review(needed=True, reasons=[f"{kind}: {message}"]),
        error=ErrorInfo(kind=kind, message=message),
    )
