"""SourceDoc → NormalizedDoc.

Steps, in order, each a list of edits over the previous text whose offset maps compose back to the original:
GBK byte-shift mojibake repair, pinyin notes stripped (``報(bào)`` → ``報``), traditional → simplified (OpenCC),
width fold (NFKC: ``６``→``6``, ``（``→``(``), thousands separators dropped (``1,304`` → ``1304``), signs
printed as words (``减少415`` → ``-415``), page numbers and web chrome dropped, labels broken across lines
re-joined (``商业\\n企业``), runs of spaces collapsed.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from extractor import template as tpl
from extractor.io.decode import _score
from extractor.offsets import OffsetMap, TextBuilder
from extractor.segment import find_headings
from extractor.types import Layout, NormalizedDoc, Repair, SourceDoc

Edit = tuple[int, int, str]  # replace text[start:end] by the string
# A cell's value as a table prints it: a number (money with its unit) or a blank marker.
_VALUE = rf"(?:[+\-]?\d+(?:\.\d+)?(?:万元|元)?|{tpl.BLANK_MARKER.pattern})"


class Moved(str):
    """Replacement text moved from elsewhere in the text (from ``source``): it keeps its own offsets."""

    source: int

    def __new__(cls, text: str, source: int) -> Moved:
        moved = super().__new__(cls, text)
        moved.source = source
        return moved


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, OffsetMap]:
    """Apply sorted, non-overlapping edits; the map points each new character into ``text``."""
    out = TextBuilder(len(text))
    pos = 0
    for start, end, repl in sorted(edits):
        if start < pos:
            continue  # overlapping edit: the earlier one wins
        out.copy(text[pos:start], pos)
        if isinstance(repl, Moved):
            out.copy(repl, repl.source)
        else:
            out.replace(repl, start, end)
        pos = end
    out.copy(text[pos:], pos)
    return out.build()


# ---- mojibake ---------------------------------------------------------------------------------
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{3,}")


def mojibake_edits(text: str) -> list[Edit]:
    """Runs of GB text decoded one byte off (``。ㄒ唬┌`` for ``（一）``): re-decode shifted by a byte."""
    edits = []
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        if _score(run) > 0.35:
            continue
        try:
            data = run.encode("gb18030")
        except UnicodeEncodeError:
            continue
        shifted = data[1:-1] if len(data) % 2 == 0 else data[1:]
        try:
            fixed = shifted.decode("gbk")
        except UnicodeDecodeError:
            continue
        if _score(fixed) > _score(run) + 0.3 and re.match(r"[（(]", fixed):
            edits.append((m.start(), m.end(), fixed))
    return edits


# ---- markup left in text ----------------------------------------------------------------------
# A converter's markdown breaks a cell's lines with ``<br>`` and writes ``&nbsp;``; a text saved from a web page
# keeps entity references. Inside a markdown row a break is the cell's own line wrap (``法人或其<br>他组织``): the
# cell's text runs on. Elsewhere it is a line break.
_BREAK_TAG = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_EMPHASIS = re.compile(r"(\*\*|__)(?=[^\s*_|])([^|\n]*?[^\s*_|])\1")


def markup_edits(text: str) -> list[Edit]:
    """Markup a converter or a web page left in the text: ``<br>`` (nothing inside a markdown row, a line break
    elsewhere), emphasis around a markdown cell's text, and entity references (``&nbsp;`` → a space)."""
    if "<" not in text and "&" not in text and "|" not in text:
        return []
    rows = [m.span() for m in _PIPE_ROW.finditer(text)] if "|" in text else []
    starts = [a for a, _ in rows]
    edits: list[Edit] = []
    for m in _BREAK_TAG.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        in_row = i >= 0 and rows[i][0] <= m.start() < rows[i][1]
        edits.append((m.start(), m.end(), "" if in_row else "\n"))
    for a, b in rows:  # emphasis around a cell's text (``| **规章** |``): the asterisks are no text of it
        for m in _EMPHASIS.finditer(text, a, b):
            edits += [(m.start(1), m.end(1), ""), (m.end(2), m.end(), "")]
    for m in _ENTITY.finditer(text):
        char = html.unescape(m.group())
        if char != m.group() and "\n" not in char:
            edits.append((m.start(), m.end(), " " if char.isspace() else char))
    return edits


