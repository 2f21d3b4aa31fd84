"""TaggedDoc → Assembly: tagged row labels and values aligned onto the template grid, as frozen readings.

Values are grouped between labels and groups are aligned to row labels by a monotone alignment, so a
missing, blank or extra cell never shifts the rest of the table. A row gets every reading its characters allow
(a glued digit run's splits, a short row's placements, an OCR'd digit's look-alikes); ``resolve`` then chooses
among them by the table's arithmetic, or leaves the cells flagged. Nothing here chooses by a rule.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher

from extractor import template as tpl
from extractor.constraints import Rule, application_rules, review_rules
from extractor.schema import CellStatus, Issue, IssueCode, TableKey
from extractor.segment import table_regions
from extractor.splits import Part, Piece, enumerate_splits, sum_rule
from extractor.types import NormalizedDoc, Span, TagDistribution, TaggedDoc


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    blank: bool
    line: int
    score: float
    ocr_alternatives: tuple[str, ...] = ()  # other readings of an OCR'd value, one look-alike digit changed
    cell_starts: tuple[float, ...] = ()  # per character, the tagger's probability that a cell starts there


@dataclass(frozen=True)
class CellDraft:
    """A cell before serialisation: offsets are into the normalized text."""

    value: int | Decimal | None
    start: int | None
    end: int | None
    status: CellStatus
    confidence: float
    alternatives: tuple[tuple[str, ...], ...] = ()
    cost: int = 0  # characters read otherwise than the OCR engine printed them
    # a piece of a printed token split off (a glued run read as several cells): the log-odds of the tagger's
    # reading that a cell starts where it starts (0 where the token starts); None when the tagger gave no such
    # reading (the rules). A reading's sum is its likelihood against the tokens read whole, as printed
    split_log_odds: float | None = None


MISSING = CellDraft(None, None, None, CellStatus.MISSING, 0.0)
Reading = tuple[CellDraft, ...]  # one reading of a row: a drafted cell per column


@dataclass(frozen=True)
class RowReadings:
    """A template row (``row``: ``table.row_key``) with values aligned to it: its cell keys, and every reading
    of its printed values; more than one means the row is ambiguous until the table's rules decide."""

    row: str
    keys: tuple[str, ...]
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class TableReading:
    """A table found by its printed labels: its layout, its rows' readings (rows without values are absent and
    their cells missing), the rules that hold over it, the figures its narrative states of each row (evidence for
    choosing a split, by ``table.row``) and its region of the normalized text."""

    table: TableKey
    layout: str
    rows: tuple[RowReadings, ...]
    rules: tuple[Rule, ...]
    region: tuple[int, int]
    evidence: Mapping[str, frozenset[int]] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class Assembly:
    """The tables found, and the issues of reading them (rows and tables not found, extra values …)."""

    tables: Mapping[TableKey, TableReading]
    issues: tuple[Issue, ...]
    text_length: int


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
    out: list[str] = []
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
    label_ends = {sp.end for sp in tagged.spans if sp.label in ("ROW", "COL", "TITLE_ITEM")}
    kept = [d for d in tagged.distributions if d.cell_starts is not None and d.start < hi and d.end > lo]
    for sp in tagged.spans:
        if sp.start < lo or sp.end > hi:
            continue
        if sp.label == "VALUE" and tpl.prose_figure(text, sp.start, sp.end, after_label=sp.start in label_ends):
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
                    _cell_starts(kept, sp.start, sp.end),
                )
            )
        elif sp.label in ("ROW", "TITLE_ITEM", "COL", "SECTION"):
            separators.append(sp)
    return tokens, separators


def _cell_starts(distributions: list[TagDistribution], start: int, end: int) -> tuple[float, ...]:
    """The tagger's probability that a cell starts at each character of ``[start, end)``; () without one."""
    for d in distributions:
        if d.start <= start and end <= d.end:
            return tuple(float(p) for p in d.cell_starts[start - d.start : end - d.start])
    return ()


