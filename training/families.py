"""Layout families of the real world's mess, applied to a generated report with its labels and truth kept exact.

Each family is an edit of the generated text (insertions, deletions, a cut) after which every span and cell
position is shifted to where its characters went, and the truth says what the edited text still prints:

- ``plain``: the report as generated;
- ``cut``: the text stops at a cell of table 三 or 四 (a web excerpt), every later cell unprinted;
- ``skeleton``: one table's values dropped by a scraper, its labels kept (every cell of it unprinted);
- ``placeholder_header``: a converter's invented header row ``| 数据1 | 数据2 | … |`` above table 三;
- ``extra_row``: a row the template does not have (``行政确认``) with values, in table 二;
- ``page_footer``: a ``— 2 —`` page footer and a ``## `` heading line between two rows of table 三;
- ``split_header``: a converter's header row above table 三 whose words are split over cells (``| 申请 | 人情况 |``);
- ``mini_tables``: table 三 as one markdown mini-table per result block, each with a header row of its own
  printed over rows it does not head;
- ``drifted_labels``: labels wrapped around their values line (PDF text of tall cells), or in markdown on a row
  of their own;
- ``empty_cells``: in tab-separated and markdown tables, blank cells and some zero cells printed as nothing
  (``规章\t\t3\t``, ``| 规章 |  | 3 |``), as Word tables exported to text or converted to markdown print them;
- ``converter_markup``: markdown tables as document converters write them: ``<br>`` where a cell's text wraps
  (``法人或其<br>他组织``), emphasis around labels (``| **规章** |``), ``&nbsp;`` for a blank cell, and in half
  of them a label merged over two label columns printed with an empty cell after it (``| 一、本年新收… |  | 5 |``);
- ``count_units``: counts of tables 二 and 三 printed with their unit in the cell (``5件``, ``3个``);
- ``grouped_figures``: figures of four digits or more printed with thousands separators (``3,019``,
  ``4,957.14``), as large agencies print them;
- ``reworded_labels``: row labels printed in other words (a character or two of a label left out:
  ``属于内部事务信息``), as agencies reword the form;
- ``glued_rows``: each row's cells printed with nothing between them while labels and rows keep their lines
  (``规章`` / ``2729318`` for 27 | 29 | 318), as a page scraper that drops a table's cell borders prints them:
  table 二 always, tables 三 and 四 in some reports.

Accuracy can then be reported per family (``benchmarks/bench_families.py``).
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import replace

from extractor import template as tpl
from extractor.types import Span
from training.synth import SynthReport

FAMILIES: tuple[str, ...] = (
    "plain",
    "cut",
    "skeleton",
    "placeholder_header",
    "extra_row",
    "page_footer",
    "split_header",
    "mini_tables",
    "drifted_labels",
    "empty_cells",
    "converter_markup",
    "count_units",
    "grouped_figures",
    "reworded_labels",
    "glued_rows",
)
# The layouts (``synth.LAYOUTS``) a family edits; every other family edits a report in any layout.
LAYOUTS_OF: dict[str, tuple[str, ...]] = {
    "drifted_labels": ("tabs", "spaces", "pipes"),
    "empty_cells": ("tabs", "pipes"),  # elsewhere an empty cell leaves no trace in the text
    "converter_markup": ("pipes",),
    "glued_rows": ("lines", "tabs", "spaces"),  # pipes keep a cell's borders; a glued dump is glued already
}


def edit(report: SynthReport, start: int, end: int, text: str) -> SynthReport:
    """Replace ``report.text[start:end]`` by ``text``: spans and positions inside the replaced stretch are
    dropped (their cells become unprinted, ``None``), later ones shifted. A VALUE span the stretch cuts into (a
    glued run of several cells) keeps its characters on either side, as the cells there keep theirs."""
    shift = len(text) - (end - start)

    def moved(a: int, b: int) -> tuple[int, int] | None:
        if b <= start:
            return a, b
        if a >= end:
            return a + shift, b + shift
        return None

    spans = []
    for sp in report.spans:
        where = moved(sp.start, sp.end)
        if where is not None:
            spans.append(Span(*where, sp.label, sp.score))
        elif sp.label == "VALUE":
            spans += _value_ends(sp, start, end, shift)
    positions = {}
    cells = dict(report.cells)
    for key, (a, b) in report.positions.items():
        where = moved(a, b)
        if where is None:
            cells[key] = None
        else:
            positions[key] = where
    new_text = report.text[:start] + text + report.text[end:]
    return replace(report, text=new_text, spans=tuple(spans), positions=positions, cells=cells)


def _value_ends(sp: Span, start: int, end: int, shift: int) -> list[Span]:
    """What is left of a VALUE span (a glued run) that ``[start, end)`` cuts into: its characters on either side."""
    kept = [Span(sp.start, start, sp.label, sp.score)] if sp.start < start else []
    return kept + ([Span(end + shift, sp.end + shift, sp.label, sp.score)] if sp.end > end else [])


def _with_spans(report: SynthReport, spans: list[Span]) -> SynthReport:
    """``report`` with ``spans`` added to its labels, in text order."""
    return replace(report, spans=tuple(sorted([*report.spans, *spans], key=lambda sp: (sp.start, sp.end))))


Piece = tuple[int, int] | str  # a stretch of the old text, or new text


def rearrange(report: SynthReport, pieces: list[Piece]) -> SynthReport:
    """The text made of ``pieces`` (stretches of the old text, each used at most once, and new strings):
    every span and cell position follows its characters; a span whose characters land apart is split."""
    where: dict[int, int] = {}
    out: list[str] = []
    at = 0
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            at += len(piece)
            continue
        a, b = piece
        where.update((i, at + i - a) for i in range(a, b))
        out.append(report.text[a:b])
        at += b - a

    def runs(a: int, b: int) -> list[tuple[int, int]]:
        new = sorted(where[i] for i in range(a, b) if i in where)
        found: list[tuple[int, int]] = []
        for i in new:
            if found and found[-1][1] == i:
                found[-1] = (found[-1][0], i + 1)
            else:
                found.append((i, i + 1))
        return found

    spans = [Span(x, y, sp.label, sp.score) for sp in report.spans for x, y in runs(sp.start, sp.end)]
    positions = {}
    for key, (a, b) in report.positions.items():
        (moved,) = runs(a, b)  # a cell's characters are never pulled apart
        positions[key] = moved
    spans.sort(key=lambda sp: (sp.start, sp.end))
    return replace(report, text="".join(out), spans=tuple(spans), positions=positions)


def _table_cells(report: SynthReport, table: str) -> list[tuple[int, int, str]]:
    return sorted((a, b, k) for k, (a, b) in report.positions.items() if k.startswith(f"{table}."))


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def cut(report: SynthReport, rng: random.Random) -> SynthReport:
    """The text stops inside table 三 or 四, at a character count: at a cell's start or inside its value (the cell
    then unprinted: what is left of it is no reading of it), as excerpts are cut."""
    cells = _table_cells(report, rng.choice(("applications", "review")))
    if not cells:
        return report
    start, end, _ = rng.choice(cells)
    return edit(report, rng.randrange(start, end), len(report.text), "")


def skeleton(report: SynthReport, rng: random.Random) -> SynthReport:
    table = rng.choice(("active", "applications", "review"))
    for start, end, _ in reversed(_table_cells(report, table)):
        report = edit(report, start, end, "")
    for key in report.cells:
        if key.startswith(f"{table}."):
            report.cells[key] = None
    return report


def placeholder_header(report: SynthReport, rng: random.Random) -> SynthReport:
    cells = _table_cells(report, "applications")
    if not cells:
        return report
    at = report.text.rfind("\n", 0, cells[0][0]) + 1
    at = report.text.rfind("\n", 0, max(at - 1, 0)) + 1  # above the row of the first value
    n = rng.randint(8, 10)
    row = "| " + " | ".join(f"数据{i}" for i in range(1, n + 1)) + " |\n|" + "---|" * n + "\n"
    return edit(report, at, at, row)


def extra_row(report: SynthReport, rng: random.Random) -> SynthReport:
    cells = _table_cells(report, "active")
    if len(cells) < 2:
        return report
    at = _line_end(report.text, rng.choice(cells[:-1])[1])
    sep = {"tabs": "\t", "pipes": " | ", "lines": "\n"}.get(report.style.layout, " ")
    values = sep.join(str(rng.randint(1, 99)) for _ in range(rng.randint(1, 3)))
    label = rng.choice(("行政确认", "行政给付", "行政奖励", "行政检查"))
    row = f"| {label} | {values} |\n" if report.style.layout == "pipes" else f"{label}{sep}{values}\n"
    # labelled as any row is, its label a ROW and its numbers VALUEs (the rules read it so, and the assembler
    # sets such a row aside by its label, ``template.may_be_extra_row``); no cell of the truth
    found = [
        Span(at + m.start(), at + m.end(), "VALUE" if m.group().isdigit() else "ROW")
        for m in re.finditer(r"\d+|[^\d\s|]+", row)
    ]
    return _with_spans(edit(report, at, at, row), found)


def page_footer(report: SynthReport, rng: random.Random) -> SynthReport:
    cells = _table_cells(report, "applications")
    if len(cells) < 8:
        return report
    at = _line_end(report.text, rng.choice(cells[2:-2])[1])
    return edit(report, at, at, f"\n— {rng.randint(2, 9)} —\n## 政府信息公开工作年度报告\n")


def split_header(report: SynthReport, rng: random.Random) -> SynthReport:
    cells = _table_cells(report, "applications")
    if not cells:
        return report
    at = report.text.rfind("\n", 0, cells[0][0]) + 1
    words = "".join(tpl.APPLICANT_HEADER)
    pieces, i = [], 0
    while i < len(words):
        n = rng.randint(1, 4)
        pieces.append(words[i : i + n])
        i += n
    row = "| " + " | ".join(pieces) + " |\n|" + "---|" * len(pieces) + "\n"
    return edit(report, at, at, row)


def mini_tables(report: SynthReport, rng: random.Random) -> SynthReport:
    header = "| 项目 | " + " | ".join(tpl.APPLICANT_HEADER[1:]) + " |\n|" + "---|" * len(tpl.APPLICANT_HEADER) + "\n"
    starts = []
    for key in tpl.APPLICATION_GROUPS:
        first = report.positions.get(f"applications.{key}.natural_person")
        if first is None:
            continue
        labels = [sp for sp in report.spans if sp.start < first[0] and sp.label in ("ROW", "VALUE", "BLANK")]
        head = len(labels)  # the row's label and, right before it, its group's label: the block starts there
        while head and labels[head - 1].label == "ROW":
            head -= 1
        if head < len(labels):
            starts.append(report.text.rfind("\n", 0, labels[head].start) + 1)
    for at in sorted(set(starts), reverse=True):
        report = edit(report, at, at, "\n" + header)
    return report


def _row_stretch(report: SynthReport, row: str) -> tuple[int, int, int] | None:
    """Where ``row``'s label starts and ends and its line ends, when label and values share one line."""
    cells = [report.positions[k] for k in report.positions if k.startswith(row + ".")]
    if not cells:
        return None
    first, last = min(cells)[0], max(cells)[1]
    labels = [sp for sp in report.spans if sp.label == "ROW" and sp.end <= first]
    if not labels:
        return None
    label = labels[-1]
    line_end = report.text.find("\n", last)
    if line_end < 0 or "\n" in report.text[label.start : line_end] or report.text[label.end : first].strip(" \t|"):
        return None
    return label.start, label.end, line_end + 1


