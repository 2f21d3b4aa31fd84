"""The official template (2019 试行 and 2021) as data, in one place: sections, tables, rows, columns, the labels
as the blank form prints them and their variants, per layout.

Row and column keys are the output contract's; the regular expressions match the labels as printed (after
normalization: full-width folded, line-broken labels re-joined). The normalizer's joins, the rule tagger's
patterns, the segmenter, the assembler and the generator all derive from this module; it imports only the
schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from extractor.schema import SectionKey, TableKey

APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",  # 自然人
    "business",  # 商业企业
    "research",  # 科研机构
    "social_org",  # 社会公益组织
    "legal_service",  # 法律服务机构
    "other_org",  # 其他
    "total",  # 总计
)


@dataclass(frozen=True)
class RowDef:
    """One value row of a table: its key, the label pattern, and the columns it carries."""

    key: str
    pattern: str
    columns: tuple[str, ...]

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(pattern)
    return _CACHE[pattern]


# ---- Table 二: active disclosure -------------------------------------------------------------
ACTIVE_2021: tuple[RowDef, ...] = (
    RowDef("rules", r"(?<!规范性文件)规章", ("made", "repealed", "in_force")),
    RowDef("normative_docs", r"(?:行政)?规范性文件", ("made", "repealed", "in_force")),
    RowDef("licensing", r"行政许可", ("decisions",)),
    RowDef("penalty", r"行政处罚", ("decisions",)),
    RowDef("enforcement", r"行政强制", ("decisions",)),
    RowDef("fees", r"行政事业性收费", ("amount_wan",)),
)

ACTIVE_2019: tuple[RowDef, ...] = (
    RowDef("rules", r"(?<!规范性文件)规章", ("new_made", "new_published", "total_published")),
    RowDef("normative_docs", r"(?:行政)?规范性文件", ("new_made", "new_published", "total_published")),
    RowDef("licensing", r"行政许可", ("prev_items", "change", "decisions")),
    RowDef("other_services", r"其他对外管理服务", ("prev_items", "change", "decisions")),  # 事项 or not
    RowDef("penalty", r"行政处罚", ("prev_items", "change", "decisions")),
    RowDef("enforcement", r"行政强制", ("prev_items", "change", "decisions")),
    RowDef("fees", r"行政事业性收费", ("prev_items", "change")),
    RowDef("procurement", r"政府集中采购", ("items", "amount_yuan")),
)

# Column headers that identify the 2019 layout of table 二 (the 2021 layout has none of them).
ACTIVE_2019_MARKERS = re.compile(r"本年新制作|本年新公开|对外公开总数|上一年项目数|政府集中采购|采购总金额")
ACTIVE_2021_MARKERS = re.compile(r"本年制发件数|本年废止件数|现行有效件数|本年收费金额|本年处理决定数量")

# Cells that hold decimals (Decimal) rather than counts (int).
DECIMAL_CELLS = frozenset({"active.fees.amount_wan", "active.procurement.amount_yuan"})
# Cells that may carry a sign (本年增/减).
SIGNED_COLUMNS = frozenset({"change"})

# ---- Table 三: applications ------------------------------------------------------------------
_A = APPLICANT_COLUMNS
_RESULT_ROWS_COMMON: tuple[RowDef, ...] = (
    RowDef("granted", r"予以公开", _A),
    RowDef("partially_granted", r"部分公开", _A),
    RowDef("withheld_state_secret", r"属于国家秘密", _A),
    RowDef("withheld_prohibited_by_law", r"其他法律.{0,6}?止公开", _A),
    # 三安全一稳定, or spelled out: 国家安全、公共安全、经济安全和社会稳定
    RowDef("withheld_security_stability", r"危及.{0,2}三安全一稳定|危及国家安全、公共安全", _A),
    RowDef("withheld_third_party", r"保护第三方合法权益", _A),
    RowDef("withheld_internal_affairs", r"三类内部事务", _A),
    RowDef("withheld_process_info", r"四类过程性", _A),
    RowDef("withheld_enforcement_file", r"行政执法案卷", _A),
    RowDef("withheld_query", r"行政查询事项", _A),
    RowDef("unavailable_not_held", r"不掌握相关政府信息", _A),
    RowDef("unavailable_needs_creation", r"没有现成信息", _A),
    RowDef("unavailable_unclear", r"补正后申请内容仍?不明确", _A),
    RowDef("rejected_petition", r"信访举报投诉", _A),
    RowDef("rejected_duplicate", r"(?<![反])重复申请", _A),
    RowDef("rejected_publication", r"公开出版物", _A),
    RowDef("rejected_excessive", r"大量反复", _A),
    RowDef("rejected_reconfirm", r"要求行政机关确认|确认或重新出具", _A),
)
_TOTAL_ROW = r"[(（]七[)）]\s*[总合]计"  # (七)总计, or 合计 as many reports print it
_HEAD_ROWS: tuple[RowDef, ...] = (
    RowDef("new_received", r"本年新收", _A),
    RowDef("carried_over", r"上年结转", _A),
)
_TAIL_ROWS: tuple[RowDef, ...] = (
    RowDef("total", rf"{_TOTAL_ROW}|^\s*[总合]计", _A),
    RowDef("carried_forward", r"结转下年度", _A),
)
APPLICATIONS_2021: tuple[RowDef, ...] = (
    *_HEAD_ROWS,
    *_RESULT_ROWS_COMMON,
    RowDef("other_no_correction", r"逾期不补", _A),
    RowDef("other_no_fee", r"缴纳费用|按收费通知", _A),
    RowDef("other_other", r"(?:3|三)[.．、]\s*其他(?!法律|处理|结果)", _A),
    *_TAIL_ROWS,
)
APPLICATIONS_2019: tuple[RowDef, ...] = (
    *_HEAD_ROWS,
    *_RESULT_ROWS_COMMON,
    RowDef("other", r"[(（]六[)）]\s*其他处理", _A),
    *_TAIL_ROWS,
)
APPLICATIONS_2021_MARKERS = re.compile(r"逾期不补|缴纳费用|按收费通知")
# Printed by the 2019 table 三 (its total is row (七)) when the 2021 markers are not.
APPLICATIONS_2019_MARKERS = re.compile(rf"{_TOTAL_ROW}|结转下年度")

RESULT_ROWS_2021 = tuple(r.key for r in APPLICATIONS_2021[2:-2])
RESULT_ROWS_2019 = tuple(r.key for r in APPLICATIONS_2019[2:-2])

# ---- Table 四: review and litigation ---------------------------------------------------------
REVIEW_BLOCKS: tuple[str, ...] = ("reconsideration", "litigation_direct", "litigation_after_review")
REVIEW_OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")


class CellKey(NamedTuple):
    """A cell's address in the output, ``table.row.column`` (``applications.granted.business``); rows are
    ``table.row`` and rules ``table.…``, so the table is always the first part (``table_of``)."""

    table: str
    row: str
    column: str

    @classmethod
    def parse(cls, key: str) -> CellKey:
        table, row, column = key.split(".")
        return cls(table, row, column)

    def __str__(self) -> str:
        return f"{self.table}.{self.row}.{self.column}"

    @property
    def row_key(self) -> str:
        """``table.row``: the key of the row, in ``ROW_LABELS`` and issue paths."""
        return f"{self.table}.{self.row}"

    @property
    def column_key(self) -> str:
        """``table.column``: the key of the column, in ``COLUMN_LABELS``."""
        return f"{self.table}.{self.column}"


def table_of(path: str) -> str:
    """The table of a cell key, row key, rule name or issue path (``applications.total.business`` →
    ``applications``)."""
    return path.split(".", 1)[0]


def keys_of(table: str, row: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The cell keys of one row, in printed order."""
    return tuple(str(CellKey(table, row, c)) for c in columns)


