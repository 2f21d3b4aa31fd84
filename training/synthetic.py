"""Scoring a tagger end to end on generated reports (exact truth): cell accuracy per layout, the (confidence,
right) pairs that calibration is fitted on, and the cells of glued runs the tagger splits (their own map)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from extractor.calibration import Calibration, fit, reliability
from extractor.evaluate import Tally, same_value
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.schema import Cell, IssueCode
from extractor.tagging import Tagger
from training.families import with_family
from training.synth import SynthReport, generate


def _generated_cells(seeds: Sequence[int], tagger: Tagger) -> Iterator[tuple[str, Cell | None, bool]]:
    """(layout, output cell or None, right) for every cell of the generated reports ``seeds`` (exact truth)."""
    for seed in seeds:
        report = generate(seed)
        out = extract(source_from_bytes(f"synth-{seed}.txt", report.text.encode("utf-8")), tagger=tagger)
        for key, want in report.cells.items():
            got = out.cells.get(key)
            yield report.style.layout, got, same_value(got.value if got is not None else None, want)


def synthetic_confidence(seeds: Sequence[int], tagger: Tagger) -> list[tuple[float, bool]]:
    """(raw confidence, right) for every cell of generated reports the pipeline outputs."""
    return [(cell.confidence, ok) for _, cell, ok in _generated_cells(seeds, tagger) if cell is not None]


def glued_dump(seed: int) -> SynthReport:
    """A generated report printed as a one-line dump (every line glued)."""
    return generate(seed, layout="glued")


def glued_rows(seed: int) -> SynthReport:
    """A generated report of lines, tabs or spaces (in turn by seed) whose rows print their cells glued."""
    return with_family(generate(seed, layout=("lines", "tabs", "spaces")[seed % 3]), "glued_rows", seed)


GLUED: dict[str, Callable[[int], SynthReport]] = {"glued dump": glued_dump, "glued rows": glued_rows}


def split_cells(seeds: Sequence[int], tagger: Tagger) -> Iterator[tuple[str, Cell | None, bool, bool]]:
    """(kind, output cell or None, right, split by the tagger) for every table 二 cell of the glued reports of
    each kind (``GLUED``) and seed: the cells whose glued run no rule splits (table 二 has none), the tagger's
    reading of where cells start then choosing the split (``IssueCode.TAGGER_SPLIT``) or none."""
    for seed in seeds:
        for kind, make in GLUED.items():
            report = make(seed)
            out = extract(source_from_bytes(f"{kind}-{seed}.txt", report.text.encode("utf-8")), tagger=tagger)
            by_tagger = {i.path for i in out.issues if i.code is IssueCode.TAGGER_SPLIT}
            for key, want in report.cells.items():
                if key.startswith("active."):
                    got = out.cells.get(key)
                    ok = same_value(got.value if got is not None else None, want)
                    yield kind, got, ok, key.rsplit(".", 1)[0] in by_tagger


def split_confidence(seeds: Sequence[int], tagger: Tagger) -> list[tuple[float, bool]]:
    """(raw confidence, right) of every cell of a glued run the tagger split (``split_cells``)."""
    return [(cell.confidence, ok) for _, cell, ok, split in split_cells(seeds, tagger) if split and cell is not None]


def synthetic_accuracy(seeds: Sequence[int], tagger: Tagger) -> dict[str, Tally]:
    """End-to-end cell accuracy on generated reports (exact truth), overall and per layout."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for layout, _, ok in _generated_cells(seeds, tagger):
        tallies["all"].add(ok)
        tallies[layout].add(ok)
    return dict(tallies)


@dataclass(frozen=True)
class Fitted:
    """A calibration fitted on gold cells plus generated reports, and the (raw confidence, right) pairs of the
    held-out generated reports it is measured on: every cell (``held``) and the cells the tagger split
    (``held_split``, ``Calibration.of_split``)."""

    calibration: Calibration
    held: list[tuple[float, bool]]
    held_split: list[tuple[float, bool]]

    def tables(self) -> tuple[str, ...]:
        """Reliability on the held-out reports: raw and calibrated, all cells and tagger-split cells."""
        out = []
        for name, pairs, mapped in (
            ("cells", self.held, self.calibration),
            ("tagger-split cells", self.held_split, self.calibration.of_split),
        ):
            if pairs:
                conf, ok = zip(*pairs, strict=True)
                title = f"held-out generated reports, {name}"
                out.append(reliability(conf, ok).table(f"{title}, raw"))
                out.append(reliability([mapped(c) for c in conf], ok).table(f"{title}, calibrated"))
        return tuple(out)


def calibrate_on(
    gold: Sequence[tuple[float, bool]],
    tagger: Tagger,
    fit_seeds: Sequence[int],
    held_seeds: Sequence[int],
    fitted_on: str,
) -> Fitted:
    """Fit the map from cell confidence to observed accuracy (isotonic) on ``gold`` cells (confidence, right) and
    the generated reports ``fit_seeds`` (gold holds few errors), with its own map for the cells the tagger split
    (fitted on as many reports of each glued kind), and measure both on ``held_seeds``. ``fitted_on`` says what
    the gold cells are (the calibration records it)."""
    pairs = [*gold, *synthetic_confidence(fit_seeds, tagger)]
    conf, ok = zip(*pairs, strict=True)
    n = len(fit_seeds)
    described = f"{fitted_on} + {n} generated reports; tagger-split cells: {n} reports of each glued kind"
    calibration = fit(conf, ok, fitted_on=described, split=split_confidence(fit_seeds, tagger))
    return Fitted(calibration, synthetic_confidence(held_seeds, tagger), split_confidence(held_seeds, tagger))
