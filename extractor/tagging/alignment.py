"""Character spans ↔ per-character BIO tags, both ways. Pure; the only place offsets meet tokens.

One token per character (see ``vocab``), so token i is character i of the normalized text.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from extractor import template as tpl
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


_SIGNS = frozenset("+-−")


def _covered(text: str, spans: Sequence[Span]) -> tuple[list[Span], list[bool]]:
    """``spans`` in text order, and which characters of ``text`` they cover (one more entry, for the end)."""
    ordered = sorted(spans, key=lambda s: s.start)
    covered = [False] * (len(text) + 1)
    for sp in ordered:
        for i in range(sp.start, sp.end):
            covered[i] = True
    return ordered, covered


def whole_numbers(text: str, spans: Sequence[Span]) -> list[Span]:
    """Model spans made whole under the label convention that a digit run is one VALUE span: a VALUE grows over
    untagged digits touching it (``2`` + ``0`` before a heading → ``20``), and a sign tagged BLANK right before
    a value's first digit joins it (``-`` + ``415`` → ``-415``: a blank marker is never glued to a number). A
    VALUE without a digit (``会`` of a header word) is no value, and a count's unit right after its value (``5件``,
    the 件 tagged as a label) is no label: both dropped."""
    ordered, covered = _covered(text, spans)

    def free(i: int, digit: bool = True) -> bool:
        return 0 <= i < len(text) and not covered[i] and (text[i].isdigit() if digit else text[i] == ".")

    out: list[Span] = []
    for sp in ordered:
        if sp.label != "VALUE":
            out.append(sp)
            continue
        start, end = sp.start, sp.end
        while free(end) or (free(end, digit=False) and free(end + 1)):  # a digit, or a decimal point before one
            covered[end] = True
            end += 1
        while free(start - 1) or (free(start - 1, digit=False) and free(start - 2)):
            covered[start - 1] = True
            start -= 1
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.label == "BLANK"
            and prev.end == start
            and text[prev.start : prev.end] in _SIGNS
            and text[start].isdigit()
        ):
            out[-1] = Span(prev.start, end, "VALUE", min(prev.score, sp.score))
            continue
        out.append(Span(start, end, "VALUE", sp.score))
    pieces = [piece for sp in out for piece in _split_at_signs(text, sp)]
    values = [sp for sp in pieces if sp.label != "VALUE" or any(ch.isdigit() for ch in text[sp.start : sp.end])]
    value_ends = {sp.end for sp in values if sp.label == "VALUE"}
    return [sp for sp in values if not (sp.start in value_ends and text[sp.start : sp.end] in tpl.COUNT_UNITS)]


def _split_at_signs(text: str, sp: Span) -> list[Span]:
    """A VALUE span cut before each sign that follows a digit and precedes one: a number never holds a sign
    inside it, so in a glued run the sign starts the next value (``80-10`` → ``80``, ``-10`` of 本年增/减), as
    the rule tagger reads it."""
    if sp.label != "VALUE":
        return [sp]
    cuts = [
        i
        for i in range(sp.start + 1, sp.end - 1)
        if text[i] in _SIGNS and text[i - 1].isdigit() and text[i + 1].isdigit()
    ]
    bounds = [sp.start, *cuts, sp.end]
    return [Span(a, b, "VALUE", sp.score) for a, b in itertools.pairwise(bounds)]


def _ideograph(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def whole_labels(text: str, spans: Sequence[Span]) -> list[Span]:
    """ROW spans made whole under the label convention that a printed label is one span: a ROW grows over the
    untagged Chinese characters touching it (``行政`` + ``奖励`` → ``行政奖励``, a row the template lacks, which
    then owns its values instead of leaving them to the next row's label); and a ROW touching the ROW before it
    continues that label unless it starts with a numbering of its own (``3.`` + ``其他``, ``2.其他法律`` +
    ``行政法规禁止公开``, ``3`` + ``.`` + ``其他``; but ``(三)不予公开`` + ``1.属于国家秘密`` stay two)."""
    ordered, covered = _covered(text, spans)

    def free(i: int) -> bool:
        return 0 <= i < len(text) and not covered[i] and _ideograph(text[i])

    out: list[Span] = []
    for sp in ordered:
        if sp.label != "ROW":
            out.append(sp)
            continue
        start, end = sp.start, sp.end
        while free(end):
            covered[end] = True
            end += 1
        while free(start - 1):
            covered[start - 1] = True
            start -= 1
        prev = out[-1] if out else None
        if prev is not None and prev.label == "ROW" and _continues(text, prev, start, end, covered):
            out[-1] = Span(prev.start, end, "ROW", min(prev.score, sp.score))
            continue
        out.append(Span(start, end, "ROW", sp.score))
    return out


def _continues(text: str, prev: Span, start: int, end: int, covered: list[bool]) -> bool:
    """The ROW at ``[start, end)`` continues the label ``prev``: it touches it and has no numbering of its own, or
    only the untagged rest of ``prev``'s numbering lies between them (``3`` ``.`` ``其他``)."""
    if tpl.NUMBERING.match(text[start:end]):
        return False
    if prev.end == start:
        return True
    numbering = tpl.NUMBERING.match(text[prev.start : end])
    return (
        numbering is not None
        and prev.start + numbering.end() == start
        and not any(covered[prev.end : start])
        and not any(ch.isspace() for ch in text[prev.end : start])
    )


def whole_blanks(text: str, spans: Sequence[Span]) -> list[Span]:
    """BLANK spans under the label convention that a BLANK is one printed blank marker (``template.BLANK_MARKER``):
    touching pieces of one marker made one span (``—`` + ``—`` → ``——``: one cell, however many dashes), and a
    BLANK over anything else (a character of a header word) dropped: it is no cell."""
    out: list[Span] = []
    for sp in sorted(spans, key=lambda s: s.start):
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.label == sp.label == "BLANK"
            and prev.end == sp.start
            and tpl.BLANK_MARKER.fullmatch(text, prev.start, sp.end)
        ):
            out[-1] = Span(prev.start, sp.end, "BLANK", min(prev.score, sp.score))
            continue
        out.append(sp)
    return [sp for sp in out if sp.label != "BLANK" or tpl.BLANK_MARKER.fullmatch(text, sp.start, sp.end)]