def review_keys() -> list[str]:
    """The 15 cells of table 四 in printed order: 复议, 未经复议直接起诉, 复议后起诉; five outcomes each."""
    return [k for b in REVIEW_BLOCKS for k in keys_of("review", b, REVIEW_OUTCOMES)]


# ---- where the sections and tables start (the segmenter's vocabulary) --------------------------
# Headings in report order. Each must follow the previous one; numbering may be missing or odd.
SECTION_PATTERNS: tuple[tuple[SectionKey, str], ...] = (
    ("overview", r"(?:一\s*[、.,]\s*)?(?:总体情况|概述)"),
    # numbered, the shorter titles reports print too (二、主动公开情况, 三、依申请公开情况, 四、行政复议和行政诉讼情况);
    # unnumbered, only the full title (an overview's own (一)主动公开情况 is no section)
    (
        "active_disclosure",
        r"二\s*[、.,]\s*(?:主动公开(?:政府信息)?(?:的)?情况|政府信息主动公开(?:的)?情况)|主动公开政府信息情况",
    ),
    (
        "applications",
        r"三\s*[、.,]\s*(?:收到和处理政府信息公开申请(?:的)?情况|依申请公开(?:政府信息)?(?:的)?情况)"
        r"|收到和处理政府信息公开申请情况",
    ),
    (
        "review_litigation",
        r"四\s*[、.,]\s*(?:因)?(?:政府信息公开)?(?:工作)?(?:申请|被申请)?行政(?:法)?复议(?:[、,和及与]\s*|\s*)"
        r"(?:提起)?行政诉讼(?:的)?情况|政府信息公开行政复议[、,]\s*行政诉讼情况",
    ),
    (
        "problems",
        r"五\s*[、.,]\s*(?:政府信息公开工作)?存在(?:的)?(?:主要)?问题(?:及|和)?(?:改进情况|整改措施|改进措施)?",
    ),
    ("other", r"六\s*[、.,]\s*其他需要报告的事项"),
)
# A table's own number printed before its section title (``表1 主动公开政府信息情况``, ``表二、``): part of the heading.
TABLE_NUMBER = r"表\s*[1-4一二三四]\s*[、.:：]?\s*"
SECTION_TABLE: dict[SectionKey, TableKey] = {
    "active_disclosure": "active",
    "applications": "applications",
    "review_litigation": "review",
}
# Where a table starts when its section heading is missing.
TABLE_FALLBACK: dict[TableKey, str] = {
    "active": r"第二十条\s*第\s*\(一\)\s*项",
    # a page that starts inside table 三 (a flipbook page, an excerpt) still prints its own row labels
    "applications": r"本列数据的勾稽关系|申请人情况|(?:一\s*[、.]\s*)?本年新收政府信息公开申请数量"
    r"|(?:二\s*[、.]\s*)?上年结转政府信息公开申请数量|四\s*[、.]\s*结转下年度继续办理",
    "review": r"行政复议[\s|]*行政诉讼|行政复议[ \t]*[\t|]",
}
# Where the table itself starts inside its section (narrative before it is not part of the table).
TABLE_START: dict[TableKey, str] = {
    "active": r"第二十条",
    "applications": r"[(]本列数据的勾稽关系|申请人情况|自然人|本年新收",
    "review": r"行政复议",
}


