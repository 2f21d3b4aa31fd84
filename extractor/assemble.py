"""TaggedDoc → table cells: tagged row labels and values aligned onto the template grid.

Values are grouped between labels and groups are aligned to row labels by a monotone alignment, so a
missing, blank or extra cell never shifts the rest of the table. Glued digit runs get every reading the
characters allow; the table's arithmetic then chooses among them (``repair``), or the cells stay flagged.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from extractor import template as tpl
from extractor.constraints import Rule, application_rules, review_rules
from extractor.repair import Part, Piece, enumerate_splits, sum_rule
from extractor.schema import CellStatus, Issue, IssueCode, TableKey
from extractor.segment import find_headings, table_regions
from extractor.types import NormalizedDoc, Span, TaggedDoc

MAX_COMBINATIONS = 2000
MAX_NODES = 50_000  # search steps per table; past it the rows left undecided are flagged, not guessed
SHOWN_ALTERNATIVES = 8


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    blank: bool
    line: int
    score: float
    ocr_alternatives: tuple[str, ...] = ()  # other readings of an OCR'd value, one look-alike digit changed


@dataclass
class CellDraft:
    """A cell before serialisation: offsets are into the normalized text."""

    value: int | Decimal | None
    start: int | None
    end: int | None
    status: CellStatus
    confidence: float
    alternatives: list[list[str]] = field(default_factory=list)
    cost: int = 0  # characters read otherwise than the OCR engine printed them


@dataclass
class Assembly:
    """``layouts``: the tables found (their printed labels), each with its layout; every cell of a found table
    is in ``cells``, ``missing`` where nothing was read. ``cut``: (table, last cell read) when the text ends
    inside that table."""

    template: str
    layouts: dict[str, str]
    cells: dict[str, CellDraft]
    issues: list[Issue]
    rules: list[Rule]
    cut: tuple[str, str | None] | None = None


# ---- values -----------------------------------------------------------------------------------
_NUMBER = re.compile(r"([+\-]?)(\d+(?:\.\d+)?)\s*(万元|元)?")


def parse_value(text: str, key: str) -> int | Decimal | None:
    """'40.664万元' → Decimal('406640') for 元 cells; '+32' → 32; '—' → None. Never raises."""
    m = _NUMBER.fullmatch(text.strip())
    if m is None:
        return None
    sign, digits, unit = m.groups()
    try:
        number = Decimal(digits)
    except InvalidOperation:
        return None
    if sign == "-":
        number = -number
    if key in tpl.DECIMAL_CELLS:
        if key.endswith("amount_yuan") and unit == "万元":
            number *= 10000
        return number
    if number != number.to_integral_value():
        return None
    return int(number)


# ---- grouping and alignment -------------------------------------------------------------------
# Digit pairs an OCR engine mistakes for each other in report scans (0/8, 1/7, 6/5, 3/8 …); symmetric.
_LOOKALIKE_PAIRS = ("08", "06", "09", "17", "14", "27", "23", "38", "35", "39", "49", "56", "58", "68", "69", "89")
OCR_LOOKALIKES: dict[str, str] = {
    d: "".join(sorted({p[1 - p.index(d)] for p in _LOOKALIKE_PAIRS if d in p})) for d in "0123456789"
}


def ocr_alternatives(doc: NormalizedDoc, start: int, end: int) -> tuple[str, ...]:
    """For a value whose characters were recognised by OCR: each reading with one digit replaced by a look-alike.

    The image supports these readings as much as the one the engine printed (its scores are no guide: misread
    digits often score 0.999), so the table's arithmetic decides; the printed reading wins whenever it fits.
    """
    layout = doc.source.layout
    if layout is None or not layout.ocr_pages:
        return ()
    text = doc.text[start:end]
    out = []
    for i, ch in enumerate(text):
        raw = doc.offsets.starts[start + i]
        box = layout.boxes[raw] if raw < len(layout.boxes) else None
        if ch not in OCR_LOOKALIKES or box is None or box.page not in layout.ocr_pages:
            continue
        out.extend(
            text[:i] + alt + text[i + 1 :]
            for alt in OCR_LOOKALIKES[ch]
            if not (i == 0 and alt == "0" and len(text) > 1)
        )
    return tuple(out)


def _tokens(tagged: TaggedDoc, lo: int, hi: int) -> tuple[list[Token], list[Span]]:
    text = tagged.doc.text
    tokens: list[Token] = []
    separators: list[Span] = []
    for sp in tagged.spans:
        if sp.start < lo or sp.end > hi:
            continue
        if sp.label == "VALUE" and tpl.PROSE_FIGURE.match(text, sp.end):
            continue  # a date, a share or a counted figure of the prose, whoever tagged it: never a cell
        if sp.label in ("VALUE", "BLANK"):
            tokens.append(
                Token(
                    sp.start,
                    sp.end,
                    text[sp.start : sp.end],
                    sp.label == "BLANK",
                    text.count("\n", lo, sp.start),
                    sp.score,
                    () if sp.label == "BLANK" else ocr_alternatives(tagged.doc, sp.start, sp.end),
                )
            )
        elif sp.label in ("ROW", "TITLE_ITEM", "COL", "SECTION"):
            separators.append(sp)
    return tokens, separators


def _groups(tokens: list[Token], separators: list[Span]) -> list[list[Token]]:
    """Runs of tokens with no label between them; a run spread over lines of ≥2 tokens each is split by line."""
    cuts = sorted(sp.start for sp in separators)
    groups: list[list[Token]] = []
    for tok in tokens:
        if groups and not any(groups[-1][-1].end <= c < tok.start for c in cuts):
            groups[-1].append(tok)
        else:
            groups.append([tok])
    out: list[list[Token]] = []
    for g in groups:
        lines = [list(v) for _, v in itertools.groupby(g, key=lambda t: t.line)]
        if len(lines) > 1 and all(len(line) >= 2 for line in lines):
            out.extend(lines)
        else:
            out.append(g)
    return out


def _align(labels: list[Span], groups: list[list[Token]]) -> dict[int, int]:
    """Monotone alignment label index → group index. A group right after its label costs 0, right before 0.3."""
    items = sorted(
        [(sp.start, "L", i) for i, sp in enumerate(labels)] + [(g[0].start, "G", j) for j, g in enumerate(groups)]
    )
    pos_l = {i: p for p, (_, kind, i) in enumerate(items) if kind == "L"}
    pos_g = {j: p for p, (_, kind, j) in enumerate(items) if kind == "G"}
    n, m = len(labels), len(groups)
    skip = 1.0
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c == inf:
                continue
            for ni, nj, add in ((i + 1, j, skip), (i, j + 1, skip)):
                if ni <= n and nj <= m and c + add < cost[ni][nj]:
                    cost[ni][nj], back[(ni, nj)] = c + add, (i, j)
            if i < n and j < m:
                d = pos_g[j] - pos_l[i]
                add = 0.0 if d == 1 else 0.3 if d == -1 else 0.6 + 0.1 * abs(d)
                if add < skip * 2 and c + add < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], back[(i + 1, j + 1)] = c + add, (i, j)
    pairs: dict[int, int] = {}
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        if pi == i - 1 and pj == j - 1:
            pairs[pi] = pj
        i, j = pi, pj
    return pairs


# ---- readings of one row ----------------------------------------------------------------------
Reading = list[CellDraft]


def _pieces(group: list[Token]) -> list[Piece]:
    return [Piece(t.text, t.start, not t.blank and t.text.isdigit()) for t in group]


def _draft(part: Part, key: str, status: CellStatus, confidence: float, blank: bool) -> CellDraft:
    if blank:
        return CellDraft(None, part.start, part.end, CellStatus.BLANK, confidence)
    value = parse_value(part.text, key)
    if value is None:
        return CellDraft(None, part.start, part.end, CellStatus.MISSING, confidence * 0.3)
    return CellDraft(value, part.start, part.end, status, confidence)


def row_readings(keys: list[str], group: list[Token], row_sum: bool, issues: list[Issue], where: str) -> list[Reading]:
    """Every reading of ``group`` as the cells ``keys``; more than one means the row is ambiguous."""
    if len(group) > 1 and (group[0].blank or group[-1].blank):
        # A blank marker at the edge of a group may be layout (an empty header or trailing cell), not a cell:
        # offer the readings with and without it and let the rules decide.
        trimmed = group[1:] if group[0].blank else group[:-1]
        sub: list[Issue] = []
        return row_readings(keys, trimmed, row_sum, sub, where) + _edge_blank_readings(
            keys, group, row_sum, issues, where
        )
    return _edge_blank_readings(keys, group, row_sum, issues, where)


def _edge_blank_readings(
    keys: list[str], group: list[Token], row_sum: bool, issues: list[Issue], where: str
) -> list[Reading]:
    n = len(keys)
    signed = any(k.rsplit(".", 1)[1] in tpl.SIGNED_COLUMNS for k in keys)
    blanks = {t.start for t in group if t.blank}
    score = min(t.score for t in group)
    if len(group) == n:
        printed = [
            _draft(Part(t.text, t.start, t.end), k, CellStatus.READ, 0.97 * score, t.start in blanks)
            for t, k in zip(group, keys, strict=True)
        ]
        readings = [printed]
        for i, (t, k) in enumerate(zip(group, keys, strict=True)):
            for alt in t.ocr_alternatives:
                cell = _draft(Part(alt, t.start, t.end), k, CellStatus.REPAIRED, 0.6 * score, False)
                cell.cost, cell.alternatives = 1, [[t.text]]
                readings.append([*printed[:i], cell, *printed[i + 1 :]])
        return readings
    if len(group) > n:
        issues.append(
            Issue(code=IssueCode.EXTRA_VALUES, path=where, detail=f"{len(group)} values for {n} cells; first {n} kept")
        )
        return _edge_blank_readings(keys, group[:n], row_sum, issues, where)
    splits = enumerate_splits(_pieces(group), [n], sum_rule if row_sum else None, signed=signed)
    if not splits and row_sum:
        splits = enumerate_splits(_pieces(group), [n], None, signed=signed)
    if splits:
        issues.append(
            Issue(
                code=IssueCode.GLUED_DIGITS,
                path=where,
                detail=f"'{' '.join(t.text for t in group)}' read as {len(splits)} possible split(s)",
            )
        )
        conf = 0.9 if len(splits) == 1 else 0.6
        return [
            [
                _draft(p, k, CellStatus.REPAIRED, conf * score, p.start in blanks)
                for p, k in zip(parts, keys, strict=True)
            ]
            for parts in splits
        ]
    return _short_row(keys, group, issues, where)


MAX_PLACEMENTS = 2000


def _text_ends_after(text: str, token: Token) -> bool:
    """Nothing but layout (spaces, pipes, line breaks) follows ``token``: the text was cut inside its row."""
    return not text[token.end :].strip(" \t\n|")


def _cut_row(keys: list[str], group: list[Token], issues: list[Issue], where: str) -> Reading:
    """A row the text stops inside: its values as printed from the first cell, the cells after the cut
    missing (never split or spread over the row to fill it)."""
    issues.append(
        Issue(code=IssueCode.SHORT_ROW, path=where, detail=f"the text ends after {len(group)} of {len(keys)} cells")
    )
    cells = [
        _draft(Part(t.text, t.start, t.end), k, CellStatus.READ, 0.9 * t.score, t.blank)
        for t, k in zip(group, keys[: len(group)], strict=True)
    ]
    return cells + [CellDraft(None, None, None, CellStatus.MISSING, 0.0) for _ in keys[len(group) :]]


def _short_row(keys: list[str], group: list[Token], issues: list[Issue], where: str) -> list[Reading]:
    """Fewer values than cells: a value went missing and the rest must not shift. Every order-keeping placement of
    the values onto the cells is a reading (status ``inferred``); the table's rules then keep the placements
    they allow, and cells on which those disagree stay missing. Past ``MAX_PLACEMENTS`` the first value is
    put in the first column, the last in the last, and the cells between are left missing."""
    n, k = len(keys), len(group)
    issues.append(
        Issue(
            code=IssueCode.SHORT_ROW,
            path=where,
            detail=f"{k} values for {n} cells; their places are chosen by the table's rules or left open",
        )
    )
    if k > 0 and math.comb(n, k) <= MAX_PLACEMENTS:
        # the likeliest first: values in order with the gap just before the row's last cell (its total)
        likeliest = (*range(k - 1), n - 1)
        places = [likeliest, *(p for p in itertools.combinations(range(n), k) if p != likeliest)]
    else:
        places = [(0, n - 1)] if k >= 2 else [(0,)] if k else [()]
        group = [group[0], group[-1]] if k >= 2 else group
    out: list[Reading] = []
    for place in places:
        slots: list[Token | None] = [None] * n
        for i, t in zip(place, group, strict=True):
            slots[i] = t
        out.append(
            [
                CellDraft(None, None, None, CellStatus.MISSING, 0.0)
                if t is None
                else _draft(Part(t.text, t.start, t.end), key, CellStatus.INFERRED, 0.5, t.blank)
                for t, key in zip(slots, keys, strict=True)
            ]
        )
    return out


# ---- choosing among readings with the table's rules ---------------------------------------------
Combo = tuple[Reading, ...]


def choose(
    readings: dict[str, list[Reading]],
    keys: dict[str, list[str]],
    rules: list[Rule],
    issues: list[Issue],
    evidence: frozenset[int] = frozenset(),
) -> dict[str, CellDraft]:
    """Fix rows with one reading; pick the combination of the others that satisfies every rule, if unique.

    Among combinations the rules allow, those that leave fewest cells empty are preferred; when several remain,
    those whose numbers (≥ 10) the narrative states (``evidence``) are. Otherwise differing cells stay empty.
    """
    cells: dict[str, CellDraft] = {}
    for row, rs in readings.items():
        if len(rs) == 1:
            cells.update(zip(keys[row], rs[0], strict=True))
    rows = [row for row, rs in readings.items() if len(rs) > 1]
    if not rows:
        return cells
    passing = _fewest_gaps(_search(rows, readings, keys, cells, rules))
    how = "the table's rules"
    if not passing:
        cells.update(_unresolved(rows, readings, keys, issues))
        return cells
    pool = passing
    if len(pool) > 1 and evidence:
        stated = _by_evidence(pool, evidence)
        if len(stated) < len(pool):
            pool, how = stated, "figures the report's narrative states"
    varying = [i for i in range(len(rows)) if len({id(combo[i]) for combo in pool}) > 1]
    likeliest = _likeliest(rows, readings, varying)
    if len(pool) > 1 and likeliest in pool:
        pool, how = [likeliest], f"likelihood ({len(pool)} fit the rules; values in order, the gap before the total)"
    if len(pool) == 1:
        for row, reading in zip(rows, pool[0], strict=True):
            cells.update(zip(keys[row], reading, strict=True))
            issue = _chosen_issue(row, reading, how, first=reading is readings[row][0])
            if issue is not None:
                issues.append(issue)
        return cells
    cells.update(_ambiguous(rows, pool, keys, varying, issues))
    return cells


def _ambiguous(
    rows: list[str], pool: list[Combo], keys: dict[str, list[str]], varying: list[int], issues: list[Issue]
) -> dict[str, CellDraft]:
    """Several combinations fit equally: cells on which they agree are kept, the others left empty."""
    cells: dict[str, CellDraft] = {}
    for idx, row in enumerate(rows):
        if idx in varying:
            detail = f"{len(pool)} readings remain; cells that differ are left empty"
            issues.append(Issue(code=IssueCode.AMBIGUOUS_SPLIT, path=row, detail=detail))
        cells.update(_consensus(keys[row], [combo[idx] for combo in pool]))
    return cells


def _unresolved(
    rows: list[str], readings: dict[str, list[Reading]], keys: dict[str, list[str]], issues: list[Issue]
) -> dict[str, CellDraft]:
    """No combination satisfies the rules: each row keeps what all its readings as printed agree on (OCR
    look-alikes set aside), a short row its likeliest placement (cells ``inferred``); the failing checks
    flag the table."""
    cells: dict[str, CellDraft] = {}
    for row in rows:
        if _is_placement(readings[row][0]):  # a short row: its likeliest placement, every cell marked inferred
            as_printed = readings[row][:1]
        else:
            as_printed = [r for r in readings[row] if not any(c.cost for c in r)]
        if len(as_printed) != 1:
            issues.append(
                Issue(code=IssueCode.AMBIGUOUS_SPLIT, path=row, detail="no reading satisfies the table's rules")
            )
        cells.update(_consensus(keys[row], as_printed or readings[row]))
    return cells


def _chosen_issue(row: str, reading: Reading, how: str, first: bool) -> Issue | None:
    """What a row's chosen reading changed, as an issue (None when it is the row as printed)."""
    if any(c.cost for c in reading):
        changed = ", ".join(f"{c.alternatives[0][0]}→{c.value}" for c in reading if c.cost)
        return Issue(code=IssueCode.OCR_REREAD, path=row, detail=f"OCR digits reread {changed}, chosen by {how}")
    if any(c.status is CellStatus.INFERRED for c in reading):
        return Issue(code=IssueCode.SHORT_ROW, path=row, detail=f"placement chosen by {how}")
    if any(c.status is CellStatus.REPAIRED for c in reading):
        return Issue(code=IssueCode.GLUED_DIGITS, path=row, detail=f"split chosen by {how}")
    if not first:
        return Issue(code=IssueCode.EDGE_BLANK, path=row, detail=f"a blank marker at the row's edge, chosen by {how}")
    return None


