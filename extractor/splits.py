"""Readings of glued digit runs (``713000074`` → 71|3|0|0|0|0|74), each block held to its total by ``Rule``.

A reading only splits characters the source printed; no digit is added, dropped or changed. The assembler
offers these readings; ``resolve`` chooses among them with the table's arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from extractor import template as tpl
from extractor.constraints import Rule

_INT = re.compile(r"0|[1-9]\d*")
_SIGNED = re.compile(r"[+\-]?(?:0|[1-9]\d*)")
_MONEY = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?")
_BLANK = tpl.BLANK_MARKER


@dataclass(frozen=True)
class Part:
    """A piece of a token: ``text`` at normalized offsets ``[start, end)``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Piece:
    """A value-bearing token as printed (digits only may be split). A ``money`` piece (``1212345.67`` or
    ``410元`` printed for a count and an amount of money) may be cut in its integer digits only: its last part
    keeps the point and the unit."""

    text: str
    start: int
    splittable: bool
    money: bool = False


BlockCheck = Callable[[list[Part]], bool]


def _as_int(text: str) -> int | None:
    """An integer part; a blank marker counts as 0 (as in the checks); anything else is not a count."""
    if _SIGNED.fullmatch(text):
        return int(text)
    return 0 if _BLANK.fullmatch(text) else None


@cache
def _block_rule(n: int) -> Rule:
    """A block of ``n`` parts whose last is the total of the others, over positional keys."""
    return Rule.total_of("block", str(n - 1), tuple(str(i) for i in range(n - 1)))


def sum_rule(parts: list[Part]) -> bool:
    """The last part is the sum of the others (row totals, table 四 blocks)."""
    nums = [_as_int(p.text) for p in parts]
    if any(n is None for n in nums):
        return False
    return bool(_block_rule(len(parts)).holds({str(i): n for i, n in enumerate(nums)}))


def _block_sum(parts: list[Part], bounds: list[int], end: int) -> str | None:
    """The text the part closing the block that ends at ``end`` must have under ``sum_rule``."""
    b = bounds.index(end)
    lo = bounds[b - 1] if b else 0
    nums = [_as_int(p.text) for p in parts[lo:]]
    if any(n is None for n in nums):
        return None
    total = _block_rule(end - lo).solve({str(i): n for i, n in enumerate(nums)}, str(end - lo - 1))
    return None if total is None else str(total)


def enumerate_splits(
    pieces: list[Piece],
    block_sizes: list[int],
    check: BlockCheck | None = None,
    signed: bool = False,
    limit: int = 2000,
) -> list[list[Part]]:
    """Every way to cut ``pieces`` into ``sum(block_sizes)`` numbers, each block passing ``check``.

    Unsplittable pieces (units, blanks, amounts not marked ``money``) stay whole. Parts have no leading
    zeros. At most ``limit`` readings are returned. With ``check=sum_rule`` the last part of each block is the
    sum of the others, so only that one cut is tried for it.
    """
    total = sum(block_sizes)
    bounds = [sum(block_sizes[: i + 1]) for i in range(len(block_sizes))]
    number = _SIGNED if signed else _INT
    out: list[list[Part]] = []

    def walk(pi: int, ci: int, parts: list[Part]) -> None:
        if len(out) >= limit or (pi < len(pieces) and len(parts) >= total):
            return
        if pi == len(pieces):
            if len(parts) == total:
                out.append(list(parts))
            return
        piece = pieces[pi]
        for end in _ends(piece, ci, parts, bounds, check):
            text = piece.text[ci:end]
            if piece.money and end == len(piece.text):
                if not _MONEY.fullmatch(text):
                    continue
            elif (piece.splittable or piece.money) and not number.fullmatch(text):
                continue
            parts.append(Part(text, piece.start + ci, piece.start + end))
            if _block_passes(parts, bounds, check):
                walk(*((pi + 1, 0) if end == len(piece.text) else (pi, end)), parts)
            parts.pop()

    walk(0, 0, [])
    return out


def _ends(piece: Piece, ci: int, parts: list[Part], bounds: list[int], check: BlockCheck | None) -> Sequence[int]:
    """Where the next part, from character ``ci`` of ``piece``, may end. Under ``sum_rule`` the part closing a
    block must be the sum of the block so far: that one cut, or none when the digits do not print it."""
    if piece.money:
        digits = len(piece.text) - len(piece.text.lstrip("0123456789"))  # its integer digits: cut among them
        return [*range(ci + 1, digits), len(piece.text)] if ci < digits else []
    if not piece.splittable:
        return [len(piece.text)]
    if check is sum_rule and len(parts) + 1 in bounds:
        expected = _block_sum(parts, bounds, len(parts) + 1)
        if expected is None or not piece.text.startswith(expected, ci):
            return []
        return [ci + len(expected)]
    return range(ci + 1, len(piece.text) + 1)


def _block_passes(parts: list[Part], bounds: list[int], check: BlockCheck | None) -> bool:
    """True unless ``parts`` just closed a block that fails ``check``."""
    n = len(parts)
    if check is None or n not in bounds:
        return True
    b = bounds.index(n)
    return check(parts[bounds[b - 1] if b else 0 : n])
