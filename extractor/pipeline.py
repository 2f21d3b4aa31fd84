"""extract(): SourceDoc → ExtractionOutput, and the per-document error record. No I/O here."""

from __future__ import annotations

import logging
import re

from extractor.assemble import Assembly, CellDraft, assemble
from extractor.calibration import document_confidence
from extractor.constraints import evaluate
from extractor.io.readers import doc_id_of, sniff_format
from extractor.meta import find_figures, find_meta, find_sections
from extractor.normalize import normalize
from extractor.schema import (
    Cell,
    CellStatus,
    Check,
    CheckStatus,
    ErrorInfo,
    ExtractionOutput,
    Review,
    SourceInfo,
)
from extractor.tagging import Tagger
from extractor.types import NormalizedDoc, SourceDoc, TaggedDoc

log = logging.getLogger(__name__)
_PRE2019 = re.compile(r"依申请公开情况|咨询情况|举报|收到申请数|当面申请|信函申请|指标名称|计量单位")


def cell_from_draft(doc: NormalizedDoc, draft: CellDraft) -> Cell:
    if draft.start is None or draft.end is None:
        return Cell(
            value=None,
            raw="",
            span=None,
            confidence=draft.confidence,
            status=draft.status,
            alternatives=draft.alternatives,
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
        alternatives=draft.alternatives,
        box=layout.box(*span) if layout else None,
    )


def _template(assembly: Assembly, doc: NormalizedDoc, year: int | None) -> str:
    if assembly.cells:
        return assembly.template
    if (year is not None and year <= 2019) or _PRE2019.search(doc.text):
        return "pre2019"
    return "unknown"


def read_tables(tagged: TaggedDoc) -> tuple[Assembly, dict[str, Cell], list[Check]]:
    """Tagged text → the assembled tables, their cells (offsets into the original text) and rule checks."""
    assembly = assemble(tagged)
    cells = {k: cell_from_draft(tagged.doc, d) for k, d in assembly.cells.items()}
    return assembly, cells, evaluate(assembly.rules, cells)


def extract(source: SourceDoc, *, tagger: Tagger) -> ExtractionOutput:
    """Run normalize → tag → assemble → validate on one document."""
    doc = normalize(source)
    tagged = tagger.tag(doc)
    assembly, cells, checks = read_tables(tagged)
    meta = find_meta(doc)
    reasons = [f"{i.path}: {i.code.value}: {i.detail}" for i in assembly.issues if i.code.value != "row_not_found"]
    reasons += [f"{c.rule}: {c.detail}" for c in checks if c.status is CheckStatus.FAIL]
    template = _template(assembly, doc, meta.year)
    uncertain = any(c.status in (CellStatus.MISSING, CellStatus.REPAIRED, CellStatus.INFERRED) for c in cells.values())
    return ExtractionOutput(
        doc_id=source.doc_id,
        source=SourceInfo(
            path=source.path,
            format=source.format,
            encoding=source.encoding
            + "".join(f"+{n.split(':')[0]}" for n in doc.notes if n.startswith(("mojibake", "t2s", "pinyin"))),
        ),
        template=template,  # type: ignore[arg-type]
        template_detail=assembly.layouts,
        meta=meta,
        sections=find_sections(doc),
        cells=cells,
        checks=checks,
        review=Review(needed=bool(reasons) or uncertain or not cells, reasons=reasons[:50]),
        figures=find_figures(doc) if template in ("pre2019", "unknown") else [],
        confidence=document_confidence(checks, cells),
        tagger=tagged.tagger,
    )


def error_record(path: str, data: bytes | None, kind: str, message: str) -> ExtractionOutput:
    fmt = sniff_format(path, data or b"")
    return ExtractionOutput(
        doc_id=doc_id_of(data) if data is not None else "",
        source=SourceInfo(path=path, format=fmt, encoding="unknown"),
        review=Review(needed=True, reasons=[f"{kind}: {message}"]),
        error=ErrorInfo(kind=kind, message=message),
    )