# ---- pinyin notes -----------------------------------------------------------------------------
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_NOTE = re.compile(rf"(?<=[\u3400-\u9fff])\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")


def pinyin_edits(text: str) -> list[Edit]:
    return [(m.start(), m.end(), "") for m in _PINYIN_NOTE.finditer(text)]


# ---- traditional → simplified -----------------------------------------------------------------
@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("t2s").convert


def simplified_edits(text: str) -> list[Edit]:
    if not re.search(r"[\u3400-\u9fff]", text):
        return []
    convert = _t2s()
    edits: list[Edit] = []
    start = 0
    for line in text.splitlines(keepends=True):
        conv = convert(line)
        if conv != line:
            if len(conv) == len(line):
                edits.extend(
                    (start + i, start + i + 1, b) for i, (a, b) in enumerate(zip(line, conv, strict=True)) if a != b
                )
            else:
                edits.append((start, start + len(line), conv))
        start += len(line)
    return edits


# ---- width fold -------------------------------------------------------------------------------
_KEEP = frozenset("“”‘’—…·、。")


_NBSP_CELL = re.compile(r"(?m)^[\t ]*(\xa0)[\t \xa0]*$")
BLANK_MARK = "—"


def width_edits(text: str) -> list[Edit]:
    """NFKC per character; a line holding only a no-break space (an exported empty cell) becomes ``—``."""
    edits = [(m.start(1), m.end(1), BLANK_MARK) for m in _NBSP_CELL.finditer(text)]
    blank_at = {e[0] for e in edits}
    for i, ch in enumerate(text):
        if i in blank_at:
            continue
        if ord(ch) < 128 or ch in _KEEP:
            continue
        if ch in "\u3000\xa0":
            edits.append((i, i + 1, " "))
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch and folded.strip():
            edits.append((i, i + 1, folded))
    return sorted(edits)


# ---- letter-spaced words ----------------------------------------------------------------------
# A PDF cell or a Word table justifies a short label by spacing its letters (``行 政 许 可``, ``合  计``). Three or
# more single characters each one or two spaces apart are one word spaced out; a header's words (``自然人 法人``)
# and a label beside its values are not: only a run of single characters is closed up. A label's punctuation is
# spaced with its letters (``缴 纳 费 用 、 行 政 机 关``). A blank cell's mark (``无``) is no letter of a word
# (``无 无 无``: three blank cells; ``无 法 提 供`` is joined as a label), nor is a digit.
_LETTER = r"(?:(?![无無])[\u3400-\u9fff]|[、，,：:；;（）()“”\"‘’《》])"
_LETTER_SPACED = re.compile(rf"(?<!{_LETTER}){_LETTER}(?:[ \u3000]{{1,2}}{_LETTER}){{2,}}(?!{_LETTER})")


def letter_spacing_edits(text: str) -> list[Edit]:
    """The spaces inside a letter-spaced word deleted (``行 政 许 可`` → ``行政许可``)."""
    return [
        (m.start() + gap.start(), m.start() + gap.end(), "")
        for m in _LETTER_SPACED.finditer(text)
        for gap in re.finditer("[ \u3000]+", m.group())
    ]


# ---- letters read for digits ------------------------------------------------------------------
# OCR, and people typing a table, put a letter for a digit that looks like it: ``1O5`` (O for 0), ``l2`` (l for
# 1). A token of digits and such letters alone, with a digit in it and no other letter beside it, is a number;
# a code (``ISO9001``, ``5G``, ``A1``) has other letters, and a word (``OK``) no digit.
_LOOKALIKE = {"O": "0", "o": "0", "l": "1", "I": "1"}
_MISREAD_NUMBER = re.compile(r"(?<![A-Za-z\d])(?=[\dOolI]*\d)(?=[\dOolI]*[OolI])[\dOolI]{2,}(?![A-Za-z\d])")


def lookalike_edits(text: str) -> list[Edit]:
    """Each letter of a misread number read as the digit it stands for (``1O5`` → ``105``)."""
    return [
        (m.start() + i, m.start() + i + 1, _LOOKALIKE[ch])
        for m in _MISREAD_NUMBER.finditer(text)
        for i, ch in enumerate(m.group())
        if ch in _LOOKALIKE
    ]


