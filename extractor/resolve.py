"""Assembly → Resolution: the repair engine, choosing among the readings of each table by its arithmetic.

The assembler offers, for every row, each reading its printed characters allow (a glued run's splits, a short
row's placements, an OCR'd value's look-alike digits, a blank at the row's edge read or not). Here a row with
one reading is kept; the combination of the others that satisfies every rule of the table is chosen when it
is unique (fewest cells left empty first, then figures the narrative states, then the likeliest placement);
cells on which the remaining combinations disagree stay missing, with their alternatives. Nothing is invented:
every value kept is one the source printed, and what was chosen, and why, is an ``Issue``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass, replace
from decimal import Decimal

from extractor import template as tpl
from extractor.assemble import MISSING, Assembly, CellDraft, Reading, RowReadings, TableReading
from extractor.constraints import Rule
from extractor.schema import CellStatus, Issue, IssueCode, TableKey

MAX_COMBINATIONS = 2000
# the tagger's likeliest split of glued digits is taken when it holds more than this share of the probability
# of all the splits the rules leave and of the tokens read whole (it is then likelier right than wrong); else
# the differing cells stay empty
MIN_SPLIT_SHARE = 0.5
# the reason a split so chosen gives (its issue's code: IssueCode.TAGGER_SPLIT)
BY_THE_TAGGER = "the tagger's reading of where the digits' cells start"
MAX_NODES = 50_000  # search steps per table; past it the rows left undecided are flagged, not guessed
SHOWN_ALTERNATIVES = 8

Combo = tuple[Reading, ...]


@dataclass(frozen=True)
class TextCut:
    """The text ends inside ``table``, after the cell ``after`` (None: inside its header); later cells missing."""

    table: TableKey
    after: str | None


@dataclass(frozen=True)
class Resolution:
    """The tables found (each with its layout), every cell of each (``missing`` where nothing was read), the
    issues of reading and choosing, the rules that apply and, when the text stops inside a table, where."""

    layouts: Mapping[TableKey, str]
    cells: Mapping[str, CellDraft]
    issues: tuple[Issue, ...]
    rules: tuple[Rule, ...]
    cut: TextCut | None = None

    @property
    def template(self) -> str:
        return self.layouts.get("active") or self.layouts.get("applications") or "unknown"


def resolve(assembly: Assembly) -> Resolution:
    cells: dict[str, CellDraft] = {}
    issues: list[Issue] = []
    rules: list[Rule] = []
    for table in assembly.tables.values():
        chosen, why = choose(table)
        cells.update(chosen)
        issues += [*table.issues, *why]
        rules += table.rules
        for key in tpl.table_keys(table.table, table.layout):  # every cell of a table found is in the output
            cells.setdefault(key, MISSING)
    return Resolution(
        layouts={t: r.layout for t, r in assembly.tables.items()},
        cells=cells,
        issues=(*issues, *assembly.issues),
        rules=tuple(rules),
        cut=_cut(assembly, cells),
    )


def _cut(assembly: Assembly, cells: Mapping[str, CellDraft]) -> TextCut | None:
    """Where the text ends inside a found table whose last cells are missing."""
    last = [t for t in assembly.tables.values() if t.region[1] >= assembly.text_length]
    if not last:
        return None
    table = max(last, key=lambda t: t.region[0])
    keys = tpl.table_keys(table.table, table.layout)
    if cells[keys[-1]].status is not CellStatus.MISSING:
        return None
    read = [k for k in keys if cells[k].status is not CellStatus.MISSING]
    return TextCut(table.table, read[-1] if read else None)


def choose(table: TableReading) -> tuple[dict[str, CellDraft], list[Issue]]:
    """Fix rows with one reading; pick the combination of the others that satisfies every rule, if unique.

    Among combinations the rules allow, those that leave fewest cells empty are preferred; when several remain,
    those whose numbers (≥ 10) the narrative states (``evidence``) are, then the likeliest under the tagger's
    reading of where glued digits' cells start, when it holds more than ``MIN_SPLIT_SHARE`` of their probability
    and of the printed tokens read whole (its cells' confidence that share, calibrated on such cells). Otherwise
    differing cells stay empty. A table without rules (table 二) is chosen row by row: no rule ties its rows together.
    """
    cells: dict[str, CellDraft] = {}
    for row in table.rows:
        if len(row.readings) == 1:
            cells.update(zip(row.keys, row.readings[0], strict=True))
    rows = [row for row in table.rows if len(row.readings) > 1]
    if not rows:
        return cells, []
    if not table.rules:  # no rule ties one row to another (table 二): each row is chosen on its own
        issues: list[Issue] = []
        for row in rows:
            chosen, found = _choose_rows(table, [row], cells)
            cells |= chosen
            issues += found
        return cells, issues
    chosen, issues = _choose_rows(table, rows, cells)
    return cells | chosen, issues


def _choose_rows(
    table: TableReading, rows: list[RowReadings], cells: dict[str, CellDraft]
) -> tuple[dict[str, CellDraft], list[Issue]]:
    """``choose`` for ``rows`` (each with several readings), the table's other cells fixed as ``cells``."""
    passing, how = _fewest_gaps(_search(rows, cells, list(table.rules))), "the table's rules"
    gaps = any(c.status is CellStatus.MISSING for row in rows for reading in row.readings for c in reading)
    if not passing and gaps:  # nothing holds with a cell a reading leaves missing as 0: it may be a value not printed
        passing = _fewest_gaps(_search(rows, cells, list(table.rules), gaps_known=False))
        how = "the table's rules, a cell left missing being a value not printed"
    if not passing:
        return _unresolved(rows)
    pool = passing
    if len(pool) > 1 and table.evidence:
        stated = _by_evidence(rows, pool, table.evidence)
        if len(stated) < len(pool):
            pool, how = stated, "figures the report's narrative states"
    varying = [i for i in range(len(rows)) if len({id(combo[i]) for combo in pool}) > 1]
    likeliest = _likeliest(rows, varying)
    if len(pool) > 1 and likeliest in pool:
        pool, how = [likeliest], f"likelihood ({len(pool)} fit the rules; values in order, the gap before the total)"
    if len(pool) > 1:
        pool, share = _by_tagger(pool, varying)
        if share > MIN_SPLIT_SHARE:
            how = f"{BY_THE_TAGGER} (p={share:.2f} among {len(pool)} readings)"
            chosen = tuple(  # a split's cells are as sure as the split: its share (calibrated on such cells)
                tuple(replace(c, confidence=share) for c in reading) if i in varying else reading
                for i, reading in enumerate(pool[0])
            )
            return _cells_of(rows, chosen), _chosen_issues(rows, chosen, how, {rows[i].row for i in varying})
    if len(pool) > 1:
        return _ambiguous(rows, pool, varying)
    return _cells_of(rows, pool[0]), _chosen_issues(rows, pool[0], how)


def _by_tagger(pool: list[Combo], varying: list[int]) -> tuple[list[Combo], float]:
    """``pool`` likeliest first under the tagger's reading of where the glued digits' cells start
    (``CellDraft.split_log_odds``), and the first's share of the probability of them all and of the tokens read
    whole as printed (a cell dropped, not glued: OCR that lost a blank mark leaves ``44 2525`` for ``44 —— 2525``);
    ``pool`` and 0 when a differing row has a cell without that reading (the rule tagger gives none)."""
    scores = []
    for combo in pool:
        cells = [c for i in varying for c in combo[i]]
        if any(c.split_log_odds is None for c in cells):
            return pool, 0.0
        scores.append(sum(c.split_log_odds or 0.0 for c in cells))
    top = max(0.0, *scores)
    weights = [math.exp(s - top) for s in scores]
    order = sorted(range(len(pool)), key=lambda i: -scores[i])
    return [pool[i] for i in order], weights[order[0]] / (sum(weights) + math.exp(-top))


def _cells_of(rows: list[RowReadings], combo: Combo) -> dict[str, CellDraft]:
    return {
        key: cell for row, reading in zip(rows, combo, strict=True) for key, cell in zip(row.keys, reading, strict=True)
    }


def _chosen_issues(rows: list[RowReadings], combo: Combo, how: str, by_tagger: Set[str] = frozenset()) -> list[Issue]:
    """What each row's chosen reading changed, and what chose it; the rows ``by_tagger`` were split by the
    tagger's reading alone (``IssueCode.TAGGER_SPLIT``), not by the rules."""
    found = (
        _chosen_issue(
            row.row,
            r,
            how,
            r is row.readings[0],
            IssueCode.TAGGER_SPLIT if row.row in by_tagger else IssueCode.GLUED_DIGITS,
        )
        for row, r in zip(rows, combo, strict=True)
    )
    return [issue for issue in found if issue is not None]


def _ambiguous(
    rows: list[RowReadings], pool: list[Combo], varying: list[int]
) -> tuple[dict[str, CellDraft], list[Issue]]:
    """Several combinations fit equally: cells on which they agree are kept, the others left empty."""
    cells: dict[str, CellDraft] = {}
    issues = []
    for idx, row in enumerate(rows):
        if idx in varying:
            detail = f"{len(pool)} readings remain; cells that differ are left empty"
            issues.append(Issue(code=IssueCode.AMBIGUOUS_SPLIT, path=row.row, detail=detail))
        cells.update(_consensus(row.keys, [combo[idx] for combo in pool]))
    return cells, issues


def _unresolved(rows: list[RowReadings]) -> tuple[dict[str, CellDraft], list[Issue]]:
    """No combination satisfies the rules: each row keeps what all its readings as printed agree on (OCR
    look-alikes set aside; what splits of a glued run agree on is ``inferred``: none of them holds, so a cell
    may have been dropped rather than glued: ``0 0 0 0 21 35`` for ``14 0 0 0 0 21 35``), a short row its
    likeliest placement (cells ``inferred``); the failing checks flag the table."""
    cells: dict[str, CellDraft] = {}
    issues = []
    for row in rows:
        if _is_placement(row.readings[0]):  # a short row: its likeliest placement, every cell marked inferred
            as_printed = list(row.readings[:1])
        else:
            as_printed = [r for r in row.readings if not any(c.cost for c in r)]
        if len(as_printed) != 1:
            issues.append(
                Issue(code=IssueCode.AMBIGUOUS_SPLIT, path=row.row, detail="no reading satisfies the table's rules")
            )
        kept = _consensus(row.keys, as_printed or list(row.readings))
        if len(as_printed) > 1:  # no split of its run holds: a cell may be missing rather than glued, so where
            kept = {k: _inferred(c) for k, c in kept.items()}  # the splits agree is a place inferred, not read
        cells.update(kept)
    return cells, issues


def _inferred(cell: CellDraft) -> CellDraft:
    return replace(cell, status=CellStatus.INFERRED) if cell.status is CellStatus.REPAIRED else cell


def _chosen_issue(row: str, reading: Reading, how: str, first: bool, split: IssueCode) -> Issue | None:
    """What a row's chosen reading changed, as an issue (None when it is the row as printed); ``split``: the code
    of a glued run split."""
    if any(c.cost for c in reading):
        changed = ", ".join(f"{c.alternatives[0][0]}→{c.value}" for c in reading if c.cost)
        return Issue(code=IssueCode.OCR_REREAD, path=row, detail=f"OCR digits reread {changed}, chosen by {how}")
    if any(c.status is CellStatus.INFERRED for c in reading):
        return Issue(code=IssueCode.SHORT_ROW, path=row, detail=f"placement chosen by {how}")
    if any(c.status is CellStatus.REPAIRED for c in reading):
        return Issue(code=split, path=row, detail=f"split chosen by {how}")
    if not first:
        return Issue(code=IssueCode.EDGE_BLANK, path=row, detail=f"a blank marker at the row's edge, chosen by {how}")
    return None


def _search(
    rows: list[RowReadings], fixed: Mapping[str, CellDraft], rules: list[Rule], gaps_known: bool = True
) -> list[Combo]:
    """Every combination of row readings that no rule contradicts (at most ``MAX_COMBINATIONS``), or [] when
    the search runs past ``MAX_NODES`` steps (the rows are then flagged, never guessed).

    Exact depth-first search with pruning: rows with the fewest readings go first, and after each row every rule
    it touches is asked whether it may still hold (``Rule.may_hold``) on what is assigned so far. A cell a
    reading leaves missing counts as 0 (it is printed nowhere: an empty cell) when ``gaps_known``, else as
    unknown (a value dropped from print: its rules can only be contradicted by what is known, ``3 5 0 2 3 7``
    cannot end in a total of 7); a cell missing outside these rows makes its rules not assessable. Only the
    combinations with the fewest OCR look-alike rereads are kept (branch and bound on ``CellDraft.cost``), so
    the text as printed wins whenever the rules allow it.
    """
    base = {k: c.value for k, c in fixed.items() if c.status is not CellStatus.MISSING}
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].readings))
    covered = set(base) | {k for row in rows for k in row.keys}
    live = [r for r in rules if all(k in covered for k in r.cells)]
    touching = [[r for r in live if set(r.cells) & set(rows[i].keys)] for i in order]
    out: list[Combo] = []
    chosen: dict[int, Reading] = {}
    values: dict[str, int | Decimal | None] = dict(base)
    budget = [MAX_NODES]
    best = [math.inf]  # the fewest OCR look-alike rereads of any complete combination found so far

    def walk(depth: int, cost: int) -> None:
        budget[0] -= 1
        if len(out) >= MAX_COMBINATIONS or budget[0] < 0:
            return
        if depth == len(order):
            if cost < best[0]:
                out.clear()
                best[0] = cost
            out.append(tuple(chosen[i] for i in range(len(rows))))
            return
        row = rows[order[depth]]
        for reading in row.readings:
            more = cost + sum(c.cost for c in reading)
            if more > best[0]:
                continue
            _assign(values, row.keys, reading, gaps_known)
            if all(rule.may_hold(values) for rule in touching[depth]):
                chosen[order[depth]] = reading
                walk(depth + 1, more)
        for k in row.keys:
            values.pop(k, None)
        chosen.pop(order[depth], None)

    walk(0, 0)
    # past either bound the combinations found are not all there are (their agreement would be an artefact of
    # the search order): the rows are left to ``_unresolved``
    return out if budget[0] >= 0 and len(out) < MAX_COMBINATIONS else []