def _groups(
    tokens: list[Token], separators: list[Span], text: str, lo: int, labels: list[Span] | None = None
) -> list[list[Token]]:
    """Runs of tokens with no label between them, nor words on their line (``_worded``); a run spread over lines of
    ≥2 tokens each is split by line, and so is a run whose later lines drifted above the next label. A ROW span
    that is no row label (``labels``) and that its tagger doubted (score < 0.5: ``政府`` of a running header inside
    the table) cuts no run."""
    kept = set(labels or ())
    cuts = sorted(sp.start for sp in separators if sp.label != "ROW" or sp in kept or sp.score >= 0.5)
    groups: list[list[Token]] = []
    for tok in tokens:
        last = groups[-1][-1] if groups else None
        if last and not any(last.end <= c < tok.start for c in cuts) and not _worded(text, last.end, tok.start):
            groups[-1].append(tok)
        else:
            groups.append([tok])
    out: list[list[Token]] = []
    for g in groups:
        lines = [list(v) for _, v in itertools.groupby(g, key=lambda t: t.line)]
        if len(lines) > 1 and all(len(line) >= 2 for line in lines):
            out.extend(lines)
        elif len(lines) > 1 and _drifted_below(lines, separators, text, lo):
            out += [lines[0], [t for line in lines[1:] for t in line]]
        else:
            out.append(g)
    return out


_HAN = re.compile(r"[\u4e00-\u9fff]")  # a Chinese character
_WORD = re.compile(rf"{_HAN.pattern}{{2,}}")


def _worded(text: str, start: int, end: int) -> bool:
    """Words stand between two values on one line (``行政许可14998-60其他对管理服事项2800``: a row label no row's
    words match): the values after them are no cells of the row before them. A unit (``件``, ``万元``) is no word."""
    gap = text[start:end]
    return "\n" not in gap and bool(_WORD.search(tpl.UNIT_WORDS.sub("", gap)))


def _drifted_below(lines: list[list[Token]], separators: list[Span], text: str, lo: int) -> bool:
    """A run whose first line ends a labelled row (``行政处罚 0``) and whose other lines hold only values, right
    above a label printed on a line of its own (``行政强制``): those values drifted above their label."""
    first, last = lines[0][0], lines[-1][-1]
    line_start = text.rfind("\n", lo, first.start) + 1
    if not any(sp.label == "ROW" and line_start <= sp.start and sp.end <= first.start for sp in separators):
        return False
    label = next((sp for sp in separators if sp.start >= last.end), None)
    if label is None or label.label != "ROW" or text[last.end : label.start].strip(" \t|\n"):
        return False
    line_end = text.find("\n", label.end)
    return not text[label.end : len(text) if line_end < 0 else line_end].strip(" \t|")


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


_GLUED_MONEY = re.compile(r"\d{2,}(?:\.\d+(?:万元|元)?|万元|元)")  # a count's digits may be glued before it
_SPLITTABLE = re.compile(r"[+\-]?\d+")  # a digit run, a change's sign before it (``-1390``: -139 then 0)


def _pieces(group: list[Token], keys: tuple[str, ...] = ()) -> list[Piece]:
    """The group's tokens as pieces to split (a signed run only where a signed column may take its sign). An
    amount printed last (a decimal or a figure with its unit), for a row whose last cell is money, may hold the
    counts before it glued to its integer digits (``1212345.67``, ``410元``: items and 元 of 政府集中采购)."""
    money_last = bool(keys) and keys[-1] in tpl.DECIMAL_CELLS
    signed = any(tpl.CellKey.parse(k).column in tpl.SIGNED_COLUMNS for k in keys)
    return [
        Piece(
            t.text,
            t.start,
            not t.blank and (t.text.isdigit() or (signed and _SPLITTABLE.fullmatch(t.text) is not None)),
            money=money_last and i == len(group) - 1 and _GLUED_MONEY.fullmatch(t.text) is not None,
        )
        for i, t in enumerate(group)
    ]


def _draft(part: Part, key: str, status: CellStatus, confidence: float, blank: bool) -> CellDraft:
    if blank:
        return CellDraft(None, part.start, part.end, CellStatus.BLANK, confidence)
    value = parse_value(part.text, key)
    if value is None:
        return CellDraft(None, part.start, part.end, CellStatus.MISSING, confidence * 0.3)
    return CellDraft(value, part.start, part.end, status, confidence)


Readings = tuple[list[Reading], list[Issue]]  # the readings of a row, and what was found reading it