def drifted_labels(report: SynthReport, rng: random.Random) -> SynthReport:
    if report.style.layout not in LAYOUTS_OF["drifted_labels"]:
        return report
    rows = sorted({k.rsplit(".", 1)[0] for k in report.positions if k.split(".")[0] in ("active", "applications")})
    for row in rows:
        found = _row_stretch(report, row) if rng.random() < 0.4 else None
        if found is None:
            continue
        a, b, end = found
        if report.style.layout == "pipes":  # a converter's markdown: the label on a row of its own
            pieces: list[Piece] = [(0, b), "|\n", (b, len(report.text))]
        elif b - a > 4:  # wrapped around its values: head / values / tail
            cut = rng.randrange(a + 2, b - 1)
            pieces = [(0, cut), "\n", (b, end), (cut, b), "\n", (end, len(report.text))]
        else:
            continue
        report = rearrange(report, pieces)
    return report


def empty_cells(report: SynthReport, rng: random.Random) -> SynthReport:
    layout = report.style.layout
    if layout not in LAYOUTS_OF["empty_cells"]:
        return report
    blanks = {(sp.start, sp.end) for sp in report.spans if sp.label == "BLANK"}
    for start, end, key in sorted(((a, b, k) for k, (a, b) in report.positions.items()), reverse=True):
        printed = report.text[start:end]
        if (start, end) in blanks or (printed == "0" and rng.random() < 0.5):
            report = edit(report, start, end, " " if layout == "pipes" else "")
            report.cells[key] = None
    return report


