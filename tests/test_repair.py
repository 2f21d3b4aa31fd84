"""The repair engine against garbled tables: random valid reports from the generator, garbled the way real ones
arrive (glued rows, dropped cells, transposed digits, OCR look-alikes), must come back as drawn or flagged —
never silently wrong. The rate of each outcome is printed by ``benchmarks/bench_repair.py``."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extractor import template as tpl
from extractor.assemble import (
    OCR_LOOKALIKES,
    CellDraft,
    RowReadings,
    TableReading,
    Token,
    narrative_figures,
    ocr_alternatives,
    row_readings,
)
from extractor.constraints import Rule
from extractor.io.readers import source_from_bytes
from extractor.normalize import normalize
from extractor.pipeline import extract
from extractor.resolve import choose
from extractor.schema import Box, CellStatus, IssueCode
from extractor.tagging.rules import RuleTagger
from extractor.types import Layout
from training.garble import GARBLERS, outcome, ready, source_of
from training.synth import generate

TAGGER = RuleTagger()
LAYOUTS = ("tabs", "spaces", "lines")


def _clean_report(seed: int, layout: str):  # type: ignore[no-untyped-def]
    """A generated report with whole tables that the engine reads exactly before any garbling (or None)."""
    report = generate(seed, layout)
    return report if ready(report, TAGGER) else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    layout=st.sampled_from(LAYOUTS),
    kind=st.sampled_from(tuple(GARBLERS)),
)
def test_a_garbled_table_comes_back_as_drawn_or_flagged_never_silently_wrong(seed, layout, kind):
    report = _clean_report(seed, layout)
    assume(report is not None)
    garbled = GARBLERS[kind](report, random.Random(seed))
    assume(garbled is not None)
    out = extract(source_of(garbled), tagger=TAGGER)
    result, cells = outcome(out, report)
    assert result != "silent", (garbled.detail, cells)
    if kind != "drop":  # the truth is among the readings: a repair the rules accept can only be the truth
        assert result in ("recovered", "flagged"), (garbled.detail, cells)
    if result != "recovered":
        assert out.review.needed


def _first(kind: str, want: str, layouts=LAYOUTS):  # type: ignore[no-untyped-def]
    """The first seed whose garble of ``kind`` ends as ``want`` (the generator is deterministic)."""
    for seed in range(400):
        report = _clean_report(seed, layouts[seed % len(layouts)])
        if report is None:
            continue
        garbled = GARBLERS[kind](report, random.Random(seed))
        if garbled is None:
            continue
        out = extract(source_of(garbled), tagger=TAGGER)
        if outcome(out, report)[0] == want:
            return report, garbled, out
    raise AssertionError(f"no {kind} garble ended {want}")


def test_an_ocr_misread_digit_is_reread_when_the_rules_demand_it():
    report, garbled, out = _first("ocr", "recovered")
    key, printed, truth = garbled.cell, garbled.printed, garbled.truth
    cell = out.cells[key]
    assert cell.value == report.cells[key] and str(cell.value) == truth
    assert cell.status is CellStatus.REPAIRED and cell.raw == printed
    assert cell.alternatives == [[printed]]
    assert any("ocr_reread" in r and f"{printed}→{truth}" in r for r in out.review.reasons)


def test_a_glued_row_is_split_back_by_the_arithmetic():
    report, garbled, out = _first("glue", "recovered")
    row = garbled.row
    cells = {k: c for k, c in out.cells.items() if k.startswith(row + ".") or (row == "review" and k.startswith(row))}
    assert all(c.value == report.cells[k] for k, c in cells.items())
    assert any(c.status is CellStatus.REPAIRED for c in cells.values())


def test_a_dropped_cell_never_shifts_its_neighbours_silently():
    report, garbled, out = _first("drop", "flagged")
    dropped = garbled.cell
    assert out.cells[dropped].value in (None, report.cells[dropped]) or out.cells[dropped].status in (
        CellStatus.INFERRED,
        CellStatus.MISSING,
    )
    assert out.review.needed


def _ocr_doc(text: str, ocr_pages: frozenset[int]):  # type: ignore[no-untyped-def]
    source = source_from_bytes("scan.txt", text.encode("utf-8"))
    box = Box(page=1, x0=0, top=0, x1=1, bottom=1)
    layout = Layout(tuple(box for _ in source.raw_text), tuple(1.0 for _ in source.raw_text), ocr_pages)
    return normalize(dataclasses.replace(source, layout=layout))


def test_only_ocr_characters_get_look_alike_readings():
    text = "行政许可 1560"
    start = text.index("1560")
    assert ocr_alternatives(_ocr_doc(text, frozenset()), start, start + 4) == ()  # a text layer: as printed
    alternatives = ocr_alternatives(_ocr_doc(text, frozenset({1})), start, start + 4)
    assert "7560" in alternatives and "1580" in alternatives and "0560" not in alternatives  # no leading zero
    assert all(sum(a != b for a, b in zip(alt, "1560", strict=True)) == 1 for alt in alternatives)


def test_look_alikes_are_symmetric():
    for digit, others in OCR_LOOKALIKES.items():
        assert digit not in others
        assert all(digit in OCR_LOOKALIKES[o] for o in others)


def _tokens(*values: str) -> list[Token]:
    """Printed values one after another on a line, as the assembler's tokens."""
    out, at = [], 0
    for v in values:
        out.append(Token(at, at + len(v), v, False, 0, 1.0))
        at += len(v) + 1
    return out