def row_readings(keys: tuple[str, ...], group: list[Token], row_sum: bool, where: str, ruled: bool = True) -> Readings:
    """Every reading of ``group`` as the cells ``keys``; more than one means the row is ambiguous. ``ruled``:
    the table has rules to choose among readings (tables 三 and 四; not 二)."""
    edge_blank = len(group) > 1 and (group[0].blank or group[-1].blank)
    if edge_blank and (len(group) > len(keys) or (len(group) == len(keys) and ruled and not _holds(group, row_sum))):
        # A blank marker at the edge of a group may be layout (an empty header or trailing cell), not a cell:
        # offer the readings with and without it and let the rules decide. A row printing as many tokens as
        # cells is read as printed when its total holds, or when no rule could decide (table 二).
        trimmed = group[1:] if group[0].blank else group[:-1]
        without, _ = row_readings(keys, trimmed, row_sum, where, ruled)
        with_it, issues = _edge_blank_readings(keys, group, row_sum, where)
        return without + with_it, issues
    return _edge_blank_readings(keys, group, row_sum, where)


def _holds(group: list[Token], row_sum: bool) -> bool:
    """The row, read as printed, gives its total (blank markers counted as 0)."""
    return row_sum and sum_rule([Part(t.text, t.start, t.end) for t in group])


def _edge_blank_readings(keys: tuple[str, ...], group: list[Token], row_sum: bool, where: str) -> Readings:
    n = len(keys)
    signed = any(tpl.CellKey.parse(k).column in tpl.SIGNED_COLUMNS for k in keys)
    blanks = {t.start for t in group if t.blank}
    score = min(t.score for t in group)
    if len(group) == n:
        printed = tuple(
            _draft(Part(t.text, t.start, t.end), k, CellStatus.READ, 0.97 * score, t.start in blanks)
            for t, k in zip(group, keys, strict=True)
        )
        readings = [printed]
        for i, (t, k) in enumerate(zip(group, keys, strict=True)):
            for alt in t.ocr_alternatives:
                cell = _draft(Part(alt, t.start, t.end), k, CellStatus.REPAIRED, 0.6 * score, False)
                cell = replace(cell, cost=1, alternatives=((t.text,),))
                readings.append((*printed[:i], cell, *printed[i + 1 :]))
        return readings, []
    if len(group) > n:
        extra = Issue(
            code=IssueCode.EXTRA_VALUES, path=where, detail=f"{len(group)} values for {n} cells; first {n} kept"
        )
        readings, issues = _edge_blank_readings(keys, group[:n], row_sum, where)
        return readings, [extra, *issues]
    splits = enumerate_splits(_pieces(group, keys), [n], sum_rule if row_sum else None, signed=signed)
    dropped: Readings = ([], [])
    if not splits and row_sum:
        # no split gives the row its total: a run may be glued all the same (the total misprinted), or a cell
        # was dropped and the values are whole (``15 2 1 0 0 18`` for seven cells): the table's rules choose
        splits = enumerate_splits(_pieces(group, keys), [n], None, signed=signed)
        dropped = _short_row(keys, group, where) if splits else dropped
    if not splits:
        return _short_row(keys, group, where)
    glued = Issue(
        code=IssueCode.GLUED_DIGITS,
        path=where,
        detail=f"'{' '.join(t.text for t in group)}' read as {len(splits)} possible split(s)",
    )
    return _split_readings(keys, splits, group, score, blanks) + dropped[0], [glued, *dropped[1]]


def _split_readings(
    keys: tuple[str, ...],
    splits: list[list[Part]],
    group: list[Token],
    score: float = 1.0,
    blanks: Set[int] = frozenset(),
) -> list[Reading]:
    """A reading of ``keys`` per split of ``group``'s glued runs: ``repaired`` cells (surer when the split is the
    only one), each with the tagger's log-odds that a cell starts where it starts (``_split_log_odds``)."""
    conf = 0.9 if len(splits) == 1 else 0.6
    return [
        tuple(
            replace(
                _draft(p, k, CellStatus.REPAIRED, conf * score, p.start in blanks),
                split_log_odds=_split_log_odds(p, group),
            )
            for p, k in zip(parts, keys, strict=True)
        )
        for parts in splits
    ]