_CELL_AFTER = re.compile(rf"\|\s*(?:[+\-]?\d|{tpl.BLANK_MARKER.pattern})")  # a label's cell, then a value's


def converter_markup(report: SynthReport, rng: random.Random) -> SynthReport:
    if report.style.layout not in LAYOUTS_OF["converter_markup"]:
        return report
    if rng.random() < 0.5:  # the template's labels merged over two columns: a lone label gets an empty cell
        for sp in sorted((s for s in report.spans if s.label == "ROW"), key=lambda s: s.start, reverse=True):
            line_start = report.text.rfind("\n", 0, sp.start) + 1
            lone = not report.text[line_start : sp.start].strip("| ")
            if lone and _CELL_AFTER.match(report.text, sp.end):
                report = edit(report, sp.end, sp.end, "| ")
    blanks = {(sp.start, sp.end) for sp in report.spans if sp.label == "BLANK"}
    for sp in sorted(report.spans, key=lambda s: s.start, reverse=True):
        if (sp.start, sp.end) in blanks and rng.random() < 0.5:
            report = edit(report, sp.start, sp.end, "&nbsp;")
            continue
        if sp.label not in ("ROW", "COL", "TITLE_ITEM"):
            continue
        if sp.end - sp.start > 5 and rng.random() < 0.5:
            at = rng.randrange(sp.start + 2, sp.end - 2)
            report = rearrange(report, [(0, at), "<br>", (at, len(report.text))])
        elif rng.random() < 0.3:
            report = rearrange(report, [(0, sp.start), "**", (sp.start, sp.end), "**", (sp.end, len(report.text))])
    return report


