"""Offset maps: every character of a derived text points back to a half-open range of its source text.

A character copied from the source maps to its own one-character range; a character that replaces several
(an entity, a repaired byte pair) maps to their whole range; a synthetic character (a tab between table
cells) maps to an empty range at the place it was inserted. Maps compose, so the final normalized text
points into the original decoded text whatever stages ran in between.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class OffsetMap:
    """``starts[i]``/``ends[i]``: the source range of derived character ``i``; ``source_len`` bounds them."""

    starts: array[int]
    ends: array[int]
    source_len: int

    @classmethod
    def identity(cls, n: int) -> OffsetMap:
        return cls(array("q", range(n)), array("q", range(1, n + 1)), n)

    def __len__(self) -> int:
        return len(self.starts)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source range covered by derived ``[start, end)``; an empty derived span maps to an empty range."""
        n = len(self.starts)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span [{start}, {end}) outside a text of {n} characters")
        if start == end:
            pos = self.starts[start] if start < n else self.source_len
            return pos, pos
        return self.starts[start], max(self.ends[end - 1], self.starts[start])

    def then(self, inner: OffsetMap) -> OffsetMap:
        """Compose: ``inner`` maps a newer text into this map's derived text; the result maps it to our source.
        Each character's range is ``source_span`` of its inner range, computed for all characters at once."""
        n = len(self.starts)
        a, b = np.asarray(inner.starts, dtype=np.int64), np.asarray(inner.ends, dtype=np.int64)
        if len(a) != len(b):
            raise ValueError(f"an offset map of {len(a)} starts and {len(b)} ends")
        if len(a) and not (a.min() >= 0 and (b >= a).all() and b.max() <= n):
            raise ValueError(f"an inner map reaches outside a text of {n} characters")
        own_starts, own_ends = np.asarray(self.starts, dtype=np.int64), np.asarray(self.ends, dtype=np.int64)
        starts = np.append(own_starts, self.source_len)[a]  # an empty range at the end sits at source_len
        last = own_ends[np.maximum(b - 1, 0)] if n else starts
        ends = np.where(a == b, starts, np.maximum(last, starts))
        return OffsetMap(_int_array(starts), _int_array(ends), self.source_len)


def _int_array(values: np.ndarray) -> array[int]:
    out = array("q")
    out.frombytes(values.astype(np.int64).tobytes())
    return out


@dataclass
class TextBuilder:
    """Builds a derived text piece by piece, recording where each piece came from in the source."""

    source_len: int
    _parts: list[str] = field(default_factory=list)
    _starts: array[int] = field(default_factory=lambda: array("q"))
    _ends: array[int] = field(default_factory=lambda: array("q"))

    def copy(self, text: str, src_start: int) -> None:
        """Append ``text``, which is the source's ``[src_start, src_start + len(text))`` unchanged."""
        self._parts.append(text)
        self._starts.extend(range(src_start, src_start + len(text)))
        self._ends.extend(range(src_start + 1, src_start + len(text) + 1))

    def replace(self, text: str, src_start: int, src_end: int) -> None:
        """Append ``text`` standing for the source's ``[src_start, src_end)``.

        Same length: character i maps to source character i. Otherwise every character maps to the whole
        range (an empty source range marks ``text`` as synthetic).
        """
        if len(text) == src_end - src_start:
            self.copy(text, src_start)
            return
        self._parts.append(text)
        self._starts.extend([src_start] * len(text))
        self._ends.extend([src_end] * len(text))

    def insert(self, text: str, at: int) -> None:
        """Append synthetic ``text`` that stands for nothing in the source (mapped to an empty range at ``at``)."""
        self.replace(text, at, at)

    def last_char(self) -> str:
        for part in reversed(self._parts):
            if part:
                return part[-1]
        return ""

    def build(self) -> tuple[str, OffsetMap]:
        return "".join(self._parts), OffsetMap(self._starts, self._ends, self.source_len)