# ---- thousands separators ---------------------------------------------------------------------
# A number printed with thousands separators (``1,304``; ``12,345.67`` 万元), one figure standing alone: not
# inside a comma-separated list (``4,1,304``), not after a digit or a point. Left as it was, a table row reads
# ``1`` and ``304``, two cells, and every later cell of the row shifts.
_GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")


def thousands_edits(text: str) -> list[Edit]:
    """The separators of each grouped number dropped (``1,304`` → ``1304``), after the width fold (``，``)."""
    return [
        (m.start() + i, m.start() + i + 1, "")
        for m in _GROUPED.finditer(text)
        for i, ch in enumerate(m.group())
        if ch == ","
    ]


# ---- signs printed as words ----------------------------------------------------------------------
def sign_word_edits(text: str) -> list[Edit]:
    """A change's sign printed as a word filling the cell with its number (``减少415`` → ``-415``, ``增加3`` →
    ``+3``): read as it was, the number lost its sign, silently, in table 二 where no arithmetic checks it."""
    return [(m.start(1), m.end(), tpl.SIGN_WORDS[m.group(1)]) for m in tpl.SIGNED_CELL.finditer(text)]


# ---- page numbers and web chrome --------------------------------------------------------------
_NOISE_LINE = re.compile(
    r"^[ \t]*(?:"
    r"[-—–] *\d{1,3} *[-—–]"  # - 3 -  (on one line and spaced: "—\n29\n—" and "—\t29\t—" are table cells)
    r"|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?"  # 第3页 共5页
    r"|\d{1,3}[ \t]*/[ \t]*\d{1,3}"  # 3/5
    r"|\f"
    r"|.*(?:用户中心|手机版|无障碍|登录\s*\|\s*注册|字体调节|打印本页|关闭窗口|分享到|【\s*打印\s*】|扫一扫).*"
    r")[ \t]*$",
    re.MULTILINE,
)


def noise_edits(text: str) -> list[Edit]:
    edits = []
    for m in _NOISE_LINE.finditer(text):
        end = m.end() + 1 if text[m.end() : m.end() + 1] == "\n" else m.end()
        edits.append((m.start(), end, ""))
    return edits


# ---- placeholder headers of converted tables -------------------------------------------------
_PIPE_ROW = re.compile(r"(?m)^[ \t]*\|(?:[^|\n]*\|){2,}[ \t]*$")
_PLACEHOLDER_CELL = re.compile(r"\s*([^\d|\s]{1,8}?)\s*(\d{1,3})\s*")


def placeholder_edits(text: str) -> list[Edit]:
    """A converter's invented header row (``| 数据1 | 数据2 | … |``, ``| Column 1 | … |``): every cell one word
    and the numbers 1, 2, 3 … in order. Its digits are no values: the row is dropped (with its ``|---|`` line)."""
    edits: list[Edit] = []
    for m in _PIPE_ROW.finditer(text):
        cells = m.group().strip().strip("|").split("|")
        parsed = [_PLACEHOLDER_CELL.fullmatch(c) for c in cells]
        if len(cells) < 2 or not all(parsed):
            continue
        words = {p.group(1) for p in parsed if p}
        numbers = [int(p.group(2)) for p in parsed if p]
        if len(words) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            end = m.end() + 1 if text[m.end() : m.end() + 1] == "\n" else m.end()
            rule = re.match(r"[ \t]*\|(?:[ \t:]*-{2,}[ \t:]*\|)+[ \t]*\n?", text[end:])
            edits.append((m.start(), end + (rule.end() if rule else 0), ""))
    return edits


# A markdown table's rule line (``|---|:---:|``): layout between its header and its rows, never a cell.
_RULE_CELL = r"[ \t]*:?-{3,}:?[ \t]*"
_RULE_LINE = re.compile(rf"(?m)^[ \t]*(?:\|{_RULE_CELL})+\|?[ \t]*$|^{_RULE_CELL}(?:\|{_RULE_CELL})+\|?[ \t]*$")