# ---- the printed template: every label as the blank form prints it (after normalization) ----------
# What the generator prints, what the normalizer re-joins when a line break splits a label (``JOIN_TERMS``) and
# what the rule tagger reads as a column header (``COLUMN_PATTERNS``) all come from here: a new printed variant
# is one line of data.
SECTION_TITLES: tuple[str, ...] = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
ACTIVE_HEADERS_2021 = {
    "(一)": ("本年制发件数", "本年废止件数", "现行有效件数"),
    "(五)": ("本年处理决定数量",),
    "(六)": ("本年处理决定数量",),
    "(八)": ("本年收费金额(单位:万元)",),
}
ACTIVE_HEADERS_2019 = {
    "(一)": ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
    "(五)": ("上一年项目数量", "本年增/减", "处理决定数量"),
    "(六)": ("上一年项目数量", "本年增/减", "处理决定数量"),
    "(八)": ("上一年项目数量", "本年增/减"),
    "(九)": ("采购项目数量", "采购总金额"),
}
ACTIVE_ITEMS_2021 = {
    "(一)": ("rules", "normative_docs"),
    "(五)": ("licensing",),
    "(六)": ("penalty", "enforcement"),
    "(八)": ("fees",),
}
ACTIVE_ITEMS_2019 = {
    "(一)": ("rules", "normative_docs"),
    "(五)": ("licensing", "other_services"),
    "(六)": ("penalty", "enforcement"),
    "(八)": ("fees",),
    "(九)": ("procurement",),
}
ACTIVE_PRINTED = {
    "rules": ("规章",),
    "normative_docs": ("规范性文件", "行政规范性文件"),
    "licensing": ("行政许可",),
    "other_services": ("其他对外管理服务事项",),
    "penalty": ("行政处罚",),
    "enforcement": ("行政强制",),
    "fees": ("行政事业性收费",),
    "procurement": ("政府集中采购",),
}
APPLICATION_PRINTED = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "(一)予以公开",
    "partially_granted": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
    "withheld_state_secret": "1.属于国家秘密",
    "withheld_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "withheld_security_stability": "3.危及“三安全一稳定”",
    "withheld_third_party": "4.保护第三方合法权益",
    "withheld_internal_affairs": "5.属于三类内部事务信息",
    "withheld_process_info": "6.属于四类过程性信息",
    "withheld_enforcement_file": "7.属于行政执法案卷",
    "withheld_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "1.信访举报投诉类申请",
    "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_reconfirm": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他",
    "other": "(六)其他处理",
    "total": "(七)总计",
    "carried_forward": "四、结转下年度继续办理",
}
# Group labels printed before the first row of their group (merged cells in the printed table).
APPLICATION_GROUPS = {
    "granted": "三、本年度办理结果",
    "withheld_state_secret": "(三)不予公开",
    "unavailable_not_held": "(四)无法提供",
    "rejected_petition": "(五)不予处理",
    "other_no_correction": "(六)其他处理",
}
APPLICANT_HEADER = (
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "总计",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
)
CHECK_NOTE = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
REVIEW_HEADER = (
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "其他结果",
    "尚未审结",
    "总计",
    "未经复议直接起诉",
    "复议后起诉",
)
OUTCOME_HEADER = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
# Variants the blank form does not print but reports do (a label cut short, another wording): joined and
# recognised like the printed ones.
JOIN_VARIANTS: tuple[str, ...] = ("要求行政机关确认或重新出具", "本年度办理结果", "信息内容", "(七)合计")
# Column headers as regular expressions where the printed text alone is not enough: a bare 其他 is a column
# only between cells, 本年增/减 is often cut to 本年增/, a fee header may drop its unit.
COLUMN_VARIANTS: tuple[str, ...] = (
    r"本年增\s*/\s*减?",
    r"本年收费金额\s*[(]单位\s*:\s*万元[)]",
    "本年收费金额",
    r"(?<=\s)其他(?=\s)",
    "合计",  # a total column printed as reports print it
    r"[(]本列数据的勾稽关系为[^)]*[)]",
)