def _assign(values: dict[str, int | Decimal | None], keys: tuple[str, ...], reading: Reading, gaps_known: bool) -> None:
    """Put ``reading``'s values for the rules; a cell it leaves missing is 0 when ``gaps_known``, else unknown."""
    for k, c in zip(keys, reading, strict=True):
        if gaps_known or c.status is not CellStatus.MISSING:
            values[k] = c.value
        else:
            values.pop(k, None)


def _likeliest(rows: list[RowReadings], varying: list[int]) -> Combo | None:
    """The first reading of every row, when the rows whose reading the rules leave open are all short rows (a
    short row's first placement is the likeliest: values in order, the gap before the total); None otherwise.
    Its placed cells stay ``inferred``."""
    first = tuple(row.readings[0] for row in rows)
    open_rows = [first[i] for i in varying]
    return first if open_rows and all(_is_placement(r) for r in open_rows) else None


def _is_placement(reading: Reading) -> bool:
    """A reading of a short row: its values placed by inference, the cells between them missing."""
    return all(c.status in (CellStatus.INFERRED, CellStatus.MISSING) for c in reading)


def _fewest_gaps(combos: list[Combo]) -> list[Combo]:
    """Readings that account for every printed token beat those that leave a cell missing."""
    if len(combos) < 2:
        return combos
    gaps = [sum(c.status is CellStatus.MISSING for reading in combo for c in reading) for combo in combos]
    return [combo for combo, g in zip(combos, gaps, strict=True) if g == min(gaps)]