_FLOOR = 1e-6  # no probability is taken as certain


def _split_log_odds(part: Part, group: list[Token]) -> float | None:
    """How much likelier the tagger reads a cell starting at ``part``'s first character than not, as log-odds (0
    where a printed token starts: a cell starts there whatever the split). None without the tagger's reading."""
    token = next(t for t in group if t.start <= part.start < t.end)
    if not token.cell_starts:
        return None
    if part.start == token.start:
        return 0.0
    p = min(max(token.cell_starts[part.start - token.start], _FLOOR), 1.0 - _FLOOR)
    return math.log(p / (1.0 - p))


MAX_PLACEMENTS = 2000


def _text_ends_after(text: str, token: Token) -> bool:
    """Nothing but layout (spaces, pipes, line breaks) follows ``token``: the text was cut inside its row."""
    return not text[token.end :].strip(" \t\n|")


def _stops_inside(text: str, group: list[Token], cells: int) -> bool:
    """The text stops inside the row whose values are ``group``: fewer than its ``cells`` and nothing but layout
    after them, or as many, the last of which may be cut (``_may_be_cut``)."""
    last = group[-1]
    return (len(group) < cells and _text_ends_after(text, last)) or (len(group) == cells and _may_be_cut(text, last))


def _cut_row(keys: tuple[str, ...], group: list[Token], where: str, text: str) -> Readings:
    """A row the text stops inside: its values as printed from the first cell, the cells after the cut
    missing (never split or spread over the row to fill it). What the cut may have left incomplete is missing
    too: a run of digits with a leading zero (``00000000101001600``: glued cells, how many unknown), and a last
    value with nothing after it (``…大量反复申请2733``: the text may stop inside it, or inside a glued run)."""
    whole = list(itertools.takewhile(lambda t: not _leading_zero(t.text), group))
    if whole and whole[-1] is group[-1] and _may_be_cut(text, group[-1]):
        whole.pop()
    detail = f"the text ends after {len(group)} of {len(keys)} cells"
    if len(whole) < len(group):
        detail += f"; '{group[len(whole)].text}' may be cut or hold glued cells: it and what follows left unread"
    cells = tuple(
        _draft(Part(t.text, t.start, t.end), k, CellStatus.READ, 0.9 * t.score, t.blank)
        for t, k in zip(whole, keys[: len(whole)], strict=True)
    )
    issue = Issue(code=IssueCode.SHORT_ROW, path=where, detail=detail)
    return [cells + tuple(MISSING for _ in keys[len(whole) :])], [issue]


def _may_be_cut(text: str, token: Token) -> bool:
    """The text stops right after ``token``'s last character (no line end, tab or pipe closes it): it may stop
    inside the value (an excerpt cut at a character count). A lone 0 is whole: no count starts with 0."""
    return not token.blank and token.text != "0" and not text[token.end :].strip(" ")


def _leading_zero(value: str) -> bool:
    """A digit run no one count prints (``0012``): glued cells."""
    return len(value) > 1 and value[0] == "0" and value.isdigit()


def _short_row(keys: tuple[str, ...], group: list[Token], where: str) -> Readings:
    """Fewer values than cells: a value went missing and the rest must not shift. Every order-keeping placement of
    the values onto the cells is a reading (status ``inferred``); the table's rules then keep the placements
    they allow, and cells on which those disagree stay missing. Past ``MAX_PLACEMENTS`` the first value is
    put in the first column, the last in the last, and the cells between are left missing."""
    n, k = len(keys), len(group)
    issue = Issue(
        code=IssueCode.SHORT_ROW,
        path=where,
        detail=f"{k} values for {n} cells; their places are chosen by the table's rules or left open",
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
            tuple(
                MISSING if t is None else _draft(Part(t.text, t.start, t.end), key, CellStatus.INFERRED, 0.5, t.blank)
                for t, key in zip(slots, keys, strict=True)
            )
        )
    return out, [issue]


