"""Layouts the dev files did not show: every cell of a found table accounted for (skeletons, texts cut off
mid-table), the template taken from the tables rather than the prose, and meta from what the text says."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from extractor import template as tpl
from extractor.offsets import OffsetMap
from extractor.pipeline import extract
from extractor.schema import CellStatus
from extractor.tagging.rules import RuleTagger
from extractor.types import SourceDoc
from training.synth import generate

TAGGER = RuleTagger()


def _source(text: str, name: str = "report.txt") -> SourceDoc:
    return SourceDoc(name, "0" * 64, "txt", "utf-8", text, text, OffsetMap.identity(len(text)))


def _extract(text: str):  # type: ignore[no-untyped-def]
    return extract(_source(text), tagger=TAGGER)


@given(seed=st.integers(0, 10_000), where=st.floats(0.05, 0.95))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_text_cut_inside_table_three_keeps_every_cell_and_says_where_it_ends(seed: int, where: float):
    report = generate(seed)
    keys = [k for k in report.positions if k.startswith("applications.")]
    cut_key = sorted(keys, key=lambda k: report.positions[k][0])[int(where * (len(keys) - 1))]
    cut = report.positions[cut_key][0]
    out = _extract(report.text[:cut])
    layout = out.template_detail.get("applications")
    assert layout is not None
    expected = tpl.table_keys("applications", layout)
    assert set(expected) <= set(out.cells), "a cell of a found table is absent"
    for key, (start, _) in report.positions.items():
        if key.startswith("applications.") and start >= cut and key in out.cells:
            cell = out.cells[key]
            assert cell.value is None or cell.status not in (CellStatus.READ, CellStatus.BLANK), key
    assert out.text_end is not None and out.text_end.table == "applications"
    assert out.text_end.offset == cut
    assert out.review.needed


@given(seed=st.integers(0, 10_000), where=st.floats(0.05, 0.95), layout=st.sampled_from(["tabs", "glued", "lines"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_text_cut_inside_a_value_never_reads_what_is_left_of_it_as_the_value(seed: int, where: float, layout: str):
    """``…大量反复申请27`` cut from ``2733``, or glued cells cut anywhere: what the text ends with may be part
    of a value or of a glued run, so it is not read as printed (the cells before it are)."""
    report = generate(seed, layout)
    tables = ("active.", "applications.", "review.")
    keys = [k for k, (s, e) in report.positions.items() if k.startswith(tables) and e - s > 1]
    assume(keys)
    cut_key = sorted(keys, key=lambda k: report.positions[k][0])[int(where * (len(keys) - 1))]
    cut = report.positions[cut_key][0] + 1
    out = _extract(report.text[:cut])
    for key, (_, end) in report.positions.items():
        if key in out.cells and end > cut and out.cells[key].status in (CellStatus.READ, CellStatus.BLANK):
            assert out.cells[key].value is None, (key, out.cells[key].value, report.text[cut - 30 : cut])


TABLE_THREE_SKELETON = """一、总体情况
全年收到申请。
三、收到和处理政府信息公开申请情况
申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计
一、本年新收政府信息公开申请数量
二、上年结转政府信息公开申请数量
三、本年度办理结果 (一)予以公开
(二)部分公开
(三)不予公开 1.属于国家秘密
(六)其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请
2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请
3.其他
(七)总计
四、结转下年度继续办理
四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
五、存在的主要问题及改进情况
无。
"""


def test_a_table_skeleton_with_no_values_gives_every_cell_as_missing():
    out = _extract(TABLE_THREE_SKELETON)
    assert out.template_detail["applications"] == "2021"
    for key in tpl.table_keys("applications", "2021") + tpl.table_keys("review", "both"):
        assert out.cells[key].value is None and out.cells[key].status == CellStatus.MISSING, key
    assert out.review.needed


@pytest.mark.parametrize(
    ("text", "year", "agency"),
    [
        ("義烏市人民政府\n2021年政府信息公開\n工作年度報告\n一、總體情況\n", 2021, "义乌市人民政府"),
        (
            "根据条例规定,现公布泰州市人民政府2017年政府信息公开工作年度报告。报告数据统计期限自2017年1月1日起。",
            2017,
            "泰州市人民政府",
        ),
        ("一、总体情况\n本报告统计期限为2024年1月1日至12月31日。全年公开信息30条。", 2024, None),
        ("一、总体情况\n2022年以来,丰收乡在县委县政府的正确领导下,扎实推进政务公开。", 2022, "丰收乡"),
        ("一、总体情况\n2019年,市审计局主动公开政府信息。黄石市领导干部会议;黄石市政府采购网。", 2019, "黄石市审计局"),
        (
            "市政府办公室2021年度政府信息公开工作报告\n一、总体情况\n荆门市政务新媒体;荆门市营商环境。",
            2021,
            "荆门市人民政府办公室",
        ),
        (
            "一、总体情况\n今年以来,我局按照《关于编制发布2020年政府信息公开年度报告有关事项的通知》要求,"
            "截至2020年12月公开信息58条。",
            2020,
            None,
        ),
        ("一、政府信息公开总体工作情况\n中所列数据的统计期限说明…现将信访局工作报告如下。", None, None),
        (  # no agency in the title: the one that signs the report (落款)
            "2023年政府信息公开工作年度报告\n一、总体情况\n全年公开信息30条。\n六、其他需要报告的事项\n无。\n\n"
            "沭阳县发展和改革局\n2024年1月17日\n",
            2023,
            "沭阳县发展和改革局",
        ),
        (  # a closing line that names no agency is no signature
            "2023年政府信息公开工作年度报告\n一、总体情况\n全年公开信息30条。\n特此报告。\n2024年1月17日\n",
            2023,
            None,
        ),
    ],
)
def test_meta_is_read_from_what_the_text_says_or_left_null(text: str, year: int | None, agency: str | None):
    meta = _extract(text).meta
    assert (meta.year, meta.agency) == (year, agency)


def test_a_narrative_only_report_of_2017_is_pre2019_and_of_2021_is_unknown():
    assert _extract("某市人民政府2017年政府信息公开工作年度报告\n一、概述\n全年公开信息。").template == "pre2019"
    assert _extract("某市人民政府2021年政府信息公开工作年度报告\n一、总体情况\n全年公开信息。").template == "unknown"


def test_a_pre2019_statistics_table_is_not_read_as_the_official_tables():
    text = (
        "某县人民政府2018年政府信息公开工作年度报告\n一、概述\n二、主动公开政府信息情况\n附:统计表\n"
        "指标名称 计量单位 统计数\n行政许可 件 12\n行政处罚 件 3\n"
    )
    out = _extract(text)
    assert out.template == "pre2019" and out.cells == {}


def test_evaluate_counts_absent_and_silently_wrong_cells_per_table_and_format(tmp_path):
    import json

    from extractor.evaluate import evaluate, format_report

    gold = tmp_path / "gold"
    gold.mkdir()
    cells = {"active.rules.made": 1, "active.rules.repealed": 2, "review.reconsideration.total": 3}
    (gold / "r.json").write_text(json.dumps({"file": "r.txt", "template": "2021", "cells": cells}), encoding="utf-8")

    def cell(value, status="read", confidence=0.99):  # type: ignore[no-untyped-def]
        return {"value": value, "status": status, "confidence": confidence}

    out = {
        "source": {"path": "r.txt", "format": "txt"},
        "template": "2021",
        "cells": {"active.rules.made": cell(9), "review.reconsideration.total": cell(None, "missing", 0.0)},
        "checks": [],
    }
    report = evaluate({"r": out}, gold)
    assert dict(report.faults["table active"]) == {"silent": 1, "absent": 1}
    assert dict(report.faults["format txt"]) == {"silent": 1, "absent": 1, "flagged": 1}
    text = format_report(report)
    assert "absent 1  silent 1  flagged 0" in text and "silently wrong: r: active.rules.made" in text


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def test_converter_markdown_placeholder_headers_are_never_read_as_values():
    """A PDF converter's pipe tables: placeholder headers 数据1 … 数据15, split header words, a page footer."""
    text = (FIXTURES / "converter_markdown_2022.md").read_text(encoding="utf-8")
    out = _extract(text)
    assert (out.meta.agency, out.meta.year, out.template) == ("某市人民政府", 2022, "2021")
    assert [out.cells[f"review.litigation_direct.{o}"].value for o in tpl.REVIEW_OUTCOMES] == [2, 1, 0, 0, 3]
    assert out.cells["applications.new_received.total"].value == 33
    assert out.cells["active.normative_docs.in_force"].value == 45
    assert all(c.status != "fail" for c in out.checks)