# ---- printed labels (the official wording, for people: XLSX/CSV headers, the label of every output cell) ----
ROW_LABELS: dict[str, str] = {
    "active.rules": "规章",
    "active.normative_docs": "行政规范性文件",
    "active.licensing": "行政许可",
    "active.other_services": "其他对外管理服务事项",
    "active.penalty": "行政处罚",
    "active.enforcement": "行政强制",
    "active.fees": "行政事业性收费",
    "active.procurement": "政府集中采购",
    "applications.new_received": "一、本年新收政府信息公开申请数量",
    "applications.carried_over": "二、上年结转政府信息公开申请数量",
    "applications.granted": "（一）予以公开",
    "applications.partially_granted": "（二）部分公开",
    "applications.withheld_state_secret": "（三）1.属于国家秘密",
    "applications.withheld_prohibited_by_law": "（三）2.其他法律行政法规禁止公开",
    "applications.withheld_security_stability": "（三）3.危及“三安全一稳定”",
    "applications.withheld_third_party": "（三）4.保护第三方合法权益",
    "applications.withheld_internal_affairs": "（三）5.属于三类内部事务信息",
    "applications.withheld_process_info": "（三）6.属于四类过程性信息",
    "applications.withheld_enforcement_file": "（三）7.属于行政执法案卷",
    "applications.withheld_query": "（三）8.属于行政查询事项",
    "applications.unavailable_not_held": "（四）1.本机关不掌握相关政府信息",
    "applications.unavailable_needs_creation": "（四）2.没有现成信息需要另行制作",
    "applications.unavailable_unclear": "（四）3.补正后申请内容仍不明确",
    "applications.rejected_petition": "（五）1.信访举报投诉类申请",
    "applications.rejected_duplicate": "（五）2.重复申请",
    "applications.rejected_publication": "（五）3.要求提供公开出版物",
    "applications.rejected_excessive": "（五）4.无正当理由大量反复申请",
    "applications.rejected_reconfirm": "（五）5.要求行政机关确认或重新出具已获取信息",
    "applications.other_no_correction": "（六）1.申请人无正当理由逾期不补正",
    "applications.other_no_fee": "（六）2.申请人逾期未按收费通知要求缴纳费用",
    "applications.other_other": "（六）3.其他",
    "applications.other": "（六）其他处理",
    "applications.total": "（七）总计",
    "applications.carried_forward": "四、结转下年度继续办理",
    "review.reconsideration": "行政复议",
    "review.litigation_direct": "行政诉讼·未经复议直接起诉",
    "review.litigation_after_review": "行政诉讼·复议后起诉",
}
COLUMN_LABELS: dict[str, str] = {
    "active.made": "本年制发件数",
    "active.repealed": "本年废止件数",
    "active.in_force": "现行有效件数",
    "active.decisions": "本年处理决定数量",
    "active.amount_wan": "本年收费金额（万元）",
    "active.new_made": "本年新制作数量",
    "active.new_published": "本年新公开数量",
    "active.total_published": "对外公开总数量",
    "active.prev_items": "上一年项目数量",
    "active.change": "本年增/减",
    "active.items": "采购项目数量",
    "active.amount_yuan": "采购总金额（元）",
    "applications.natural_person": "自然人",
    "applications.business": "商业企业",
    "applications.research": "科研机构",
    "applications.social_org": "社会公益组织",
    "applications.legal_service": "法律服务机构",
    "applications.other_org": "其他",
    "applications.total": "总计",
    "review.upheld": "结果维持",
    "review.corrected": "结果纠正",
    "review.other": "其他结果",
    "review.pending": "尚未审结",
    "review.total": "总计",
}