# ---- tables -----------------------------------------------------------------------------------
def _row_labels(
    tagged: TaggedDoc, tokens: list[Token], separators: list[Span], rows: tuple[tpl.RowDef, ...]
) -> tuple[list[Span], list[tpl.RowDef | None], set[int]]:
    """The ROW labels that bound values: each template row's first label, and labels of rows the template (in
    this layout) does not have (None), which own the values after them so that they never feed a template
    row. The tail of a label wrapped over lines (no value since the label before it) is no row of its own, but
    where it and the label before it are no row apart and one together (``一、本`` / a header line / ``年新收…``,
    a converter's table cut inside a label), they are that row. A label no row's words match, standing where a
    template row is missing and printed much like it (``属于内部事务信息`` for ``属于三类内部事务信息``), is that
    row (``_by_place``): the indexes of such labels, placed by where they stand, are returned too."""
    text = tagged.doc.text
    found: list[tuple[Span, tpl.RowDef | None, str]] = []  # (label, its row or None, the label's text)
    seen: set[str] = set()
    starts = sorted(t.start for t in tokens)
    previous_end: int | None = None  # where the ROW label before this one ends
    after_head = False  # the label before this one is a group's ((四)无法提供) or a numbering alone (4.), not a row's
    unplaced: str | None = None  # the label before this one, when no template row's words match it
    for sp in separators:
        if sp.label != "ROW":
            continue
        continues = previous_end is not None and bisect.bisect_left(starts, previous_end) == bisect.bisect_left(
            starts, sp.start
        )
        previous_end = sp.end
        label = re.sub(r"\s+", "", text[sp.start : sp.end])  # a label the tagger read across a line break
        rowdef = next((r for r in rows if r.regex.search(label)), None)
        if rowdef is None and continues and unplaced is not None:  # the rest of a label broken by a line between
            rowdef = next((r for r in rows if r.regex.search(unplaced + label)), None)  # (一、本 / | … | / 年新收…)
            if rowdef is not None and rowdef.key not in seen:
                label = unplaced + label
                if found and found[-1][1] is None and found[-1][2] == unplaced:
                    found.pop()  # its head, taken for a row the template lacks
        if rowdef is not None and rowdef.key not in seen:
            seen.add(rowdef.key)
            found.append((sp, rowdef, label))
        elif rowdef is None and not continues and tpl.may_be_extra_row(label):
            found.append((sp, None, label))
        elif rowdef is None and _printed_like_a_row(label) and (not continues or after_head):
            found.append((sp, None, label))  # to be placed, or dropped
        after_head = bool(tpl.GROUP_LABELS.fullmatch(label) or tpl.NUMBERING.fullmatch(label))
        unplaced = None if rowdef is not None else label
    placed = _by_place(found, rows)
    # a label placed by nothing bounds values only as a row the template lacks (as before: 行政确认)
    kept = [i for i, (_, d, label) in enumerate(found) if d is not None or tpl.may_be_extra_row(label)]
    renumbered = {i: n for n, i in enumerate(kept)}
    return [found[i][0] for i in kept], [found[i][1] for i in kept], {renumbered[i] for i in placed}


_LIKE = 0.6  # how alike (difflib ratio) a label and the row it stands in for must be printed


def _printed_like_a_row(label: str) -> bool:
    """A label long enough to be a row's, however it is worded, in words of its own (not a group's label alone,
    ``(三)不予公开``, nor a numbering)."""
    return len(_HAN.findall(label)) >= 4 and len(_HAN.findall(tpl.own_words(label))) >= 2


def _alike(label: str, row: tpl.RowDef) -> bool:
    """``label`` is printed much like ``row`` (``_LIKE``), in their own words."""
    return SequenceMatcher(None, tpl.own_words(label), tpl.bare_row_label(row.key)).ratio() >= _LIKE


