"""The review page (审阅页): one report's tables, cells, doubts and source text on one self-contained HTML page,
and the evaluation page (评测报告) of a results file against gold.

Nothing here reads files or the network: the entry points pass in the record, the original text and the page
pictures (``PagePicture``), and get a string of HTML back that holds its own CSS and script (no CDN). The tables
are laid out from the template (``extractor.template``): the printed row and column labels, rows in printed
order, each cell coloured by status and marked by its calibrated confidence; the source text has each cell's
characters highlighted, and a click on a cell scrolls to them (and back).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from extractor import template as tpl
from extractor.calibration import Reliability
from extractor.evaluate import Report, Tally
from extractor.schema import Cell, ExtractionOutput

TABLE_TITLES = {"active": tpl.SECTION_TITLES[1], "applications": tpl.SECTION_TITLES[2], "review": tpl.SECTION_TITLES[3]}
STATUS_COLOURS = {  # status → background
    "read": "#dcf1dc",
    "repaired": "#ffd9a6",
    "inferred": "#e3d3f5",
    "blank": "#ececec",
    "missing": "#fff1bf",
}
STATUS_NAMES = {"read": "读取", "repaired": "修复", "inferred": "推算", "blank": "空白", "missing": "缺失"}
DOUBT = 0.9  # a cell below this calibrated confidence is drawn as doubtful
MAX_SPAN_VIEW = 30_000  # characters of the normalized text in the displaCy view (every character is an element)
MAX_TEXT = 400_000  # characters of source text shown; a longer text is cut (the cells past it say so)


@dataclass(frozen=True)
class PagePicture:
    """A rendered page of a PDF or an image: PNG bytes, and pixels per unit of the boxes (PDF points or image
    pixels) so that a cell's ``Box`` can be drawn on it."""

    page: int
    png: bytes
    width: int
    height: int
    scale: float


@dataclass(frozen=True)
class TaggedSpan:
    """A span the tagger found, in the normalized text (for the displaCy view)."""

    start: int
    end: int
    label: str


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell_id(key: str) -> str:
    return "c-" + key.replace(".", "-")


def _mark_id(key: str) -> str:
    return "s-" + key.replace(".", "-")


def failing_cells(out: ExtractionOutput) -> dict[str, list[str]]:
    """Each cell named by a failing check → the checks' rule and arithmetic (``60+8 ≠ 68+0``)."""
    found: dict[str, list[str]] = {}
    for check in out.checks:
        if check.status.value == "fail":
            for key in check.cells:
                found.setdefault(key, []).append(f"{check.rule}: {check.detail}")
    return found


def _layout_keys(out: ExtractionOutput, table: str) -> list[str]:
    """The cell keys of ``table`` in printed order for the report's layout, then any other key it has."""
    layout = out.template_detail.get(table) or out.template
    keys = tpl.table_keys(table, layout if layout in ("2019", "2021") else "2021")
    extra = [k for k in out.cells if tpl.table_of(k) == table and k not in keys]
    return [*keys, *extra]


def _value_text(cell: Cell) -> str:
    if cell.status.value == "blank":
        return "—"
    if cell.value is None:
        return ""
    return str(cell.value)


def _cell_html(key: str, cell: Cell | None, failing: Mapping[str, list[str]]) -> str:
    if cell is None:
        return f'<td class="cell absent" id="{_cell_id(key)}" title="{_e(key)}: 未输出"></td>'
    status = cell.status.value
    classes = ["cell", status]
    if cell.confidence < DOUBT:
        classes.append("doubt")
    if key in failing:
        classes.append("fail")
    tip = [key, f"{STATUS_NAMES.get(status, status)} ({status}), 置信度 {cell.confidence:.2f}"]
    if cell.raw:
        tip.append(f"原文 “{cell.raw}”")
    tip.extend(failing.get(key, []))
    if cell.alternatives:
        tip.append("其他读法: " + "; ".join(json.dumps(a, ensure_ascii=False) for a in cell.alternatives))
    span = "" if cell.span is None else f' data-span="{_mark_id(key)}"'
    bar = f'<i class="conf" style="width:{max(0.0, min(1.0, cell.confidence)) * 100:.0f}%"></i>'
    return (
        f'<td class="{" ".join(classes)}" id="{_cell_id(key)}" data-key="{_e(key)}"{span} '
        f'title="{_e(chr(10).join(tip))}">{_e(_value_text(cell))}{bar}</td>'
    )


