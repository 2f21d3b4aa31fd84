"""Alignment, not counting: a missing, blank or glued cell never shifts the rest of the table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import template as tpl
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.splits import Piece, enumerate_splits, sum_rule
from extractor.tagging.rules import RuleTagger

RULES = RuleTagger()

HEADER = (
    "三、收到和处理政府信息公开申请情况\n申请人情况\n"
    "自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n"
)
LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "(一)予以公开",
    "total": "(七)总计",
    "carried_forward": "四、结转下年度继续办理",
}


def _row(label: str, values: list[str], sep: str = "\t") -> str:
    return label + sep + sep.join(values) + "\n"


def _report(rows: dict[str, list[str]], sep: str = "\t") -> str:
    body = "".join(_row(LABELS[k], v, sep) for k, v in rows.items())
    return "某市人民政府2021年政府信息公开工作年度报告\n" + HEADER + body + "四、政府信息公开行政复议、行政诉讼情况\n"


def _extract(text: str, tagger):
    return extract(source_from_bytes("t.txt", text.encode("utf-8")), tagger=tagger)


def test_a_row_with_a_missing_label_does_not_shift_later_rows(tagger):
    rows = {
        "new_received": ["5", "1", "0", "0", "0", "0", "6"],
        "granted": ["4", "1", "0", "0", "0", "0", "5"],
        "total": ["4", "1", "0", "0", "0", "0", "5"],
        "carried_forward": ["1", "0", "0", "0", "0", "0", "1"],
    }
    out = _extract(_report(rows), tagger)
    missing = out.cells["applications.carried_over.natural_person"]  # in the output, never left out
    assert missing.value is None and missing.status == "missing"
    assert out.cells["applications.granted.total"].value == 5
    assert out.cells["applications.carried_forward.natural_person"].value == 1


def test_blank_cells_are_null_never_zero(tagger):
    rows = {"new_received": ["5", "—", "/", "", "0", "无", "5"]}
    out = _extract(_report(rows), tagger)
    cells = {k.rsplit(".", 1)[1]: c for k, c in out.cells.items() if ".new_received." in k}
    assert cells["business"].value is None and cells["business"].status == "blank"
    assert cells["research"].status == "blank"
    assert cells["legal_service"].value == 0
    assert cells["other_org"].status == "blank"
    assert cells["total"].value == 5


def test_glued_rows_are_split_by_the_row_total(tagger):
    rows = {"new_received": ["713000074"], "carried_over": ["1000001"]}
    out = _extract(_report(rows, sep=""), tagger)
    got = [out.cells[f"applications.new_received.{c}"].value for c in tpl.APPLICANT_COLUMNS]
    assert got == [71, 3, 0, 0, 0, 0, 74]
    assert out.cells["applications.new_received.total"].status == "repaired"
    assert out.cells["applications.new_received.total"].raw == "74"


def test_an_html_table_keeps_each_value_in_its_row_and_column(tagger):
    html = (
        "<html><head><title>某区人民政府2022年政府信息公开工作年度报告</title></head><body>"
        "<p>三、收到和处理政府信息公开申请情况</p><table>"
        "<tr><td colspan=3 rowspan=3>(本列数据的勾稽关系)</td><td colspan=7>申请人情况</td></tr>"
        "<tr><td>自然<br>人</td><td colspan=5>法人或其他组织</td><td>总计</td></tr>"
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
        "<tr><td colspan=3>一、本年新收政府信息公开申请数量</td><td>7</td><td>&nbsp;</td><td></td><td>0</td>"
        "<td>0</td><td>0</td><td>7</td></tr></table><p>四、政府信息公开行政复议、行政诉讼情况</p></body></html>"
    )
    source = source_from_bytes("t.html", html.encode("utf-8"))
    out = extract(source, tagger=tagger)
    assert out.meta.agency == "某区人民政府" and out.meta.year == 2022
    c = out.cells
    assert c["applications.new_received.natural_person"].value == 7
    assert c["applications.new_received.business"].status == "blank"
    assert c["applications.new_received.business"].raw == "&nbsp;"
    assert c["applications.new_received.research"].status == "blank"
    assert c["applications.new_received.total"].value == 7
    s, e = c["applications.new_received.total"].span
    assert html[s:e] == "7"


@st.composite
def valid_row(draw):
    parts = draw(st.lists(st.integers(0, 300), min_size=6, max_size=6))
    return [*parts, sum(parts)]


@settings(max_examples=100, deadline=None)
@given(valid_row())
def test_a_glued_valid_row_has_its_true_split_among_the_readings(row):
    glued = "".join(map(str, row))
    readings = enumerate_splits([Piece(glued, 0, True)], [7], sum_rule, limit=100000)
    assert any([int(p.text) for p in r] == row for r in readings)


@st.composite
def procurement(draw):
    items = draw(st.integers(0, 500))
    money = Decimal(draw(st.integers(0, 10**8))) / 100
    return items, money


@settings(max_examples=100, deadline=None)
@given(procurement(), st.sampled_from(["{:.2f}", "{:.2f}元", "{:.0f}元"]))
def test_a_count_glued_to_money_has_its_true_split_among_the_readings(row, printed):
    """``1212345.67``, ``410元``: the count's digits before the amount's, the amount keeping its point and unit."""
    items, money = row
    money = Decimal(printed.format(money).removesuffix("元"))
    glued = f"{items}{printed.format(money)}"
    readings = enumerate_splits([Piece(glued, 0, False, money=True)], [2])
    assert [int(items), money] in [[int(a.text), Decimal(b.text.removesuffix("元"))] for a, b in readings]
    assert all(b.text.endswith("元") == glued.endswith("元") for _, b in readings)
    if items == 0:  # a count has no leading zero: 0 glued to money reads one way only
        assert len(readings) == 1


PROCUREMENT_2019 = (
    "某县人民政府2020年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（九）项\n"
    "信息内容 采购项目数量 采购总金额\n政府集中采购 {}\n三、收到和处理政府信息公开申请情况\n"
)


def test_money_glued_to_a_zero_count_is_split_and_an_ambiguous_run_stays_open(tagger):
    out = _extract(PROCUREMENT_2019.format("0345.5"), tagger)
    assert out.cells["active.procurement.items"].value == 0
    assert out.cells["active.procurement.amount_yuan"].value == Decimal("345.5")
    out = _extract(PROCUREMENT_2019.format("1212345.67"), tagger)
    cell = out.cells["active.procurement.amount_yuan"]
    assert cell.value is None and ["12", "12345.67"] in [list(a) for a in cell.alternatives]
    assert "active.procurement" in {i.path for i in out.issues if i.code == "ambiguous_split"}


def test_a_doubted_row_span_that_is_no_label_does_not_cut_its_rows_values_apart():
    """``政府`` of a running header printed inside table 三, tagged ROW with a low score: the row's values on
    either side of it are still one row (a sure ROW span, or a label, would cut)."""
    from extractor.assemble import Token, _groups
    from extractor.types import Span

    text = "1.属于国家秘密\n0\n0\n## 政府信息公开工作年度报告\n2\n0\n0\n0\n2\n"
    label = Span(0, 8, "ROW", 1.0)
    header = Span(text.index("政府"), text.index("政府") + 2, "ROW", 0.19)
    tokens = [
        Token(i, i + 1, text[i], False, text.count("\n", 0, i), 1.0)
        for i, ch in enumerate(text)
        if ch.isdigit() and i and text[i - 1] == "\n"
    ]
    assert [len(g) for g in _groups(tokens, [label, header], text, 0, [label])] == [7]
    sure = Span(header.start, header.end, "ROW", 0.9)
    assert [len(g) for g in _groups(tokens, [label, sure], text, 0, [label])] == [2, 5]


@dataclass
class _HeadTagger:
    """The rules, with the head of a label cut off by a line between (``一、本年``) also read as a ROW, as the
    model reads it."""

    head: str

    name: str = "model:head"

    def tag(self, doc):  # type: ignore[no-untyped-def]
        from extractor.tagging.rules import RuleTagger
        from extractor.types import Span, TaggedDoc

        tagged = RuleTagger().tag(doc)
        at = doc.text.index(self.head)
        extra = Span(at, at + len(self.head), "ROW", 0.7)
        spans = tuple(sorted([*tagged.spans, extra], key=lambda sp: sp.start))
        return TaggedDoc(doc, spans, self.name)


@settings(max_examples=20, deadline=None)
@given(cut=st.integers(3, 10), header=st.sampled_from(["| 申请人 | 情况自 | 然人 |", "申请人情况\t自然人\t商业企业"]))
def test_a_label_cut_in_two_by_a_line_between_is_its_row(cut: int, header: str) -> None:
    """A converter's header line printed inside a row label (``一、本年`` / ``| 申请人 | …`` / ``新收政府…``):
    the two pieces, no row apart, are the row together, whoever reads them, and the head is no row the
    template lacks."""
    label = LABELS["new_received"]
    values = ["3", "1", "0", "0", "0", "0", "4"]
    text = _report({"new_received": values, "carried_over": ["0"] * 7})
    broken = text.replace(label, f"{label[:cut]}\n{header}\n{label[cut:]}")
    for tagger in (RULES, _HeadTagger(label[:cut])):
        out = _extract(broken, tagger)
        got = [out.cells[f"applications.new_received.{c}"].value for c in tpl.APPLICANT_COLUMNS]
        assert got == [3, 1, 0, 0, 0, 0, 4], (tagger, got)
