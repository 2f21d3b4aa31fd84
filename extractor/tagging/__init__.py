"""The tagger interface: anything that turns a NormalizedDoc into labelled spans."""

from __future__ import annotations

from typing import Protocol

from extractor.types import NormalizedDoc, TaggedDoc


class Tagger(Protocol):
    """Labels spans of normalized text with the entity types of ``extractor.labels``."""

    @property
    def name(self) -> str:
        """Identifies the tagger and its version in outputs, e.g. ``rules-1`` or ``model:<id>``."""
        ...

    def tag(self, doc: NormalizedDoc) -> TaggedDoc: ...
