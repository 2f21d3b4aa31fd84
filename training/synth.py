"""A generator of realistic synthetic reports with exact labels and the true cell values.

``generate(seed)`` draws one report: a template (2019 试行, 2021, or a hybrid of their tables), cell values
that satisfy the template's rules, a layout (one cell per line, tab rows, space-separated PDF columns, pipe
rows, everything glued onto one line) and the mess seen in real files (labels broken across lines or spelled
one character per line, page numbers and running headers inside tables, footnotes with dates, web chrome,
blank markers, missing cells, signed 本年增/减, money with units, full-width digits, traditional characters,
OCR look-alikes in labels). Every character written is labelled as it is written, so the labels are exact.

``to_example`` runs the real normalizer over the raw text and carries the labels onto the normalized text.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from extractor import template as tpl
from extractor.io.readers import source_from_bytes
from extractor.normalize import normalize
from extractor.types import NormalizedDoc, Span

Value = int | Decimal | None
LAYOUTS: tuple[str, ...] = ("lines", "tabs", "spaces", "pipes", "glued")
_BLANKS = ("—", "—", "-", "/", "无", "——", "\\")
_AGENCIES = (
    "县人民政府办公室",
    "市发展和改革委员会",
    "区教育局",
    "镇人民政府",
    "市生态环境局",
    "县自然资源局",
    "街道办事处",
    "市人力资源和社会保障局",
    "区卫生健康委员会",
    "县财政局",
    "市交通运输局",
    "县司法局",
)
_PLACES = ("旬阳", "洪泽", "淮安", "沭阳", "平潭", "杭州", "白城", "长沙", "宜宾", "德阳", "南平", "泰州", "赣州")
_NARRATIVE = (
    "{y}年,我单位以习近平新时代中国特色社会主义思想为指导,认真贯彻落实《中华人民共和国政府信息公开条例》,全年主动公开"
    "政府信息{a}条,其中政策文件{b}件。",
    "(一)主动公开。围绕重点领域信息公开,在政府网站发布各类信息{a}条,政务新媒体发布{b}条,召开新闻发布会{c}场。",
    "(二)依申请公开。全年共收到政府信息公开申请{a}件,均在法定期限内答复,按时答复率100%。",
    "(三)政府信息管理。严格执行信息发布审核制度,全年清理规范性文件{a}件,废止{repealed}件,现行有效{in_force}件。",
    "(四)平台建设。持续优化政府网站栏目设置,更新政策解读{a}篇,回应公众关切{b}次。",
    "(五)监督保障。将政务公开工作纳入年度绩效考核,开展业务培训{a}次,参训{b}人次。",
    "本年度因政府信息公开被申请行政复议{a}件、提起行政诉讼{b}件。",
)
_LEADS = (
    "本年度有关情况统计如下:",
    "{y}年度共收到政府信息公开申请{a}件,办理情况见下表。",
    "(数据截至{y}年12月31日)",
    "全年未发生因政府信息公开被申请行政复议或提起行政诉讼的情况。",
)
_PROBLEMS = (
    "一是公开内容不够全面;二是政策解读形式较为单一。下一步,我们将进一步加强学习培训,提升公开质量。",
    "存在的问题:部分栏目更新不及时,依申请公开答复规范化水平有待提高。改进措施:完善工作机制,加强督促检查。",
)
_OTHER = (
    "无。",
    "本年度未收取信息处理费。",
    "依据《政府信息公开信息处理费管理办法》,本年度共收取信息处理费{a}元。",
    "本机关无其他需要报告的事项。",
)
_CHROME = (
    "首页 > 政务公开 > 政府信息公开年报",
    "【字体:大 中 小】",
    "浏览次数:{a}",
    "发布时间:{y}-01-{d} 来源:{p}",
    "当前位置:首页 > 信息公开 > 年度报告",
)
_FOOTNOTES = (
    "注:本表数据统计时间为{y}年1月1日至{y}年12月31日。",
    "单位:件",
    "数据来源:{p}政务公开办公室",
    "注:表中“—”表示无数据。",
    "(统计截至{y}年12月31日)",
)
_OCR_LOOKALIKES = {"已": "己", "未": "末", "日": "曰", "人": "入", "不": "下", "理": "埋", "信": "倍"}
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


# ---- true values ------------------------------------------------------------------------------
def _count(rng: random.Random, scale: int, zero: float = 0.5) -> int:
    if rng.random() < zero:
        return 0
    return int(rng.paretovariate(1.2) * scale) % (scale * 50) + (0 if rng.random() < 0.2 else 1)


def _money(rng: random.Random) -> Decimal:
    if rng.random() < 0.6:
        return Decimal(0)
    places = rng.choice((0, 1, 2, 2, 4))
    return Decimal(rng.randint(1, 10**6)).scaleb(-places)


def active_truth(layout: str, rng: random.Random) -> dict[str, Value]:
    """Table 二 cells in the contract's keys."""
    rows = tpl.active_rows(layout)
    out: dict[str, Value] = {}
    for row in rows:
        for col in row.columns:
            key = f"active.{row.key}.{col}"
            if key in tpl.DECIMAL_CELLS:
                out[key] = _money(rng) * (10000 if col == "amount_yuan" and rng.random() < 0.3 else 1)
            elif col == "change":
                out[key] = _count(rng, rng.choice((5, 5, 50, 300)), 0.6) * rng.choice((1, -1))
            elif col in _STOCKS:  # what is in force or published in all: this year's flow and the years' before
                flow = out[f"active.{row.key}.{_STOCKS[col]}"]
                out[key] = (flow or 0) + _count(rng, rng.choice((10, 40, 200)), 0.3)
            else:
                out[key] = _count(rng, 20 if row.key != "licensing" else 2000, 0.4)
    return out