def cell_labels(key: str) -> tuple[str, str]:
    """'applications.granted.business' → ('（一）予以公开', '商业企业'): the printed row and column labels."""
    cell = CellKey.parse(key)
    return ROW_LABELS[cell.row_key], COLUMN_LABELS[cell.column_key]


def table_columns(table: str) -> list[str]:
    """The column keys of ``table`` over both layouts, in printed order."""
    if table == "review":
        return list(REVIEW_OUTCOMES)
    if table == "applications":
        return list(APPLICANT_COLUMNS)
    return list(dict.fromkeys(c for r in (*ACTIVE_2021, *ACTIVE_2019) for c in r.columns))


def table_keys(table: str, layout: str) -> list[str]:
    """Every cell key of ``table`` ('active', 'applications', 'review') in ``layout``, in printed order."""
    if table == "review":
        return review_keys()
    return [k for r in table_rows(table, layout) for k in keys_of(table, r.key, r.columns)]


# Labels of groups of rows in table 三 (三、本年度办理结果, （三）不予公开 …): they head rows, they own no values.
GROUP_LABELS = re.compile(
    r"[(（]三[)）]\s*不予公开|[(（]四[)）]\s*无法提供|[(（]五[)）]\s*不予处理|[(（]六[)）]\s*其他处理"
    r"|三、\s*本年度办理结果|本年度办理结果"
)


def may_be_extra_row(label: str) -> bool:
    """A printed label that may be a row of its own which the template lacks (行政确认), rather than a group
    label (（三）不予公开, or one of its characters printed a line each) or the tail of a label wrapped over
    lines (``计其他情形)``: its brackets do not pair)."""
    if GROUP_LABELS.search(label) or not re.match(r"[\u4e00-\u9fff]", label):
        return False
    if len(re.findall(r"[\u4e00-\u9fff]", label)) < 3:  # 本 / 年 / 度: a group label printed one character a line
        return False
    return label.count("(") == label.count(")") and label.count("（") == label.count("）")


# A blank cell as reports print it (——, —, -, --, /, 无, \): one marker is one cell, however many dashes.
BLANK_MARKER = re.compile(r"—+|--?|/|无|\\")


# What follows a number that is a date, a share or a counted figure of the prose (2022年12月31日, 40%, 1765件),
# never a table cell: table cells print bare numbers (money with 万元/元 excepted).
PROSE_FIGURE = re.compile(r"[ \t]*[年月日%件条个项次篇]")
# A count printed with its unit as a whole cell of a table row (``| 5件 |``, ``规章\t3个\t0个``, a glued
# ``规章5件3件``): a cell after all. After the unit: layout, the end, or the next cell (a number, a blank marker).
COUNT_UNITS = "件条个项次篇"
UNIT_WORDS = re.compile(rf"万元|元|[{COUNT_UNITS}]")  # what a cell prints after its number
_CELL_COUNT = re.compile(rf"[ \t]*[{COUNT_UNITS}](?=[ \t]*(?:[\t|\n]|$|[+\-]?\d|{BLANK_MARKER.pattern}))")
_CELL_EDGE = "\t|\n "