@given(words=st.sampled_from(["数据", "列", "Column ", "字段"]), n=st.integers(2, 15), first=st.integers(0, 1))
def test_a_numbered_placeholder_header_row_is_dropped(words: str, n: int, first: int):
    from extractor.normalize import placeholder_edits

    row = "| " + " | ".join(f"{words}{i}" for i in range(first, first + n)) + " |\n|" + "---|" * n + "\n"
    body = "| 规章 | 1 | 2 | 3 |\n"
    edits = placeholder_edits(row + body)
    assert edits == [(0, len(row), "")]
    assert placeholder_edits(body) == [] and placeholder_edits("| 数据1 | 数据3 |\n") == []


def _extract_file(name: str):  # type: ignore[no-untyped-def]
    from extractor.extractor import Extractor

    return Extractor(TAGGER).extract_path(FIXTURES / name)


def test_word_export_html_with_merged_cells_reads_every_row():
    """rowspan 三、本年度办理结果 over 23 rows, colspan labels, <br/> in headers, &nbsp; in an empty 总计 cell."""
    out = _extract_file("word_export_table3.html")
    assert out.template_detail == {"applications": "2021"}
    assert out.cells["applications.new_received.total"].value == 6
    assert out.cells["applications.unavailable_not_held.natural_person"].value == 2
    assert out.cells["applications.total.business"].value == 1
    empty = out.cells["applications.carried_forward.total"]
    assert empty.value is None and empty.status == CellStatus.BLANK
    assert not [c for c in out.checks if c.status == "fail"]


def test_an_extra_non_template_row_in_traditional_script_feeds_no_template_row():
    """行政確認 7 | 1 between 行政許可 and 其他對外管理服務事項, one cell per line, traditional script."""
    out = _extract_file("traditional_extra_row_2020.txt")
    assert out.meta.agency == "某县人民政府" and out.template == "2019"
    values = {k.removeprefix("active."): c.value for k, c in out.cells.items()}
    assert [values[f"licensing.{c}"] for c in ("prev_items", "change", "decisions")] == [5, 0, 120]
    assert [values[f"other_services.{c}"] for c in ("prev_items", "change", "decisions")] == [0, 0, 0]
    assert [values[f"penalty.{c}"] for c in ("prev_items", "change", "decisions")] == [2, 0, 30]
    assert values["procurement.amount_yuan"] == 125000
    assert "active: extra_values: a row the template lacks: 行政确认" in out.review.reasons


ONE_LINE_DUMP = (
    "某县人民政府2022年政府信息公开工作年度报告 一、总体情况 全年主动公开信息。 二、主动公开政府信息情况 "
    "第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章 000行政规范性文件693665 "
    "第二十条第(五)项 信息内容 本年处理决定数量 行政许可1234 第二十条第(六)项 信息内容 本年处理决定数量 "
    "行政处罚56行政强制0 第二十条第(八)项 信息内容 本年收费金额(单位:万元) 行政事业性收费12.5 "
    "三、收到和处理政府信息公开申请情况 "
)


