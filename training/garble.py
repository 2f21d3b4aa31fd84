"""Garbling generated reports the way real ones arrive, and judging what the repair engine made of them.

A garble changes the printed text of one row of a table the rules cover (三 or 四): ``glue`` removes the
separators between its values, ``drop`` deletes one value, ``swap`` transposes two digits of a value,
``ocr`` replaces one digit with an OCR look-alike and marks the text as OCR'd. The
engine must then give back the table as drawn, or flag every cell it could not: a cell that differs from the
truth while its status says ``read``/``repaired`` and no check on it fails is *silently wrong*.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass

from extractor.assemble import OCR_LOOKALIKES
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.schema import Box, CellStatus, CheckStatus, ExtractionOutput
from extractor.tagging import Tagger
from extractor.types import Layout, SourceDoc
from training.synth import SynthReport

GARBLES = ("glue", "drop", "swap", "ocr")
CHECKED_TABLES = ("applications", "review")  # table 二 has no arithmetic: nothing could catch a garble there


@dataclass(frozen=True)
class Garbled:
    """A generated report with one row's text garbled: ``cell`` (when one cell was changed) was printed
    ``truth`` and now reads ``printed`` (empty when dropped); ``detail`` says it for people."""

    kind: str
    row: str  # the row (table.row, or "review") whose text was changed
    text: str
    ocr: bool
    detail: str
    cell: str = ""
    truth: str = ""
    printed: str = ""


def _rows(report: SynthReport) -> dict[str, list[str]]:
    """Printed cells of the checked tables by row, in text order."""
    rows: dict[str, list[str]] = {}
    for key in sorted(report.positions, key=lambda k: report.positions[k][0]):
        table = key.split(".", 1)[0]
        if table in CHECKED_TABLES:
            rows.setdefault("review" if table == "review" else key.rsplit(".", 1)[0], []).append(key)
    return rows


def complete(report: SynthReport) -> bool:
    """Every cell of the checked tables printed as a number (no blanks, no dropped cells): the rules then see
    the whole table, so a garble has something to contradict."""
    return all(report.cells[k] is not None for k in report.cells if k.split(".", 1)[0] in CHECKED_TABLES) and all(
        k in report.positions for k in report.cells if k.split(".", 1)[0] in CHECKED_TABLES
    )


def ready(report: SynthReport, tagger: Tagger) -> bool:
    """Whole tables that ``tagger`` and the engine read exactly as printed: a report fit to be garbled, so
    that whatever goes wrong afterwards is the garble's doing."""
    if not complete(report):
        return False
    as_printed = Garbled("none", "", report.text, False, "")
    return outcome(extract(source_of(as_printed), tagger=tagger), report)[0] == "recovered"


def _printed(report: SynthReport, key: str) -> str:
    a, b = report.positions[key]
    return report.text[a:b]


def _is_number(text: str) -> bool:
    return text.isascii() and text.lstrip("+-").isdigit()