# The sign of a change (本年增/减) printed as a word before its number, filling its cell: ``增加3``, ``减少2个``.
SIGN_WORDS: dict[str, str] = {"增加": "+", "增长": "+", "上升": "+", "增": "+", "减少": "-", "下降": "-", "减": "-"}
_SIGN = "|".join(sorted(SIGN_WORDS, key=len, reverse=True))
_NEXT_CELL = rf"[ \t]*(?:$|[\t|])|\s\s|[ \t]+(?:[+\-]?\d|{BLANK_MARKER.pattern})"  # layout, the end, a next cell
SIGNED_CELL = re.compile(
    rf"(?m)(?:^|(?<=[\t|])|(?<=\s\s)|(?<=[\d—/无] ))[ \t]*({_SIGN}) ?"  # a tab after the word: another cell
    rf"(?=\d+(?:\.\d+)?[{COUNT_UNITS}]?(?:{_NEXT_CELL}))"
)


def cell_count_unit(text: str, end: int) -> re.Match[str] | None:
    """The count unit right after a number ending at ``end``, if it closes the number's cell (layout, the end,
    the next number after it, or, glued, the next row's printed label or numbering: ``5件\t``, ``5件3件``,
    ``39项规范性文件``, ``0件(五)不予处理``); it then belongs to the value, never to a label."""
    found = _CELL_COUNT.match(text, end)
    if found or end >= len(text) or text[end] not in COUNT_UNITS:
        return found
    return _next_label_rx().match(text, end)


_LABEL_START = 4  # characters of a printed label that say it starts (行政许可, 属于国家秘密 …)


@lru_cache(maxsize=1)
def _next_label_rx() -> re.Pattern[str]:
    """A count unit followed by the start of a printed row label, numbered or not (``项规范性文件``,
    ``件(五)不予处理``, ``件2.重复申请``): the unit closes a glued row's last cell. Labels as the template prints
    them (``_printed_labels``), their first ``_LABEL_START`` characters; the shortest (``规章``) whole."""
    starts = set()
    for label in [*_printed_labels(), *JOIN_VARIANTS]:
        if label in SECTION_TITLES:  # a section follows a table under its numbering (四、…)
            continue
        for form in (label, NUMBERING.sub("", label)):
            if len(form) >= 2 and form != "其他":
                starts.add(re.escape(form[:_LABEL_START]))
    numbering = NUMBERING.pattern.removeprefix("^")
    words = "|".join(sorted(starts, key=len, reverse=True))
    return re.compile(rf"[{COUNT_UNITS}](?=(?:{numbering})|(?:{words}))")


def prose_figure(text: str, start: int, end: int, after_label: bool = False) -> bool:
    """The number ``text[start:end]`` is a date, a share or a counted figure of the prose (``PROSE_FIGURE``
    follows it): never a cell. But a count with its unit that fills a cell is a cell's value printed with its
    unit: layout, a label (``after_label``) or the previous cell's unit before it, layout, the end or the next
    number after it (``\\t5件\\t``, ``规章5件3件``); so is one glued between two cells, the next glued after its
    unit (``0-6件3784件``: a change printed after a count without its unit)."""
    if not PROSE_FIGURE.match(text, end):
        return False
    unit = cell_count_unit(text, end)
    if not unit:
        return True
    before = text[start - 1] if start else "\n"
    unit_before = start >= 2 and before in COUNT_UNITS and text[start - 2].isdigit()
    cell_after = _GLUED_CELL.match(text, unit.end()) is not None
    return not (after_label or before in _CELL_EDGE or unit_before or cell_after)


_GLUED_CELL = re.compile(rf"[+\-]?\d|{BLANK_MARKER.pattern}")  # a cell printed right after a count's unit


# Column words of table 四: two of them in a region mean the table is printed, values or not.
REVIEW_COLUMN_WORDS = re.compile(r"结果维持|结果纠正|其他结果|尚未审结|未经复议直接起诉|复议后起诉")


def active_rows(template: str) -> tuple[RowDef, ...]:
    return ACTIVE_2019 if template == "2019" else ACTIVE_2021


def application_rows(template: str) -> tuple[RowDef, ...]:
    return APPLICATIONS_2019 if template == "2019" else APPLICATIONS_2021