def rule_line_edits(text: str) -> list[Edit]:
    """Drop the rule lines of markdown tables (their dashes read as blank markers would be cells)."""
    edits: list[Edit] = []
    for m in _RULE_LINE.finditer(text):
        end = m.end() + 1 if text[m.end() : m.end() + 1] == "\n" else m.end()
        edits.append((m.start(), end, ""))
    return edits


# ---- labels broken across lines ---------------------------------------------------------------
JOIN_TERMS: tuple[str, ...] = tpl.join_terms()  # the printed template's labels and their variants


@lru_cache(maxsize=1)
def _join_regex() -> re.Pattern[str]:
    gap = r"[ \t\n]*"
    alts = sorted(JOIN_TERMS, key=len, reverse=True)
    return re.compile("|".join(gap.join(map(_join_char, term)) for term in alts))


_QUOTES = "“”\"'‘’「」『』"


def _join_char(ch: str) -> str:
    """A label's character as the join matches it: its quotes as any quote, or none (危及“三安全一稳定” is printed
    with straight quotes and without)."""
    return f"[{re.escape(_QUOTES)}]?" if ch in _QUOTES else re.escape(ch)


def rejoin_edits(text: str) -> list[Edit]:
    """Delete whitespace inside the official labels and headers (``商业\\n企业``, ``三 、本 年 度``)."""
    edits = []
    for m in _join_regex().finditer(text):
        for ws in re.finditer(r"[ \t\n]+", m.group()):
            edits.append((m.start() + ws.start(), m.start() + ws.end(), ""))
    return sorted(set(edits))


# ---- labels wrapped around their values -----------------------------------------------------
_CELL = rf"(?:[+\-]?\d+[{tpl.COUNT_UNITS}]|{_VALUE})"  # a value, or a count printed with its unit (66个)
_VALUES_LINE = re.compile(rf"[ \t|]*{_CELL}(?:[ \t|]+{_CELL})*[ \t|]*")
_LABEL_TAIL = re.compile(r"[ \t]*([^\d\s|]{1,40})[ \t]*")


def wrapped_label_edits(text: str) -> list[Edit]:
    """A row label that PDF text extraction printed around its values line (a tall cell: ``行政规范性`` /
    ``0 0 0`` / ``文件``): the tail is moved back onto the label's line when the two make a printed label."""
    edits: list[Edit] = []
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    moved: set[int] = set()  # lines whose text moves up: never the head of another label
    for i in range(1, len(lines) - 1):
        tail = _LABEL_TAIL.fullmatch(lines[i + 1])
        if tail is None or i - 1 in moved or not _VALUES_LINE.fullmatch(lines[i]) or not lines[i - 1].strip():
            continue
        head = lines[i - 1].rstrip(" \t")
        joined = head + tail.group(1)
        if not any(m.start() < len(head) < m.end() for m in _join_regex().finditer(joined)):
            continue
        at = starts[i - 1] + len(head)
        edits.append((at, at, Moved(tail.group(1), starts[i + 1] + tail.start(1))))
        edits.append((starts[i + 1] - 1, starts[i + 2] - 1, ""))  # the tail's line, with the break before it
        moved.add(i + 1)
    return edits


# ---- empty cells of table rows ---------------------------------------------------------------
_EMPTY_FIELD = re.compile(r"(?m)^(?=(?:[^\t\n]*\t){3})[^\n]*$")
_TWO_FIELDS = re.compile(r"(?m)^[^\t\n]*\t[^\t\n]*\t[^\t\n]*$")  # a line of exactly two tabs
_DATA_CELL = re.compile(rf"[ \t]*{_VALUE}[ \t]*")
_REVIEW_WIDTH = len(tpl.review_keys())  # table 四's values, printed in one row that has no label of its own
_DATA_FIELD = re.compile(rf"[ ]*{_VALUE}[{tpl.COUNT_UNITS}]?[ ]*")  # a field holding one value (``26件``)


def _value_columns(rows: list[tuple[int, list[re.Match[str]]]]) -> dict[int, int]:
    """For each markdown row shape (its number of cells), how many of the last cells are value columns: the most
    cells, from the first value or blank marker to the end, that a row of that shape prints anywhere in the text
    (a table's rows share a shape, however far apart page breaks put them)."""
    widest: dict[int, int] = {}
    for _, cells in rows:
        data = [j for j, c in enumerate(cells) if _DATA_CELL.fullmatch(c.group())]
        if data:
            widest[len(cells)] = max(widest.get(len(cells), 0), len(cells) - data[0])
    return widest


