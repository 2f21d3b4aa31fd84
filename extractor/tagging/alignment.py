"""Character spans ↔ per-character BIO tags, both ways. Pure; the only place offsets meet tokens.

One token per character (see ``vocab``), so token i is character i of the normalized text.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractor.types import Span


def spans_to_tags(n_chars: int, spans: Sequence[Span]) -> list[str]:
    """``O`` everywhere, ``B-X`` on the first character of each span, ``I-X`` on the rest."""
    tags = ["O"] * n_chars
    for sp in spans:
        if sp.start >= sp.end:
            continue
        tags[sp.start] = f"B-{sp.label}"
        for i in range(sp.start + 1, min(sp.end, n_chars)):
            tags[i] = f"I-{sp.label}"
    return tags


def tags_to_spans(tags: Sequence[str], scores: Sequence[float] | None = None) -> list[Span]:
    """A span starts at every ``B-`` (adjacent entities stay apart) or at an ``I-`` that continues nothing.

    A span's score is the lowest score of its characters.
    """
    spans: list[Span] = []
    label: str | None = None
    start = 0
    low = 1.0

    def close(end: int) -> None:
        if label is not None:
            spans.append(Span(start, end, label, low))

    for i, tag in enumerate(tags):
        s = scores[i] if scores is not None else 1.0
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and kind == label:
            low = min(low, s)
            continue
        close(i)
        label, start, low = (kind, i, s) if prefix in ("B", "I") else (None, i, 1.0)
    close(len(tags))
    return spans


def windows(n: int, window: int, stride: int) -> list[tuple[int, int]]:
    """Half-open windows of at most ``window`` characters, ``stride`` apart, the last flush with ``n``."""
    if n <= window:
        return [(0, n)]
    starts = [*range(0, n - window, stride), n - window]
    return [(s, s + window) for s in starts]
