"""Values passed between pipeline stages. Plain frozen dataclasses: no I/O, no handles."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.offsets import OffsetMap
from extractor.schema import SourceFormat


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


@dataclass(frozen=True)
class NormalizedDoc:
    """Normalized text and its map to ``source.raw_text``; ``notes`` say which repairs were applied."""

    source: SourceDoc
    text: str
    offsets: OffsetMap
    notes: tuple[str, ...] = ()

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
class TaggedDoc:
    doc: NormalizedDoc
    spans: tuple[Span, ...]
    tagger: str = field(default="rules")
