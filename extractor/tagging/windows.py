"""Tagging a long text in overlapping windows with any backend that maps token ids to label probabilities.

Shared by the torch and ONNX Runtime taggers so they read a document identically: each window is framed by
[CLS]/[SEP], windows are batched, and each character takes the prediction of the window in which it sits
farthest from an edge.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from extractor import template as tpl
from extractor.errors import ModelLoadError
from extractor.labels import LABEL_SET_VERSION, LABELS
from extractor.segment import tagged_stretches
from extractor.tagging.alignment import tags_to_spans, whole_blanks, whole_labels, whole_numbers, windows
from extractor.tagging.vocab import CharVocab
from extractor.types import NormalizedDoc, Span, TagDistribution, TaggedDoc

# (input_ids [batch, width] int64, attention_mask [batch, width] int64) → probabilities [batch, width, labels]
Backend = Callable[[np.ndarray, np.ndarray], np.ndarray]


MANIFEST = "manifest.json"
WEIGHTS_FILE = "model.safetensors"
ONNX_FILE = "model.onnx"  # the same weights for ONNX Runtime, written beside them by ``TransformersTagger.save``


def model_name(model_id: str) -> str:
    """The tagger name records carry for a model (``model:xxgk-char-bert-3``)."""
    return f"model:{model_id}"


class Manifest(BaseModel):
    """A model directory's ``manifest.json``: the label set it was trained with, its window, and its id; what
    training recorded besides (config, figures) is kept as extra fields."""

    model_config = ConfigDict(frozen=True, extra="allow", protected_namespaces=())

    label_set_version: str
    labels: tuple[str, ...]
    window: int = 510
    stride: int = 384
    model_id: str = ""
    onnx_of: str | None = None  # sha256 of the weights ``model.onnx`` was exported from


def weights_digest(path: Path) -> str:
    """sha256 of a model directory's weights file: an ONNX copy is used only if made from these weights."""
    return hashlib.sha256((path / WEIGHTS_FILE).read_bytes()).hexdigest()


def manifest_model_id(path: Path) -> str:
    return read_manifest(path).model_id


