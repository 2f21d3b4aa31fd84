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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from extractor.io.writers import atomic_write_text
from extractor.schema import Cell, Check, CheckStatus, ExtractionOutput

CALIBRATION_FILE = "calibration.json"


class Calibration(BaseModel):
    """A monotone step map raw confidence → probability of being right (``np.interp`` between the points)."""

    model_config = ConfigDict(frozen=True)

    x: tuple[float, ...]
    y: tuple[float, ...]
    cells: int  # how many labelled cells it was fitted on
    fitted_on: str = ""

    def __call__(self, confidence: float) -> float:
        return float(np.interp(confidence, self.x, self.y))

    def save(self, path: Path) -> None:
        atomic_write_text(path, self.model_dump_json(indent=1))

    @classmethod
    def load(cls, path: Path) -> Calibration:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))


def fit(confidence: Sequence[float], correct: Sequence[bool], fitted_on: str = "") -> Calibration:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float))
    return Calibration(
        x=tuple(float(v) for v in iso.X_thresholds_),
        y=tuple(round(float(v), 6) for v in iso.y_thresholds_),
        cells=len(confidence),
        fitted_on=fitted_on,
    )


def apply(out: ExtractionOutput, calibration: Calibration) -> ExtractionOutput:
    """The record with every cell's confidence calibrated and the document's recomputed from them."""
    if not out.cells:
        return out
    mapped = [
        round(v, 4)
        for v in np.interp([c.confidence for c in out.cells.values()], calibration.x, calibration.y).tolist()
    ]
    cells = {k: c.model_copy(update={"confidence": v}) for (k, c), v in zip(out.cells.items(), mapped, strict=True)}
    return out.model_copy(update={"cells": cells, "confidence": document_confidence(out.checks, cells)})


def document_confidence(checks: Sequence[Check], cells: Mapping[str, Cell]) -> float:
    """Mean cell confidence times the share of assessable checks that pass (0.5 when none is assessable)."""
    assessable = [c for c in checks if c.status is not CheckStatus.NOT_ASSESSABLE]
    passed = sum(c.status in (CheckStatus.PASS, CheckStatus.REPAIRED) for c in assessable)
    mean = sum(c.confidence for c in cells.values()) / len(cells) if cells else 0.0
    return round(mean * (passed / len(assessable) if assessable else 0.5), 4)


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