def tables_html(out: ExtractionOutput) -> str:
    """The three tables as printed: rows and columns with their Chinese labels, one coloured cell each."""
    failing = failing_cells(out)
    parts = []
    for table, title in TABLE_TITLES.items():
        keys = _layout_keys(out, table)
        if not any(k in out.cells for k in keys):
            parts.append(f'<section class="table"><h3>{_e(title)}</h3><p class="none">未找到此表</p></section>')
            continue
        rows: dict[str, list[str]] = {}
        for key in keys:
            cell = tpl.CellKey.parse(key)
            rows.setdefault(cell.row, []).append(cell.column)
        columns = list(dict.fromkeys(tpl.CellKey.parse(k).column for k in keys))  # the layout's printed order
        head = "".join(f"<th>{_e(tpl.COLUMN_LABELS.get(f'{table}.{c}', c))}</th>" for c in columns)
        body = []
        for row, cols in rows.items():
            label = tpl.ROW_LABELS.get(f"{table}.{row}", row)
            cells = "".join(
                _cell_html(f"{table}.{row}.{c}", out.cells.get(f"{table}.{row}.{c}"), failing)
                if c in cols
                else '<td class="na"></td>'
                for c in columns
            )
            body.append(f'<tr><th class="row" title="{_e(row)}">{_e(label)}</th>{cells}</tr>')
        parts.append(
            f'<section class="table"><h3>{_e(title)}</h3><table><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></section>"
        )
    return "\n".join(parts)


def source_html(out: ExtractionOutput, raw_text: str) -> str:
    """The original text with every cell's characters in a ``<mark>`` (cells sharing characters share it)."""
    marks: list[tuple[int, int, list[str]]] = []
    for key, cell in sorted(out.cells.items(), key=lambda kv: kv[1].span or (0, 0)):
        if cell.span is None or cell.span[1] <= cell.span[0] or cell.span[1] > min(len(raw_text), MAX_TEXT):
            continue
        start, end = cell.span
        if marks and start < marks[-1][1]:  # overlapping the previous mark: one mark for both
            last = marks[-1]
            marks[-1] = (last[0], max(last[1], end), [*last[2], key])
            continue
        marks.append((start, end, [key]))
    failing = failing_cells(out)
    pieces, at = [], 0
    for start, end, keys in marks:
        pieces.append(_e(raw_text[at:start]))
        status = out.cells[keys[0]].status.value
        fail = " fail" if any(k in failing for k in keys) else ""
        ids = " ".join(_mark_id(k) for k in keys)
        pieces.append(
            f'<mark class="{status}{fail}" id="{_mark_id(keys[0])}" data-ids="{ids}" '
            f'data-keys="{_e(" ".join(keys))}" title="{_e(", ".join(keys))}">{_e(raw_text[start:end])}</mark>'
        )
        at = end
    shown = raw_text[:MAX_TEXT]
    pieces.append(_e(shown[at:]))
    cut = (
        f'<p class="none">原文共 {len(raw_text):,} 字, 只显示前 {MAX_TEXT:,} 字</p>' if len(raw_text) > MAX_TEXT else ""
    )
    return f'<pre id="source">{"".join(pieces)}</pre>{cut}'