def count_units(report: SynthReport, rng: random.Random) -> SynthReport:
    """Counts of tables 二 and 三 printed with their unit (``5件``), most of them: one report, one unit. In a glued
    row the unit splits the run's VALUE span (``33件43``: two runs), as the label convention has it."""
    unit = rng.choice(tpl.COUNT_UNITS[:4])  # 件条个项: one report, one unit, as a table is filled in
    for start, end, key in sorted(((a, b, k) for k, (a, b) in report.positions.items()), reverse=True):
        count = key.split(".")[0] in ("active", "applications") and key not in tpl.DECIMAL_CELLS
        if count and report.text[start:end].lstrip("+-").isdigit() and rng.random() < 0.8:
            report = edit(report, end, end, unit)
    return report


def grouped_figures(report: SynthReport, rng: random.Random) -> SynthReport:
    """Each figure of four digits or more standing in its own cell printed as ``3,019``: its span, position and
    value kept on the grouped characters."""
    for start, end, key in sorted(((a, b, k) for k, (a, b) in report.positions.items()), reverse=True):
        whole, dot, fraction = report.text[start:end].partition(".")
        glued = report.text[start - 1 : start].isdigit() or report.text[end : end + 1].isdigit()
        if not whole.isdigit() or len(whole) < 4 or (not fraction.isdigit() and dot) or glued or rng.random() < 0.1:
            continue
        printed = f"{int(whole):,}{dot}{fraction}"
        kept = [sp for sp in report.spans if (sp.start, sp.end) == (start, end)]
        value = report.cells[key]
        report = edit(report, start, end, printed)
        stop = start + len(printed)
        report = _with_spans(report, [Span(start, stop, sp.label, sp.score) for sp in kept])
        report = replace(report, positions={**report.positions, key: (start, stop)}, cells={**report.cells, key: value})
    return report


