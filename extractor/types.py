"""Values passed between pipeline stages. Plain frozen dataclasses: no I/O, no handles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractor.offsets import OffsetMap
from extractor.schema import Box, SectionKey, SourceFormat


@dataclass(frozen=True)
class Layout:
    """Page geometry of ``SourceDoc.raw_text``, one entry per character (``None``: a character a reader made up,
    such as the line break between two OCR lines). ``confidence`` holds the OCR engine's per-character score
    (1.0 for characters from a text layer), or is ``None`` when no character was recognised by OCR."""

    boxes: tuple[Box | None, ...]
    confidence: tuple[float, ...] | None = None
    ocr_pages: frozenset[int] = frozenset()  # pages whose characters were recognised by OCR

    def box(self, start: int, end: int) -> Box | None:
        """The rectangle around ``raw_text[start:end]`` on the page of its first located character."""
        found = [b for b in self.boxes[start:end] if b is not None]
        if not found:
            return None
        page = found[0].page
        same = [b for b in found if b.page == page]
        return Box(
            page=page,
            x0=round(min(b.x0 for b in same), 2),
            top=round(min(b.top for b in same), 2),
            x1=round(max(b.x1 for b in same), 2),
            bottom=round(max(b.bottom for b in same), 2),
        )

    def min_confidence(self, start: int, end: int) -> float:
        if self.confidence is None or start >= end:
            return 1.0
        return min(self.confidence[start:end])


@dataclass(frozen=True)
class SourceDoc:
    """A report as read from disk.

    ``raw_text`` is the original decoded text (HTML source, a PDF's text layer): output spans point into it.
    ``text`` is the reader's rendering of it (HTML without tags, table cells tab-separated) and ``offsets``
    maps ``text`` back to ``raw_text``.
    """

    path: str
    doc_id: str
    format: SourceFormat
    encoding: str
    raw_text: str
    text: str
    offsets: OffsetMap
    title_hint: str | None = None
    layout: Layout | None = None  # page geometry of raw_text (PDF and image input)


@dataclass(frozen=True)
class Repair:
    """A normalizer step that changed the text (``mojibake``, ``t2s``, ``pinyin`` …) and how many edits it made."""

    step: str
    edits: int


@dataclass(frozen=True)
class Heading:
    """A section heading found in the normalized text (一、总体情况 …), at ``[start, end)``."""

    key: SectionKey
    start: int
    end: int


@dataclass(frozen=True)
class NormalizedDoc:
    """Normalized text and its map to ``source.raw_text``; ``notes`` say which repairs were applied;
    ``headings``: the section headings, found once (``segment.find_headings``) for every later stage."""

    source: SourceDoc
    text: str
    offsets: OffsetMap
    notes: tuple[Repair, ...] = ()
    headings: tuple[Heading, ...] = ()

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.offsets.source_span(start, end)

    def raw(self, start: int, end: int) -> str:
        s, e = self.raw_span(start, end)
        return self.source.raw_text[s:e]


@dataclass(frozen=True)
class Span:
    """A tagged piece of normalized text: ``text[start:end]`` has ``label`` (a label without B-/I-)."""

    start: int
    end: int
    label: str
    score: float = 1.0


@dataclass(frozen=True)
class TagDistribution:
    """What a model's decoding of one stretch of the normalized text (from ``start``) chose from: each character's
    probability of every label (``probs``, ``[characters, labels]`` in ``labels.LABELS`` order) and the label
    indices decoded (``tags``). Kept so that doubtful characters can be read again (``tagging.nbest``)."""

    start: int
    probs: Any  # numpy.ndarray, float
    tags: Any  # numpy.ndarray, int
    # each character's probability that a cell starts there as the model read it, before the label convention
    # makes a glued digit run one VALUE span (numpy.ndarray, float; None when not kept): where a run's cells begin
    cell_starts: Any = None

    @property
    def end(self) -> int:
        return self.start + len(self.tags)


@dataclass(frozen=True)
class TaggedDoc:
    doc: NormalizedDoc
    spans: tuple[Span, ...]
    tagger: str = field(default="rules")
    distributions: tuple[TagDistribution, ...] = field(default=(), compare=False, repr=False)