def pictures_html(out: ExtractionOutput, pictures: Sequence[PagePicture]) -> str:
    """Each page picture with the boxes of the cells read on it."""
    parts = []
    for pic in pictures:
        boxes = []
        for key, cell in out.cells.items():
            b = cell.box
            if b is None or b.page != pic.page:
                continue
            s = pic.scale
            w, h = pic.width or 1, pic.height or 1
            style = (  # in percent of the picture, so that the boxes follow it when it is scaled to the pane
                f"left:{100 * b.x0 * s / w:.2f}%;top:{100 * b.top * s / h:.2f}%;"
                f"width:{max(0.3, 100 * (b.x1 - b.x0) * s / w):.2f}%;"
                f"height:{max(0.3, 100 * (b.bottom - b.top) * s / h):.2f}%"
            )
            boxes.append(
                f'<div class="box {cell.status.value}" data-key="{_e(key)}" id="b-{_cell_id(key)}" '
                f'style="{style}" title="{_e(key)}"></div>'
            )
        data = base64.b64encode(pic.png).decode("ascii")
        parts.append(
            f'<figure class="page" style="aspect-ratio:{pic.width}/{pic.height}">'
            f'<img src="data:image/png;base64,{data}" alt="第 {pic.page} 页">'
            f"{''.join(boxes)}<figcaption>第 {pic.page} 页</figcaption></figure>"
        )
    return "\n".join(parts)


def spans_html(text: str, spans: Iterable[TaggedSpan]) -> str:
    """The tagger's spans in displaCy's span view (a ``spacy.blank("zh")`` ``Doc``, one token per character), or
    a note where spaCy is not installed (``pip install 'xxgk[view]'``)."""
    spans = list(spans)
    if not spans:
        return '<p class="none">无标注片段</p>'
    try:
        import spacy
        from spacy import displacy
        from spacy.tokens import Doc, Span
    except ImportError:
        return "<p class=\"none\">spaCy 未安装 (pip install 'xxgk[view]'): 标注片段视图从略</p>"
    spans = sorted((s for s in spans if 0 <= s.start < s.end <= len(text)), key=lambda s: s.start)
    if not spans:
        return '<p class="none">无标注片段</p>'
    # the stretch that holds the spans (the tables), with a little context, and at most MAX_SPAN_VIEW characters
    lo = max(0, spans[0].start - 40)
    hi = min(len(text), max(s.end for s in spans) + 40, lo + MAX_SPAN_VIEW)
    kept = [s for s in spans if s.end <= hi]
    nlp = spacy.blank("zh")
    shown = {"\n": "⏎", "\t": "⇥", " ": "·"}
    part = text[lo:hi]
    doc = Doc(nlp.vocab, words=[shown.get(ch, ch) for ch in part], spaces=[False] * len(part))
    doc.spans["sc"] = [Span(doc, s.start - lo, s.end - lo, s.label) for s in kept]
    cut = len(kept) < len(spans)
    note = f'<p class="none">字符 {lo:,}–{hi:,}' + (f", 前 {len(kept)}/{len(spans)} 个片段" if cut else "") + "</p>"
    return note + str(displacy.render(doc, style="span", page=False, jupyter=False))


def meta_html(out: ExtractionOutput) -> str:
    meta = out.meta
    rows = [
        ("文件", out.source.path),
        ("格式 / 编码", f"{out.source.format} / {out.source.encoding or '-'}"),
        (
            "模板",
            out.template + (f" ({json.dumps(out.template_detail, ensure_ascii=False)})" if out.template_detail else ""),
        ),
        ("机关", meta.agency or "-"),
        ("年度", meta.year or "-"),
        ("发布日期", meta.published or "-"),
        ("置信度", "-" if out.confidence is None else f"{out.confidence:.3f}"),
        ("读取者", out.tagger or "-"),
    ]
    if out.error:
        rows.append(("错误", f"{out.error.kind}: {out.error.message}"))
    return "<table class='meta'>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows) + "</table>"