def _edit(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def glue(report: SynthReport, rng: random.Random) -> Garbled | None:
    rows = {r: ks for r, ks in _rows(report).items() if all(_is_number(_printed(report, k)) for k in ks)}
    if not rows:
        return None
    row = rng.choice(sorted(rows))
    keys = rows[row]
    first, last = report.positions[keys[0]][0], report.positions[keys[-1]][1]
    glued = "".join(_printed(report, k) for k in keys)
    return Garbled("glue", row, _edit(report.text, first, last, glued), False, glued)


def drop(report: SynthReport, rng: random.Random) -> Garbled | None:
    rows = {r: ks for r, ks in _rows(report).items() if len(ks) >= 3}
    if not rows:
        return None
    row = rng.choice(sorted(rows))
    keys = rows[row]
    i = rng.randrange(len(keys))
    # the value and the separator before it (after it, for the first value): no empty cell is left behind
    start = report.positions[keys[i - 1]][1] if i else report.positions[keys[i]][0]
    end = report.positions[keys[i]][1] if i else report.positions[keys[i + 1]][0]
    truth = _printed(report, keys[i])
    return Garbled("drop", row, _edit(report.text, start, end, ""), False, f"{keys[i]} = {truth}", keys[i], truth)


def swap(report: SynthReport, rng: random.Random) -> Garbled | None:
    options = []
    for row, keys in _rows(report).items():
        for key in keys:
            text = _printed(report, key)
            if not _is_number(text):
                continue
            digits = [j for j in range(len(text) - 1) if text[j] != text[j + 1] and text[j + 1].isdigit()]
            digits = [j for j in digits if not (j == 0 and text[1] == "0")]  # no leading zero
            options += [(row, key, j) for j in digits if text[j].isdigit()]
    if not options:
        return None
    row, key, j = rng.choice(options)
    a, b = report.positions[key]
    text = report.text[a:b]
    new = text[:j] + text[j + 1] + text[j] + text[j + 2 :]
    return Garbled("swap", row, _edit(report.text, a, b, new), False, f"{key}: {text} → {new}", key, text, new)


def ocr(report: SynthReport, rng: random.Random) -> Garbled | None:
    options = [
        (row, k, j)
        for row, keys in _rows(report).items()
        for k in keys
        if _is_number(_printed(report, k))
        for j, ch in enumerate(_printed(report, k))
        if ch in OCR_LOOKALIKES
    ]
    if not options:
        return None
    row, key, j = rng.choice(options)
    a, b = report.positions[key]
    text = report.text[a:b]
    choices = [alt for alt in OCR_LOOKALIKES[text[j]] if not (j == 0 and alt == "0" and len(text) > 1)]
    new = text[:j] + rng.choice(choices) + text[j + 1 :]
    return Garbled("ocr", row, _edit(report.text, a, b, new), True, f"{key}: {text} → {new}", key, text, new)


GARBLERS: dict[str, Callable[[SynthReport, random.Random], Garbled | None]] = {
    "glue": glue,
    "drop": drop,
    "swap": swap,
    "ocr": ocr,
}


def source_of(garbled: Garbled, name: str = "garbled.txt") -> SourceDoc:
    """The garbled text as a document; an ``ocr`` garble reads as an OCR'd page (every character on page 1)."""
    source = source_from_bytes(name, garbled.text.encode("utf-8"))
    if not garbled.ocr:
        return source
    box = Box(page=1, x0=0, top=0, x1=1, bottom=1)
    layout = Layout(tuple(box for _ in source.raw_text), tuple(0.99 for _ in source.raw_text), frozenset({1}))
    return dataclasses.replace(source, layout=layout)


FLAGGED = (CellStatus.MISSING, CellStatus.INFERRED)
OUTCOMES = ("recovered", "flagged", "repaired_wrong", "silent")


def outcome(out: ExtractionOutput, report: SynthReport) -> tuple[str, list[str]]:
    """How the checked tables came back, with the cells that make it so:

    * ``recovered``: every cell as drawn;
    * ``flagged``: each differing cell is missing, inferred, or in a failing check;
    * ``repaired_wrong``: some differing cell is a repair the rules accept (status ``repaired``, listed in
      ``review.reasons``, but wrong);
    * ``silent``: some differing cell reads as printed (``read``) with every check on it passing.
    """
    failing = {k for c in out.checks if c.status is CheckStatus.FAIL for k in c.cells}
    wrong: list[str] = []
    repaired: list[str] = []
    silent: list[str] = []
    for key, want in report.cells.items():
        if key.split(".", 1)[0] not in CHECKED_TABLES:
            continue
        cell = out.cells.get(key)
        if (cell.value if cell else None) == want:
            continue
        wrong.append(key)
        if cell is None or cell.status in FLAGGED or key in failing:
            continue
        (repaired if cell.status is CellStatus.REPAIRED else silent).append(key)
    if silent:
        return "silent", silent
    if repaired:
        return "repaired_wrong", repaired
    return ("flagged" if wrong else "recovered"), wrong
