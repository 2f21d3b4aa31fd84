"""Several taggers' readings of one report → one, table by table, by what the template's arithmetic supports.

Each tagger's spans are assembled and checked on their own (``pipeline.read_tables``). For each table, the
reading kept is the one with fewest rules that do not hold (failing, or not assessable: a reading that leaves
cells unread proves nothing by passing no rule), then fewest failing, fewest cells missing, fewest cells
repaired or inferred, and fewest cells blank (a tagger that takes printed digits for blank markers passes every
sum with zeros); on a tie the first tagger's (the model's) reading stands. A table without rules (table 二)
gives no such evidence: the reading that leaves fewest cells missing, then fewest placed by inference or split,
stands (the first tagger's on a tie), and each of its cells that another tagger reads otherwise keeps that
reading as an alternative, at a confidence of at most ``DISAGREED``. Nothing is invented: every cell kept is
one that a tagger read from the text. A table taken from another tagger, and a disagreement, are said in the
review reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from extractor import template as tpl
from extractor.assemble import CellDraft
from extractor.constraints import evaluate
from extractor.resolve import Resolution
from extractor.schema import CellStatus, Check, CheckStatus, TableKey

TABLES: tuple[TableKey, ...] = ("active", "applications", "review")
DISAGREED = 0.5  # the most a cell may be trusted that two taggers read differently, with no rule to decide


def joined_name(names: list[str]) -> str:
    """The tagger name a record carries when several taggers read it: ``model:xxgk-char-bert-3+rules-1``."""
    return "+".join(names)


@dataclass(frozen=True)
class Reading:
    """One tagger's reading of a report: its resolved tables and their checks."""

    tagger: str
    resolution: Resolution
    checks: list[Check]

    @property
    def cells(self) -> Mapping[str, CellDraft]:
        return self.resolution.cells


def _of(table: str, path: str) -> bool:
    return tpl.table_of(path) == table


def table_score(reading: Reading, table: str) -> tuple[int, int, int, int, int]:
    """(failing rules, unassessable rules, missing, repaired or inferred, blank cells) of ``table``; lower is
    better."""
    checks = [c for c in reading.checks if _of(table, c.rule)]
    cells = [c for k, c in reading.cells.items() if _of(table, k)]
    return (
        sum(c.status is CheckStatus.FAIL for c in checks),
        sum(c.status is CheckStatus.NOT_ASSESSABLE for c in checks),
        sum(c.status is CellStatus.MISSING for c in cells),
        sum(c.status in (CellStatus.REPAIRED, CellStatus.INFERRED) for c in cells),
        sum(c.status is CellStatus.BLANK for c in cells),
    )


def support(score: tuple[int, int, int, int, int]) -> tuple[int, ...]:
    """A table score ordered by how little the arithmetic supports the reading: rules that do not hold (failing
    or not assessable: a reading that leaves cells unread proves nothing), then failing rules, then the rest."""
    fails, unassessable, *rest = score
    return (fails + unassessable, fails, *rest)


def combine(readings: list[Reading]) -> tuple[Resolution, list[Check], list[str]]:
    """The per-table best of ``readings`` (the first is the primary): the resolution, its checks, and a reason
    for every table taken from another reading than the first."""
    primary = readings[0]
    layouts: dict[TableKey, str] = {}
    cells: dict[str, CellDraft] = {}
    issues = [i for i in primary.resolution.issues if tpl.table_of(i.path) not in TABLES]
    rules = []
    notes = []
    cut = None
    for table in TABLES:
        found = [r for r in readings if table in r.resolution.layouts]
        if not found:
            issues += [i for i in primary.resolution.issues if _of(table, i.path)]
            continue
        if not any(_of(table, r.name) for r in found[0].resolution.rules):
            # no arithmetic to choose by: the reading that leaves fewest cells missing, then fewest placed by
            # inference or split (the first tagger's on a tie), doubted where the others read otherwise
            best = min(found, key=lambda r: (table_score(r, table)[2:4], readings.index(r)))
            doubted = _doubt(best, [r for r in found if r is not best], table)
            cells.update(doubted)
            if doubted:
                notes.append(f"{table}: the taggers read {len(doubted)} cells differently; no rule decides, flagged")
        else:
            best = min(found, key=lambda r: (support(table_score(r, table)), readings.index(r)))
        chosen = best.resolution
        layouts[table] = chosen.layouts[table]
        cells.update({k: c for k, c in chosen.cells.items() if _of(table, k) and k not in cells})
        issues += [i for i in chosen.issues if _of(table, i.path)]
        rules += [r for r in chosen.rules if _of(table, r.name)]
        if chosen.cut is not None and chosen.cut.table == table:
            cut = chosen.cut
        if best is not primary:
            theirs = table_score(primary, table) if table in primary.resolution.layouts else None
            notes.append(
                f"{table}: the {best.tagger} reading kept (failing, unassessable, missing, repaired, blank: "
                f"{table_score(best, table)} against {primary.tagger}'s {theirs or 'no table'})"
            )
    combined = Resolution(layouts=layouts, cells=cells, issues=tuple(issues), rules=tuple(rules), cut=cut)
    return combined, evaluate(list(rules), cells), notes


def _doubt(kept: Reading, others: list[Reading], table: str) -> dict[str, CellDraft]:
    """The cells of ``kept`` that another reading has with another value, each with that value as an
    alternative and its confidence capped at ``DISAGREED``."""
    out: dict[str, CellDraft] = {}
    for key, cell in kept.cells.items():
        if not _of(table, key):
            continue
        read = [o.cells[key] for o in others if key in o.cells and o.cells[key].status is not CellStatus.MISSING]
        seen = {str(c.value) for c in read} - {str(cell.value)}
        if seen:
            alternatives = (*cell.alternatives, *((v,) for v in sorted(seen)))
            out[key] = replace(cell, confidence=min(cell.confidence, DISAGREED), alternatives=alternatives)
    return out