def _search(
    rows: list[str],
    readings: dict[str, list[Reading]],
    keys: dict[str, list[str]],
    fixed: dict[str, CellDraft],
    rules: list[Rule],
) -> list[Combo]:
    """Every combination of row readings that no rule contradicts (at most ``MAX_COMBINATIONS``), or [] when
    the search runs past ``MAX_NODES`` steps (the rows are then flagged, never guessed).

    Exact depth-first search with pruning: rows with the fewest readings go first, and after each row every rule
    it touches is checked on what is assigned so far — equal sums once both sides are complete, and, as counts
    are never negative, no partial sum above a complete other side. A cell a reading leaves missing counts as
    0 (it is printed nowhere); a cell missing outside these rows makes its rules not assessable. Only the
    combinations with the fewest OCR look-alike rereads are kept (branch and bound on ``CellDraft.cost``), so
    the text as printed wins whenever the rules allow it.
    """
    base = {k: c.value for k, c in fixed.items() if c.status is not CellStatus.MISSING}
    order = sorted(range(len(rows)), key=lambda i: len(readings[rows[i]]))
    covered = set(base) | {k for row in rows for k in keys[row]}
    live = [r for r in rules if all(k in covered for k in r.cells)]
    touching = [[r for r in live if set(r.cells) & set(keys[rows[i]])] for i in order]
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
        for reading in readings[row]:
            more = cost + sum(c.cost for c in reading)
            if more > best[0]:
                continue
            values.update((k, c.value) for k, c in zip(keys[row], reading, strict=True))
            if all(_may_hold(rule, values) for rule in touching[depth]):
                chosen[order[depth]] = reading
                walk(depth + 1, more)
        for k in keys[row]:
            values.pop(k, None)
        chosen.pop(order[depth], None)

    walk(0, 0)
    return out if budget[0] >= 0 else []