_ROW_KEYS = tuple(f"applications.row.{c}" for c in ("a", "b", "c", "d", "e", "f", "total"))
_ROW_TOTAL = Rule.total_of("row", _ROW_KEYS[-1], _ROW_KEYS[:-1])


def test_a_value_dropped_from_a_row_is_placed_where_the_rows_total_allows_and_left_missing():
    """``3 5 0 2 3 7`` for seven cells: read with the dropped cell as 0, no placement holds (7 is no total of
    13, nor 0 of 20); the cell was not printed at all, so the total is what is missing and 7 is the last part."""
    readings, _ = row_readings(_ROW_KEYS, _tokens("3", "5", "0", "2", "3", "7"), True, "applications.row")
    row = RowReadings("applications.row", _ROW_KEYS, tuple(readings))
    cells, issues = choose(TableReading("applications", "2021", (row,), (_ROW_TOTAL,), (0, 1)))
    assert [cells[k].value for k in _ROW_KEYS[:-1]] == [3, 5, 0, 2, 3, 7]
    assert cells[_ROW_KEYS[-1]].status is CellStatus.MISSING
    assert all(cells[k].status is CellStatus.INFERRED for k in _ROW_KEYS[:-1])
    assert any(i.code is IssueCode.SHORT_ROW and "not printed" in i.detail for i in issues)


def test_a_short_row_no_split_of_which_keeps_its_total_is_placed_by_the_tables_rules():
    """``15 2 1 0 0 18`` for seven cells: no split of 15 or 18 gives the row its total, so the row dropped a cell
    (an empty one: 15+2+1+0+0 = 18) and the table's other rules (here: what two cells must be) place the gap."""
    fixed = {"other.a": 15, "other.c": 2}
    rules = (
        _ROW_TOTAL,
        Rule("col.a", (_ROW_KEYS[0],), ("other.a",)),
        Rule("col.c", (_ROW_KEYS[2],), ("other.c",)),
    )
    readings, issues = row_readings(_ROW_KEYS, _tokens("15", "2", "1", "0", "0", "18"), True, "applications.row")
    assert any(i.code is IssueCode.SHORT_ROW for i in issues) and any(i.code is IssueCode.GLUED_DIGITS for i in issues)
    row = RowReadings("applications.row", _ROW_KEYS, tuple(readings))
    printed = tuple(CellDraft(v, 0, 1, CellStatus.READ, 1.0) for v in fixed.values())
    other = RowReadings("other", tuple(fixed), (printed,))
    cells, _ = choose(TableReading("applications", "2021", (row, other), rules, (0, 1)))
    assert [cells[k].value for k in _ROW_KEYS] == [15, None, 2, 1, 0, 0, 18]
    assert cells[_ROW_KEYS[1]].status is CellStatus.MISSING


def test_a_figure_the_narrative_states_is_evidence_only_for_the_rows_its_sentence_names():
    text = "在政府网站发布各类信息80条,召开新闻发布会6场。动态更新本年度制发的规范性文件88件;行政处罚28件。"
    stated = narrative_figures(text, "active", tpl.active_rows("2021"))
    assert stated == {"active.normative_docs": frozenset({88}), "active.penalty": frozenset({28})}