def _by_place(found: list[tuple[Span, tpl.RowDef | None, str]], rows: tuple[tpl.RowDef, ...]) -> set[int]:
    """Make the unmatched labels of ``found`` the template rows they stand in for: between two found rows, each
    template row missing there, in order, is the next unmatched label printed alike (``_LIKE``); where one has no
    such label, none is placed (a label left, a running header or a row the template lacks, stays what it was).
    The indexes of the labels so placed."""
    order = {r.key: i for i, r in enumerate(rows)}
    taken = {d.key for _, d, _ in found if d is not None}
    placed: set[int] = set()
    i = 0
    while i < len(found):
        if found[i][1] is not None:
            i += 1
            continue
        j = i
        while j < len(found) and found[j][1] is None:
            j += 1
        before = max((order[d.key] for _, d, _ in found[:i] if d is not None), default=-1)
        after = min((order[d.key] for _, d, _ in found[j:] if d is not None), default=len(rows))
        gap = [r for r in rows[before + 1 : after] if r.key not in taken]
        pairs: list[tuple[int, tpl.RowDef]] = []
        k = i
        for r in gap:  # each missing row, in order, to the next label printed alike
            while k < j and not _alike(found[k][2], r):
                k += 1
            if k == j:
                break
            pairs.append((k, r))
            k += 1
        if gap and len(pairs) == len(gap):  # every missing row found, or none placed
            for k, r in pairs:
                found[k] = (found[k][0], r, found[k][2])
                taken.add(r.key)
                placed.add(k)
        i = j
    return placed


def _row_table(
    tagged: TaggedDoc, region: tuple[int, int], table: TableKey, layout: str, row_sum: bool
) -> tuple[tuple[RowReadings, ...], list[Issue], int]:
    """The readings of the table's rows with values, the issues found, and how many of its template rows were
    found by their labels (0: the table is not printed here)."""
    text = tagged.doc.text
    rows = tpl.table_rows(table, layout)
    tokens, separators = _tokens(tagged, *region)
    labels, defs, placed = _row_labels(tagged, tokens, separators, rows)
    groups = _groups(tokens, separators, text, region[0], labels)
    pairs = _align(labels, groups)
    out: list[RowReadings] = []
    issues: list[Issue] = []
    for i, rowdef in enumerate(defs):
        if rowdef is None:
            if i in pairs:
                detail = f"a row the template lacks: {text[labels[i].start : labels[i].end]}"
                issues.append(Issue(code=IssueCode.EXTRA_VALUES, path=table, detail=detail))
            continue
        row = f"{table}.{rowdef.key}"
        keys = tpl.keys_of(table, rowdef.key, rowdef.columns)
        if i in placed:
            printed = text[labels[i].start : labels[i].end]
            detail = f"label {printed!r} read as {tpl.bare_row_label(rowdef.key)!r} by its place among the rows"
            issues.append(Issue(code=IssueCode.ROW_BY_PLACE, path=row, detail=detail))
        if i not in pairs:
            issues.append(
                Issue(code=IssueCode.ROW_NOT_FOUND, path=row, detail="label found but no values aligned to it")
            )
            continue
        group = groups[pairs[i]]
        if _stops_inside(text, group, len(keys)):
            readings, found = _cut_row(keys, group, row, text)
        else:
            readings, found = row_readings(keys, group, row_sum, row, ruled=row_sum)  # table 二: no totals, no rules
        out.append(RowReadings(row, keys, tuple(readings)))
        issues += found
    seen = {d.key for d in defs if d is not None}
    issues += [
        Issue(code=IssueCode.ROW_NOT_FOUND, path=f"{table}.{r.key}", detail="row label not found")
        for r in rows
        if r.key not in seen
    ]
    return tuple(out), issues, len(seen)


_STATED = re.compile(r"(?<![\d.])(\d+)\s*(?:件|条|个|项)")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")


def narrative_figures(text: str, table: TableKey, rows: tuple[tpl.RowDef, ...]) -> Mapping[str, frozenset[int]]:
    """Counts the narrative states of each row (``table.row``), in a sentence that names the row
    (``动态更新本年度制发的规范性文件88件``): outside evidence for ambiguous splits. A figure in a sentence about
    something else (``发布各类信息80条``) is no evidence for any row."""
    found: dict[str, set[int]] = {}
    for sentence in _SENTENCE.finditer(text):
        figures = {int(m.group(1)) for m in _STATED.finditer(sentence.group())}
        for row in rows if figures else ():
            if row.regex.search(sentence.group()):
                found.setdefault(f"{table}.{row.key}", set()).update(figures)
    return {row: frozenset(figures) for row, figures in found.items()}