def _may_hold(rule: Rule, values: dict[str, int | Decimal | None]) -> bool:
    """False only when the assigned cells already contradict ``sum(left) == sum(right)`` for counts ≥ 0."""
    sides = []
    for side in (rule.left, rule.right):
        known = [values[k] or 0 for k in side if k in values]
        sides.append((sum(known), len(known) == len(side), all(v >= 0 for v in known)))
    (left, left_done, left_pos), (right, right_done, right_pos) = sides
    if left_done and right_done:
        return left == right
    if left_done and right_pos and right > left:
        return False
    return not (right_done and left_pos and left > right)


def _likeliest(rows: list[str], readings: dict[str, list[Reading]], varying: list[int]) -> Combo | None:
    """The first reading of every row, when the rows whose reading the rules leave open are all short rows (a
    short row's first placement is the likeliest: values in order, the gap before the total); None otherwise.
    Its placed cells stay ``inferred``."""
    first = tuple(readings[row][0] for row in rows)
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


def _by_evidence(combos: list[Combo], evidence: frozenset[int]) -> list[Combo]:
    hits = [
        sum(c.value in evidence for reading in combo for c in reading if isinstance(c.value, int) and c.value >= 10)
        for combo in combos
    ]
    return [combo for combo, h in zip(combos, hits, strict=True) if h == max(hits)] if max(hits) else combos