def empty_field_edits(text: str) -> list[Edit]:
    """An empty cell of a table row printed as nothing is a blank cell: insert ``—`` so that the cells after it
    keep their places (an empty cell of a Word table exported as text or converted to markdown).

    - In a line of ≥ 3 tabs, an empty field between two tabs; and an empty last field (the line ends with a tab),
      unless every such line ends with one (then the tab ends rows, as some exports write them). In a text with
      such lines, a line of two tabs with a field holding a value is a row too (``政府集中采购\t26件\t``: a row of
      two cells whose second is empty).
    - In a markdown row (``| a | b |``) that holds a value or a blank marker, an empty cell among its value
      columns: after its first value or blank marker, or among the last cells that rows of its shape fill with
      values (``| 规章 |  | 3 |`` beside rows of two values). Empty cells before those are label columns (a label
      merged over two columns, a row under a merged group label), not cells. A row with no label at all and more
      cells than table 四's 15 (its value row under an empty label column) has its last 15 cells as values."""
    edits: list[Edit] = []
    rows = list(_EMPTY_FIELD.finditer(text))
    if rows:  # a tabbed table: its rows of two cells (政府集中采购, 行政事业性收费) have two tabs
        short = [m for m in _TWO_FIELDS.finditer(text) if any(map(_DATA_FIELD.fullmatch, m.group().split("\t")))]
        rows = sorted(rows + short, key=lambda m: m.start())
    closing_tab = bool(rows) and all(line.group().rstrip(" ").endswith("\t") for line in rows)
    for line in rows:
        for m in re.finditer(r"\t(?=[ ]*\t)", line.group()):
            pos = line.start() + m.end()
            edits.append((pos, pos, BLANK_MARK))
        body = line.group().rstrip(" ")
        if body.endswith("\t") and not closing_tab and body.strip("\t "):
            pos = line.start() + len(body)
            edits.append((pos, pos, BLANK_MARK))
    pipe_rows = [
        (row.start(), list(re.finditer(r"(?<=\|)[^|\n]*(?=\|)", row.group()))) for row in _PIPE_ROW.finditer(text)
    ]
    width = _value_columns(pipe_rows)
    for start, cells in pipe_rows:
        data = [i for i, c in enumerate(cells) if _DATA_CELL.fullmatch(c.group())]
        if not data:
            continue  # a header row: its empty cells are spans of merged headers
        first = min(data[0], max(1, len(cells) - width[len(cells)]))  # the first cell is a label's, never a value
        if len(cells) > _REVIEW_WIDTH and all(_DATA_CELL.fullmatch(c.group()) or not c.group().strip() for c in cells):
            first = min(first, len(cells) - _REVIEW_WIDTH)  # no label: table 四's one row, its cells the last 15
        for c in cells[first:]:
            if not c.group().strip():
                pos = start + c.start() + len(c.group()) // 2
                edits.append((pos, pos, BLANK_MARK))
    return sorted(set(edits))  # a line both tabbed and piped is marked once


# ---- line ends ---------------------------------------------------------------------------------
# Line ends other than \n: Windows' \r\n, old Macs' \r, Word's manual line break (\v), a page break (\f) and
# Unicode's line and paragraph separators. Every later step reads lines by \n (``^``/``$``, label joins).
_LINE_END = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")


def line_end_edits(text: str) -> list[Edit]:
    return [(m.start(), m.end(), "\n") for m in _LINE_END.finditer(text)]


# ---- hard wraps ---------------------------------------------------------------------------------
HARD_WRAP_LINES = 8  # lines cut at one width, at least, and twice as many as of any other length, for a hard wrap
_LONG_LINE = 16  # characters: shorter lines (headings, a row's values) say nothing about a wrap width


