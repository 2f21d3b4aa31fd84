"""Two taggers' readings combined table by table: the one the template's arithmetic supports best is kept, the
first tagger's on a tie, and a table taken from the other is said in the review reasons."""

from __future__ import annotations

from dataclasses import replace

from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.tagging.rules import RuleTagger
from extractor.types import NormalizedDoc, TaggedDoc
from training.synth import generate


class _BlindToTableFour(RuleTagger):
    """Reads like the rules but takes every value of table 四 for a blank marker (a failure the model showed on
    converter markdown: whole litigation blocks read as blank, every sum still 0 = 0)."""

    name = "blind-1"

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        tagged = super().tag(doc)
        start = doc.text.find("四、政府信息公开行政复议")
        spans = tuple(
            replace(sp, label="BLANK") if sp.label == "VALUE" and start >= 0 and sp.start > start else sp
            for sp in tagged.spans
        )
        return TaggedDoc(doc=doc, spans=spans, tagger=self.name)


def _report_with_review_values() -> bytes:
    for seed in range(200):
        report = generate(seed)
        has_values = any(v for k, v in report.cells.items() if k.startswith("review."))
        if has_values and "四、政府信息公开行政复议" in report.text:
            return report.text.encode("utf-8")
    raise AssertionError("no generated report with table 四 values")


def test_the_table_whose_rules_hold_with_fewer_blanks_is_kept_and_said():
    source = source_from_bytes("r.txt", _report_with_review_values())
    alone = extract(source, tagger=_BlindToTableFour())
    both = extract(source, tagger=_BlindToTableFour(), cross_check=RuleTagger())
    rules = extract(source, tagger=RuleTagger())
    review = [k for k in rules.cells if k.startswith("review.")]
    assert any(alone.cells[k].value != rules.cells[k].value for k in review)
    assert all(both.cells[k].value == rules.cells[k].value for k in review)
    assert both.tagger == "blind-1+rules-1"
    assert any(r.startswith("review: the rules-1 reading kept") for r in both.review.reasons)
    others = [k for k in rules.cells if not k.startswith("review.")]
    assert all(both.cells[k] == alone.cells[k] for k in others)  # a tie keeps the first tagger's reading


def test_two_equal_readings_change_nothing_but_the_tagger_name():
    source = source_from_bytes("r.txt", generate(5).text.encode("utf-8"))
    alone = extract(source, tagger=RuleTagger())
    both = extract(source, tagger=RuleTagger(), cross_check=RuleTagger())
    assert both.cells == alone.cells and both.checks == alone.checks
    assert not any("reading kept" in r for r in both.review.reasons)


class _DropsRows(RuleTagger):
    """Reads like the rules but leaves every other value of table 三 unread, and table 二's too (a model that
    does not know counts printed with their unit, ``5件``: it reads fewer cells, so fewer rules can fail)."""

    name = "drops-1"

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        tagged = super().tag(doc)
        start = doc.text.find("二、主动公开政府信息情况")
        end = doc.text.find("四、政府信息公开行政复议")
        values = [sp for sp in tagged.spans if sp.label == "VALUE" and start < sp.start < end]
        dropped = set(values[::2])
        return TaggedDoc(doc, tuple(sp for sp in tagged.spans if sp not in dropped), self.name)


def test_a_reading_that_leaves_cells_unread_does_not_win_by_failing_fewer_rules():
    """Unread cells make a table's rules unassessable, never failing: a reading that reads every cell, with a
    rule or two failing, is better supported than one whose rules prove nothing. Table 二, with no rules, keeps
    the reading with fewer cells missing."""
    report = generate(7, layout="tabs")
    text = report.text.encode("utf-8")
    source = source_from_bytes("r.txt", text)
    both = extract(source, tagger=_DropsRows(), cross_check=RuleTagger())
    rules = extract(source, tagger=RuleTagger())
    for key in rules.cells:
        if key.startswith(("applications.", "active.")):
            assert both.cells[key].value == rules.cells[key].value, key
    assert any(r.startswith("applications: the rules-1 reading kept") for r in both.review.reasons)
