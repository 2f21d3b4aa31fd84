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
  printed over rows it does not head.

Accuracy can then be reported per family (``benchmarks/bench_families.py``).
"""

from __future__ import annotations

import random
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
)


def edit(report: SynthReport, start: int, end: int, text: str) -> SynthReport:
    """Replace ``report.text[start:end]`` by ``text``: spans and positions inside the replaced stretch are
    dropped (their cells become unprinted, ``None``), later ones shifted."""
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


def _table_cells(report: SynthReport, table: str) -> list[tuple[int, int, str]]:
    return sorted((a, b, k) for k, (a, b) in report.positions.items() if k.startswith(f"{table}."))


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def cut(report: SynthReport, rng: random.Random) -> SynthReport:
    cells = _table_cells(report, rng.choice(("applications", "review")))
    if not cells:
        return report
    at = rng.choice(cells)[0]
    return edit(report, at, len(report.text), "")


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
    return edit(report, at, at, row)


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
    }[family]
    return fn(replace(report, cells=dict(report.cells)), rng)
