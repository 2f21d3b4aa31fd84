"""The repair engine against garbled tables: random valid reports from the generator, garbled the way real ones
arrive (glued rows, dropped cells, transposed digits, OCR look-alikes), must come back as drawn or flagged —
never silently wrong. The rate of each outcome is printed by ``benchmarks/bench_repair.py``."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extractor.assemble import OCR_LOOKALIKES, ocr_alternatives
from extractor.io.readers import source_from_bytes
from extractor.normalize import normalize
from extractor.pipeline import extract
from extractor.schema import Box, CellStatus
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
