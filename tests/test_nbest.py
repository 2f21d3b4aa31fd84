"""Decoding that listens to the arithmetic: where the model's best tagging leaves a table's rules failing or its
cells open, its next-best reading of its doubtful characters is taken when the table's arithmetic supports it
better, and the record says what was read otherwise; a reading the arithmetic does not support is never taken."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.labels import LABELS
from extractor.normalize import normalize
from extractor.pipeline import extract
from extractor.schema import CellStatus
from extractor.tagging.alignment import spans_to_tags
from extractor.tagging.nbest import alternatives
from extractor.tagging.rules import RuleTagger
from extractor.tagging.windows import spans_of, viterbi
from extractor.types import NormalizedDoc, TagDistribution, TaggedDoc
from training.synth import generate

RULES = RuleTagger()
OUTSIDE, B_VALUE = LABELS.index("O"), LABELS.index("B-VALUE")


@dataclass
class DoubtingTagger:
    """A stand-in model: the rules' tags as near-certain probabilities, except that the one-digit value at
    ``doubted`` (an offset into the original text) is read as O at ``p_other`` against VALUE at ``1 - p_other``."""

    doubted: int
    p_other: float
    name: str = "model:doubting"

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        tags = spans_to_tags(len(doc.text), RULES.tag(doc).spans)
        probs = np.full((len(tags), len(LABELS)), 0.001)
        probs[np.arange(len(tags)), [LABELS.index(t) for t in tags]] = 0.98
        at = next(i for i in range(len(doc.text)) if doc.raw_span(i, i + 1) == (self.doubted, self.doubted + 1))
        probs[at] = 0.0
        probs[at, OUTSIDE], probs[at, B_VALUE] = self.p_other, 1 - self.p_other
        best = viterbi(probs)
        spans = tuple(spans_of(doc.text, probs, best))
        return TaggedDoc(doc, spans, self.name, (TagDistribution(0, probs, best),))


def _report_with_a_lone_value(seed: int):  # type: ignore[no-untyped-def]
    """A generated report (tabs) and the offset of a one-digit non-zero value of a table 三 row with a total."""
    report = generate(seed, layout="tabs")
    for key, (start, end) in sorted(report.positions.items(), key=lambda kv: kv[1]):
        lone = key.startswith("applications.") and not key.endswith(".total") and end - start == 1
        if lone and report.text[start] in "123456789" and report.cells[key] is not None:
            return report, key, start
    return None


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 5000))
def test_a_value_the_model_doubted_is_read_when_the_tables_arithmetic_needs_it(seed: int):
    found = _report_with_a_lone_value(seed)
    if found is None:
        return
    report, key, at = found
    from extractor.io.readers import source_from_bytes

    source = source_from_bytes("r.txt", report.text.encode("utf-8"))
    out = extract(source, tagger=DoubtingTagger(at, 0.55))
    assert out.cells[key].value == report.cells[key]
    assert any("reading" in r and "O → VALUE" in r for r in out.review.reasons), out.review.reasons
    assert out.cells[key].confidence < 0.9  # read on second thought: never sure


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 5000))
def test_a_value_the_model_passed_over_however_sure_is_read_when_the_tables_arithmetic_needs_it(seed: int):
    """A digit read as no cell (O) at 0.995 inside a table left open is a value the model may have passed over
    (``153`` glued before the next row's numbering): read as a value, the table holds, so it is taken, doubted."""
    found = _report_with_a_lone_value(seed)
    if found is None:
        return
    report, key, at = found
    from extractor.io.readers import source_from_bytes

    out = extract(source_from_bytes("r.txt", report.text.encode("utf-8")), tagger=DoubtingTagger(at, 0.995))
    assert out.cells[key].value == report.cells[key]
    assert out.cells[key].confidence < 0.9


def _sure(text: str, tags: list[str]) -> np.ndarray:
    """Label probabilities for ``text``: each character's tag at 0.99."""
    probs = np.full((len(text), len(LABELS)), 1e-4)
    for i, label in enumerate(tags):
        probs[i, LABELS.index(label)] = 0.99
    return probs


def _value_readings(text: str, probs: np.ndarray) -> list[list[str]]:
    """The VALUE spans of each next-best reading of ``text`` decoded from ``probs``."""
    from extractor.io.readers import source_from_bytes

    best = viterbi(probs)
    doc = normalize(source_from_bytes("t.txt", text.encode("utf-8")))
    tagged = TaggedDoc(doc, tuple(spans_of(text, probs, best)), "model:t", (TagDistribution(0, probs, best),))
    found = alternatives(tagged, (0, len(text)))
    return [[text[sp.start : sp.end] for sp in a.tagged.spans if sp.label == "VALUE"] for a in found]


def test_a_doubtful_digit_is_read_as_a_value_even_where_that_is_its_third_choice():
    """``2`` after a running page header: O, then ROW, then NOISE before VALUE; only a value changes a table's
    arithmetic, so that reading is among the alternatives too."""
    text = "规章\t7\t0\t7\n"
    probs = _sure(text, ["B-ROW", "I-ROW", "O", "B-VALUE", "O", "B-VALUE", "O", "O", "O"])
    probs[7] = 1e-4
    for label, p in (("O", 0.5), ("B-ROW", 0.3), ("B-NOISE", 0.15), ("B-VALUE", 0.05)):
        probs[7, LABELS.index(label)] = p
    assert ["7", "0", "7"] in _value_readings(text, probs)


def test_digits_read_as_a_row_label_with_no_numbering_mark_after_them_are_reconsidered_as_a_value():
    """``74部分公开`` of a glued dump: the template numbers rows ``4.``, so a ``4`` read as the start of the
    label ``部分公开``, however sure, may be the glued run's last digit; ``4.重复申请`` is a numbering."""
    text = "规章\t7\t0\t74部分公开\n4.重复申请\n"
    tags = ["B-ROW", "I-ROW", "O", "B-VALUE", "O", "B-VALUE", "O", "B-VALUE", "B-ROW"]
    tags += ["I-ROW"] * 4 + ["O", "B-ROW"] + ["I-ROW"] * 5 + ["O"]
    readings = _value_readings(text, _sure(text, tags))
    assert ["7", "0", "74"] in readings
    assert not any("4" in r for r in readings if r[-1] != "74")  # the numbering 4. is left alone


@pytest.mark.parametrize(
    ("before", "after", "taken"),
    [
        ((0, 1, 1, 0, 0), (0, 0, 0, 0, 0), True),  # the missing value read: its rule holds
        ((1, 0, 0, 0, 0), (0, 0, 0, 0, 0), True),  # a failing rule now holds
        ((4, 2, 1, 13, 0), (5, 0, 0, 7, 0), True),  # two rules checked, one holds, one fails (the report's slip)
        ((4, 2, 1, 13, 0), (6, 0, 0, 13, 0), False),  # rules checked only to fail them: a page number read
        ((4, 2, 1, 13, 0), (4, 2, 1, 13, 0), False),  # no better
        ((0, 1, 1, 0, 0), (0, 0, 2, 0, 0), False),  # a rule holds, but another cell goes missing
        ((2, 0, 0, 0, 0), (1, 0, 0, 2, 0), False),  # a rule holds only by repairing cells
        ((0, 10, 15, 146, 0), (0, 0, 0, 161, 0), True),  # a missing row now split from its glued run: read
        ((0, 39, 175, 0, 0), (0, 39, 174, 1, 0), False),  # a page number placed into an empty table: no rule holds
        ((0, 0, 2, 0, 0), (0, 0, 1, 0, 0), True),  # a cell read in its place
    ],
)
def test_a_next_best_reading_is_taken_only_where_more_of_the_tables_rules_hold_and_nothing_else_is_worse(
    before: tuple[int, ...], after: tuple[int, ...], taken: bool
):
    from extractor.crosscheck import support
    from extractor.pipeline import _dominates

    assert _dominates(support(after), support(before)) is taken


def test_a_next_best_reading_the_arithmetic_does_not_support_is_not_taken():
    found = next(f for f in (_report_with_a_lone_value(s) for s in range(50)) if f is not None)
    report, key, at = found
    from extractor.io.readers import source_from_bytes

    source = source_from_bytes("r.txt", report.text.encode("utf-8"))
    sure = extract(source, tagger=DoubtingTagger(at, 0.02))  # the model reads the value, sure of it
    doubting = extract(source, tagger=DoubtingTagger(at, 0.45))  # reads it, in doubt: nothing to reconsider
    for out in (sure, doubting):
        assert out.cells[key].value == report.cells[key]
        assert not any(" reading " in r and "kept" in r for r in out.review.reasons)


def test_alternatives_are_the_doubtful_characters_read_otherwise_at_their_cost():
    text = "规章\t7\t0\t7\n"
    probs = np.full((len(text), len(LABELS)), 1e-4)
    for i, label in enumerate(["B-ROW", "I-ROW", "O", "B-VALUE", "O", "B-VALUE", "O", "O", "O"]):
        probs[i, LABELS.index(label)] = 0.99
    probs[7] = 1e-4
    probs[7, OUTSIDE], probs[7, B_VALUE] = 0.55, 0.45  # the last 7, doubted
    best = viterbi(probs)
    from extractor.io.readers import source_from_bytes

    doc = normalize(source_from_bytes("t.txt", text.encode("utf-8")))
    tagged = TaggedDoc(doc, tuple(spans_of(text, probs, best)), "model:t", (TagDistribution(0, probs, best),))
    (first, *_) = alternatives(tagged, (0, len(text)))
    assert [text[s.start : s.end] for s in first.tagged.spans if s.label == "VALUE"] == ["7", "0", "7"]
    assert first.cost == pytest.approx(np.log(0.55) - np.log(0.45))
    assert alternatives(TaggedDoc(doc, tagged.spans, "rules"), (0, len(text))) == []  # no distributions


def test_a_next_best_reading_that_loses_the_table_is_no_candidate(monkeypatch):
    """Read otherwise, a table's labels can be lost (a model in doubt everywhere); such a reading is passed
    over, and the record is still made."""
    import extractor.pipeline as pipeline
    from extractor.io.readers import source_from_bytes
    from extractor.tagging.nbest import Alternative

    found = next(f for f in (_report_with_a_lone_value(s) for s in range(50)) if f is not None)
    report, key, at = found

    def nothing_left(tagged: TaggedDoc, region: tuple[int, int], limit: int = 8) -> list[Alternative]:
        kept = tuple(sp for sp in tagged.spans if not region[0] <= sp.start < region[1])
        return [Alternative(TaggedDoc(tagged.doc, kept, tagged.tagger), region[0], region[1], 1.0, "all")]

    monkeypatch.setattr(pipeline, "alternatives", nothing_left)
    out = extract(source_from_bytes("r.txt", report.text.encode("utf-8")), tagger=DoubtingTagger(at, 0.55))
    cell = out.cells[key]  # the doubted value stays unread: its cell empty, or one of its row's others placed there
    assert out.error is None and (cell.value is None or cell.status is CellStatus.INFERRED) and out.review.needed