def reworded_labels(report: SynthReport, rng: random.Random) -> SynthReport:
    """Row labels printed in other words, as agencies reword the form (``属于内部事务信息`` for
    ``属于三类内部事务信息``): one or two characters of a third of the longer labels' own words left out, their
    numbering and the group labels kept. The labels keep their ROW spans on the characters left."""
    dropped: set[int] = set()
    for sp in report.spans:
        label = report.text[sp.start : sp.end]
        numbering = tpl.NUMBERING.match(label)
        own = [
            sp.start + i
            for i, ch in enumerate(label)
            if "\u4e00" <= ch <= "\u9fff" and i >= (numbering.end() if numbering else 0)
        ]
        if sp.label != "ROW" or len(own) < 6 or tpl.GROUP_LABELS.search(label) or rng.random() > 0.33:
            continue
        dropped.update(rng.sample(own[1:-1], rng.choice((1, 1, 2))))
    if not dropped:
        return report
    pieces: list[Piece] = []
    at = 0
    for i in sorted(dropped):
        pieces.append((at, i))
        at = i + 1
    return rearrange(report, [*pieces, (at, len(report.text))])


def glued_rows(report: SynthReport, rng: random.Random) -> SynthReport:
    """The one separator between two printed cells of a row deleted, in table 二 and in tables 三 and 四 of some
    reports; each cell keeps its span and position (a glued run is its cells side by side, as ``cell_spans`` cuts
    one). Cells with more than a separator between them (an empty cell, a page footer) stay apart."""
    if report.style.layout not in LAYOUTS_OF["glued_rows"]:
        return report
    tables = {"active"} | {t for t in ("applications", "review") if rng.random() < 0.3}
    rows: dict[str, list[tuple[int, int]]] = {}
    for key, where in report.positions.items():
        if key.split(".", 1)[0] in tables:
            rows.setdefault(key.rsplit(".", 1)[0], []).append(where)
    gaps = [
        (end, start)
        for cells in rows.values()
        for (_, end), (start, _) in itertools.pairwise(sorted(cells))
        if start - end == 1 and report.text[end].isspace()
    ]
    for end, start in sorted(gaps, reverse=True):
        report = edit(report, end, start, "")
    return report


def with_family(report: SynthReport, family: str, seed: int) -> SynthReport:
    """``report`` edited as ``family`` (one of ``FAMILIES``), deterministically from ``seed``."""
    if family == "plain":
        return report
    rng = random.Random(seed)
    fn = {
        "cut": cut,
        "skeleton": skeleton,
        "placeholder_header": placeholder_header,
        "extra_row": extra_row,
        "page_footer": page_footer,
        "split_header": split_header,
        "mini_tables": mini_tables,
        "drifted_labels": drifted_labels,
        "empty_cells": empty_cells,
        "converter_markup": converter_markup,
        "count_units": count_units,
        "grouped_figures": grouped_figures,
        "reworded_labels": reworded_labels,
        "glued_rows": glued_rows,
    }[family]
    return fn(replace(report, cells=dict(report.cells)), rng)
