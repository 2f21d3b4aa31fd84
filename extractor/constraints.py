"""The arithmetic rules of the templates, as data, and their evaluation into ``checks``.

A rule says ``sum(left) == sum(right)``. Each ``Rule`` knows whether it holds on complete values
(``holds``), whether it may still hold on partial ones (``may_hold``, used by the search in ``resolve``) and
what one cell must be for it to hold (``solve``, used by the split enumeration in ``splits``): nothing else
re-derives the arithmetic. In ``evaluate`` a blank cell (the source shows an empty cell) counts as 0 and the
check says so; a missing cell makes the rule ``not_assessable``. A rule the source breaks fails: nothing here
changes a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from extractor import template as tpl
from extractor.schema import CellStatus, Check, CheckStatus

Number = int | Decimal
Values = Mapping[str, Number | None]  # cell key → value; None (a blank) counts as 0, an absent key is unknown


class Valued(Protocol):
    """A cell as the checks see it: a drafted cell or the contract's ``Cell``."""

    @property
    def value(self) -> Number | None: ...

    @property
    def status(self) -> CellStatus: ...


@dataclass(frozen=True)
class Rule:
    """``sum(left) == sum(right)`` over cell keys (勾稽关系)."""

    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return self.left + self.right

    @classmethod
    def total_of(cls, name: str, total: str, parts: tuple[str, ...]) -> Rule:
        """``total`` is the sum of ``parts`` (a row's 总计, a block's 总计)."""
        return cls(name, (total,), parts)

    def sides(self, values: Values) -> tuple[Number, Number]:
        """(sum of the left cells, sum of the right cells); every cell must be in ``values``."""
        return sum((values[k] or 0) for k in self.left), sum((values[k] or 0) for k in self.right)

    def holds(self, values: Values) -> bool | None:
        """True or False when every cell is in ``values``, None when one is unknown."""
        if any(k not in values for k in self.cells):
            return None
        left, right = self.sides(values)
        return left == right

    def may_hold(self, values: Values) -> bool:
        """False only when the known cells already contradict the rule, counts being never negative: equal sums
        once both sides are complete, and no partial sum above a complete other side."""
        sides = []
        for side in (self.left, self.right):
            known = [values[k] or 0 for k in side if k in values]
            sides.append((sum(known), len(known) == len(side), all(v >= 0 for v in known)))
        (left, left_done, left_pos), (right, right_done, right_pos) = sides
        if left_done and right_done:
            return left == right
        if left_done and right_pos and right > left:
            return False
        return not (right_done and left_pos and left > right)

    def solve(self, values: Values, key: str) -> Number | None:
        """The value ``key`` must have for the rule to hold, every other cell being in ``values``; None when one
        is unknown."""
        others = {k: v for k, v in values.items() if k != key}
        if any(k not in others for k in self.cells if k != key):
            return None
        left = sum((others[k] or 0) for k in self.left if k != key)
        right = sum((others[k] or 0) for k in self.right if k != key)
        return right - left if key in self.left else left - right


def application_rules(layout: str) -> list[Rule]:
    """Rules of table 三 for ``layout`` ('2019' has one (六) row, '2021' three)."""
    rows = tpl.application_rows(layout)
    result_rows = tpl.RESULT_ROWS_2019 if layout == "2019" else tpl.RESULT_ROWS_2021
    cols = tpl.APPLICANT_COLUMNS
    rules = [
        Rule.total_of(
            f"applications.row_total.{r.key}",
            str(tpl.CellKey("applications", r.key, "total")),
            tpl.keys_of("applications", r.key, cols[:-1]),
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
            Rule.total_of(
                f"applications.results.{c}",
                f"applications.total.{c}",
                tuple(f"applications.{r}.{c}" for r in result_rows),
            )
        )
    return rules


def review_rules() -> list[Rule]:
    return [
        Rule.total_of(
            f"review.{b}", str(tpl.CellKey("review", b, "total")), tpl.keys_of("review", b, tpl.REVIEW_OUTCOMES[:-1])
        )
        for b in tpl.REVIEW_BLOCKS
    ]


def evaluate(rules: list[Rule], cells: Mapping[str, Valued]) -> list[Check]:
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
        left, right = rule.sides(values)
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