# A stock column of table 二 (现行有效件数, 对外公开总数量) and the flow it holds (本年制发件数, 本年新公开数量): what
# is in force is this year's documents and earlier years' not repealed, so it is seldom below the flow.
_STOCKS = {"in_force": "made", "total_published": "new_published"}


def applications_truth(layout: str, rng: random.Random) -> dict[str, Value]:
    """Table 三 values satisfying its rules: column totals, result totals, 一 + 二 = 总计 + 四."""
    rows = tpl.application_rows(layout)
    results = [r.key for r in rows[2:-2]]
    cols = tpl.APPLICANT_COLUMNS[:-1]
    scale = rng.choice((2, 5, 20, 200))
    grid: dict[str, dict[str, int]] = {}
    for key in results:
        busy = key in ("granted", "partially_granted", "unavailable_not_held") or rng.random() < 0.25
        grid[key] = {
            c: _count(rng, scale if c == "natural_person" else max(1, scale // 10), 0.3 if busy else 0.95) for c in cols
        }
    grid["total"] = {c: sum(grid[k][c] for k in results) for c in cols}
    grid["carried_over"] = {c: _count(rng, max(1, scale // 20), 0.8) for c in cols}
    grid["carried_forward"] = {c: _count(rng, max(1, scale // 20), 0.8) for c in cols}
    for c in cols:
        need = grid["total"][c] + grid["carried_forward"][c] - grid["carried_over"][c]
        if need < 0:
            grid["carried_forward"][c] -= need
            need = 0
        grid.setdefault("new_received", {})[c] = need
    out: dict[str, Value] = {}
    for row in rows:
        for c in cols:
            out[f"applications.{row.key}.{c}"] = grid[row.key][c]
        out[f"applications.{row.key}.total"] = sum(grid[row.key].values())
    return out


def review_truth(rng: random.Random) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for block in tpl.REVIEW_BLOCKS:
        parts = [_count(rng, 3, 0.7) for _ in range(4)]
        for outcome, v in zip(tpl.REVIEW_OUTCOMES, [*parts, sum(parts)], strict=True):
            out[f"review.{block}.{outcome}"] = v
    return out


# ---- the labelled text builder ---------------------------------------------------------------
@dataclass
class _Builder:
    rng: random.Random
    traditional: bool = False
    fullwidth: bool = False
    ocr: float = 0.0
    indent: str = ""  # every line of a Word export indented by a tab (seen in real text)
    tight: bool = False  # no blank lines at all, as in a PDF's text layer (a heading right after a table row)
    parts: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    length: int = 0

    def add(self, text: str, label: str | None = None) -> None:
        text = self._mess(text, label)
        if self.tight and label is None:
            text = re.sub(r"\n\s*\n", "\n", text)
            if text.startswith("\n") and self.parts and self.parts[-1].endswith("\n"):
                text = text.lstrip("\n")
        if self.indent and label is None:
            text = text.replace("\n", "\n" + self.indent)
        if label is not None and text:
            self.spans.append(Span(self.length, self.length + len(text), label))
        self.parts.append(text)
        self.length += len(text)

    def _mess(self, text: str, label: str | None) -> str:
        if label == "VALUE" and self.fullwidth:
            return text.translate(_FULLWIDTH)
        if label in ("ROW", "COL") and self.ocr and self.rng.random() < self.ocr:
            i = self.rng.randrange(len(text))
            text = text[:i] + _OCR_LOOKALIKES.get(text[i], text[i]) + text[i + 1 :]
        if self.traditional and label != "VALUE":
            converted = _s2t()(text)
            if len(converted) == len(text):
                return converted
        return text

    def text(self) -> str:
        return "".join(self.parts)


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t").convert


# ---- rendering --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Style:
    """How one report is printed."""

    layout: str
    blank_marker: str
    blank_zeros: float  # share of zero cells printed as a blank marker
    break_labels: float  # share of labels broken across lines
    vertical_groups: bool  # group labels spelled one character per line
    noise: float  # chance of chrome/page numbers/footnotes between rows
    missing: float  # chance that a row loses one cell
    plus_sign: bool
    unit_suffix: bool


def draw_style(rng: random.Random, layout: str | None = None) -> Style:
    layout = layout or rng.choice(LAYOUTS)
    return Style(
        layout=layout,
        blank_marker=rng.choice(("", *_BLANKS)) if layout == "tabs" else rng.choice(_BLANKS),
        blank_zeros=rng.choice((0.0, 0.0, 0.3, 1.0)) if layout != "glued" else 0.0,
        break_labels=rng.choice((0.0, 0.0, 0.2, 0.5)) if layout != "glued" else 0.0,
        vertical_groups=layout in ("spaces", "lines") and rng.random() < 0.3,
        noise=rng.choice((0.0, 0.05, 0.15)),
        missing=rng.choice((0.0, 0.0, 0.0, 0.03)) if layout != "glued" else 0.0,
        plus_sign=rng.random() < 0.3,
        unit_suffix=rng.random() < 0.4,
    )


_SEP = {"lines": "\n", "tabs": "\t", "spaces": " ", "pipes": "|", "glued": ""}
_ROW_END = {"lines": "\n", "tabs": "\n", "spaces": "\n", "pipes": "|\n", "glued": ""}


@dataclass
class _Renderer:
    b: _Builder
    style: Style
    rng: random.Random
    truth: dict[str, Value]
    page: int = 1
    positions: dict[str, int] = field(default_factory=dict)  # where each printed cell starts in the text

    @property
    def sep(self) -> str:
        return _SEP[self.style.layout]

    def row_start(self) -> None:
        if self.style.layout == "pipes":
            self.b.add("|")

    def label(self, text: str, kind: str = "ROW") -> None:
        if self.style.vertical_groups and kind == "GROUP":
            self.b.add("\n".join(text), "ROW")
            self.b.add("\n")
            return
        kind = "ROW" if kind == "GROUP" else kind
        if len(text) > 4 and self.rng.random() < self.style.break_labels:
            cut = self.rng.randrange(2, len(text) - 1)
            self.b.add(text[:cut] + self.rng.choice(("\n", " \n", "\n\n")) + text[cut:], kind)
        else:
            self.b.add(text, kind)

    def header(self, labels: Sequence[str]) -> None:
        self.row_start()
        for i, text in enumerate(labels):
            if i:
                self.b.add(self.sep)
            self.label(text, "COL")
        self.b.add(_ROW_END[self.style.layout])

    def cell(self, key: str) -> None:
        self.positions[key] = self.b.length
        value = self.truth[key]
        if value is None:
            self.b.add(self.style.blank_marker or "", "BLANK" if self.style.blank_marker else None)
            return
        if value == 0 and self.rng.random() < self.style.blank_zeros:
            self.truth[key] = None
            if self.style.blank_marker:
                self.b.add(self.style.blank_marker, "BLANK")
            return
        self.b.add(self._format(key, value), "VALUE")

    def _format(self, key: str, value: int | Decimal) -> str:
        if key.endswith("amount_yuan"):
            if self.style.unit_suffix and value % 100 == 0 and value:
                return f"{(Decimal(value) / 10000).normalize():f}万元"
            return f"{value}{'元' if self.style.unit_suffix else ''}"
        if key.endswith("amount_wan") and self.style.unit_suffix and self.rng.random() < 0.3:
            return f"{value}万元"
        if key.endswith(".change") and value > 0 and self.style.plus_sign:
            return f"+{value}"
        return str(value)

    def values(self, keys: Sequence[str]) -> None:
        keys = list(keys)
        if self.style.missing and len(keys) > 1 and self.rng.random() < self.style.missing:
            lost = keys.pop(self.rng.randrange(len(keys)))
            self.truth[lost] = None
        for i, key in enumerate(keys):
            if i or self.style.layout != "glued":
                self.b.add(self.sep)
            self.cell(key)

    def row(self, label: str, keys: Sequence[str], group: str | None = None) -> None:
        self.maybe_noise()
        self.row_start()
        if group:
            self.label(group, "GROUP")
            self.b.add(self.sep if not self.style.vertical_groups else "")
        if self.style.layout == "spaces" and len(label) > 12 and self.rng.random() < self.style.break_labels:
            # a PDF cell whose label wraps: the row's values print between the label's two lines
            cut = self.rng.randrange(6, len(label) - 3)
            self.b.add(label[:cut], "ROW")
            self.b.add("\n")
            self.values(keys)
            self.b.add("\n")
            self.b.add(label[cut:], "ROW")
            self.b.add("\n")
            return
        self.label(label)
        self.values(keys)
        self.b.add(_ROW_END[self.style.layout])

    def maybe_noise(self) -> None:
        if self.rng.random() >= self.style.noise:
            return
        kind = self.rng.random()
        fill = {
            "y": self.rng.randint(2019, 2025),
            "a": self.rng.randint(10, 9999),
            "d": self.rng.randint(10, 28),
            "p": self.rng.choice(_PLACES),
        }
        self.page += 1
        if kind < 0.4:  # a page number on its own line: the normalizer drops it
            self.b.add("\n")
            self.b.add(self.rng.choice(("- {n} -", "第{n}页 共8页", "{n}/8", "— {n} —")).format(n=self.page))
            self.b.add("\n")
        elif kind < 0.7:
            self.b.add("\n")
            self.b.add(self.rng.choice(_FOOTNOTES).format(**fill), "NOISE")
            self.b.add("\n")
        else:
            self.b.add("\n")
            self.b.add(f"{fill['p']}{self.rng.choice(_AGENCIES)}政府信息公开工作年度报告 {self.page}", "NOISE")
            self.b.add("\n")


def _render_active(r: _Renderer, layout: str) -> None:
    headers = tpl.ACTIVE_HEADERS_2019 if layout == "2019" else tpl.ACTIVE_HEADERS_2021
    items = tpl.ACTIVE_ITEMS_2019 if layout == "2019" else tpl.ACTIVE_ITEMS_2021
    rows = {row.key: row for row in tpl.active_rows(layout)}
    for item, cols in headers.items():
        r.b.add(f"第二十条第{item}项", "TITLE_ITEM")
        r.b.add(_ROW_END[r.style.layout] if r.style.layout != "pipes" else "\n")
        r.header(("信息内容", *cols))
        for key in items[item]:
            label = r.rng.choice(tpl.ACTIVE_PRINTED[key])
            r.row(label, [f"active.{key}.{c}" for c in rows[key].columns])


def _render_applications(r: _Renderer, layout: str) -> None:
    if r.rng.random() < 0.8:
        r.b.add(tpl.CHECK_NOTE, "COL")
        r.b.add(r.sep if r.style.layout in ("tabs", "glued") else "\n")
    r.header(tpl.APPLICANT_HEADER)
    for row in tpl.application_rows(layout):
        group = tpl.APPLICATION_GROUPS.get(row.key)
        if row.key == "other_no_correction" and layout == "2019":
            group = None
        r.row(tpl.APPLICATION_PRINTED[row.key], [f"applications.{row.key}.{c}" for c in tpl.APPLICANT_COLUMNS], group)


def _wrapped_review_header(r: _Renderer) -> None:
    """A PDF's narrow header cells: each outcome wraps into two lines, and the lines of the three blocks interleave
    (``结果 结果 其他 尚未 / 总计 / 维持 纠正 结果 审结 结果 结果 …``), as pdfplumber reads them."""

    def halves() -> list[tuple[str, str]]:
        out = []
        for text in tpl.OUTCOME_HEADER[:4]:
            cut = 3 if r.rng.random() < 0.1 else 2
            out.append((text[:cut], text[cut:]))
        return out

    def line(pieces: Sequence[str]) -> None:
        for i, piece in enumerate(pieces):
            if i:
                r.b.add(" ")
            r.b.add(piece, "COL")
        r.b.add("\n")

    blocks = [halves() for _ in range(3)]
    line(("行政复议", "行政诉讼"))
    line(("未经复议直接起诉", "复议后起诉"))
    line([top for top, _ in blocks[0]])
    line(["总计"])
    line([bottom for _, bottom in blocks[0]] + [top for blk in blocks[1:] for top, _ in blk])
    line(["总计", "总计"])
    line([bottom for blk in blocks[1:] for _, bottom in blk])


def _render_review(r: _Renderer, _layout: str = "") -> None:
    if r.style.layout == "spaces" and r.rng.random() < 0.4:
        _wrapped_review_header(r)
    elif r.style.layout in ("lines", "glued") or r.rng.random() < 0.5:
        r.header(tpl.REVIEW_HEADER)
    else:
        r.header(("行政复议", "行政诉讼"))
        r.header((*tpl.OUTCOME_HEADER, "未经复议直接起诉", "复议后起诉"))
        r.header(tpl.OUTCOME_HEADER * 2)
    r.row_start()
    r.values(tpl.review_keys())
    r.b.add(_ROW_END[r.style.layout])


# a narrative that names a row and a column restates the table's figure (``废止{repealed}件`` of 规范性文件), as real
# reports do; where the table has no such cell (the 2019 layout), a drawn figure
_RESTATED = {"repealed": ("active.normative_docs.repealed", "b"), "in_force": ("active.normative_docs.in_force", "c")}


def _paragraph(
    b: _Builder, rng: random.Random, pool: Sequence[str], year: int, table: Mapping[str, Value] | None = None
) -> None:
    for _ in range(rng.randint(1, 4)):
        fill: dict[str, Value] = {"y": year, "a": rng.randint(1, 5000), "b": rng.randint(0, 300)}
        fill["c"] = rng.randint(0, 50)
        stated = {name: (table or {}).get(key) for name, (key, _) in _RESTATED.items()}
        fill |= {name: fill[drawn] if stated[name] is None else stated[name] for name, (_, drawn) in _RESTATED.items()}
        b.add(rng.choice(pool).format(**fill))
    b.add("\n\n" if rng.random() < 0.6 else "\n")
    if rng.random() < 0.05:  # empty paragraphs exported as a lone dash (seen in real pages)
        b.add("—\n\n" * rng.randint(1, 4))


@dataclass(frozen=True)
class SynthReport:
    """A generated report: raw text, exact labels over it, and the true value of every cell."""

    text: str
    spans: tuple[Span, ...]
    cells: dict[str, Value]  # what the printed text supports: blank and dropped cells are None
    values: dict[str, Value]  # the table as drawn, before printing (every rule holds)
    template: str
    style: Style
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # printed cell → its text span


def generate(seed: int, layout: str | None = None) -> SynthReport:
    """One synthetic report, fully determined by ``seed``."""
    rng = random.Random(seed)
    year = rng.randint(2019, 2025)
    template = "2019" if year == 2019 or (year == 2020 and rng.random() < 0.3) else "2021"
    active_layout = template if rng.random() < 0.9 else {"2019": "2021", "2021": "2019"}[template]
    apps_layout = template if rng.random() < 0.9 else {"2019": "2021", "2021": "2019"}[template]
    truth = {**active_truth(active_layout, rng), **applications_truth(apps_layout, rng), **review_truth(rng)}
    values = dict(truth)
    style = draw_style(rng, layout)
    b = _Builder(
        rng,
        traditional=rng.random() < 0.08,
        fullwidth=rng.random() < 0.1,
        ocr=rng.choice((0.0, 0.0, 0.0, 0.1)),
        indent="\t" if style.layout == "lines" and rng.random() < 0.2 else "",
        tight=style.layout == "spaces" and rng.random() < 0.6,
    )
    r = _Renderer(b, style, rng, truth)
    agency = rng.choice(_PLACES) + rng.choice(_AGENCIES)
    if rng.random() < 0.4:
        b.add(rng.choice(_CHROME).format(y=year + 1, a=rng.randint(10, 9999), d=rng.randint(10, 28), p=agency))
        b.add("\n")
    b.add(f"{agency}{year}年度政府信息公开工作年度报告\n\n")
    for i, heading in enumerate(tpl.SECTION_TITLES):
        b.add(heading, "SECTION")
        b.add("\n\n" if style.layout != "glued" else "\n")
        if i == 0:
            for _ in range(rng.randint(2, 8)):
                _paragraph(b, rng, _NARRATIVE, year, values)
        elif i in (1, 2, 3):
            if rng.random() < 0.3:
                _paragraph(b, rng, _LEADS, year)
            (_render_active, _render_applications, _render_review)[i - 1](r, (active_layout, apps_layout, "")[i - 1])
        else:
            _paragraph(b, rng, _PROBLEMS if i == 4 else _OTHER, year)
        b.add("\n")
    spans = _merge_glued(b.spans)
    starts = {s.start: s for s in b.spans if s.label in ("VALUE", "BLANK")}
    positions = {k: (starts[p].start, starts[p].end) for k, p in r.positions.items() if p in starts}
    return SynthReport(b.text(), tuple(spans), truth, values, template, style, positions)


def _merge_glued(spans: list[Span]) -> list[Span]:
    """Adjacent VALUE spans with nothing between them read as one digit run, as any tagger must see them."""
    out: list[Span] = []
    for sp in spans:
        if out and sp.label == "VALUE" and out[-1].label == "VALUE" and out[-1].end == sp.start:
            out[-1] = Span(out[-1].start, sp.end, "VALUE")
        else:
            out.append(sp)
    return out


# ---- raw labels → normalized labels ------------------------------------------------------------
def normalized(report: SynthReport, name: str = "synthetic.txt") -> NormalizedDoc:
    return normalize(source_from_bytes(name, report.text.encode("utf-8")))


def project_spans(doc: NormalizedDoc, spans: Sequence[Span]) -> list[Span]:
    """Carry spans over the raw text onto the normalized text through its offset map.

    A normalized character belongs to the raw span its source range starts in; a character the normalizer
    inserted (a blank marker for an empty table field) is a BLANK span of its own. Dropped text drops its span.
    """
    owner = [-1] * (len(doc.source.raw_text) + 1)
    for k, sp in enumerate(spans):
        owner[sp.start : sp.end] = [k] * (sp.end - sp.start)
    out: list[Span] = []
    current, start = -1, 0
    for i in range(len(doc.text) + 1):
        if i < len(doc.text):
            s, e = doc.offsets.starts[i], doc.offsets.ends[i]
            k = owner[s] if e > s else (-2 if doc.text[i] == "—" else -1)
        else:
            k = -1
        if k != current or k == -2:
            if current >= 0:
                out.append(Span(start, i, spans[current].label))
            elif current == -2:
                out.append(Span(start, i, "BLANK"))
            current, start = k, i
    return [sp for sp in out if doc.text[sp.start : sp.end].strip()]


def cell_spans(report: SynthReport) -> list[Span]:
    """``report.spans`` with each glued run (one VALUE span, as a tagger must read it) cut where its cells start,
    as a person annotates it (one VALUE per cell): the model learns where a run's cells begin, and the engine
    weighs a run's splits by it when the table's rules leave several (``resolve``)."""
    cuts = sorted({a for a, _ in report.positions.values()})
    out: list[Span] = []
    for sp in report.spans:
        inner = cuts[bisect.bisect_right(cuts, sp.start) : bisect.bisect_left(cuts, sp.end)]
        if sp.label != "VALUE" or not inner:
            out.append(sp)
            continue
        edges = [sp.start, *inner, sp.end]
        out += [Span(a, b, "VALUE", sp.score) for a, b in itertools.pairwise(edges)]
    return out


def to_example(report: SynthReport) -> tuple[str, list[Span]]:
    """The report's normalized text and its labels there, a glued run cut into its cells (``cell_spans``)."""
    doc = normalized(report)
    return doc.text, project_spans(doc, cell_spans(report))