def test_a_one_line_crawler_dump_of_table_two_reads_what_is_unambiguous_and_flags_the_rest():
    out = _extract(ONE_LINE_DUMP)
    values = {k.removeprefix("active."): c for k, c in out.cells.items() if k.startswith("active.")}
    assert [values[f"rules.{c}"].value for c in ("made", "repealed", "in_force")] == [0, 0, 0]  # an all-zero run
    assert values["licensing.decisions"].value == 1234 and values["penalty.decisions"].value == 56
    assert values["fees.amount_wan"].value == Decimal("12.5")  # money with its decimals
    ambiguous = [values[f"normative_docs.{c}"] for c in ("made", "repealed", "in_force")]
    assert all(c.value is None and c.status == CellStatus.MISSING and len(c.alternatives) > 1 for c in ambiguous)
    assert any("normative_docs: ambiguous_split" in r for r in out.review.reasons)


def test_markdown_with_one_mini_table_per_result_block_reads_every_row():
    """A vision-OCR tool's markdown: a group heading, then a small pipe table with its own header, per block."""
    out = _extract((FIXTURES / "markdown_mini_tables_2021.md").read_text(encoding="utf-8"))
    assert out.template_detail.get("applications") == "2021"
    assert out.cells["applications.granted.natural_person"].value == 3
    assert out.cells["applications.unavailable_not_held.total"].value == 1
    assert out.cells["applications.total.natural_person"].value == 5
    assert all(c.status in ("pass", "repaired") for c in out.checks if c.rule.startswith("applications."))


_PLACES = ("旬阳", "洪泽", "淮安", "沭阳", "义乌", "黄石", "荆门", "长沙", "宜宾", "德阳")
_UNITS = (
    "县人民政府办公室",
    "市发展和改革委员会",
    "区教育局",
    "市生态环境局",
    "县自然资源局",
    "市人力资源和社会保障局",
    "区卫生健康委员会",
    "市交通运输局",
)
_TITLES = (
    "{a}{y}年度政府信息公开工作年度报告",
    "{a}{y}年政府信息公开工作年度报告",
    "{a}{y}年政府信息公开年度报告",
    "{y}年{a}政府信息公开工作年度报告",  # the year first
    "{y}年度{a}政府信息公开工作年报",
    "{a}政府信息公开工作{y}年度报告",  # the year last
    "{a}关于{y}年政府信息公开工作的年度报告",
)


