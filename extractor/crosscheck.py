"""Several taggers' readings of one report → one, table by table, by what the template's arithmetic supports.

Each tagger's spans are assembled and checked on their own (``pipeline.read_tables``). For each table, the
reading kept is the one whose rules fail least, then leave fewest rules unassessable, fewest cells missing,
fewest cells repaired or inferred, and fewest cells blank (a tagger that takes printed digits for blank markers
passes every sum with zeros); on a tie the first tagger's (the model's) reading stands. Nothing is invented:
every cell kept is one that a tagger read from the text. A table taken from another tagger is said in the
review reasons, with both scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.assemble import Assembly
from extractor.constraints import evaluate
from extractor.schema import Cell, CellStatus, Check, CheckStatus

TABLES = ("active", "applications", "review")


@dataclass(frozen=True)
class Reading:
    """One tagger's reading of a report: its assembly, cells (contract form) and checks."""

    tagger: str
    assembly: Assembly
    cells: dict[str, Cell]
    checks: list[Check]


def table_score(reading: Reading, table: str) -> tuple[int, int, int, int, int]:
    """(failing rules, unassessable rules, missing, repaired or inferred, blank cells) of ``table``; lower is
    better."""
    checks = [c for c in reading.checks if c.rule.startswith(f"{table}.")]
    cells = [c for k, c in reading.cells.items() if k.startswith(f"{table}.")]
    return (
        sum(c.status is CheckStatus.FAIL for c in checks),
        sum(c.status is CheckStatus.NOT_ASSESSABLE for c in checks),
        sum(c.status is CellStatus.MISSING for c in cells),
        sum(c.status in (CellStatus.REPAIRED, CellStatus.INFERRED) for c in cells),
        sum(c.status is CellStatus.BLANK for c in cells),
    )


def combine(readings: list[Reading]) -> tuple[Assembly, dict[str, Cell], list[Check], list[str]]:
    """The per-table best of ``readings`` (the first is the primary): assembly, cells, checks, and a reason for
    every table taken from another reading than the first."""
    primary = readings[0]
    layouts: dict[str, str] = {}
    cells: dict[str, Cell] = {}
    issues = [i for i in primary.assembly.issues if i.path.split(".", 1)[0] not in TABLES]
    rules = []
    notes = []
    cut = None
    for table in TABLES:
        found = [r for r in readings if table in r.assembly.layouts]
        if not found:
            issues += [i for i in primary.assembly.issues if i.path.split(".", 1)[0] == table]
            continue
        best = min(found, key=lambda r: (table_score(r, table), readings.index(r)))
        layouts[table] = best.assembly.layouts[table]
        cells.update({k: c for k, c in best.cells.items() if k.startswith(f"{table}.")})
        issues += [i for i in best.assembly.issues if i.path.split(".", 1)[0] == table]
        rules += [r for r in best.assembly.rules if r.name.startswith(f"{table}.")]
        if best.assembly.cut is not None and best.assembly.cut[0] == table:
            cut = best.assembly.cut
        if best is not primary:
            theirs = table_score(primary, table) if table in primary.assembly.layouts else None
            notes.append(
                f"{table}: the {best.tagger} reading kept (failing, unassessable, missing, repaired, blank: "
                f"{table_score(best, table)} against {primary.tagger}'s {theirs or 'no table'})"
            )
    template = layouts.get("active") or layouts.get("applications") or "unknown"
    assembly = Assembly(template=template, layouts=layouts, cells={}, issues=issues, rules=rules, cut=cut)
    return assembly, cells, evaluate(rules, cells), notes