def hard_wrap_edits(text: str) -> list[Edit]:
    """A text cut into lines of one width whatever they held (a fixed-width dump: ``…行政事业性收费590`` /
    ``8.04``): when the longest lines are the commonest length among long lines by far (a text's longest line is
    otherwise one paragraph), each such line's break is no break and goes. Text whose lines end where its writer
    ended them (web pages, Word, a table's rows) is left alone."""
    lines = text.split("\n")
    lengths = [len(line) for line in lines if len(line) >= _LONG_LINE]
    if len(lengths) < HARD_WRAP_LINES:
        return []
    counts = Counter(lengths)
    width = max(lengths)
    runner_up = max((n for length, n in counts.items() if length != width), default=0)
    if counts[width] < max(HARD_WRAP_LINES, 2 * runner_up):
        return []
    edits: list[Edit] = []
    at = 0
    for line, following in itertools.pairwise(lines):
        at += len(line)
        if len(line) == width and following:
            edits.append((at, at + 1, ""))
        at += 1
    return edits


# ---- whitespace -------------------------------------------------------------------------------
_SPACES = re.compile(r"(?<=[ ]) +|[ ]+(?=\n)|\n{3,}|\r")


def whitespace_edits(text: str) -> list[Edit]:
    edits = []
    for m in _SPACES.finditer(text):
        repl = "\n\n" if m.group().startswith("\n") else ""
        edits.append((m.start(), m.end(), repl))
    return edits


# ---- empty cells of a PDF's table rows ---------------------------------------------------------
# In a PDF's text a blank cell leaves no character, only a gap: a row with one prints fewer values, and they would
# shift left. The page says where each value sits: in a block of table rows (no header line between them), the
# values' horizontal centres fall into columns, and a row with fewer values than the block has columns has a
# blank cell in each column none of its values sits in. The columns are the template's: header lines are found
# by its printed column words.
_VALUE_TOKEN = re.compile(_VALUE)
COLUMN_GAP = 1.2  # centres of one column lie closer than this many character heights; columns lie farther apart

Row = list[tuple[int, int, float, float]]  # a row's value tokens: start, end, centre x, character height


@lru_cache(maxsize=1)
def _header_line() -> re.Pattern[str]:
    words = [*tpl.column_patterns(), r"第二十条", *(p for _, p in tpl.SECTION_PATTERNS)]
    return re.compile("|".join(f"(?:{w})" for w in words))


def _table_row(text: str, start: int, end: int, offsets: OffsetMap, layout: Layout) -> Row | None:
    """The line ``text[start:end]``'s value tokens, placed, when it is a table row (words, then values, on one
    page); None for a line that is none."""
    tokens = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    kinds = [_VALUE_TOKEN.fullmatch(text, a, b) is not None for a, b in tokens]
    if not any(kinds) or any(kinds[i] and not kinds[i + 1] for i in range(len(kinds) - 1)):
        return None
    row: Row = []
    pages = set()
    for (a, b), value in zip(tokens, kinds, strict=True):
        first, last = offsets.starts[a], offsets.starts[b - 1]
        box0 = layout.boxes[first] if first < len(layout.boxes) else None
        box1 = layout.boxes[last] if last < len(layout.boxes) else None
        if box0 is None or box1 is None:
            return None
        if value:
            pages.add(box0.page)
            row.append((a, b, (box0.x0 + box1.x1) / 2, box0.bottom - box0.top))
    return row if len(pages) == 1 else None


def _blocks(text: str, offsets: OffsetMap, layout: Layout) -> list[list[Row]]:
    """Runs of table rows with no header line (column headers, a 第二十条 item, a section heading: a new table or
    sub-table) between them; a row label with no values, a label's wrapped tail, a running header or a page
    break does not break a run (a table goes on over pages)."""
    blocks: list[list[Row]] = [[]]
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        row = _table_row(text, start, end, offsets, layout)
        if row is not None:
            blocks[-1].append(row)
        elif _header_line().search(text, start, end):
            blocks.append([])
        start = end + 1
    return [b for b in blocks if len(b) >= 2]