def _review_table(tagged: TaggedDoc, region: tuple[int, int]) -> tuple[tuple[RowReadings, ...] | None, list[Issue]]:
    """Table 四's readings, one row of its 15 cells (none when only its column words are printed); None when the
    region prints neither its column words nor values."""
    tokens, _ = _tokens(tagged, *region)
    keys = tuple(tpl.review_keys())
    while len(tokens) > len(keys) and (tokens[0].blank or tokens[-1].blank):  # empty header cells
        tokens = tokens[1:] if tokens[0].blank else tokens[:-1]
    if not tokens:
        printed = len(set(tpl.REVIEW_COLUMN_WORDS.findall(tagged.doc.text, *region))) >= 2
        detail = "column labels printed with no values" if printed else "no values in table 四"
        return (() if printed else None), [Issue(code=IssueCode.TABLE_NOT_FOUND, path="review", detail=detail)]
    issues = []
    if len(tokens) > len(keys):
        issues.append(Issue(code=IssueCode.EXTRA_VALUES, path="review", detail=f"{len(tokens)} values; first 15 kept"))
        tokens = tokens[: len(keys)]
    if _stops_inside(tagged.doc.text, tokens, len(keys)):
        readings, found = _cut_row(keys, tokens, "review", tagged.doc.text)
    elif len(tokens) == len(keys):
        readings, found = row_readings(keys, tokens, False, "review")
    else:
        readings, found = _review_splits(keys, tokens)
    return (RowReadings("review", keys, tuple(readings)),), issues + found


def _review_splits(keys: tuple[str, ...], tokens: list[Token]) -> Readings:
    """Table 四 printed with fewer values than cells: the splits of its glued runs that give each of the five
    blocks its total, or (none) the placements of a short row."""
    splits = enumerate_splits(_pieces(tokens), [5, 5, 5], sum_rule)
    if not splits:
        return _short_row(keys, tokens, "review")
    issue = Issue(code=IssueCode.GLUED_DIGITS, path="review", detail=f"{len(splits)} split(s) satisfy the block totals")
    return _split_readings(keys, splits, tokens), [issue]


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
    if tpl.APPLICATIONS_2019_MARKERS.search(text):
        return "2019"
    return otherwise


def _applications_otherwise(tables: Mapping[TableKey, TableReading], year: int | None) -> str:
    """Table 三's layout when its rows do not say (cut before (六)): its year's template, except for a year
    either template was printed for (2020) or none, where table 二's layout is the better guess."""
    if (year is not None and year != 2020) or "active" not in tables:
        return layout_by_year(year)
    return tables["active"].layout


def assemble(tagged: TaggedDoc, year: int | None = None) -> Assembly:
    """Every table found by its printed labels, as readings. ``year``: the report year, deciding a table's
    layout only where the text does not (see ``layout_by_year``)."""
    text = tagged.doc.text
    regions = table_regions(text, tagged.doc.headings)
    tables: dict[TableKey, TableReading] = {}
    issues: list[Issue] = []  # of tables not found
    if "active" in regions:
        lo, hi = region = regions["active"]
        layout = active_layout(text[lo:hi], year)
        rows, found, n = _row_table(tagged, region, "active", layout, row_sum=False)
        if n:
            tables["active"] = TableReading(
                "active",
                layout,
                rows,
                (),
                region,
                narrative_figures(text[:lo], "active", tpl.active_rows(layout)),
                tuple(found),
            )
        else:
            issues += found
    if "applications" in regions:
        lo, hi = region = regions["applications"]
        layout = applications_layout(text[lo:hi], _applications_otherwise(tables, year))
        rows, found, n = _row_table(tagged, region, "applications", layout, row_sum=True)
        if n:
            rules = tuple(application_rules(layout))
            tables["applications"] = TableReading("applications", layout, rows, rules, region, issues=tuple(found))
        else:
            issues += found
    if "review" in regions:
        review, found = _review_table(tagged, regions["review"])
        if review is not None:
            tables["review"] = TableReading(
                "review", "both", review, tuple(review_rules()), regions["review"], issues=tuple(found)
            )
        else:
            issues += found
    issues += [
        Issue(code=IssueCode.TABLE_NOT_FOUND, path=t, detail="table not found")
        for t in ("active", "applications", "review")
        if t not in tables
    ]
    return Assembly(tables=tables, issues=tuple(issues), text_length=len(text))