def read_manifest(path: Path) -> Manifest:
    """A model directory's manifest, refused unless it was saved with this code's label set."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ModelLoadError(f"{path}: no {MANIFEST}")
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelLoadError(f"{path}: unreadable {MANIFEST}: {exc}") from exc
    if manifest.label_set_version != LABEL_SET_VERSION or manifest.labels != LABELS:
        raise ModelLoadError(
            f"{path}: saved with label set {manifest.label_set_version}, this code uses {LABEL_SET_VERSION}"
        )
    return manifest if manifest.model_id else manifest.model_copy(update={"model_id": path.name})


def spans_of(text: str, dist: np.ndarray, tags: np.ndarray) -> list[Span]:
    """The spans a decoding (``tags``, one label index per character) gives ``text``, made whole."""
    names = [LABELS[i] for i in tags.tolist()]
    scores = dist[np.arange(len(tags)), tags].tolist()
    return whole_blanks(text, whole_labels(text, whole_numbers(text, tags_to_spans(names, scores))))


def predict_windows(
    text: str, vocab: CharVocab, run: Backend, window: int, stride: int, batch_size: int
) -> tuple[list[str], list[float]]:
    """One BIO tag and its probability per character of ``text``."""
    dist = conventional(text, predict_distribution(text, vocab, run, window, stride, batch_size))
    tags = viterbi(dist)
    return [LABELS[i] for i in tags.tolist()], dist[np.arange(len(tags)), tags].tolist()


def predict_distribution(
    text: str, vocab: CharVocab, run: Backend, window: int, stride: int, batch_size: int
) -> np.ndarray:
    """Each character's probability of every label (``[characters, labels]``), from the window in which it sits
    farthest from an edge."""
    ids = vocab.encode(text)
    n = len(ids)
    best = np.full(n, -1.0)
    dist = np.zeros((n, len(LABELS)))
    cls_id, sep_id, pad_id = (vocab.index[t] for t in ("[CLS]", "[SEP]", "[PAD]"))
    wins = windows(n, window, stride)
    for b in range(0, len(wins), batch_size):
        batch = wins[b : b + batch_size]
        width = max(e - s for s, e in batch) + 2
        input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, (s, e) in enumerate(batch):
            input_ids[r, : e - s + 2] = [cls_id, *ids[s:e], sep_id]
            mask[r, : e - s + 2] = 1
        out = run(input_ids, mask)
        for r, (s, e) in enumerate(batch):
            pos = np.arange(e - s)
            centrality = np.minimum(pos, (e - s - 1) - pos).astype(float)
            better = centrality > best[s:e]
            best[s:e] = np.where(better, centrality, best[s:e])
            dist[s:e] = np.where(better[:, None], out[r, 1 : e - s + 1], dist[s:e])
    return dist


_B_VALUE, _I_VALUE, _O = (LABELS.index(t) for t in ("B-VALUE", "I-VALUE", "O"))
_B_BLANK, _I_BLANK = LABELS.index("B-BLANK"), LABELS.index("I-BLANK")
NO_CELL = [LABELS.index(t) for t in ("O", "B-NOISE", "I-NOISE")]  # tags of a character that is no cell
ROW_TAGS = [LABELS.index(t) for t in ("B-ROW", "I-ROW")]
VALUE_TAGS = [_B_VALUE, _I_VALUE]
_NUMBERING_MARK = re.compile(r"\.(?!\d)")  # after a digit: a numbering's mark (2.), not a decimal point (8.04)
_BEFORE_A_CELL = re.compile(rf"[ \t]*(?:\d|{tpl.BLANK_MARKER.pattern})")  # after a number: the next cell


def conventional(text: str, dist: np.ndarray) -> np.ndarray:
    """``dist`` (``[characters, labels]`` for ``text``) under the label convention, before decoding: inside a
    digit run a value does not start (a glued run is one VALUE span, split later by the table's arithmetic), so a
    digit after a digit has its B-VALUE probability as I-VALUE; a count's unit that closes its cell (``173件``
    then a line break) belongs to the value, so it carries no label; and a count with its unit that fills its
    cell (``template.prose_figure``: layout before it too, or the next cell glued after it: ``规章27件48件``) is a
    cell, so the probability that it is no cell (O, NOISE) is its VALUE's, as the rule tagger reads it. Without
    this the decoder, which may not start a value right after one, gave ``73件`` of ``173件`` to whatever label
    came next, a label after a unit (``件``) pulled the count into it, and counts the model had not learnt with a
    unit were passed over. And a number, with its unit or not, followed on its line by the next cell (``3 0 0``,
    ``3个 15个``) is no row label's part (a mark or the label's words follow a numbering: ``3.其他``), so its ROW
    probability is its VALUE's. A value holds a digit: a blank cell's mark with no digit after it (``24 37 -``,
    not the sign of ``-361``) read as a value is that blank cell, so its VALUE probability is its BLANK's. In a
    digit run glued before a numbering's mark (``20000022.申请人…``) only the last ``template.NUMBERING_DIGITS``
    digits (the form numbers no row past 9) may be a label's, so the ROW probability of those before is VALUE's."""
    out = dist.copy()
    for m in tpl.BLANK_MARKER.finditer(text):
        if m.end() < len(text) and (text[m.end()].isdigit() or text[m.end()] == "."):
            continue  # a sign
        out[m.start(), _B_BLANK] += out[m.start(), VALUE_TAGS].sum()
        out[m.start() + 1 : m.end(), _I_BLANK] += out[m.start() + 1 : m.end()][:, VALUE_TAGS].sum(-1)
        out[m.start() : m.end(), VALUE_TAGS] = 0.0
    digit = np.fromiter((ch.isdigit() for ch in text), dtype=bool, count=len(text))
    inside = np.zeros(len(text), dtype=bool)
    inside[1:] = digit[1:] & digit[:-1]
    out[inside, _I_VALUE] += out[inside, _B_VALUE]
    out[inside, _B_VALUE] = 0.0
    starts = np.flatnonzero(digit & ~np.concatenate(([False], digit[:-1])))
    ends = np.flatnonzero(digit & ~np.concatenate((digit[1:], [False]))) + 1
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        lead = end - tpl.NUMBERING_DIGITS  # 20000022.申请人…: a row's numbering is the run's last digit(s)
        if lead > start and _NUMBERING_MARK.match(text, end):  # the digits before them are a value's
            out[start, _B_VALUE] += out[start, ROW_TAGS].sum()
            out[start + 1 : lead, _I_VALUE] += out[start + 1 : lead][:, ROW_TAGS].sum(-1)
            out[start:lead, ROW_TAGS] = 0.0
        unit = tpl.cell_count_unit(text, end)
        if _BEFORE_A_CELL.match(text, unit.end() if unit else end):  # a label's numbering is followed by its mark
            out[start, _B_VALUE] += out[start, ROW_TAGS].sum()  # or words, never by a cell (3 0 0; 3个 15个)
            out[start + 1 : end, _I_VALUE] += out[start + 1 : end][:, ROW_TAGS].sum(-1)
            out[start:end, ROW_TAGS] = 0.0
        if not unit:
            continue
        at = unit.end() - 1  # the unit character (spaces before it keep their tags)
        out[at] = 0.0
        out[at, _O] = 1.0
        if not tpl.prose_figure(text, start, end):  # it fills its cell: a value (or a label's)
            out[start, _B_VALUE] += out[start, NO_CELL].sum()
            out[start + 1 : end, _I_VALUE] += out[start + 1 : end][:, NO_CELL].sum(-1)
            out[start:end, NO_CELL] = 0.0
    return out


def _allowed() -> np.ndarray:
    """``allowed[a, b]``: tag b may follow tag a. ``I-X`` continues only ``B-X``/``I-X``; a value never starts
    right after a value (a glued digit run is one VALUE span by the label convention, split later by the
    table's arithmetic)."""
    n = len(LABELS)
    allowed = np.ones((n, n), dtype=bool)
    for b, tag in enumerate(LABELS):
        prefix, _, kind = tag.partition("-")
        for a, prev in enumerate(LABELS):
            if prefix == "I" and prev not in (f"B-{kind}", f"I-{kind}"):
                allowed[a, b] = False
        if tag == "B-VALUE":
            allowed[LABELS.index("B-VALUE"), b] = allowed[LABELS.index("I-VALUE"), b] = False
    return allowed


ALLOWED = _allowed()
_START_OK = np.array([not t.startswith("I-") for t in LABELS])


def viterbi(dist: np.ndarray, after: int | None = None, before: int | None = None) -> np.ndarray:
    """The most probable tag sequence under the BIO constraints of ``_allowed`` (per-character probabilities).
    ``after``/``before``: the tags just outside the sequence (a stretch decoded again inside a longer one), which
    its first tag must be allowed to follow and its last tag to precede.

    Exact, and cheap where the model is consistent: each character's most probable tag is the answer wherever
    those tags already follow the constraints; only stretches around the places they break them are decoded
    (``_viterbi``), each with free edges. The pieces' optima bound the whole's, so when every junction between a
    decoded stretch and its neighbours is allowed the joined path is the optimum; a stretch whose junction is not
    allowed grows until it is (at worst to the whole text)."""
    n = len(dist)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    logp = np.log(np.clip(dist, 1e-12, 1.0))
    first_ok = _START_OK if after is None else ALLOWED[after]
    last_ok = np.ones(len(LABELS), dtype=bool) if before is None else ALLOWED[:, before]
    tags = logp.argmax(1)
    broken = np.flatnonzero(~ALLOWED[tags[:-1], tags[1:]]) + 1  # character i may not follow i - 1
    points = {*broken.tolist(), *([0] if not first_ok[tags[0]] else []), *([n - 1] if not last_ok[tags[-1]] else [])}
    free = np.ones(len(LABELS), dtype=bool)
    margin = 16
    while points:
        stretches: list[list[int]] = []
        for i in sorted(points):
            lo, hi = max(0, i - margin), min(n, i + margin)
            if stretches and lo <= stretches[-1][1]:
                stretches[-1][1] = max(stretches[-1][1], hi)
            else:
                stretches.append([lo, hi])
        if stretches[0] == [0, n]:
            break
        out = tags.copy()
        joined = True
        for lo, hi in stretches:
            out[lo:hi] = _viterbi(logp[lo:hi], first_ok if lo == 0 else free, last_ok if hi == n else free)
            if (lo > 0 and not ALLOWED[out[lo - 1], out[lo]]) or (hi < n and not ALLOWED[out[hi - 1], out[hi]]):
                joined = False
        if joined:
            return out
        margin *= 4  # the same places, decoded in longer stretches
    return _viterbi(logp, first_ok, last_ok) if points else tags


def _viterbi(logp: np.ndarray, first_ok: np.ndarray, last_ok: np.ndarray) -> np.ndarray:
    """The constrained optimum of ``logp`` (``[characters, labels]`` log-probabilities) whose first tag is one
    of ``first_ok`` and last tag one of ``last_ok``."""
    n = len(logp)
    penalty = np.where(ALLOWED, 0.0, -1e9)
    score = logp[0] + np.where(first_ok, 0.0, -1e9)
    back = np.zeros((n, logp.shape[1]), dtype=np.int64)
    labels = np.arange(logp.shape[1])
    for i in range(1, n):
        cand = score[:, None] + penalty  # [previous, next]
        back[i] = cand.argmax(0)
        score = cand[back[i], labels] + logp[i]
    score = score + np.where(last_ok, 0.0, -1e9)
    tags = np.zeros(n, dtype=np.int64)
    tags[-1] = int(score.argmax())
    for i in range(n - 1, 0, -1):
        tags[i - 1] = back[i, tags[i]]
    return tags


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def predict_doc(
    doc: NormalizedDoc, vocab: CharVocab, run: Backend, window: int, stride: int, batch_size: int, tagger: str
) -> TaggedDoc:
    """``doc`` tagged where it can hold a cell: its table regions with some context (``tagged_stretches``); the
    narrative between them is passed over. Offsets are into the whole normalized text. Each stretch's label
    probabilities and decoding are kept (``TaggedDoc.distributions``) for reconsidering doubtful characters."""
    spans: list[Span] = []
    kept: list[TagDistribution] = []
    for lo, hi in tagged_stretches(doc.text, doc.headings):
        text = doc.text[lo:hi]
        raw = predict_distribution(text, vocab, run, window, stride, batch_size)
        dist = conventional(text, raw)
        tags = viterbi(dist)
        kept.append(TagDistribution(lo, dist, tags, cell_starts=raw[:, _B_VALUE].copy()))
        spans.extend(Span(sp.start + lo, sp.end + lo, sp.label, sp.score) for sp in spans_of(text, dist, tags))
    return TaggedDoc(doc=doc, spans=tuple(spans), tagger=tagger, distributions=tuple(kept))