def _height(rows: list[Row]) -> float:
    """The median character height of a block's values."""
    heights = sorted(h for r in rows for *_, h in r)
    return heights[len(heights) // 2] or 1.0


def _columns(rows: list[Row], height: float) -> list[float]:
    """The block's columns: centres closer than ``COLUMN_GAP`` character heights clustered, each cluster met in
    two rows of two values or more (a running header's page number, a value alone on its line, is no column)."""
    placed = sorted((x, i) for i, r in enumerate(rows) for _, _, x, _ in r)
    clusters: list[list[tuple[float, int]]] = []
    for x, i in placed:
        if clusters and x - clusters[-1][-1][0] < COLUMN_GAP * height:
            clusters[-1].append((x, i))
        else:
            clusters.append([(x, i)])
    wide = {i for i, r in enumerate(rows) if len(r) >= 2}
    return [sum(x for x, _ in c) / len(c) for c in clusters if len({i for _, i in c} & wide) >= 2]


def _nearest(columns: list[float], x: float) -> int:
    return min(range(len(columns)), key=lambda j: abs(x - columns[j]))


def _grid_inserts(rows: list[Row]) -> list[Edit]:
    height = _height(rows)
    columns = _columns(rows, height)
    if len(columns) < 2:
        return []
    edits: list[Edit] = []
    for row in rows:
        places = [_nearest(columns, x) for _, _, x, _ in row]
        fits = all(abs(x - columns[j]) < COLUMN_GAP * height for (_, _, x, _), j in zip(row, places, strict=True))
        if len(row) == len(columns) or not fits or places != sorted(set(places)):
            continue
        for k, (a, b, _, _) in enumerate(row):
            before = places[k] - (places[k - 1] + 1 if k else 0)
            if before:
                edits.append((a, a, (BLANK_MARK + " ") * before))
            if k == len(row) - 1 and places[k] < len(columns) - 1:
                edits.append((b, b, (" " + BLANK_MARK) * (len(columns) - 1 - places[k])))
    return edits


def pdf_empty_cell_edits(text: str, offsets: OffsetMap, layout: Layout) -> list[Edit]:
    """A blank marker for each empty cell of a PDF's table rows (see above); ``offsets`` map ``text`` to the
    characters ``layout`` locates."""
    return [edit for rows in _blocks(text, offsets, layout) for edit in _grid_inserts(rows)]


# Each step: its name (a repair note), its edits, and whether it runs on text a page lays out (a PDF's or a
# scan's lines, ``SourceDoc.layout``): a hard wrap there is the page's, and paragraphs fill those lines alike.
STEPS: tuple[tuple[str, Callable[[str], list[Edit]], bool], ...] = (
    ("line_ends", line_end_edits, True),
    ("hard_wrap", hard_wrap_edits, False),
    ("mojibake", mojibake_edits, True),
    ("markup", markup_edits, True),
    ("letter_spacing", letter_spacing_edits, True),
    ("pinyin", pinyin_edits, True),
    ("t2s", simplified_edits, True),
    ("width", width_edits, True),
    ("lookalikes", lookalike_edits, True),
    ("thousands", thousands_edits, True),
    ("sign_words", sign_word_edits, True),
    ("noise", noise_edits, True),
    ("placeholders", placeholder_edits, True),
    ("table_rules", rule_line_edits, True),
    ("wrapped_labels", wrapped_label_edits, True),
    ("rejoin", rejoin_edits, True),
    ("empty_fields", empty_field_edits, True),
    ("whitespace", whitespace_edits, True),
)


def normalize(source: SourceDoc) -> NormalizedDoc:
    text, offsets = source.text, source.offsets
    notes: list[Repair] = []
    for name, step, on_laid_out in STEPS:
        if source.layout is not None and not on_laid_out:
            continue
        edits = step(text)
        if not edits:
            continue
        notes.append(Repair(name, len(edits)))
        text, inner = apply_edits(text, edits)
        offsets = offsets.then(inner)
    if source.layout is not None:
        edits = pdf_empty_cell_edits(text, offsets, source.layout)
        if edits:
            notes.append(Repair("pdf_empty_cells", len(edits)))
            text, inner = apply_edits(text, edits)
            offsets = offsets.then(inner)
    return NormalizedDoc(source, text, offsets, tuple(notes), tuple(find_headings(text)))


def as_is(source: SourceDoc, text: str) -> NormalizedDoc:
    """``text`` taken as already normalized (a corpus example, a Label Studio task): tagged as it stands."""
    return NormalizedDoc(source, text, OffsetMap.identity(len(text)), (), tuple(find_headings(text)))