@given(
    place=st.sampled_from(_PLACES),
    unit=st.sampled_from(_UNITS),
    year=st.integers(2019, 2025),
    title=st.sampled_from(_TITLES),
    breaks=st.lists(st.floats(0.05, 0.95), max_size=2),
    traditional=st.booleans(),
    lead=st.booleans(),
    chrome=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_meta_comes_from_the_title_however_it_is_printed(
    place: str, unit: str, year: int, title: str, breaks: list[float], traditional: bool, lead: bool, chrome: bool
):
    import opencc

    agency = place + unit
    printed = title.format(a=agency, y=year)
    at = printed.index(str(year))  # a line breaks between characters, never inside the year's digits
    cuts = {at if at < c < at + 4 else c for c in (int(b * len(printed)) for b in breaks)}
    for cut in sorted(cuts, reverse=True):  # a title broken over lines
        printed = printed[:cut] + "\n" + printed[cut:]
    if lead:
        printed = f"根据《中华人民共和国政府信息公开条例》规定,现公布{printed}。"
    if traditional:
        printed = opencc.OpenCC("s2t").convert(printed)
    head = f"发布时间:{year + 1}-01-15 来源:{agency}\n" if chrome else ""
    body = f"\n一、总体情况\n{year}年,我单位认真贯彻落实政府信息公开条例,截至{year}年12月31日主动公开信息120条。\n"
    meta = _extract(head + printed + body).meta
    assert (meta.year, meta.agency) == (year, agency), printed


_CITED = "根据《关于做好2021年政府信息公开工作年度报告编制工作的通知》"


@pytest.mark.parametrize(
    ("title", "year", "agency"),
    [
        ("黄石市审计局二〇二一年政府信息公开工作年度报告", 2021, "黄石市审计局"),  # a year in Chinese numerals
        ("德阳市交通运输局二0二二年度政府信息公开工作年度报告", 2022, "德阳市交通运输局"),
        ("《荆门市生态环境局2020年政府信息公开工作年度报告》", 2020, "荆门市生态环境局"),
        ("【宜宾市人力资源和社会保障局】2023年政府信息公开工作年度报告", 2023, "宜宾市人力资源和社会保障局"),
        (_CITED + ",现公布义乌市教育局2021年政府信息公开工作年度报告", 2021, "义乌市教育局"),
        ("关于印发2021年政府信息公开工作年度报告的通知", 2021, None),  # a notice names no agency of a report
        ("旬阳\n县\n人民政府办公室2019年度政府信息公开工作年度报告", 2019, "旬阳县人民政府办公室"),  # broken twice
    ],
)
def test_a_title_in_chinese_numerals_or_brackets_is_read_and_a_cited_notice_is_not(
    title: str, year: int, agency: str | None
):
    body = "\n一、总体情况\n2021年,我单位认真贯彻落实政府信息公开条例。\n"
    meta = _extract(title + body).meta
    assert (meta.year, meta.agency) == (year, agency)


@pytest.mark.parametrize(
    ("line", "dropped"),
    [("|---|---|", True), ("| --- | :---: |", True), ("---|---", True), ("|-|-|", False), ("| — | 3 |", False)],
)
def test_a_markdown_rule_line_is_layout_but_a_row_of_blank_cells_is_not(line: str, dropped: bool):
    from extractor.io.readers import source_from_bytes
    from extractor.normalize import normalize

    text = f"| 申请人情况 | 自然人 |\n{line}\n| 一、本年新收政府信息公开申请数量 | 5 |\n"
    doc = normalize(source_from_bytes("t.md", text.encode("utf-8")))
    assert (line.strip() not in doc.text) is dropped
    at = doc.text.index("5 |")
    assert doc.raw(at, at + 1) == "5"  # offsets still point at the original characters


@given(a=st.integers(0, 9999), b=st.integers(1, 999), sign=st.sampled_from("+-"))
def test_a_sign_glued_after_a_number_starts_the_next_value_and_never_vanishes(a: int, b: int, sign: str):
    from extractor.tagging.rules import VALUE_RX

    glued = f"行政事业性收费{a}{sign}{b}第二十条"  # a one-line dump of 2019's 上一年项目数量 | 本年增/减
    assert [m.group() for m in VALUE_RX.finditer(glued)] == [str(a), f"{sign}{b}"]


@given(
    label=st.sampled_from(
        [v for k, v in tpl.APPLICATION_PRINTED.items() if len(v) > 5 and k not in ("carried_over", "total")]
    ),
    cut=st.integers(2, 5),
    values=st.lists(st.integers(0, 99), min_size=6, max_size=6),
    sep=st.sampled_from(["\t", " "]),
    unit=st.sampled_from(["", "件", "个"]),
)
def test_a_label_wrapped_around_its_values_line_is_joined_back_pointing_at_its_own_characters(
    label: str, cut: int, values: list[int], sep: str, unit: str
):
    """The values line may print counts with their unit (``66个 3个 …``)."""
    from extractor.io.readers import source_from_bytes
    from extractor.normalize import normalize

    row = sep.join(f"{v}{unit}" for v in [*values, sum(values)])
    raw = f"二、上年结转政府信息公开申请数量{sep}{row}\n{label[:cut]}\n{sep}{row}\n{label[cut:]}\n(七)总计\n"
    doc = normalize(source_from_bytes("pdf.txt", raw.encode("utf-8")))
    assert f"{label}\n{sep}{row}\n(七)总计" in doc.text
    at = doc.text.index(label)
    assert doc.raw(at, at + len(label)) == raw[raw.index(label[:cut]) : raw.index(label[cut:]) + len(label) - cut]
    tail = at + cut
    assert raw[doc.offsets.starts[tail] : doc.offsets.ends[tail]] == label[cut]  # moved, not re-typed


def test_values_printed_between_the_halves_of_their_label_read_as_their_row():
    text = (
        "某县人民政府2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第(一)项\n"
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t3\n行政规范\n\t2\t1\t17\n性文件\n"
        "第二十条第(六)项\n信息内容\t本年处理决定数量\n行政处罚\t12\n\t135\n行政强制\n三、收到和处理政府信息公开申请情况\n"
    )
    cells = _extract(text).cells
    assert [cells[f"active.normative_docs.{c}"].value for c in ("made", "repealed", "in_force")] == [2, 1, 17]
    assert cells["active.rules.in_force"].value == 3
    assert cells["active.penalty.decisions"].value == 12
    assert cells["active.enforcement.decisions"].value == 135  # drifted above its label, still its own


def test_a_dash_tab_number_tab_dash_row_is_three_cells_not_a_page_footer():
    from extractor.io.readers import source_from_bytes
    from extractor.normalize import normalize

    doc = normalize(source_from_bytes("t.txt", "规范性文件\n\t—\t286\t—\n- 3 -\n".encode()))
    assert "—\t286\t—" in doc.text and "- 3 -" not in doc.text


def test_a_moved_label_tail_is_never_taken_for_the_head_of_another_wrapped_label():
    from extractor.normalize import apply_edits, wrapped_label_edits

    text = "行政规范\n 1 2 3\n性文件\n 4 5 6\n性文件\n"
    joined, _ = apply_edits(text, wrapped_label_edits(text))
    assert joined == "行政规范性文件\n 1 2 3\n 4 5 6\n性文件\n"  # every character once, none duplicated


_APPLICATION_ROWS = [k for k in tpl.APPLICATION_PRINTED if k.startswith("withheld_")]


@given(
    row=st.sampled_from(_APPLICATION_ROWS),
    counts=st.lists(st.one_of(st.none(), st.integers(0, 999)), min_size=6, max_size=6),
    layout=st.sampled_from(["pipes", "tabs"]),
    merged_label=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_an_empty_cell_printed_as_nothing_keeps_the_cells_after_it_in_their_places(
    row: str, counts: list[int | None], layout: str, merged_label: bool
):
    """A Word table exported as text or converted to markdown prints a blank cell as nothing: ``| 规章 |  | 3 |``
    or ``规章\\t\\t3``. Its place still counts; the values after it never shift into it."""
    from extractor.io.readers import source_from_bytes

    total = sum(c or 0 for c in counts)
    cells = [*counts, total if total or any(c is not None for c in counts) else None]  # a row that adds up
    label = tpl.APPLICATION_PRINTED[row]
    printed = ["" if c is None else str(c) for c in cells]
    full = ["5", "0", "0", "0", "0", "0", "5"]
    if layout == "pipes":
        lead = "|  | " if merged_label else "| "
        line = lead + label + " | " + " | ".join(f"{p:^3}" for p in printed) + " |"
        other = lead + tpl.APPLICATION_PRINTED["new_received"] + " | " + " | ".join(full) + " |"
        header = "| 申请人情况 |  | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |"
    else:
        line = ("\t" if merged_label else "") + label + "\t" + "\t".join(printed)
        other = ("\t" if merged_label else "") + tpl.APPLICATION_PRINTED["new_received"] + "\t" + "\t".join(full)
        header = "申请人情况\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计"
    after = other.replace(tpl.APPLICATION_PRINTED["new_received"], tpl.APPLICATION_PRINTED["unavailable_not_held"])
    text = f"三、收到和处理政府信息公开申请情况\n{header}\n{other}\n{line}\n{after}\n四、其他\n"
    out = extract(source_from_bytes("t.md", text.encode("utf-8")), tagger=TAGGER)
    keys = tpl.keys_of("applications", row, tpl.APPLICANT_COLUMNS)
    assert [out.cells[k].value for k in keys] == cells, text


def test_a_tab_that_ends_every_row_is_a_row_end_but_one_that_ends_some_rows_is_an_empty_last_cell():
    from extractor.normalize import empty_field_edits

    closing = "规章\t1\t2\t3\t\n规范性文件\t4\t5\t6\t\n"
    assert empty_field_edits(closing) == []
    some = "规章\t1\t2\t3\n规范性文件\t4\t5\t\n"
    assert [(at, mark) for at, _, mark in empty_field_edits(some)] == [(len(some) - 1, "—")]
    # a row of two cells (label, items, amount) in a tabbed table, its amount empty; a header of two tabs is no row
    two = "规章\t1\t2\t3\n信息内容\t采购项目数量\t采购总金额\n政府集中采购\t26件\t\n"
    assert [(at, mark) for at, _, mark in empty_field_edits(two)] == [(len(two) - 1, "—")]
    assert empty_field_edits("说明\t26件\t\n") == []  # no tabbed table around it


def test_an_empty_cell_of_a_markdown_header_row_is_no_blank_cell():
    from extractor.normalize import empty_field_edits

    assert empty_field_edits("| 申请人情况 |  |  | 法人或其他组织 |  |\n") == []
    table = "|  | 规章 | 1 | 3 |\n|  | 规范性文件 |  | 3 |\n|  | 行政许可 |  |  |\n"
    # the empty cells before the labels are label columns; 规范性文件's first value column is empty
    assert [at for at, _, _ in empty_field_edits(table)] == [table.index("|  | 3 |\n|  | 行政") + 2]
    merged = "| 一、本年新收 |  | 2 | 3 |\n| (三)不予公开 | 1.属于国家秘密 | 0 | 0 |\n"
    assert empty_field_edits(merged) == []  # a label merged over two columns: its second is no cell
    # table 四's value row under an empty label column: its last 15 cells are values, the first of them empty too
    review = "|| |0|0| | |5|0|11| |16|17|0| |5|22|\n"
    assert [review[at - 1 : at + 1] for at, _, _ in empty_field_edits(review)] == ["| "] * 5


@pytest.mark.parametrize(
    ("printed", "normalized"),
    [
        ("|法人或其<br>他组织|3|", "|法人或其他组织|3|"),  # a converter's line wrap inside a cell: the text runs on
        ("| **规章** | __3__ |", "| 规章 | 3 |"),
        ("| 规章 | 1 | 3 |\n| 规范性文件 | &nbsp; | 3 |", "| 规章 | 1 | 3 |\n| 规范性文件 | — | 3 |"),  # an empty cell
        ("规章<br/>3<BR />5", "规章\n3\n5"),  # outside a markdown row a break is a line break
        ("共**5**件 a&amp;b", "共**5**件 a&b"),  # emphasis is stripped only around a markdown cell's text
    ],
)
def test_markup_a_converter_left_in_the_text_is_layout_not_text(printed: str, normalized: str):
    from extractor.io.readers import source_from_bytes
    from extractor.normalize import normalize

    doc = normalize(source_from_bytes("t.md", printed.encode("utf-8")))
    assert doc.text == normalized
    for i, ch in enumerate(doc.text):
        if ch.isdigit():
            assert doc.raw(i, i + 1) == ch  # offsets still point at the original characters


@given(
    counts=st.lists(st.integers(0, 999), min_size=3, max_size=3),
    unit=st.sampled_from(list(tpl.COUNT_UNITS)),
    sep=st.sampled_from(["\t", " | ", "\n", ""]),
)
@settings(max_examples=60, deadline=None)
def test_a_count_printed_with_its_unit_in_its_cell_is_read(counts: list[int], unit: str, sep: str):
    """``规章\\t5件\\t0件\\t5件``: the unit fills the cell with its count; the count is the cell's value."""
    printed = sep.join(f"{c}{unit}" for c in counts)
    header = "信息内容\t本年制发件数\t本年废止件数\t现行有效件数"
    text = f"二、主动公开政府信息情况\n第二十条第(一)项\n{header}\n规章{sep}{printed}\n三、收到"
    out = _extract(text)
    assert [out.cells[f"active.rules.{c}"].value for c in ("made", "repealed", "in_force")] == counts


@pytest.mark.parametrize(
    "prose",
    [
        "共收到申请12件,均已办结",
        "共 12 件 。",
        "2021年12月31日",
        "按时答复率100%",
        "制发文件3件。",
        "新制发3件行政规范性文件",
    ],
)
def test_a_counted_figure_of_the_prose_is_never_a_cell(prose: str):
    from extractor.tagging.rules import _values

    text = f"规章\t{prose}"
    found = _values(text, 3, len(text))
    assert not [s for s, e, label in found if label == "VALUE"], found


@given(
    rows=st.lists(st.lists(st.integers(0, 999), min_size=3, max_size=3), min_size=2, max_size=2),
    unit=st.sampled_from(list(tpl.COUNT_UNITS[:4])),
    last=st.sampled_from(["行政许可", "第二十条第(五)项"]),
)
@settings(max_examples=40, deadline=None)
def test_a_glued_row_of_counts_with_units_keeps_its_last_count_before_the_next_label(
    rows: list[list[int]], unit: str, last: str
):
    """A one-line dump with units (``规章0项239项39项规范性文件…``): the unit before the next row's label closes
    the last cell; it is never the start of that label, nor the count part of it."""
    labels = ["规章", "规范性文件"]
    printed = "".join(f"{label}{''.join(f'{c}{unit}' for c in row)}" for label, row in zip(labels, rows, strict=True))
    header = "信息内容本年制发件数本年废止件数现行有效件数"
    text = f"二、主动公开政府信息情况\n第二十条第(一)项{header}{printed}{last}\n三、收到"
    out = _extract(text)
    for row, values in zip(("rules", "normative_docs"), rows, strict=True):
        assert [out.cells[f"active.{row}.{c}"].value for c in ("made", "repealed", "in_force")] == values


@given(prev=st.integers(1, 999), change=st.integers(-99, -1), decisions=st.integers(1, 9999))
@settings(max_examples=40, deadline=None)
def test_a_count_with_its_unit_glued_between_two_cells_is_a_cell(prev: int, change: int, decisions: int):
    """``行政许可0-6件3784件``: a change printed with its unit after a count printed without one, and the next
    count glued after it, fills its cell; it is no counted figure of the prose (which no cell follows)."""
    header = "第二十条第(五)项信息内容上一年项目数量本年增/减处理决定数量"
    text = f"二、主动公开政府信息情况\n{header}行政许可{prev}{change}件{decisions}件其他对外管理服务事项\n三、收到"
    out = _extract(text)
    assert [out.cells[f"active.licensing.{c}"].value for c in ("prev_items", "change", "decisions")] == [
        prev,
        change,
        decisions,
    ]


@given(seed=st.integers(0, 10_000))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_figures_printed_with_thousands_separators_read_as_one_cell_each(seed: int):
    """``规章\\t1,304\\t0\\t1,311``: each grouped figure is one cell, in its place, at its printed characters
    (the ``grouped_figures`` family prints them so)."""
    from training.families import with_family

    plain_report = generate(seed)
    report = with_family(plain_report, "grouped_figures", seed)
    plain, out = _extract(plain_report.text), _extract(report.text)
    assert {k: c.value for k, c in out.cells.items()} == {k: c.value for k, c in plain.cells.items()}
    for key, (start, end) in report.positions.items():
        printed, cell = report.text[start:end], out.cells.get(key)
        if "," not in printed or cell is None or cell.value is None:  # missing in the plain print too
            continue
        assert cell.span is not None and report.text[cell.span[0] : cell.span[1]] == printed == cell.raw, key


@pytest.mark.parametrize("text", ["4,1,304", "2019,2020年", "受理12,办结", "0.5,100", "第1,2项"])
def test_a_comma_list_of_figures_keeps_its_commas(text: str):
    from extractor.normalize import thousands_edits

    assert thousands_edits(text) == []


@given(seed=st.integers(0, 3_000), words=st.sampled_from([("增加", "减少"), ("增", "减"), ("上升", "下降")]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_change_printed_with_its_sign_as_a_word_keeps_its_sign(seed: int, words: tuple[str, str]):
    """``其他对外管理服务事项\\t587\\t减少415\\t4789``: the change is -415, read from ``减少415``, never 415."""
    report = generate(seed)
    text, worded = report.text, {}
    for key, (start, end) in sorted(report.positions.items(), key=lambda kv: -kv[1][0]):
        printed = text[start:end]
        glued = text[start - 1 : start].isdigit() or not text[end : end + 1].isspace()  # a one-line dump
        if key.endswith(".change") and printed.lstrip("+-").isdigit() and printed.lstrip("+-") != "0" and not glued:
            worded[key] = (words[1] if printed.startswith("-") else words[0]) + printed.lstrip("+-")
            text = text[:start] + worded[key] + text[end:]
    plain, out = _extract(report.text), _extract(text)
    assert {k: c.value for k, c in out.cells.items()} == {k: c.value for k, c in plain.cells.items()}
    for key, printed in worded.items():
        cell = out.cells[key]
        if cell.value is not None and cell.value < 0:  # a + is no part of a value as the rules read it (+3: 3)
            assert cell.raw == printed, key


@pytest.mark.parametrize("text", ["较上年减少415件。", "本年增/减", "增长率3%", "增加了3个"])
def test_a_sign_word_of_the_prose_or_a_header_is_left_as_it_is(text: str):
    from extractor.normalize import sign_word_edits

    assert sign_word_edits(text) == []


@given(seed=st.integers(0, 10_000), end=st.sampled_from(["\r\n", "\r", "\v", "\u2028"]))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_line_ends_of_any_system_read_as_line_breaks(seed: int, end: str):
    """A Windows text file (\\r\\n), an old Mac one (\\r), Word's manual line break (\\v): the same cells as with
    \\n, at the same characters of the file."""
    text = generate(seed).text
    plain, other = _extract(text), _extract(text.replace("\n", end))
    assert {k: c.value for k, c in other.cells.items()} == {k: c.value for k, c in plain.cells.items()}
    for key, cell in other.cells.items():
        if cell.span is not None:
            assert cell.raw == plain.cells[key].raw, key


_OFFICIAL = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况")


@pytest.mark.parametrize(
    "titles",
    [
        ("二、主动公开情况", "三、依申请公开情况", "四、行政复议和行政诉讼情况"),
        (
            "二、政府信息主动公开情况",
            "三、收到和处理政府信息公开申请的情况",
            "四、因政府信息公开申请行政复议、提起行政诉讼情况",
        ),
        ("表1 主动公开政府信息情况", "表2 收到和处理政府信息公开申请情况", "表3 政府信息公开行政复议、行政诉讼情况"),
        ("(二)主动公开政府信息情况", "(三)收到和处理政府信息公开申请情况", "(四)政府信息公开行政复议、行政诉讼情况"),
    ],
)
def test_a_section_title_printed_shorter_or_under_its_table_number_still_heads_its_table(titles: tuple[str, ...]):
    for seed in range(12):
        text = generate(seed).text
        printed = text
        for official, title in zip(_OFFICIAL, titles, strict=True):
            printed = printed.replace(official, title)
        plain, other = _extract(text), _extract(printed)
        assert other.template_detail == plain.template_detail, (seed, titles)
        assert {k: c.value for k, c in other.cells.items()} == {k: c.value for k, c in plain.cells.items()}, seed


@pytest.mark.parametrize("overview", ["(一)主动公开情况", "(二)依申请公开情况", "二是主动公开情况"])
def test_an_overview_subtitle_like_a_section_title_is_no_section(overview: str):
    from extractor.normalize import normalize

    text = f"一、总体情况\n{overview}\n本年共主动公开信息12条。\n二、主动公开政府信息情况\n第二十条第(一)项\n"
    doc = normalize(_source(text))
    heads = {h.key: doc.text[h.start : h.end] for h in doc.headings}
    assert heads.get("active_disclosure") == "二、主动公开政府信息情况"
    assert "applications" not in heads


@pytest.mark.parametrize(
    ("printed", "joined"),
    [
        ("一、本年新 \n收政府信息公开申请数", "一、本年新收政府信息公开申请数"),  # 数量 printed 数
        ('3.危\n\n及"三安全一稳定"', '3.危及"三安全一稳定"'),  # straight quotes
        ("3.危\n及三安全一稳定", "3.危及三安全一稳定"),  # no quotes
        ("四、结转下年\n度办理", "四、结转下年度办理"),
    ],
)
def test_a_label_printed_in_other_words_is_rejoined_where_a_line_break_splits_its_core(printed: str, joined: str):
    """A row is known by its core words (``本年新收``, ``危及三安全一稳定``): a line break inside them is layout,
    however the rest of the label is worded or quoted."""
    from extractor.normalize import normalize

    doc = normalize(_source(f"三、收到和处理政府信息公开申请情况\n{printed}\t1\t2\t3\n"))
    assert joined in doc.text


class _LabelReadingTagger:
    """The rules, plus a ROW span on each numbered label at a line's start that they leave unread, as the model
    reads a label printed in other words (a numbering on a line of its own and the words on the next line: two)."""

    name = "model:label-reading"

    def tag(self, doc):  # type: ignore[no-untyped-def]
        import re
        from dataclasses import replace

        from extractor.types import Span

        tagged = TAGGER.tag(doc)
        taken = [(sp.start, sp.end) for sp in tagged.spans]
        more = [
            Span(m.start(1), m.end(1), "ROW")
            for m in re.finditer(r"(?m)(?:^|(?<=\t))((?:\d+\.|[(][一二三四五六七][)])[^\t\n\d]{2,})", doc.text)
            if not any(a < m.end(1) and m.start(1) < b for a, b in taken)
        ]
        more += [
            Span(m.start(g), m.end(g), "ROW")
            for m in re.finditer(r"(?m)^(\d+\.)\n([^\t\n\d]{2,})", doc.text)
            for g in (1, 2)
            if not any(a < m.end(2) and m.start(1) < b for a, b in taken)
        ]
        spans = tuple(sorted([*tagged.spans, *more], key=lambda sp: (sp.start, sp.end)))
        return replace(tagged, spans=spans, tagger=self.name)


def _tabs_report_with(seed: int, printed: str, reworded: str):  # type: ignore[no-untyped-def]
    report = generate(seed, layout="tabs")
    assume(printed in report.text and not report.style.break_labels and not report.style.missing)
    return report, report.text.replace(printed, reworded)


@given(
    seed=st.integers(0, 10_000),
    reworded=st.sampled_from(
        [
            ("withheld_internal_affairs", "属于三类内部事务信息", "属于内部事务信息"),
            ("unavailable_not_held", "本机关不掌握相关政府信息", "本机关不掌握该政府信息"),
            ("partially_granted", "部分公开(区分处理的", "部分(区分处理的"),  # its note left aside
            ("withheld_third_party", "4.保护第三方合法权益", "4.\n涉及第三方合法权益"),  # numbering on its own line
        ]
    ),
)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_a_row_label_printed_in_other_words_is_the_template_row_missing_at_its_place(
    seed: int, reworded: tuple[str, str, str]
):
    """``5.属于内部事务信息`` between rows 4 and 6 of 不予公开: the template row missing there, printed alike."""
    row, printed, other = reworded
    report, text = _tabs_report_with(seed, printed, other)
    out = extract(_source(text), tagger=_LabelReadingTagger())
    for key, want in report.cells.items():
        if f".{row}." in key:
            assert out.cells[key].value == want, key
    assert any(i.code.value == "row_by_place" and i.path.endswith(row) for i in out.issues)


@given(seed=st.integers(0, 10_000))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_a_label_unlike_the_row_missing_at_its_place_is_not_taken_for_it(seed: int):
    report, text = _tabs_report_with(seed, "属于三类内部事务信息", "涉及商业秘密的信息")
    out = extract(_source(text), tagger=_LabelReadingTagger())
    assert not any(i.code.value == "row_by_place" for i in out.issues)
    assert all(
        out.cells[k].value is None for k in report.cells if ".withheld_internal_affairs." in k and k in out.cells
    )


@given(seed=st.integers(0, 10_000), gap=st.sampled_from([" ", "  ", "\u3000"]))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_labels_printed_letter_spaced_read_as_the_same_cells(seed: int, gap: str):
    """A PDF or Word table that justifies its labels by spacing their letters (``行 政 许 可``, ``合　　计``): the
    same cells as the unspaced text, each pointing at its own characters."""
    report = generate(seed)
    text = report.text
    for sp in sorted((s for s in report.spans if s.label in ("ROW", "COL", "GROUP")), key=lambda s: -s.start):
        text = text[: sp.start] + gap.join(text[sp.start : sp.end]) + text[sp.end :]
    plain, other = _extract(report.text), _extract(text)
    assert {k: c.value for k, c in other.cells.items()} == {k: c.value for k, c in plain.cells.items()}
    for key, cell in other.cells.items():
        if cell.span is not None:
            assert cell.raw == plain.cells[key].raw, key


@pytest.mark.parametrize(
    ("printed", "normalized"),
    [
        ("行 政 许 可 5 0 3", "行政许可 5 0 3"),
        ("申请人情况 自 然 人 法人或其他组织", "申请人情况 自然人 法人或其他组织"),
        ("2.没有现成信息需要另行制作 无 无 无", "2.没有现成信息需要另行制作 无 无 无"),
        ("自然人 法人 总计", "自然人 法人 总计"),
        ("规章 \\ \\ \\", "规章 \\ \\ \\"),  # blank cells marked with a backslash
    ],
)
def test_only_a_run_of_single_letters_is_closed_up(printed: str, normalized: str):
    from extractor.normalize import apply_edits, letter_spacing_edits

    assert apply_edits(printed, letter_spacing_edits(printed))[0] == normalized


@given(
    seed=st.integers(0, 10_000),
    words=st.sampled_from(
        [
            ("总计", "合计"),  # the total row and columns as many reports print them
            ("危及“三安全一稳定”", "危及国家安全、公共安全、经济安全和社会稳定"),  # the three and one spelled out
        ]
    ),
)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_label_printed_in_the_words_reports_use_for_it_reads_the_same_cells(seed: int, words: tuple[str, str]):
    report = generate(seed)
    assume(words[0] in report.text)
    plain, other = _extract(report.text), _extract(report.text.replace(*words))
    assert {k: c.value for k, c in other.cells.items()} == {k: c.value for k, c in plain.cells.items()}


@given(seed=st.integers(0, 10_000), letter=st.sampled_from(["O", "o"]))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_number_misread_with_a_letter_for_a_digit_reads_as_the_number(seed: int, letter: str):
    """OCR's ``1O5`` for 105: each cell of two digits or more with its zeros printed as a letter reads as printed
    with digits."""
    report = generate(seed)
    text = report.text
    for start, end in sorted(report.positions.values(), reverse=True):
        printed = text[start:end]
        if len(printed) >= 2 and printed.isdigit():
            text = text[:start] + printed.replace("0", letter) + text[end:]
    plain, other = _extract(report.text), _extract(text)
    assert {k: c.value for k, c in other.cells.items()} == {k: c.value for k, c in plain.cells.items()}


@pytest.mark.parametrize(
    ("printed", "normalized"),
    [("1O5 2O l2", "105 20 12"), ("ISO9001", "ISO9001"), ("5G", "5G"), ("A1", "A1"), ("OK", "OK"), ("lO", "lO")],
)
def test_only_a_token_of_digits_and_lookalike_letters_is_read_as_a_number(printed: str, normalized: str):
    from extractor.normalize import apply_edits, lookalike_edits

    assert apply_edits(printed, lookalike_edits(printed))[0] == normalized


@given(seed=st.integers(0, 10_000))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_values_after_a_label_no_row_matches_on_one_line_are_never_the_row_befores(seed: int):
    """A glued dump with a row label the rules do not know (``行政许可14998-60其他对管理服事项2800``): the values
    after it are never read as the cells of the row before it, however sure."""
    report = generate(seed, layout="glued")
    assume("其他对外管理服务事项" in report.text)
    out = _extract(report.text.replace("其他对外管理服务事项", "其他对管理服事项"))
    for key in ("active.licensing.prev_items", "active.licensing.change", "active.licensing.decisions"):
        cell = out.cells.get(key)
        if cell is not None and cell.value is not None and cell.status is CellStatus.READ:
            assert cell.value == report.cells[key], key


def _hard_wrapped(text: str, width: int) -> str:
    """``text`` cut into lines of ``width`` characters whatever they hold, as a fixed-width dump prints it."""
    return "\n".join(line[i : i + width] for line in text.split("\n") for i in range(0, max(len(line), 1), width))


@given(seed=st.integers(0, 10_000), width=st.integers(20, 80))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_hard_wrapped_text_reads_as_the_text_before_the_wrap(seed: int, width: int):
    """A fixed-width dump cuts lines anywhere, inside a number too (``行政事业性收费590`` / ``8.04``: 590 would be
    read, sure): the same cells as the unwrapped text, each pointing at its own characters. (A line the writer
    ended where the wrap would have cut it anyway, its last piece exactly the wrap's width, cannot be told from a
    wrapped one: it is joined to the next.)"""
    report = generate(seed)
    wrapped = _hard_wrapped(report.text, width)
    assume(wrapped.count("\n") > report.text.count("\n") + 8)
    assume(all(len(line) % width for line in report.text.split("\n") if line))
    plain, other = _extract(report.text), _extract(wrapped)
    assert {k: c.value for k, c in other.cells.items()} == {k: c.value for k, c in plain.cells.items()}
    for key, cell in other.cells.items():
        if cell.value is not None:  # its characters as printed, the wrap's break among them
            assert cell.raw.replace("\n", "") == plain.cells[key].raw, key


@pytest.mark.parametrize("name", ["000_b1de9be8d5252a5a.txt", "002_ee4e1e8ab542a5d9.txt", "004_ca6d36624542eac4.txt"])
def test_a_text_whose_lines_end_where_its_writer_ended_them_is_not_unwrapped(name: str):
    from pathlib import Path

    from extractor.normalize import hard_wrap_edits

    text = (Path(__file__).parents[1] / "samples" / name).read_text(encoding="utf-8")
    assert hard_wrap_edits(text) == []
    for seed in range(20):
        assert hard_wrap_edits(generate(seed).text) == []
