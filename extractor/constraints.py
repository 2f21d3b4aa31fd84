"""The arithmetic rules of the templates, as data, and their evaluation into ``checks``.

A rule says ``sum(left) == sum(right)``. A blank cell (the source shows an empty cell) counts as 0 and the
check says so; a missing cell makes the rule ``not_assessable``. A rule the source breaks fails: nothing here
changes a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from extractor import template as tpl
from extractor.schema import Cell, CellStatus, Check, CheckStatus


@dataclass(frozen=True)
class Rule:
    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return self.left + self.right


def application_rules(layout: str) -> list[Rule]:
    """Rules of table 三 for ``layout`` ('2019' has one (六) row, '2021' three)."""
    rows = tpl.application_rows(layout)
    result_rows = tpl.RESULT_ROWS_2019 if layout == "2019" else tpl.RESULT_ROWS_2021
    cols = tpl.APPLICANT_COLUMNS
    rules = [
        Rule(
            f"applications.row_total.{r.key}",
            (f"applications.{r.key}.total",),
            tuple(f"applications.{r.key}.{c}" for c in cols[:-1]),
        )
        for r in rows
    ]
    for c in cols:
        rules.append(
            Rule(
                f"applications.balance.{c}",
                (f"applications.new_received.{c}", f"applications.carried_over.{c}"),
                (f"applications.total.{c}", f"applications.carried_forward.{c}"),
            )
        )
        rules.append(
            Rule(
                f"applications.results.{c}",
                (f"applications.total.{c}",),
                tuple(f"applications.{r}.{c}" for r in result_rows),
            )
        )
    return rules


def review_rules() -> list[Rule]:
    return [
        Rule(f"review.{b}", (f"review.{b}.total",), tuple(f"review.{b}.{o}" for o in tpl.REVIEW_OUTCOMES[:-1]))
        for b in tpl.REVIEW_BLOCKS
    ]


def rule_holds(rule: Rule, values: dict[str, int | Decimal | None]) -> bool | None:
    """True/False when every cell has a number (None counted as 0 only when the key is present), else None."""
    if any(k not in values for k in rule.cells):
        return None
    left = sum((values[k] or 0) for k in rule.left)
    right = sum((values[k] or 0) for k in rule.right)
    return left == right


def evaluate(rules: list[Rule], cells: dict[str, Cell]) -> list[Check]:
    checks = []
    for rule in rules:
        present = [k for k in rule.cells if k in cells and cells[k].status is not CellStatus.MISSING]
        if len(present) < len(rule.cells):
            missing = [k for k in rule.cells if k not in present]
            checks.append(
                Check(
                    rule=rule.name,
                    status=CheckStatus.NOT_ASSESSABLE,
                    cells=list(rule.cells),
                    detail=f"missing: {', '.join(missing[:3])}{'…' if len(missing) > 3 else ''}",
                )
            )
            continue
        values = {k: cells[k].value for k in rule.cells}
        left = sum((values[k] or 0) for k in rule.left)
        right = sum((values[k] or 0) for k in rule.right)
        detail = f"{'+'.join(str(values[k]) for k in rule.left)} = {'+'.join(str(values[k]) for k in rule.right)}"
        if any(cells[k].status is CellStatus.BLANK for k in rule.cells):
            detail += " (blank cells counted as 0)"
        if left != right:
            status = CheckStatus.FAIL
            detail += f" fails: {left} ≠ {right}"
        elif any(cells[k].status is CellStatus.REPAIRED for k in rule.cells):
            status = CheckStatus.REPAIRED
        else:
            status = CheckStatus.PASS
        checks.append(Check(rule=rule.name, status=status, cells=list(rule.cells), detail=detail))
    return checks