def _consensus(keys: list[str], options: list[Reading]) -> dict[str, CellDraft]:
    alternatives = [[str(c.value) for c in reading] for reading in _unique(options)][:SHOWN_ALTERNATIVES]
    out = {}
    for col, key in enumerate(keys):
        first = options[0][col]
        if len({str(o[col].value) for o in options}) == 1:
            out[key] = CellDraft(first.value, first.start, first.end, first.status, first.confidence * 0.8)
        else:
            out[key] = CellDraft(None, None, None, CellStatus.MISSING, 0.0, alternatives)
    return out


def _unique(readings: list[Reading]) -> list[Reading]:
    seen: dict[tuple[str, ...], Reading] = {}
    for r in readings:
        seen.setdefault(tuple(str(c.value) for c in r), r)
    return list(seen.values())


# ---- tables -----------------------------------------------------------------------------------
def _row_table(
    tagged: TaggedDoc,
    region: tuple[int, int],
    table: TableKey,
    rows: tuple[tpl.RowDef, ...],
    row_sum: bool,
    rules: list[Rule],
    issues: list[Issue],
    evidence: frozenset[int] = frozenset(),
) -> tuple[dict[str, CellDraft], int]:
    """The table's cells, and how many of its row labels were found (0: the table is not printed here)."""
    text = tagged.doc.text
    tokens, separators = _tokens(tagged, *region)
    labels: list[Span] = []
    defs: list[tpl.RowDef | None] = []  # None: a row the template (in this layout) does not have
    seen: set[str] = set()
    starts = sorted(t.start for t in tokens)
    previous_end: int | None = None  # where the ROW label before this one ends
    for sp in separators:
        if sp.label != "ROW":
            continue
        # the tail of a label wrapped over lines (no value since the label before it) is no row of its own
        continues = previous_end is not None and bisect.bisect_left(starts, previous_end) == bisect.bisect_left(
            starts, sp.start
        )
        previous_end = sp.end
        label = re.sub(r"\s+", "", text[sp.start : sp.end])  # a label the tagger read across a line break
        rowdef = next((r for r in rows if r.regex.search(label)), None)
        if rowdef is not None and rowdef.key not in seen:
            seen.add(rowdef.key)
            labels.append(sp)
            defs.append(rowdef)
        elif rowdef is None and not continues and tpl.may_be_extra_row(label):
            labels.append(sp)  # an extra row owns the values after it: they never feed a template row
            defs.append(None)
    groups = _groups(tokens, separators)
    pairs = _align(labels, groups)
    readings: dict[str, list[Reading]] = {}
    keys: dict[str, list[str]] = {}
    for i, rowdef in enumerate(defs):
        if rowdef is None:
            if i in pairs:
                extra = text[labels[i].start : labels[i].end]
                detail = f"a row the template lacks: {extra}"
                issues.append(Issue(code=IssueCode.EXTRA_VALUES, path=table, detail=detail))
            continue
        row = f"{table}.{rowdef.key}"
        keys[row] = [f"{row}.{c}" for c in rowdef.columns]
        if i not in pairs:
            issues.append(
                Issue(code=IssueCode.ROW_NOT_FOUND, path=row, detail="label found but no values aligned to it")
            )
            continue
        group = groups[pairs[i]]
        if len(group) < len(keys[row]) and _text_ends_after(text, group[-1]):
            readings[row] = [_cut_row(keys[row], group, issues, row)]
        else:
            readings[row] = row_readings(keys[row], group, row_sum, issues, row)
    for rowdef in rows:
        if rowdef.key not in seen:
            issues.append(
                Issue(code=IssueCode.ROW_NOT_FOUND, path=f"{table}.{rowdef.key}", detail="row label not found")
            )
    return choose(readings, keys, rules, issues, evidence), len(seen)


