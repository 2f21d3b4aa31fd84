"""The model's next-best readings of its doubtful characters, for decoding that listens to the arithmetic.

A model's decoding keeps, per stretch, every character's label probabilities (``TaggedDoc.distributions``). A
character is doubtful when the label decoded for it has probability below ``DOUBT``, or when it is a digit the
decoding gave to no cell (O or NOISE), or to a row label with no numbering mark after it (``4部分公开``), in a table
whose arithmetic is left open: a value the model passed over, however sure (``153`` glued before the next row's
numbering, a row's value after a running page header).
Doubtful characters close together form a run. For each run (the least sure first), the run's doubtful
characters are forbidden their decoded labels and the run, with ``MARGIN`` characters on either side, is
decoded again under the BIO constraints and the labels just outside it; then once more with the labels of that
reading forbidden too; and, for its doubtful digits, as a value (their only reading that changes a table's
arithmetic, whatever its rank). The result is the whole document's tagging with that stretch read otherwise, and
what it costs: the log-probability given up against the best decoding. Whether an alternative is taken is the
table's arithmetic's to say (``pipeline.read_document``); nothing here chooses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from extractor.labels import LABELS
from extractor.tagging.windows import NO_CELL, ROW_TAGS, VALUE_TAGS, spans_of, viterbi
from extractor.types import Span, TagDistribution, TaggedDoc

DOUBT = 0.6  # a decoded label less probable than this is doubtful
GAP = 2  # doubtful characters at most this far apart are one run
MARGIN = 4  # characters decoded again on either side of a run
MAX_RUNS = 8  # runs reconsidered in one region, the least sure first
DEPTH = 2  # readings of one run: its doubtful characters' second choices, then their third


@dataclass(frozen=True)
class Alternative:
    """``tagged`` with the characters ``[start, end)`` read otherwise; ``cost``: the log-probability given up;
    ``reading``: what changed, in words (``'2' NOISE → VALUE``)."""

    tagged: TaggedDoc
    start: int
    end: int
    cost: float
    reading: str


def _runs(doubtful: np.ndarray) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in np.flatnonzero(doubtful).tolist():
        if runs and i - runs[-1][1] <= GAP:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _describe(text: str, old: np.ndarray, new: np.ndarray) -> str:
    changed = [i for i in range(len(new)) if old[i] != new[i]]
    if not changed:
        return ""
    a, b = changed[0], changed[-1] + 1
    before = sorted({LABELS[t].partition("-")[2] or "O" for t in old[a:b].tolist()})
    after = sorted({LABELS[t].partition("-")[2] or "O" for t in new[a:b].tolist()})
    return f"{text[a:b]!r} {'/'.join(before)} → {'/'.join(after)}"


def _reread(
    tagged: TaggedDoc, dist: TagDistribution, a: int, b: int, forbidden: np.ndarray
) -> tuple[Alternative, np.ndarray] | None:
    """The stretch's run ``[a, b)`` (offsets into the stretch) decoded again with the ``forbidden`` labels
    (``[b - a, labels]``) ruled out, and the labels it takes there; None when nothing changes."""
    probs, tags = dist.probs, dist.tags
    n = len(tags)
    lo, hi = max(0, a - MARGIN), min(n, b + MARGIN)
    local = probs[lo:hi].copy()
    local[a - lo : b - lo][forbidden] = 0.0
    new = viterbi(local, after=int(tags[lo - 1]) if lo else None, before=int(tags[hi]) if hi < n else None)
    if np.array_equal(new, tags[lo:hi]):
        return None
    logp = np.log(np.clip(probs[lo:hi], 1e-12, 1.0))
    rows = np.arange(hi - lo)
    cost = float(logp[rows, tags[lo:hi]].sum() - logp[rows, new].sum())
    whole = tags.copy()
    whole[lo:hi] = new
    text = tagged.doc.text[dist.start : dist.end]
    at = dist.start
    inside = [Span(sp.start + at, sp.end + at, sp.label, sp.score) for sp in spans_of(text, probs, whole)]
    outside = [sp for sp in tagged.spans if sp.end <= dist.start or sp.start >= dist.end]
    spans = tuple(sorted([*outside, *inside], key=lambda sp: (sp.start, sp.end)))
    changed = TaggedDoc(tagged.doc, spans, tagged.tagger, tagged.distributions)
    reading = _describe(text[lo:hi], tags[lo:hi], new)
    return Alternative(changed, at + lo, at + hi, cost, reading), new[a - lo : b - lo]


def _rereadings(tagged: TaggedDoc, dist: TagDistribution, a: int, b: int, doubtful: np.ndarray) -> list[Alternative]:
    """The run read with its ``doubtful`` characters' decoded labels ruled out, then with the labels that reading
    gave them ruled out too (a character's third choice: ``2`` of a value read as NOISE, then O, then VALUE)."""
    forbidden = np.zeros((b - a, len(LABELS)), dtype=bool)
    forbidden[np.flatnonzero(doubtful), dist.tags[a:b][doubtful]] = True
    out: list[Alternative] = []
    for _ in range(DEPTH):
        found = _reread(tagged, dist, a, b, forbidden)
        if found is None:
            break
        alternative, labels = found
        out.append(alternative)
        forbidden[np.flatnonzero(doubtful), labels[doubtful]] = True
    # Only a value read or unread changes a table's arithmetic: the doubtful digits read as a value, whatever
    # their rank (``2`` after a running header: NOISE, then ROW, before VALUE).
    digits = np.array([ch.isdigit() for ch in tagged.doc.text[dist.start + a : dist.start + b]]) & doubtful
    if digits.any() and not np.isin(dist.tags[a:b][digits], VALUE_TAGS).all():
        forced = np.zeros((b - a, len(LABELS)), dtype=bool)
        forced[np.flatnonzero(digits)] = True
        forced[np.ix_(np.flatnonzero(digits), np.asarray(VALUE_TAGS))] = False
        found = _reread(tagged, dist, a, b, forced)
        if found is not None and all(found[0].tagged.spans != alt.tagged.spans for alt in out):
            out.append(found[0])
    return out


def alternatives(tagged: TaggedDoc, region: tuple[int, int], limit: int = MAX_RUNS) -> list[Alternative]:
    """The next-best readings of the doubtful runs inside ``region`` (normalized offsets) that hold or touch a
    digit (only a value read or unread changes a table's arithmetic), the least sure run first; empty for a
    tagger that keeps no distributions (the rules)."""
    unsure: list[tuple[float, TagDistribution, int, int, np.ndarray]] = []
    unread: list[tuple[float, TagDistribution, int, int, np.ndarray]] = []
    text = tagged.doc.text
    for dist in tagged.distributions:
        lo, hi = max(region[0], dist.start) - dist.start, min(region[1], dist.end) - dist.start
        if lo >= hi:
            continue
        chosen = dist.probs[np.arange(len(dist.tags)), dist.tags]
        doubtful = np.zeros(len(dist.tags), dtype=bool)
        doubtful[lo:hi] = chosen[lo:hi] < DOUBT
        passed = np.zeros(len(dist.tags), dtype=bool)
        stretch = text[dist.start + lo : dist.start + hi]
        passed[lo:hi] = np.fromiter((ch.isdigit() for ch in stretch), dtype=bool, count=hi - lo)
        passed[lo:hi] &= (np.isin(dist.tags[lo:hi], NO_CELL) | _unmarked(stretch, dist.tags[lo:hi])) & ~doubtful[lo:hi]
        unsure += [
            (float(chosen[a:b].min()), dist, a, b, doubtful[a:b])
            for a, b in _runs(doubtful)
            if any(ch.isdigit() for ch in text[dist.start + max(a - 1, 0) : dist.start + b + 1])
        ]
        unread += [(float(chosen[a:b].min()), dist, a, b, passed[a:b]) for a, b in _runs(passed)]
    unsure.sort(key=lambda f: f[0])
    unread.sort(key=lambda f: f[0])
    return [
        alternative
        for _, dist, a, b, mask in [*unsure[:limit], *unread[:limit]]
        for alternative in _rereadings(tagged, dist, a, b, mask)
    ]


def _unmarked(text: str, tags: np.ndarray) -> np.ndarray:
    """Digits read as a row label's part that no numbering mark follows (``4部分公开``: the template numbers rows
    ``4.``, never ``4``), as a glued run's last digits are read: doubtful."""
    out = np.zeros(len(text), dtype=bool)
    for m in re.finditer(r"\d+", text):
        if text[m.end() : m.end() + 1] not in _MARKS:
            out[m.start() : m.end()] = np.isin(tags[m.start() : m.end()], ROW_TAGS)
    return out


_MARKS = (".", "、", "．", "")  # after a row's numbering (2.重复申请); the text's end decides nothing
