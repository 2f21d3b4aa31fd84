"""Confidence that means something: a cell's confidence mapped to how often cells like it are right.

The pipeline's raw confidence is a score (tagger probability × how the cell was read: as printed, split,
placed, reread). ``fit`` learns a monotone map from that score to the observed share of correct cells in
labelled outputs (gold files and generated reports; isotonic regression, scikit-learn); ``apply`` uses it
with numpy alone, so extraction does not need scikit-learn. ``reliability`` measures any confidence against
correctness: bins, expected calibration error (ECE) and Brier score.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from extractor.io.writers import atomic_write_text
from extractor.schema import Cell, CellStatus, ExtractionOutput, IssueCode

CALIBRATION_FILE = "calibration.json"


class Calibration(BaseModel):
    """A monotone step map raw confidence → probability of being right (``np.interp`` between the points)."""

    model_config = ConfigDict(frozen=True)

    x: tuple[float, ...]
    y: tuple[float, ...]
    cells: int  # how many labelled cells it was fitted on
    fitted_on: str = ""
    # the map for cells of a glued run the tagger split, no rule deciding (``IssueCode.TAGGER_SPLIT``), fitted on
    # such cells alone: their score is the split's share of the tagger's probability, not a cell's; without it
    # they keep that share, the pooled map never raising them
    split_x: tuple[float, ...] = ()
    split_y: tuple[float, ...] = ()
    split_cells: int = 0

    def __call__(self, confidence: float) -> float:
        return float(np.interp(confidence, self.x, self.y))

    def of_split(self, confidence: float) -> float:
        """A tagger-split cell's confidence (see ``split_x``)."""
        if not self.split_x:
            return min(confidence, self(confidence))
        return float(np.interp(confidence, self.split_x, self.split_y))

    def save(self, path: Path) -> None:
        atomic_write_text(path, self.model_dump_json(indent=1))

    @classmethod
    def load(cls, path: Path) -> Calibration:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))


MIN_SPLIT_CELLS = 50  # fewer tagger-split cells than this fit no map of their own


def fit(
    confidence: Sequence[float],
    correct: Sequence[bool],
    fitted_on: str = "",
    split: Sequence[tuple[float, bool]] = (),
) -> Calibration:
    """The isotonic map of ``confidence`` to ``correct``, and one of tagger-split cells' (confidence, right)
    pairs ``split`` when there are at least ``MIN_SPLIT_CELLS`` of them."""
    x, y = _isotonic(confidence, correct)
    sx, sy = _isotonic([c for c, _ in split], [r for _, r in split]) if len(split) >= MIN_SPLIT_CELLS else ((), ())
    return Calibration(
        x=x, y=y, cells=len(confidence), fitted_on=fitted_on, split_x=sx, split_y=sy, split_cells=len(split)
    )


def _isotonic(confidence: Sequence[float], correct: Sequence[bool]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float))
    return tuple(float(v) for v in iso.X_thresholds_), tuple(round(float(v), 6) for v in iso.y_thresholds_)


def apply(out: ExtractionOutput, calibration: Calibration) -> ExtractionOutput:
    """The record with every cell's confidence calibrated (a cell of a row the tagger split by its own map) and
    the document's recomputed from them."""
    if not out.cells:
        return out
    split = {i.path for i in out.issues if i.code is IssueCode.TAGGER_SPLIT}

    def calibrated(key: str, cell: Cell) -> float:
        of = calibration.of_split if key.rsplit(".", 1)[0] in split else calibration
        return round(of(cell.confidence), 4)

    cells = {k: c.model_copy(update={"confidence": calibrated(k, c)}) for k, c in out.cells.items()}
    return out.model_copy(update={"cells": cells, "confidence": document_confidence(cells)})


def document_confidence(cells: Mapping[str, Cell]) -> float:
    """How likely every cell the record reads is right: the product of the confidences of the cells that carry
    a reading (read, repaired, inferred, blank), as if each were right or wrong on its own; with calibrated cells
    a probability. Cells left missing are not in it: a table, row or cell not found is an issue of the record and
    a reason for review, not a doubt about what was read (an excerpt printing one table leaves the rest missing
    and may be read exactly). Nor are failing rules: a report's own slips fail rules that every cell was read
    right for (hongze 2023); they are reasons for review. Errors come in clusters (a row shifted), so a product
    over cells taken as independent is somewhat under-confident."""
    read = [c.confidence for c in cells.values() if c.status is not CellStatus.MISSING]
    return round(math.exp(sum(math.log(max(p, _SMALLEST)) for p in read)), 4)


_SMALLEST = 1e-6  # a cell at confidence 0 makes the document as unlikely as this, not log(0)


@dataclass(frozen=True)
class Reliability:
    bins: list[tuple[float, float, int, float, float]]  # lo, hi, count, mean confidence, share correct
    ece: float
    brier: float
    n: int

    def table(self, title: str) -> str:
        lines = [f"{title}: n={self.n} ECE={self.ece:.4f} Brier={self.brier:.4f}"]
        lines += [
            f"  [{lo:.3f}, {hi:.3f})  n={n:<5} confidence {mc:.3f}  correct {acc:.3f}"
            for lo, hi, n, mc, acc in self.bins
        ]
        return "\n".join(lines)


EDGES = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1.0000001)


def reliability(confidence: Sequence[float], correct: Sequence[bool], edges: Sequence[float] = EDGES) -> Reliability:
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    bins = []
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (conf >= lo) & (conf < hi)
        n = int(inside.sum())
        if n:
            mean_conf, share = float(conf[inside].mean()), float(ok[inside].mean())
            bins.append((lo, min(hi, 1.0), n, mean_conf, share))
            ece += n / len(conf) * abs(mean_conf - share)
    brier = float(((conf - ok) ** 2).mean()) if len(conf) else 0.0
    return Reliability(bins, ece, brier, len(conf))