def doubts_html(out: ExtractionOutput) -> str:
    """The review reasons, the failing checks with their arithmetic, and the doubtful cells' alternatives."""
    reasons = "".join(f"<li>{_e(r)}</li>" for r in out.review.reasons) or "<li>无</li>"
    checks = "".join(
        f'<li class="fail" data-cells="{_e(" ".join(c.cells))}"><b>{_e(c.rule)}</b>: {_e(c.detail)}</li>'
        for c in out.checks
        if c.status.value == "fail"
    )
    doubtful = [
        (k, c)
        for k, c in out.cells.items()
        if c.alternatives or c.confidence < DOUBT or c.status.value in ("repaired", "inferred", "missing")
    ]
    items = "".join(
        f'<li><a href="#{_cell_id(k)}" data-key="{_e(k)}">{_e(c.row_label or k)} / {_e(c.column_label or "")}</a> '
        f"{_e(STATUS_NAMES.get(c.status.value, c.status.value))}, {c.confidence:.2f}"
        + (
            " — 其他读法: " + _e("; ".join(json.dumps(a, ensure_ascii=False) for a in c.alternatives))
            if c.alternatives
            else ""
        )
        + "</li>"
        for k, c in doubtful
    )
    passed = sum(c.status.value in ("pass", "repaired") for c in out.checks)
    return (
        f"<h3>审阅理由 (review: {'needed' if out.review.needed else 'not needed'})</h3><ul>{reasons}</ul>"
        f"<h3>勾稽关系 {passed}/{len(out.checks)} 通过</h3>"
        f"<ul class='checks'>{checks or '<li>无不通过的规则</li>'}</ul>"
        f"<h3>存疑单元格 ({len(doubtful)})</h3><ul class='doubts'>{items or '<li>无</li>'}</ul>"
    )


def legend_html() -> str:
    items = "".join(
        f'<span class="cell {s}">{_e(STATUS_NAMES[s])} {s}</span>'
        for s in ("read", "repaired", "inferred", "blank", "missing")
    )
    return (
        f'<p class="legend">{items} <span class="cell fail">规则不通过</span> '
        f'<span class="cell doubt">置信度 &lt; {DOUBT}</span> 单元格下方的条: 校准置信度</p>'
    )


CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:0;font-size:13px}
header{padding:8px 16px;background:#20324a;color:#fff}header h1{font-size:17px;margin:0}
main{display:flex;gap:12px;padding:12px;align-items:flex-start}
#left{flex:0 0 55%;overflow:auto;max-height:calc(100vh - 70px)}
#right{flex:1;overflow:auto;max-height:calc(100vh - 70px);border-left:1px solid #ccc;padding-left:10px}
table{border-collapse:collapse;margin:4px 0 12px}th,td{border:1px solid #bbb;padding:2px 5px}
th{background:#f4f6f9;font-weight:normal;font-size:12px}th.row{text-align:left;max-width:260px}
td.cell{position:relative;min-width:38px;text-align:right;cursor:pointer;padding-bottom:5px}
td.na{background:repeating-linear-gradient(45deg,#fafafa,#fafafa 4px,#f0f0f0 4px,#f0f0f0 8px)}
td.absent{background:#fff}
.read{background:#dcf1dc}.repaired{background:#ffd9a6}.inferred{background:#e3d3f5}.blank{background:#ececec}
.missing{background:#fff1bf}
.cell.doubt{outline:2px dashed #c77700;outline-offset:-3px}
.cell.fail,mark.fail{box-shadow:inset 0 0 0 2px #d00}
i.conf{position:absolute;left:0;bottom:0;height:3px;background:#2a7}
.doubt i.conf{background:#d80}
.legend .cell{display:inline-block;padding:1px 6px;margin-right:4px;border:1px solid #bbb}
pre#source{white-space:pre-wrap;word-break:break-all;font-size:12px;line-height:1.5}
mark{cursor:pointer;padding:0 1px;border-radius:2px}
.active{outline:3px solid #1565c0 !important;outline-offset:0}
li.fail{color:#a00}ul{padding-left:18px;margin:4px 0}
.none{color:#888}
figure.page{position:relative;margin:8px 0;border:1px solid #999;max-width:100%}
figure.page img{display:block;width:100%;height:100%}
figure.page .box{position:absolute;border:2px solid #1565c0;opacity:.55;cursor:pointer}
figure.page figcaption{position:absolute;right:4px;top:4px;background:#fff;padding:0 4px}
table.meta th{text-align:left}
"""

SCRIPT = """
(function(){
  function clear(){document.querySelectorAll('.active').forEach(function(n){n.classList.remove('active')})}
  function show(el){if(!el)return;clear();el.classList.add('active');el.scrollIntoView({block:'center'})}
  document.addEventListener('click',function(ev){
    var t=ev.target.closest('td.cell,a[data-key],mark,.box');if(!t)return;
    if(t.tagName==='MARK'){ev.preventDefault();
      var k=(t.dataset.keys||'').split(' ')[0];show(document.getElementById('c-'+k.split('.').join('-')));return}
    var key=t.dataset.key;if(!key)return;ev.preventDefault();var id=key.split('.').join('-');
    var mark=document.querySelector('mark[data-ids~="s-'+id+'"]');var box=document.getElementById('b-c-'+id);
    var cell=document.getElementById('c-'+id);
    if(t.tagName==='A'||t.classList.contains('box')){show(cell);return}
    show(mark||box);if(mark&&box){box.classList.add('active')}cell.classList.add('active')
  });
})();
"""


def review_page(
    out: ExtractionOutput,
    raw_text: str | None,
    pictures: Sequence[PagePicture] = (),
    tagged: tuple[str, Sequence[TaggedSpan]] | None = None,
) -> str:
    """The review page of one record: tables, doubts and meta on the left; the original text with every cell
    highlighted (and the page pictures with their boxes) on the right; the tagger's spans below when given
    (``tagged``: the normalized text and its spans)."""
    title = f"{out.meta.agency or ''} {out.meta.year or ''} {out.source.path}".strip()
    source = source_html(out, raw_text) if raw_text is not None else '<p class="none">原文不可得</p>'
    spans = ""
    if tagged is not None:
        spans = f"<h2>标注片段 (tagger spans, normalized text)</h2>{spans_html(*tagged)}"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>审阅 {_e(title)}</title><style>{CSS}</style></head>
<body><header><h1>审阅 · {_e(title)}</h1></header>
<main><div id="left">{legend_html()}{tables_html(out)}{doubts_html(out)}<h3>文档信息</h3>{meta_html(out)}{spans}</div>
<div id="right"><h2>原文</h2>{pictures_html(out, pictures)}{source}</div></main>
<script>{SCRIPT}</script></body></html>
"""


# ---- the evaluation page ---------------------------------------------------------------------------
def reliability_svg(rel: Reliability, size: int = 260) -> str:
    """A reliability diagram: per confidence bin, the share of cells right (a bar at the bin's mean
    confidence, its width the bin's) against the diagonal of perfect calibration; counts in the tooltips."""
    pad = 30
    inner = size - 2 * pad

    def x(v: float) -> float:
        return pad + v * inner

    def y(v: float) -> float:
        return size - pad - v * inner

    bars = []
    for lo, hi, n, conf, share in rel.bins:
        bars.append(
            f'<rect class="bin" x="{x(lo):.1f}" y="{y(share):.1f}" width="{max(1.0, x(hi) - x(lo)):.1f}" '
            f'height="{share * inner:.1f}" fill="#5b8fd9" stroke="#fff"><title>[{lo:.3f}, {hi:.3f}): n={n}, '
            f"confidence {conf:.3f}, right {share:.3f}</title></rect>"
            f'<circle cx="{x(conf):.1f}" cy="{y(share):.1f}" r="3" fill="#c33"/>'
        )
    ticks = "".join(
        f'<text x="{x(v):.0f}" y="{size - pad + 14}" font-size="10" text-anchor="middle">{v:g}</text>'
        f'<text x="{pad - 4}" y="{y(v) + 3:.0f}" font-size="10" text-anchor="end">{v:g}</text>'
        for v in (0, 0.5, 1)
    )
    return (
        f'<svg class="reliability" width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img">'
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="#fafafa" stroke="#999"/>{"".join(bars)}'
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#888" stroke-dasharray="4 3"/>{ticks}'
        f'<text x="{size / 2}" y="{size - 4}" font-size="11" text-anchor="middle">置信度 confidence</text>'
        f'<text x="10" y="{size / 2}" font-size="11" transform="rotate(-90 10 {size / 2})" '
        f'text-anchor="middle">正确率 right</text></svg>'
    )


def _tally_rows(items: Iterable[tuple[str, Tally]], links: Mapping[str, str] | None = None) -> str:
    rows = []
    for name, t in items:
        label = f'<a href="{_e(links[name])}">{_e(name)}</a>' if links and name in links else _e(name)
        bad = "" if t.right == t.total else ' class="bad"'
        rows.append(f"<tr{bad}><td>{label}</td><td>{t.right}/{t.total}</td><td>{t.rate:.4f}</td></tr>")
    return "".join(rows)


def evaluation_page(report: Report, rel: Reliability | None, links: Mapping[str, str], title: str) -> str:
    """Accuracy per table, template, format and file (each file linked to its review page), the reliability
    diagram of the cells' confidence, and the absent and silently wrong cells."""
    head = "<tr><th></th><th>right / cells</th><th>accuracy</th></tr>"
    groups = "".join(
        f"<h3>{_e(name)}</h3><table>{head}{_tally_rows(sorted(by.items()))}</table>"
        for name, by in (
            ("按表 by table", report.by_table),
            ("按模板 by template", report.by_template),
            ("按格式 by input format", report.by_format),
        )
    )
    files = f"<table>{head}{_tally_rows(sorted(report.by_file.items()), links)}</table>"
    wrong = "".join(
        f"<li><b>{_e(stem)}</b><ul>{''.join(f'<li>{_e(w)}</li>' for w in ws)}</ul></li>"
        for stem, ws in sorted(report.wrong.items())
        if ws
    )
    absent = sum(f.get("absent", 0) for g, f in report.faults.items() if g == "all")
    silent = "".join(f"<li>{_e(s)}</li>" for s in report.silent) or "<li>无</li>"
    diagram = (
        ""
        if rel is None
        else (
            f"<h3>可靠性图 reliability (n={rel.n}, ECE {rel.ece:.4f}, Brier {rel.brier:.4f})</h3>{reliability_svg(rel)}"
        )
    )
    missing = (
        f"<p class='bad'>无输出的 gold 文件: {_e(', '.join(report.missing_outputs))}</p>"
        if report.missing_outputs
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>评测 {_e(title)}</title><style>{CSS}
tr.bad td{{background:#fde8e8}}#eval{{padding:12px;display:flex;gap:24px;flex-wrap:wrap}}#eval>div{{min-width:300px}}
</style></head>
<body><header><h1>评测 · {_e(title)}: {report.cells.right}/{report.cells.total} = {report.cells.rate:.4f}</h1></header>
<div id="eval"><div><h2>单元格正确率 cell accuracy</h2>{groups}{diagram}</div>
<div><h2>按文件 by file</h2>{files}{missing}</div>
<div><h2>错误 wrong cells (absent {absent}, silent {len(report.silent)})</h2>
<h3>静默错误 silently wrong (read or blank, confidence ≥ 0.9, no failing check)</h3><ul>{silent}</ul>
<h3>全部错误 all wrong, by file</h3><ul>{wrong or "<li>无</li>"}</ul></div></div></body></html>
"""