_STATED = re.compile(r"(?<![\d.])(\d+)\s*(?:件|条|个|项)")


def narrative_figures(text: str) -> frozenset[int]:
    """Counts the narrative states (``制发的规范性文件88件``): outside evidence for ambiguous splits."""
    return frozenset(int(m.group(1)) for m in _STATED.finditer(text))


def _review_table(tagged: TaggedDoc, region: tuple[int, int], issues: list[Issue]) -> dict[str, CellDraft] | None:
    """Table 四's cells; None when the region prints neither its column words nor values."""
    tokens, _ = _tokens(tagged, *region)
    keys = tpl.review_keys()
    while len(tokens) > len(keys) and (tokens[0].blank or tokens[-1].blank):  # empty header cells
        tokens = tokens[1:] if tokens[0].blank else tokens[:-1]
    if not tokens:
        printed = len(set(tpl.REVIEW_COLUMN_WORDS.findall(tagged.doc.text, *region))) >= 2
        detail = "column labels printed with no values" if printed else "no values in table 四"
        issues.append(Issue(code=IssueCode.TABLE_NOT_FOUND, path="review", detail=detail))
        return {} if printed else None
    if len(tokens) > len(keys):
        issues.append(Issue(code=IssueCode.EXTRA_VALUES, path="review", detail=f"{len(tokens)} values; first 15 kept"))
        tokens = tokens[: len(keys)]
    if len(tokens) == len(keys):
        readings = row_readings(keys, tokens, False, issues, "review")
    elif _text_ends_after(tagged.doc.text, tokens[-1]):
        readings = [_cut_row(keys, tokens, issues, "review")]
    else:
        splits = enumerate_splits(_pieces(tokens), [5, 5, 5], sum_rule)
        if not splits:
            readings = _short_row(keys, tokens, issues, "review")
        else:
            issues.append(
                Issue(
                    code=IssueCode.GLUED_DIGITS,
                    path="review",
                    detail=f"{len(splits)} split(s) satisfy the block totals",
                )
            )
            readings = [
                [
                    _draft(p, k, CellStatus.REPAIRED, 0.9 if len(splits) == 1 else 0.6, False)
                    for p, k in zip(parts, keys, strict=True)
                ]
                for parts in splits
            ]
    return choose({"review": readings}, {"review": keys}, review_rules(), issues)