def table_rows(table: str, layout: str) -> tuple[RowDef, ...]:
    """The rows of table 二 ('active') or 三 ('applications') in ``layout``."""
    return active_rows(layout) if table == "active" else application_rows(layout)


# ---- derived from the printed template --------------------------------------------------------
NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|[(][一二三四五六七八九十]+[)]|\d+\.)")
"""A printed label's numbering (序号): ``一、``, ``(三)``, ``2.``."""
_NOTE = re.compile(r"[(]([^()]{4,})[)]$")  # a printed note after a label: (区分处理的,只计这一情形,…)


def _printed_labels() -> list[str]:
    """Every label and header the blank form prints, in no particular order."""
    labels = [*SECTION_TITLES, *APPLICATION_PRINTED.values(), *APPLICATION_GROUPS.values()]
    labels += [v for variants in ACTIVE_PRINTED.values() for v in variants]
    for headers in (ACTIVE_HEADERS_2021, ACTIVE_HEADERS_2019):
        labels += [h for columns in headers.values() for h in columns]
    items = {*ACTIVE_HEADERS_2021, *ACTIVE_HEADERS_2019}
    labels += [f"第二十条第{item}项" for item in sorted(items)]
    return [*labels, *APPLICANT_HEADER, *REVIEW_HEADER, *OUTCOME_HEADER]


NUMBERING_DIGITS = max(len(m.group(1)) for label in _printed_labels() for m in re.finditer(r"(\d+)\.", label))
"""The most digits a printed row numbering (``2.``) has: the form numbers no row past 9."""


def bare_row_label(key: str) -> str:
    """A row's printed label in its own words (``withheld_internal_affairs`` → ``属于三类内部事务信息``;
    ``normative_docs`` → ``规范性文件``)."""
    return own_words(APPLICATION_PRINTED.get(key) or ACTIVE_PRINTED[key][0])


def own_words(label: str) -> str:
    """A label without a group label printed before it on its line (``(四)无法提供1.本机关…``), its numbering and
    a note printed after it (``(区分处理的,…)``)."""
    return strip_note(NUMBERING.sub("", GROUP_LABELS.sub("", label).strip()))


def strip_note(label: str) -> str:
    """``label`` without the note printed after it (``部分公开(区分处理的,只计这一情形,不计其他情形)`` →
    ``部分公开``)."""
    note = _NOTE.search(label)
    return label[: note.start()] if note else label


def _row_cores() -> list[str]:
    """The words a row is known by (its pattern's literal alternatives of 4 characters or more: ``本年新收``,
    ``不掌握相关政府信息``): a label printed in other words around them (``本年新收政府信息公开申请数``) is still
    re-joined where a line break splits those words."""
    rows = [*ACTIVE_2021, *ACTIVE_2019, *APPLICATIONS_2021, *APPLICATIONS_2019]
    words = [w for row in rows for w in row.pattern.split("|")]
    return [w for w in words if len(w) >= 4 and re.escape(w) == w]


def join_terms() -> tuple[str, ...]:
    """The words the normalizer re-joins when line breaks or spaces split them (``商业\\n企业``): each printed
    label, without its numbering too (``三、本年度办理结果`` and ``本年度办理结果``), a printed note on its own,
    and the variants reports print. Terms of one character pair ``其他`` are too common in prose to join."""
    terms: list[str] = []
    for label in [*_printed_labels(), *JOIN_VARIANTS, *_row_cores()]:
        bare = NUMBERING.sub("", label)
        note = _NOTE.search(bare)
        terms += [label, bare]
        if note:
            terms += [note.group(1), bare[: note.start()]]
    return tuple(t for t in dict.fromkeys(terms) if len(t) >= 2 and t != "其他")


def column_patterns() -> tuple[str, ...]:
    """Regular expressions of every column header a table prints (table 二's per item, the applicants, the
    review outcomes and blocks), longest first so that a header is never read as its prefix."""
    headers = [h for hs in (ACTIVE_HEADERS_2021, ACTIVE_HEADERS_2019) for columns in hs.values() for h in columns]
    words = [*headers, "信息内容", *APPLICANT_HEADER, *REVIEW_HEADER]
    escaped = [re.escape(w) for w in dict.fromkeys(words) if w != "其他"]
    return tuple(sorted(dict.fromkeys([*escaped, *COLUMN_VARIANTS]), key=len, reverse=True))