def _by_evidence(rows: list[RowReadings], combos: list[Combo], evidence: Mapping[str, frozenset[int]]) -> list[Combo]:
    """The combinations with most cells (≥ 10) whose value the narrative states of their row."""
    hits = [
        sum(
            c.value in evidence.get(row.row, ())
            for row, reading in zip(rows, combo, strict=True)
            for c in reading
            if isinstance(c.value, int) and c.value >= 10
        )
        for combo in combos
    ]
    return [combo for combo, h in zip(combos, hits, strict=True) if h == max(hits)] if max(hits) else combos


def _consensus(keys: tuple[str, ...], options: list[Reading]) -> dict[str, CellDraft]:
    alternatives = tuple(tuple(str(c.value) for c in reading) for reading in _unique(options))[:SHOWN_ALTERNATIVES]
    out = {}
    for col, key in enumerate(keys):
        first = options[0][col]
        if len({str(o[col].value) for o in options}) == 1:
            out[key] = replace(first, confidence=first.confidence * 0.8, alternatives=(), cost=0)
        else:
            out[key] = replace(MISSING, alternatives=alternatives)
    return out


def _unique(readings: list[Reading]) -> list[Reading]:
    seen: dict[tuple[str, ...], Reading] = {}
    for r in readings:
        seen.setdefault(tuple(str(c.value) for c in r), r)
    return list(seen.values())