def layout_by_year(year: int | None) -> str:
    """The layout a report of ``year`` prints (2019 试行 for 2019 and 2020): used only when the table's own
    headers and rows do not say (a text cut before them)."""
    return "2019" if year in (2019, 2020) else "2021"


def active_layout(text: str, year: int | None = None) -> str:
    """Table 二's layout by its column headers; by the report year when it prints none."""
    old = len(tpl.ACTIVE_2019_MARKERS.findall(text))
    new = len(tpl.ACTIVE_2021_MARKERS.findall(text))
    if old == new == 0:
        return layout_by_year(year)
    return "2019" if old > new else "2021"


def applications_layout(text: str, otherwise: str) -> str:
    """Table 三's layout: 2021 when it prints the three (六) rows, 2019 when it prints (七)总计 or 结转 without
    them, else (cut before (六)) ``otherwise``: the layout of the report's table 二, or its year's."""
    if tpl.APPLICATIONS_2021_MARKERS.search(text):
        return "2021"
    if re.search(r"[(（]七[)）]\s*总计|结转下年度", text):
        return "2019"
    return otherwise


def assemble(tagged: TaggedDoc, year: int | None = None) -> Assembly:
    """``year``: the report year, deciding a table's layout only where the text does not (see ``layout_by_year``)."""
    text = tagged.doc.text
    regions = table_regions(text, find_headings(text))
    issues: list[Issue] = []
    cells: dict[str, CellDraft] = {}
    layouts: dict[str, str] = {}
    rules: list[Rule] = []
    if "active" in regions:
        lo, hi = regions["active"]
        layout = active_layout(text[lo:hi], year)
        evidence = narrative_figures(text[:lo])
        found, n = _row_table(tagged, regions["active"], "active", tpl.active_rows(layout), False, [], issues, evidence)
        if n:
            layouts["active"] = layout
            cells.update(found)
    if "applications" in regions:
        lo, hi = regions["applications"]
        layout = applications_layout(text[lo:hi], layouts.get("active") or layout_by_year(year))
        app_rules = application_rules(layout)
        rows = tpl.application_rows(layout)
        found, n = _row_table(tagged, regions["applications"], "applications", rows, True, app_rules, issues)
        if n:
            layouts["applications"] = layout
            rules.extend(app_rules)
            cells.update(found)
    if "review" in regions:
        review = _review_table(tagged, regions["review"], issues)
        if review is not None:
            layouts["review"] = "both"
            rules.extend(review_rules())
            cells.update(review)
    for table in ("active", "applications", "review"):
        if table not in layouts:
            issues.append(Issue(code=IssueCode.TABLE_NOT_FOUND, path=table, detail="table not found"))
    _account_for_every_cell(cells, layouts)
    template = layouts.get("active") or layouts.get("applications") or "unknown"
    cut = _cut(cells, layouts, regions, len(text))
    return Assembly(template=template, layouts=layouts, cells=cells, issues=issues, rules=rules, cut=cut)


def _account_for_every_cell(cells: dict[str, CellDraft], layouts: dict[str, str]) -> None:
    """Every cell of a table found is in the output: one nothing was read for is ``missing``, never left out."""
    for table, layout in layouts.items():
        for key in tpl.table_keys(table, layout):
            if key not in cells:
                cells[key] = CellDraft(None, None, None, CellStatus.MISSING, 0.0)


def _cut(
    cells: dict[str, CellDraft], layouts: dict[str, str], regions: dict[TableKey, tuple[int, int]], end: int
) -> tuple[str, str | None] | None:
    """(table, last cell read) when the text ends inside a found table whose last cells are missing."""
    last = [t for t in layouts if t in regions and regions[t][1] >= end]  # type: ignore[comparison-overlap]
    if not last:
        return None
    table = max(last, key=lambda t: regions[t][0])  # type: ignore[index]
    keys = tpl.table_keys(table, layouts[table])
    if cells[keys[-1]].status is not CellStatus.MISSING:
        return None
    read = [k for k in keys if cells[k].status is not CellStatus.MISSING]
    return table, (read[-1] if read else None)
