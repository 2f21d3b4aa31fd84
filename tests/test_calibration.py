"""Confidence calibration: an isotonic map fitted on (confidence, right) pairs, applied to records."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from extractor.calibration import Calibration, apply, fit, reliability
from extractor.evaluate import calibration_report, evaluate, load_outputs
from extractor.extractor import Extractor
from extractor.tagging.rules import RuleTagger


def _overconfident(n: int, seed: int = 0) -> tuple[list[float], list[bool]]:
    """Scores whose true accuracy is score²: a tagger that is sure of itself more often than it is right."""
    rng = random.Random(seed)
    conf = [rng.random() for _ in range(n)]
    return conf, [rng.random() < c * c for c in conf]


def test_a_fitted_calibration_brings_confidence_to_observed_accuracy():
    conf, ok = _overconfident(4000)
    calibration = fit(conf, ok)
    before = reliability(conf, ok)
    after = reliability([calibration(c) for c in conf], ok)
    assert after.ece < before.ece / 3 and after.brier < before.brier
    held_conf, held_ok = _overconfident(4000, seed=1)  # on fresh data too
    assert reliability([calibration(c) for c in held_conf], held_ok).ece < 0.05


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=2, max_size=200))
def test_calibration_is_monotone_and_a_probability(pairs):
    conf, ok = zip(*pairs, strict=True)
    calibration = fit(conf, ok)
    grid = [i / 50 for i in range(51)]
    mapped = [calibration(x) for x in grid]
    assert all(0.0 <= m <= 1.0 for m in mapped)
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(mapped))


def test_a_record_gets_calibrated_cells_and_document_confidence(tmp_path: Path, shared_data: Path):
    out = Extractor(RuleTagger()).extract_path(shared_data / "seeds" / "000_b1de9be8d5252a5a.txt")
    calibration = Calibration(x=(0.0, 0.5, 1.0), y=(0.1, 0.2, 0.9), cells=3)
    path = tmp_path / "calibration.json"
    calibration.save(path)
    calibrated = apply(out, Calibration.load(path))
    for key, cell in calibrated.cells.items():
        assert abs(cell.confidence - round(calibration(out.cells[key].confidence), 4)) < 1e-9
        assert cell.value == out.cells[key].value
    assert calibrated.confidence != out.confidence


def test_a_cell_the_tagger_split_is_calibrated_on_such_cells_and_never_raised_without_them(shared_data: Path):
    """A split the tagger chose scores its share of the tagger's probability, not a read cell's confidence: the
    pooled map (fitted mostly on read cells, nearly all right) would call it sure. It takes its own map, fitted on
    such cells; without one it keeps its share."""
    from extractor.schema import Issue, IssueCode

    out = Extractor(RuleTagger()).extract_path(shared_data / "seeds" / "000_b1de9be8d5252a5a.txt")
    row = "applications.new_received"
    split = out.model_copy(update={"issues": [*out.issues, Issue(code=IssueCode.TAGGER_SPLIT, path=row)]})
    conf, ok = _overconfident(400)
    pooled_only = fit([0.0, 0.2, 0.5, 1.0], [False, True, True, True])  # raises everything past 0.2 to 1
    both = fit([0.0, 0.2, 0.5, 1.0], [False, True, True, True], split=list(zip(conf, ok, strict=True)))
    assert both.split_cells == 400 and both.split_x and not pooled_only.split_x
    for calibration in (pooled_only, both):
        mapped = apply(split, calibration)
        for key, cell in out.cells.items():
            got = mapped.cells[key].confidence
            if key.rsplit(".", 1)[0] != row:
                assert abs(got - round(calibration(cell.confidence), 4)) < 1e-9
            elif calibration is both:
                assert abs(got - round(float(np.interp(cell.confidence, both.split_x, both.split_y)), 4)) < 1e-9
            else:
                assert got <= round(cell.confidence, 4)
    assert fit(conf[:10], ok[:10], split=list(zip(conf, ok, strict=True))[:10]).split_x == ()  # too few of them


def test_evaluate_reports_calibration_against_gold(tmp_path: Path, shared_data: Path):
    tagger = RuleTagger()
    results = tmp_path / "out.jsonl"
    files = sorted((shared_data / "seeds").iterdir())
    results.write_text("".join(Extractor(tagger).extract_path(p).to_json() + "\n" for p in files), encoding="utf-8")
    report = evaluate(load_outputs(results), shared_data / "gold")
    text = calibration_report(report)
    assert "gold cells: confidence vs right: n=" in text and "gold documents" in text
    seeds = {p.stem for p in files}
    assert len(report.cell_confidence) == sum(t.total for f, t in report.by_file.items() if f in seeds)


@given(st.lists(st.floats(0.5, 1.0), min_size=1, max_size=30), st.integers(0, 200))
def test_a_documents_confidence_is_the_chance_that_every_cell_it_reads_is_right(read: list[float], missing: int):
    """The product of its read cells' confidences: cells left missing (an excerpt's unprinted tables) do not lower
    it, one doubtful cell does, and a record with nothing read is sure of nothing it read."""
    from extractor.calibration import document_confidence
    from extractor.schema import Cell, CellStatus

    def cell(p: float, status: CellStatus) -> Cell:
        return Cell(value=None if status is CellStatus.MISSING else 1, raw="", span=None, confidence=p, status=status)

    cells = {f"k{i}": cell(p, CellStatus.READ) for i, p in enumerate(read)}
    absent = {f"m{i}": cell(0.0, CellStatus.MISSING) for i in range(missing)}
    assert abs(document_confidence(cells | absent) - float(np.prod(read))) < 1e-4
    doubtful = cells | {"d": cell(0.5, CellStatus.INFERRED)}
    assert document_confidence(doubtful) <= document_confidence(cells) * 0.5 + 1e-4
    assert document_confidence(absent) == 1.0
